/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>

#include "build-config.h"
#include "base/addr.h"
#include "base/domain.h"
#include "base/fileio.h"
#include "base/strset.h"
#include "base/util.h"
#include "config/config.h"
#include "config/dirs.h"
#include "config/profiles.h"

#define PROFILE_NAME_MAX 64
#define PROFILE_LINE_MAX 1024
#define PROFILE_SUFFIX ".txt"

int ts_profile_name_validate(const char *name, struct ts_error *err)
{
	if (!name || !*name)
		return ts_error_set(err, EINVAL, "empty profile name");
	size_t len = strlen(name);
	if (len > PROFILE_NAME_MAX)
		return ts_error_set(err, EINVAL,
				    "invalid profile name '%.64s…': longer than %d characters", name,
				    PROFILE_NAME_MAX);
	/* The name becomes a file name: no separators, no hidden files, no way upwards. */
	if (name[0] == '.' || strstr(name, ".."))
		return ts_error_set(err, EINVAL,
				    "invalid profile name '%s': must not start with '.' or contain '..'",
				    name);
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return ts_error_set(err, EINVAL,
					    "invalid profile name '%s': only letters, digits, '_', '.' "
					    "and '-' are allowed",
					    name);
	return 0;
}

const char *ts_profiles_bundled_dir(void)
{
	static char dir[PATH_MAX];

	if (dir[0])
		return dir;
	const char *env = getenv("TEROK_SHIELD_PROFILES_DIR");
	const char *src;
	if (env && *env)
		src = env;
	else if (ts_running_from_build_tree())
		src = TS_SOURCE_PROFILES_DIR;
	else
		src = TS_PROFILES_DIR;
	snprintf(dir, sizeof(dir), "%s", src);
	return dir;
}

/* Move every item of src to the end of dst; src is left empty. */
static void strv_move_all(struct ts_strv *dst, struct ts_strv *src)
{
	for (size_t i = 0; i < src->n; i++)
		ts_strv_push_take(dst, src->items[i]);
	free(src->items);
	*src = (struct ts_strv)TS_STRV_INIT;
}

/* An entry goes to the address parser when it cannot be a domain name. */
static bool looks_like_address(const char *s)
{
	if (strpbrk(s, ":/"))
		return true;
	return strspn(s, "0123456789.") == strlen(s);
}

static int parse_entry(const char *text, struct ts_strv *entries)
{
	char buf[TS_DOMAIN_BUFLEN > TS_ADDR_STRLEN ? TS_DOMAIN_BUFLEN : TS_ADDR_STRLEN];
	int r;

	if (looks_like_address(text))
		r = ts_addr_canonicalize(text, buf, NULL);
	else
		r = ts_domain_normalize(text, buf, NULL);
	if (r < 0)
		return r;
	ts_strv_push(entries, buf);
	return 0;
}

int ts_profile_parse(const char *path, const char *text, struct ts_strv *entries,
		     struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv out = TS_STRV_INIT;
	char line[PROFILE_LINE_MAX + 1];
	unsigned lineno = 0;

	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");
		const char *next = p[len] ? p + len + 1 : p + len;

		lineno++;
		if (len > PROFILE_LINE_MAX)
			return ts_error_set(err, EINVAL, "%s:%u: line longer than %d bytes", path,
					    lineno, PROFILE_LINE_MAX);
		memcpy(line, p, len);
		line[len] = '\0';
		p = next;

		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *s = ts_strip(line);
		if (!*s)
			continue;
		if (parse_entry(s, &out) < 0)
			return ts_error_set(err, EINVAL,
					    "%s:%u: not a domain, IP address or network: '%s'", path,
					    lineno, s);
	}
	strv_move_all(entries, &out);
	return 0;
}

/* lstat that treats "missing" as a normal answer: 1 exists, 0 missing. */
static int path_exists(const char *path, struct ts_error *err)
{
	struct stat st;
	if (lstat(path, &st) == 0)
		return 1;
	if (errno == ENOENT || errno == ENOTDIR)
		return 0;
	return ts_error_set(err, errno, "%s: %s", path, strerror(errno));
}

