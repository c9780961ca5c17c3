/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tests drive sh to get children with precise behaviour; the product
 * itself never runs a shell.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "base/process.h"
#include "base/util.h"
#include "test-helpers.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ts_run_wait on `sh -c script`; the exit status, *errors set on success. */
static int run_sh(const char *script, char **errors, struct ts_error *err)
{
	const char *argv[] = { "sh", "-c", script, NULL };
	*errors = NULL;
	return ts_run_wait(argv, errors, err);
}

static void test_exit_status(void **state)
{
	(void)state;
	char *errors = NULL;
	struct ts_error err = { 0 };
	assert_int_equal(run_sh("exit 3", &errors, &err), 3);
	assert_non_null(errors);
	assert_string_equal(errors, "");
	free(errors);
	assert_int_equal(run_sh("exit 0", &errors, &err), 0);
	assert_string_equal(errors, "");
	free(errors);
	assert_int_equal(run_sh("exit 255", &errors, &err), 255);
	free(errors);
}

static void test_stderr_captured(void **state)
{
	(void)state;
	char *errors = NULL;
	struct ts_error err = { 0 };
	assert_int_equal(run_sh("echo oops >&2; exit 1", &errors, &err), 1);
	assert_string_equal(errors, "oops\n");
	free(errors);
}

static void test_stdout_discarded(void **state)
{
	(void)state;
	char *errors = NULL;
	struct ts_error err = { 0 };
	assert_int_equal(run_sh("echo out; echo err >&2; echo out2", &errors, &err), 0);
	assert_string_equal(errors, "err\n");
	free(errors);
}

static void test_stdin_is_dev_null(void **state)
{
	(void)state;
	/* Give the test a stdin with a line waiting, which the child must not see. */
	int pipefd[2];
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(write(pipefd[1], "line\n", 5), 5);
	close(pipefd[1]);
	int saved = dup(0);
	assert_true(saved >= 0);
	assert_int_equal(dup2(pipefd[0], 0), 0);
	close(pipefd[0]);

	char *errors = NULL, *out = NULL;
	struct ts_error err = { 0 };
	int r = run_sh("if read x; then exit 1; fi; exit 4", &errors, &err);
	const char *argv[] = { "sh", "-c", "if read x; then echo \"$x\"; exit 1; fi; exit 4", NULL };
	int rc = ts_run_capture(argv, &out, &err);

	dup2(saved, 0);
	close(saved);
	assert_int_equal(r, 4);
	assert_int_equal(rc, 4);
	assert_string_equal(out, "");
	free(errors);
	free(out);
}

static void test_daemon_does_not_delay(void **state)
{
	(void)state;
	char *errors = NULL;
	struct ts_error err = { 0 };
	/* The background sleep inherits stderr and keeps the pipe open. */
	double start = now();
	int r = run_sh("sleep 3 & echo $! >&2; echo started >&2; exit 0", &errors, &err);
	double elapsed = now() - start;
	pid_t daemon = errors ? (pid_t)atoi(errors) : 0;
	if (daemon > 0)
		kill(daemon, SIGKILL);
	if (r != 0)
		fail_msg("returned %d: %s", r, err.message);
	assert_true(daemon > 0);
	assert_non_null(strstr(errors, "\nstarted\n"));
	if (elapsed >= 1.0)
		fail_msg("took %.2f s: waited for the daemon's stderr", elapsed);
	free(errors);
}

static void test_missing_program(void **state)
{
	(void)state;
	/*
	 * A PATH entry we may not search turns the lookup's ENOENT into EACCES
	 * (execvp semantics), so search a PATH every user can read.
	 */
	char *old_path = getenv("PATH") ? ts_xstrdup(getenv("PATH")) : NULL;
	setenv("PATH", "/usr/bin:/bin", 1);
	const char *names[] = { "terok-shield-test-no-such-program", "/nonexistent/terok-shield-test" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const char *argv[] = { names[i], "--version", NULL };
		char *errors = (char *)"untouched";
		struct ts_error err = { 0 };
		assert_int_equal(ts_run_wait(argv, &errors, &err), -ENOENT);
		assert_int_equal(err.code, ENOENT);
		assert_non_null(strstr(err.message, names[i]));
		assert_string_equal(errors, "untouched");

		char *out = (char *)"untouched";
		err = (struct ts_error){ 0 };
		assert_int_equal(ts_run_capture(argv, &out, &err), -ENOENT);
		assert_int_equal(err.code, ENOENT);
		assert_string_equal(out, "untouched");
	}
	if (old_path)
		setenv("PATH", old_path, 1);
	else
		unsetenv("PATH");
	free(old_path);
}

