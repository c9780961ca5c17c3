/* SPDX-License-Identifier: Apache-2.0 */
/*
 * resolve (docs/cli.md): a bundle's profiles composed again into
 * profile.allowed (and profile.domains in the dnsmasq tier). The profile
 * plan is the part prepare shares: what those files will hold, computed
 * before anything is written, then written.
 */
#ifndef TS_RESOLVE_BUNDLE_H
#define TS_RESOLVE_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strv.h"
#include "base/util.h"

struct ts_error;

struct ts_resolved {
	size_t n_ips;                        /* lines of profile.allowed */
	bool reused;                         /* younger than an hour, same profiles: kept */
	struct ts_strv ips;                  /* what profile.allowed now holds */
	struct ts_strv unresolved;           /* "DOMAIN: reason" per domain without an address */
};

void ts_resolved_clear(struct ts_resolved *r);
#define _cleanup_resolved_ _cleanup_(ts_resolved_clear)

/*
 * (Re)write profile.allowed for the profiles named in the bundle's
 * `profiles` file: raw IPs, plus every domain resolved (A and AAAA, in
 * parallel) in the static tier. Reused when younger than an hour and made
 * for the same profiles, unless force. ruleset.nft (and dnsmasq.conf in the
 * dnsmasq tier) follow. *out is set (and owned by the caller) only on success.
 */
int ts_resolve_bundle(const char *state_dir, const char *config_root, bool force,
		      struct ts_resolved *out, struct ts_error *err);

/* What profile.allowed and profile.domains will hold. */
struct ts_profile_plan {
	struct ts_strv domains;              /* dnsmasq and shield tiers: profile.domains */
	struct ts_resolved resolved;         /* profile.allowed */
	struct ts_strv scoped;               /* profile.scoped */
	struct ts_strv scoped_domains;       /* shield tier: profile.scoped_domains */
};

void ts_profile_plan_clear(struct ts_profile_plan *p);
#define _cleanup_profile_plan_ _cleanup_(ts_profile_plan_clear)

/*
 * Compose profiles (config_root's, else the bundled ones) into a plan for
 * state_dir: raw addresses, and in the static tier (!dnsmasq_tier; true
 * for every tier whose resolver of ours learns domains: dnsmasq, shield) the
 * domains' addresses, resolved now or, unless force, reused from a fresh
 * profile.allowed. Scoped entries become profile.scoped's lines: an
 * address as it is, a domain by its addresses resolved now, or in the
 * shield tier profile.scoped_domains's lines (its forwarder learns them).
 * Reads, writes nothing. *plan is output only.
 */
int ts_profile_plan_make(const char *state_dir, const char *config_root,
			 const struct ts_strv *profiles, bool dnsmasq_tier, bool shield_tier,
			 bool force, struct ts_profile_plan *plan, struct ts_error *err);

/*
 * Write the plan: profile.domains (dnsmasq tier), profile.allowed and
 * profile.scoped (unless reused), profile.scoped_domains, profiles.
 */
int ts_profile_plan_write(const char *state_dir, const struct ts_strv *profiles,
			  bool dnsmasq_tier, const struct ts_profile_plan *plan,
			  struct ts_error *err);

#endif
