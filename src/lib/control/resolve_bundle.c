/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/stat.h>
#include <time.h>

#include "base/addr.h"
#include "base/domain.h"
#include "base/fileio.h"
#include "base/strset.h"
#include "base/util.h"
#include "bundle/bundle.h"
#include "bundle/lock.h"
#include "bundle/scoped.h"
#include "bundle/state.h"
#include "config/profiles.h"
#include "control/resolve_bundle.h"
#include "dns/resolve.h"
#include "nft/nft_names.h"

/* profile.allowed of the static tier stays valid this long (docs/cli.md, DNS tiers). */
#define RESOLVE_MAX_AGE_S 3600
/* Per query: long enough for a slow resolver, short enough for a prompt prepare. */
#define RESOLVE_TIMEOUT_MS 3000

void ts_resolved_clear(struct ts_resolved *r)
{
	ts_strv_clear(&r->ips);
	ts_strv_clear(&r->unresolved);
	*r = (struct ts_resolved){ 0 };
}

void ts_profile_plan_clear(struct ts_profile_plan *p)
{
	ts_strv_clear(&p->domains);
	ts_strv_clear(&p->scoped);
	ts_strv_clear(&p->scoped_domains);
	ts_resolved_clear(&p->resolved);
}

/* A profile's scoped entry: its target and what it reaches. */
struct scoped_entry {
	char target[TS_DOMAIN_BUFLEN];
	struct ts_scope scope;
};

/*
 * Composed profile entries are canonical addresses or normalised domains,
 * each maybe with a scope: whole ones to ips and domains, scoped ones to scoped.
 */
static int split_entries(const struct ts_strv *entries, struct ts_strv *ips,
			 struct ts_strv *domains, struct scoped_entry **scoped, size_t *n_scoped,
			 struct ts_error *err)
{
	*scoped = calloc(entries->n ? entries->n : 1, sizeof(**scoped));
	if (!*scoped)
		return ts_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < entries->n; i++) {
		struct scoped_entry e;
		struct ts_addr a;
		int r = ts_profile_entry_split(entries->items[i], e.target, sizeof(e.target),
					       &e.scope);
		if (r < 0)
			return ts_error_set(err, EINVAL, "not a profile entry: '%s'",
					    entries->items[i]);
		if (r > 0)
			(*scoped)[(*n_scoped)++] = e;
		else if (ts_addr_parse(e.target, &a, NULL) == 0)
			ts_strv_push(ips, e.target);
		else
			ts_strv_push(domains, e.target);
	}
	return 0;
}

/* profile.scoped's lines for one address: one per protocol, never expiring. */
static void push_scoped_lines(const char *addr, const struct ts_scope *scope, struct ts_strv *out)
{
	const unsigned protos[] = { TS_PROTO_TCP, TS_PROTO_UDP };
	for (size_t p = 0; p < ARRAY_SIZE(protos); p++) {
		if (!(scope->protos & protos[p]))
			continue;
		struct ts_scoped_entry e = { .proto = protos[p], .port_lo = scope->port_lo,
					     .port_hi = scope->port_hi };
		snprintf(e.addr, sizeof(e.addr), "%s", addr);
		char line[TS_SCOPED_LINE_LEN];
		ts_scoped_format(&e, line);
		if (!ts_strv_contains(out, line))
			ts_strv_push(out, line);
	}
}

/* profile.scoped_domains's lines for a domain of the shield tier: one per protocol, never expiring. */
static void push_domain_lines(const char *domain, const struct ts_scope *scope, struct ts_strv *out)
{
	const unsigned protos[] = { TS_PROTO_TCP, TS_PROTO_UDP };
	for (size_t p = 0; p < ARRAY_SIZE(protos); p++) {
		if (!(scope->protos & protos[p]))
			continue;
		struct ts_scoped_domain e = { .proto = protos[p], .port_lo = scope->port_lo,
					      .port_hi = scope->port_hi };
		snprintf(e.domain, sizeof(e.domain), "%s", domain);
		char line[TS_SCOPED_DOMAIN_LINE_LEN];
		ts_scoped_domain_format(&e, line);
		if (!ts_strv_contains(out, line))
			ts_strv_push(out, line);
	}
}

/*
 * The scoped entries as profile.scoped lines: an address as it is, a
 * domain by the addresses it resolves to now; in the shield tier a domain
 * goes to profile.scoped_domains instead (its forwarder learns the addresses).
 */
static int resolve_scoped(const struct scoped_entry *scoped, size_t n, bool shield_tier,
			  struct ts_profile_plan *plan, struct ts_strv *unresolved,
			  struct ts_error *err)
{
	struct ts_strv *out = &plan->scoped;
	for (size_t i = 0; i < n; i++) {
		struct ts_addr a;
		if (ts_addr_parse(scoped[i].target, &a, NULL) == 0) {
			push_scoped_lines(scoped[i].target, &scoped[i].scope, out);
			continue;
		}
		if (shield_tier) {
			push_domain_lines(scoped[i].target, &scoped[i].scope, &plan->scoped_domains);
			continue;
		}
		_cleanup_strv_ struct ts_strv ips = TS_STRV_INIT;
		const char *name = scoped[i].target;
		int r = ts_resolve_all(&name, 1, RESOLVE_TIMEOUT_MS, &ips, unresolved, err);
		if (r < 0)
			return r;
		for (size_t j = 0; j < ips.n; j++)
			push_scoped_lines(ips.items[j], &scoped[i].scope, out);
	}
	return 0;
}

