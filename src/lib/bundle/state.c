/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <sys/stat.h>

#include "base/fileio.h"
#include "base/strset.h"
#include "base/util.h"
#include "bundle/state.h"

#define BUNDLE_FILE(fn, name) \
	char *fn(const char *state_dir) { return ts_xasprintf("%s/%s", state_dir, name); }

BUNDLE_FILE(ts_path_hooks_dir, "hooks")
BUNDLE_FILE(ts_path_hook_entrypoint, "terok-shield-hook")
BUNDLE_FILE(ts_path_ruleset, "ruleset.nft")
BUNDLE_FILE(ts_path_gateway, "gateway")
BUNDLE_FILE(ts_path_gateway_v6, "gateway_v6")
BUNDLE_FILE(ts_path_upstream_dns, "upstream.dns")
BUNDLE_FILE(ts_path_dns_tier, "dns.tier")
BUNDLE_FILE(ts_path_profile_allowed, "profile.allowed")
BUNDLE_FILE(ts_path_profile_domains, "profile.domains")
BUNDLE_FILE(ts_path_live_allowed, "live.allowed")
BUNDLE_FILE(ts_path_live_domains, "live.domains")
BUNDLE_FILE(ts_path_deny_list, "deny.list")
BUNDLE_FILE(ts_path_denied_domains, "denied.domains")
BUNDLE_FILE(ts_path_dnsmasq_conf, "dnsmasq.conf")
BUNDLE_FILE(ts_path_dnsmasq_pid, "dnsmasq.pid")
BUNDLE_FILE(ts_path_dnsmasq_log, "dnsmasq.log")
BUNDLE_FILE(ts_path_resolv_conf, "resolv.conf")
BUNDLE_FILE(ts_path_interactive, "interactive")
BUNDLE_FILE(ts_path_container_id, "container.id")
BUNDLE_FILE(ts_path_container_pid, "container.pid")
BUNDLE_FILE(ts_path_audit, "audit.jsonl")
BUNDLE_FILE(ts_path_hook_error_log, "hook-error.log")
BUNDLE_FILE(ts_path_lock, "bundle.lock")
BUNDLE_FILE(ts_path_profiles, "profiles")
BUNDLE_FILE(ts_path_live_denied, "live.denied")
BUNDLE_FILE(ts_path_loopback_ports, "loopback_ports")
BUNDLE_FILE(ts_path_network_mode, "network.mode")
BUNDLE_FILE(ts_path_blocked, "blocked")
BUNDLE_FILE(ts_path_live_scoped, "live.scoped")
BUNDLE_FILE(ts_path_profile_scoped, "profile.scoped")
BUNDLE_FILE(ts_path_profile_scoped_domains, "profile.scoped_domains")
BUNDLE_FILE(ts_path_live_scoped_domains, "live.scoped_domains")
BUNDLE_FILE(ts_path_dns_policy, "dns.policy")
BUNDLE_FILE(ts_path_dns_forwarder, "dns-forwarder.pid")

char *ts_path_hook_json(const char *state_dir, const char *stage)
{
	return ts_xasprintf("%s/hooks/terok-shield-%s.json", state_dir, stage);
}

/*
 * Create a private directory; an existing one must be a real directory we
 * own, made 0700 (with a warning when it let others in).
 */
static int ensure_private_dir(const char *path, struct ts_strv *warnings, struct ts_error *err)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return ts_error_set(err, errno, "%s: cannot create directory: %s", path,
				    strerror(errno));
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return ts_error_set(err, errno, "%s: not a directory (or a symbolic link): %s", path,
				    strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0)
		return ts_error_set(err, errno, "%s: %s", path, strerror(errno));
	if (st.st_uid != geteuid())
		return ts_error_set(err, EPERM, "%s: owned by uid %u, not by us", path,
				    (unsigned)st.st_uid);
	if ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0)
		return ts_error_set(err, errno, "%s: cannot restrict to mode 0700: %s", path,
				    strerror(errno));
	if ((st.st_mode & 077) && warnings)
		ts_strv_push_take(warnings, ts_xasprintf("%s had mode %04o; restricted it to 0700",
							 path, (unsigned)(st.st_mode & 07777)));
	return 0;
}