static void test_large_stderr_truncated(void **state)
{
	(void)state;
	char *errors = NULL;
	struct ts_error err = { 0 };
	double start = now();
	int r = run_sh("head -c 200000 /dev/zero | tr '\\0' x >&2; echo done >&2; exit 5", &errors,
		       &err);
	double elapsed = now() - start;
	if (r != 5)
		fail_msg("returned %d: %s", r, err.message);
	size_t len = strlen(errors);
	assert_true(len >= 4096);
	assert_true(len <= 8192);
	/* The start is kept, the rest dropped. */
	assert_int_equal(strspn(errors, "x"), len);
	assert_true(elapsed < 5.0);
	free(errors);
}

static void test_killed_by_signal(void **state)
{
	(void)state;
	char *errors = (char *)"untouched";
	struct ts_error err = { 0 };
	const char *argv[] = { "sh", "-c", "echo dying >&2; kill -9 $$", NULL };
	int r = ts_run_wait(argv, &errors, &err);
	assert_true(r < 0);
	assert_int_equal(err.code, -r);
	assert_non_null(strstr(err.message, "signal 9"));
	assert_null(errors);
}

static void test_capture_stdout(void **state)
{
	(void)state;
	const char *argv[] = { "sh", "-c", "echo hello; echo noise >&2; printf 'a\\nb'; exit 2", NULL };
	char *out = NULL;
	struct ts_error err = { 0 };
	assert_int_equal(ts_run_capture(argv, &out, &err), 2);
	assert_string_equal(out, "hello\na\nb");
	free(out);

	const char *quiet[] = { "true", NULL };
	out = NULL;
	assert_int_equal(ts_run_capture(quiet, &out, &err), 0);
	assert_non_null(out);
	assert_string_equal(out, "");
	free(out);
}

static void test_capture_large_stdout(void **state)
{
	(void)state;
	const char *argv[] = { "sh", "-c", "head -c 300000 /dev/zero | tr '\\0' y", NULL };
	char *out = NULL;
	struct ts_error err = { 0 };
	assert_int_equal(ts_run_capture(argv, &out, &err), 0);
	assert_int_equal(strlen(out), 300000);
	assert_int_equal(strspn(out, "y"), 300000);
	free(out);
}

static void test_capture_errors(void **state)
{
	(void)state;
	const char *argv[] = { "sh", "-c", "echo out; echo 'Error: no' >&2; echo out2; exit 125", NULL };
	char *out = NULL, *errors = NULL;
	struct ts_error err = { 0 };
	assert_int_equal(ts_run_capture_errors(argv, &out, &errors, &err), 125);
	assert_string_equal(out, "out\nout2\n");
	assert_string_equal(errors, "Error: no\n");
	free(out);
	free(errors);
}

/* Much of both at once: neither pipe may fill up and stall the child. */
static void test_capture_errors_both_large(void **state)
{
	(void)state;
	const char *argv[] = { "sh", "-c",
			       "head -c 200000 /dev/zero | tr '\\0' e >&2; "
			       "head -c 300000 /dev/zero | tr '\\0' o; "
			       "head -c 200000 /dev/zero | tr '\\0' e >&2; exit 1", NULL };
	char *out = NULL, *errors = NULL;
	struct ts_error err = { 0 };
	double start = now();
	assert_int_equal(ts_run_capture_errors(argv, &out, &errors, &err), 1);
	assert_true(now() - start < 10.0);
	assert_int_equal(strlen(out), 300000);
	assert_int_equal(strspn(out, "o"), 300000);
	/* The start of stderr is kept, bounded. */
	size_t len = strlen(errors);
	assert_true(len >= 4096 && len <= 8192);
	assert_int_equal(strspn(errors, "e"), len);
	free(out);
	free(errors);
}

