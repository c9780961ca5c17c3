/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/stat.h>
#include <time.h>

#include "base/addr.h"
#include "base/fileio.h"
#include "base/strbuf.h"
#include "base/strset.h"
#include "base/util.h"
#include "bundle/bundle.h"
#include "bundle/location.h"
#include "bundle/lock.h"
#include "bundle/state.h"
#include "config/containers_conf.h"
#include "config/hooks.h"
#include "config/profiles.h"
#include "container/oci.h"
#include "control/prepare.h"
#include "control/reuse.h"
#include "dns/dnsmasq.h"
#include "dns/resolve.h"
#include "nft/nft_names.h"

/* profile.allowed of the static tier stays valid this long (docs/cli.md, DNS tiers). */
#define RESOLVE_MAX_AGE_S 3600
/* Per query: long enough for a slow resolver, short enough for a prompt prepare. */
#define RESOLVE_TIMEOUT_MS 3000

/*
 * Podman's default hooks directories, passed along with ours. --hooks-dir
 * replaces containers.conf's hooks_dir for this start only: with setup's
 * hooks_dir (the defaults plus ours) the first start and every restart see
 * the same hooks; directories a user added by hand are seen on restarts.
 */
static const char *const podman_hooks_dirs[] = {
	TS_HOOKS_DIR_DEFAULT_USR,
	TS_HOOKS_DIR_DEFAULT_ETC,
};

void ts_prepared_clear(struct ts_prepared *p)
{
	free(p->state_dir);
	ts_strv_clear(&p->podman_args);
	ts_strv_clear(&p->warnings);
	*p = (struct ts_prepared){ 0 };
}

void ts_resolved_clear(struct ts_resolved *r)
{
	ts_strv_clear(&r->ips);
	ts_strv_clear(&r->warnings);
	*r = (struct ts_resolved){ 0 };
}

static int write_file(const char *state_dir, char *(*path_fn)(const char *), const char *text,
		      struct ts_error *err)
{
	_cleanup_free_ char *path = path_fn(state_dir);
	return ts_file_write_atomic(path, text, strlen(text), 0600, err);
}

static int write_lines(const char *state_dir, char *(*path_fn)(const char *),
		       const struct ts_strv *lines, struct ts_error *err)
{
	_cleanup_free_ char *path = path_fn(state_dir);
	return ts_file_write_lines(path, lines, 0600, err);
}

static int remove_file(const char *state_dir, char *(*path_fn)(const char *), struct ts_error *err)
{
	_cleanup_free_ char *path = path_fn(state_dir);
	if (unlink(path) < 0 && errno != ENOENT)
		return ts_error_set(err, errno, "%s: cannot remove: %s", path, strerror(errno));
	return 0;
}

/* Composed profile entries are canonical addresses or normalised domains. */
static void split_entries(const struct ts_strv *entries, struct ts_strv *ips,
			  struct ts_strv *domains)
{
	for (size_t i = 0; i < entries->n; i++) {
		struct ts_addr a;
		if (ts_addr_parse(entries->items[i], &a, NULL) == 0)
			ts_strv_push(ips, entries->items[i]);
		else
			ts_strv_push(domains, entries->items[i]);
	}
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
	       ts_file_read_lines(recorded_path, &recorded, NULL) == 0 &&
	       strv_equal(&recorded, profiles);
}

