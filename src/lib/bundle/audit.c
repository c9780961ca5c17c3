/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#include <jansson.h>

#include "base/fileio.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "bundle/audit.h"
#include "bundle/location.h"
#include "bundle/state.h"

#define AUDIT_MODE 0600
/* "2026-11-24T10:00:00+00:00" plus NUL */
#define AUDIT_TS_LEN 26

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Length of the well-formed UTF-8 sequence at s, 0 when it is not one. */
static size_t utf8_seq_len(const unsigned char *s)
{
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80)
		return 1;
	if (s[0] < 0xc2)
		return 0;
	if (s[0] < 0xe0)
		len = 2;
	else if (s[0] < 0xf0)
		len = 3;
	else if (s[0] < 0xf5)
		len = 4;
	else
		return 0;

	/* Second-byte ranges that exclude overlongs, surrogates and > U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	/* A NUL terminator fails the continuation test, so this never overruns. */
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/*
 * Audit text comes from the outside (domains, NFLOG, CLI arguments); one
 * bad byte must not lose the entry, so each byte that does not start a
 * well-formed UTF-8 sequence becomes U+FFFD.
 */
static json_t *json_string_lossy(const char *s)
{
	_cleanup_strbuf_ struct ts_strbuf b = TS_STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t len = utf8_seq_len(p);
		if (len) {
			ts_strbuf_append(&b, (const char *)p, len);
			p += len;
		} else {
			ts_strbuf_puts(&b, "\xef\xbf\xbd");
			p++;
		}
	}
	return json_stringn(b.data ? b.data : "", b.len);
}

/* Only allocation can fail here (keys are constants, values sanitised). */
static void set_string(json_t *obj, const char *key, const char *value)
{
	json_t *v = json_string_lossy(value ? value : "");
	if (!v || json_object_set_new(obj, key, v) < 0)
		abort();
}

/* false when the time does not fit the form (beyond gmtime, or a year past 9999). */
static bool format_ts(time_t when, char buf[AUDIT_TS_LEN])
{
	struct tm tm;
	return gmtime_r(&when, &tm) &&
	       strftime(buf, AUDIT_TS_LEN, "%Y-%m-%dT%H:%M:%S+00:00", &tm) != 0;
}

char *ts_audit_format(time_t when, const char *container, const char *action, const char *dest,
		      const char *detail)
{
	char ts[AUDIT_TS_LEN];

	if (!format_ts(when, ts))
		return NULL;

	json_auto_t *obj = json_object();
	if (!obj)
		abort();
	set_string(obj, "ts", ts);
	set_string(obj, "container", container);
	set_string(obj, "action", action);
	if (dest && *dest)
		set_string(obj, "dest", dest);
	if (detail && *detail)
		set_string(obj, "detail", detail);

	_cleanup_free_ char *text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		abort();
	return ts_xasprintf("%s\n", text);
}

int ts_audit_log(bool enabled, const char *state_dir, const char *container, const char *action,
		 const char *dest, const char *detail, struct ts_strv *warnings)
{
	if (!enabled)
		return 0;
	if (!state_dir) {
		if (warnings)
			ts_strv_push(warnings, "audit log not written: no state directory");
		return -EINVAL;
	}

	_cleanup_free_ char *path = ts_path_audit(state_dir);
	_cleanup_free_ char *line = ts_audit_format(time(NULL), container, action, dest, detail);
	int r = line ? ts_file_append(path, line, strlen(line), AUDIT_MODE, NULL) : -EOVERFLOW;
	if (r < 0 && warnings)
		ts_strv_push_take(warnings, ts_xasprintf("audit log %s not written: %s", path,
							 strerror(-r)));
	return r;
}

/* One log line with a copy of its "ts" and its position for a stable sort. */
struct entry {
	char *line;
	char *ts;
	size_t seq;
};

struct entries {
	struct entry *items;
	size_t n;
	size_t cap;
};

static void entries_clear(struct entries *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->items[i].line);
		free(e->items[i].ts);
	}
	free(e->items);
	*e = (struct entries){ 0 };
}
#define _cleanup_entries_ _cleanup_(entries_clear)

/* Takes ownership of line and ts. */
static void entries_push(struct entries *e, char *line, char *ts)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 64;
		e->items = ts_xrealloc(e->items, e->cap * sizeof(*e->items));
	}
	e->items[e->n] = (struct entry){ .line = line, .ts = ts, .seq = e->n };
	e->n++;
}

/* Move every entry of from to the end of to. */
static void entries_move(struct entries *to, struct entries *from)
{
	for (size_t i = 0; i < from->n; i++)
		entries_push(to, from->items[i].line, from->items[i].ts);
	free(from->items);
	*from = (struct entries){ 0 };
}

