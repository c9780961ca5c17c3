/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include "base/domain.h"
#include "dns/dnspolicy.h"

void ts_dns_domains_clear(struct ts_dns_domains *d)
{
	ts_strv_clear(&d->allowed);
	ts_strv_clear(&d->denied);
}

int ts_dns_policy_parse(const char *text, enum ts_dns_policy *out)
{
	if (text && strcmp(text, "strict") == 0)
		*out = TS_DNS_POLICY_STRICT;
	else if (text && strcmp(text, "open") == 0)
		*out = TS_DNS_POLICY_OPEN;
	else
		return -EINVAL;
	return 0;
}

const char *ts_dns_policy_name(enum ts_dns_policy p)
{
	return p == TS_DNS_POLICY_OPEN ? "open" : "strict";
}

static bool matches_any(const struct ts_strv *domains, const char *name)
{
	for (size_t i = 0; i < domains->n; i++)
		if (ts_domain_matches(name, domains->items[i]))
			return true;
	return false;
}

bool ts_dns_name_allowed(const struct ts_dns_domains *d, const char *name)
{
	/* The root and single labels are never an allowed domain's subdomain. */
	if (!name || !name[0])
		return false;
	return matches_any(&d->allowed, name) && !matches_any(&d->denied, name);
}

bool ts_dns_name_undecided(const struct ts_dns_domains *d, const char *name)
{
	char normal[TS_DOMAIN_BUFLEN];
	if (d->blocked || !name || !name[0] || matches_any(&d->allowed, name) ||
	    matches_any(&d->denied, name))
		return false;
	return ts_domain_normalize(name, normal, NULL) == 0 && strcmp(normal, name) == 0;
}

enum ts_dns_action ts_dns_decide(enum ts_dns_policy p, const struct ts_dns_domains *d,
				 const char *name)
{
	if (d->blocked)
		return TS_DNS_REFUSE;
	if (ts_dns_name_allowed(d, name))
		return TS_DNS_LEARN;
	return p == TS_DNS_POLICY_OPEN ? TS_DNS_FORWARD : TS_DNS_REFUSE;
}
