/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verification of the live table (docs/ruleset.md), from libnftables' JSON
 * listing of it (`nft -j -t -p list table inet terok_shield`, nft/listing.h).
 * Checks invariants on what the kernel holds, not on what was sent.
 */
#ifndef TS_VERIFY_H
#define TS_VERIFY_H

#include <stdbool.h>

#include <terok-shield/terok-shield.h>

/*
 * The shield state of a JSON listing (NULL or blank: no table, inactive), as
 * ts_shield_state_classify() of the public header documents it.
 */
enum ts_shield_state ts_verify_classify(const char *listing);

/* Default-deny (or interactive) invariants. err lists every failed one. */
int ts_verify_up(const char *listing, struct ts_error *err);

/* Bypass invariants; all=true: private ranges need not be refused. */
int ts_verify_down(const char *listing, bool all, struct ts_error *err);

/*
 * The counters (docs/ruleset.md#counters): counting sets, the bounded
 * refused sets and, in an up table, the rules that fill them. Not part of the
 * up invariants: a table made before counters existed is still up, and
 * reads as "no counters" (stats, metrics) until `up` replaces it.
 */
int ts_verify_counters(const char *listing, struct ts_error *err);

/* Block invariants (loopback only). */
int ts_verify_block(const char *listing, struct ts_error *err);

#endif
