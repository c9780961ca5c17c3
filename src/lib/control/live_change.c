/* SPDX-License-Identifier: Apache-2.0 */
#include <signal.h>

#include "base/addr.h"
#include "bundle/audit.h"
#include "bundle/bundle.h"
#include "bundle/lock.h"
#include "bundle/scoped.h"
#include "bundle/shield.h"
#include "container/locate.h"
#include "container/nsexec.h"
#include "container/procid.h"
#include "control/live_apply.h"
#include "control/live_change.h"
#include "control/live_lists.h"
#include "control/live_target.h"
#include "dns/forwarder.h"

void ts_change_clear(struct ts_change *c)
{
	ts_strv_clear(&c->ips);
	ts_strv_clear(&c->warnings);
	*c = (struct ts_change){ 0 };
}

/* One change under the bundle lock: what it works on and how far it got. */
struct txn {
	const struct ts_shield *s;
	const struct ts_live_target *t;
	bool allow;
	struct ts_bundle_settings set;
	bool domains;              /* a domain in the dnsmasq tier: domain lists and dnsmasq too */
	struct ts_live_lists lists;
	struct ts_live_apply apply;
	struct ts_proc_identity id;
	bool running;              /* the container runs, so it gets the change too */
	struct ts_nsexec job;      /* the helper applying it, while at work (.pid >= 0) */
	bool saved;                /* the files were written: the change stands */
	bool relearn;              /* the scoped sets were refilled: terok-shield-dns adds again */
	struct ts_strv expired;    /* live.scoped entries that had ended: audited once saved */
};

static void txn_clear(struct txn *x)
{
	ts_bundle_settings_clear(&x->set);
	ts_live_lists_clear(&x->lists);
	ts_live_apply_clear(&x->apply);
	ts_strv_clear(&x->expired);
}

static int start_live(struct txn *x, struct ts_error *err)
{
	return ts_nsexec_start(&x->id, ts_live_apply_in_container, &x->apply, &x->job, err);
}

/* The running container's sets back to what the (unchanged) files say. */
static int undo_live(const struct txn *x)
{
	_cleanup_live_apply_ struct ts_live_apply old = { .now = time(NULL), .scoped_changed = true };
	int r = ts_live_read_sets(x->s->state_dir, &old.allow, &old.deny, NULL);
	if (r == 0)
		r = ts_scoped_read_all(x->s->state_dir, &old.scoped, NULL);
	return r < 0 ? r : ts_in_container(&x->id, ts_live_apply_in_container, &old, NULL, NULL);
}

/* Writing the files failed with stored: a helper that changed the sets meanwhile is undone. */
static int not_saved(struct txn *x, int stored, struct ts_error *err)
{
	if (x->job.pid < 0 || ts_nsexec_finish(&x->job, NULL, NULL) < 0)
		return stored;
	if (undo_live(x) < 0)
		return ts_error_prefix(err, stored, "applied to %s now, but not saved", x->s->name);
	return ts_error_prefix(err, stored, "not saved, so %s was left as it was", x->s->name);
}

/* The helper's answer, once the files are saved. */
static int finish_live(struct txn *x, struct ts_error *err)
{
	if (x->job.pid < 0)
		return 0;
	_cleanup_free_ char *progress = NULL;
	int r = ts_nsexec_finish(&x->job, &progress, err);
	if (r == 0)
		return 0;
	if (progress)
		return ts_error_prefix(err, r, "saved, and %s's sets changed now, but its DNS did "
				       "not take the new domains", x->s->name);
	return ts_error_prefix(err, r, "saved for the next start, but not applied to %s now",
			       x->s->name);
}

