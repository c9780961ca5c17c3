/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <sys/stat.h>

#include "base/fileio.h"
#include "base/util.h"
#include "test-helpers.h"

static int setup(void **state)
{
	*state = scratch_dir();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	scratch_remove(*state);
	return 0;
}

static char *path_in(const char *dir, const char *name)
{
	return ts_xasprintf("%s/%s", dir, name);
}

static size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."));
	closedir(d);
	return n;
}

static void test_atomic_write_and_read(void **state)
{
	const char *dir = *state;
	char *p = path_in(dir, "f");
	assert_int_equal(ts_file_write_atomic(p, "one\n", 4, 0600, NULL), 0);
	assert_int_equal(ts_file_write_atomic(p, "two\n", 4, 0640, NULL), 0);
	char *data = NULL;
	size_t len = 0;
	assert_int_equal(ts_file_read(p, &data, &len, NULL), 0);
	assert_string_equal(data, "two\n");
	assert_int_equal(len, 4);
	struct stat st;
	stat(p, &st);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(count_entries(dir), 1); /* no temp file left behind */
	free(data);
	free(p);
}

static void test_missing(void **state)
{
	const char *dir = *state;
	char *p = path_in(dir, "nope");
	char *data = NULL;
	struct ts_strv v = TS_STRV_INIT;
	assert_int_equal(ts_file_read(p, &data, NULL, NULL), -ENOENT);
	assert_int_equal(ts_file_read_lines(p, &v, NULL), 0);
	assert_int_equal(v.n, 0);
	assert_int_equal(ts_file_tail_lines(p, 5, &v, NULL), 0);
	assert_int_equal(v.n, 0);
	free(p);
}

static void test_symlink_replaced_not_followed(void **state)
{
	const char *dir = *state;
	char *target = path_in(dir, "target"), *link = path_in(dir, "link");
	write_text(dir, "target", "keep\n");
	assert_int_equal(symlink(target, link), 0);
	char *data = NULL;
	struct ts_error err = { 0 };
	assert_int_equal(ts_file_read(link, &data, NULL, &err), -ELOOP);
	assert_int_equal(ts_file_append(link, "x\n", 2, 0600, NULL), -ELOOP);
	/* An atomic write replaces the link itself; the target stays intact. */
	assert_int_equal(ts_file_write_atomic(link, "new\n", 4, 0600, NULL), 0);
	char *kept = read_text(dir, "target");
	assert_string_equal(kept, "keep\n");
	struct stat st;
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	free(kept), free(target), free(link);
}

