/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root only: the shield DNS tier end to end through the hook. The hook
 * runs as a runtime would, in a "runtime" namespace of the test's own
 * (fake-upstream.h) whose /etc/resolv.conf names the test's fake
 * upstream, so neither the hook nor the forwarder it starts can reach any
 * other resolver. The container is the harness's (harness.h), wired to a
 * world that serves the test addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "build-config.h"

#include "base/fileio.h"
#include "base/util.h"
#include "bundle/bundle.h"
#include "dns/forwarder.h"
#include "fake-upstream.h"
#include "harness.h"
#include "test-helpers.h"

struct fixture {
	struct harness h;
	pid_t runtime;  /* parked process holding the runtime namespace */
	pid_t upstream; /* the fake upstream, recording every query */
	char *state_dir;
	char *upstream_log;
};

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (f->state_dir)
		ts_forwarder_stop(f->state_dir, true, NULL);
	harness_down(&f->h);
	free(f->state_dir);
	free(f->upstream_log);
	free(f);
	return 0;
}

/* A bundle as prepare writes it for the shield tier, strict. */
static void write_bundle(struct fixture *f)
{
	write_text(f->state_dir, "upstream.dns", H_DNS "\n");
	write_text(f->state_dir, "dns.tier", "shield\n");
	write_text(f->state_dir, "dns.policy", "strict\n");
	write_text(f->state_dir, "network.mode", "slirp4netns\n");
	write_text(f->state_dir, "profile.domains", H_DOMAIN_ALLOWED "\n");
	struct ts_error err = { 0 };
	if (ts_bundle_write_ruleset(f->state_dir, &err) < 0)
		fail_msg("ruleset: %s", err.message);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	*state = f;
	if (harness_full(&f->h) < 0 || (f->runtime = fake_runtime_park()) < 0 ||
	    asprintf(&f->upstream_log, "%s/upstream.log", f->h.scratch) < 0 ||
	    (f->upstream = fake_upstream_start(f->runtime, f->upstream_log)) < 0) {
		teardown(state);
		return -1;
	}
	write_text(f->h.scratch, "resolv.conf", "nameserver " FAKE_UPSTREAM_ADDR "\n");
	/* Where the CLI looks for container shieldc: <state root>/containers/shieldc. */
	f->state_dir = ts_xasprintf("%s/containers/shieldc", f->h.state_root);
	char *containers = ts_xasprintf("%s/containers", f->h.state_root);
	assert_int_equal(mkdir(containers, 0700), 0);
	assert_int_equal(mkdir(f->state_dir, 0700), 0);
	free(containers);
	write_bundle(f);
	return 0;
}

/*
 * Run the hook's stage as the runtime would, inside the runtime namespace
 * with its resolv.conf; its exit status. *errors (optional): its stderr.
 */
