/* SPDX-License-Identifier: Apache-2.0 */
#include <jansson.h>
#include <nftables/libnftables.h>

#include "base/util.h"
#include "nft/listing.h"
#include "nft/nft.h"
#include "nft/nft_names.h"

/* An object of the listing ({"table": {...}}, {"rule": {...}}, ...) that belongs to our table. */
static bool ours(const json_t *item, bool *is_table)
{
	const char *kind = NULL;
	const json_t *v = NULL;
	if (json_is_object(item) && json_object_size(item) == 1) {
		void *it = json_object_iter((json_t *)item);
		kind = json_object_iter_key(it);
		v = json_object_iter_value(it);
	}
	*is_table = kind && strcmp(kind, "table") == 0;
	const char *family = json_string_value(json_object_get(v, "family"));
	const char *table = json_string_value(json_object_get(v, *is_table ? "name" : "table"));
	return family && table && strcmp(family, TS_NFT_FAMILY) == 0 &&
	       strcmp(table, TS_NFT_TABLE) == 0;
}

/* The listing of the inet ruleset cut down to our table's objects; NULL without our table. */
static int only_our_table(const char *ruleset, char **listing, struct ts_error *err)
{
	json_error_t jerr;
	json_t *root = json_loads(ruleset, 0, &jerr);
	json_t *items = json_object_get(root, "nftables");
	if (!json_is_array(items)) {
		json_decref(root);
		return ts_error_set(err, EPROTO, "nft: unexpected JSON listing: %s", jerr.text);
	}
	bool found = false;
	for (size_t i = 0; i < json_array_size(items);) {
		bool is_table;
		json_t *item = json_array_get(items, i);
		if (ours(item, &is_table) || json_object_get(item, "metainfo")) {
			found = found || is_table;
			i++;
		} else {
			json_array_remove(items, i);
		}
	}
	*listing = found ? json_dumps(root, 0) : NULL;
	json_decref(root);
	if (found && !*listing)
		abort();
	return 0;
}

int ts_nft_list_json(struct ts_nft *nft, char **listing, struct ts_error *err)
{
	*listing = NULL;
	_cleanup_free_ char *ruleset = NULL;
	/*
	 * The family's ruleset, not `list table`: libnftables 1.0.6 leaves
	 * named sets' elements out of the cache only for a terse ruleset
	 * listing (a `list table` fetches all 10,000 and drops them).
	 */
	int r = ts_nft_exec_flags(nft, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_TERSE |
					       NFT_CTX_OUTPUT_NUMERIC_PROTO,
				  "list ruleset " TS_NFT_FAMILY, &ruleset, err);
	return r < 0 ? r : only_our_table(ruleset, listing, err);
}

int ts_nft_list_elements_json(struct ts_nft *nft, char **listing, struct ts_error *err)
{
	return ts_nft_exec_flags(nft, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_NUMERIC_PROTO,
				 "list table " TS_NFT_FAMILY " " TS_NFT_TABLE, listing, err);
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
