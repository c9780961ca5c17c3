/* SPDX-License-Identifier: Apache-2.0 */
#include <signal.h>

#include "base/util.h"
#include "bundle/audit.h"
#include "bundle/bundle.h"
#include "bundle/lock.h"
#include "bundle/scoped.h"
#include "bundle/shield.h"
#include "container/locate.h"
#include "container/nsexec.h"
#include "container/procid.h"
#include "control/live_apply.h"
#include "control/live_lists.h"
#include "control/live_updown.h"
#include "dns/forwarder.h"
#include "nft/ruleset.h"

/* The live table the command puts in place. */
enum target { TARGET_UP, TARGET_DOWN, TARGET_DOWN_ALL, TARGET_BLOCK };

static enum ts_ruleset_mode target_mode(enum target t, const struct ts_bundle_settings *set)
{
	switch (t) {
	case TARGET_UP:
		return set->interactive ? TS_RULESET_INTERACTIVE : TS_RULESET_UP;
	case TARGET_DOWN:
		return TS_RULESET_DOWN;
	case TARGET_DOWN_ALL:
		return TS_RULESET_DOWN_ALL;
	case TARGET_BLOCK:
		break;
	}
	return TS_RULESET_BLOCK;
}

static enum ts_live_verify target_verify(enum target t)
{
	static const enum ts_live_verify verify[] = {
		[TARGET_UP] = TS_LIVE_VERIFY_UP,
		[TARGET_DOWN] = TS_LIVE_VERIFY_DOWN,
		[TARGET_DOWN_ALL] = TS_LIVE_VERIFY_DOWN_ALL,
		[TARGET_BLOCK] = TS_LIVE_VERIFY_BLOCK,
	};
	return verify[t];
}

static void audit_target(const struct ts_shield *s, enum target t, struct ts_strv *warnings)
{
	static const char *const action[] = {
		[TARGET_UP] = "shield_up",
		[TARGET_DOWN] = "shield_down",
		[TARGET_DOWN_ALL] = "shield_down",
		[TARGET_BLOCK] = "shield_block",
	};
	const char *detail = t == TARGET_DOWN_ALL ? "all traffic"
			     : t == TARGET_BLOCK  ? "loopback only"
						  : NULL;
	ts_audit_log(s->audit, s->state_dir, s->name, action[t], NULL, detail, warnings);
}

/*
 * The bundle's record of a block follows the live table: a block is
 * recorded before it is applied (a crash in between leaves the container
 * blocked at its next start, never open) and taken back when the apply
 * fails; up lifts the record only once the up table is verified.
 */
static int apply_recorded(const struct ts_shield *s, const struct ts_bundle_settings *set,
			  enum target t, const struct ts_proc_identity *id, struct ts_live_apply *a,
			  struct ts_error *err)
{
	int r = t == TARGET_BLOCK ? ts_bundle_record_block(s->state_dir, set, true, err) : 0;
	if (r == 0)
		r = ts_in_container(id, ts_live_apply_in_container, a, NULL, err);
	if (r < 0) {
		if (t == TARGET_BLOCK && !set->blocked)
			ts_bundle_record_block(s->state_dir, set, false, NULL);
		return ts_error_prefix(err, r, "%s", s->name);
	}
	if (t == TARGET_UP && set->blocked && (r = ts_bundle_record_block(s->state_dir, set,
									   false, err)) < 0)
		return ts_error_prefix(err, r, "%s is up now, but the block stays recorded for "
				       "its next start", s->name);
	return 0;
}

/*
 * The new table's dns sets are empty: terok-shield-dns adds its learned
 * addresses again on SIGHUP. A forwarder that cannot be told is a warning
 * (names resolve again at their next query).
 */
static void relearn(const struct ts_shield *s, struct ts_strv *warnings)
{
	struct ts_error why = { 0 };
	if (ts_forwarder_signal(s->state_dir, SIGHUP, &why) < 0 && warnings)
		ts_strv_push_take(warnings, ts_xasprintf("%s: terok-shield-dns was not told to "
							 "re-add its addresses: %s", s->name,
							 why.message));
}

static int replace_table(const struct ts_shield *s, enum target t, struct ts_strv *warnings,
			 struct ts_error *err)
{
	_cleanup_close_ int lock = ts_bundle_lock(s->state_dir, err);
	if (lock < 0)
		return lock;
	_cleanup_bundle_settings_ struct ts_bundle_settings set = { 0 };
	int r = ts_bundle_settings_read(s->state_dir, &set, err);
	if (r < 0)
		return r;
	/* An emergency stop is left only on purpose: up first, then down if need be. */
	if (set.blocked && (t == TARGET_DOWN || t == TARGET_DOWN_ALL))
		return ts_error_set(err, EPERM, "container '%s' is blocked; 'terok-shield up %s' "
				    "lifts the block first", s->name, s->name);
	_cleanup_free_ char *rules = NULL;
	r = ts_bundle_rules(&set, target_mode(t, &set), &rules, err);
	if (r < 0)
		return r;
	_cleanup_live_apply_ struct ts_live_apply a = { .rules = rules, .verify = target_verify(t) };
	r = ts_live_read_sets(s->state_dir, &a.allow, &a.deny, err);
	if (r < 0)
		return r;
	/* Timed allows come back with the time that remains; ended ones leave the file. */
	_cleanup_strv_ struct ts_strv expired = TS_STRV_INIT;
	a.now = time(NULL);
	r = ts_scoped_set_content(s->state_dir, a.now, &a.scoped, &expired, err);
	/* What ended has left live.scoped already: audited whatever happens next. */
	ts_scoped_audit_expired(s->audit, s->state_dir, s->name, &expired, warnings);
	if (r < 0)
		return r;
	ts_bundle_gateways(&set, &a.gateways);
	struct ts_proc_identity id;
	r = ts_container_require_running(s->state_dir, s->name, &id, err);
	if (r < 0)
		return r;
	r = apply_recorded(s, &set, t, &id, &a, err);
	if (r < 0)
		return r;
	if (set.shield_tier)
		relearn(s, warnings);
	audit_target(s, t, warnings);
	return 0;
}

int ts_live_up(const struct ts_shield *s, struct ts_strv *warnings, struct ts_error *err)
{
	return replace_table(s, TARGET_UP, warnings, err);
}

int ts_live_down(const struct ts_shield *s, bool all, struct ts_strv *warnings,
		 struct ts_error *err)
{
	return replace_table(s, all ? TARGET_DOWN_ALL : TARGET_DOWN, warnings, err);
}

int ts_live_block(const struct ts_shield *s, struct ts_strv *warnings, struct ts_error *err)
{
	return replace_table(s, TARGET_BLOCK, warnings, err);
}