/* Drop all but the last n entries. */
static void entries_keep_last(struct entries *e, size_t n)
{
	if (e->n <= n)
		return;
	size_t drop = e->n - n;
	for (size_t i = 0; i < drop; i++) {
		free(e->items[i].line);
		free(e->items[i].ts);
	}
	memmove(e->items, e->items + drop, n * sizeof(*e->items));
	e->n = n;
}

/* Append the JSON-object lines of raw to e. Without a string "ts" they sort oldest. */
static void entries_add_valid(struct entries *e, struct ts_strv *raw)
{
	for (size_t i = 0; i < raw->n; i++) {
		json_auto_t *obj = json_loads(raw->items[i], 0, NULL);
		if (!json_is_object(obj))
			continue;
		const char *ts = json_string_value(json_object_get(obj, "ts"));
		entries_push(e, TAKE_PTR(raw->items[i]), ts_xstrdup(ts ? ts : ""));
	}
}

/* n * 4 + 16, saturating: a window that usually covers the garbage too. */
static size_t tail_window(size_t n)
{
	if (n > (SIZE_MAX - 16) / 4)
		return SIZE_MAX;
	return n * 4 + 16;
}

/*
 * The last n valid entries of one file. Garbage lines use up the tail
 * window, so widen it until it holds n valid lines or the whole file.
 */
static int read_file_entries(const char *path, size_t n, struct entries *out, struct ts_error *err)
{
	size_t want = tail_window(n);

	for (;;) {
		_cleanup_strv_ struct ts_strv raw = TS_STRV_INIT;
		_cleanup_entries_ struct entries valid = { 0 };
		int r = ts_file_tail_lines(path, want, &raw, err);
		if (r < 0)
			return r;
		entries_add_valid(&valid, &raw);
		/* Enough valid lines, or fewer lines than asked: the file has no more. */
		if (valid.n >= n || raw.n < want) {
			entries_keep_last(&valid, n);
			entries_move(out, &valid);
			return 0;
		}
		want = tail_window(want);
	}
}

static int container_entries(const char *state_root, const char *name, size_t n,
			     struct entries *out, struct ts_error *err)
{
	_cleanup_free_ char *dir = NULL;
	int r = ts_container_state_dir(state_root, name, &dir, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *path = ts_path_audit(dir);
	return read_file_entries(path, n, out, err);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names of the container directories, sorted so the merge is deterministic. */
static int list_containers(const char *state_root, struct ts_strv *names, struct ts_error *err)
{
	_cleanup_free_ char *dir = ts_xasprintf("%s/containers", state_root);
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return ts_error_set(err, errno, "%s: %s", dir, strerror(errno));
	}

	struct dirent *de;
	while ((errno = 0, de = readdir(d))) {
		struct stat st;
		if (ts_container_name_validate(de->d_name, NULL) < 0)
			continue;
		/* No symlinks: a container's logs live in its own directory. */
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		ts_strv_push(names, de->d_name);
	}
	if (errno)
		return ts_error_set(err, errno, "%s: %s", dir, strerror(errno));
	if (names->n)
		qsort(names->items, names->n, sizeof(char *), cmp_name);
	return 0;
}

/* By ts, then by position: containers in name order, each in file order. */
static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->ts, y->ts);
	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int all_entries(const char *state_root, size_t n, struct entries *out, struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv names = TS_STRV_INIT;
	int r = list_containers(state_root, &names, err);
	if (r < 0)
		return r;

	for (size_t i = 0; i < names.n; i++) {
		r = container_entries(state_root, names.items[i], n, out, err);
		if (r < 0)
			return r;
	}
	if (out->n)
		qsort(out->items, out->n, sizeof(*out->items), cmp_entry);
	entries_keep_last(out, n);
	return 0;
}

int ts_logs_read(const char *state_root, const char *container, size_t n, struct ts_strv *lines,
		 struct ts_error *err)
{
	_cleanup_entries_ struct entries e = { 0 };
	int r;

	if (!state_root)
		return ts_error_set(err, EINVAL, "logs: no state directory");
	if (container) {
		r = ts_container_name_validate(container, err);
		if (r < 0)
			return r;
	}
	if (n == 0)
		return 0;

	if (container)
		r = container_entries(state_root, container, n, &e, err);
	else
		r = all_entries(state_root, n, &e, err);
	if (r < 0)
		return r;

	for (size_t i = 0; i < e.n; i++)
		ts_strv_push_take(lines, TAKE_PTR(e.items[i].line));
	return 0;
}
