/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>

#include "base/fileio.h"
#include "base/strset.h"
#include "base/strv.h"
#include "base/util.h"
#include "bundle/bundle.h"
#include "bundle/location.h"
#include "bundle/scoped.h"
#include "bundle/shield.h"
#include "bundle/state.h"
#include "config/profiles.h"
#include "container/locate.h"
#include "container/podman_ps.h"
#include "control/inventory.h"
#include "control/live.h"
#include "control/reuse.h"
#include "nft/nft_names.h"

void ts_listed_clear(struct ts_listed *e)
{
	free(e->name);
	free(e->dns_tier);
	for (char **p = e->profiles; p && *p; p++)
		free(*p);
	free(e->profiles);
	free(e->error);
	*e = (struct ts_listed){ 0 };
}

void ts_inventory_clear(struct ts_inventory *inv)
{
	for (size_t i = 0; i < inv->n; i++)
		ts_listed_clear(&inv->items[i]);
	free(inv->items);
	*inv = (struct ts_inventory){ 0 };
}

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the entries of <state_root>/containers a container can have, sorted; none when it is missing. */
static int bundle_names(const char *state_root, struct ts_strv *names, struct ts_error *err)
{
	_cleanup_free_ char *dir = ts_containers_dir(state_root);
	_cleanup_(closedirp) DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : ts_error_set(err, errno, "%s: %s", dir, strerror(errno));
	struct dirent *e;
	while ((errno = 0, e = readdir(d)))
		if (ts_container_name_validate(e->d_name, NULL) == 0)
			ts_strv_push(names, e->d_name);
	if (errno != 0)
		return ts_error_set(err, errno, "%s: cannot read: %s", dir, strerror(errno));
	if (names->n > 1)
		qsort(names->items, names->n, sizeof(*names->items), by_name);
	return 0;
}

/*
 * What a tier does with a name outside the allowed domains: dnsmasq, dig
 * and getent forward every name; the shield tier does what dns.policy
 * records (strict when absent).
 */
static const char *dns_policy(const char *state_dir, const char *tier)
{
	if (!tier)
		return NULL;
	if (strcmp(tier, TS_TIER_SHIELD) != 0)
		return "open";
	_cleanup_free_ char *path = ts_path_dns_policy(state_dir);
	_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;
	if (ts_file_read_lines(path, &lines, NULL) == 0 && lines.n && strcmp(lines.items[0], "open") == 0)
		return "open";
	return "strict";
}

/* dns.tier, already validated by the settings reader; NULL when the bundle has none. */
static int read_tier(const char *state_dir, struct ts_listed *e, struct ts_error *err)
{
	_cleanup_free_ char *path = ts_path_dns_tier(state_dir);
	_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;
	int r = ts_file_read_lines(path, &lines, err);
	if (r < 0)
		return r;
	e->dns_tier = lines.n ? ts_xstrdup(lines.items[0]) : NULL;
	e->dns_policy = dns_policy(state_dir, e->dns_tier);
	return 0;
}

static int read_profiles(const char *state_dir, struct ts_listed *e, struct ts_error *err)
{
	_cleanup_free_ char *path = ts_path_profiles(state_dir);
	_cleanup_strv_ struct ts_strv names = TS_STRV_INIT;
	int r = ts_file_read_lines(path, &names, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < names.n; i++)
		if (ts_profile_name_validate(names.items[i], err) < 0)
			return ts_error_prefix(err, -EINVAL, "%s", path);
	ts_strv_push_take(&names, NULL);
	for (char **p = e->profiles; *p; p++)
		free(*p);
	free(e->profiles);
	e->profiles = TAKE_PTR(names.items);
	names = (struct ts_strv)TS_STRV_INIT;
	return 0;
}

/*
 * Denies of the current run (live.denied): in force while the container
 * runs, dropped at its next start.
 */
static int count_run_denies(const char *state_dir, size_t *n, struct ts_error *err)
{
	_cleanup_free_ char *path = ts_path_live_denied(state_dir);
	_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;
	int r = ts_file_read_lines(path, &lines, err);
	*n = lines.n;
	return r;
}

/*
 * live.scoped's allows still running now (profile entries are not
 * counted): one per address, ports and expiry (the tcp and udp lines of
 * one allow count once); timed when they have an expiry, else scoped.
 */
static int count_scoped(const char *state_dir, struct ts_entry_counts *c, struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;
	int r = ts_scoped_read(state_dir, &lines, err);
	if (r < 0)
		return r;
	/* The set borrows its strings: keys owns them until the set is gone. */
	_cleanup_strv_ struct ts_strv keys = TS_STRV_INIT;
	_cleanup_strset_ struct ts_strset seen = TS_STRSET_INIT;
	time_t now = time(NULL);
	for (size_t i = 0; i < lines.n; i++) {
		struct ts_scoped_entry e;
		if (ts_scoped_parse(lines.items[i], &e, NULL) < 0 || (e.expires && e.expires <= now))
			continue;
		ts_strv_push_take(&keys, ts_xasprintf("%s %u-%u %lld", e.addr, e.port_lo, e.port_hi,
						      (long long)e.expires));
		if (ts_strset_add(&seen, keys.items[keys.n - 1]))
			*(e.expires ? &c->timed : &c->scoped) += 1;
	}
	return 0;
}

