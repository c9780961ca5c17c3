/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which names terok-shield-dns forwards and learns (docs/security.md):
 * a name is allowed when it equals or is a subdomain of an allowed
 * domain (profile.domains + live.domains) and of no denied one
 * (denied.domains). strict refuses every other name locally; open
 * forwards it but learns no address from it. Pure.
 */
#ifndef TS_DNSPOLICY_H
#define TS_DNSPOLICY_H

#include <stdbool.h>

#include "base/strv.h"

enum ts_dns_policy { TS_DNS_POLICY_STRICT, TS_DNS_POLICY_OPEN };

/* What to do with one query. */
enum ts_dns_action {
	TS_DNS_LEARN,   /* forward, and add the answer's addresses to dns_v4/dns_v6 */
	TS_DNS_FORWARD, /* forward only (open policy, name not allowed) */
	TS_DNS_REFUSE,  /* answer REFUSED locally, never forwarded */
};

/*
 * Normalised domains (a leading "*." allowed: it means the same as
 * without). blocked: the bundle records a block (`block NAME`), so no
 * name is allowed and none is forwarded, whatever the policy.
 */
struct ts_dns_domains {
	struct ts_strv allowed;
	struct ts_strv denied;
	bool blocked;
};

void ts_dns_domains_clear(struct ts_dns_domains *d);

/* "strict" or "open"; -EINVAL otherwise. */
int ts_dns_policy_parse(const char *text, enum ts_dns_policy *out);
const char *ts_dns_policy_name(enum ts_dns_policy p);

bool ts_dns_name_allowed(const struct ts_dns_domains *d, const char *name);

/*
 * Nobody decided on name: no block, neither allowed nor denied (itself or
 * a parent), and a domain an operator can allow (base/domain.h). In an
 * interactive container such a name is a question (docs/interactive.md).
 */
bool ts_dns_name_undecided(const struct ts_dns_domains *d, const char *name);

enum ts_dns_action ts_dns_decide(enum ts_dns_policy p, const struct ts_dns_domains *d,
				 const char *name);

#endif