/* A daemon the child leaves behind with stderr open does not hold the caller. */
static void test_capture_errors_daemon(void **state)
{
	(void)state;
	const char *argv[] = { "sh", "-c", "(exec >/dev/null; sleep 5) & echo started", NULL };
	char *out = NULL, *errors = NULL;
	struct ts_error err = { 0 };
	double start = now();
	assert_int_equal(ts_run_capture_errors(argv, &out, &errors, &err), 0);
	assert_true(now() - start < 3.0);
	assert_string_equal(out, "started\n");
	free(out);
	free(errors);
}

static void test_capture_errors_not_found(void **state)
{
	(void)state;
	const char *argv[] = { "terok-shield-no-such-program", NULL };
	char *out = (char *)"untouched", *errors = (char *)"untouched";
	struct ts_error err = { 0 };
	assert_int_equal(ts_run_capture_errors(argv, &out, &errors, &err), -ENOENT);
	assert_string_equal(out, "untouched");
	assert_string_equal(errors, "untouched");
}

/*
 * ts_run_start/finish: the child runs to its end while the caller does
 * nothing with it, however much it prints (more than a pipe holds), and
 * finish gives what ts_run_capture_errors gives.
 */
static void test_background_run(void **state)
{
	(void)state;
	const char *argv[] = { "sh", "-c",
			       "head -c 300000 /dev/zero | tr '\\0' o; "
			       "head -c 200000 /dev/zero | tr '\\0' e >&2; echo done > \"$0\"; exit 3",
			       NULL, NULL };
	char *dir = scratch_dir();
	char *marker = ts_xasprintf("%s/done", dir);
	argv[3] = marker;
	struct ts_run run;
	struct ts_error err = { 0 };
	assert_int_equal(ts_run_start(argv, &run, &err), 0);
	/* Nobody reads its output, yet it finishes. */
	double start = now();
	while (access(marker, F_OK) != 0 && now() - start < 10.0)
		usleep(10000);
	assert_int_equal(access(marker, F_OK), 0);
	char *out = NULL, *errors = NULL;
	assert_int_equal(ts_run_finish(&run, &out, &errors, &err), 3);
	assert_int_equal(strlen(out), 300000);
	assert_int_equal(strspn(out, "o"), 300000);
	size_t len = strlen(errors);
	assert_true(len >= 4096 && len <= 8192);
	assert_int_equal(strspn(errors, "e"), len);
	assert_int_equal(run.out_fd, -1);
	free(out);
	free(errors);

	/* Without errors, and a child killed by a signal. */
	const char *quiet[] = { "sh", "-c", "echo hi", NULL };
	assert_int_equal(ts_run_start(quiet, &run, &err), 0);
	assert_int_equal(ts_run_finish(&run, &out, NULL, &err), 0);
	assert_string_equal(out, "hi\n");
	free(out);
	const char *killed[] = { "sh", "-c", "kill -9 $$", NULL };
	assert_int_equal(ts_run_start(killed, &run, &err), 0);
	assert_int_equal(ts_run_finish(&run, &out, &errors, &err), -EINTR);
	assert_non_null(strstr(err.message, "killed by signal 9"));

	const char *missing[] = { "terok-shield-no-such-program", NULL };
	assert_int_equal(ts_run_start(missing, &run, &err), -ENOENT);
	free(marker);
	scratch_remove(dir);
}

