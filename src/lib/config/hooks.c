/* SPDX-License-Identifier: Apache-2.0 */
#include <jansson.h>
#include <limits.h>
#include <sys/stat.h>

#include "build-config.h"

#include "base/fileio.h"
#include "base/process.h"
#include "base/util.h"
#include "bundle/state.h"
#include "config/containers_conf.h"
#include "config/dirs.h"
#include "config/hooks.h"

const char *const ts_hook_stages[] = { "createRuntime", "poststop", NULL };

char *ts_hook_descriptor(const char *stage, const char *hook_path, const char *state_root)
{
	char version[64];
	snprintf(version, sizeof(version), TS_HOOK_VERSION_ENV "=%d", TS_BUNDLE_VERSION);
	json_t *env = json_pack("[s]", version);
	if (env && state_root)
		json_array_append_new(env, json_sprintf(TS_HOOK_STATE_ROOT_ENV "=%s", state_root));
	json_t *doc = json_pack("{s:s, s:{s:s, s:[s,s], s:o}, s:{s:{s:s}}, s:[s]}",
				"version", "1.0.0",
				"hook", "path", hook_path, "args", "terok-shield-hook", stage,
				"env", env,
				"when", "annotations", "terok.shield.profiles", ".*",
				"stages", stage);
	/* jansson refuses strings that are not UTF-8 (a path can be anything). */
	char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	return text;
}

int ts_hook_user_dir(char **out, struct ts_error *err)
{
	const char *home = getenv("HOME");
	if (!home || home[0] != '/')
		return ts_error_set(err, ENOENT, "HOME is not set to an absolute path");
	*out = ts_xasprintf("%s/.local/share/containers/oci/hooks.d", home);
	return 0;
}

const char *ts_hooks_install_name(enum ts_hooks_install where)
{
	switch (where) {
	case TS_HOOKS_GLOBAL_USER:
		return "global-user";
	case TS_HOOKS_GLOBAL_SYSTEM:
		return "global-system";
	case TS_HOOKS_NOT_INSTALLED:
		break;
	}
	return "not-installed";
}

const char *ts_hooks_health(enum ts_hooks_install where, bool stale)
{
	if (where == TS_HOOKS_NOT_INSTALLED)
		return "setup-needed";
	return stale ? "stale-hooks" : "ok";
}

/* -ENOENT when absent; 1 when present but stale; 0 when current. */
static int check_descriptor(const char *dir, const char *stage)
{
	_cleanup_free_ char *path = ts_xasprintf("%s/terok-shield-%s.json", dir, stage);
	_cleanup_free_ char *text = NULL;
	int r = ts_file_read(path, &text, NULL, NULL);
	if (r < 0)
		return r;
	json_t *doc = json_loads(text, 0, NULL);
	const char *hook_path = json_string_value(json_object_get(json_object_get(doc, "hook"), "path"));
	json_t *env = json_object_get(json_object_get(doc, "hook"), "env");
	char want[64];
	snprintf(want, sizeof(want), TS_HOOK_VERSION_ENV "=%d", TS_BUNDLE_VERSION);
	bool current = false;
	size_t i;
	json_t *v;
	json_array_foreach(env, i, v)
		current |= json_is_string(v) && strcmp(json_string_value(v), want) == 0;
	current = current && hook_path && access(hook_path, X_OK) == 0;
	json_decref(doc);
	return current ? 0 : 1;
}

/* Any descriptor counts as installed; a missing sibling makes it stale. */
static bool dir_has_hooks(const char *dir, bool *stale)
{
	size_t found = 0, total = 0;
	for (; ts_hook_stages[total]; total++) {
		int r = check_descriptor(dir, ts_hook_stages[total]);
		if (r == -ENOENT)
			continue;
		found++;
		*stale |= r != 0;
	}
	*stale |= found > 0 && found < total;
	return found > 0;
}

int ts_user_containers_conf(char **out, struct ts_error *err)
{
	const char *forced = getenv("CONTAINERS_CONF");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (forced && forced[0] == '/')
		*out = ts_xstrdup(forced);
	else if (xdg && xdg[0] == '/')
		*out = ts_xasprintf("%s/containers/containers.conf", xdg);
	else if (home && home[0] == '/')
		*out = ts_xasprintf("%s/.config/containers/containers.conf", home);
	else
		return ts_error_set(err, ENOENT, "HOME is not set to an absolute path");
	return 0;
}

/* Podman runs user hooks only from directories hooks_dir in containers.conf lists. */
static bool user_dir_active(const char *dir)
{
	_cleanup_free_ char *conf = NULL, *text = NULL;
	return ts_user_containers_conf(&conf, NULL) == 0 &&
	       ts_file_read(conf, &text, NULL, NULL) == 0 && ts_containers_conf_has_hooks_dir(text, dir);
}

enum ts_hooks_install ts_hooks_detect(bool *stale)
{
	_cleanup_free_ char *user_dir = NULL;
	*stale = false;
	if (ts_hook_user_dir(&user_dir, NULL) == 0 && dir_has_hooks(user_dir, stale) &&
	    user_dir_active(user_dir))
		return TS_HOOKS_GLOBAL_USER;
	*stale = false;
	if (dir_has_hooks(TS_HOOK_SYSTEM_DIR, stale))
		return TS_HOOKS_GLOBAL_SYSTEM;
	return TS_HOOKS_NOT_INSTALLED;
}

