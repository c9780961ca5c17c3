/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/stat.h>

#include "base/addr.h"
#include "base/domain.h"
#include "base/fileio.h"
#include "base/strbuf.h"
#include "base/strset.h"
#include "base/util.h"
#include "bundle/audit.h"
#include "bundle/bundle.h"
#include "bundle/location.h"
#include "bundle/lock.h"
#include "bundle/state.h"
#include "container/locate.h"
#include "container/nsexec.h"
#include "container/procid.h"
#include "control/live.h"
#include "dns/dnsmasq.h"
#include "dns/resolve.h"
#include "nft/listing.h"
#include "nft/nft.h"
#include "nft/ruleset.h"
#include "nft/verify.h"

/* Per query when a target is a domain. */
#define TARGET_RESOLVE_TIMEOUT_MS 3000

void ts_change_clear(struct ts_change *c)
{
	ts_strv_clear(&c->ips);
	*c = (struct ts_change){ 0 };
}

/* ---- inside the container's namespace ---- */

enum verify_mode { VERIFY_NONE, VERIFY_UP, VERIFY_DOWN, VERIFY_DOWN_ALL };

/*
 * One change to the live table, prepared from the bundle files before the
 * helper forks: the sets get exactly what the files say.
 */
struct apply {
	const char *rules;          /* whole-table script to replace the table, or NULL: sets only */
	struct ts_strv allow;       /* the allow sets' content: effective IPs */
	struct ts_strv deny;        /* the deny sets' content: deny.list and live.denied */
	struct ts_strv gateways;    /* with rules only */
	enum verify_mode verify;
	const char *dnsmasq_for;    /* state_dir whose dnsmasq must pick up new domains */
	pid_t container;            /* with dnsmasq_for: the container's init, for its watcher */
};

static void apply_clear(struct apply *a)
{
	ts_strv_clear(&a->allow);
	ts_strv_clear(&a->deny);
	ts_strv_clear(&a->gateways);
}

static int elements(struct ts_strbuf *b, enum ts_nft_set set, const struct ts_strv *v,
		    struct ts_error *err)
{
	return v->n ? ts_ruleset_elements(set, true, (const char *const *)v->items, v->n, b, err) : 0;
}

static int build_script(const struct apply *a, struct ts_strbuf *b, struct ts_error *err)
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
		r = elements(b, TS_SET_DENY, &a->deny, err);
	if (r == 0 && a->rules)
		r = elements(b, TS_SET_GATEWAY, &a->gateways, err);
	return r;
}

static int verify(struct ts_nft *nft, enum verify_mode mode, struct ts_error *err)
{
	if (mode == VERIFY_NONE)
		return 0;
	_cleanup_free_ char *listing = NULL;
	int r = ts_nft_list_json(nft, &listing, err);
	if (r < 0)
		return r;
	return mode == VERIFY_UP ? ts_verify_up(listing, err)
				 : ts_verify_down(listing, mode == VERIFY_DOWN_ALL, err);
}

/* dnsmasq reads nftset= only at start (SIGHUP reloads hosts files, not the config). */
static int restart_dnsmasq(const char *state_dir, pid_t container, struct ts_error *err)
{
	pid_t pid;
	if (ts_dnsmasq_pid(state_dir, &pid, NULL) < 0)
		return ts_error_set(err, ESRCH,
				    "the container's dnsmasq is not running (missing or stale "
				    "dnsmasq.pid), so its DNS is broken; restart the container to recover");
	return ts_dnsmasq_start(state_dir, container, &pid, err);
}

