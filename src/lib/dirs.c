/* SPDX-License-Identifier: Apache-2.0 */
#include <limits.h>

#include "build-config.h"
#include "dirs.h"
#include "util.h"

#define CONTAINER_NAME_MAX 255
/* How much of a rejected name is quoted back in a message. */
#define QUOTE_MAX 64

/* An empty variable counts as unset, as in the XDG Base Directory spec. */
static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* base + "/" + rel without doubling the slash when base ends in one. */
static char *join(const char *base, const char *rel)
{
	size_t n = strlen(base);
	while (n > 1 && base[n - 1] == '/')
		n--;
	bool slash = n > 0 && base[n - 1] == '/';
	return ts_xasprintf("%.*s%s%s", (int)n, base, slash ? "" : "/", rel);
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
	*out = join(cwd, path);
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
		*out = join(xdg, "terok/shield");
		return 0;
	}
	if (!home)
		return ts_error_set(err, ENOENT, "HOME is not set; set %s or %s", override_var, xdg_var);
	if (home[0] != '/')
		return ts_error_set(err, EINVAL, "HOME is not an absolute path ('%s'); set %s or %s",
				    home, override_var, xdg_var);
	_cleanup_free_ char *base = join(home, fallback);
	*out = join(base, "terok/shield");
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

static bool name_char_ok(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '.' || ch == '-';
}

/* The name may hold anything: keep the message on one line and short. */
static const char *printable(const char *s, char buf[static QUOTE_MAX + 4])
{
	size_t n = strnlen(s, QUOTE_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		buf[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	strcpy(buf + n, s[n] ? "..." : "");
	return buf;
}

int ts_container_name_validate(const char *name, struct ts_error *err)
{
	size_t len = strnlen(name, CONTAINER_NAME_MAX + 1);
	/* A leading '.' is refused, which also rules out "." and "..". */
	bool ok = len > 0 && len <= CONTAINER_NAME_MAX && name[0] != '.' && name[0] != '-' &&
		  name[0] != '_';
	char q[QUOTE_MAX + 4];

	for (size_t i = 0; ok && i < len; i++)
		ok = name_char_ok(name[i]);
	if (ok)
		return 0;
	return ts_error_set(err, EINVAL,
			    "invalid container name '%s': use letters, digits, '_', '.', '-' (not first), at most %d characters",
			    printable(name, q), CONTAINER_NAME_MAX);
}

int ts_container_state_dir(const char *state_root, const char *name, char **out,
			   struct ts_error *err)
{
	int r = ts_container_name_validate(name, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *containers = join(state_root, "containers");
	*out = join(containers, name);
	return 0;
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
