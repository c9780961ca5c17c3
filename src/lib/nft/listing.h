/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The live table as libnftables' JSON (nftables' machine interface, stable
 * across releases where the text is not): what verification and the state
 * classifier read (nft/verify.h).
 */
#ifndef TS_NFT_LISTING_H
#define TS_NFT_LISTING_H

struct ts_error;
struct ts_nft;

/*
 * `nft -j -t -p list table inet terok_shield` into *listing, or NULL when
 * the table does not exist (read as the inet ruleset, cut down to the
 * table: see listing.c). Terse: no set elements are printed (the
 * invariants never depend on them, and a big set formats slowly). Numeric
 * protocols: no /etc/protocols lookup (NSS loads modules: milliseconds,
 * and names that differ between systems).
 */
int ts_nft_list_json(struct ts_nft *nft, char **listing, struct ts_error *err);

/*
 * The table with its set elements and their counters (nft/counters.h), as
 * JSON; numeric protocols. An error when the table does not exist. Every
 * element is fetched: for the counters, not for the checks.
 */
int ts_nft_list_elements_json(struct ts_nft *nft, char **listing, struct ts_error *err);

/* The same on a context of its own, in the calling thread's namespace. */
int ts_nft_list_table_json(char **listing, struct ts_error *err);

#endif
