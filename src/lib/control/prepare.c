/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/stat.h>

#include "base/fileio.h"
#include "base/strbuf.h"
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
#include "control/resolve_bundle.h"
#include "control/reuse.h"
#include "dns/dnstier.h"
#include "nft/nft_names.h"

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
	ts_strv_clear(&p->unresolved);
	*p = (struct ts_prepared){ 0 };
}

static int write_file(const char *state_dir, char *(*path_fn)(const char *), const char *text,
		      struct ts_error *err)
{
	_cleanup_free_ char *path = path_fn(state_dir);
	return ts_file_write_atomic(path, text, strlen(text), 0600, err);
}

static int remove_file(const char *state_dir, char *(*path_fn)(const char *), struct ts_error *err)
{
	_cleanup_free_ char *path = path_fn(state_dir);
	if (unlink(path) < 0 && errno != ENOENT)
		return ts_error_set(err, errno, "%s: cannot remove: %s", path, strerror(errno));
	return 0;
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
			  const char *tier, bool open, bool interactive, struct ts_error *err)
{
	enum ts_net_mode mode = req->podman->mode;
	const char *gateway = ts_net_mode_gateway(mode);
	/* As root podman picks the network (a bridge): the host is its gateway, as under slirp4netns. */
	const char *network = req->privileged ? "slirp4netns" : ts_net_mode_name(mode);
	_cleanup_free_ char *ports = join_ports(req->config->loopback_ports,
						req->config->n_loopback_ports, "\n");
	_cleanup_free_ char *upstream_text = ts_xasprintf("%s\n", ts_net_mode_dns(mode));
	_cleanup_free_ char *tier_text = ts_xasprintf("%s\n", tier);
	_cleanup_free_ char *ports_text = ts_xasprintf("%s%s", ports, *ports ? "\n" : "");
	_cleanup_free_ char *gateway_text = gateway ? ts_xasprintf("%s\n", gateway) : NULL;
	_cleanup_free_ char *network_text = ts_xasprintf("%s\n", network);
	const struct {
		char *(*path_fn)(const char *);
		const char *text; /* NULL: the file must not exist */
	} files[] = {
		{ ts_path_upstream_dns, upstream_text },
		{ ts_path_dns_tier, tier_text },
		{ ts_path_loopback_ports, ports_text },
		{ ts_path_gateway, gateway_text },
		{ ts_path_interactive, interactive ? "nflog\n" : NULL },
		{ ts_path_network_mode, network_text },
		{ ts_path_dns_policy, open ? "open\n" : "strict\n" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		int r = files[i].text ? write_file(state_dir, files[i].path_fn, files[i].text, err)
				      : remove_file(state_dir, files[i].path_fn, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Whether the tier answers the container on its loopback (dnsmasq, terok-shield-dns). */
static bool loopback_resolver(const char *tier)
{
	return strcmp(tier, TS_TIER_DNSMASQ) == 0 || strcmp(tier, TS_TIER_SHIELD) == 0;
}

/*
 * dnsmasq.conf (dnsmasq tier) and the resolv.conf naming the resolver on
 * the container's loopback (dnsmasq and shield tiers); what the tier does
 * not use is removed.
 */
static int write_dns_files(const char *state_dir, const char *tier, struct ts_error *err)
{
	bool dnsmasq_tier = strcmp(tier, TS_TIER_DNSMASQ) == 0;
	char *(*const unused[])(const char *) = {
		dnsmasq_tier ? NULL : ts_path_dnsmasq_conf,
		loopback_resolver(tier) ? NULL : ts_path_resolv_conf,
		loopback_resolver(tier) ? NULL : ts_path_profile_domains,
	};
	for (size_t i = 0; i < ARRAY_SIZE(unused); i++) {
		int r = unused[i] ? remove_file(state_dir, unused[i], err) : 0;
		if (r < 0)
			return r;
	}
	if (!loopback_resolver(tier))
		return 0;
	int r = dnsmasq_tier ? ts_bundle_write_dnsmasq_conf(state_dir, err) : 0;
	if (r < 0)
		return r;
	return write_file(state_dir, ts_path_resolv_conf, "nameserver 127.0.0.1\noptions ndots:0\n",
			  err);
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
	if (loopback_resolver(tier)) {
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
			  const char *global_dir, const struct ts_profile_plan *plan,
			  const char *tier, bool open, struct ts_prepared *out, struct ts_error *err)
{
	const char *state_dir = out->state_dir;
	bool interactive = req->interactive || req->config->interactive;
	int r = ts_reuse_check_not_started(state_dir, req->name, err);
	if (r < 0)
		return r;
	r = ts_hooks_write_bundle(state_dir, global_dir, req->state_root, err);
	if (r < 0)
		return r;
	r = ts_profile_plan_write(state_dir, profiles, loopback_resolver(tier), plan, err);
	if (r < 0)
		return r;
	r = write_settings(req, state_dir, tier, open, interactive, err);
	if (r < 0)
		return r;
	r = write_dns_files(state_dir, tier, err);
	if (r < 0)
		return r;
	r = ts_bundle_write_ruleset(state_dir, err);
	if (r < 0)
		return r;
	out->dns_tier = tier;
	build_args(req, profiles, state_dir, tier, interactive, global_dir, &out->podman_args);
	return 0;
}

/* Everything that can fail on bad input fails here, before a file is written. */
static int check_request(const struct ts_prepare_request *req, const struct ts_strv *profiles,
			 bool defaults, const char *state_dir, char **global_dir,
			 struct ts_error *err)
{
	for (size_t i = 0; i < profiles->n; i++) {
		int r = ts_profile_name_validate(profiles->items[i], err);
		if (r < 0)
			return r;
	}
	if (defaults) {
		int r = ts_default_profiles_check(req->config_root, profiles, err);
		if (r < 0)
			return r;
	}
	int r = check_annotation_value("state directory", state_dir, err);
	if (r < 0)
		return r;
	return find_global_hooks(global_dir, err);
}

/* The DNS tier (config dns_tier) and policy (the request's, else config dns_policy). */
static int pick_dns(const struct ts_prepare_request *req, const char **tier, bool *open,
		    struct ts_error *err)
{
	*open = req->config->dns_open;
	if (req->dns_policy) {
		if (strcmp(req->dns_policy, "strict") != 0 && strcmp(req->dns_policy, "open") != 0)
			return ts_error_set(err, EINVAL, "DNS policy: expected strict or open, not '%.32s'",
					    req->dns_policy);
		*open = strcmp(req->dns_policy, "open") == 0;
	}
	return ts_dns_tier_pick(req->config->dns_tier, tier, err);
}

static int prepare_into(const struct ts_prepare_request *req, struct ts_prepared *out,
			struct ts_error *err)
{
	bool defaults = !(req->profiles && req->profiles->n);
	const struct ts_strv *profiles = defaults ? &req->config->default_profiles : req->profiles;
	_cleanup_free_ char *global_dir = NULL;
	int r = ts_container_state_dir(req->state_root, req->name, &out->state_dir, err);
	if (r < 0)
		return r;
	r = check_request(req, profiles, defaults, out->state_dir, &global_dir, err);
	if (r < 0)
		return r;
	const char *tier;
	bool open;
	r = pick_dns(req, &tier, &open, err);
	if (r < 0)
		return r;
	_cleanup_profile_plan_ struct ts_profile_plan plan = { 0 };
	r = ts_profile_plan_make(out->state_dir, req->config_root, profiles, loopback_resolver(tier),
				 strcmp(tier, TS_TIER_SHIELD) == 0, false, &plan, err);
	if (r < 0)
		return r;
	ts_strv_push_all(&out->unresolved, &plan.resolved.unresolved);
	r = ts_reuse_check(out->state_dir, req->name, &out->kept, err);
	if (r < 0)
		return r;
	r = ts_ensure_state_dirs(out->state_dir, &out->warnings, err);
	if (r < 0)
		return r;
	_cleanup_close_ int lock = ts_bundle_lock(out->state_dir, err);
	if (lock < 0)
		return lock;
	return prepare_locked(req, profiles, global_dir, &plan, tier, open, out, err);
}

int ts_prepare(const struct ts_prepare_request *req, struct ts_prepared *out,
	       struct ts_error *err)
{
	*out = (struct ts_prepared){ 0 };
	int r = prepare_into(req, out, err);
	if (r < 0)
		ts_prepared_clear(out);
	return r;
}

int ts_prepare_with_podman(const struct ts_prepare_request *req, struct ts_prepared *out,
			   struct ts_error *err)
{
	*out = (struct ts_prepared){ 0 };
	_cleanup_podman_info_ struct ts_podman_info info = { 0 };
	int r = ts_podman_info_read(&info, err);
	if (r < 0)
		return r;
	/* Rootful podman networks use other DNS and gateway addresses than the rootless modes. */
	if (!info.rootless)
		return ts_error_set(err, EPERM, "podman runs rootful here; terok-shield shields "
				    "rootless containers (run it as the user who runs them)");
	struct ts_prepare_request with = *req;
	with.podman = &info;
	with.privileged = geteuid() == 0;
	return ts_prepare(&with, out, err);
}
