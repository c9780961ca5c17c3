/* SPDX-License-Identifier: Apache-2.0 */
#include "base/addr.h"
#include "base/fileio.h"
#include "base/strset.h"
#include "bundle/bundle.h"
#include "bundle/scoped.h"
#include "bundle/state.h"
#include "control/live_lists.h"
#include "control/live_target.h"

/* The address lists, then the domain lists. */
enum { PROFILE, LIVE, DENY_LIST, LIVE_DENIED, SCOPED, PROFILE_SCOPED, N_ADDRESS_LISTS };
enum { PROFILE_DOMAINS = N_ADDRESS_LISTS, LIVE_DOMAINS, DENIED_DOMAINS, SCOPED_DOMAINS, N_LISTS };
_Static_assert(N_LISTS == TS_LIVE_LISTS_MAX, "every list has its slot");

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

static void list_add(struct ts_live_list *f, const struct ts_strv *items)
{
	f->changed |= strv_add_missing(&f->items, items);
}

static void list_remove(struct ts_live_list *f, const struct ts_strv *items)
{
	f->changed |= strv_remove_all(&f->items, items);
}

/* live.scoped_domains's lines checked and made canonical, as live.scoped's are. */
static int check_domain_lines(const char *path, struct ts_strv *lines, struct ts_error *err)
{
	for (size_t i = 0; i < lines->n; i++) {
		struct ts_scoped_domain e;
		int r = ts_scoped_domain_parse(lines->items[i], &e, err);
		if (r < 0)
			return ts_error_prefix(err, r, "%s, line %zu", path, i + 1);
		char canonical[TS_SCOPED_DOMAIN_LINE_LEN];
		ts_scoped_domain_format(&e, canonical);
		free(lines->items[i]);
		lines->items[i] = ts_xstrdup(canonical);
	}
	return 0;
}

int ts_live_lists_load(const char *state_dir, bool domains, struct ts_live_lists *ls,
		       struct ts_error *err)
{
	char *(*const paths[N_LISTS])(const char *) = {
		[PROFILE] = ts_path_profile_allowed,     [LIVE] = ts_path_live_allowed,
		[DENY_LIST] = ts_path_deny_list,         [LIVE_DENIED] = ts_path_live_denied,
		[SCOPED] = ts_path_live_scoped,          [PROFILE_SCOPED] = ts_path_profile_scoped,
		[PROFILE_DOMAINS] = ts_path_profile_domains, [LIVE_DOMAINS] = ts_path_live_domains,
		[DENIED_DOMAINS] = ts_path_denied_domains, [SCOPED_DOMAINS] = ts_path_live_scoped_domains,
	};
	ls->n = domains ? N_LISTS : N_ADDRESS_LISTS;
	for (int i = 0; i < N_LISTS; i++)
		ls->l[i] = (struct ts_live_list){ .path = paths[i], .items = TS_STRV_INIT };
	for (int i = 0; i < ls->n; i++) {
		_cleanup_free_ char *path = paths[i](state_dir);
		int r = ts_file_read_lines(path, &ls->l[i].items, err);
		if (r == 0 && (i == SCOPED || i == PROFILE_SCOPED))
			r = ts_scoped_check_lines(path, &ls->l[i].items, err);
		if (r == 0 && i == SCOPED_DOMAINS)
			r = check_domain_lines(path, &ls->l[i].items, err);
		if (r < 0)
			return r;
	}
	return 0;
}

void ts_live_lists_clear(struct ts_live_lists *ls)
{
	for (int i = 0; i < N_LISTS; i++)
		ts_strv_clear(&ls->l[i].items);
}

/* True when addr lies in one of the entries (addresses, or scoped lines with scoped). */
static bool covered_by(const char *addr, const struct ts_strv *entries, bool scoped)
{
	struct ts_addr a, net;
	if (ts_addr_parse(addr, &a, NULL) < 0)
		return false;
	for (size_t i = 0; i < entries->n; i++) {
		struct ts_scoped_entry e;
		const char *item = entries->items[i];
		if (scoped && ts_scoped_parse(item, &e, NULL) == 0)
			item = e.addr;
		if (ts_addr_parse(item, &net, NULL) == 0 && ts_addr_contains(&net, &a))
			return true;
	}
	return false;
}

