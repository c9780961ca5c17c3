/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/stat.h>

#include "addr.h"
#include "audit.h"
#include "bundle.h"
#include "dirs.h"
#include "dnsmasq.h"
#include "domain.h"
#include "fileio.h"
#include "live.h"
#include "locate.h"
#include "nft.h"
#include "nsexec.h"
#include "procid.h"
#include "resolve.h"
#include "ruleset.h"
#include "state.h"
#include "strbuf.h"
#include "strset.h"
#include "util.h"
#include "verify.h"

/* Per query when a target is a domain. */
#define TARGET_RESOLVE_TIMEOUT_MS 3000

int ts_shield_open(const char *state_root, const char *name, bool audit, struct ts_shield *s,
		   struct ts_error *err)
{
	*s = (struct ts_shield){ .audit = audit };
	int r = ts_container_state_dir(state_root, name, &s->state_dir, err);
	struct stat st;
	if (r == 0 && (lstat(s->state_dir, &st) < 0 || !S_ISDIR(st.st_mode)))
		r = ts_error_set(err, ENOENT, "container '%s' is not prepared (no %s); run "
				 "'terok-shield prepare %s' first", name, s->state_dir, name);
	if (r < 0) {
		ts_shield_close(s);
		return r;
	}
	s->name = ts_xstrdup(name);
	return 0;
}

void ts_shield_close(struct ts_shield *s)
{
	free(s->name);
	free(s->state_dir);
	*s = (struct ts_shield){ 0 };
}

void ts_change_clear(struct ts_change *c)
{
	ts_strv_clear(&c->ips);
	*c = (struct ts_change){ 0 };
}

/* ---- inside the container's namespace ---- */

enum verify_mode { VERIFY_NONE, VERIFY_UP, VERIFY_DOWN, VERIFY_DOWN_ALL };

/* One change to the live table, prepared from the bundle before the helper forks. */
struct apply {
	const char *rules;          /* whole-table script to replace the table, or NULL: sets only */
	struct ts_strv allow;       /* the allow sets' content (effective IPs) */
	struct ts_strv deny;        /* deny.list */
	struct ts_strv deny_add;    /* denied now, kept live even when not persisted */
	struct ts_strv deny_remove; /* denied no more */
	struct ts_strv gateways;    /* with rules only */
	enum verify_mode verify;
	const char *dnsmasq_for;    /* state_dir whose dnsmasq must pick up new domains */
};

static void apply_clear(struct apply *a)
{
	ts_strv_clear(&a->allow);
	ts_strv_clear(&a->deny);
	ts_strv_clear(&a->deny_add);
	ts_strv_clear(&a->deny_remove);
	ts_strv_clear(&a->gateways);
}

/* (live ∪ deny.list ∪ added) − removed: a live-only deny survives any other change. */
static void merge_denies(const struct apply *a, const struct ts_strv *live, struct ts_strv *out)
{
	_cleanup_strset_ struct ts_strset seen = TS_STRSET_INIT;
	for (size_t i = 0; i < a->deny_remove.n; i++)
		ts_strset_add(&seen, a->deny_remove.items[i]);
	const struct ts_strv *parts[] = { live, &a->deny, &a->deny_add };
	for (size_t p = 0; p < ARRAY_SIZE(parts); p++)
		for (size_t i = 0; i < parts[p]->n; i++)
			if (ts_strset_add(&seen, parts[p]->items[i]))
				ts_strv_push(out, parts[p]->items[i]);
}

static int elements(struct ts_strbuf *b, enum ts_nft_set set, const struct ts_strv *v,
		    struct ts_error *err)
{
	return v->n ? ts_ruleset_elements(set, true, (const char *const *)v->items, v->n, b, err) : 0;
}

static int build_script(const struct apply *a, const struct ts_strv *deny, struct ts_strbuf *b,
			struct ts_error *err)
{
	int r = 0;
	if (a->rules)
		ts_strbuf_puts(b, a->rules);
	else
		r = ts_ruleset_flush(TS_SET_ALLOW, b, err);
	if (r == 0)
		r = elements(b, TS_SET_ALLOW, &a->allow, err);
	if (r == 0 && !a->rules)
		r = ts_ruleset_flush(TS_SET_DENY, b, err);
	if (r == 0)
		r = elements(b, TS_SET_DENY, deny, err);
	if (r == 0 && a->rules)
		r = elements(b, TS_SET_GATEWAY, &a->gateways, err);
	return r;
}

