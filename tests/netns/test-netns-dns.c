/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root only: terok-shield-dns between a "container" namespace (harness.h)
 * and a "runtime" namespace of the test's own, where a fake upstream
 * (fake-upstream.h) answers on an address that exists nowhere else and
 * records every query. The forwarder starts in the runtime namespace with
 * a resolv.conf naming that server (bind-mounted in a mount namespace of
 * its own), so even a broken forwarder can reach no other resolver.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/util.h"
#include "container/procid.h"
#include "dns/dnsanswer.h"
#include "dns/dnslog.h"
#include "dns/dnsquery.h"
#include "fake-upstream.h"
#include "harness.h"
#include "test-helpers.h"

struct fixture {
	struct harness h;
	pid_t runtime;      /* parked process holding the runtime namespace */
	pid_t upstream;     /* the fake upstream */
	pid_t forwarder;
	char *state_dir;
	char *upstream_log;
	char *stderr_path;
};

/* The sets as the dnsmasq tier's ruleset declares them (nft/ruleset.c). */
static const char table[] =
	"table inet terok_shield {\n"
	"\tset dns_v4 { type ipv4_addr; flags timeout; timeout 1h; }\n"
	"\tset dns_v6 { type ipv6_addr; flags timeout; timeout 1h; }\n"
	"}\n";

static void write_container_pid(struct fixture *f, pid_t pid)
{
	struct ts_proc_identity id;
	if (ts_proc_identity_read(pid, &id, NULL) < 0)
		fail_msg("cannot read the identity of %d", (int)pid);
	char *text = ts_proc_identity_format(&id);
	write_text(f->state_dir, "container.pid", text);
	free(text);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->forwarder = -1;
	if (harness_bare(&f->h) < 0 || (f->runtime = fake_runtime_park()) < 0)
		return -1;
	if (asprintf(&f->upstream_log, "%s/upstream.log", f->h.scratch) < 0 ||
	    asprintf(&f->stderr_path, "%s/forwarder.err", f->h.scratch) < 0)
		return -1;
	f->upstream = fake_upstream_start(f->runtime, f->upstream_log);
	if (f->upstream < 0 || harness_nft(&f->h, f->h.container, table) < 0)
		return -1;
	write_text(f->h.scratch, "resolv.conf", "nameserver " FAKE_UPSTREAM_ADDR "\n");
	f->state_dir = harness_state_dir(&f->h, "dnsc");
	write_container_pid(f, f->h.container);
	write_text(f->state_dir, "profile.domains", "allowed.test\ncname.test\n");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (f->forwarder > 0) {
		kill(f->forwarder, SIGKILL);
		waitpid(f->forwarder, NULL, 0);
	}
	harness_down(&f->h);
	free(f->state_dir);
	free(f->upstream_log);
	free(f->stderr_path);
	free(f);
	return 0;
}

/*
 * Run terok-shield-dns with args after --pid and --state-dir as a hook
 * would: in the runtime namespace, resolv.conf naming the fake upstream.
 * ready_read (optional) gets the read end of the --ready-fd pipe (the
 * child's descriptor 3). Returns its pid.
 */