static void plan_addresses(struct ts_live_list *l, const struct ts_strv *ips, bool allow,
			   bool interactive)
{
	if (allow) {
		list_add(&l[LIVE], ips);
		list_remove(&l[DENY_LIST], ips);
		list_remove(&l[LIVE_DENIED], ips);
		return;
	}
	/*
	 * deny.list keeps profile addresses and every deny of an interactive
	 * container (docs/cli.md, allow and deny); other denies last until the next start.
	 */
	_cleanup_strv_ struct ts_strv persist = TS_STRV_INIT, this_run = TS_STRV_INIT;
	for (size_t i = 0; i < ips->n; i++) {
		bool keep = interactive || covered_by(ips->items[i], &l[PROFILE].items, false) ||
			    covered_by(ips->items[i], &l[PROFILE_SCOPED].items, true);
		ts_strv_push(keep ? &persist : &this_run, ips->items[i]);
	}
	list_remove(&l[LIVE], ips);
	list_add(&l[DENY_LIST], &persist);
	list_add(&l[LIVE_DENIED], &this_run);
}

/* A scoped entry's address lies inside one of ips (a deny of those ends it). */
static bool scoped_inside(const char *line, const struct ts_strv *ips)
{
	struct ts_scoped_entry e;
	struct ts_addr a, net;
	if (ts_scoped_parse(line, &e, NULL) < 0 || ts_addr_parse(e.addr, &a, NULL) < 0)
		return false;
	for (size_t i = 0; i < ips->n; i++)
		if (ts_addr_parse(ips->items[i], &net, NULL) == 0 && net.family == a.family &&
		    ts_addr_contains(&net, &a))
			return true;
	return false;
}

/* Drop the lines for which drop(line, arg) holds, appending them to gone. */
static void scoped_filter(struct ts_live_list *f, bool (*drop)(const char *, const void *),
			  const void *arg, struct ts_strv *gone)
{
	struct ts_strv kept = TS_STRV_INIT;
	for (size_t i = 0; i < f->items.n; i++) {
		bool d = drop(f->items.items[i], arg);
		ts_strv_push(d ? gone : &kept, f->items.items[i]);
		f->changed |= d;
	}
	ts_strv_clear(&f->items);
	f->items = kept;
}

static bool drop_inside(const char *line, const void *ips)
{
	return scoped_inside(line, ips);
}

static bool drop_same_key(const char *line, const void *entry)
{
	struct ts_scoped_entry e;
	return ts_scoped_parse(line, &e, NULL) == 0 && ts_scoped_same_key(&e, entry);
}

static bool drop_expired(const char *line, const void *now)
{
	return ts_scoped_line_expired(line, *(const time_t *)now);
}

static bool drop_expired_domain(const char *line, const void *now)
{
	struct ts_scoped_domain e;
	return ts_scoped_domain_parse(line, &e, NULL) == 0 && e.expires &&
	       e.expires <= *(const time_t *)now;
}

/* A scoped domain line's domain is arg (a deny of it, or a new allow's replacement, ends it). */
static bool drop_domain_key(const char *line, const void *arg)
{
	const struct ts_scoped_domain *key = arg;
	struct ts_scoped_domain e;
	return ts_scoped_domain_parse(line, &e, NULL) == 0 && strcmp(e.domain, key->domain) == 0 &&
	       (key->proto == 0 ||
		(e.proto == key->proto && e.port_lo == key->port_lo && e.port_hi == key->port_hi));
}