int ts_state_dir_check(const char *state_dir, struct ts_error *err)
{
	struct stat st;
	if (lstat(state_dir, &st) < 0)
		return ts_error_set(err, errno, "state directory %s: %s", state_dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return ts_error_set(err, ENOTDIR, "state directory %s: not a directory (or a symbolic link)",
				    state_dir);
	if (st.st_uid != geteuid())
		return ts_error_set(err, EPERM, "state directory %s: owned by uid %u, not by us", state_dir,
				    (unsigned)st.st_uid);
	if (st.st_mode & 077)
		return ts_error_set(err, EPERM, "state directory %s: mode %04o lets others in; expected 0700",
				    state_dir, (unsigned)(st.st_mode & 07777));
	return 0;
}

int ts_ensure_state_dirs(const char *state_dir, struct ts_strv *warnings, struct ts_error *err)
{
	if (state_dir[0] != '/')
		return ts_error_set(err, EINVAL, "state directory must be absolute: '%s'", state_dir);
	int r = ts_mkdir_parents(state_dir, 0700, err);
	if (r < 0)
		return r;
	r = ensure_private_dir(state_dir, warnings, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *hooks = ts_path_hooks_dir(state_dir);
	return ensure_private_dir(hooks, NULL, err);
}

/* Append lines of path to out, skipping those already in seen. */
static int read_unique(const char *path, struct ts_strset *seen, struct ts_strv *out,
		       struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;
	int r = ts_file_read_lines(path, &lines, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < lines.n; i++) {
		if (ts_strset_contains(seen, lines.items[i]))
			continue;
		ts_strv_push(out, lines.items[i]);
		ts_strset_add(seen, out->items[out->n - 1]);
	}
	return 0;
}

int ts_read_allowed_ips(const char *state_dir, struct ts_strv *out, struct ts_error *err)
{
	_cleanup_free_ char *profile = ts_path_profile_allowed(state_dir);
	_cleanup_free_ char *live = ts_path_live_allowed(state_dir);
	_cleanup_strset_ struct ts_strset seen = TS_STRSET_INIT;
	int r = read_unique(profile, &seen, out, err);
	if (r < 0)
		return r;
	return read_unique(live, &seen, out, err);
}

int ts_read_denied_ips(const char *state_dir, struct ts_strv *out, struct ts_error *err)
{
	_cleanup_free_ char *path = ts_path_deny_list(state_dir);
	_cleanup_strset_ struct ts_strset seen = TS_STRSET_INIT;
	return read_unique(path, &seen, out, err);
}

void ts_effective_ips(const struct ts_strv *profile, const struct ts_strv *live,
		      const struct ts_strv *denied, struct ts_strv *out)
{
	_cleanup_strset_ struct ts_strset seen = TS_STRSET_INIT;
	for (size_t i = 0; i < denied->n; i++)
		ts_strset_add(&seen, denied->items[i]);
	const struct ts_strv *parts[] = { profile, live };
	for (size_t p = 0; p < 2; p++)
		for (size_t i = 0; i < parts[p]->n; i++)
			if (ts_strset_add(&seen, parts[p]->items[i]))
				ts_strv_push(out, parts[p]->items[i]);
}

int ts_read_effective_ips(const char *state_dir, struct ts_strv *out, struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv allowed = TS_STRV_INIT, none = TS_STRV_INIT;
	_cleanup_strv_ struct ts_strv denied = TS_STRV_INIT;
	int r = ts_read_allowed_ips(state_dir, &allowed, err);
	if (r < 0)
		return r;
	r = ts_read_denied_ips(state_dir, &denied, err);
	if (r < 0)
		return r;
	ts_effective_ips(&allowed, &none, &denied, out);
	return 0;
}

int ts_read_interactive_tier(const char *state_dir, char **out, struct ts_error *err)
{
	_cleanup_free_ char *path = ts_path_interactive(state_dir);
	_cleanup_free_ char *data = NULL;
	*out = NULL;
	int r = ts_file_read(path, &data, NULL, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	char *value = ts_strip(data);
	if (*value)
		*out = ts_xstrdup(value);
	return 0;
}

int ts_read_blocked(const char *state_dir, bool *blocked, struct ts_error *err)
{
	_cleanup_free_ char *path = ts_path_blocked(state_dir);
	struct stat st;
	*blocked = lstat(path, &st) == 0;
	if (!*blocked && errno != ENOENT)
		return ts_error_set(err, errno, "%s: %s", path, strerror(errno));
	return 0;
}
