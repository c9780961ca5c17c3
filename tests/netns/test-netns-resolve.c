/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root only: ts_resolve_all through the host's resolver configuration,
 * hermetically (docs/environment.md). The test moves itself into a network and mount
 * namespace of its own, brings lo up, starts a dnsmasq with fixed answers
 * on 127.0.0.1:53 and bind-mounts a scratch resolv.conf over
 * /etc/resolv.conf; each test writes the nameservers it needs into that
 * file. Everything vanishes with the test process; only loopback traffic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "base/process.h"
#include "base/util.h"
#include "dns/resolve.h"
#include "harness.h"
#include "test-helpers.h"

#define RESOLV_CONF "/etc/resolv.conf"

static char *scratch;
static char *resolv_path; /* the scratch file mounted over /etc/resolv.conf */
static pid_t dnsmasq_pid = -1;
static int silent_fd = -1; /* 127.0.0.2:53: receives, never answers */

static uint64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* Fixed answers. --local makes .test local-only: unknown names NXDOMAIN, missing types NODATA. */
static const char *const dnsmasq_args[] = {
	"dnsmasq", "--keep-in-foreground", "--user=root", "--group=root", "--conf-file=/dev/null",
	"--no-resolv", "--no-hosts", "--pid-file=", "--listen-address=127.0.0.1",
	"--bind-interfaces", "--port=53", "--local=/test/",
	"--host-record=a.test,203.0.113.1,2001:db8::1",
	"--host-record=b.test,203.0.113.2",
	"--host-record=c.test,2001:0DB8:0:0::3",
	"--host-record=dup.test,203.0.113.1,2001:db8::2",
	"--cname=alias.test,a.test",
};

static void write_resolv_conf(const char *text)
{
	/* In place: the bind mount follows the inode, not the name. */
	FILE *f = fopen(resolv_path, "w");
	if (!f)
		fail_msg("%s: %s", resolv_path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

static int lo_up(void)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };
	strcpy(ifr.ifr_name, "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(fd, SIOCSIFFLAGS, &ifr) < 0 ? -errno : 0;
}

/* Whether something listens on UDP 127.0.0.1:53 in this namespace. */
static bool dns_listening(void)
{
	FILE *f = fopen("/proc/self/net/udp", "r");
	char line[512];
	bool found = false;
	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, " 0100007F:0035 ") != NULL;
	if (f)
		fclose(f);
	return found;
}

static pid_t start_dnsmasq(void)
{
	char log_arg[512];
	snprintf(log_arg, sizeof(log_arg), "--log-facility=%s/dnsmasq.log", scratch);
	const char *argv[ARRAY_SIZE(dnsmasq_args) + 2];
	memcpy(argv, dnsmasq_args, sizeof(dnsmasq_args));
	argv[ARRAY_SIZE(dnsmasq_args)] = log_arg;
	argv[ARRAY_SIZE(dnsmasq_args) + 1] = NULL;

	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		harness_die_with_parent(parent);
		execvp(argv[0], (char *const *)argv);
		execv("/usr/sbin/dnsmasq", (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; pid > 0 && i < 500 && !dns_listening(); i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		usleep(10000);
	}
	return pid > 0 && dns_listening() ? pid : -1;
}

/* A UDP socket bound to addr:53 that nobody reads. */
static int silent_socket(const char *addr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(53) };
	inet_pton(AF_INET, addr, &sin.sin_addr);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -1;
	return fd;
}

/* ---- calls ---- */

struct result {
	struct ts_strv ips, unresolved;
	int r;
	uint64_t ms;
};

static struct result resolve(const char *const *names, size_t n, int timeout_ms)
{
	struct result res = { .ips = TS_STRV_INIT, .unresolved = TS_STRV_INIT };
	struct ts_error err = { 0 };
	uint64_t start = now_ms();
	res.r = ts_resolve_all(names, n, timeout_ms, &res.ips, &res.unresolved, &err);
	res.ms = now_ms() - start;
	if (res.r < 0)
		fail_msg("ts_resolve_all: %s", err.message);
	return res;
}

static void result_clear(struct result *res)
{
	ts_strv_clear(&res->ips);
	ts_strv_clear(&res->unresolved);
}