/* A scoped domain (shield tier): one line per protocol in live.scoped_domains, timed from now. */
static void plan_scoped_domain(struct ts_live_list *l, const struct ts_live_target *t, time_t now)
{
	const unsigned protos[] = { TS_PROTO_TCP, TS_PROTO_UDP };
	_cleanup_strv_ struct ts_strv replaced = TS_STRV_INIT;
	for (size_t p = 0; p < ARRAY_SIZE(protos); p++) {
		if (!(t->scope.protos & protos[p]))
			continue;
		struct ts_scoped_domain e = { .proto = protos[p], .port_lo = t->scope.port_lo,
					      .port_hi = t->scope.port_hi,
					      .expires = t->scope.seconds ? now + t->scope.seconds : 0 };
		snprintf(e.domain, sizeof(e.domain), "%s", t->text);
		scoped_filter(&l[SCOPED_DOMAINS], drop_domain_key, &e, &replaced);
		char line[TS_SCOPED_DOMAIN_LINE_LEN];
		ts_scoped_domain_format(&e, line);
		ts_strv_push(&l[SCOPED_DOMAINS].items, line);
		l[SCOPED_DOMAINS].changed = true;
	}
}

/*
 * In the dnsmasq and shield tiers a domain moves between live.domains (or,
 * scoped, live.scoped_domains) and denied.domains; a deny ends its scoped allows too.
 */
static void plan_domain(struct ts_live_list *l, const struct ts_live_target *t, bool allow,
			time_t now)
{
	_cleanup_strv_ struct ts_strv one = TS_STRV_INIT, ended = TS_STRV_INIT;
	ts_strv_push(&one, t->text);
	bool scoped = allow && ts_scope_is_narrow(&t->scope);
	if (scoped)
		plan_scoped_domain(l, t, now);
	else
		list_add(&l[allow ? LIVE_DOMAINS : DENIED_DOMAINS], &one);
	list_remove(&l[allow ? DENIED_DOMAINS : LIVE_DOMAINS], &one);
	if (!allow) {
		struct ts_scoped_domain any = { .proto = 0 };
		snprintf(any.domain, sizeof(any.domain), "%s", t->text);
		scoped_filter(&l[SCOPED_DOMAINS], drop_domain_key, &any, &ended);
	}
}

/*
 * The live.scoped lines a scoped or timed allow of t writes at now: one
 * per address and protocol. entries (optional) gets each line's entry.
 */
static size_t scoped_lines_of(const struct ts_live_target *t, time_t now, struct ts_strv *lines,
			      struct ts_scoped_entry **entries)
{
	const unsigned protos[] = { TS_PROTO_TCP, TS_PROTO_UDP };
	struct ts_scoped_entry *es = ts_xmalloc((2 * t->ips.n + 1) * sizeof(*es));
	size_t n = 0;
	for (size_t i = 0; i < t->ips.n; i++)
		for (size_t p = 0; p < ARRAY_SIZE(protos); p++) {
			if (!(t->scope.protos & protos[p]))
				continue;
			struct ts_scoped_entry *e = &es[n++];
			*e = (struct ts_scoped_entry){ .proto = protos[p], .port_lo = t->scope.port_lo,
						       .port_hi = t->scope.port_hi,
						       .expires = t->scope.seconds
									  ? now + t->scope.seconds
									  : 0 };
			snprintf(e->addr, sizeof(e->addr), "%s", t->ips.items[i]);
			char line[TS_SCOPED_LINE_LEN];
			ts_scoped_format(e, line);
			ts_strv_push(lines, line);
		}
	if (entries)
		*entries = es;
	else
		free(es);
	return n;
}

/* A scoped or timed allow: its lines, each replacing the same key's. */
static void plan_scoped(struct ts_live_list *l, const struct ts_live_target *t, time_t now)
{
	_cleanup_strv_ struct ts_strv replaced = TS_STRV_INIT, lines = TS_STRV_INIT;
	_cleanup_free_ struct ts_scoped_entry *entries = NULL;
	size_t n = scoped_lines_of(t, now, &lines, &entries);
	for (size_t i = 0; i < n; i++) {
		scoped_filter(&l[SCOPED], drop_same_key, &entries[i], &replaced);
		ts_strv_push(&l[SCOPED].items, lines.items[i]);
		l[SCOPED].changed = true;
	}
	list_remove(&l[DENY_LIST], &t->ips);
	list_remove(&l[LIVE_DENIED], &t->ips);
}