static int unknown_profile(const char *config_root, const char *name, struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv names = TS_STRV_INIT;
	int r = ts_profiles_list(config_root, &names, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *avail = ts_strv_join(&names, ", ");
	return ts_error_set(err, ENOENT, "unknown profile '%s' (available: %s)", name,
			    *avail ? avail : "none");
}

int ts_profile_find(const char *config_root, const char *name, char **path, bool *is_user,
		    struct ts_error *err)
{
	int r = ts_profile_name_validate(name, err);
	if (r < 0)
		return r;

	/* lstat, not stat: a symlinked user profile is found here and refused when read. */
	if (config_root) {
		_cleanup_free_ char *user =
			ts_xasprintf("%s/profiles/%s" PROFILE_SUFFIX, config_root, name);
		r = path_exists(user, err);
		if (r < 0)
			return r;
		if (r > 0) {
			*path = TAKE_PTR(user);
			if (is_user)
				*is_user = true;
			return 0;
		}
	}

	_cleanup_free_ char *bundled =
		ts_xasprintf("%s/%s" PROFILE_SUFFIX, ts_profiles_bundled_dir(), name);
	r = path_exists(bundled, err);
	if (r < 0)
		return r;
	if (r == 0)
		return unknown_profile(config_root, name, err);
	*path = TAKE_PTR(bundled);
	if (is_user)
		*is_user = false;
	return 0;
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* Append the valid profile names found in dir. */
static int list_dir(const char *dir, bool missing_ok, struct ts_strv *names,
		    struct ts_error *err)
{
	_cleanup_(closedirp) DIR *d = opendir(dir);
	if (!d) {
		if (missing_ok && (errno == ENOENT || errno == ENOTDIR))
			return 0;
		return ts_error_set(err, errno, "%s: cannot list profiles: %s", dir,
				    strerror(errno));
	}
	const size_t suffix = strlen(PROFILE_SUFFIX);
	struct dirent *de;
	while ((errno = 0, de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (de->d_type == DT_DIR || len <= suffix ||
		    strcmp(de->d_name + len - suffix, PROFILE_SUFFIX) != 0)
			continue;
		_cleanup_free_ char *name = ts_xstrdup(de->d_name);
		name[len - suffix] = '\0';
		if (ts_profile_name_validate(name, NULL) == 0)
			ts_strv_push_take(names, TAKE_PTR(name));
	}
	if (errno)
		return ts_error_set(err, errno, "%s: cannot list profiles: %s", dir,
				    strerror(errno));
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ts_profiles_list(const char *config_root, struct ts_strv *names, struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv found = TS_STRV_INIT;
	int r;

	r = list_dir(ts_profiles_bundled_dir(), false, &found, err);
	if (r < 0)
		return r;
	if (config_root) {
		_cleanup_free_ char *user = ts_xasprintf("%s/profiles", config_root);
		r = list_dir(user, true, &found, err);
		if (r < 0)
			return r;
	}

	if (found.n)
		qsort(found.items, found.n, sizeof(char *), cmp_str);
	for (size_t i = 0; i < found.n; i++) {
		if (i > 0 && strcmp(found.items[i], found.items[i - 1]) == 0)
			continue;
		ts_strv_push(names, found.items[i]);
	}
	return 0;
}

static int load_profile(const char *config_root, const char *name, struct ts_strv *entries,
			struct ts_error *err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *text = NULL;
	int r;

	r = ts_profile_find(config_root, name, &path, NULL, err);
	if (r < 0)
		return r;
	r = ts_file_read(path, &text, NULL, err);
	if (r < 0)
		return r;
	return ts_profile_parse(path, text, entries, err);
}

int ts_profiles_compose(const char *config_root, const struct ts_strv *names,
			struct ts_strv *entries, struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv out = TS_STRV_INIT;
	_cleanup_strset_ struct ts_strset seen = TS_STRSET_INIT;
	int r;

	/* What the caller already holds counts as seen; entries is untouched on error. */
	for (size_t i = 0; i < entries->n; i++)
		ts_strset_add(&seen, entries->items[i]);

	for (size_t i = 0; i < names->n; i++) {
		_cleanup_strv_ struct ts_strv one = TS_STRV_INIT;
		r = load_profile(config_root, names->items[i], &one, err);
		if (r < 0)
			return r;
		for (size_t j = 0; j < one.n; j++) {
			/* The set borrows the string, so it must move into out, not be freed. */
			if (!ts_strset_add(&seen, one.items[j]))
				continue;
			ts_strv_push_take(&out, TAKE_PTR(one.items[j]));
		}
	}
	strv_move_all(entries, &out);
	return 0;
}

int ts_default_profiles_check(const char *config_root, const struct ts_strv *names,
			      struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv entries = TS_STRV_INIT;
	int r = ts_profiles_compose(config_root, names, &entries, err);
	return r < 0 ? ts_error_prefix(err, r, "%s/%s: default_profiles", config_root,
				       TS_CONFIG_FILE)
		     : 0;
}
