/* SPDX-License-Identifier: Apache-2.0 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw */
#endif
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <jansson.h>

#include "base/fileio.h"
#include "base/strv.h"
#include "base/util.h"
#include "bundle/audit.h"

/* 2026-11-24T10:00:00+00:00 */
#define T0 ((time_t)1795514400)

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup_tmpdir(void **state)
{
	char tmpl[] = "/tmp/test-audit.XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	*state = ts_xstrdup(tmpl);
	return 0;
}

static int teardown_tmpdir(void **state)
{
	nftw(*state, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(*state);
	return 0;
}

static char *read_text(const char *path)
{
	char *data = NULL;
	assert_int_equal(ts_file_read(path, &data, NULL, NULL), 0);
	return data;
}

static void write_text(const char *path, const char *text)
{
	assert_int_equal(ts_file_write_atomic(path, text, strlen(text), 0600, NULL), 0);
}

/* <root>/containers/<name>, created; returned path is newly allocated. */
static char *make_container(const char *root, const char *name)
{
	_cleanup_free_ char *containers = ts_xasprintf("%s/containers", root);
	if (mkdir(containers, 0700) < 0)
		assert_int_equal(errno, EEXIST);
	char *dir = ts_xasprintf("%s/%s", containers, name);
	assert_int_equal(mkdir(dir, 0700), 0);
	return dir;
}

static void append_entry(const char *dir, time_t when, const char *container, const char *detail)
{
	_cleanup_free_ char *path = ts_xasprintf("%s/audit.jsonl", dir);
	_cleanup_free_ char *line = ts_audit_format(when, container, "allowed", NULL, detail);
	assert_non_null(line);
	assert_int_equal(ts_file_append(path, line, strlen(line), 0600, NULL), 0);
}

/* The line ts_logs_read should return for an append_entry call. */
static void assert_entry(const char *got, time_t when, const char *container, const char *detail)
{
	_cleanup_free_ char *want = ts_audit_format(when, container, "allowed", NULL, detail);
	want[strlen(want) - 1] = '\0';
	assert_string_equal(got, want);
}

static void test_format_full(void **state)
{
	(void)state;
	_cleanup_free_ char *line =
		ts_audit_format(T0, "web", "allowed", "93.184.216.34", "example.com");
	assert_string_equal(line, "{\"ts\":\"2026-11-24T10:00:00+00:00\",\"container\":\"web\","
				  "\"action\":\"allowed\",\"dest\":\"93.184.216.34\","
				  "\"detail\":\"example.com\"}\n");
}

static void test_format_omits_empty(void **state)
{
	(void)state;
	_cleanup_free_ char *a = ts_audit_format(T0, "web", "setup", NULL, NULL);
	_cleanup_free_ char *b = ts_audit_format(T0 + 61, "web", "shield_up", "", "");
	_cleanup_free_ char *c = ts_audit_format(T0, "web", "note", NULL, "[ips] 10.0.0.0/8");
	assert_string_equal(a, "{\"ts\":\"2026-11-24T10:00:00+00:00\",\"container\":\"web\","
			       "\"action\":\"setup\"}\n");
	assert_string_equal(b, "{\"ts\":\"2026-11-24T10:01:01+00:00\",\"container\":\"web\","
			       "\"action\":\"shield_up\"}\n");
	assert_string_equal(c, "{\"ts\":\"2026-11-24T10:00:00+00:00\",\"container\":\"web\","
			       "\"action\":\"note\",\"detail\":\"[ips] 10.0.0.0/8\"}\n");
}

static void test_format_escapes(void **state)
{
	(void)state;
	_cleanup_free_ char *line =
		ts_audit_format(T0, "web", "denied", "a\"b\\c", "one\ntwo\tthree\x01/four\r");
	assert_string_equal(line, "{\"ts\":\"2026-11-24T10:00:00+00:00\",\"container\":\"web\","
				  "\"action\":\"denied\",\"dest\":\"a\\\"b\\\\c\","
				  "\"detail\":\"one\\ntwo\\tthree\\u0001/four\\r\"}\n");
	/* Exactly one line: the only newline is the terminator. */
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
}

static void test_format_invalid_utf8(void **state)
{
	(void)state;
	/*
	 * Valid é, €, 😀 are kept; a stray byte, a truncated sequence, an
	 * overlong, a surrogate and a code point past U+10FFFF become one
	 * U+FFFD per byte.
	 */
	_cleanup_free_ char *line = ts_audit_format(
		T0, "web", "bad\xff", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
		"a\xc0\xaf" "b\xed\xa0\x80" "c\xf4\x90\x80\x80" "d\xe0\x80\xaf" "e\xc3");
	assert_non_null(line);
	assert_string_equal(line,
			    "{\"ts\":\"2026-11-24T10:00:00+00:00\",\"container\":\"web\","
			    "\"action\":\"bad\xef\xbf\xbd\","
			    "\"dest\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\","
			    "\"detail\":\"a\xef\xbf\xbd\xef\xbf\xbd"
			    "b\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			    "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			    "d\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			    "e\xef\xbf\xbd\"}\n");
	json_auto_t *obj = json_loads(line, 0, NULL);
	assert_true(json_is_object(obj));
}

/*
 * Every byte string of up to 4 bytes over the UTF-8 boundary values gives
 * valid JSON; the ones jansson accepts as UTF-8 come back unchanged.
 */
static void test_format_utf8_exhaustive(void **state)
{
	(void)state;
	static const unsigned char bytes[] = { 0x41, 0x80, 0x8f, 0x90, 0x9f, 0xa0,
					       0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0,
					       0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff };
	const size_t nb = ARRAY_SIZE(bytes);
	size_t count = 1;

	for (size_t len = 1; len <= 4; len++) {
		count *= nb;
		for (size_t k = 0; k < count; k++) {
			char in[5] = { 0 };
			for (size_t i = 0, v = k; i < len; i++, v /= nb)
				in[i] = (char)bytes[v % nb];
			_cleanup_free_ char *line = ts_audit_format(T0, "c", "a", NULL, in);
			assert_non_null(line);
			json_auto_t *obj = json_loads(line, 0, NULL);
			assert_true(json_is_object(obj));
			const char *out = json_string_value(json_object_get(obj, "detail"));
			json_auto_t *raw = json_string(in);
			if (raw)
				assert_string_equal(out, in);
			else
				assert_non_null(strstr(out, "\xef\xbf\xbd"));
		}
	}
}

static void test_format_unrepresentable_time(void **state)
{
	(void)state;
	assert_null(ts_audit_format((time_t)INT64_MAX, "web", "setup", NULL, NULL));
}

static void test_log_appends_lines(void **state)
{
	const char *dir = *state;
	_cleanup_free_ char *path = ts_xasprintf("%s/audit.jsonl", dir);

	assert_int_equal(ts_audit_log(true, dir, "web", "setup", NULL, NULL, NULL), 0);
	assert_int_equal(ts_audit_log(true, dir, "web", "allowed", "1.2.3.4", "x.org", NULL), 0);
	assert_int_equal(ts_audit_log(true, dir, "web", "teardown", "", NULL, NULL), 0);

	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);

	_cleanup_free_ char *data = read_text(path);
	const char *tails[] = {
		"\",\"container\":\"web\",\"action\":\"setup\"}",
		"\",\"container\":\"web\",\"action\":\"allowed\",\"dest\":\"1.2.3.4\",\"detail\":\"x.org\"}",
		"\",\"container\":\"web\",\"action\":\"teardown\"}",
	};
	char *p = data;
	for (size_t i = 0; i < ARRAY_SIZE(tails); i++) {
		char *nl = strchr(p, '\n');
		assert_non_null(nl);
		*nl = '\0';
		/* {"ts":"YYYY-MM-DDTHH:MM:SS+00:00" then the fixed rest. */
		assert_true(ts_startswith(p, "{\"ts\":\""));
		assert_memory_equal(p + 26, "+00:00", 6);
		assert_string_equal(p + 32, tails[i]);
		p = nl + 1;
	}
	assert_string_equal(p, "");
}

