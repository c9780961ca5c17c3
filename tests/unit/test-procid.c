/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "base/util.h"
#include "container/procid.h"

/* The whole of /proc/PID/stat, or NULL when it cannot be read. */
static char *read_stat(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = calloc(1, 4096);
	ssize_t n = read(fd, buf, 4095);
	close(fd);
	if (n <= 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * Field 22 of /proc/PID/stat, parsed independently of the code under test:
 * fields resume after the last ')' (field 2, comm, may hold anything).
 */
static unsigned long long stat_field22(pid_t pid)
{
	char *buf = read_stat(pid);
	assert_non_null(buf);
	char *p = strrchr(buf, ')');
	assert_non_null(p);
	char *save = NULL;
	char *tok = strtok_r(p + 1, " \n", &save);
	for (int field = 3; tok && field < 22; field++)
		tok = strtok_r(NULL, " \n", &save);
	assert_non_null(tok);
	char *end;
	unsigned long long v = strtoull(tok, &end, 10);
	assert_true(end != tok && *end == '\0');
	free(buf);
	return v;
}

static unsigned long long self_netns_ino(void)
{
	struct stat st;
	assert_int_equal(stat("/proc/self/ns/net", &st), 0);
	return st.st_ino;
}

/* The PID of a child that has exited and been reaped. */
static pid_t reaped_child(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return pid;
}

/* A child with the given comm that pauses until killed; returns once the name is set. */
static pid_t named_child(const char *comm)
{
	int pipefd[2];
	assert_int_equal(pipe(pipefd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pipefd[0]);
		prctl(PR_SET_NAME, comm, 0, 0, 0);
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(pipefd[1]);
	char c;
	assert_int_equal(read(pipefd[0], &c, 1), 1);
	close(pipefd[0]);
	return pid;
}

static void stop_child(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void assert_parse_rejected(const char *text)
{
	struct ts_proc_identity id = { .pid = 77, .start_time = 88, .netns_ino = 99 };
	struct ts_error err = { 0 };
	int r = ts_proc_identity_parse(text, &id, &err);
	if (r == 0)
		fail_msg("'%s' accepted as %d %llu %llu", text, (int)id.pid, id.start_time,
			 id.netns_ino);
	assert_int_equal(r, -EINVAL);
	assert_int_equal(err.code, EINVAL);
	assert_true(strlen(err.message) > 0);
	/* A failed parse leaves the output alone. */
	assert_int_equal(id.pid, 77);
	assert_true(id.start_time == 88 && id.netns_ino == 99);
}

static void assert_parsed(const char *text, pid_t pid, unsigned long long start,
			  unsigned long long ino)
{
	struct ts_proc_identity id = { 0 };
	struct ts_error err = { 0 };
	int r = ts_proc_identity_parse(text, &id, &err);
	if (r != 0)
		fail_msg("'%s' rejected: %s", text, err.message);
	assert_int_equal(id.pid, pid);
	assert_true(id.start_time == start);
	assert_true(id.netns_ino == ino);
}

static void test_read_self(void **state)
{
	(void)state;
	struct ts_proc_identity id = { 0 };
	struct ts_error err = { 0 };
	assert_int_equal(ts_proc_identity_read(getpid(), &id, &err), 0);
	assert_int_equal(id.pid, getpid());
	assert_true(id.start_time == stat_field22(getpid()));
	assert_true(id.start_time > 0);
	assert_true(id.netns_ino == self_netns_ino());
}

static void test_start_time_self(void **state)
{
	(void)state;
	unsigned long long start = 0;
	assert_int_equal(ts_proc_start_time(getpid(), &start, NULL), 0);
	assert_true(start == stat_field22(getpid()));
}

static void test_read_reaped_child(void **state)
{
	(void)state;
	pid_t pid = reaped_child();
	struct ts_proc_identity id = { .pid = 77 };
	struct ts_error err = { 0 };
	assert_int_equal(ts_proc_identity_read(pid, &id, &err), -ESRCH);
	assert_int_equal(err.code, ESRCH);
	assert_true(strlen(err.message) > 0);
	assert_int_equal(id.pid, 77);

	unsigned long long start = 12345;
	assert_int_equal(ts_proc_start_time(pid, &start, NULL), -ESRCH);
	assert_true(start == 12345);
}

static void test_read_invalid_pids(void **state)
{
	(void)state;
	const pid_t bad[] = { 0, -1, 5000000, 4194305, -4194304 };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ts_proc_identity id = { .pid = 77 };
		struct ts_error err = { 0 };
		int r = ts_proc_identity_read(bad[i], &id, &err);
		if (r >= 0)
			fail_msg("PID %d accepted", (int)bad[i]);
		assert_int_equal(r, -EINVAL);
		assert_int_equal(err.code, EINVAL);
		assert_true(strlen(err.message) > 0);
		assert_int_equal(id.pid, 77);
	}
}

/* comm may contain ") " and spaces: only the text after the LAST ')' has fields. */
static void check_tricky_comm(const char *comm)
{
	pid_t pid = named_child(comm);
	char *stat = read_stat(pid);
	assert_non_null(stat);
	char want[64];
	snprintf(want, sizeof(want), "(%s)", comm);
	/* The test is only meaningful when the kernel kept the name as given. */
	assert_non_null(strstr(stat, want));
	free(stat);

	unsigned long long start = 0;
	struct ts_error err = { 0 };
	int r = ts_proc_start_time(pid, &start, &err);
	unsigned long long expected = stat_field22(pid);
	struct ts_proc_identity id = { 0 };
	int r2 = ts_proc_identity_read(pid, &id, NULL);
	bool live = r2 == 0 && ts_proc_identity_is_live(&id);
	stop_child(pid);

	if (r != 0)
		fail_msg("comm '%s': %s", comm, err.message);
	assert_true(start == expected);
	assert_int_equal(r2, 0);
	assert_true(id.start_time == expected);
	assert_true(live);
}

static void test_comm_with_parentheses(void **state)
{
	(void)state;
	check_tricky_comm("a) b (c");
	/* A naive parser splitting at the first ')' would find numbers here. */
	check_tricky_comm("x) 1 2 3 4 5 6");
	check_tricky_comm(")) ()");
}

static void test_format(void **state)
{
	(void)state;
	struct ts_proc_identity id = { .pid = 1234, .start_time = 567890, .netns_ino = 4026531840ULL };
	char *text = ts_proc_identity_format(&id);
	assert_string_equal(text, "1234 567890 4026531840\n");
	free(text);
}

static void test_round_trip(void **state)
{
	(void)state;
	struct ts_proc_identity cases[] = {
		{ .pid = 1, .start_time = 0, .netns_ino = 0 },
		{ .pid = 4194304, .start_time = 18446744073709551615ULL,
		  .netns_ino = 18446744073709551615ULL },
		{ .pid = getpid(), .start_time = 0, .netns_ino = 0 },
	};
	assert_int_equal(ts_proc_identity_read(getpid(), &cases[2], NULL), 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *text = ts_proc_identity_format(&cases[i]);
		struct ts_proc_identity back = { 0 };
		struct ts_error err = { 0 };
		if (ts_proc_identity_parse(text, &back, &err) != 0)
			fail_msg("'%s' rejected: %s", text, err.message);
		assert_int_equal(back.pid, cases[i].pid);
		assert_true(back.start_time == cases[i].start_time);
		assert_true(back.netns_ino == cases[i].netns_ino);
		free(text);
	}
}

static void test_parse_accepts(void **state)
{
	(void)state;
	assert_parsed("1 2 3", 1, 2, 3);
	assert_parsed("1 2 3\n", 1, 2, 3);
	assert_parsed("42 0 0", 42, 0, 0);
	assert_parsed("4194304 99 4026531840", 4194304, 99, 4026531840ULL);
	assert_parsed("7 18446744073709551615 18446744073709551615\n", 7, 18446744073709551615ULL,
		      18446744073709551615ULL);
}

static void test_parse_rejects(void **state)
{
	(void)state;
	const char *bad[] = {
		"",
		"\n",
		"1 2",
		"1 2\n",
		"1 2 3 4",
		"1 2 3 4\n",
		"01 2 3",
		"1 02 3",
		"1 2 03",
		"1 2 00",
		"+1 2 3",
		"-1 2 3",
		"1 +2 3",
		"1 2 -3",
		"1  2 3",
		"1 2  3",
		" 1 2 3",
		"1 2 3 ",
		"1\t2\t3",
		"1 2 3x",
		"1 2 3\n\n",
		"1 2 3\nx",
		"1 2 3\r\n",
		"1 2 3\n ",
		"0 2 3",
		"4194305 2 3",
		"5000000 2 3",
		"4294967297 2 3",
		"1 18446744073709551616 3",
		"1 2 99999999999999999999",
		"1 123456789012345678901 3",
		"1 2 000000000000000000001",
		"0x10 2 3",
		"1 2 3e5",
		"one two three",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_parse_rejected(bad[i]);
}

static void test_live_self(void **state)
{
	(void)state;
	struct ts_proc_identity id;
	assert_int_equal(ts_proc_identity_read(getpid(), &id, NULL), 0);
	assert_true(ts_proc_identity_is_live(&id));

	/* The identity survives a trip through the container.pid text. */
	char *text = ts_proc_identity_format(&id);
	struct ts_proc_identity back;
	assert_int_equal(ts_proc_identity_parse(text, &back, NULL), 0);
	assert_true(ts_proc_identity_is_live(&back));
	free(text);
}

static void test_live_altered(void **state)
{
	(void)state;
	struct ts_proc_identity id;
	assert_int_equal(ts_proc_identity_read(getpid(), &id, NULL), 0);

	struct ts_proc_identity t = id;
	t.start_time++;
	assert_false(ts_proc_identity_is_live(&t));
	t = id;
	t.start_time = 0;
	assert_false(ts_proc_identity_is_live(&t));
	t = id;
	t.netns_ino++;
	assert_false(ts_proc_identity_is_live(&t));
	t = id;
	t.netns_ino = 0;
	assert_false(ts_proc_identity_is_live(&t));
	t = id;
	t.pid = 0;
	assert_false(ts_proc_identity_is_live(&t));
	t = id;
	t.pid = -1;
	assert_false(ts_proc_identity_is_live(&t));
}

static void test_live_reaped_child(void **state)
{
	(void)state;
	/* Record a live child's identity, then let it die. */
	pid_t pid = named_child("procid-test");
	struct ts_proc_identity id;
	int r = ts_proc_identity_read(pid, &id, NULL);
	bool live_before = r == 0 && ts_proc_identity_is_live(&id);
	stop_child(pid);
	assert_int_equal(r, 0);
	assert_true(live_before);
	assert_false(ts_proc_identity_is_live(&id));
}

/* Field 3 (state) of /proc/PID/stat. */
static char stat_state(pid_t pid)
{
	char *buf = read_stat(pid);
	if (!buf)
		return '?';
	char *p = strrchr(buf, ')');
	char c = p && p[1] == ' ' ? p[2] : '?';
	free(buf);
	return c;
}

static void test_live_zombie(void **state)
{
	(void)state;
	/* A container init that has died but is not yet reaped is not live. */
	pid_t pid = named_child("procid-zombie");
	struct ts_proc_identity id;
	int r = ts_proc_identity_read(pid, &id, NULL);
	kill(pid, SIGKILL);
	char st = '?';
	for (int i = 0; i < 500 && (st = stat_state(pid)) != 'Z'; i++)
		usleep(10000);
	bool live = ts_proc_identity_is_live(&id);
	struct ts_proc_identity again = { .pid = 77 };
	int r2 = ts_proc_identity_read(pid, &again, NULL);
	waitpid(pid, NULL, 0);
	assert_int_equal(r, 0);
	assert_int_equal(st, 'Z');
	assert_false(live);
	assert_int_equal(r2, -ESRCH);
}

static void test_live_other_process(void **state)
{
	(void)state;
	/* A different live process with our namespace but another start time or PID. */
	pid_t pid = named_child("procid-other");
	struct ts_proc_identity self, child;
	assert_int_equal(ts_proc_identity_read(getpid(), &self, NULL), 0);
	int r = ts_proc_identity_read(pid, &child, NULL);
	struct ts_proc_identity recycled = self;
	recycled.pid = pid; /* our start time, their PID: a recycled PID */
	bool recycled_live = ts_proc_identity_is_live(&recycled);
	bool child_live = r == 0 && ts_proc_identity_is_live(&child);
	stop_child(pid);
	assert_int_equal(r, 0);
	assert_true(child.netns_ino == self.netns_ino);
	assert_true(child_live);
	if (child.start_time != self.start_time)
		assert_false(recycled_live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_self),
		cmocka_unit_test(test_start_time_self),
		cmocka_unit_test(test_read_reaped_child),
		cmocka_unit_test(test_read_invalid_pids),
		cmocka_unit_test(test_comm_with_parentheses),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_parse_accepts),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_live_self),
		cmocka_unit_test(test_live_altered),
		cmocka_unit_test(test_live_reaped_child),
		cmocka_unit_test(test_live_zombie),
		cmocka_unit_test(test_live_other_process),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
