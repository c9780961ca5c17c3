/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ruleset generator (docs/ruleset.md): the auditable security boundary.
 * Pure: text in, text out, no I/O. Every interpolated value is parsed and
 * re-formatted canonically first, so nothing but validated addresses and
 * numbers ever reaches nft text. Depends on libc, addr, scope and strbuf only.
 *
 * ts_ruleset_script produces the whole-table script (public as
 * ts_ruleset_generate); the element commands complete it.
 */
#ifndef TS_RULESET_H
#define TS_RULESET_H

#include <stdbool.h>
#include <stddef.h>

#include <terok-shield/terok-shield.h>

#include "base/scope.h"
#include "base/strbuf.h"

/* Set pairs of the table; each has a _v4 and a _v6 member. */
enum ts_nft_set {
	TS_SET_ALLOW,
	TS_SET_DENY,
	TS_SET_GATEWAY,
	TS_SET_DNS,
	TS_SET_SCOPED, /* address . protocol . ports, with timeouts: ts_ruleset_scoped_elements */
};

/*
 * The nft script that replaces the terok_shield table in one transaction,
 * as ts_ruleset_generate() of the public header documents it.
 */
int ts_ruleset_script(const struct ts_ruleset_params *params, char **out, struct ts_error *err);

/* "allow", "deny", "gateway", "dns", "scoped". */
const char *ts_nft_set_name(enum ts_nft_set set);

/*
 * Append `add element` (add=true) or `delete element` commands putting
 * addrs into the set pair, split by family. For add, entries covered by
 * a wider entry of the same list are dropped (nft refuses overlapping
 * intervals within one batch; an entry overlapping one already in the
 * live set still fails, so callers batch a set's whole contents); for
 * delete, each distinct entry is named exactly. Entries come out sorted.
 * Any invalid
 * address fails the whole call and appends nothing. Gateway sets take
 * host addresses only.
 */
int ts_ruleset_elements(enum ts_nft_set set, bool add, const char *const *addrs, size_t n,
			struct ts_strbuf *out, struct ts_error *err);

/*
 * Append `add element` commands putting scoped and timed allows into
 * scoped_v4/v6 (docs/ruleset.md): each entry's address, protocol and
 * ports, and for a timed entry the seconds left at now. Entries that have
 * expired at now are left out; repeated entries are written once. Any
 * invalid entry fails the whole call and appends nothing.
 */
int ts_ruleset_scoped_elements(const struct ts_scoped_entry *entries, size_t n, time_t now,
			       struct ts_strbuf *out, struct ts_error *err);

/*
 * Append the commands emptying both members of a set pair. Followed by
 * ts_ruleset_elements in the same script, a set's whole content is
 * replaced in one transaction (overlaps with the old content cannot fail).
 */
int ts_ruleset_flush(enum ts_nft_set set, struct ts_strbuf *out, struct ts_error *err);

/* "slirp4netns", "pasta" ("auto" for TS_NETWORK_AUTO): the words of network.mode. */
const char *ts_network_mode_name(enum ts_network_mode network);

/* "slirp4netns" or "pasta" into *out; -EINVAL for anything else (NULL included). */
int ts_network_mode_parse(const char *word, enum ts_network_mode *out);

/* Label used in previews: "up", "interactive", "down", "down --all", "block". */
const char *ts_ruleset_mode_label(enum ts_ruleset_mode mode);

#endif