static pid_t spawn(struct fixture *f, pid_t pid, const char *const *extra, int *ready_read)
{
	int ready[2] = { -1, -1 };
	if (ready_read && pipe2(ready, O_CLOEXEC) < 0)
		abort();
	char pidtext[16], resolv[512];
	snprintf(pidtext, sizeof(pidtext), "%d", (int)pid);
	snprintf(resolv, sizeof(resolv), "%s/resolv.conf", f->h.scratch);
	const char *argv[16] = { getenv("TS_TEST_DNS"), "--pid", pidtext, "--state-dir", f->state_dir };
	size_t n = 5;
	if (ready_read) {
		argv[n++] = "--ready-fd";
		argv[n++] = "3";
	}
	for (; extra && *extra && n < 15; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	pid_t child = fake_runtime_spawn(f->runtime, resolv, argv, f->stderr_path, ready[1]);
	if (ready_read) {
		close(ready[1]);
		*ready_read = ready[0];
	}
	return child;
}

/* Start the forwarder and wait for its "ready". */
static void start(struct fixture *f, const char *const *extra)
{
	int rfd;
	f->forwarder = spawn(f, f->h.container, extra, &rfd);
	struct pollfd p = { .fd = rfd, .events = POLLIN };
	char buf[16] = "";
	ssize_t n = poll(&p, 1, 20000) == 1 ? read(rfd, buf, sizeof(buf) - 1) : -1;
	close(rfd);
	if (n != 6 || strcmp(buf, "ready\n") != 0) {
		char *err = NULL;
		ts_file_read(f->stderr_path, &err, NULL, NULL);
		fail_msg("forwarder not ready (%zd bytes): %s", n, err ? err : "");
	}
}

struct reply {
	int rcode; /* -1: no answer */
	bool tc;
	size_t n;
	struct ts_dns_addr addrs[TS_DNS_LEARN_MAX];
};

static void read_reply(const uint8_t *a, ssize_t n, uint16_t id, uint16_t qtype, struct reply *r)
{
	r->rcode = -1;
	if (n < 12 || a[0] != (uint8_t)(id >> 8) || a[1] != (uint8_t)id)
		return;
	r->rcode = a[3] & 0x0f;
	r->tc = a[2] & 0x02;
	r->n = ts_dnsanswer_addresses(a, (size_t)n, qtype, r->addrs, TS_DNS_LEARN_MAX);
}

static void connect_local(int fd)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail_msg("cannot reach 127.0.0.1:53 in the container");
	struct timeval tv = { 8, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* Send the query q from inside the container to 127.0.0.1:53; its answer into r. */
static void exchange(struct fixture *f, const uint8_t *q, size_t qn, bool tcp, uint16_t qtype,
		     struct reply *r)
{
	static uint8_t a[TS_DNS_MSG_MAX];
	uint16_t id = (uint16_t)(q[0] << 8 | q[1]);
	int fd = harness_socket(&f->h, f->h.container, AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM);
	connect_local(fd);
	ssize_t n;
	if (tcp) {
		uint8_t len[2] = { (uint8_t)(qn >> 8), (uint8_t)qn };
		if (send(fd, len, 2, 0) != 2 || send(fd, q, qn, 0) != (ssize_t)qn)
			fail_msg("send");
		n = recv(fd, len, 2, MSG_WAITALL) == 2
			    ? recv(fd, a, (size_t)(len[0] << 8 | len[1]), MSG_WAITALL)
			    : -1;
	} else {
		if (send(fd, q, qn, 0) != (ssize_t)qn)
			fail_msg("send");
		n = recv(fd, a, sizeof(a), 0);
	}
	close(fd);
	read_reply(a, n, id, qtype, r);
}

/* A query from inside the container to 127.0.0.1:53. */
static struct reply ask(struct fixture *f, const char *name, uint16_t qtype, bool tcp)
{
	static uint16_t next_id = 0xc000; /* apart from the flood's ids: a late answer to it may reach a reused port */
	uint8_t q[512];
	size_t qn = fake_query_build(q, next_id++, name, qtype);
	struct reply r = { .rcode = -1 };
	exchange(f, q, qn, tcp, qtype, &r);
	return r;
}

static char *table_text(struct fixture *f)
{
	char *t = harness_list_table(&f->h, f->h.container);
	if (!t)
		fail_msg("no terok_shield table");
	return t;
}

/* Whether the listing has "ADDR timeout T" (T as nft prints it). */
static bool learned(struct fixture *f, const char *addr, const char *timeout)
{
	char *t = table_text(f), needle[128];
	snprintf(needle, sizeof(needle), "%s timeout %s", addr, timeout);
	bool found = strstr(t, needle) != NULL;
	free(t);
	return found;
}

static bool in_table(struct fixture *f, const char *addr)
{
	char *t = table_text(f);
	bool found = strstr(t, addr) != NULL;
	free(t);
	return found;
}

static const char *const strict_log[] = { "--query-log", NULL };

static void test_strict_refuses_locally(void **state)
{
	struct fixture *f = *state;
	start(f, strict_log);
	struct reply r = ask(f, "c2VjcmV0.exfil.test", TS_DNS_TYPE_A, false);
	assert_int_equal(r.rcode, TS_DNS_REFUSED);
	r = ask(f, "c2VjcmV0.exfil.test", 16 /* TXT */, true);
	assert_int_equal(r.rcode, TS_DNS_REFUSED);
	/* The answer to an allowed name went upstream, the refused ones never did. */
	r = ask(f, "allowed.test", TS_DNS_TYPE_A, false);
	assert_int_equal(r.rcode, TS_DNS_NOERROR);
	assert_true(fake_upstream_saw(f->upstream_log, "allowed.test A udp"));
	assert_false(fake_upstream_saw(f->upstream_log, "exfil"));
	assert_false(in_table(f, "198.51.100.30"));

	/* The query log is what the dns log follower reads: the refused query and the learned reply. */
	struct ts_strv lines = TS_STRV_INIT;
	char *log_path = NULL;
	assert_true(asprintf(&log_path, "%s/dnsmasq.log", f->state_dir) > 0);
	assert_int_equal(ts_file_read_lines(log_path, &lines, NULL), 0);
	bool query = false, reply = false, refused = false;
	for (size_t i = 0; i < lines.n; i++) {
		struct ts_dnslog_line l;
		assert_non_null(strstr(lines.items[i], "terok-shield-dns["));
		if (ts_dnslog_parse(lines.items[i], &l) == 1 && l.kind == TS_DNSLOG_QUERY &&
		    strcmp(l.name, "c2vjcmv0.exfil.test") == 0)
			query = true;
		if (ts_dnslog_parse(lines.items[i], &l) == 1 && l.kind == TS_DNSLOG_ANSWER &&
		    strcmp(l.addr, "203.0.113.20") == 0)
			reply = true;
		if (strstr(lines.items[i], "refused[A] c2vjcmv0.exfil.test"))
			refused = true;
	}
	assert_true(query && reply && refused);
	ts_strv_clear(&lines);
	free(log_path);
}

/*
 * What a container writes around an allowed question never leaves: flags,
 * letter case and EDNS options are replaced by the forwarder's own query,
 * and bytes after the question or a record that is no OPT are FORMERR,
 * over UDP and TCP, with nothing sent upstream.
 */
static void test_upstream_gets_only_the_question(void **state)
{
	struct fixture *f = *state;
	start(f, NULL);
	static uint8_t q[TS_DNS_MSG_MAX];
	const uint8_t question[] = "\x07" "AlLoWeD\x04TeSt\x00\x00\x01\x00\x01";
	size_t qlen = sizeof(question) - 1;
	/* RD, AD and CD; an OPT with the DO bit and a 300-byte option of a made-up code. */
	const uint8_t head[12] = { 0xd0, 0x01, 0x01, 0x30, 0, 1, 0, 0, 0, 0, 0, 1 };
	memcpy(q, head, 12);
	memcpy(q + 12, question, qlen);
	size_t n = 12 + qlen;
	const uint8_t opt[] = { 0, 0x00, 0x29, 0x04, 0xd0, 0, 0, 0x80, 0, 0x01, 0x30, 0xfd, 0xe9, 0x01, 0x2c };
	memcpy(q + n, opt, sizeof(opt));
	n += sizeof(opt);
	memset(q + n, 'S', 300);
	n += 300;
	struct reply r;
	exchange(f, q, n, false, TS_DNS_TYPE_A, &r);
	assert_int_equal(r.rcode, TS_DNS_NOERROR);
	/* Header 12, question 18, a bare OPT 11: the option, AD and CD stayed behind. */
	assert_true(fake_upstream_saw(f->upstream_log, "allowed.test A udp len=41 flags=0100\n"));

	/* Trailing bytes, over UDP and (60000 of them) over TCP. */
	q[11] = 0;
	n = 12 + qlen;
	memset(q + n, 'S', 1000);
	exchange(f, q, n + 1000, false, TS_DNS_TYPE_A, &r);
	assert_int_equal(r.rcode, TS_DNS_FORMERR);
	memset(q + n, 'S', 60000);
	exchange(f, q, n + 60000, true, TS_DNS_TYPE_A, &r);
	assert_int_equal(r.rcode, TS_DNS_FORMERR);
	/* An additional record that is no OPT: a TXT record carrying data. */
	q[11] = 1;
	const uint8_t txt[] = "\x06secret\x00\x00\x10\x00\x01\x00\x00\x00\x00\x00\x05\x04" "data";
	memcpy(q + n, txt, sizeof(txt) - 1);
	exchange(f, q, n + sizeof(txt) - 1, false, TS_DNS_TYPE_A, &r);
	assert_int_equal(r.rcode, TS_DNS_FORMERR);
	/* Only the first query reached the upstream. */
	assert_int_equal(fake_upstream_count(f->upstream_log, "allowed.test", "A"), 1);
	assert_false(fake_upstream_saw(f->upstream_log, "(unparsed)"));
}

static void test_learns_with_bounded_timeout(void **state)
{
	struct fixture *f = *state;
	start(f, NULL);
	struct reply r = ask(f, "allowed.test", TS_DNS_TYPE_A, false);
	assert_int_equal(r.rcode, TS_DNS_NOERROR);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.addrs[0].addr, "203.0.113.20");
	/* TTL 100000 s: one day at most, plus 10%: 95040 s. The element is there as the answer arrives. */
	assert_true(learned(f, "203.0.113.20", "1d2h24m"));
	/* TTL 5 s: 30 s at least, plus the 5 s minimum margin. */
	r = ask(f, "short.allowed.test", TS_DNS_TYPE_A, false);
	assert_int_equal(r.n, 1);
	assert_true(learned(f, "203.0.113.21", "35s"));
	/* AAAA into dns_v6. */
	r = ask(f, "v6.allowed.test", TS_DNS_TYPE_AAAA, false);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.addrs[0].addr, "2001:db8::20");
	assert_true(learned(f, "2001:db8::20", "5m30s"));
}