static void assert_strv(const struct ts_strv *v, const char *const *want, size_t n)
{
	for (size_t i = 0; i < n && i < v->n; i++)
		assert_string_equal(v->items[i], want[i]);
	assert_int_equal(v->n, n);
}

#define ASSERT_STRV(v, ...)                                                 \
	do {                                                                \
		const char *const want_[] = { __VA_ARGS__ };                \
		assert_strv((v), want_, ARRAY_SIZE(want_));                 \
	} while (0)

static int use_dnsmasq(void **state)
{
	(void)state;
	write_resolv_conf("nameserver 127.0.0.1\n");
	return 0;
}

/* ---- tests ---- */

/* Both families collected, canonical, in name order; one family is enough. */
static void test_a_and_aaaa(void **state)
{
	(void)state;
	const char *names[] = { "a.test", "b.test", "c.test" };
	struct result res = resolve(names, ARRAY_SIZE(names), 2000);
	ASSERT_STRV(&res.ips, "203.0.113.1", "2001:db8::1", "203.0.113.2", "2001:db8::3");
	assert_int_equal(res.unresolved.n, 0);
	result_clear(&res);
}

/* A failing name is reported and does not disturb the others. */
static void test_failure_isolated(void **state)
{
	(void)state;
	const char *names[] = { "nx.test", "a.test", "elsewhere.example", "b.test" };
	struct result res = resolve(names, ARRAY_SIZE(names), 2000);
	ASSERT_STRV(&res.ips, "203.0.113.1", "2001:db8::1", "203.0.113.2");
	/* Outside --local and without upstream, dnsmasq 2.90 answers REFUSED. */
	ASSERT_STRV(&res.unresolved, "nx.test: no such domain (NXDOMAIN)",
		    "elsewhere.example: refused by the DNS server");
	assert_true(res.ms < 1000);
	result_clear(&res);
}

/* "*.a.test" asks for a.test itself: a host-record answers the exact name only. */
static void test_wildcard(void **state)
{
	(void)state;
	const char *names[] = { "*.a.test", "*.sub.b.test" };
	struct result res = resolve(names, ARRAY_SIZE(names), 2000);
	ASSERT_STRV(&res.ips, "203.0.113.1", "2001:db8::1");
	ASSERT_STRV(&res.unresolved, "*.sub.b.test: no such domain (NXDOMAIN)");
	result_clear(&res);
}

/* Addresses shared between names (and via a CNAME) appear once. */
static void test_dedup(void **state)
{
	(void)state;
	const char *names[] = { "alias.test", "dup.test", "A.Test", "a.test." };
	struct result res = resolve(names, ARRAY_SIZE(names), 2000);
	ASSERT_STRV(&res.ips, "203.0.113.1", "2001:db8::1", "2001:db8::2");
	assert_int_equal(res.unresolved.n, 0);
	result_clear(&res);
}

/* A nameserver that never answers costs the timeout, whatever resolv.conf's options say. */
static void test_silent_server(void **state)
{
	(void)state;
	write_resolv_conf("nameserver 127.0.0.2\noptions timeout:30 attempts:5\n");
	const char *names[] = { "a.test", "b.test" };
	struct result res = resolve(names, ARRAY_SIZE(names), 500);
	assert_int_equal(res.ips.n, 0);
	ASSERT_STRV(&res.unresolved, "a.test: timed out", "b.test: timed out");
	if (res.ms < 450 || res.ms > 1000)
		fail_msg("took %llu ms with a 500 ms timeout", (unsigned long long)res.ms);
	result_clear(&res);
}

/* Nothing listening: port unreachable ends it at once. */
static void test_nothing_listening(void **state)
{
	(void)state;
	write_resolv_conf("nameserver 127.0.0.3\n");
	const char *names[] = { "a.test" };
	struct result res = resolve(names, 1, 3000);
	assert_int_equal(res.ips.n, 0);
	ASSERT_STRV(&res.unresolved, "a.test: no usable answer from the DNS servers");
	assert_true(res.ms < 1500);
	result_clear(&res);
}