static void test_log_disabled(void **state)
{
	const char *dir = *state;
	_cleanup_free_ char *path = ts_xasprintf("%s/audit.jsonl", dir);

	assert_int_equal(ts_audit_log(false, dir, "web", "setup", NULL, NULL, NULL), 0);
	assert_int_equal(ts_audit_log(false, NULL, "web", "setup", NULL, NULL, NULL), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_log_missing_dir(void **state)
{
	_cleanup_free_ char *dir = ts_xasprintf("%s/absent", (const char *)*state);
	assert_int_equal(ts_audit_log(true, dir, "web", "setup", NULL, NULL, NULL), -ENOENT);
	assert_int_equal(access(dir, F_OK), -1);
}

/* A line that cannot be written becomes one warning for the caller to show. */
static void test_log_failure_is_a_warning(void **state)
{
	_cleanup_free_ char *dir = ts_xasprintf("%s/absent", (const char *)*state);
	_cleanup_free_ char *expected =
		ts_xasprintf("audit log %s/audit.jsonl not written: %s", dir, strerror(ENOENT));
	_cleanup_strv_ struct ts_strv warnings = TS_STRV_INIT;
	assert_int_equal(ts_audit_log(true, dir, "web", "setup", NULL, NULL, &warnings), -ENOENT);
	assert_int_equal(warnings.n, 1);
	assert_string_equal(warnings.items[0], expected);

	assert_int_equal(ts_audit_log(true, *state, "web", "setup", NULL, NULL, &warnings), 0);
	assert_int_equal(ts_audit_log(false, dir, "web", "setup", NULL, NULL, &warnings), 0);
	assert_int_equal(warnings.n, 1);
}

static void test_log_refuses_symlink(void **state)
{
	const char *dir = *state;
	_cleanup_free_ char *path = ts_xasprintf("%s/audit.jsonl", dir);
	_cleanup_free_ char *target = ts_xasprintf("%s/target", dir);
	_cleanup_free_ char *dangling = ts_xasprintf("%s/dangling", dir);

	write_text(target, "original\n");
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(ts_audit_log(true, dir, "web", "setup", NULL, NULL, NULL), -ELOOP);
	_cleanup_free_ char *data = read_text(target);
	assert_string_equal(data, "original\n");

	/* A dangling link must not create its target either. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(dangling, path), 0);
	assert_int_equal(ts_audit_log(true, dir, "web", "setup", NULL, NULL, NULL), -ELOOP);
	assert_int_equal(access(dangling, F_OK), -1);
}

#define PROCS 8
#define PER_PROC 200

static void concurrent_child(const char *dir, int proc)
{
	char pad[1024];
	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	for (int i = 0; i < PER_PROC; i++) {
		char detail[1200];
		snprintf(detail, sizeof(detail), "proc=%d seq=%d %s", proc, i, pad);
		if (ts_audit_log(true, dir, "web", "allowed", "10.0.0.1", detail, NULL) < 0)
			_exit(1);
	}
	_exit(0);
}

static void test_log_concurrent(void **state)
{
	const char *dir = *state;
	_cleanup_free_ char *path = ts_xasprintf("%s/audit.jsonl", dir);
	pid_t pids[PROCS];

	for (int p = 0; p < PROCS; p++) {
		pids[p] = fork();
		assert_true(pids[p] >= 0);
		if (pids[p] == 0)
			concurrent_child(dir, p);
	}
	for (int p = 0; p < PROCS; p++) {
		int status;
		assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}

	_cleanup_free_ char *data = read_text(path);
	static bool seen[PROCS][PER_PROC];
	size_t lines = 0;
	char *save = NULL;
	assert_int_equal(data[strlen(data) - 1], '\n');
	for (char *l = strtok_r(data, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		json_auto_t *obj = json_loads(l, 0, NULL);
		assert_true(json_is_object(obj));
		const char *detail = json_string_value(json_object_get(obj, "detail"));
		int proc, seq;
		assert_non_null(detail);
		assert_int_equal(sscanf(detail, "proc=%d seq=%d", &proc, &seq), 2);
		assert_in_range(proc, 0, PROCS - 1);
		assert_in_range(seq, 0, PER_PROC - 1);
		assert_false(seen[proc][seq]);
		seen[proc][seq] = true;
		lines++;
	}
	assert_int_equal(lines, PROCS * PER_PROC);
}

static void test_logs_one_container(void **state)
{
	const char *root = *state;
	_cleanup_free_ char *dir = make_container(root, "web");
	char detail[16];

	for (int i = 0; i < 10; i++) {
		snprintf(detail, sizeof(detail), "%d", i);
		append_entry(dir, T0 + i, "web", detail);
	}

	_cleanup_strv_ struct ts_strv last3 = TS_STRV_INIT;
	assert_int_equal(ts_logs_read(root, "web", 3, &last3, NULL), 0);
	assert_int_equal(last3.n, 3);
	assert_entry(last3.items[0], T0 + 7, "web", "7");
	assert_entry(last3.items[1], T0 + 8, "web", "8");
	assert_entry(last3.items[2], T0 + 9, "web", "9");

	_cleanup_strv_ struct ts_strv all = TS_STRV_INIT;
	assert_int_equal(ts_logs_read(root, "web", 50, &all, NULL), 0);
	assert_int_equal(all.n, 10);
	for (int i = 0; i < 10; i++) {
		snprintf(detail, sizeof(detail), "%d", i);
		assert_entry(all.items[i], T0 + i, "web", detail);
	}

	_cleanup_strv_ struct ts_strv none = TS_STRV_INIT;
	assert_int_equal(ts_logs_read(root, "web", 0, &none, NULL), 0);
	assert_int_equal(none.n, 0);
}

static void test_logs_skips_garbage(void **state)
{
	const char *root = *state;
	_cleanup_free_ char *dir = make_container(root, "web");
	_cleanup_free_ char *path = ts_xasprintf("%s/audit.jsonl", dir);
	const char *junk = "not json\n[1,2]\n\"str\"\n42\n{\"ts\":\n\xff{}\n";
	char detail[16];

	for (int i = 0; i < 10; i++) {
		snprintf(detail, sizeof(detail), "%d", i);
		append_entry(dir, T0 + i, "web", detail);
		assert_int_equal(ts_file_append(path, junk, strlen(junk), 0600, NULL), 0);
	}
	/* A long garbage run at the end, then a torn last line. */
	for (int i = 0; i < 200; i++) {
		char line[32];
		snprintf(line, sizeof(line), "garbage %d\n", i);
		assert_int_equal(ts_file_append(path, line, strlen(line), 0600, NULL), 0);
	}
	assert_int_equal(ts_file_append(path, "{\"ts\":\"2030", 11, 0600, NULL), 0);

	for (size_t n = 1; n <= 12; n++) {
		_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;
		size_t want = n < 10 ? n : 10;
		assert_int_equal(ts_logs_read(root, "web", n, &lines, NULL), 0);
		assert_int_equal(lines.n, want);
		for (size_t i = 0; i < want; i++) {
			int k = (int)(10 - want + i);
			snprintf(detail, sizeof(detail), "%d", k);
			assert_entry(lines.items[i], T0 + k, "web", detail);
		}
	}
}

static void test_logs_all_merged(void **state)
{
	const char *root = *state;
	_cleanup_free_ char *c = make_container(root, "c");
	_cleanup_free_ char *b = make_container(root, "b");
	_cleanup_free_ char *a = make_container(root, "a");
	_cleanup_free_ char *bad = make_container(root, "-bad");
	_cleanup_free_ char *file = ts_xasprintf("%s/containers/zfile", root);
	_cleanup_free_ char *link = ts_xasprintf("%s/containers/link", root);

	/* Equal timestamps inside "a" keep file order ("y" before "x"). */
	append_entry(a, T0, "a", "a1");
	append_entry(a, T0 + 2, "a", "y");
	append_entry(a, T0 + 2, "a", "x");
	append_entry(b, T0 + 1, "b", "b1");
	append_entry(b, T0 + 2, "b", "b2");
	append_entry(b, T0 + 5, "b", "b3");
	append_entry(c, T0 + 2, "c", "c1");
	append_entry(c, T0 + 3, "c", "c2");
	/* Not containers: an invalid name, a plain file, a symlink to a container. */
	append_entry(bad, T0 + 4, "-bad", "bad");
	write_text(file, "{\"ts\":\"2026-11-24T10:00:04+00:00\"}\n");
	assert_int_equal(symlink(a, link), 0);

	_cleanup_strv_ struct ts_strv all = TS_STRV_INIT;
	assert_int_equal(ts_logs_read(root, NULL, 100, &all, NULL), 0);
	assert_int_equal(all.n, 8);
	assert_entry(all.items[0], T0, "a", "a1");
	assert_entry(all.items[1], T0 + 1, "b", "b1");
	assert_entry(all.items[2], T0 + 2, "a", "y");
	assert_entry(all.items[3], T0 + 2, "a", "x");
	assert_entry(all.items[4], T0 + 2, "b", "b2");
	assert_entry(all.items[5], T0 + 2, "c", "c1");
	assert_entry(all.items[6], T0 + 3, "c", "c2");
	assert_entry(all.items[7], T0 + 5, "b", "b3");

	_cleanup_strv_ struct ts_strv last4 = TS_STRV_INIT;
	assert_int_equal(ts_logs_read(root, NULL, 4, &last4, NULL), 0);
	assert_int_equal(last4.n, 4);
	assert_entry(last4.items[0], T0 + 2, "b", "b2");
	assert_entry(last4.items[1], T0 + 2, "c", "c1");
	assert_entry(last4.items[2], T0 + 3, "c", "c2");
	assert_entry(last4.items[3], T0 + 5, "b", "b3");

	_cleanup_strv_ struct ts_strv none = TS_STRV_INIT;
	assert_int_equal(ts_logs_read(root, NULL, 0, &none, NULL), 0);
	assert_int_equal(none.n, 0);
}

static void test_logs_missing(void **state)
{
	const char *root = *state;
	_cleanup_free_ char *absent = ts_xasprintf("%s/absent", root);
	_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;

	assert_int_equal(ts_logs_read(absent, NULL, 50, &lines, NULL), 0);
	assert_int_equal(ts_logs_read(absent, "web", 50, &lines, NULL), 0);
	/* Root present, no containers directory; container without a log. */
	assert_int_equal(ts_logs_read(root, NULL, 50, &lines, NULL), 0);
	free(make_container(root, "web"));
	assert_int_equal(ts_logs_read(root, "web", 50, &lines, NULL), 0);
	assert_int_equal(ts_logs_read(root, NULL, 50, &lines, NULL), 0);
	assert_int_equal(lines.n, 0);
}

static void test_logs_invalid_container(void **state)
{
	const char *root = *state;
	const char *names[] = { "", "../web", "a/b", "-web", ".hidden", "we b" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;
		struct ts_error err = { 0 };
		assert_int_equal(ts_logs_read(root, names[i], 50, &lines, &err), -EINVAL);
		assert_int_equal(err.code, EINVAL);
		assert_true(err.message[0] != '\0');
		assert_int_equal(lines.n, 0);
	}
}

static void test_logs_refuses_symlink(void **state)
{
	const char *root = *state;
	_cleanup_free_ char *dir = make_container(root, "web");
	_cleanup_free_ char *path = ts_xasprintf("%s/audit.jsonl", dir);
	_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;
	struct ts_error err = { 0 };

	append_entry(root, T0, "web", "elsewhere");
	assert_int_equal(symlink("../../audit.jsonl", path), 0);
	assert_int_equal(ts_logs_read(root, "web", 50, &lines, &err), -ELOOP);
	assert_int_equal(err.code, ELOOP);
	assert_int_equal(ts_logs_read(root, NULL, 50, &lines, NULL), -ELOOP);
	assert_int_equal(lines.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_full),
		cmocka_unit_test(test_format_omits_empty),
		cmocka_unit_test(test_format_escapes),
		cmocka_unit_test(test_format_invalid_utf8),
		cmocka_unit_test(test_format_utf8_exhaustive),
		cmocka_unit_test(test_format_unrepresentable_time),
		cmocka_unit_test_setup_teardown(test_log_appends_lines, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_log_disabled, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_log_failure_is_a_warning, setup_tmpdir,
						teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_log_missing_dir, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_log_refuses_symlink, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_log_concurrent, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_logs_one_container, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_logs_skips_garbage, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_logs_all_merged, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_logs_missing, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_logs_invalid_container, setup_tmpdir,
						teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_logs_refuses_symlink, setup_tmpdir,
						teardown_tmpdir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