static void test_fifo_refused(void **state)
{
	const char *dir = *state;
	char *p = path_in(dir, "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	char *data = NULL;
	assert_int_equal(ts_file_read(p, &data, NULL, NULL), -EINVAL);
	free(p);
}

static void test_write_failure_leaves_old(void **state)
{
	const char *dir = *state;
	char *p = path_in(dir, "sub/f");
	struct ts_error err = { 0 };
	assert_true(ts_file_write_atomic(p, "x", 1, 0600, &err) < 0);
	assert_non_null(strstr(err.message, "sub/f"));
	free(p);
}

static void test_lines(void **state)
{
	const char *dir = *state;
	char *p = path_in(dir, "l");
	write_text(dir, "l", " a \r\n\n\tb\nc");
	struct ts_strv v = TS_STRV_INIT;
	assert_int_equal(ts_file_read_lines(p, &v, NULL), 0);
	assert_int_equal(v.n, 3);
	assert_string_equal(v.items[0], "a");
	assert_string_equal(v.items[1], "b");
	assert_string_equal(v.items[2], "c");
	char *out = path_in(dir, "out");
	assert_int_equal(ts_file_write_lines(out, &v, 0600, NULL), 0);
	char *text = read_text(dir, "out");
	assert_string_equal(text, "a\nb\nc\n");
	ts_strv_clear(&v);
	free(text), free(out), free(p);
}

/* A NUL block (crash debris) must not hide the lines after it. */
static void test_nul_bytes_do_not_hide_lines(void **state)
{
	const char *dir = *state;
	char *p = path_in(dir, "nul");
	FILE *f = fopen(p, "w");
	fwrite("old1\nold2\n\0\0\0\0\nnew1\nnew2\n", 1, 26, f);
	fclose(f);
	struct ts_strv v = TS_STRV_INIT;
	assert_int_equal(ts_file_read_lines(p, &v, NULL), 0);
	assert_int_equal(v.n, 4);
	assert_string_equal(v.items[3], "new2");
	ts_strv_clear(&v);
	assert_int_equal(ts_file_tail_lines(p, 2, &v, NULL), 0);
	assert_int_equal(v.n, 2);
	assert_string_equal(v.items[0], "new1");
	assert_string_equal(v.items[1], "new2");
	ts_strv_clear(&v);
	free(p);
}

static void test_tail(void **state)
{
	const char *dir = *state;
	char *p = path_in(dir, "big");
	FILE *f = fopen(p, "w");
	for (int i = 0; i < 100000; i++)
		fprintf(f, "line %d with some padding to make it longer\n", i);
	fclose(f);
	struct ts_strv v = TS_STRV_INIT;
	assert_int_equal(ts_file_tail_lines(p, 3, &v, NULL), 0);
	assert_int_equal(v.n, 3);
	assert_string_equal(v.items[0], "line 99997 with some padding to make it longer");
	assert_string_equal(v.items[2], "line 99999 with some padding to make it longer");
	ts_strv_clear(&v);
	/* More lines than one window holds. */
	assert_int_equal(ts_file_tail_lines(p, 5000, &v, NULL), 0);
	assert_int_equal(v.n, 5000);
	assert_string_equal(v.items[0], "line 95000 with some padding to make it longer");
	ts_strv_clear(&v);
	/* Asking for more than exist returns all, oldest first. */
	write_text(dir, "small", "x\n\ny\n");
	char *s = path_in(dir, "small");
	assert_int_equal(ts_file_tail_lines(s, 10, &v, NULL), 0);
	assert_int_equal(v.n, 2);
	assert_string_equal(v.items[0], "x");
	ts_strv_clear(&v);
	free(s), free(p);
}

static void expect_content(const char *path, const char *want)
{
	char *text = NULL;
	assert_int_equal(ts_file_read(path, &text, NULL, NULL), 0);
	assert_string_equal(text, want);
	free(text);
}

/* A batch: nothing visible before commit, everything after, no temporary left either way. */
static void test_batch(void **state)
{
	const char *dir = *state;
	char *a = path_in(dir, "a"), *b = path_in(dir, "b");
	assert_int_equal(ts_file_write_atomic(a, "old a\n", 6, 0600, NULL), 0);
	struct ts_file_batch batch = { 0 };
	struct ts_strv lines = TS_STRV_INIT;
	ts_strv_push(&lines, "1.2.3.4");
	ts_strv_push(&lines, "5.6.7.8");
	assert_int_equal(ts_file_batch_add_lines(&batch, a, &lines, 0600, NULL), 0);
	assert_int_equal(ts_file_batch_add(&batch, b, "new b", 5, 0640, NULL), 0);
	char *text = NULL;
	expect_content(a, "old a\n");
	assert_int_equal(ts_file_read(b, &text, NULL, NULL), -ENOENT);
	assert_int_equal(ts_file_batch_commit(&batch, NULL), 0);
	expect_content(a, "1.2.3.4\n5.6.7.8\n");
	expect_content(b, "new b");
	struct stat st;
	assert_int_equal(stat(b, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(count_entries(dir), 2);

	/* Aborted: the old files stay, the temporaries go. */
	assert_int_equal(ts_file_batch_add(&batch, a, "x", 1, 0600, NULL), 0);
	ts_file_batch_abort(&batch);
	expect_content(a, "1.2.3.4\n5.6.7.8\n");
	assert_int_equal(count_entries(dir), 2);

	/* A rename that fails (the target is a directory) drops the rest, keeps what was renamed. */
	char *c = path_in(dir, "c");
	assert_int_equal(mkdir(c, 0700), 0);
	assert_int_equal(ts_file_batch_add(&batch, a, "A", 1, 0600, NULL), 0);
	assert_int_equal(ts_file_batch_add(&batch, c, "C", 1, 0600, NULL), 0);
	assert_int_equal(ts_file_batch_add(&batch, b, "B", 1, 0600, NULL), 0);
	struct ts_error err = { 0 };
	assert_true(ts_file_batch_commit(&batch, &err) < 0);
	assert_non_null(strstr(err.message, "/c: write failed"));
	expect_content(a, "A");
	expect_content(b, "new b");
	assert_int_equal(count_entries(dir), 3);

	/* Bounded. */
	for (int i = 0; i < TS_FILE_BATCH_MAX; i++)
		assert_int_equal(ts_file_batch_add(&batch, a, "x", 1, 0600, NULL), 0);
	assert_int_equal(ts_file_batch_add(&batch, a, "x", 1, 0600, NULL), -E2BIG);
	ts_file_batch_abort(&batch);
	assert_int_equal(count_entries(dir), 3);
	ts_strv_clear(&lines);
	free(a);
	free(b);
	free(c);
}

static void test_append(void **state)
{
	const char *dir = *state;
	char *p = path_in(dir, "log");
	assert_int_equal(ts_file_append(p, "a\n", 2, 0600, NULL), 0);
	assert_int_equal(ts_file_append(p, "b\n", 2, 0600, NULL), 0);
	char *text = read_text(dir, "log");
	assert_string_equal(text, "a\nb\n");
	struct stat st;
	stat(p, &st);
	assert_int_equal(st.st_mode & 0777, 0600);
	free(text), free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_atomic_write_and_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_replaced_not_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure_leaves_old, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_bytes_do_not_hide_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
