/* SPDX-License-Identifier: Apache-2.0 */
/*
 * allow, deny and an interactive verdict (docs/cli.md, docs/interactive.md):
 * one transaction under the bundle lock. The lists change in memory; the
 * running container gets the new sets while the files are written, and a
 * failure on either side is undone or told apart from the other.
 */
#ifndef TS_LIVE_CHANGE_H
#define TS_LIVE_CHANGE_H

#include <stdbool.h>

#include "base/scope.h"
#include "base/strv.h"
#include "base/util.h"

struct ts_error;
struct ts_shield;

struct ts_change {
	struct ts_strv ips;      /* the addresses the target stands for */
	bool running;            /* the running container got the change too */
	struct ts_strv warnings; /* bundle/audit.h: an audit line not written, also on failure */
};

void ts_change_clear(struct ts_change *c);
#define _cleanup_change_ _cleanup_(ts_change_clear)

/*
 * TARGET is an IP address, a network or a domain (resolved to all its A
 * and AAAA addresses). Invalid or unresolvable targets change nothing.
 */
int ts_live_allow(const struct ts_shield *s, const char *target, struct ts_change *out,
		  struct ts_error *err);
int ts_live_deny(const struct ts_shield *s, const char *target, struct ts_change *out,
		 struct ts_error *err);

/*
 * An allow limited to scope (base/scope.h: protocols, ports, a duration),
 * kept in live.scoped with its absolute expiry; a whole, permanent scope
 * is a plain allow. A deny ends every scoped and timed allow it covers.
 */
int ts_live_allow_scoped(const struct ts_shield *s, const char *target,
			 const struct ts_scope *scope, struct ts_change *out, struct ts_error *err);

/*
 * An operator's verdict on a blocked destination (docs/interactive.md):
 * allow or deny exactly these addresses, without resolving anything. A
 * domain (the one dnsmasq answered with, or NULL/"") is what the audit
 * names and, in the dnsmasq and shield tiers, moves into live.domains (a
 * timed or scoped accept in the shield tier: live.scoped_domains) or denied.domains.
 */
int ts_live_verdict(const struct ts_shield *s, const struct ts_strv *ips, const char *domain,
		    bool allow, struct ts_change *out, struct ts_error *err);

/* The same with the scope of an accept (TS_SCOPE_WHOLE: a plain one; ignored for a deny). */
int ts_live_verdict_scoped(const struct ts_shield *s, const struct ts_strv *ips,
			   const char *domain, bool allow, const struct ts_scope *scope,
			   struct ts_change *out, struct ts_error *err);

#endif