/* The value of a /proc/PID/status field, or NULL. */
static char *status_field(pid_t pid, const char *key)
{
	char path[64], *text = NULL;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (ts_file_read(path, &text, NULL, NULL) < 0)
		return NULL;
	char *p = strstr(text, key), *v = NULL;
	if (p) {
		p += strlen(key);
		v = strndup(p + strspn(p, " \t"), strcspn(p + strspn(p, " \t"), "\n"));
	}
	free(text);
	return v;
}

static void test_keeps_only_net_admin(void **state)
{
	struct fixture *f = *state;
	start(f, NULL);
	static const char *const keys[] = { "CapEff:", "CapPrm:", "CapBnd:" };
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		char *v = status_field(f->forwarder, keys[i]);
		assert_non_null(v);
		assert_string_equal(v, "0000000000001000"); /* CAP_NET_ADMIN alone */
		free(v);
	}
	char *nnp = status_field(f->forwarder, "NoNewPrivs:");
	assert_non_null(nnp);
	assert_string_equal(nnp, "1");
	free(nnp);
	/* Learning still works with what is left. */
	assert_int_equal(ask(f, "allowed.test", TS_DNS_TYPE_A, false).n, 1);
	assert_true(learned(f, "203.0.113.20", "1d2h24m"));
}

