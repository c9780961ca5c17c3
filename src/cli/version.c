/* SPDX-License-Identifier: Apache-2.0 */
/* --version: this tool, podman, and whether nf_tables works here. */
#include <stdio.h>

#include "base/util.h"
#include "cli.h"
#include "container/podman.h"
#include "nft/nft.h"

int version_print(void)
{
	_cleanup_free_ char *podman = NULL;
	struct ts_error err = { 0 };

	printf("terok-shield %s\n", ts_version());
	printf("podman %s\n", ts_podman_version(&podman, NULL) == 0 ? podman : "not found");
	if (ts_nft_probe(&err) == 0)
		printf("nftables: available\n");
	else
		printf("nftables: unavailable (%s)\n", err.message);
	return 0;
}