/* Raw IPs first, then every domain's addresses (static tier), duplicates dropped. */
static int resolve_entries(const struct ts_strv *ips, const struct ts_strv *domains,
			   bool static_tier, struct ts_strv *out, struct ts_strv *warnings,
			   struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv resolved = TS_STRV_INIT;
	if (static_tier && domains->n > 0) {
		int r = ts_resolve_all((const char *const *)domains->items, domains->n,
				       RESOLVE_TIMEOUT_MS, &resolved, warnings, err);
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

/* What profile.allowed and profile.domains will hold: computed before anything is written. */
struct profile_plan {
	struct ts_strv domains;   /* dnsmasq tier: profile.domains */
	struct ts_resolved resolved;
};

static void profile_plan_clear(struct profile_plan *p)
{
	ts_strv_clear(&p->domains);
	ts_resolved_clear(&p->resolved);
}

static int plan_profiles(const char *state_dir, const char *config_root,
			 const struct ts_strv *profiles, bool dnsmasq_tier, bool force,
			 struct profile_plan *plan, struct ts_error *err)
{
	*plan = (struct profile_plan){ .domains = TS_STRV_INIT };
	_cleanup_strv_ struct ts_strv entries = TS_STRV_INIT, ips = TS_STRV_INIT;
	struct ts_resolved *res = &plan->resolved;
	int r = ts_profiles_compose(config_root, profiles, &entries, err);
	if (r < 0)
		return r;
	split_entries(&entries, &ips, &plan->domains);
	if (!dnsmasq_tier && !force && resolution_fresh(state_dir, config_root, profiles)) {
		_cleanup_free_ char *path = ts_path_profile_allowed(state_dir);
		res->reused = true;
		r = ts_file_read_lines(path, &res->ips, err);
	} else {
		r = resolve_entries(&ips, &plan->domains, !dnsmasq_tier, &res->ips, &res->warnings, err);
	}
	res->n_ips = res->ips.n;
	return r;
}

static int write_profiles(const char *state_dir, const struct ts_strv *profiles, bool dnsmasq_tier,
			  const struct profile_plan *plan, struct ts_error *err)
{
	int r = 0;
	if (dnsmasq_tier)
		r = write_lines(state_dir, ts_path_profile_domains, &plan->domains, err);
	if (r == 0 && !plan->resolved.reused)
		r = write_lines(state_dir, ts_path_profile_allowed, &plan->resolved.ips, err);
	return r == 0 ? write_lines(state_dir, ts_path_profiles, profiles, err) : r;
}

int ts_resolve_bundle(const char *state_dir, const char *config_root, bool force,
		      struct ts_resolved *out, struct ts_error *err)
{
	*out = (struct ts_resolved){ 0 };
	_cleanup_free_ char *profiles_path = ts_path_profiles(state_dir);
	_cleanup_strv_ struct ts_strv profiles = TS_STRV_INIT;
	struct profile_plan plan = { .domains = TS_STRV_INIT };
	int r = ts_state_dir_check(state_dir, err);
	if (r < 0)
		return r;
	_cleanup_close_ int lock = ts_bundle_lock(state_dir, err);
	if (lock < 0)
		return lock;
	struct ts_bundle_settings s;
	r = ts_bundle_settings_read(state_dir, &s, err);
	if (r < 0)
		return r;
	bool dnsmasq_tier = s.dnsmasq_tier;
	ts_bundle_settings_clear(&s);
	r = ts_file_read_lines(profiles_path, &profiles, err);
	if (r == 0 && profiles.n == 0)
		r = ts_error_set(err, ENOENT, "%s is missing: run 'terok-shield prepare' again",
				 profiles_path);
	if (r == 0)
		r = plan_profiles(state_dir, config_root, &profiles, dnsmasq_tier, force, &plan, err);
	if (r == 0)
		r = write_profiles(state_dir, &profiles, dnsmasq_tier, &plan, err);
	if (r == 0 && dnsmasq_tier)
		r = ts_bundle_write_dnsmasq_conf(state_dir, err);
	if (r == 0)
		r = ts_bundle_write_ruleset(state_dir, err);
	if (r == 0) {
		*out = plan.resolved;
		plan.resolved = (struct ts_resolved){ 0 };
	}
	profile_plan_clear(&plan);
	return r;
}

static char *join_ports(const uint16_t *ports, size_t n, const char *sep)
{
	struct ts_strbuf b = TS_STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		ts_strbuf_printf(&b, "%s%u", i ? sep : "", (unsigned)ports[i]);
	return ts_strbuf_take(&b);
}

/* Everything the hook and later commands read back from the bundle. */
static int write_settings(const struct ts_prepare_request *req, const char *state_dir,
			  const char *tier, bool interactive, struct ts_error *err)
{
	enum ts_net_mode mode = req->podman->mode;
	const char *gateway = ts_net_mode_gateway(mode);
	_cleanup_free_ char *upstream = ts_xasprintf("%s\n", ts_net_mode_dns(mode));
	_cleanup_free_ char *tier_line = ts_xasprintf("%s\n", tier);
	_cleanup_free_ char *ports = join_ports(req->config->loopback_ports,
						req->config->n_loopback_ports, "\n");
	_cleanup_free_ char *ports_text = ts_xasprintf("%s%s", ports, *ports ? "\n" : "");
	_cleanup_free_ char *gateway_line = gateway ? ts_xasprintf("%s\n", gateway) : NULL;
	int r = write_file(state_dir, ts_path_upstream_dns, upstream, err);
	if (r == 0)
		r = write_file(state_dir, ts_path_dns_tier, tier_line, err);
	if (r == 0)
		r = write_file(state_dir, ts_path_loopback_ports, ports_text, err);
	if (r == 0)
		r = gateway_line ? write_file(state_dir, ts_path_gateway, gateway_line, err)
				 : remove_file(state_dir, ts_path_gateway, err);
	if (r == 0)
		r = interactive ? write_file(state_dir, ts_path_interactive, "nflog\n", err)
				: remove_file(state_dir, ts_path_interactive, err);
	if (r == 0) {
		/* As root podman picks the network (a bridge): the host is its gateway, as under slirp4netns. */
		_cleanup_free_ char *network = ts_xasprintf("%s\n", req->privileged ? "slirp4netns"
								      : ts_net_mode_name(mode));
		r = write_file(state_dir, ts_path_network_mode, network, err);
	}
	return r;
}

/* dnsmasq.conf and the resolv.conf the container gets, or neither outside that tier. */
static int write_dns_files(const char *state_dir, bool dnsmasq_tier, struct ts_error *err)
{
	if (!dnsmasq_tier) {
		int r = remove_file(state_dir, ts_path_dnsmasq_conf, err);
		if (r == 0)
			r = remove_file(state_dir, ts_path_resolv_conf, err);
		return r == 0 ? remove_file(state_dir, ts_path_profile_domains, err) : r;
	}
	int r = ts_bundle_write_dnsmasq_conf(state_dir, err);
	return r < 0 ? r : write_file(state_dir, ts_path_resolv_conf,
				      "nameserver 127.0.0.1\noptions ndots:0\n", err);
}

static void push_pair(struct ts_strv *args, const char *flag, const char *value)
{
	ts_strv_push(args, flag);
	ts_strv_push(args, value);
}

static void push_annotation(struct ts_strv *args, const char *key, const char *value)
{
	ts_strv_push(args, "--annotation");
	ts_strv_push_take(args, ts_xasprintf("%s=%s", key, value));
}

static void push_network(struct ts_strv *args, const struct ts_prepare_request *req)
{
	if (req->privileged)
		return;
	if (req->podman->mode == TS_NET_SLIRP4NETNS) {
		push_pair(args, "--network", "slirp4netns:allow_host_loopback=true");
		push_pair(args, "--add-host", "host.containers.internal:10.0.2.2");
	} else {
		push_pair(args, "--network", "pasta:--map-host-loopback," TS_PASTA_HOST_LOOPBACK);
		push_pair(args, "--add-host", "host.containers.internal:" TS_PASTA_HOST_LOOPBACK);
	}
}

static void push_hooks_dirs(struct ts_strv *args, const char *global_dir)
{
	struct stat st;
	for (size_t i = 0; i < ARRAY_SIZE(podman_hooks_dirs); i++)
		if (strcmp(podman_hooks_dirs[i], global_dir) != 0 && stat(podman_hooks_dirs[i], &st) == 0)
			push_pair(args, "--hooks-dir", podman_hooks_dirs[i]);
	push_pair(args, "--hooks-dir", global_dir);
}

static void build_args(const struct ts_prepare_request *req, const struct ts_strv *profiles,
		       const char *state_dir, const char *tier, bool interactive,
		       const char *global_dir, struct ts_strv *args)
{
	_cleanup_free_ char *joined = ts_strv_join(profiles, ":");
	_cleanup_free_ char *ports = join_ports(req->config->loopback_ports,
						req->config->n_loopback_ports, ":");
	_cleanup_free_ char *version = ts_xasprintf("%d", TS_BUNDLE_VERSION);
	push_pair(args, "--name", req->name);
	push_network(args, req);
	if (strcmp(tier, TS_TIER_DNSMASQ) == 0) {
		_cleanup_free_ char *resolv = ts_path_resolv_conf(state_dir);
		ts_strv_push(args, "--volume");
		ts_strv_push_take(args, ts_xasprintf("%s:/etc/resolv.conf:ro,Z", resolv));
	}
	push_annotation(args, TS_ANN_PROFILES, joined);
	push_annotation(args, TS_ANN_NAME, req->name);
	push_annotation(args, TS_ANN_STATE_DIR, state_dir);
	push_annotation(args, TS_ANN_LOOPBACK_PORTS, ports);
	push_annotation(args, TS_ANN_VERSION, version);
	push_annotation(args, TS_ANN_AUDIT_ENABLED, req->config->audit_enabled ? "true" : "false");
	push_annotation(args, TS_ANN_UPSTREAM_DNS, ts_net_mode_dns(req->podman->mode));
	push_annotation(args, TS_ANN_DNS_TIER, tier);
	push_annotation(args, TS_ANN_INTERACTIVE, interactive ? "true" : "false");
	push_pair(args, "--cap-drop", "NET_ADMIN");
	push_pair(args, "--cap-drop", "NET_RAW");
	push_hooks_dirs(args, global_dir);
}

/* The global hook install prepare depends on (podman forgets --hooks-dir on restart). */
static int find_global_hooks(char **dir, struct ts_error *err)
{
	bool stale;
	enum ts_hooks_install where = ts_hooks_detect(&stale);
	if (where == TS_HOOKS_NOT_INSTALLED)
		return ts_error_set(err, ENOENT,
				    "the terok-shield hook is not installed; run 'terok-shield setup --user' "
				    "(or 'terok-shield setup --root' as root) first");
	if (stale)
		return ts_error_set(err, ESTALE,
				    "the installed terok-shield hook is stale (another version); run "
				    "'terok-shield setup' again");
	*dir = ts_hooks_dir(where);
	return 0;
}

/*
 * podman ≤ 4.9 splits --annotation values on commas, and --volume
 * SRC:DST:OPTS on colons.
 */
static int check_annotation_value(const char *what, const char *value, struct ts_error *err)
{
	if (strpbrk(value, ",:"))
		return ts_error_set(err, EINVAL, "%s '%s' contains a comma or a colon, which podman "
				    "cannot pass in its arguments", what, value);
	return 0;
}

static int prepare_locked(const struct ts_prepare_request *req, const struct ts_strv *profiles,
			  const char *global_dir, const struct profile_plan *plan, bool dnsmasq_tier,
			  struct ts_prepared *out, struct ts_error *err)
{
	const char *state_dir = out->state_dir;
	bool interactive = req->interactive || req->config->interactive;
	const char *tier = dnsmasq_tier ? TS_TIER_DNSMASQ : TS_TIER_STATIC;
	int r = ts_reuse_check_not_started(state_dir, req->name, err);
	if (r == 0)
		r = ts_hooks_write_bundle(state_dir, global_dir, req->state_root, err);
	if (r == 0)
		r = write_profiles(state_dir, profiles, dnsmasq_tier, plan, err);
	if (r == 0)
		r = write_settings(req, state_dir, tier, interactive, err);
	if (r == 0)
		r = write_dns_files(state_dir, dnsmasq_tier, err);
	if (r == 0)
		r = ts_bundle_write_ruleset(state_dir, err);
	if (r < 0)
		return r;
	out->dns_tier = tier;
	build_args(req, profiles, state_dir, tier, interactive, global_dir, &out->podman_args);
	return 0;
}

int ts_prepare(const struct ts_prepare_request *req, struct ts_prepared *out,
	       struct ts_error *err)
{
	*out = (struct ts_prepared){ 0 };
	bool defaults = !(req->profiles && req->profiles->n);
	const struct ts_strv *profiles = defaults ? &req->config->default_profiles : req->profiles;
	_cleanup_free_ char *global_dir = NULL;
	int r = ts_container_state_dir(req->state_root, req->name, &out->state_dir, err);
	for (size_t i = 0; r == 0 && i < profiles->n; i++)
		r = ts_profile_name_validate(profiles->items[i], err);
	if (r == 0 && defaults)
		r = ts_default_profiles_check(req->config_root, profiles, err);
	if (r == 0)
		r = check_annotation_value("state directory", out->state_dir, err);
	if (r == 0)
		r = find_global_hooks(&global_dir, err);
	/* Everything that can fail on bad input fails here, before a file is written. */
	bool dnsmasq_tier = ts_dnsmasq_has_nftset();
	struct profile_plan plan = { .domains = TS_STRV_INIT };
	if (r == 0)
		r = plan_profiles(out->state_dir, req->config_root, profiles, dnsmasq_tier, false,
				  &plan, err);
	if (r == 0)
		r = ts_reuse_check(out->state_dir, req->name, &out->kept, err);
	if (r == 0)
		r = ts_ensure_state_dirs(out->state_dir, err);
	if (r == 0) {
		_cleanup_close_ int lock = ts_bundle_lock(out->state_dir, err);
		r = lock < 0 ? lock
			     : prepare_locked(req, profiles, global_dir, &plan, dnsmasq_tier, out, err);
	}
	ts_strv_push_all(&out->warnings, &plan.resolved.warnings);
	profile_plan_clear(&plan);
	if (r < 0)
		ts_prepared_clear(out);
	return r;
}