static int hook(struct fixture *f, const char *stage, char **errors)
{
	char *json = harness_oci_state(f->h.container, f->state_dir, "terok.shield.dns_tier",
				       "shield");
	write_text(f->h.scratch, "oci-state.json", json);
	free(json);
	char *in = NULL, *err_path = NULL, *resolv = NULL;
	assert_true(asprintf(&in, "%s/oci-state.json", f->h.scratch) > 0);
	assert_true(asprintf(&err_path, "%s/hook.err", f->h.scratch) > 0);
	assert_true(asprintf(&resolv, "%s/resolv.conf", f->h.scratch) > 0);
	setenv("TEROK_SHIELD_STATE_DIR", f->h.state_root, 1);
	const char *argv[] = { "/bin/sh", "-c", "exec \"$0\" \"$1\" < \"$2\" > /dev/null",
			       getenv("TS_TEST_HOOK"), stage, in, NULL };
	pid_t pid = fake_runtime_spawn(f->runtime, resolv, argv, err_path, -1);
	int status = 0;
	assert_true(pid > 0 && waitpid(pid, &status, 0) == pid);
	if (errors)
		ts_file_read(err_path, errors, NULL, NULL);
	free(in);
	free(err_path);
	free(resolv);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static pid_t forwarder(struct fixture *f)
{
	pid_t pid = -1;
	struct ts_error err = { 0 };
	if (ts_forwarder_pid(f->state_dir, &pid, &err) < 0)
		fail_msg("no forwarder: %s", err.message);
	return pid;
}

static void test_allowed_resolves_and_connects(void **state)
{
	struct fixture *f = *state;
	char *errors = NULL;
	int rc = hook(f, "createRuntime", &errors);
	if (rc != 0)
		fail_msg("createRuntime exited %d: %s", rc, errors ? errors : "");
	free(errors);
	/* Nothing of the runtime's pipes is held (runc waits for their end): stdout is /dev/null, stderr the log. */
	char link[64], target[4096];
	for (int fd = 0; fd <= 2; fd++) {
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)forwarder(f), fd);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		assert_true(n > 0);
		target[n] = '\0';
		assert_string_equal(target + (fd == 2 ? strlen(target) - 15 : 0),
				    fd == 2 ? "/hook-error.log" : "/dev/null");
	}
	/* Before any answer, the allowed name's address is refused like any other. */
	assert_int_not_equal(harness_connect(&f->h, H_DOMAIN_ALLOWED_IP, H_TCP_PORT, 3000, NULL), 0);
	char ips[4][16];
	assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", H_DOMAIN_ALLOWED, ips, 4), 1);
	assert_string_equal(ips[0], H_DOMAIN_ALLOWED_IP);
	assert_true(fake_upstream_saw(f->upstream_log, H_DOMAIN_ALLOWED " A udp"));
	assert_int_equal(harness_connect(&f->h, H_DOMAIN_ALLOWED_IP, H_TCP_PORT, 3000, NULL), 0);
}

static void test_exfil_refused_never_forwarded(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(hook(f, "createRuntime", NULL), 0);
	char name[64], ips[4][16];
	snprintf(name, sizeof(name), "q%08lx.exfil.test", (unsigned long)random());
	/* REFUSED: an answer without addresses. */
	assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", name, ips, 4), 0);
	assert_false(fake_upstream_saw(f->upstream_log, "exfil"));
	char *log = read_text(f->state_dir, "dnsmasq.log");
	assert_non_null(log);
	assert_non_null(strstr(log, "refused"));
	assert_non_null(strstr(log, ".exfil.test"));
	free(log);
}

/* No DNS server but the forwarder on loopback: the upstream's, the network's, any other. */
static void test_direct_queries_refused(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(hook(f, "createRuntime", NULL), 0);
	static const char *const servers[] = { H_DNS, H_ROGUE_DNS, FAKE_UPSTREAM_ADDR };
	for (size_t i = 0; i < ARRAY_SIZE(servers); i++) {
		char ips[4][16];
		int r = harness_dns_query(&f->h, servers[i], H_DOMAIN_ALLOWED, ips, 4);
		if (r >= 0)
			fail_msg("%s answered a direct query (%d addresses)", servers[i], r);
	}
	assert_false(fake_upstream_saw(f->upstream_log, "udp"));
}

/* Start `terok-shield ARGS...` as a user runs it, stdout to out_path (NULL: /dev/null). */
static pid_t cli_start(struct fixture *f, const char *out_path, const char *cmd)
{
	char *config = NULL;
	assert_true(asprintf(&config, "%s/config", f->h.scratch) > 0);
	mkdir(config, 0700);
	char **env = harness_cli_env(config);
	pid_t pid = fork();
	if (pid == 0) {
		int out = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(out, STDOUT_FILENO);
		char *const argv[] = { getenv("TS_TEST_CLI"), "--state-dir", f->h.state_root,
				       (char *)cmd, "shieldc", NULL };
		execve(argv[0], argv, env);
		_exit(127);
	}
	harness_cli_env_free(env);
	free(config);
	return pid;
}