/* A dead first nameserver: the second answers within the same budget. */
static void test_second_nameserver(void **state)
{
	(void)state;
	write_resolv_conf("nameserver 127.0.0.2\nnameserver 127.0.0.1\n");
	const char *names[] = { "a.test", "nx.test" };
	struct result res = resolve(names, ARRAY_SIZE(names), 1500);
	ASSERT_STRV(&res.ips, "203.0.113.1", "2001:db8::1");
	ASSERT_STRV(&res.unresolved, "nx.test: no such domain (NXDOMAIN)");
	assert_true(res.ms < 1500);
	result_clear(&res);
}

/* Many names at once through dnsmasq: every one answered. */
static void test_many(void **state)
{
	(void)state;
	enum { N = 300 };
	static char storage[N][32];
	const char *names[N];
	for (int i = 0; i < N; i++) {
		snprintf(storage[i], sizeof(storage[i]), "n%d.test", i);
		names[i] = i % 3 ? storage[i] : "a.test";
	}
	struct result res = resolve(names, N, 3000);
	ASSERT_STRV(&res.ips, "203.0.113.1", "2001:db8::1");
	assert_int_equal(res.unresolved.n, N - N / 3);
	assert_string_equal(res.unresolved.items[0], "n1.test: no such domain (NXDOMAIN)");
	result_clear(&res);
}

static char why[256];

#define SETUP_FAIL(...) ({ snprintf(why, sizeof(why), __VA_ARGS__); why; })

/* NULL when the namespace is ready, else why the tests cannot run. */
static const char *setup_namespace(void)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		return SETUP_FAIL("cannot create network and mount namespaces: %s", strerror(errno));
	/* Nothing mounted from here on may reach the host. */
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return SETUP_FAIL("cannot make mounts private: %s", strerror(errno));
	int r = lo_up();
	if (r < 0)
		return SETUP_FAIL("cannot bring lo up: %s", strerror(-r));
	scratch = scratch_dir();
	if (!scratch)
		return SETUP_FAIL("no scratch directory");
	resolv_path = ts_xasprintf("%s/resolv.conf", scratch);
	write_text(scratch, "resolv.conf", "nameserver 127.0.0.1\n");
	if (mount(resolv_path, RESOLV_CONF, NULL, MS_BIND, NULL) < 0)
		return SETUP_FAIL("cannot bind-mount over " RESOLV_CONF ": %s", strerror(errno));
	silent_fd = silent_socket("127.0.0.2");
	if (silent_fd < 0)
		return SETUP_FAIL("cannot bind 127.0.0.2:53: %s", strerror(errno));
	return NULL;
}

static bool have_dnsmasq(void)
{
	const char *argv[] = { "dnsmasq", "--version", NULL };
	_cleanup_free_ char *out = NULL;
	return ts_run_capture(argv, &out, NULL) == 0 ||
	       access("/usr/sbin/dnsmasq", X_OK) == 0;
}

static void teardown_namespace(void)
{
	if (dnsmasq_pid > 0) {
		kill(dnsmasq_pid, SIGTERM);
		waitpid(dnsmasq_pid, NULL, 0);
	}
	if (silent_fd >= 0)
		close(silent_fd);
	/* The mounts go with the namespace when the process ends. */
	free(resolv_path);
	scratch_remove(scratch);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root to create network and mount namespaces\n");
		return 0;
	}
	if (!have_dnsmasq()) {
		printf("1..0 # SKIP dnsmasq is not installed (dnsmasq-base)\n");
		return 0;
	}
	const char *reason = setup_namespace();
	if (reason) {
		printf("1..0 # SKIP %s\n", reason);
		teardown_namespace();
		return 0;
	}
	dnsmasq_pid = start_dnsmasq();
	if (dnsmasq_pid < 0) {
		printf("Bail out! dnsmasq did not start answering on 127.0.0.1:53\n");
		teardown_namespace();
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_a_and_aaaa, use_dnsmasq),
		cmocka_unit_test_setup(test_failure_isolated, use_dnsmasq),
		cmocka_unit_test_setup(test_wildcard, use_dnsmasq),
		cmocka_unit_test_setup(test_dedup, use_dnsmasq),
		cmocka_unit_test_setup(test_many, use_dnsmasq),
		cmocka_unit_test(test_silent_server),
		cmocka_unit_test(test_nothing_listening),
		cmocka_unit_test(test_second_nameserver),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	teardown_namespace();
	return r;
}
