/* SPDX-License-Identifier: Apache-2.0 */
/* Following a log file: new lines only, partial lines, truncation, rotation, absence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <unistd.h>

#include "base/strv.h"
#include "base/tail.h"
#include "base/util.h"
#include "test-helpers.h"

static void collect(const char *line, void *arg)
{
	ts_strv_push(arg, line);
}

static void append(const char *dir, const char *name, const char *text)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "a");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_new_lines_only(void **state)
{
	(void)state;
	char *dir = scratch_dir();
	write_text(dir, "log", "old 1\nold 2\n");
	char *path = ts_xasprintf("%s/log", dir);
	struct ts_tail t;
	struct ts_strv lines = TS_STRV_INIT;
	ts_tail_init(&t, path, true);
	assert_int_equal(ts_tail_poll(&t, collect, &lines), 0);
	append(dir, "log", "new 1\nnew");
	assert_int_equal(ts_tail_poll(&t, collect, &lines), 1);
	append(dir, "log", " 2\n");
	assert_int_equal(ts_tail_poll(&t, collect, &lines), 1);
	assert_int_equal(lines.n, 2);
	assert_string_equal(lines.items[0], "new 1");
	assert_string_equal(lines.items[1], "new 2");
	ts_strv_clear(&lines);
	ts_tail_clear(&t);
	free(path);
	scratch_remove(dir);
}

static void test_from_start_truncation_rotation(void **state)
{
	(void)state;
	char *dir = scratch_dir();
	char *path = ts_xasprintf("%s/log", dir);
	struct ts_tail t;
	struct ts_strv lines = TS_STRV_INIT;
	/* Missing at first: nothing, then picked up once it appears. */
	ts_tail_init(&t, path, true);
	assert_int_equal(ts_tail_poll(&t, collect, &lines), 0);
	write_text(dir, "log", "a\nb\n");
	assert_int_equal(ts_tail_poll(&t, collect, &lines), 2);
	/* Truncated and rewritten shorter: read again from the start. */
	write_text(dir, "log", "c\n");
	assert_int_equal(ts_tail_poll(&t, collect, &lines), 1);
	/* Rotated: a new file at the path. */
	char *old = ts_xasprintf("%s/log.1", dir);
	assert_int_equal(rename(path, old), 0);
	write_text(dir, "log", "d\ne\n");
	assert_int_equal(ts_tail_poll(&t, collect, &lines), 2);
	assert_int_equal(lines.n, 5);
	assert_string_equal(lines.items[2], "c");
	assert_string_equal(lines.items[4], "e");
	ts_strv_clear(&lines);
	ts_tail_clear(&t);
	free(old);
	free(path);
	scratch_remove(dir);
}

static void test_long_line_cut(void **state)
{
	(void)state;
	char *dir = scratch_dir();
	char *path = ts_xasprintf("%s/log", dir);
	write_text(dir, "log", "");
	struct ts_tail t;
	struct ts_strv lines = TS_STRV_INIT;
	ts_tail_init(&t, path, true);
	char *big = calloc(1, 3 * TS_TAIL_LINE_MAX + 2);
	memset(big, 'x', 3 * TS_TAIL_LINE_MAX);
	big[3 * TS_TAIL_LINE_MAX] = '\n';
	append(dir, "log", big);
	append(dir, "log", "short\n");
	assert_int_equal(ts_tail_poll(&t, collect, &lines), 2);
	assert_int_equal(strlen(lines.items[0]), TS_TAIL_LINE_MAX);
	assert_string_equal(lines.items[1], "short");
	ts_strv_clear(&lines);
	ts_tail_clear(&t);
	free(big);
	free(path);
	scratch_remove(dir);
}

static void test_symlink_not_followed(void **state)
{
	(void)state;
	char *dir = scratch_dir();
	write_text(dir, "target", "secret\n");
	char *target = ts_xasprintf("%s/target", dir), *path = ts_xasprintf("%s/log", dir);
	assert_int_equal(symlink(target, path), 0);
	struct ts_tail t;
	struct ts_strv lines = TS_STRV_INIT;
	ts_tail_init(&t, path, false);
	assert_int_equal(ts_tail_poll(&t, collect, &lines), 0);
	ts_tail_clear(&t);
	free(target);
	free(path);
	scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_lines_only),
		cmocka_unit_test(test_from_start_truncation_rotation),
		cmocka_unit_test(test_long_line_cut),
		cmocka_unit_test(test_symlink_not_followed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