static void test_cname_chain(void **state)
{
	struct fixture *f = *state;
	start(f, NULL);
	struct reply r = ask(f, "www.cname.test", TS_DNS_TYPE_A, false);
	assert_int_equal(r.rcode, TS_DNS_NOERROR);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.addrs[0].addr, "203.0.113.30");
	/* The chain's final address, learned for the allowed name it was asked as. */
	assert_true(learned(f, "203.0.113.30", "11m"));
	/* The chain's end is no allowed name of its own. */
	r = ask(f, "edge.cdn.test", TS_DNS_TYPE_A, false);
	assert_int_equal(r.rcode, TS_DNS_REFUSED);
}

static void test_tcp_and_truncation(void **state)
{
	struct fixture *f = *state;
	start(f, NULL);
	struct reply r = ask(f, "allowed.test", TS_DNS_TYPE_A, true);
	assert_int_equal(r.rcode, TS_DNS_NOERROR);
	assert_int_equal(r.n, 1);
	/* Too big for UDP: upstream truncates, c-ares retries over TCP, the client gets TC over UDP... */
	r = ask(f, "big.allowed.test", TS_DNS_TYPE_A, false);
	assert_int_equal(r.rcode, TS_DNS_NOERROR);
	assert_true(r.tc);
	/* ...and everything over TCP, all of it learned. */
	r = ask(f, "big.allowed.test", TS_DNS_TYPE_A, true);
	assert_int_equal(r.rcode, TS_DNS_NOERROR);
	assert_false(r.tc);
	assert_int_equal(r.n, 40);
	assert_true(fake_upstream_saw(f->upstream_log, "big.allowed.test A tcp"));
	assert_true(learned(f, "203.0.113.140", "5m30s"));
}