/* `terok-shield up NAME` as a user runs it: the CLI finds the container through container.pid. */
/* `terok-shield up|block shieldc`: its exit status. */
static int cli_change(struct fixture *f, const char *command)
{
	char *config = NULL;
	assert_true(asprintf(&config, "%s/config", f->h.scratch) > 0);
	mkdir(config, 0700);
	char **env = harness_cli_env(config);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDOUT_FILENO);
		char *const argv[] = { getenv("TS_TEST_CLI"), "--state-dir", f->h.state_root,
				       (char *)command, "shieldc", NULL };
		execve(argv[0], argv, env);
		_exit(127);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	harness_cli_env_free(env);
	free(config);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * `up` replaces the table, emptying dns_v4: the forwarder is told (SIGHUP)
 * and adds the address again at the next answer, though it had noted it
 * as present for a day.
 */
static void test_up_relearns(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(hook(f, "createRuntime", NULL), 0);
	char ips[4][16];
	assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", H_DOMAIN_ALLOWED, ips, 4), 1);
	assert_int_equal(harness_connect(&f->h, H_DOMAIN_ALLOWED_IP, H_TCP_PORT, 3000, NULL), 0);
	assert_int_equal(cli_change(f, "up"), 0);
	char *table = harness_list_table(&f->h, f->h.container);
	assert_non_null(table);
	assert_null(strstr(table, H_DOMAIN_ALLOWED_IP));
	free(table);
	/* The signal is taken when the forwarder's loop wakes: the first query may come before it. */
	double deadline = harness_now_ms() + 5000;
	int r;
	do {
		assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", H_DOMAIN_ALLOWED, ips, 4), 1);
		r = harness_connect(&f->h, H_DOMAIN_ALLOWED_IP, H_TCP_PORT, 3000, NULL);
	} while (r != 0 && harness_now_ms() < deadline);
	assert_int_equal(r, 0);
}

/*
 * block in the shield tier: no name is answered while blocked (the table
 * refuses loopback DNS; the forwarder, whose upstream side is outside the
 * table, refuses every name itself while the bundle records the block),
 * and names resolve again after `up`.
 */
static void test_block_refuses_names(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(hook(f, "createRuntime", NULL), 0);
	char ips[4][16];
	assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", H_DOMAIN_ALLOWED, ips, 4), 1);
	assert_int_equal(cli_change(f, "block"), 0);
	/* No answer: the block's table refuses loopback DNS, and the forwarder (unit-tested) refuses too. */
	assert_true(harness_dns_query(&f->h, "127.0.0.1", H_DOMAIN_ALLOWED, ips, 4) < 1);
	char *record = NULL;
	assert_true(asprintf(&record, "%s/containers/shieldc/blocked", f->h.state_root) > 0);
	assert_int_equal(access(record, F_OK), 0);
	free(record);
	assert_int_equal(cli_change(f, "up"), 0);
	double deadline = harness_now_ms() + 5000;
	int answered;
	do
		answered = harness_dns_query(&f->h, "127.0.0.1", H_DOMAIN_ALLOWED, ips, 4);
	while (answered != 1 && harness_now_ms() < deadline);
	assert_int_equal(answered, 1);
}

/* A raw query of type qtype from the container to the forwarder; the answer's rcode, or -1. */
static int ask_type(struct fixture *f, const char *name, uint16_t qtype)
{
	uint8_t q[300] = { 0x12, 0x34, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0 }, a[1500];
	size_t n = 12;
	for (const char *p = name; *p;) {
		size_t len = strcspn(p, ".");
		q[n++] = (uint8_t)len;
		memcpy(q + n, p, len);
		n += len;
		p += len + (p[len] == '.');
	}
	q[n++] = 0;
	q[n++] = (uint8_t)(qtype >> 8);
	q[n++] = (uint8_t)qtype;
	q[n++] = 0;
	q[n++] = 1;
	int fd = harness_socket(&f->h, f->h.container, AF_INET, SOCK_DGRAM);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { 5, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ssize_t got = -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && send(fd, q, n, 0) == (ssize_t)n)
		got = recv(fd, a, sizeof(a), 0);
	close(fd);
	return got >= 12 ? a[3] & 0x0f : -1;
}

