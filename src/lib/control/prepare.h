/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prepare (docs/cli.md): build a container's state bundle and the podman
 * arguments that shield it.
 */
#ifndef TS_PREPARE_H
#define TS_PREPARE_H

#include <stdbool.h>

#include "base/strv.h"
#include "base/util.h"
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
	const struct ts_podman_info *podman; /* set by ts_prepare_with_podman */
	bool privileged;                     /* running as root: podman picks the network */
	const char *dns_policy;              /* "strict" or "open"; NULL: config dns_policy */
};

struct ts_prepared {
	char *state_dir;
	const char *dns_tier;                /* TS_TIER_SHIELD, TS_TIER_DNSMASQ or TS_TIER_STATIC */
	struct ts_strv podman_args;          /* everything between `podman run` and the user's args */
	struct ts_strv unresolved;           /* "DOMAIN: reason", e.g. "example.org: no address" */
	struct ts_strv warnings;             /* bundle/audit.h: e.g. a state_dir mode tightened */
	struct ts_kept kept;                 /* allows and denies the bundle already held */
};

/*
 * Refused (-EBUSY, nothing written) while a container of the name runs or
 * podman still has one (reuse.h). *out is output only; cleared on error.
 */
int ts_prepare(const struct ts_prepare_request *req, struct ts_prepared *out,
	       struct ts_error *err);
void ts_prepared_clear(struct ts_prepared *p);
#define _cleanup_prepared_ _cleanup_(ts_prepared_clear)

/*
 * `terok-shield prepare` and ts_prepare_container(): ts_prepare() with
 * podman's facts read once (`podman info`) and the caller's privileges;
 * req->podman and req->privileged are set here. -EPERM: podman runs
 * rootful (only rootless containers are shielded).
 */
int ts_prepare_with_podman(const struct ts_prepare_request *req, struct ts_prepared *out,
			   struct ts_error *err);

#endif