/* The sets as the dnsmasq tier's ruleset declares them today (interval): learning works there too. */
static void test_interval_sets(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(harness_nft(&f->h, f->h.container,
				     "delete table inet terok_shield\n"
				     "table inet terok_shield {\n"
				     "\tset dns_v4 { type ipv4_addr; flags interval, timeout; timeout 30m; }\n"
				     "\tset dns_v6 { type ipv6_addr; flags interval, timeout; timeout 30m; }\n"
				     "}\n"),
			 0);
	start(f, NULL);
	assert_int_equal(ask(f, "allowed.test", TS_DNS_TYPE_A, false).n, 1);
	assert_true(learned(f, "203.0.113.20", "1d2h24m"));
	assert_int_equal(ask(f, "www.cname.test", TS_DNS_TYPE_A, false).n, 1);
	assert_true(learned(f, "203.0.113.30", "11m"));
}

/*
 * An answer within the margin of the last update costs no transaction;
 * SIGHUP (the sets were replaced) makes the forwarder learn everything anew.
 */
static void test_sighup_relearns(void **state)
{
	struct fixture *f = *state;
	start(f, NULL);
	assert_int_equal(ask(f, "allowed.test", TS_DNS_TYPE_A, false).n, 1);
	assert_true(learned(f, "203.0.113.20", "1d2h24m"));
	assert_int_equal(harness_nft(&f->h, f->h.container,
				     "delete element inet terok_shield dns_v4 { 203.0.113.20 }"),
			 0);
	assert_int_equal(ask(f, "allowed.test", TS_DNS_TYPE_A, false).n, 1);
	assert_false(in_table(f, "203.0.113.20"));
	kill(f->forwarder, SIGHUP);
	/* The signal is taken when the loop next wakes: a query wakes it; the one after learns. */
	double deadline = harness_now_ms() + 5000;
	while (!in_table(f, "203.0.113.20") && harness_now_ms() < deadline)
		assert_int_equal(ask(f, "allowed.test", TS_DNS_TYPE_A, false).n, 1);
	assert_true(learned(f, "203.0.113.20", "1d2h24m"));
}