static int change_locked(struct txn *x, struct ts_error *err)
{
	const char *state_dir = x->s->state_dir;
	int r = ts_bundle_settings_read(state_dir, &x->set, err);
	if (r < 0)
		return r;
	/* A resolver of ours (dnsmasq, terok-shield-dns) learns a domain's addresses itself. */
	x->domains = x->t->is_domain && (x->set.dnsmasq_tier || x->set.shield_tier);
	/* terok-shield-dns scopes what it learns (live.scoped_domains); dnsmasq cannot. */
	if (x->domains && x->set.dnsmasq_tier && x->allow && ts_scope_is_narrow(&x->t->scope))
		return ts_error_set(err, EINVAL, "in the dnsmasq DNS tier a domain's addresses change "
				    "with its answers, so --port and --for take addresses only: "
				    "allow %s whole, or its addresses with --port/--for",
				    x->t->text);
	r = ts_live_lists_load(state_dir, x->domains, &x->lists, err);
	if (r < 0)
		return r;
	time_t now = time(NULL);
	ts_live_lists_prune(&x->lists, now, &x->expired);
	if (x->allow && ts_scope_is_narrow(&x->t->scope) &&
	    ((r = ts_live_lists_scoped_overlap(&x->lists, x->t, err)) < 0 ||
	     (r = ts_live_lists_scoped_reopens(&x->lists, x->t, err)) < 0))
		return r;
	ts_live_lists_plan(&x->lists, x->t, x->allow, x->set.interactive, now);
	ts_live_lists_sets(&x->lists, &x->apply.allow, &x->apply.deny);
	const struct ts_live_list *scoped = ts_live_lists_scoped(&x->lists);
	ts_live_lists_profile_scoped(&x->lists, &x->apply.scoped);
	ts_strv_push_all(&x->apply.scoped, &scoped->items);
	x->apply.scoped_changed = scoped->changed;
	x->apply.now = now;
	r = ts_container_locate(state_dir, x->s->name, &x->id, err);
	if (r < 0)
		return r;
	x->running = r == 1;
	x->apply.dnsmasq_for = x->domains && x->set.dnsmasq_tier ? state_dir : NULL;
	x->apply.container = x->running ? x->id.pid : 0;
	/* Refilling the scoped sets drops what terok-shield-dns learned into them. */
	x->relearn = x->running && x->set.shield_tier &&
		     (x->apply.scoped_changed || x->apply.scoped.n > 0);
	/* Addresses only: the helper works while the files are written. */
	if (x->running && !x->domains && (r = start_live(x, err)) < 0)
		return r;
	r = ts_live_lists_store(state_dir, &x->set, &x->lists, &x->apply.allow, err);
	if (r < 0)
		return not_saved(x, r, err);
	x->saved = true;
	/* A domain waits for dnsmasq.conf: the dnsmasq the helper restarts reads it. */
	if (x->running && x->domains && (r = start_live(x, err)) < 0)
		return r;
	return finish_live(x, err);
}

/* "[ips] A, B" for a domain, the scope of a narrow allow ("port 443/tcp, for 30m"), or NULL. */
static char *change_detail(bool allow, const struct ts_live_target *t)
{
	char scope[96] = "";
	if (allow && ts_scope_is_narrow(&t->scope))
		ts_scope_describe(&t->scope, scope, sizeof(scope));
	if (!t->is_domain || !t->ips.n)
		return *scope ? ts_xstrdup(scope) : NULL;
	_cleanup_free_ char *ips = ts_strv_join(&t->ips, ", ");
	return ts_xasprintf("[ips] %s%s%s", ips, *scope ? "; " : "", scope);
}

/* The audit lines of a saved change; after the first line that is not written, no more. */
static void audit_change(const struct ts_shield *s, bool allow, const struct ts_live_target *t,
			 struct ts_strv *warnings)
{
	_cleanup_free_ char *detail = change_detail(allow, t);
	if (ts_audit_log(s->audit, s->state_dir, s->name, allow ? "allowed" : "denied", t->text,
			 detail, warnings) < 0 || !allow)
		return;
	for (size_t i = 0; i < t->ips.n; i++) {
		struct ts_addr a;
		const char *note = NULL;
		if (ts_addr_parse(t->ips.items[i], &a, NULL) < 0)
			continue;
		if (ts_addr_is_private(&a))
			note = "private address allowlisted";
		else if (ts_addr_is_wide(&a))
			note = "network wider than /16 (IPv4) or /48 (IPv6) allowlisted";
		if (note && ts_audit_log(s->audit, s->state_dir, s->name, "note", t->ips.items[i], note,
					 warnings) < 0)
			return;
	}
}