/* a and b share addresses: one lies inside the other. */
static bool addresses_overlap(const char *a, const char *b)
{
	struct ts_addr x, y;
	return ts_addr_parse(a, &x, NULL) == 0 && ts_addr_parse(b, &y, NULL) == 0 &&
	       ts_addr_overlaps(&x, &y);
}

int ts_live_lists_scoped_overlap(const struct ts_live_lists *ls, const struct ts_live_target *t,
				 struct ts_error *err)
{
	/* Overlap is about addresses and ports: any expiry will do. */
	_cleanup_strv_ struct ts_strv would = TS_STRV_INIT;
	scoped_lines_of(t, time(NULL), &would, NULL);
	const char *mine, *line;
	if (ts_scoped_find_overlap(&would, &ls->l[SCOPED].items, &mine, &line))
		return ts_error_set(err, EEXIST, "%.*s on these ports overlaps the scoped allow '%s' "
				    "(live.scoped): deny one of them first",
				    (int)strcspn(mine, " "), mine, line);
	if (ts_scoped_find_overlap(&would, &ls->l[PROFILE_SCOPED].items, &mine, &line))
		return ts_error_set(err, EEXIST, "%.*s on these ports overlaps the scoped allow '%s' "
				    "of a profile (profile.scoped)", (int)strcspn(mine, " "), mine,
				    line);
	return 0;
}

/* The first entry of whole that shares addresses with addr, or NULL. */
static const char *whole_allow_of(const struct ts_strv *whole, const char *addr)
{
	for (size_t i = 0; i < whole->n; i++)
		if (addresses_overlap(whole->items[i], addr))
			return whole->items[i];
	return NULL;
}

/* The first entry of domains that allows name (itself or a parent), or NULL. */
static const char *domain_allow_of(const struct ts_strv *domains, const char *name)
{
	for (size_t i = 0; i < domains->n; i++)
		if (ts_domain_matches(name, domains->items[i]))
			return domains->items[i];
	return NULL;
}

int ts_live_lists_scoped_reopens(const struct ts_live_lists *ls, const struct ts_live_target *t,
				 struct ts_error *err)
{
	static const char hint[] = "a scoped allow lifts the deny and would reopen every port: "
				   "allow it whole, or take it out of the profile";
	for (size_t i = 0; i < t->ips.n; i++) {
		const char *addr = t->ips.items[i], *by;
		if (!ts_strv_contains(&ls->l[DENY_LIST].items, addr) &&
		    !ts_strv_contains(&ls->l[LIVE_DENIED].items, addr))
			continue;
		if ((by = whole_allow_of(&ls->l[PROFILE].items, addr)))
			return ts_error_set(err, EEXIST, "%s is denied over the profile's %s "
					    "(profile.allowed): %s", addr, by, hint);
		if ((by = whole_allow_of(&ls->l[LIVE].items, addr)))
			return ts_error_set(err, EEXIST, "%s is denied over the allow of %s "
					    "(live.allowed): %s", addr, by, hint);
	}
	if (!t->is_domain || ls->n <= SCOPED_DOMAINS ||
	    !ts_strv_contains(&ls->l[DENIED_DOMAINS].items, t->text))
		return 0;
	const char *by = domain_allow_of(&ls->l[PROFILE_DOMAINS].items, t->text);
	if (!by)
		by = domain_allow_of(&ls->l[LIVE_DOMAINS].items, t->text);
	if (by)
		return ts_error_set(err, EEXIST, "%s is denied over the allow of %s: %s", t->text,
				    by, hint);
	return 0;
}

void ts_live_lists_prune(struct ts_live_lists *ls, time_t now, struct ts_strv *expired)
{
	scoped_filter(&ls->l[SCOPED], drop_expired, &now, expired);
	/* The forwarder no longer honours them; they leave the file unaudited (no address ended). */
	_cleanup_strv_ struct ts_strv ended = TS_STRV_INIT;
	if (ls->n > SCOPED_DOMAINS)
		scoped_filter(&ls->l[SCOPED_DOMAINS], drop_expired_domain, &now, &ended);
}