static int apply_in_container(struct ts_nft *nft, void *arg, char **output, struct ts_error *err)
{
	const struct apply *a = arg;
	struct ts_strbuf script = TS_STRBUF_INIT;
	int r = build_script(a, &script, err);
	if (r == 0)
		r = ts_nft_exec(nft, script.data, NULL, err);
	ts_strbuf_clear(&script);
	if (r < 0 && !a->rules) {
		_cleanup_free_ char *table = NULL;
		if (ts_nft_list(nft, true, &table, NULL) == 0 && !table)
			return ts_error_set(err, ENOENT, "the container has no shield table; "
					    "'terok-shield up' puts it back");
		return ts_error_prefix(err, r, "the container's table is not the shield's (state "
				       "error); 'terok-shield up' replaces it");
	}
	if (r == 0)
		r = verify(nft, a->verify, err);
	if (r == 0 && a->dnsmasq_for) {
		/* Whatever dnsmasq does now, the sets already changed: the caller must know. */
		*output = ts_xstrdup("sets changed");
		r = restart_dnsmasq(a->dnsmasq_for, a->container, err);
	}
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

/* A bundle list file, read into memory, changed there, written back when it changed. */
struct list_file {
	char *(*path)(const char *);
	struct ts_strv items;
	bool changed;
};

static int list_load(const char *state_dir, struct list_file *f, struct ts_error *err)
{
	f->items = (struct ts_strv)TS_STRV_INIT;
	f->changed = false;
	return read_lines(state_dir, f->path, &f->items, err);
}

static void list_add(struct list_file *f, const struct ts_strv *items)
{
	f->changed |= strv_add_missing(&f->items, items);
}

static void list_remove(struct list_file *f, const struct ts_strv *items)
{
	f->changed |= strv_remove_all(&f->items, items);
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
	ts_audit_log(s->audit, s->state_dir, s->name, action, t->text, detail, NULL);
	if (strcmp(action, "allowed") != 0)
		return;
	for (size_t i = 0; i < t->ips.n; i++) {
		struct ts_addr a;
		if (ts_addr_parse(t->ips.items[i], &a, NULL) < 0)
			continue;
		if (ts_addr_is_private(&a))
			ts_audit_log(s->audit, s->state_dir, s->name, "note", t->ips.items[i],
				     "private address allowlisted", NULL);
		else if (ts_addr_is_wide(&a))
			ts_audit_log(s->audit, s->state_dir, s->name, "note", t->ips.items[i],
				     "network wider than /16 (IPv4) or /48 (IPv6) allowlisted", NULL);
	}
}

/* ---- allow / deny ---- */

/* The address lists an allow or deny touches. */
enum { PROFILE, LIVE, DENY_LIST, LIVE_DENIED, N_ADDRESS_LISTS };
/* And, for a domain in the dnsmasq tier, the domain lists. */
enum { PROFILE_DOMAINS = N_ADDRESS_LISTS, LIVE_DOMAINS, DENIED_DOMAINS, N_LISTS };

/* Load the first n lists; every one is initialised, the first failure keeps its message. */
static int load_lists(const char *state_dir, struct list_file l[N_LISTS], int n,
		      struct ts_error *err)
{
	char *(*const paths[N_LISTS])(const char *) = {
		[PROFILE] = ts_path_profile_allowed,     [LIVE] = ts_path_live_allowed,
		[DENY_LIST] = ts_path_deny_list,         [LIVE_DENIED] = ts_path_live_denied,
		[PROFILE_DOMAINS] = ts_path_profile_domains, [LIVE_DOMAINS] = ts_path_live_domains,
		[DENIED_DOMAINS] = ts_path_denied_domains,
	};
	int r = 0;
	for (int i = 0; i < N_LISTS; i++) {
		l[i] = (struct list_file){ .path = paths[i], .items = TS_STRV_INIT };
		int w = i < n ? list_load(state_dir, &l[i], r < 0 ? NULL : err) : 0;
		r = r < 0 ? r : w;
	}
	return r;
}

static void clear_lists(struct list_file l[N_LISTS])
{
	for (int i = 0; i < N_LISTS; i++)
		ts_strv_clear(&l[i].items);
}

/* The allow and deny sets from the address lists: effective IPs; deny.list plus live.denied. */
static void set_contents(const struct list_file *l, struct apply *a)
{
	ts_effective_ips(&l[PROFILE].items, &l[LIVE].items, &l[DENY_LIST].items, &a->allow);
	ts_strv_push_all(&a->deny, &l[DENY_LIST].items);
	strv_add_missing(&a->deny, &l[LIVE_DENIED].items);
}

/* The sets as the files say, for a whole-table replacement or an undo. */
static int read_set_contents(const char *state_dir, struct apply *a, struct ts_error *err)
{
	struct list_file l[N_LISTS];
	int r = load_lists(state_dir, l, N_ADDRESS_LISTS, err);
	if (r == 0)
		set_contents(l, a);
	clear_lists(l);
	return r;
}

static void plan_addresses(struct list_file *l, const struct target *t, bool allow,
			   bool interactive)
{
	if (allow) {
		list_add(&l[LIVE], &t->ips);
		list_remove(&l[DENY_LIST], &t->ips);
		list_remove(&l[LIVE_DENIED], &t->ips);
		return;
	}
	/*
	 * deny.list keeps profile addresses and every deny of an interactive
	 * container (docs/cli.md, allow and deny); other denies last until the next start.
	 */
	struct ts_strv persist = TS_STRV_INIT, this_run = TS_STRV_INIT;
	for (size_t i = 0; i < t->ips.n; i++)
		ts_strv_push(interactive || covered_by(t->ips.items[i], &l[PROFILE].items) ? &persist
											  : &this_run,
			     t->ips.items[i]);
	list_remove(&l[LIVE], &t->ips);
	list_add(&l[DENY_LIST], &persist);
	list_add(&l[LIVE_DENIED], &this_run);
	ts_strv_clear(&persist);
	ts_strv_clear(&this_run);
}

/* In the dnsmasq tier a domain moves between live.domains and denied.domains. */
static void plan_domain(struct list_file *l, const struct target *t, bool allow)
{
	struct ts_strv one = TS_STRV_INIT;
	ts_strv_push(&one, t->text);
	list_add(&l[allow ? LIVE_DOMAINS : DENIED_DOMAINS], &one);
	list_remove(&l[allow ? DENIED_DOMAINS : LIVE_DOMAINS], &one);
	ts_strv_clear(&one);
}

/* Each address once, in order. */
static void unique(const struct ts_strv *in, struct ts_strv *out)
{
	_cleanup_strset_ struct ts_strset seen = TS_STRSET_INIT;
	for (size_t i = 0; i < in->n; i++)
		if (ts_strset_add(&seen, in->items[i]))
			ts_strv_push(out, in->items[i]);
}

/* dnsmasq.conf from the domain lists in memory, added to the batch. */
static int batch_dnsmasq_conf(struct ts_file_batch *batch, const char *state_dir,
			      const struct ts_bundle_settings *set, const struct list_file *l,
			      struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv merged = TS_STRV_INIT;
	_cleanup_free_ char *text = NULL, *path = ts_path_dnsmasq_conf(state_dir);
	ts_merge_domains(&l[PROFILE_DOMAINS].items, &l[LIVE_DOMAINS].items,
			 &l[DENIED_DOMAINS].items, &merged);
	int r = ts_bundle_dnsmasq_conf(state_dir, set->upstream_dns, &merged, &text, err);
	return r < 0 ? r : ts_file_batch_add(batch, path, text, strlen(text), 0600, err);
}

/*
 * The changed lists, ruleset.nft and (n_lists covering the domain lists)
 * dnsmasq.conf, the last two made from the lists in memory: one batch, so
 * a failure leaves every file as it was, and one directory sync.
 */
static int store_files(const char *state_dir, const struct ts_bundle_settings *set,
		       const struct list_file *l, int n_lists, const struct ts_strv *effective,
		       struct ts_error *err)
{
	struct ts_file_batch batch = { 0 };
	int r = 0;
	for (int i = 0; r == 0 && i < n_lists; i++)
		if (l[i].changed) {
			_cleanup_free_ char *path = l[i].path(state_dir);
			r = ts_file_batch_add_lines(&batch, path, &l[i].items, 0600, err);
		}
	_cleanup_strv_ struct ts_strv denied = TS_STRV_INIT;
	_cleanup_free_ char *script = NULL, *path = ts_path_ruleset(state_dir);
	unique(&l[DENY_LIST].items, &denied);
	if (r == 0)
		r = ts_bundle_script(state_dir, set, effective, &denied, &script, err);
	if (r == 0)
		r = ts_file_batch_add(&batch, path, script, strlen(script), 0600, err);
	if (r == 0 && n_lists > N_ADDRESS_LISTS)
		r = batch_dnsmasq_conf(&batch, state_dir, set, l, err);
	if (r == 0)
		return ts_file_batch_commit(&batch, err);
	ts_file_batch_abort(&batch);
	return r;
}

/* The files were not saved: the running container's sets go back to what they say. */
static int undo_live(const struct ts_shield *s, const struct ts_proc_identity *id)
{
	struct apply old = { 0 };
	int r = read_set_contents(s->state_dir, &old, NULL);
	if (r == 0)
		r = ts_in_container(id, apply_in_container, &old, NULL, NULL);
	apply_clear(&old);
	return r;
}

/*
 * The new lists are computed in memory; the running container gets them
 * while the files are written (a domain change waits for dnsmasq.conf
 * first). *saved tells whether the files were written.
 */
static int change_locked(const struct ts_shield *s, struct target *t, bool allow, bool *running,
			 bool *saved, struct ts_error *err)
{
	struct ts_bundle_settings set;
	int r = ts_bundle_settings_read(s->state_dir, &set, err);
	if (r < 0)
		return r;
	bool domains = t->is_domain && set.dnsmasq_tier;
	struct list_file l[N_LISTS];
	int n_lists = domains ? N_LISTS : N_ADDRESS_LISTS;
	r = load_lists(s->state_dir, l, n_lists, err);
	struct apply a = { .dnsmasq_for = domains ? s->state_dir : NULL };
	struct ts_proc_identity id;
	struct ts_nsexec job = { .pid = -1 };
	if (r == 0) {
		plan_addresses(l, t, allow, set.interactive);
		if (domains)
			plan_domain(l, t, allow);
		set_contents(l, &a);
		r = ts_container_locate(s->state_dir, s->name, &id, err);
		*running = r == 1;
		a.container = *running ? id.pid : 0;
		r = r < 0 ? r : 0;
	}
	/* Addresses only: the helper works while the files are written. */
	bool started = false;
	if (r == 0 && *running && !domains)
		started = (r = ts_nsexec_start(&id, apply_in_container, &a, &job, err)) == 0;
	int stored = r == 0 ? store_files(s->state_dir, &set, l, n_lists, &a.allow, err) : r;
	*saved = stored == 0;
	if (stored == 0 && *running && domains)
		started = (r = ts_nsexec_start(&id, apply_in_container, &a, &job, err)) == 0;
	struct ts_error live_err = { 0 };
	_cleanup_free_ char *progress = NULL;
	int live = started ? ts_nsexec_finish(&job, &progress, &live_err) : 0;
	if (r == 0 && stored < 0 && started && live == 0)
		r = undo_live(s, &id) == 0
			    ? ts_error_prefix(err, stored, "not saved, so %s was left as it was", s->name)
			    : ts_error_prefix(err, stored, "applied to %s now, but not saved", s->name);
	else if (r == 0 && stored < 0)
		r = stored;
	else if (r == 0 && live < 0) {
		if (err)
			*err = live_err;
		r = progress ? ts_error_prefix(err, live, "saved, and %s's sets changed now, but its "
					       "DNS did not take the new domains", s->name)
			     : ts_error_prefix(err, live, "saved for the next start, but not applied "
					       "to %s now", s->name);
	}
	clear_lists(l);
	apply_clear(&a);
	ts_bundle_settings_clear(&set);
	return r;
}

/* Apply a parsed target; its addresses move to out on success. */
static int change_target(const struct ts_shield *s, struct target *t, bool allow,
			 struct ts_change *out, struct ts_error *err)
{
	bool saved = false;
	_cleanup_close_ int lock = ts_bundle_lock(s->state_dir, err);
	int r = lock < 0 ? lock : change_locked(s, t, allow, &out->running, &saved, err);
	if (saved)
		audit_change(s, allow ? "allowed" : "denied", t);
	if (r == 0)
		out->ips = t->ips;
	else
		ts_strv_clear(&t->ips);
	return r;
}

static int change(const struct ts_shield *s, const char *input, bool allow, struct ts_change *out,
		  struct ts_error *err)
{
	*out = (struct ts_change){ .ips = TS_STRV_INIT };
	struct target t;
	int r = parse_target(input, &t, err);
	return r < 0 ? r : change_target(s, &t, allow, out, err);
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

int ts_shield_verdict(const struct ts_shield *s, const struct ts_strv *ips, const char *domain,
		      bool allow, struct ts_change *out, struct ts_error *err)
{
	*out = (struct ts_change){ .ips = TS_STRV_INIT };
	struct target t = { .ips = TS_STRV_INIT, .is_domain = domain && *domain };
	int r = ips->n ? 0 : ts_error_set(err, EINVAL, "a verdict needs an address");
	if (r == 0 && t.is_domain && ts_domain_normalize(domain, t.text, NULL) < 0)
		r = ts_error_set(err, EINVAL, "not a domain: '%.80s'", domain);
	for (size_t i = 0; r == 0 && i < ips->n; i++) {
		char canonical[TS_ADDR_STRLEN];
		if (ts_addr_canonicalize(ips->items[i], canonical, NULL) < 0)
			r = ts_error_set(err, EINVAL, "not an IP address: '%.80s'", ips->items[i]);
		else
			ts_strv_push(&t.ips, canonical);
	}
	if (r == 0 && !t.is_domain)
		snprintf(t.text, sizeof(t.text), "%s", t.ips.items[0]);
	if (r < 0) {
		ts_strv_clear(&t.ips);
		return r;
	}
	return change_target(s, &t, allow, out, err);
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
		r = read_set_contents(s->state_dir, &a, err);
	ts_bundle_gateways(&set, &a.gateways);
	if (r == 0)
		r = apply_live(s, &a, &running, err);
	if (r == 0 && !running)
		r = ts_error_set(err, ESRCH, "container '%s' is not running", s->name);
	apply_clear(&a);
	ts_bundle_settings_clear(&set);
	if (r == 0)
		ts_audit_log(s->audit, s->state_dir, s->name, up ? "shield_up" : "shield_down", NULL,
			     up ? NULL : (all ? "all traffic" : NULL), NULL);
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

/*
 * In the helper: classify the JSON listing there and answer the state's
 * number on the first line, followed by the text listing when asked for
 * (one snapshot for both).
 */
static int state_in_container(struct ts_nft *nft, void *arg, char **output, struct ts_error *err)
{
	const bool *with_text = arg;
	_cleanup_free_ char *json = NULL, *text = NULL;
	int r = ts_nft_list_json(nft, &json, err);
	if (r == 0 && json && *with_text)
		r = ts_nft_list(nft, false, &text, err);
	if (r < 0)
		return r;
	*output = ts_xasprintf("%d\n%s", (int)ts_verify_classify(json), text ? text : "");
	return 0;
}

int ts_shield_state(const struct ts_shield *s, enum ts_shield_state *state, char **listing,
		    struct ts_error *err)
{
	struct ts_proc_identity id;
	_cleanup_free_ char *answer = NULL;
	bool with_text = listing != NULL;
	*state = TS_STATE_INACTIVE;
	if (listing)
		*listing = NULL;
	int r = ts_container_locate(s->state_dir, s->name, &id, err);
	if (r == 1)
		r = ts_in_container(&id, state_in_container, &with_text, &answer, err);
	if (r < 0 || !answer)
		return r < 0 ? r : 0;
	char *text = NULL;
	long n = strtol(answer, &text, 10);
	*state = n >= TS_STATE_UP && n <= TS_STATE_ERROR && *text == '\n' ? (enum ts_shield_state)n
									  : TS_STATE_ERROR;
	if (listing && *text && text[1])
		*listing = ts_xstrdup(text + 1);
	return 0;
}