/* Lines of text holding every needle. */
static int lines_with(const char *text, const char *n1, const char *n2, const char *n3)
{
	int count = 0;
	for (const char *p = text; p && *p;) {
		const char *nl = strchrnul(p, '\n');
		char *line = strndup(p, (size_t)(nl - p));
		count += strstr(line, n1) && strstr(line, n2) && strstr(line, n3);
		free(line);
		p = *nl ? nl + 1 : nl;
	}
	return count;
}

/* watch: each strict refusal is one blocked_query, whatever the query type; allowed names none. */
static void test_watch_blocked_queries(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(hook(f, "createRuntime", NULL), 0);
	char *out_path = NULL;
	assert_true(asprintf(&out_path, "%s/watch.out", f->h.scratch) > 0);
	pid_t watch = cli_start(f, out_path, "watch");
	usleep(500000);
	assert_int_equal(ask_type(f, "a1.exfil.test", 1), 5);   /* A: REFUSED */
	assert_int_equal(ask_type(f, "t1.exfil.test", 16), 5);  /* TXT: REFUSED */
	assert_int_equal(ask_type(f, H_DOMAIN_ALLOWED, 1), 0);  /* NOERROR */
	char *text = NULL;
	double deadline = harness_now_ms() + 10000;
	do {
		usleep(200000);
		free(text);
		text = NULL;
		ts_file_read(out_path, &text, NULL, NULL);
	} while ((!text || !strstr(text, "t1.exfil.test")) && harness_now_ms() < deadline);
	kill(watch, SIGTERM);
	waitpid(watch, NULL, 0);
	assert_non_null(text);
	if (lines_with(text, "blocked_query", "\"a1.exfil.test\"", "\"A\"") != 1 ||
	    lines_with(text, "blocked_query", "\"t1.exfil.test\"", "\"TYPE16\"") != 1 ||
	    lines_with(text, "blocked_query", H_DOMAIN_ALLOWED, "") != 0)
		fail_msg("watch printed: %s", text);
	free(text);
	free(out_path);
}

static void test_poststop_ends_forwarder(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(hook(f, "createRuntime", NULL), 0);
	pid_t pid = forwarder(f);
	assert_int_equal(hook(f, "poststop", NULL), 0);
	assert_true(harness_wait_gone(pid));
	assert_int_equal(access(f->h.scratch, F_OK), 0);
	char *record = read_text(f->state_dir, "dns-forwarder.pid");
	assert_null(record);
}

static void test_ends_with_container(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(hook(f, "createRuntime", NULL), 0);
	pid_t pid = forwarder(f);
	kill(f->h.container, SIGKILL);
	assert_true(harness_wait_gone(pid));
}

/* 127.0.0.1:53 already taken in the container: the forwarder cannot start, nor the container. */
static void test_cannot_start_fails_hook(void **state)
{
	struct fixture *f = *state;
	int fd = harness_socket(&f->h, f->h.container, AF_INET, SOCK_DGRAM);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	char *errors = NULL;
	assert_int_not_equal(hook(f, "createRuntime", &errors), 0);
	assert_non_null(errors);
	assert_non_null(strstr(errors, "terok-shield-dns failed to start"));
	if (!strstr(errors, "127.0.0.1:53"))
		fail_msg("the forwarder's reason is missing: %s", errors);
	free(errors);
	char *log = read_text(f->state_dir, "hook-error.log");
	assert_non_null(log);
	assert_non_null(strstr(log, "terok-shield-dns"));
	free(log);
	assert_null(read_text(f->state_dir, "dns-forwarder.pid"));
	close(fd);
}