/*
 * What the bundle's files say: settings (validated as the hook would),
 * tier, profiles, and the entries in force (running: now; otherwise at
 * the next start).
 */
static int read_bundle(const char *state_dir, bool running, struct ts_listed *e,
		       struct ts_error *err)
{
	_cleanup_bundle_settings_ struct ts_bundle_settings settings = { 0 };
	int r = ts_bundle_settings_read(state_dir, &settings, err);
	if (r < 0)
		return r;
	r = read_tier(state_dir, e, err);
	if (r < 0)
		return r;
	r = read_profiles(state_dir, e, err);
	if (r < 0)
		return r;
	struct ts_kept kept;
	r = ts_kept_count(state_dir, &kept, err);
	if (r < 0)
		return r;
	size_t run_denies = 0;
	if (running && (r = count_run_denies(state_dir, &run_denies, err)) < 0)
		return r;
	e->allows = (struct ts_entry_counts){ .plain = kept.allows };
	e->denies = (struct ts_entry_counts){ .plain = kept.denies + run_denies };
	return count_scoped(state_dir, &e->allows, err);
}

/* The live shield state, read the way `status NAME` reads it; only for a container.pid that is live. */
static int read_shield(const struct ts_shield *s, enum ts_shield_state *state,
		       struct ts_error *err)
{
	return ts_live_state(s, state, NULL, err);
}

/*
 * What needs no podman: the bundle and, when container.pid records a live
 * start, the container runs (as for status) and its shield state is read.
 */
static int describe(const char *state_root, struct ts_listed *e, bool *recorded,
		    struct ts_error *err)
{
	_cleanup_shield_ struct ts_shield s = { 0 };
	int r = ts_bundle_open(state_root, e->name, false, &s, err);
	if (r < 0)
		return r;
	*recorded = ts_container_pid_live(s.state_dir);
	if (*recorded)
		e->container = TS_CONTAINER_RUNNING;
	r = read_bundle(s.state_dir, *recorded, e, err);
	if (r < 0 || !*recorded)
		return r;
	return read_shield(&s, &e->shield, err);
}

/* Without a recorded start, podman's answer decides. */
static void place(const struct ts_podman_ps *ps, struct ts_listed *e)
{
	const struct ts_podman_container *known = ts_podman_ps_find(ps, e->name);
	e->container = !known ? TS_CONTAINER_GONE :
		       known->running ? TS_CONTAINER_RUNNING : TS_CONTAINER_STOPPED;
	/* Asking podman for its PID would be a call per container: status NAME does that. */
	if (e->container == TS_CONTAINER_RUNNING && !e->error) {
		e->shield = TS_STATE_ERROR;
		e->error = ts_xasprintf("podman runs it, but container.pid records no live start of "
					"it (was the hook skipped?); 'terok-shield status %s' asks "
					"podman", e->name);
	}
}

static void entry_error(struct ts_listed *e, const struct ts_error *why)
{
	e->shield = TS_STATE_ERROR;
	e->error = ts_xstrdup(why->message);
}

int ts_inventory_read(const char *state_root, struct ts_inventory *out, struct ts_error *err)
{
	*out = (struct ts_inventory){ 0 };
	_cleanup_strv_ struct ts_strv names = TS_STRV_INIT;
	int r = bundle_names(state_root, &names, err);
	if (r < 0 || names.n == 0)
		return r;
	/* podman answers while the bundles and the running shields are read. */
	struct ts_run podman;
	r = ts_podman_ps_start(&podman, err);
	if (r < 0 && r != -ENOENT)
		return r;
	bool asked = r == 0;
	_cleanup_inventory_ struct ts_inventory inv = { .items = ts_xmalloc(names.n * sizeof(*inv.items)) };
	_cleanup_free_ bool *recorded = ts_xmalloc(names.n * sizeof(*recorded));
	for (size_t i = 0; i < names.n; i++) {
		struct ts_listed *e = &inv.items[inv.n++];
		*e = (struct ts_listed){ .name = ts_xstrdup(names.items[i]),
					 .shield = TS_STATE_INACTIVE,
					 .profiles = ts_xmalloc(sizeof(char *)) };
		e->profiles[0] = NULL;
		recorded[i] = false;
		struct ts_error why = { 0 };
		if (describe(state_root, e, &recorded[i], &why) < 0)
			entry_error(e, &why);
	}
	/* No podman: it has no containers. */
	_cleanup_podman_ps_ struct ts_podman_ps ps = { 0 };
	if (asked && (r = ts_podman_ps_finish(&podman, &ps, err)) < 0)
		return r;
	for (size_t i = 0; i < inv.n; i++)
		if (!recorded[i])
			place(&ps, &inv.items[i]);
	*out = inv;
	inv = (struct ts_inventory){ 0 };
	return 0;
}
