/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>

#include "build-config.h"
#include "base/addr.h"
#include "base/domain.h"
#include "base/fileio.h"
#include "base/scope.h"
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

/* The target word of a line: a canonical address or network, or a normalised domain. */
static int parse_target(const char *text, char *out)
{
	if (looks_like_address(text))
		return ts_addr_canonicalize(text, out, NULL);
	return ts_domain_normalize(text, out, NULL);
}

/* "P", "P-Q", "P/tcp", "P-Q/udp": the ports and protocols of a scope word. */
static int parse_scope(char *word, struct ts_scope *scope, struct ts_error *err)
{
	char *slash = strchr(word, '/');
	*scope = TS_SCOPE_WHOLE;
	if (slash) {
		*slash = '\0';
		int r = ts_scope_parse_proto(slash + 1, &scope->protos, err);
		if (r < 0)
			return r;
	}
	return ts_scope_parse_ports(word, &scope->port_lo, &scope->port_hi, err);
}

/* The canonical text of a scope: "443", "8000-8080/tcp". */
static void format_scope(const struct ts_scope *s, char *out, size_t size)
{
	int n = s->port_lo == s->port_hi ? snprintf(out, size, "%u", s->port_lo)
					 : snprintf(out, size, "%u-%u", s->port_lo, s->port_hi);
	if (s->protos != (TS_PROTO_TCP | TS_PROTO_UDP) && n > 0 && (size_t)n < size)
		snprintf(out + n, size - (size_t)n, "/%s", ts_proto_name(s->protos));
}

/* One line without its comment: TARGET [SCOPE], appended canonical to entries. */
static int parse_line(char *s, struct ts_strv *entries, struct ts_error *err)
{
	char target[TS_DOMAIN_BUFLEN > TS_ADDR_STRLEN ? TS_DOMAIN_BUFLEN : TS_ADDR_STRLEN];
	char *words[3] = { NULL }, *save = NULL;
	size_t n = 0;
	for (char *w = strtok_r(s, " \t\r", &save); w && n < ARRAY_SIZE(words);
	     w = strtok_r(NULL, " \t\r", &save))
		words[n++] = w;
	if (n > 2)
		return ts_error_set(err, EINVAL, "'%.80s %.80s %.80s': a line is one domain, IP "
				    "address or network and at most one scope (443/tcp)",
				    words[0], words[1], words[2]);
	if (parse_target(words[0], target) < 0)
		return ts_error_set(err, EINVAL, "not a domain, IP address or network: '%s'",
				    words[0]);
	if (n == 1) {
		ts_strv_push(entries, target);
		return 0;
	}
	struct ts_scope scope;
	char word[64];
	snprintf(word, sizeof(word), "%s", words[1]);
	int r = parse_scope(words[1], &scope, err);
	if (r < 0)
		return ts_error_prefix(err, r, "scope '%s' (PORT or P-Q, /tcp or /udp for one "
				       "protocol only)", word);
	char text[32];
	format_scope(&scope, text, sizeof(text));
	ts_strv_push_take(entries, ts_xasprintf("%s %s", target, text));
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
		int r = parse_line(s, &out, err);
		if (r < 0)
			return ts_error_prefix(err, r, "%s:%u", path, lineno);
	}
	strv_move_all(entries, &out);
	return 0;
}

int ts_profile_entry_split(const char *entry, char *target, size_t size, struct ts_scope *scope)
{
	const char *space = strchr(entry, ' ');
	size_t len = space ? (size_t)(space - entry) : strlen(entry);
	*scope = TS_SCOPE_WHOLE;
	if (len >= size)
		return -EINVAL;
	memcpy(target, entry, len);
	target[len] = '\0';
	if (!space)
		return 0;
	char word[32];
	if (strlen(space + 1) >= sizeof(word))
		return -EINVAL;
	strcpy(word, space + 1);
	int r = parse_scope(word, scope, NULL);
	return r < 0 ? r : 1;
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