/* Read fd to its end (a test's small output). */
static char *read_all(int fd)
{
	static char buf[4096];
	size_t len = 0;
	ssize_t n;
	while (len < sizeof(buf) - 1 && (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return buf;
}

static int wait_status(pid_t pid)
{
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/*
 * ts_spawn: each standard descriptor as asked (one of ours, /dev/null, or
 * inherited), nothing else passed on even without close-on-exec, and
 * signals the caller ignores or blocks back to their defaults.
 */
static void test_spawn_descriptors(void **state)
{
	(void)state;
	int in[2], out[2], errp[2];
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(errp), 0);
	int leaked = dup(in[0]); /* no close-on-exec */
	int saved_stderr = dup(STDERR_FILENO);
	dup2(errp[1], STDERR_FILENO); /* what the child inherits as stderr */
	close(errp[1]);
	sigset_t blocked, old;
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGTERM);
	sigprocmask(SIG_BLOCK, &blocked, &old);
	signal(SIGINT, SIG_IGN);

	char script[512];
	snprintf(script, sizeof(script),
		 "read line; echo \"got $line\"; echo to-stderr >&2; "
		 "[ -e /proc/self/fd/%d ] && echo leaked; "
		 "blk=$(sed -n 's/^SigBlk:[[:space:]]*//p' /proc/$$/status); "
		 "ign=$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/$$/status); "
		 "[ $((0x$blk & 0x4000)) -eq 0 ] || echo SIGTERM blocked; "
		 "[ $((0x$ign & 0x2)) -eq 0 ] || echo SIGINT ignored",
		 leaked);
	const char *argv[] = { "sh", "-c", script, NULL };
	pid_t pid;
	struct ts_error err = { 0 };
	int r = ts_spawn(argv, (const int[3]){ in[0], out[1], TS_SPAWN_INHERIT }, &pid, &err);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGINT, SIG_DFL);
	assert_int_equal(r, 0);
	close(in[0]);
	close(out[1]);
	close(leaked);
	assert_int_equal(write(in[1], "hello\n", 6), 6);
	close(in[1]);
	assert_string_equal(read_all(out[0]), "got hello\n");
	close(out[0]);
	assert_int_equal(wait_status(pid), 0);
	assert_string_equal(read_all(errp[0]), "to-stderr\n");
	close(errp[0]);

	/* TS_SPAWN_NULL: reads see an end at once, writes vanish. */
	assert_int_equal(pipe(out), 0);
	const char *cat[] = { "sh", "-c", "cat; echo done; echo gone >&2", NULL };
	assert_int_equal(ts_spawn(cat, (const int[3]){ TS_SPAWN_NULL, out[1], TS_SPAWN_NULL }, &pid,
				  &err), 0);
	close(out[1]);
	assert_string_equal(read_all(out[0]), "done\n");
	close(out[0]);
	assert_int_equal(wait_status(pid), 0);
}

static void test_spawn_missing_program(void **state)
{
	(void)state;
	const char *argv[] = { "/nonexistent/program", NULL };
	pid_t pid = 0;
	struct ts_error err = { 0 };
	assert_int_equal(ts_spawn(argv, (const int[3]){ TS_SPAWN_NULL, TS_SPAWN_NULL, TS_SPAWN_NULL },
				  &pid, &err), -ENOENT);
	assert_string_equal(err.message, "/nonexistent/program: not found");
	assert_int_equal(pid, 0);
}

/* pidfd helpers: a signal reaches the process, and the wait sees it end (or times out). */
static void test_pidfd_signal_wait(void **state)
{
	(void)state;
	const char *argv[] = { "sleep", "30", NULL };
	pid_t pid;
	struct ts_error err = { 0 };
	assert_int_equal(ts_spawn(argv, (const int[3]){ TS_SPAWN_NULL, TS_SPAWN_NULL, TS_SPAWN_NULL },
				  &pid, &err), 0);
	int pidfd = ts_pidfd_open(pid);
	assert_true(pidfd >= 0);
	assert_false(ts_pidfd_wait(pidfd, 10));
	assert_int_equal(ts_pidfd_signal(pidfd, SIGTERM), 0);
	assert_true(ts_pidfd_wait(pidfd, -1));
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	close(pidfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_stderr_captured),
		cmocka_unit_test(test_stdout_discarded),
		cmocka_unit_test(test_stdin_is_dev_null),
		cmocka_unit_test(test_daemon_does_not_delay),
		cmocka_unit_test(test_missing_program),
		cmocka_unit_test(test_large_stderr_truncated),
		cmocka_unit_test(test_killed_by_signal),
		cmocka_unit_test(test_capture_stdout),
		cmocka_unit_test(test_capture_large_stdout),
		cmocka_unit_test(test_capture_errors),
		cmocka_unit_test(test_capture_errors_both_large),
		cmocka_unit_test(test_capture_errors_daemon),
		cmocka_unit_test(test_capture_errors_not_found),
		cmocka_unit_test(test_background_run),
		cmocka_unit_test(test_spawn_descriptors),
		cmocka_unit_test(test_spawn_missing_program),
		cmocka_unit_test(test_pidfd_signal_wait),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