static bool strv_equal(const struct ts_strv *a, const struct ts_strv *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->items[i], b->items[i]) != 0)
			return false;
	return true;
}

/* Newest modification time of the profiles' files (0 when one cannot be found). */
static time_t profiles_mtime(const char *config_root, const struct ts_strv *profiles)
{
	time_t newest = 0;
	for (size_t i = 0; i < profiles->n; i++) {
		_cleanup_free_ char *path = NULL;
		struct stat st;
		if (ts_profile_find(config_root, profiles->items[i], &path, NULL, NULL) < 0 ||
		    stat(path, &st) < 0)
			return 0;
		if (st.st_mtime > newest)
			newest = st.st_mtime;
	}
	return newest;
}

/*
 * A static resolution worth keeping: profile.allowed younger than an hour,
 * made in the static tier for exactly these profiles, and newer than
 * every profile file.
 */
static bool resolution_fresh(const char *state_dir, const char *config_root,
			     const struct ts_strv *profiles)
{
	_cleanup_free_ char *allowed = ts_path_profile_allowed(state_dir);
	_cleanup_free_ char *recorded_path = ts_path_profiles(state_dir);
	_cleanup_free_ char *tier_path = ts_path_dns_tier(state_dir);
	_cleanup_strv_ struct ts_strv recorded = TS_STRV_INIT, tier = TS_STRV_INIT;
	struct stat st;
	time_t sources = profiles_mtime(config_root, profiles);
	if (lstat(allowed, &st) < 0 || !S_ISREG(st.st_mode) || sources == 0 ||
	    st.st_mtime < sources || time(NULL) - st.st_mtime >= RESOLVE_MAX_AGE_S)
		return false;
	return ts_file_read_lines(tier_path, &tier, NULL) == 0 && tier.n == 1 &&
	       strcmp(tier.items[0], TS_TIER_DNSMASQ) != 0 &&
	       strcmp(tier.items[0], TS_TIER_SHIELD) != 0 &&
	       ts_file_read_lines(recorded_path, &recorded, NULL) == 0 &&
	       strv_equal(&recorded, profiles);
}

/* Raw IPs first, then every domain's addresses (static tier), duplicates dropped. */
static int resolve_entries(const struct ts_strv *ips, const struct ts_strv *domains,
			   bool static_tier, struct ts_strv *out, struct ts_strv *unresolved,
			   struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv resolved = TS_STRV_INIT;
	if (static_tier && domains->n > 0) {
		int r = ts_resolve_all((const char *const *)domains->items, domains->n,
				       RESOLVE_TIMEOUT_MS, &resolved, unresolved, err);
		if (r < 0)
			return r;
	}
	_cleanup_strset_ struct ts_strset seen = TS_STRSET_INIT;
	const struct ts_strv *parts[] = { ips, &resolved };
	for (size_t p = 0; p < ARRAY_SIZE(parts); p++)
		for (size_t i = 0; i < parts[p]->n; i++)
			if (ts_strset_add(&seen, parts[p]->items[i]))
				ts_strv_push(out, parts[p]->items[i]);
	return 0;
}

static void free_scoped(struct scoped_entry **p)
{
	free(*p);
}

/*
 * The kernel's scoped sets take no host inside a network on a shared
 * port: not among the profiles' scoped entries, nor against live.scoped's.
 */
static int check_scoped_overlaps(const char *state_dir, const struct ts_strv *scoped,
				 struct ts_error *err)
{
	const char *x, *y;
	if (ts_scoped_find_overlap(scoped, scoped, &x, &y))
		return ts_error_set(err, EEXIST, "the profiles' scoped entries '%s' and '%s' overlap "
				    "(a host inside a network on a shared port), which the scoped "
				    "sets cannot hold: keep one of them", x, y);
	_cleanup_strv_ struct ts_strv live = TS_STRV_INIT;
	int r = ts_scoped_read(state_dir, &live, err);
	if (r == 0 && ts_scoped_find_overlap(scoped, &live, &x, &y))
		r = ts_error_set(err, EEXIST, "the profiles' scoped entry '%s' overlaps the scoped "
				 "allow '%s' (live.scoped): deny it first, or change the profile",
				 x, y);
	return r;
}