static void relearn(const struct ts_shield *s, struct ts_strv *warnings)
{
	struct ts_error why = { 0 };
	if (ts_forwarder_signal(s->state_dir, SIGHUP, &why) < 0)
		ts_strv_push_take(warnings, ts_xasprintf("%s: terok-shield-dns was not told to "
							 "re-add its scoped addresses: %s",
							 s->name, why.message));
}

/* Apply a checked target; its addresses move to out on success. */
static int change_target(const struct ts_shield *s, struct ts_live_target *t, bool allow,
			 struct ts_change *out, struct ts_error *err)
{
	_cleanup_(txn_clear) struct txn x = { .s = s, .t = t, .allow = allow, .job = { .pid = -1 } };
	_cleanup_close_ int lock = ts_bundle_lock(s->state_dir, err);
	if (lock < 0)
		return lock;
	int r = change_locked(&x, err);
	out->running = x.running;
	if (x.saved) {
		ts_scoped_audit_expired(s->audit, s->state_dir, s->name, &x.expired, &out->warnings);
		audit_change(s, allow, t, &out->warnings);
	}
	if (r < 0)
		return r;
	if (x.relearn)
		relearn(s, &out->warnings);
	out->ips = t->ips;
	t->ips = (struct ts_strv)TS_STRV_INIT;
	return 0;
}

static int change(const struct ts_shield *s, const char *input, bool allow, struct ts_change *out,
		  struct ts_error *err)
{
	*out = (struct ts_change){ .ips = TS_STRV_INIT, .warnings = TS_STRV_INIT };
	_cleanup_live_target_ struct ts_live_target t = { 0 };
	int r = ts_live_target_parse(input, &t, err);
	return r < 0 ? r : change_target(s, &t, allow, out, err);
}

int ts_live_allow(const struct ts_shield *s, const char *target, struct ts_change *out,
		  struct ts_error *err)
{
	return change(s, target, true, out, err);
}

int ts_live_allow_scoped(const struct ts_shield *s, const char *target,
			 const struct ts_scope *scope, struct ts_change *out, struct ts_error *err)
{
	*out = (struct ts_change){ .ips = TS_STRV_INIT, .warnings = TS_STRV_INIT };
	_cleanup_live_target_ struct ts_live_target t = { 0 };
	int r = ts_live_target_parse(target, &t, err);
	if (r < 0)
		return r;
	t.scope = *scope;
	return change_target(s, &t, true, out, err);
}

int ts_live_deny(const struct ts_shield *s, const char *target, struct ts_change *out,
		 struct ts_error *err)
{
	return change(s, target, false, out, err);
}

int ts_live_verdict_scoped(const struct ts_shield *s, const struct ts_strv *ips,
			   const char *domain, bool allow, const struct ts_scope *scope,
			   struct ts_change *out, struct ts_error *err)
{
	*out = (struct ts_change){ .ips = TS_STRV_INIT, .warnings = TS_STRV_INIT };
	_cleanup_live_target_ struct ts_live_target t = { 0 };
	int r = ts_live_target_exact(ips, domain, &t, err);
	if (r < 0)
		return r;
	if (allow)
		t.scope = *scope;
	return change_target(s, &t, allow, out, err);
}

int ts_live_verdict(const struct ts_shield *s, const struct ts_strv *ips, const char *domain,
		    bool allow, struct ts_change *out, struct ts_error *err)
{
	struct ts_scope whole = TS_SCOPE_WHOLE;
	return ts_live_verdict_scoped(s, ips, domain, allow, &whole, out, err);
}
