/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prepare (docs/cli.md): build a container's state bundle and the podman
 * arguments that shield it. Also the static tier's profile resolution
 * shared with `resolve`.
 */
#ifndef TS_PREPARE_H
#define TS_PREPARE_H

#include <stdbool.h>

#include "base/strv.h"
#include "config/config.h"
#include "container/podman.h"
#include "control/reuse.h"

struct ts_error;


struct ts_prepare_request {
	const char *name;                    /* container name */
	const char *state_root;
	const char *config_root;
	const struct ts_config *config;
	const struct ts_strv *profiles;      /* NULL or empty: config default_profiles */
	bool interactive;                    /* true, or config.interactive, makes it interactive */
	const struct ts_podman_info *podman;
	bool privileged;                     /* running as root: podman picks the network */
};

struct ts_prepared {
	char *state_dir;
	const char *dns_tier;                /* TS_TIER_DNSMASQ or TS_TIER_STATIC */
	struct ts_strv podman_args;          /* everything between `podman run` and the user's args */
	struct ts_strv warnings;             /* e.g. "example.org: no address" */
	struct ts_kept kept;                 /* allows and denies the bundle already held */
};

/*
 * Refused (-EBUSY, nothing written) while a container of the name runs or
 * podman still has one (reuse.h).
 */
int ts_prepare(const struct ts_prepare_request *req, struct ts_prepared *out,
	       struct ts_error *err);
void ts_prepared_clear(struct ts_prepared *p);

struct ts_resolved {
	size_t n_ips;                        /* lines of profile.allowed */
	bool reused;                         /* younger than an hour, same profiles: kept */
	struct ts_strv ips;                  /* what profile.allowed now holds */
	struct ts_strv warnings;
};

/*
 * (Re)write profile.allowed for the profiles named in the bundle's
 * `profiles` file: raw IPs, plus every domain resolved (A and AAAA, in
 * parallel) in the static tier. Reused when younger than an hour and made
 * for the same profiles, unless force. ruleset.nft follows.
 */
int ts_resolve_bundle(const char *state_dir, const char *config_root, bool force,
		      struct ts_resolved *out, struct ts_error *err);
void ts_resolved_clear(struct ts_resolved *r);

#endif