const struct ts_live_list *ts_live_lists_scoped(const struct ts_live_lists *ls)
{
	return &ls->l[SCOPED];
}

void ts_live_lists_profile_scoped(const struct ts_live_lists *ls, struct ts_strv *out)
{
	ts_strv_push_all(out, &ls->l[PROFILE_SCOPED].items);
}

void ts_live_lists_plan(struct ts_live_lists *ls, const struct ts_live_target *t, bool allow,
			bool interactive, time_t now)
{
	if (!allow) {
		_cleanup_strv_ struct ts_strv ended = TS_STRV_INIT;
		scoped_filter(&ls->l[SCOPED], drop_inside, &t->ips, &ended);
	}
	if (allow && ts_scope_is_narrow(&t->scope))
		plan_scoped(ls->l, t, now);
	else
		plan_addresses(ls->l, &t->ips, allow, interactive);
	if (t->is_domain && ls->n > N_ADDRESS_LISTS)
		plan_domain(ls->l, t, allow, now);
}

void ts_live_lists_sets(const struct ts_live_lists *ls, struct ts_strv *allow,
			struct ts_strv *deny)
{
	const struct ts_live_list *l = ls->l;
	ts_effective_ips(&l[PROFILE].items, &l[LIVE].items, &l[DENY_LIST].items, allow);
	ts_strv_push_all(deny, &l[DENY_LIST].items);
	strv_add_missing(deny, &l[LIVE_DENIED].items);
}

int ts_live_read_sets(const char *state_dir, struct ts_strv *allow, struct ts_strv *deny,
		      struct ts_error *err)
{
	_cleanup_live_lists_ struct ts_live_lists ls = { 0 };
	int r = ts_live_lists_load(state_dir, false, &ls, err);
	if (r == 0)
		ts_live_lists_sets(&ls, allow, deny);
	return r;
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
			      const struct ts_bundle_settings *set, const struct ts_live_list *l,
			      struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv merged = TS_STRV_INIT;
	_cleanup_free_ char *text = NULL, *path = ts_path_dnsmasq_conf(state_dir);
	ts_merge_domains(&l[PROFILE_DOMAINS].items, &l[LIVE_DOMAINS].items,
			 &l[DENIED_DOMAINS].items, &merged);
	int r = ts_bundle_dnsmasq_conf(state_dir, set->upstream_dns, &merged, &text, err);
	return r < 0 ? r : ts_file_batch_add(batch, path, text, strlen(text), 0600, err);
}

/* Every file of the change added to the batch. */
static int batch_files(struct ts_file_batch *batch, const char *state_dir,
		       const struct ts_bundle_settings *set, const struct ts_live_lists *ls,
		       const struct ts_strv *effective, struct ts_error *err)
{
	const struct ts_live_list *l = ls->l;
	for (int i = 0; i < ls->n; i++) {
		if (!l[i].changed)
			continue;
		_cleanup_free_ char *path = l[i].path(state_dir);
		int r = ts_file_batch_add_lines(batch, path, &l[i].items, 0600, err);
		if (r < 0)
			return r;
	}
	_cleanup_strv_ struct ts_strv denied = TS_STRV_INIT;
	_cleanup_free_ char *script = NULL, *path = ts_path_ruleset(state_dir);
	unique(&l[DENY_LIST].items, &denied);
	int r = ts_bundle_script(state_dir, set, effective, &denied, &script, err);
	if (r == 0)
		r = ts_file_batch_add(batch, path, script, strlen(script), 0600, err);
	if (r == 0 && ls->n > N_ADDRESS_LISTS && set->dnsmasq_tier)
		r = batch_dnsmasq_conf(batch, state_dir, set, l, err);
	return r;
}

int ts_live_lists_store(const char *state_dir, const struct ts_bundle_settings *set,
			const struct ts_live_lists *ls, const struct ts_strv *effective,
			struct ts_error *err)
{
	struct ts_file_batch batch = { 0 };
	int r = batch_files(&batch, state_dir, set, ls, effective, err);
	if (r == 0)
		return ts_file_batch_commit(&batch, err);
	ts_file_batch_abort(&batch);
	return r;
}
