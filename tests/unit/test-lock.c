/* SPDX-License-Identifier: Apache-2.0 */
/* The bundle lock: exclusive between processes, and nothing lost under it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/util.h"
#include "bundle/lock.h"
#include "bundle/state.h"
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

static void test_lock_serialises(void **state)
{
	const char *dir = *state;
	int fd = ts_bundle_lock(dir, NULL);
	assert_true(fd >= 0);
	/* Another process cannot take it while we hold it. */
	pid_t pid = fork();
	if (pid == 0) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/bundle.lock", dir);
		int other = open(path, O_RDWR);
		_exit(flock(other, LOCK_EX | LOCK_NB) == 0 ? 1 : 0);
	}
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
	fd = ts_bundle_lock(dir, NULL);
	assert_true(fd >= 0);
	close(fd);
}

/* 16 processes × 25 locked read-modify-write appends: nothing may be lost. */
static void test_locked_rmw_is_lossless(void **state)
{
	const char *dir = *state;
	char path[4096];
	snprintf(path, sizeof(path), "%s/live.allowed", dir);
	for (int p = 0; p < 16; p++) {
		if (fork() != 0)
			continue;
		for (int i = 0; i < 25; i++) {
			int fd = ts_bundle_lock(dir, NULL);
			struct ts_strv v = TS_STRV_INIT;
			ts_file_read_lines(path, &v, NULL);
			ts_strv_push_take(&v, ts_xasprintf("10.%d.%d.1", p, i));
			int r = ts_file_write_lines(path, &v, 0600, NULL);
			ts_strv_clear(&v);
			close(fd);
			if (r < 0)
				_exit(1);
		}
		_exit(0);
	}
	int status, failures = 0;
	while (wait(&status) > 0)
		failures += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(failures, 0);
	struct ts_strv v = TS_STRV_INIT;
	assert_int_equal(ts_read_allowed_ips(dir, &v, NULL), 0);
	assert_int_equal(v.n, 400);
	ts_strv_clear(&v);
}

/* The lock file is never opened through a symbolic link. */
static void test_lock_refuses_symlink(void **state)
{
	const char *dir = *state;
	char path[4096], target[4096];
	snprintf(path, sizeof(path), "%s/bundle.lock", dir);
	snprintf(target, sizeof(target), "%s/elsewhere", dir);
	assert_int_equal(symlink(target, path), 0);
	struct ts_error err = { 0 };
	assert_int_equal(ts_bundle_lock(dir, &err), -ELOOP);
	assert_non_null(strstr(err.message, "bundle.lock"));
	assert_int_equal(access(target, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lock_serialises, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked_rmw_is_lossless, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_refuses_symlink, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
