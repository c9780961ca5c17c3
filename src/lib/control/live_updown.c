/* SPDX-License-Identifier: Apache-2.0 */
#include "base/util.h"
#include "bundle/audit.h"
#include "bundle/bundle.h"
#include "bundle/lock.h"
#include "bundle/shield.h"
#include "control/live_apply.h"
#include "control/live_lists.h"
#include "control/live_updown.h"
#include "nft/ruleset.h"

static int replace_table(const struct ts_shield *s, bool up, bool all, struct ts_strv *warnings,
			 struct ts_error *err)
{
	_cleanup_close_ int lock = ts_bundle_lock(s->state_dir, err);
	if (lock < 0)
		return lock;
	_cleanup_bundle_settings_ struct ts_bundle_settings set = { 0 };
	int r = ts_bundle_settings_read(s->state_dir, &set, err);
	if (r < 0)
		return r;
	enum ts_ruleset_mode mode = up ? (set.interactive ? TS_RULESET_INTERACTIVE : TS_RULESET_UP)
				       : (all ? TS_RULESET_DOWN_ALL : TS_RULESET_DOWN);
	_cleanup_free_ char *rules = NULL;
	r = ts_bundle_rules(&set, mode, &rules, err);
	if (r < 0)
		return r;
	_cleanup_live_apply_ struct ts_live_apply a = {
		.rules = rules,
		.verify = up ? TS_LIVE_VERIFY_UP : (all ? TS_LIVE_VERIFY_DOWN_ALL : TS_LIVE_VERIFY_DOWN),
	};
	r = ts_live_read_sets(s->state_dir, &a.allow, &a.deny, err);
	if (r < 0)
		return r;
	ts_bundle_gateways(&set, &a.gateways);
	bool running;
	r = ts_live_apply_running(s, &a, &running, err);
	if (r < 0)
		return r;
	if (!running)
		return ts_error_set(err, ESRCH, "container '%s' is not running", s->name);
	ts_audit_log(s->audit, s->state_dir, s->name, up ? "shield_up" : "shield_down", NULL,
		     up ? NULL : (all ? "all traffic" : NULL), warnings);
	return 0;
}

int ts_live_up(const struct ts_shield *s, struct ts_strv *warnings, struct ts_error *err)
{
	return replace_table(s, true, false, warnings, err);
}

int ts_live_down(const struct ts_shield *s, bool all, struct ts_strv *warnings,
		 struct ts_error *err)
{
	return replace_table(s, false, all, warnings, err);
}
