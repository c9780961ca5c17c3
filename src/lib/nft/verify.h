/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verification of the live table (docs/ruleset.md), from the text of
 * `nft list table inet terok_shield`. Checks invariants on what the
 * kernel holds, not on what was sent. The classifier is in the public
 * header (ts_shield_state_classify).
 */
#ifndef TS_VERIFY_H
#define TS_VERIFY_H

#include <stdbool.h>

struct ts_error;

/* Default-deny (or interactive) invariants. err lists every failed one. */
int ts_verify_up(const char *listing, struct ts_error *err);

/* Bypass invariants; all=true: private ranges need not be refused. */
int ts_verify_down(const char *listing, bool all, struct ts_error *err);

#endif
