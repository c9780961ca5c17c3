/* SPDX-License-Identifier: Apache-2.0 */
#include "base/addr.h"
#include "base/util.h"
#include "control/live_target.h"
#include "dns/resolve.h"

/* Per query when a target is a domain. */
#define TARGET_RESOLVE_TIMEOUT_MS 3000

void ts_live_target_clear(struct ts_live_target *t)
{
	ts_strv_clear(&t->ips);
}

int ts_live_target_parse(const char *input, struct ts_live_target *t, struct ts_error *err)
{
	*t = (struct ts_live_target){ .ips = TS_STRV_INIT, .scope = TS_SCOPE_WHOLE };
	char canonical[TS_ADDR_STRLEN];
	if (ts_addr_canonicalize(input, canonical, NULL) == 0) {
		snprintf(t->text, sizeof(t->text), "%s", canonical);
		ts_strv_push(&t->ips, canonical);
		return 0;
	}
	if (ts_domain_normalize(input, t->text, NULL) < 0)
		return ts_error_set(err, EINVAL, "not an IP address, network or domain: '%.80s'", input);
	t->is_domain = true;
	_cleanup_strv_ struct ts_strv failed = TS_STRV_INIT;
	const char *names[] = { t->text };
	int r = ts_resolve_all(names, 1, TARGET_RESOLVE_TIMEOUT_MS, &t->ips, &failed, err);
	if (r == 0 && t->ips.n == 0)
		r = ts_error_set(err, ENOENT, "cannot resolve %s", failed.n ? failed.items[0] : t->text);
	if (r < 0)
		ts_strv_clear(&t->ips);
	return r;
}

int ts_live_target_exact(const struct ts_strv *ips, const char *domain, struct ts_live_target *t,
			 struct ts_error *err)
{
	*t = (struct ts_live_target){ .ips = TS_STRV_INIT, .is_domain = domain && *domain,
				      .scope = TS_SCOPE_WHOLE };
	if (!ips->n && !t->is_domain)
		return ts_error_set(err, EINVAL, "a verdict needs an address or a domain");
	if (t->is_domain && ts_domain_normalize(domain, t->text, NULL) < 0)
		return ts_error_set(err, EINVAL, "not a domain: '%.80s'", domain);
	for (size_t i = 0; i < ips->n; i++) {
		char canonical[TS_ADDR_STRLEN];
		if (ts_addr_canonicalize(ips->items[i], canonical, NULL) < 0) {
			ts_strv_clear(&t->ips);
			return ts_error_set(err, EINVAL, "not an IP address: '%.80s'", ips->items[i]);
		}
		ts_strv_push(&t->ips, canonical);
	}
	if (!t->is_domain)
		snprintf(t->text, sizeof(t->text), "%s", t->ips.items[0]);
	return 0;
}
