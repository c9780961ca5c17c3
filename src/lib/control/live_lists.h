/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bundle's lists a live change edits (docs/bundle.md): the address
 * lists (profile.allowed, live.allowed, deny.list, live.denied, live.scoped,
 * profile.scoped: read only) and, for a
 * domain in the dnsmasq or shield tier, the domain lists (profile.domains,
 * live.domains, denied.domains, live.scoped_domains). Read into memory, changed there, and
 * written back together with what is made from them (ruleset.nft,
 * dnsmasq.conf) in one batch.
 */
#ifndef TS_LIVE_LISTS_H
#define TS_LIVE_LISTS_H

#include <stdbool.h>
#include <time.h>

#include "base/strv.h"
#include "base/util.h"

struct ts_bundle_settings;
struct ts_error;
struct ts_live_target;

#define TS_LIVE_LISTS_MAX 10

/* One list file in memory; changed: it must be written back. */
struct ts_live_list {
	char *(*path)(const char *state_dir);
	struct ts_strv items;
	bool changed;
};

struct ts_live_lists {
	struct ts_live_list l[TS_LIVE_LISTS_MAX];
	int n; /* how many are loaded: the address lists, or the domain lists too */
};

/* Load the address lists, and with domains the domain lists; ls is set up even on error. */
int ts_live_lists_load(const char *state_dir, bool domains, struct ts_live_lists *ls,
		       struct ts_error *err);
void ts_live_lists_clear(struct ts_live_lists *ls);
#define _cleanup_live_lists_ _cleanup_(ts_live_lists_clear)

/*
 * An allow or deny of t, in memory: the addresses move between the allow
 * and deny lists (a deny persists in deny.list for a profile address or
 * an interactive container, else in live.denied until the next start),
 * and a domain between live.domains (scoped: live.scoped_domains) and
 * denied.domains when those are loaded.
 * An allow with a narrow scope (base/scope.h) goes to live.scoped instead
 * of live.allowed, timed from now; a deny also ends every scoped and timed
 * allow of the addresses it covers.
 */
void ts_live_lists_plan(struct ts_live_lists *ls, const struct ts_live_target *t, bool allow,
			bool interactive, time_t now);

/*
 * -EEXIST when a scoped allow of t would share ports and protocol with a
 * scoped entry of another address that contains or lies inside its own (a
 * host and its network): the kernel's concatenated interval sets take no
 * such overlap. The same address's entries are merged by the generator.
 */
int ts_live_lists_scoped_overlap(const struct ts_live_lists *ls, const struct ts_live_target *t,
				 struct ts_error *err);

/*
 * A scoped or timed allow lifts a deny of its target as a plain allow
 * does. Where the target is denied and a whole allow (profile.allowed,
 * live.allowed, or a profile or live domain, itself or a parent) covers
 * it, lifting the deny would reopen every port for good: -EEXIST, saying so.
 */
int ts_live_lists_scoped_reopens(const struct ts_live_lists *ls, const struct ts_live_target *t,
				 struct ts_error *err);

/*
 * Drop the live.scoped entries expired at now (appended to expired), and
 * the ended live.scoped_domains lines when the domain lists are loaded.
 */
void ts_live_lists_prune(struct ts_live_lists *ls, time_t now, struct ts_strv *expired);

/* live.scoped in memory: the scoped sets' live content, and whether it changed. */
const struct ts_live_list *ts_live_lists_scoped(const struct ts_live_lists *ls);

/* profile.scoped's lines (the rest of the scoped sets' content), appended to out. */
void ts_live_lists_profile_scoped(const struct ts_live_lists *ls, struct ts_strv *out);

/* What the allow and deny sets hold by these lists: effective IPs; deny.list plus live.denied. */
void ts_live_lists_sets(const struct ts_live_lists *ls, struct ts_strv *allow,
			struct ts_strv *deny);

/* The same, read from the bundle: for a whole-table replacement or an undo. */
int ts_live_read_sets(const char *state_dir, struct ts_strv *allow, struct ts_strv *deny,
		      struct ts_error *err);

/*
 * Write the changed lists, ruleset.nft (effective: the allow set) and,
 * when the domain lists are loaded, dnsmasq.conf, the last two made from
 * the lists in memory: one batch, so a failure leaves every file as it
 * was, and one directory sync.
 */
int ts_live_lists_store(const char *state_dir, const struct ts_bundle_settings *set,
			const struct ts_live_lists *ls, const struct ts_strv *effective,
			struct ts_error *err);

#endif