static void test_open_forwards_without_learning(void **state)
{
	struct fixture *f = *state;
	const char *const open_args[] = { "--policy", "open", NULL };
	start(f, open_args);
	struct reply r = ask(f, "anything.exfil.test", TS_DNS_TYPE_A, false);
	assert_int_equal(r.rcode, TS_DNS_NOERROR);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.addrs[0].addr, "198.51.100.30");
	assert_true(fake_upstream_saw(f->upstream_log, "anything.exfil.test A udp"));
	assert_false(in_table(f, "198.51.100.30"));
	r = ask(f, "allowed.test", TS_DNS_TYPE_A, false);
	assert_true(learned(f, "203.0.113.20", "1d2h24m"));
}

static void test_allow_and_deny_without_restart(void **state)
{
	struct fixture *f = *state;
	start(f, NULL);
	assert_int_equal(ask(f, "later.test", TS_DNS_TYPE_A, false).rcode, TS_DNS_REFUSED);
	write_text(f->state_dir, "live.domains", "later.test\n");
	struct reply r = ask(f, "api.later.test", TS_DNS_TYPE_A, false);
	assert_int_equal(r.rcode, TS_DNS_NOERROR);
	assert_true(learned(f, "198.51.100.30", "5m30s"));
	assert_int_equal(ask(f, "allowed.test", TS_DNS_TYPE_A, false).rcode, TS_DNS_NOERROR);
	write_text(f->state_dir, "denied.domains", "allowed.test\n");
	assert_int_equal(ask(f, "allowed.test", TS_DNS_TYPE_A, false).rcode, TS_DNS_REFUSED);
	assert_int_equal(ask(f, "short.allowed.test", TS_DNS_TYPE_A, false).rcode, TS_DNS_REFUSED);
	assert_int_equal(ask(f, "www.cname.test", TS_DNS_TYPE_A, false).rcode, TS_DNS_NOERROR);
}

/* A deny written while a query is upstream holds for its answer: refused, nothing learned. */
static void test_deny_while_upstream(void **state)
{
	struct fixture *f = *state;
	start(f, NULL);
	int fd = harness_socket(&f->h, f->h.container, AF_INET, SOCK_DGRAM);
	connect_local(fd);
	uint8_t q[512], a[512];
	size_t qn = fake_query_build(q, 0xb001, "late.allowed.test", TS_DNS_TYPE_A);
	assert_int_equal(send(fd, q, qn, 0), (ssize_t)qn);
	double t0 = harness_now_ms();
	while (!fake_upstream_saw(f->upstream_log, "late.allowed.test A udp") &&
	       harness_now_ms() - t0 < 5000)
		usleep(10000);
	write_text(f->state_dir, "denied.domains", "late.allowed.test\n");
	struct reply r;
	read_reply(a, recv(fd, a, sizeof(a), 0), 0xb001, TS_DNS_TYPE_A, &r);
	close(fd);
	assert_int_equal(r.rcode, TS_DNS_REFUSED);
	assert_false(in_table(f, "203.0.113.22"));
}

/*
 * A TCP client that sends a byte at a time holds no slot: only a whole
 * message counts as activity, so the idle limit (10 s) closes it.
 */
static void test_tcp_dribble_closed(void **state)
{
	struct fixture *f = *state;
	start(f, NULL);
	int fd = harness_socket(&f->h, f->h.container, AF_INET, SOCK_STREAM);
	connect_local(fd);
	const uint8_t len[2] = { 0, 100 };
	assert_int_equal(send(fd, len, 2, 0), 2);
	double t0 = harness_now_ms();
	bool closed = false;
	while (!closed && harness_now_ms() - t0 < 20000) {
		closed = send(fd, "x", 1, MSG_NOSIGNAL) != 1;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char c;
		if (!closed && poll(&p, 1, 2000) == 1)
			closed = recv(fd, &c, 1, 0) <= 0;
	}
	double took = harness_now_ms() - t0;
	close(fd);
	assert_true(closed);
	assert_true(took > 9000);
	assert_int_equal(ask(f, "allowed.test", TS_DNS_TYPE_A, true).rcode, TS_DNS_NOERROR);
}

