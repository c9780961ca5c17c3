/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The public API of include/terok-shield/terok-shield.h: the handle of a
 * prepared container (struct ts_shielded) and what it changes, here; the
 * string lists and roots in boundary.c, prepare and forget in container.c,
 * the ruleset and shield states in ruleset.c, the version in version.c;
 * the traffic counters (ts_shielded_stats) at the end.
 */
#include "api/boundary.h"
#include "base/util.h"
#include "bundle/shield.h"
#include "config/config.h"
#include "control/live.h"
#include "control/resolve_bundle.h"
#include "control/stats.h"
#include "nft/counters.h"

struct ts_shielded {
	struct ts_shield shield;
	char *config_root;
};

/* config.yml's audit setting: the handle keeps it for every change it makes. */
static int audit_enabled(const char *config_root, bool *audit, struct ts_error *err)
{
	_cleanup_config_ struct ts_config config = { 0 };
	int r = ts_config_load(config_root, &config, err);
	*audit = config.audit_enabled;
	return r;
}

int ts_shielded_open(const struct ts_roots *roots, const char *name, struct ts_shielded **out,
		     struct ts_error *err)
{
	_cleanup_free_ char *config_root = NULL, *state_root = NULL;
	int r = ts_api_roots(roots, &config_root, &state_root, err);
	if (r < 0)
		return r;
	bool audit;
	r = audit_enabled(config_root, &audit, err);
	if (r < 0)
		return r;
	struct ts_shielded *s = calloc(1, sizeof(*s));
	if (!s)
		return ts_error_set(err, ENOMEM, "out of memory");
	r = ts_bundle_open(state_root, name, audit, &s->shield, err);
	if (r < 0) {
		free(s);
		return r;
	}
	s->config_root = TAKE_PTR(config_root);
	*out = s;
	return 0;
}

void ts_shielded_close(struct ts_shielded *s)
{
	if (!s)
		return;
	ts_bundle_close(&s->shield);
	free(s->config_root);
	free(s);
}

const char *ts_shielded_name(const struct ts_shielded *s)
{
	return s->shield.name;
}

const char *ts_shielded_state_dir(const struct ts_shielded *s)
{
	return s->shield.state_dir;
}

/*
 * 1 when the running container got the change, 0 when it is only saved.
 * The public calls have no warning channel: an audit line not written
 * (c.warnings, and up's and down's) never fails the change and is dropped.
 */
static int change(const struct ts_shielded *s, const char *target, bool allow, char ***ips,
		  struct ts_error *err)
{
	_cleanup_change_ struct ts_change c = { 0 };
	int r = allow ? ts_live_allow(&s->shield, target, &c, err)
		      : ts_live_deny(&s->shield, target, &c, err);
	if (r < 0)
		return r;
	if (ips)
		*ips = ts_api_take_list(&c.ips);
	return c.running ? 1 : 0;
}

int ts_shielded_allow(const struct ts_shielded *s, const char *target, char ***ips,
		      struct ts_error *err)
{
	return change(s, target, true, ips, err);
}

int ts_shielded_deny(const struct ts_shielded *s, const char *target, char ***ips,
		     struct ts_error *err)
{
	return change(s, target, false, ips, err);
}

int ts_shielded_up(const struct ts_shielded *s, struct ts_error *err)
{
	return ts_live_up(&s->shield, NULL, err);
}

int ts_shielded_down(const struct ts_shielded *s, bool all, struct ts_error *err)
{
	return ts_live_down(&s->shield, all, NULL, err);
}

int ts_shielded_block(const struct ts_shielded *s, struct ts_error *err)
{
	return ts_live_block(&s->shield, NULL, err);
}

int ts_shielded_state(const struct ts_shielded *s, enum ts_shield_state *state, char **rules,
		      struct ts_error *err)
{
	return ts_live_state(&s->shield, state, rules, err);
}

int ts_shielded_resolve(const struct ts_shielded *s, bool force, char ***ips,
			struct ts_error *err)
{
	_cleanup_resolved_ struct ts_resolved res = { 0 };
	int r = ts_resolve_bundle(s->shield.state_dir, s->config_root, force, &res, err);
	if (r < 0)
		return r;
	r = (int)res.ips.n;
	if (ips)
		*ips = ts_api_take_list(&res.ips);
	return r;
}

/* ---- Traffic counters ---- */

const char *ts_traffic_verdict_name(enum ts_traffic_verdict verdict)
{
	switch (verdict) {
	case TS_TRAFFIC_ALLOWED:
		return "allowed";
	case TS_TRAFFIC_DENIED:
		return "denied";
	case TS_TRAFFIC_REFUSED:
		return "refused";
	}
	return "refused";
}

int ts_shielded_stats(const struct ts_shielded *s, struct ts_traffic **list, size_t *n,
		      struct ts_error *err)
{
	struct ts_stats st;
	int r = ts_live_stats(&s->shield, &st, err);
	if (r < 0)
		return r;
	*list = st.items;
	*n = st.n;
	return st.counters ? 1 : 0;
}

void ts_traffic_free(struct ts_traffic *list, size_t n)
{
	ts_traffic_list_free(list, n);
}
