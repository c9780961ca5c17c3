/* SPDX-License-Identifier: Apache-2.0 */
/*
 * live.scoped (docs/bundle.md): the scoped and timed allows, with absolute
 * expiry times. Read with every line checked; what has expired is dropped
 * (and the file rewritten) by whoever applies the entries to the kernel,
 * with the time that remains for the rest.
 */
#ifndef TS_BUNDLE_SCOPED_H
#define TS_BUNDLE_SCOPED_H

#include <stdbool.h>
#include <time.h>

#include "base/scope.h"
#include "base/strbuf.h"
#include "base/strv.h"

struct ts_error;

/*
 * Check lines as read from path and make each canonical in place; an
 * invalid line fails with the path and its line number.
 */
int ts_scoped_check_lines(const char *path, struct ts_strv *lines, struct ts_error *err);

/* live.scoped, checked (missing: empty); appended to out. */
int ts_scoped_read(const char *state_dir, struct ts_strv *out, struct ts_error *err);

/* profile.scoped (the profiles' scoped entries, prepare writes it), checked; appended to out. */
int ts_scoped_read_profile(const char *state_dir, struct ts_strv *out, struct ts_error *err);

/* profile.scoped_domains (profile) or live.scoped_domains, every line checked; appended to out. */
int ts_scoped_domains_read(const char *state_dir, bool profile, struct ts_strv *out,
			   struct ts_error *err);

/* profile.scoped then live.scoped: everything the scoped sets hold. */
int ts_scoped_read_all(const char *state_dir, struct ts_strv *out, struct ts_error *err);

/*
 * A line of a and a line of b whose addresses differ but overlap (a host
 * and its network) on a shared protocol and port: the kernel's scoped
 * sets refuse such a pair (the same address's lines are merged instead).
 * Returns whether there is one, the two lines in *x and *y; b may be a.
 */
bool ts_scoped_find_overlap(const struct ts_strv *a, const struct ts_strv *b, const char **x,
			    const char **y);

/* Whether a canonical line has expired at now. */
bool ts_scoped_line_expired(const char *line, time_t now);

/*
 * live.scoped without what has expired at now: kept gets the rest, expired
 * what went (for the audit); the file is rewritten when anything went.
 */
int ts_scoped_load_pruned(const char *state_dir, time_t now, struct ts_strv *kept,
			  struct ts_strv *expired, struct ts_error *err);

/*
 * What the scoped sets hold at now: profile.scoped, then live.scoped as
 * ts_scoped_load_pruned leaves it (expired: what went).
 */
int ts_scoped_set_content(const char *state_dir, time_t now, struct ts_strv *out,
			  struct ts_strv *expired, struct ts_error *err);

/* The add-element commands for checked lines at now (nft/ruleset.h). */
int ts_scoped_elements(const struct ts_strv *lines, time_t now, struct ts_strbuf *out,
		       struct ts_error *err);

/* Audit an `expired` line per entry (target: the address, detail: its scope). */
void ts_scoped_audit_expired(bool enabled, const char *state_dir, const char *name,
			     const struct ts_strv *expired, struct ts_strv *warnings);

#endif