static int verify(struct ts_nft *nft, enum verify_mode mode, struct ts_error *err)
{
	if (mode == VERIFY_NONE)
		return 0;
	_cleanup_free_ char *listing = NULL;
	int r = ts_nft_list(nft, true, &listing, err);
	if (r < 0)
		return r;
	return mode == VERIFY_UP ? ts_verify_up(listing, err)
				 : ts_verify_down(listing, mode == VERIFY_DOWN_ALL, err);
}

/* dnsmasq reads nftset= only at start (SIGHUP reloads hosts files, not the config). */
static int restart_dnsmasq(const char *state_dir, struct ts_error *err)
{
	pid_t pid;
	if (ts_dnsmasq_pid(state_dir, &pid, NULL) < 0)
		return ts_error_set(err, ESRCH,
				    "the container's dnsmasq is not running (missing or stale "
				    "dnsmasq.pid), so its DNS is broken; restart the container to recover");
	return ts_dnsmasq_start(state_dir, &pid, err);
}

static int apply_in_container(struct ts_nft *nft, void *arg, char **output, struct ts_error *err)
{
	(void)output;
	const struct apply *a = arg;
	_cleanup_free_ char *table = NULL;
	_cleanup_strv_ struct ts_strv live = TS_STRV_INIT, deny = TS_STRV_INIT;
	int r = ts_nft_list(nft, true, &table, err);
	if (r == 0 && !table && !a->rules)
		return ts_error_set(err, ENOENT, "the container has no shield table; "
				    "'terok-shield up' puts it back");
	if (r == 0 && table)
		r = ts_nft_set_elements(nft, "deny_v4", &live, err);
	if (r == 0 && table)
		r = ts_nft_set_elements(nft, "deny_v6", &live, err);
	if (r < 0)
		return r;
	merge_denies(a, &live, &deny);

	struct ts_strbuf script = TS_STRBUF_INIT;
	r = build_script(a, &deny, &script, err);
	if (r == 0)
		r = ts_nft_exec(nft, script.data, NULL, err);
	ts_strbuf_clear(&script);
	if (r == 0)
		r = verify(nft, a->verify, err);
	if (r == 0 && a->dnsmasq_for)
		r = restart_dnsmasq(a->dnsmasq_for, err);
	return r;
}

/* Apply when the container runs; *running tells whether it did. */
static int apply_live(const struct ts_shield *s, struct apply *a, bool *running,
		      struct ts_error *err)
{
	struct ts_proc_identity id;
	int r = ts_container_locate(s->state_dir, s->name, &id, err);
	*running = r == 1;
	if (r <= 0)
		return r;
	r = ts_in_container(&id, apply_in_container, a, NULL, err);
	return r < 0 ? ts_error_prefix(err, r, "%s", s->name) : 0;
}

/* ---- bundle files ---- */

static int read_lines(const char *state_dir, char *(*path_fn)(const char *), struct ts_strv *out,
		      struct ts_error *err)
{
	_cleanup_free_ char *path = path_fn(state_dir);
	return ts_file_read_lines(path, out, err);
}

static int write_lines(const char *state_dir, char *(*path_fn)(const char *),
		       const struct ts_strv *lines, struct ts_error *err)
{
	_cleanup_free_ char *path = path_fn(state_dir);
	return ts_file_write_lines(path, lines, 0600, err);
}

/* Drop every occurrence of each of items; returns whether anything went. */
static bool strv_remove_all(struct ts_strv *v, const struct ts_strv *items)
{
	struct ts_strv kept = TS_STRV_INIT;
	for (size_t i = 0; i < v->n; i++)
		if (!ts_strv_contains(items, v->items[i]))
			ts_strv_push(&kept, v->items[i]);
	bool removed = kept.n != v->n;
	ts_strv_clear(v);
	*v = kept;
	return removed;
}

/* Append the items not yet present; returns whether anything was added. */
static bool strv_add_missing(struct ts_strv *v, const struct ts_strv *items)
{
	bool added = false;
	for (size_t i = 0; i < items->n; i++)
		if (!ts_strv_contains(v, items->items[i])) {
			ts_strv_push(v, items->items[i]);
			added = true;
		}
	return added;
}