static void test_upstream_down_servfail(void **state)
{
	struct fixture *f = *state;
	start(f, NULL);
	kill(f->upstream, SIGKILL);
	waitpid(f->upstream, NULL, 0);
	double t0 = harness_now_ms();
	struct reply r = ask(f, "allowed.test", TS_DNS_TYPE_A, false);
	assert_int_equal(r.rcode, TS_DNS_SERVFAIL);
	/* c-ares gives up after its tries (2 x 1.5 s at most), well before the client would. */
	assert_true(harness_now_ms() - t0 < 7000);
	assert_false(in_table(f, "203.0.113.20"));
}

static long rss_kb(pid_t pid)
{
	char path[64], *text = NULL;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (ts_file_read(path, &text, NULL, NULL) < 0)
		return -1;
	char *p = strstr(text, "VmRSS:");
	long kb = p ? strtol(p + 6, NULL, 10) : -1;
	free(text);
	return kb;
}

static void test_flood_bounded(void **state)
{
	struct fixture *f = *state;
	start(f, NULL);
	/* Queries the upstream never answers: at most 256 wait, the rest get SERVFAIL at once (or are dropped with a full socket buffer). */
	int fd = harness_socket(&f->h, f->h.container, AF_INET, SOCK_DGRAM);
	connect_local(fd);
	int rcvbuf = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	long before = rss_kb(f->forwarder);
	int servfail = 0;
	for (int round = 0; round < 10; round++) {
		for (int i = 0; i < 1000; i++) {
			uint8_t q[512];
			size_t n = fake_query_build(q, (uint16_t)(round * 1000 + i), "slow.allowed.test",
					      TS_DNS_TYPE_A);
			if (send(fd, q, n, 0) < 0)
				break;
		}
		uint8_t a[512];
		struct timeval tv = { 0, 200000 };
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		ssize_t n;
		while ((n = recv(fd, a, sizeof(a), 0)) > 0)
			if (n >= 12 && (a[3] & 0x0f) == TS_DNS_SERVFAIL)
				servfail++;
	}
	close(fd);
	long after = rss_kb(f->forwarder);
	print_message("# flood: %d immediate SERVFAIL of 10000, RSS %ld -> %ld kB\n", servfail,
		      before, after);
	/* What the socket buffer held beyond the 256 waiting was answered, not queued without bound. */
	assert_true(servfail > 0);
	assert_true(before > 0 && after - before < 16 * 1024);
	/* 40 idle TCP clients: 32 are served, the forwarder still answers afterwards. */
	int clients[40];
	for (int i = 0; i < 40; i++) {
		clients[i] = harness_socket(&f->h, f->h.container, AF_INET, SOCK_STREAM);
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53),
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		connect(clients[i], (struct sockaddr *)&sa, sizeof(sa));
	}
	assert_int_equal(ask(f, "exfil.test", TS_DNS_TYPE_A, false).rcode, TS_DNS_REFUSED);
	for (int i = 0; i < 40; i++)
		close(clients[i]);
	/* Once the waiting queries time out (c-ares: 2 tries of 1.5 s), forwarding resumes. */
	double deadline = harness_now_ms() + 15000;
	int rcode;
	while ((rcode = ask(f, "allowed.test", TS_DNS_TYPE_A, true).rcode) == TS_DNS_SERVFAIL &&
	       harness_now_ms() < deadline)
		usleep(250000);
	assert_int_equal(rcode, TS_DNS_NOERROR);
}