const char *ts_hook_executable(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("TEROK_SHIELD_HOOK");
	if (env && *env)
		return env;
	_cleanup_free_ char *ours = ts_libexec_program("terok-shield-hook");
	snprintf(path, sizeof(path), "%s", ours);
	return path;
}

char *ts_hooks_dir(enum ts_hooks_install where)
{
	char *dir = NULL;
	if (where == TS_HOOKS_GLOBAL_USER && ts_hook_user_dir(&dir, NULL) == 0)
		return dir;
	return where == TS_HOOKS_GLOBAL_SYSTEM ? ts_xstrdup(TS_HOOK_SYSTEM_DIR) : NULL;
}

/* mkdir -p */
static int make_dirs(const char *dir, mode_t mode, struct ts_error *err)
{
	int r = ts_mkdir_parents(dir, mode, err);
	if (r < 0)
		return r;
	if (mkdir(dir, mode) < 0 && errno != EEXIST)
		return ts_error_set(err, errno, "%s: cannot create: %s", dir, strerror(errno));
	struct stat st;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return ts_error_set(err, ENOTDIR, "%s: not a directory", dir);
	return 0;
}

static int write_descriptors(const char *dir, const char *hook_path, const char *state_root,
			     struct ts_error *err)
{
	for (size_t i = 0; ts_hook_stages[i]; i++) {
		_cleanup_free_ char *path = ts_xasprintf("%s/terok-shield-%s.json", dir, ts_hook_stages[i]);
		_cleanup_free_ char *text = ts_hook_descriptor(ts_hook_stages[i], hook_path, state_root);
		if (!text)
			return ts_error_set(err, EINVAL, "%s or %s is not valid UTF-8; an OCI hook "
					    "descriptor cannot name it", hook_path, state_root ? state_root : "");
		int r = ts_file_write_atomic(path, text, strlen(text), 0644, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A hook that is not ours (a stray TEROK_SHIELD_HOOK) would start containers unshielded. */
static int check_hook_executable(const char *path, struct ts_error *err)
{
	const char *argv[] = { path, "--version", NULL };
	_cleanup_free_ char *out = NULL;
	int r = ts_run_capture(argv, &out, err);
	if (r < 0)
		return ts_error_prefix(err, r, "hook executable %s", path);
	if (r != 0 || !ts_startswith(out, "terok-shield-hook "))
		return ts_error_set(err, EINVAL, "%s is not a terok-shield-hook (its --version says "
				    "otherwise)", path);
	return 0;
}

/* A copy of the executable source as target, mode 0755, replaced atomically. */
static int copy_executable(const char *source, const char *target, struct ts_error *err)
{
	_cleanup_free_ char *binary = NULL;
	size_t len;
	int r = ts_file_read(source, &binary, &len, err);
	if (r < 0)
		return ts_error_prefix(err, r, "cannot read %s", source);
	return ts_file_write_atomic(target, binary, len, 0755, err);
}

/*
 * The shield tier's forwarder goes next to the hook, so the hook runs the
 * forwarder built with it. None beside the source: an old copy goes, and
 * the hook falls back to libexecdir's (or fails closed, saying so).
 */
static int install_forwarder(const char *source_hook, const char *dir, char **installed,
			     struct ts_error *err)
{
	_cleanup_free_ char *source = ts_path_sibling(source_hook, TS_FORWARDER_PROGRAM);
	_cleanup_free_ char *target = ts_xasprintf("%s/" TS_FORWARDER_PROGRAM, dir);
	int r = ts_program_usable(source, err);
	if (r < 0)
		return r;
	if (r == 0) {
		if (unlink(target) < 0 && errno != ENOENT)
			return ts_error_set(err, errno, "%s: cannot remove: %s", target, strerror(errno));
		return 0;
	}
	r = copy_executable(source, target, err);
	if (r == 0)
		*installed = ts_xstrdup(target);
	return r;
}

int ts_hooks_install(const char *dir, const char *state_root, char **forwarder,
		     struct ts_error *err)
{
	const char *source = ts_hook_executable();
	*forwarder = NULL;
	int r = check_hook_executable(source, err);
	if (r < 0)
		return r;
	r = make_dirs(dir, 0755, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *target = ts_xasprintf("%s/terok-shield-hook", dir);
	r = copy_executable(source, target, err);
	if (r == 0)
		r = install_forwarder(source, dir, forwarder, err);
	return r < 0 ? r : write_descriptors(dir, target, state_root, err);
}

/* Point link at target, replacing whatever link was there in one rename. */
static int replace_symlink(const char *target, const char *link, struct ts_error *err)
{
	_cleanup_free_ char *tmp = ts_xasprintf("%s.tmp%d", link, (int)getpid());
	unlink(tmp);
	if (symlink(target, tmp) < 0)
		return ts_error_set(err, errno, "%s: cannot create link: %s", tmp, strerror(errno));
	if (rename(tmp, link) < 0) {
		int e = errno;
		unlink(tmp);
		return ts_error_set(err, e, "%s: cannot replace: %s", link, strerror(e));
	}
	return 0;
}

int ts_hooks_write_bundle(const char *state_dir, const char *global_dir, const char *state_root,
			  struct ts_error *err)
{
	_cleanup_free_ char *entry = ts_path_hook_entrypoint(state_dir);
	_cleanup_free_ char *target = ts_xasprintf("%s/terok-shield-hook", global_dir);
	_cleanup_free_ char *dir = ts_path_hooks_dir(state_dir);
	int r = replace_symlink(target, entry, err);
	return r < 0 ? r : write_descriptors(dir, entry, state_root, err);
}
