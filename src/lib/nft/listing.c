/* SPDX-License-Identifier: Apache-2.0 */
#include <nftables/libnftables.h>

#include "base/util.h"
#include "nft/listing.h"
#include "nft/nft.h"
#include "nft/nft_names.h"

int ts_nft_list_json(struct ts_nft *nft, char **listing, struct ts_error *err)
{
	*listing = NULL;
	struct ts_error why = { 0 };
	int r = ts_nft_exec_flags(nft, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_TERSE | NFT_CTX_OUTPUT_NUMERIC_PROTO,
				  "list table " TS_NFT_FAMILY " " TS_NFT_TABLE, listing, &why);
	if (r == -ENOENT)
		return 0;
	if (r < 0 && err)
		*err = why;
	return r;
}

int ts_nft_list_table_json(char **listing, struct ts_error *err)
{
	struct ts_nft *nft = NULL;
	int r = ts_nft_open(&nft, err);
	if (r == 0)
		r = ts_nft_list_json(nft, listing, err);
	ts_nft_close(nft);
	return r;
}