/* Add items to one bundle list and remove them from another (either may be NULL). */
static int move_entries(const char *state_dir, char *(*add_to)(const char *),
			char *(*remove_from)(const char *), const struct ts_strv *items,
			struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv add = TS_STRV_INIT, rem = TS_STRV_INIT;
	int r = 0;
	if (add_to && (r = read_lines(state_dir, add_to, &add, err)) == 0 &&
	    strv_add_missing(&add, items))
		r = write_lines(state_dir, add_to, &add, err);
	if (r == 0 && remove_from && (r = read_lines(state_dir, remove_from, &rem, err)) == 0 &&
	    strv_remove_all(&rem, items))
		r = write_lines(state_dir, remove_from, &rem, err);
	return r;
}

/* ---- targets ---- */

struct target {
	char text[TS_DOMAIN_BUFLEN]; /* canonical address or normalised domain */
	bool is_domain;
	struct ts_strv ips;
};

static int parse_target(const char *input, struct target *t, struct ts_error *err)
{
	*t = (struct target){ .ips = TS_STRV_INIT };
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

/* True when addr lies in one of the entries. */
static bool covered_by(const char *addr, const struct ts_strv *entries)
{
	struct ts_addr a, net;
	if (ts_addr_parse(addr, &a, NULL) < 0)
		return false;
	for (size_t i = 0; i < entries->n; i++)
		if (ts_addr_parse(entries->items[i], &net, NULL) == 0 && ts_addr_contains(&net, &a))
			return true;
	return false;
}

static void audit_change(const struct ts_shield *s, const char *action, const struct target *t)
{
	_cleanup_free_ char *ips = ts_strv_join(&t->ips, ", ");
	_cleanup_free_ char *detail = t->is_domain ? ts_xasprintf("[ips] %s", ips) : NULL;
	ts_audit_log(s->audit, s->state_dir, s->name, action, t->text, detail);
	if (strcmp(action, "allowed") != 0)
		return;
	for (size_t i = 0; i < t->ips.n; i++) {
		struct ts_addr a;
		if (ts_addr_parse(t->ips.items[i], &a, NULL) < 0)
			continue;
		if (ts_addr_is_private(&a))
			ts_audit_log(s->audit, s->state_dir, s->name, "note", t->ips.items[i],
				     "private address allowlisted");
		else if (ts_addr_is_wide(&a))
			ts_audit_log(s->audit, s->state_dir, s->name, "note", t->ips.items[i],
				     "network wider than /16 (IPv4) or /48 (IPv6) allowlisted");
	}
}

/* ---- allow / deny ---- */

/* Files changed: regenerate what derives from them and fill the set contents. */
static int finish_files(const struct ts_shield *s, bool domains_changed, struct apply *a,
			struct ts_error *err)
{
	int r = ts_bundle_write_ruleset(s->state_dir, err);
	if (r == 0 && domains_changed)
		r = ts_bundle_write_dnsmasq_conf(s->state_dir, err);
	if (r == 0)
		r = ts_read_effective_ips(s->state_dir, &a->allow, err);
	if (r == 0)
		r = ts_read_denied_ips(s->state_dir, &a->deny, err);
	if (domains_changed)
		a->dnsmasq_for = s->state_dir;
	return r;
}

static int change_locked(const struct ts_shield *s, struct target *t, bool allow, bool *running,
			 struct ts_error *err)
{
	struct ts_bundle_settings set;
	int r = ts_bundle_settings_read(s->state_dir, &set, err);
	if (r < 0)
		return r;
	bool domains = t->is_domain && set.dnsmasq_tier;
	struct apply a = { 0 };
	if (allow) {
		r = move_entries(s->state_dir, ts_path_live_allowed, ts_path_deny_list, &t->ips, err);
		ts_strv_push_all(&a.deny_remove, &t->ips);
	} else {
		/* deny.list keeps profile addresses and every deny of an interactive container. */
		_cleanup_strv_ struct ts_strv profile = TS_STRV_INIT, persist = TS_STRV_INIT;
		r = read_lines(s->state_dir, ts_path_profile_allowed, &profile, err);
		for (size_t i = 0; r == 0 && i < t->ips.n; i++)
			if (set.interactive || covered_by(t->ips.items[i], &profile))
				ts_strv_push(&persist, t->ips.items[i]);
		if (r == 0)
			r = move_entries(s->state_dir, NULL, ts_path_live_allowed, &t->ips, err);
		if (r == 0)
			r = move_entries(s->state_dir, ts_path_deny_list, NULL, &persist, err);
		ts_strv_push_all(&a.deny_add, &t->ips);
	}
	if (r == 0 && domains) {
		struct ts_strv one = TS_STRV_INIT;
		ts_strv_push(&one, t->text);
		r = allow ? move_entries(s->state_dir, ts_path_live_domains, ts_path_denied_domains, &one, err)
			  : move_entries(s->state_dir, ts_path_denied_domains, ts_path_live_domains, &one, err);
		ts_strv_clear(&one);
	}
	if (r == 0)
		r = finish_files(s, domains, &a, err);
	if (r == 0)
		r = apply_live(s, &a, running, err);
	apply_clear(&a);
	ts_bundle_settings_clear(&set);
	return r;
}

static int change(const struct ts_shield *s, const char *input, bool allow, struct ts_change *out,
		  struct ts_error *err)
{
	*out = (struct ts_change){ .ips = TS_STRV_INIT };
	struct target t;
	int r = parse_target(input, &t, err);
	if (r < 0)
		return r;
	_cleanup_close_ int lock = ts_bundle_lock(s->state_dir, err);
	r = lock < 0 ? lock : change_locked(s, &t, allow, &out->running, err);
	if (r == 0) {
		audit_change(s, allow ? "allowed" : "denied", &t);
		out->ips = t.ips;
	} else {
		ts_strv_clear(&t.ips);
	}
	return r;
}

int ts_shield_allow(const struct ts_shield *s, const char *target, struct ts_change *out,
		    struct ts_error *err)
{
	return change(s, target, true, out, err);
}

int ts_shield_deny(const struct ts_shield *s, const char *target, struct ts_change *out,
		   struct ts_error *err)
{
	return change(s, target, false, out, err);
}

/* ---- up / down ---- */

static int replace_table(const struct ts_shield *s, bool up, bool all, struct ts_error *err)
{
	_cleanup_close_ int lock = ts_bundle_lock(s->state_dir, err);
	if (lock < 0)
		return lock;
	struct ts_bundle_settings set;
	int r = ts_bundle_settings_read(s->state_dir, &set, err);
	if (r < 0)
		return r;
	enum ts_ruleset_mode mode = up ? (set.interactive ? TS_RULESET_INTERACTIVE : TS_RULESET_UP)
				       : (all ? TS_RULESET_DOWN_ALL : TS_RULESET_DOWN);
	_cleanup_free_ char *rules = NULL;
	struct apply a = { .verify = up ? VERIFY_UP : (all ? VERIFY_DOWN_ALL : VERIFY_DOWN) };
	bool running = false;
	r = ts_bundle_rules(&set, mode, &rules, err);
	a.rules = rules;
	if (r == 0)
		r = ts_read_effective_ips(s->state_dir, &a.allow, err);
	if (r == 0)
		r = ts_read_denied_ips(s->state_dir, &a.deny, err);
	ts_bundle_gateways(&set, &a.gateways);
	if (r == 0)
		r = apply_live(s, &a, &running, err);
	if (r == 0 && !running)
		r = ts_error_set(err, ESRCH, "container '%s' is not running", s->name);
	apply_clear(&a);
	ts_bundle_settings_clear(&set);
	if (r == 0)
		ts_audit_log(s->audit, s->state_dir, s->name, up ? "shield_up" : "shield_down", NULL,
			     up ? NULL : (all ? "all traffic" : NULL));
	return r;
}

int ts_shield_up(const struct ts_shield *s, struct ts_error *err)
{
	return replace_table(s, true, false, err);
}

int ts_shield_down(const struct ts_shield *s, bool all, struct ts_error *err)
{
	return replace_table(s, false, all, err);
}

/* ---- state ---- */

static int list_in_container(struct ts_nft *nft, void *arg, char **output, struct ts_error *err)
{
	const bool *terse = arg;
	return ts_nft_list(nft, *terse, output, err);
}

int ts_shield_state(const struct ts_shield *s, enum ts_shield_state *state, char **listing,
		    struct ts_error *err)
{
	struct ts_proc_identity id;
	_cleanup_free_ char *text = NULL;
	bool terse = listing == NULL;
	*state = TS_STATE_INACTIVE;
	if (listing)
		*listing = NULL;
	int r = ts_container_locate(s->state_dir, s->name, &id, err);
	if (r == 1)
		r = ts_in_container(&id, list_in_container, &terse, &text, err);
	if (r < 0)
		return r;
	if (text && *text) {
		*state = ts_shield_state_classify(text);
		if (listing)
			*listing = TAKE_PTR(text);
	}
	return 0;
}
