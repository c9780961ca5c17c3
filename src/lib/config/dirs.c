/* SPDX-License-Identifier: Apache-2.0 */
#include <limits.h>
#include <sys/stat.h>

#include "build-config.h"
#include "base/util.h"
#include "config/dirs.h"

/* An empty variable counts as unset, as in the XDG Base Directory spec. */
static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

static int absolute(const char *path, char **out, struct ts_error *err)
{
	_cleanup_free_ char *cwd = NULL;

	if (path[0] == '/') {
		*out = ts_xstrdup(path);
		return 0;
	}
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return ts_error_set(err, errno, "cannot determine the working directory: %s",
				    strerror(errno));
	*out = ts_path_join(cwd, path);
	return 0;
}

/* $XDG_<kind>_HOME/terok/shield, else $HOME/<fallback>/terok/shield. */
static int xdg_dir(const char *xdg_var, const char *fallback, const char *override_var,
		   char **out, struct ts_error *err)
{
	const char *xdg = env(xdg_var);
	const char *home = env("HOME");

	/* The XDG spec says relative values are invalid and must be ignored. */
	if (xdg && xdg[0] == '/') {
		*out = ts_path_join(xdg, "terok/shield");
		return 0;
	}
	if (!home)
		return ts_error_set(err, ENOENT, "HOME is not set; set %s or %s", override_var, xdg_var);
	if (home[0] != '/')
		return ts_error_set(err, EINVAL, "HOME is not an absolute path ('%s'); set %s or %s",
				    home, override_var, xdg_var);
	_cleanup_free_ char *base = ts_path_join(home, fallback);
	*out = ts_path_join(base, "terok/shield");
	return 0;
}

int ts_config_root(char **out, struct ts_error *err)
{
	const char *dir = env("TEROK_SHIELD_CONFIG_DIR");

	if (!dir)
		return xdg_dir("XDG_CONFIG_HOME", ".config", "TEROK_SHIELD_CONFIG_DIR", out, err);
	if (dir[0] != '/')
		return ts_error_set(err, EINVAL,
				    "TEROK_SHIELD_CONFIG_DIR must be an absolute path, got '%s'", dir);
	*out = ts_xstrdup(dir);
	return 0;
}

int ts_state_root(const char *flag, char **out, struct ts_error *err)
{
	const char *dir;

	if (flag) {
		if (!*flag)
			return ts_error_set(err, EINVAL, "--state-dir: empty path");
		return absolute(flag, out, err);
	}
	dir = env("TEROK_SHIELD_STATE_DIR");
	if (dir)
		return absolute(dir, out, err);
	return xdg_dir("XDG_STATE_HOME", ".local/state", "TEROK_SHIELD_STATE_DIR", out, err);
}

/* true when path lies strictly inside dir. */
static bool path_is_inside(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	return n > 0 && strncmp(path, dir, n) == 0 && path[n] == '/';
}

char *ts_self_exe(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	return ts_xstrdup(exe);
}

bool ts_running_from_build_tree(void)
{
	_cleanup_free_ char *exe = ts_self_exe();
	return exe && path_is_inside(exe, TS_BUILD_ROOT);
}

char *ts_libexec_program(const char *name)
{
	return ts_xasprintf("%s/%s", ts_running_from_build_tree() ? TS_BUILD_ROOT : TS_LIBEXECDIR,
			    name);
}

char *ts_path_sibling(const char *path, const char *name)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return ts_xstrdup(name);
	return ts_xasprintf("%.*s/%s", (int)(slash - path), path, name);
}

int ts_program_usable(const char *path, struct ts_error *err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return 0;
	if (!S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR) || access(path, X_OK) < 0)
		return ts_error_set(err, EPERM, "%s is not an executable file", path);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return ts_error_set(err, EPERM, "%s is writable by others (mode %04o): refused",
				    path, (unsigned)(st.st_mode & 07777));
	return 1;
}

int ts_companion_program(const char *name, char **out, struct ts_error *err)
{
	_cleanup_free_ char *exe = ts_self_exe();
	_cleanup_free_ char *beside = exe ? ts_path_sibling(exe, name) : NULL;
	_cleanup_free_ char *installed = ts_xasprintf("%s/%s", TS_LIBEXECDIR, name);
	const char *places[] = { beside, installed };
	for (size_t i = 0; i < ARRAY_SIZE(places); i++) {
		if (!places[i] || (i > 0 && places[0] && strcmp(places[i], places[0]) == 0))
			continue;
		int r = ts_program_usable(places[i], err);
		if (r < 0)
			return r;
		if (r > 0) {
			*out = ts_xstrdup(places[i]);
			return 0;
		}
	}
	return ts_error_set(err, ENOENT, "%s is not installed: neither %s nor %s exists (reinstall "
			    "terok-shield, then run 'terok-shield setup' again)", name,
			    beside ? beside : "(this program's directory is unknown)", installed);
}
