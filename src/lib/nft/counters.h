/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-element counters of the live table (docs/ruleset.md, counters),
 * read from libnftables' JSON listing with set elements. Pure: JSON in,
 * destinations out.
 */
#ifndef TS_NFT_COUNTERS_H
#define TS_NFT_COUNTERS_H

#include <stddef.h>

#include <terok-shield/terok-shield.h>

/*
 * The elements of the counting sets (allow, dns, scoped, deny, refused)
 * that saw traffic, as new entries (domain NULL; ts_traffic_list_free()). An
 * address in two allowed sets (allow and dns) is one entry with the
 * larger counts: rule order makes the first set see all of its traffic.
 * Elements that are no valid address, network or range are left out.
 * Unsorted. -EPROTO when text is no JSON listing.
 */
int ts_nft_counters_parse(const char *text, struct ts_traffic **list, size_t *n,
			  struct ts_error *err);

/* Release a list of entries and their strings (NULL is fine). */
void ts_traffic_list_free(struct ts_traffic *list, size_t n);

/* Most bytes first, then most packets, then by destination. */
void ts_traffic_sort(struct ts_traffic *list, size_t n);

#endif