int ts_profile_plan_make(const char *state_dir, const char *config_root,
			 const struct ts_strv *profiles, bool dnsmasq_tier, bool shield_tier,
			 bool force, struct ts_profile_plan *plan, struct ts_error *err)
{
	*plan = (struct ts_profile_plan){ 0 };
	_cleanup_strv_ struct ts_strv entries = TS_STRV_INIT, ips = TS_STRV_INIT;
	_cleanup_(free_scoped) struct scoped_entry *scoped = NULL;
	size_t n_scoped = 0;
	struct ts_resolved *res = &plan->resolved;
	int r = ts_profiles_compose(config_root, profiles, &entries, err);
	if (r == 0)
		r = split_entries(&entries, &ips, &plan->domains, &scoped, &n_scoped, err);
	if (r < 0)
		return r;
	if (!dnsmasq_tier && !force && resolution_fresh(state_dir, config_root, profiles)) {
		_cleanup_free_ char *path = ts_path_profile_allowed(state_dir);
		res->reused = true;
		r = ts_file_read_lines(path, &res->ips, err);
		if (r == 0)
			r = ts_scoped_read_profile(state_dir, &plan->scoped, err);
	} else {
		r = resolve_entries(&ips, &plan->domains, !dnsmasq_tier, &res->ips,
				    &res->unresolved, err);
		if (r == 0)
			r = resolve_scoped(scoped, n_scoped, shield_tier, plan, &res->unresolved,
					   err);
		if (r == 0)
			r = check_scoped_overlaps(state_dir, &plan->scoped, err);
	}
	res->n_ips = res->ips.n;
	return r;
}

static int write_lines(const char *state_dir, char *(*path_fn)(const char *),
		       const struct ts_strv *lines, struct ts_error *err)
{
	_cleanup_free_ char *path = path_fn(state_dir);
	return ts_file_write_lines(path, lines, 0600, err);
}

int ts_profile_plan_write(const char *state_dir, const struct ts_strv *profiles,
			  bool dnsmasq_tier, const struct ts_profile_plan *plan,
			  struct ts_error *err)
{
	int r;
	if (dnsmasq_tier) {
		r = write_lines(state_dir, ts_path_profile_domains, &plan->domains, err);
		if (r < 0)
			return r;
	}
	if (!plan->resolved.reused) {
		r = write_lines(state_dir, ts_path_profile_allowed, &plan->resolved.ips, err);
		if (r == 0)
			r = write_lines(state_dir, ts_path_profile_scoped, &plan->scoped, err);
		if (r < 0)
			return r;
	}
	r = write_lines(state_dir, ts_path_profile_scoped_domains, &plan->scoped_domains, err);
	return r < 0 ? r : write_lines(state_dir, ts_path_profiles, profiles, err);
}

/* The tier prepare chose, from the bundle's settings: whether a resolver of ours learns domains. */
static int read_dns_tier(const char *state_dir, bool *learns, bool *dnsmasq_tier,
			 bool *shield_tier, struct ts_error *err)
{
	_cleanup_bundle_settings_ struct ts_bundle_settings s = { 0 };
	int r = ts_bundle_settings_read(state_dir, &s, err);
	*dnsmasq_tier = s.dnsmasq_tier;
	*shield_tier = s.shield_tier;
	*learns = s.dnsmasq_tier || s.shield_tier;
	return r;
}

/* Under the bundle lock. */
static int resolve_locked(const char *state_dir, const char *config_root, bool force,
			  struct ts_profile_plan *plan, struct ts_error *err)
{
	_cleanup_free_ char *profiles_path = ts_path_profiles(state_dir);
	_cleanup_strv_ struct ts_strv profiles = TS_STRV_INIT;
	bool learns, dnsmasq_tier, shield_tier;
	int r = read_dns_tier(state_dir, &learns, &dnsmasq_tier, &shield_tier, err);
	if (r < 0)
		return r;
	r = ts_file_read_lines(profiles_path, &profiles, err);
	if (r < 0)
		return r;
	if (profiles.n == 0)
		return ts_error_set(err, ENOENT, "%s is missing: run 'terok-shield prepare' again",
				    profiles_path);
	r = ts_profile_plan_make(state_dir, config_root, &profiles, learns, shield_tier, force,
				 plan, err);
	if (r < 0)
		return r;
	r = ts_profile_plan_write(state_dir, &profiles, learns, plan, err);
	if (r < 0)
		return r;
	if (dnsmasq_tier) {
		r = ts_bundle_write_dnsmasq_conf(state_dir, err);
		if (r < 0)
			return r;
	}
	return ts_bundle_write_ruleset(state_dir, err);
}

int ts_resolve_bundle(const char *state_dir, const char *config_root, bool force,
		      struct ts_resolved *out, struct ts_error *err)
{
	*out = (struct ts_resolved){ 0 };
	int r = ts_state_dir_check(state_dir, err);
	if (r < 0)
		return r;
	_cleanup_close_ int lock = ts_bundle_lock(state_dir, err);
	if (lock < 0)
		return lock;
	_cleanup_profile_plan_ struct ts_profile_plan plan = { 0 };
	r = resolve_locked(state_dir, config_root, force, &plan, err);
	if (r < 0)
		return r;
	*out = plan.resolved;
	plan.resolved = (struct ts_resolved){ 0 };
	return 0;
}