static int exit_status(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The forwarder refused to start: its exit status, and 127.0.0.1:53 is still free in the container. */
static int refused_start(struct fixture *f, pid_t pid, const char *const *extra)
{
	pid_t child = spawn(f, pid, extra, NULL);
	int code = exit_status(child);
	int fd = harness_socket(&f->h, f->h.container, AF_INET, SOCK_DGRAM);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	return code;
}

static void test_bad_args_refused(void **state)
{
	struct fixture *f = *state;
	const char *const bad_policy[] = { "--policy", "lenient", NULL };
	const char *const stray[] = { "extra", NULL };
	const char *const bad_fd[] = { "--ready-fd", "987", NULL };
	assert_int_equal(refused_start(f, f->h.container, bad_policy), 2);
	assert_int_equal(refused_start(f, f->h.container, stray), 2);
	assert_int_equal(refused_start(f, f->h.container, bad_fd), 2);
	/* A process that is not the one container.pid names. */
	pid_t other = harness_bystander(&f->h);
	assert_int_equal(refused_start(f, other, NULL), 1);
	char *err = NULL;
	assert_int_equal(ts_file_read(f->stderr_path, &err, NULL, NULL), 0);
	assert_non_null(strstr(err, "not"));
	assert_non_null(strstr(err, "container.pid"));
	free(err);
	/* container.pid naming a process that was recycled (start time differs). */
	char *recycled = NULL;
	assert_true(asprintf(&recycled, "%d 1 1\n", (int)f->h.container) > 0);
	write_text(f->state_dir, "container.pid", recycled);
	free(recycled);
	assert_int_equal(refused_start(f, f->h.container, NULL), 1);
	assert_int_equal(ts_file_read(f->stderr_path, &err, NULL, NULL), 0);
	assert_non_null(strstr(err, "no longer the container"));
	free(err);
	write_container_pid(f, f->h.container);
	/* A query log that is no regular file (a FIFO would hang a writer; a symlink points elsewhere). */
	char *log_path = NULL;
	assert_true(asprintf(&log_path, "%s/dnsmasq.log", f->state_dir) > 0);
	assert_int_equal(mkfifo(log_path, 0600), 0);
	const char *const with_log[] = { "--query-log", NULL };
	assert_int_equal(refused_start(f, f->h.container, with_log), 1);
	assert_int_equal(unlink(log_path), 0);
	assert_int_equal(symlink("/tmp/elsewhere.log", log_path), 0);
	assert_int_equal(refused_start(f, f->h.container, with_log), 1);
	assert_int_equal(access("/tmp/elsewhere.log", F_OK), -1);
	assert_int_equal(unlink(log_path), 0);
	free(log_path);
	/* No table in the container: nowhere to learn into. */
	assert_int_equal(harness_nft(&f->h, f->h.container, "delete table inet terok_shield"), 0);
	assert_int_equal(refused_start(f, f->h.container, NULL), 1);
}

static void test_ends_with_container(void **state)
{
	struct fixture *f = *state;
	start(f, NULL);
	kill(f->h.container, SIGKILL);
	double t0 = harness_now_ms();
	int code = exit_status(f->forwarder);
	f->forwarder = -1;
	assert_int_equal(code, 0);
	assert_true(harness_now_ms() - t0 < 5000);
}

#define WITH(test) cmocka_unit_test_setup_teardown(test, setup, teardown)

int main(void)
{
	const char *why;
	if (!harness_supported(&why)) {
		printf("1..0 # SKIP %s\n", why);
		return 0;
	}
	if (!getenv("TS_TEST_DNS")) {
		printf("1..0 # SKIP TS_TEST_DNS (the forwarder to test) is not set\n");
		return 0;
	}
	const struct CMUnitTest tests[] = {
		WITH(test_strict_refuses_locally),
		WITH(test_upstream_gets_only_the_question),
		WITH(test_learns_with_bounded_timeout),
		WITH(test_keeps_only_net_admin),
		WITH(test_cname_chain),
		WITH(test_tcp_and_truncation),
		WITH(test_interval_sets),
		WITH(test_sighup_relearns),
		WITH(test_open_forwards_without_learning),
		WITH(test_allow_and_deny_without_restart),
		WITH(test_deny_while_upstream),
		WITH(test_tcp_dribble_closed),
		WITH(test_upstream_down_servfail),
		WITH(test_flood_bounded),
		WITH(test_bad_args_refused),
		WITH(test_ends_with_container),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
