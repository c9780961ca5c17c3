/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libnftables in-process, in whatever network namespace the calling
 * thread is in. Each script runs as one transaction.
 */
#ifndef TS_NFT_H
#define TS_NFT_H

#include <stdbool.h>

struct ts_error;

/* Run an nft script; *output (optional) receives what nft printed. */
int ts_nft_run(const char *script, char **output, struct ts_error *err);

/*
 * Listing of `table inet terok_shield` into *listing, or NULL when the
 * table does not exist. terse: leave out set elements (what verification
 * wants: invariants never depend on them, and big sets list slowly).
 */
int ts_nft_list_table(bool terse, char **listing, struct ts_error *err);

/*
 * Whether nf_tables works for this user: a child process creates a table
 * in a fresh network namespace (and a user namespace when not root).
 */
int ts_nft_probe(struct ts_error *err);

#endif