/* A copy of the program at src as dir/name, with mode. */
static void copy_program(const char *src, const char *dir, const char *name, mode_t mode)
{
	char *bytes = NULL;
	size_t len = 0;
	assert_int_equal(ts_file_read(src, &bytes, &len, NULL), 0);
	char *path = ts_xasprintf("%s/%s", dir, name);
	assert_int_equal(ts_file_write_atomic(path, bytes, len, mode, NULL), 0);
	assert_int_equal(chmod(path, mode), 0);
	free(path);
	free(bytes);
}

/*
 * The hook runs the terok-shield-dns beside its own binary (where setup
 * copies both), never one found through PATH; none there nor in
 * libexecdir, or an unsafe one there: the container does not start and
 * hook-error.log says why.
 */
static void test_forwarder_found_beside_hook(void **state)
{
	struct fixture *f = *state;
	char *installed = ts_xasprintf("%s/terok-shield-dns", TS_LIBEXECDIR);
	bool libexec_has_one = access(installed, F_OK) == 0;
	char *built_hook = ts_xstrdup(getenv("TS_TEST_HOOK"));
	char *built_dns = ts_xasprintf("%s/terok-shield-dns", TS_BUILD_ROOT);
	char *dir = ts_xasprintf("%s/hooks.d", f->h.scratch);
	assert_int_equal(mkdir(dir, 0755), 0);
	copy_program(built_hook, dir, "terok-shield-hook", 0755);
	char *lone_hook = ts_xasprintf("%s/terok-shield-hook", dir);
	setenv("TS_TEST_HOOK", lone_hook, 1);
	/* A PATH offering a forwarder changes nothing: the hook never looks there. */
	char *path_dir = ts_xasprintf("%s/path", f->h.scratch);
	assert_int_equal(mkdir(path_dir, 0755), 0);
	copy_program(built_dns, path_dir, "terok-shield-dns", 0755);
	char *old_path = ts_xstrdup(getenv("PATH"));
	char *path = ts_xasprintf("%s:%s", path_dir, old_path);
	setenv("PATH", path, 1);

	char *errors = NULL;
	if (libexec_has_one) {
		printf("# %s exists: the missing-forwarder case cannot be shown here\n", installed);
	} else {
		assert_int_not_equal(hook(f, "createRuntime", &errors), 0);
		if (!errors || !strstr(errors, "terok-shield-dns is not installed"))
			fail_msg("no reason for the missing forwarder: %s", errors ? errors : "");
		char *log = read_text(f->state_dir, "hook-error.log");
		assert_non_null(log);
		assert_non_null(strstr(log, "terok-shield-dns is not installed"));
		assert_non_null(strstr(log, dir));
		free(log);
		assert_null(read_text(f->state_dir, "dns-forwarder.pid"));
		free(errors);
		errors = NULL;
	}

	/* Beside the hook but writable by others: refused, not run. */
	copy_program(built_dns, dir, "terok-shield-dns", 0775);
	assert_int_not_equal(hook(f, "createRuntime", &errors), 0);
	if (!errors || !strstr(errors, "writable by others"))
		fail_msg("an unsafe forwarder was not refused: %s", errors ? errors : "");
	free(errors);
	errors = NULL;
	assert_null(read_text(f->state_dir, "dns-forwarder.pid"));

	/* As setup leaves it: the hook and its forwarder side by side. */
	copy_program(built_dns, dir, "terok-shield-dns", 0755);
	int rc = hook(f, "createRuntime", &errors);
	if (rc != 0)
		fail_msg("createRuntime exited %d: %s", rc, errors ? errors : "");
	pid_t pid = forwarder(f);
	char exe_link[64], exe[4096];
	snprintf(exe_link, sizeof(exe_link), "/proc/%d/exe", (int)pid);
	ssize_t n = readlink(exe_link, exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	char *want = ts_xasprintf("%s/terok-shield-dns", dir);
	assert_string_equal(exe, want);
	free(want);
	free(errors);

	setenv("PATH", old_path, 1);
	setenv("TS_TEST_HOOK", built_hook, 1);
	free(path);
	free(old_path);
	free(path_dir);
	free(lone_hook);
	free(dir);
	free(built_dns);
	free(built_hook);
	free(installed);
}

/* ---- scoped domains: what the forwarder learns for them is scoped ---- */

#define SCOPED_NAME "scoped.test" /* the fake upstream answers H_DOMAIN_OTHER_IP */

static bool table_has(struct fixture *f, const char *needle)
{
	char *table = harness_list_table(&f->h, f->h.container);
	assert_non_null(table);
	bool found = strstr(table, needle) != NULL;
	free(table);
	return found;
}

/*
 * `terok-shield ARGS` in the runtime namespace, whose resolver is the
 * fake upstream (the CLI resolves a domain it is given): its exit status.
 */
static int cli_in_runtime(struct fixture *f, const char *args, char **errors)
{
	char *config = NULL, *resolv = NULL, *err_path = NULL, *cmd = NULL;
	assert_true(asprintf(&config, "%s/config", f->h.scratch) > 0);
	mkdir(config, 0700);
	assert_true(asprintf(&resolv, "%s/resolv.conf", f->h.scratch) > 0);
	assert_true(asprintf(&err_path, "%s/cli.err", f->h.scratch) > 0);
	assert_true(asprintf(&cmd, "TEROK_SHIELD_CONFIG_DIR=\"$2\" exec \"$0\" --state-dir \"$1\" "
			     "%s > /dev/null", args) > 0);
	const char *argv[] = { "/bin/sh", "-c", cmd, getenv("TS_TEST_CLI"), f->h.state_root,
			       config, NULL };
	pid_t pid = fake_runtime_spawn(f->runtime, resolv, argv, err_path, -1);
	int status = 0;
	assert_true(pid > 0 && waitpid(pid, &status, 0) == pid);
	if (errors)
		ts_file_read(err_path, errors, NULL, NULL);
	free(config);
	free(resolv);
	free(err_path);
	free(cmd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * A timed scoped domain (live.scoped_domains, as allow writes it): the
 * address learned for it reaches the allowed port only, goes to the scoped
 * set (never dns_v4), and ends with the allow, though its TTL is longer.
 */
static void test_scoped_domain_learned(void **state)
{
	struct fixture *f = *state;
	time_t ends = time(NULL) + 4;
	char *line = NULL;
	assert_true(asprintf(&line, SCOPED_NAME " tcp %d %lld\n", H_LOOPBACK_PORT, (long long)ends) > 0);
	write_text(f->state_dir, "live.scoped_domains", line);
	free(line);
	assert_int_equal(hook(f, "createRuntime", NULL), 0);
	assert_int_not_equal(harness_connect(&f->h, H_DOMAIN_OTHER_IP, H_LOOPBACK_PORT, 3000, NULL), 0);
	char ips[4][16];
	assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", SCOPED_NAME, ips, 4), 1);
	assert_string_equal(ips[0], H_DOMAIN_OTHER_IP);
	assert_int_equal(harness_connect(&f->h, H_DOMAIN_OTHER_IP, H_LOOPBACK_PORT, 3000, NULL), 0);
	assert_int_equal(harness_connect(&f->h, H_DOMAIN_OTHER_IP, H_TCP_PORT, 3000, NULL),
			 EHOSTUNREACH);
	char elem[64];
	/* The element, its counter (docs/ruleset.md#counters), then its timeout. */
	snprintf(elem, sizeof(elem), H_DOMAIN_OTHER_IP " . tcp . %d counter packets ", H_LOOPBACK_PORT);
	assert_true(table_has(f, elem));
	/* Its TTL is 300 s: the element ends with the allow, no command running. */
	while (time(NULL) <= ends)
		usleep(100 * 1000);
	assert_int_equal(harness_connect(&f->h, H_DOMAIN_OTHER_IP, H_LOOPBACK_PORT, 3000, NULL),
			 EHOSTUNREACH);
	/* Strict policy: once it ended, the name is refused, never forwarded. */
	assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", SCOPED_NAME, ips, 4), 0);
	/* No scoped element (refused_v4 does count its refusals). */
	assert_false(table_has(f, H_DOMAIN_OTHER_IP " . tcp"));
}

/*
 * Two scopes of one domain that overlap (allow --for 1m, then --port 80
 * for good): the kernel takes no overlapping elements, so the forwarder
 * writes disjoint pieces (port 80 living its TTL, the rest the minute);
 * the name resolves, both scopes reach, and the next answer changes
 * nothing.
 */
static void test_scoped_domain_overlapping_scopes(void **state)
{
	struct fixture *f = *state;
	char *lines = NULL;
	assert_true(asprintf(&lines, SCOPED_NAME " tcp 0-65535 %lld\n" SCOPED_NAME " tcp %d -\n",
			     (long long)time(NULL) + 60, H_TCP_PORT) > 0);
	write_text(f->state_dir, "live.scoped_domains", lines);
	free(lines);
	assert_int_equal(hook(f, "createRuntime", NULL), 0);
	char ips[4][16];
	assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", SCOPED_NAME, ips, 4), 1);
	assert_int_equal(harness_connect(&f->h, H_DOMAIN_OTHER_IP, H_TCP_PORT, 3000, NULL), 0);
	assert_int_equal(harness_connect(&f->h, H_DOMAIN_OTHER_IP, H_LOOPBACK_PORT, 3000, NULL), 0);
	char elem[64];
	snprintf(elem, sizeof(elem), H_DOMAIN_OTHER_IP " . tcp . %d counter", H_TCP_PORT);
	assert_true(table_has(f, elem));
	assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", SCOPED_NAME, ips, 4), 1);
	assert_int_equal(harness_connect(&f->h, H_DOMAIN_OTHER_IP, H_TCP_PORT, 3000, NULL), 0);
}

/* A profile's scoped domain (profile.scoped_domains): its port, for good. */
static void test_profile_scoped_domain(void **state)
{
	struct fixture *f = *state;
	char *line = NULL;
	assert_true(asprintf(&line, SCOPED_NAME " tcp %d -\n", H_TCP_PORT) > 0);
	write_text(f->state_dir, "profile.scoped_domains", line);
	free(line);
	assert_int_equal(hook(f, "createRuntime", NULL), 0);
	char ips[4][16];
	assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", "www." SCOPED_NAME, ips, 4), 1);
	assert_int_equal(harness_connect(&f->h, H_DOMAIN_OTHER_IP, H_TCP_PORT, 3000, NULL), 0);
	assert_int_equal(harness_connect(&f->h, H_DOMAIN_OTHER_IP, H_LOOPBACK_PORT, 3000, NULL),
			 EHOSTUNREACH);
	/* The whole allowed domain still goes to dns_v4, every port. */
	assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", H_DOMAIN_ALLOWED, ips, 4), 1);
	assert_int_equal(harness_connect(&f->h, H_DOMAIN_ALLOWED_IP, H_LOOPBACK_PORT, 3000, NULL), 0);
}

/*
 * allow DOMAIN --port --for in the shield tier: accepted (no refusal), the
 * scope recorded for the forwarder; a later live change refills the scoped
 * sets and the forwarder adds the learned address again; deny ends it.
 */
static void test_cli_scoped_domain(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(hook(f, "createRuntime", NULL), 0);
	char *errors = NULL, *args = NULL;
	assert_true(asprintf(&args, "allow shieldc " SCOPED_NAME " --port %d --proto tcp --for 1h",
			     H_LOOPBACK_PORT) > 0);
	int rc = cli_in_runtime(f, args, &errors);
	if (rc != 0)
		fail_msg("allow exited %d: %s", rc, errors ? errors : "");
	free(errors);
	free(args);
	char *lines = read_text(f->state_dir, "live.scoped_domains");
	char want[64];
	snprintf(want, sizeof(want), SCOPED_NAME " tcp %d ", H_LOOPBACK_PORT);
	if (!lines || strncmp(lines, want, strlen(want)) != 0)
		fail_msg("live.scoped_domains: %s", lines ? lines : "(none)");
	free(lines);
	/* rules lists the scoped domain with the time it has left. */
	char *out_path = NULL, *out = NULL;
	assert_true(asprintf(&out_path, "%s/rules.out", f->h.scratch) > 0);
	int status = 0;
	assert_true(waitpid(cli_start(f, out_path, "rules"), &status, 0) > 0);
	assert_int_equal(ts_file_read(out_path, &out, NULL, NULL), 0);
	snprintf(want, sizeof(want), "Scoped domains:\n  " SCOPED_NAME " port %d/tcp, ",
		 H_LOOPBACK_PORT); /* then 1h or 59m59s, and " left" */
	if (!strstr(out, want))
		fail_msg("rules printed: ...%s", out + (strlen(out) > 300 ? strlen(out) - 300 : 0));
	free(out);
	free(out_path);
	char ips[4][16];
	assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", SCOPED_NAME, ips, 4), 1);
	assert_int_equal(harness_connect(&f->h, H_DOMAIN_OTHER_IP, H_LOOPBACK_PORT, 3000, NULL), 0);
	assert_int_equal(harness_connect(&f->h, H_DOMAIN_OTHER_IP, H_TCP_PORT, 3000, NULL),
			 EHOSTUNREACH);
	/* deny ends the scoped domain: refused by name and by address. */
	errors = NULL;
	rc = cli_in_runtime(f, "deny shieldc " SCOPED_NAME, &errors);
	if (rc != 0)
		fail_msg("deny exited %d: %s", rc, errors ? errors : "");
	free(errors);
	lines = read_text(f->state_dir, "live.scoped_domains");
	assert_true(!lines || !*lines);
	free(lines);
	assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", SCOPED_NAME, ips, 4), 0);
	assert_int_equal(harness_connect(&f->h, H_DOMAIN_OTHER_IP, H_LOOPBACK_PORT, 3000, NULL),
			 EHOSTUNREACH);
}

#define WITH(test) cmocka_unit_test_setup_teardown(test, setup, teardown)

int main(void)
{
	const char *why;
	if (!harness_supported(&why)) {
		printf("1..0 # SKIP %s\n", why);
		return 0;
	}
	if (!getenv("TS_TEST_HOOK") || !getenv("TS_TEST_CLI")) {
		printf("1..0 # SKIP TS_TEST_HOOK and TS_TEST_CLI (the programs to test) are not set\n");
		return 0;
	}
	srandom((unsigned)getpid());
	const struct CMUnitTest tests[] = {
		WITH(test_allowed_resolves_and_connects),
		WITH(test_exfil_refused_never_forwarded),
		WITH(test_direct_queries_refused),
		WITH(test_up_relearns),
		WITH(test_block_refuses_names),
		WITH(test_watch_blocked_queries),
		WITH(test_poststop_ends_forwarder),
		WITH(test_ends_with_container),
		WITH(test_cannot_start_fails_hook),
		WITH(test_forwarder_found_beside_hook),
		WITH(test_scoped_domain_learned),
		WITH(test_scoped_domain_overlapping_scopes),
		WITH(test_profile_scoped_domain),
		WITH(test_cli_scoped_domain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
