/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Live control of a prepared container (docs/cli.md): allow, deny, up,
 * down, state and rules. Bundle files change under the bundle lock and
 * ruleset.nft is regenerated, so a restart keeps every change; when the
 * container runs, its sets or its whole table change in one nft
 * transaction inside its namespace (nsexec.h), still under the lock, so
 * concurrent changes never lose an entry and files and live sets agree.
 */
#ifndef TS_LIVE_H
#define TS_LIVE_H

#include <stdbool.h>

#include <terok-shield/terok-shield.h>

#include "base/strv.h"
#include "bundle/shield.h"

struct ts_error;

struct ts_change {
	struct ts_strv ips;   /* the addresses the target stands for */
	bool running;         /* the running container got the change too */
};

/*
 * TARGET is an IP address, a network or a domain (resolved to all its A
 * and AAAA addresses). Invalid or unresolvable targets change nothing.
 */
int ts_shield_allow(const struct ts_shield *s, const char *target, struct ts_change *out,
		    struct ts_error *err);
int ts_shield_deny(const struct ts_shield *s, const char *target, struct ts_change *out,
		   struct ts_error *err);
void ts_change_clear(struct ts_change *c);

/*
 * An operator's verdict on a blocked destination (docs/interactive.md): allow or deny
 * exactly these addresses, without resolving anything. A domain (the one
 * dnsmasq answered with, or NULL/"") is what the audit names and, in the
 * dnsmasq tier, moves into live.domains or denied.domains.
 */
int ts_shield_verdict(const struct ts_shield *s, const struct ts_strv *ips, const char *domain,
		      bool allow, struct ts_change *out, struct ts_error *err);

/* Replace the running container's table: up (default-deny or interactive) or down (bypass). */
int ts_shield_up(const struct ts_shield *s, struct ts_error *err);
int ts_shield_down(const struct ts_shield *s, bool all, struct ts_error *err);

/*
 * The live state; inactive when the container does not run or has no
 * table. listing (optional): the full table, NULL when there is none.
 */
int ts_shield_state(const struct ts_shield *s, enum ts_shield_state *state, char **listing,
		    struct ts_error *err);

#endif
