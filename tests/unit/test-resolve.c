/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The static resolver against a DNS server of the test's own: a forked
 * child on an ephemeral 127.0.0.1 port with fixed answers per name (see
 * decide()), some delayed and some never sent. Only loopback traffic; the
 * host's resolv.conf is never used for a query (the tests through
 * ts_resolve_all pass only names that are rejected before any lookup).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "base/util.h"
#include "dns/resolve.h"

#define SLOW_DELAY_MS 200
#define QUEUE_MAX 1024

static pid_t server_pid = -1;
static int log_fd = -1;     /* the server writes "A name\n" per query it receives */
static char servers[64];    /* "127.0.0.1:PORT" of the answering server */
static char silent[64];     /* a socket that receives and never answers */
static char closed_port[64];/* nothing listening: ICMP port unreachable */
static int silent_fd = -1;

static uint64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* ---- the test's DNS server ---- */

enum { T_A = 1, T_CNAME = 5, T_AAAA = 28 };
enum { RC_OK = 0, RC_SERVFAIL = 2, RC_NXDOMAIN = 3, RC_REFUSED = 5 };

struct rr {
	uint16_t type;
	const char *owner; /* NULL: the question's name */
	unsigned char data[64];
	uint16_t len;
};

struct verdict {
	int rcode;
	struct rr rr[4];
	int n;
	bool drop;
	int delay_ms;
};

static void add_a(struct verdict *v, const char *owner, const char *text)
{
	struct rr *rr = &v->rr[v->n++];
	rr->type = T_A, rr->owner = owner, rr->len = 4;
	inet_pton(AF_INET, text, rr->data);
}

static void add_aaaa(struct verdict *v, const char *text)
{
	struct rr *rr = &v->rr[v->n++];
	rr->type = T_AAAA, rr->owner = NULL, rr->len = 16;
	inet_pton(AF_INET6, text, rr->data);
}

/* "a.test" as DNS labels; returns the length. */
static size_t put_name(unsigned char *out, const char *name)
{
	size_t len = 0;
	while (*name) {
		size_t l = strcspn(name, ".");
		out[len++] = (unsigned char)l;
		memcpy(out + len, name, l);
		len += l;
		name += l;
		if (*name == '.')
			name++;
	}
	out[len++] = 0;
	return len;
}

/* The fixed answers. Unknown names are refused, like dnsmasq without upstream. */
static struct verdict decide(const char *name, int qtype)
{
	struct verdict v = { .rcode = RC_OK };
	bool a = qtype == T_A, aaaa = qtype == T_AAAA;
	if (strcmp(name, "a.test") == 0) {
		if (a)
			add_a(&v, NULL, "203.0.113.1");
		if (aaaa)
			add_aaaa(&v, "2001:db8::1");
	} else if (strcmp(name, "v4.test") == 0) {
		if (a)
			add_a(&v, NULL, "203.0.113.2");
	} else if (strcmp(name, "v6.test") == 0) {
		if (aaaa)
			add_aaaa(&v, "2001:0db8:0000:0000:0000:0000:0000:0002");
	} else if (strcmp(name, "multi.test") == 0) {
		if (a) {
			add_a(&v, NULL, "203.0.113.3");
			add_a(&v, NULL, "203.0.113.1");
		}
		if (aaaa)
			add_aaaa(&v, "2001:db8::1");
	} else if (strcmp(name, "alias.test") == 0) {
		if (a) {
			struct rr *rr = &v.rr[v.n++];
			rr->type = T_CNAME, rr->owner = NULL;
			rr->len = (uint16_t)put_name(rr->data, "target.test");
			add_a(&v, "target.test", "203.0.113.5");
		}
	} else if (strcmp(name, "empty.test") == 0) {
		/* NOERROR, no records */
	} else if (strcmp(name, "nx.test") == 0) {
		v.rcode = RC_NXDOMAIN;
	} else if (strcmp(name, "fail.test") == 0) {
		v.rcode = RC_SERVFAIL;
	} else if (strcmp(name, "drop.test") == 0) {
		v.drop = true;
	} else if (strcmp(name, "v6drop.test") == 0) {
		if (a)
			add_a(&v, NULL, "203.0.113.4");
		v.drop = aaaa;
	} else if (ts_startswith(name, "slow") && strcmp(name + strcspn(name, "."), ".test") == 0) {
		/* slowN.test: 198.51.100.N, after a delay */
		if (a) {
			char text[32];
			snprintf(text, sizeof(text), "198.51.100.%d", atoi(name + 4));
			add_a(&v, NULL, text);
		}
		v.delay_ms = SLOW_DELAY_MS;
	} else {
		v.rcode = RC_REFUSED;
	}
	return v;
}

/* The query's name (lower case, dotted) and type; the offset after its question, or 0. */
static size_t parse_query(const unsigned char *q, size_t len, char name[256], int *qtype)
{
	if (len < 12 || q[4] != 0 || q[5] != 1)
		return 0;
	size_t at = 12, out = 0;
	while (at < len && q[at] != 0) {
		size_t l = q[at++];
		if (l > 63 || at + l > len || out + l + 1 > 255)
			return 0;
		if (out)
			name[out++] = '.';
		for (size_t i = 0; i < l; i++)
			name[out++] = (char)tolower(q[at + i]);
		at += l;
	}
	name[out] = '\0';
	if (at + 5 > len)
		return 0;
	*qtype = q[at + 1] << 8 | q[at + 2];
	return at + 5;
}

static size_t build_reply(const unsigned char *q, size_t qend, const struct verdict *v,
			  unsigned char *out)
{
	memcpy(out, q, qend);
	out[2] = (unsigned char)(0x80 | (q[2] & 0x01)); /* QR, RD copied */
	out[3] = (unsigned char)(0x80 | v->rcode);      /* RA */
	out[6] = 0, out[7] = (unsigned char)v->n;
	out[8] = out[9] = out[10] = out[11] = 0;
	size_t len = qend;
	for (int i = 0; i < v->n; i++) {
		const struct rr *rr = &v->rr[i];
		if (rr->owner) {
			len += put_name(out + len, rr->owner);
		} else {
			out[len++] = 0xc0; /* pointer to the question's name */
			out[len++] = 12;
		}
		unsigned char fixed[] = { 0, (unsigned char)rr->type, 0, 1, 0, 0, 0, 60, 0,
					  (unsigned char)rr->len };
		memcpy(out + len, fixed, sizeof(fixed));
		len += sizeof(fixed);
		memcpy(out + len, rr->data, rr->len);
		len += rr->len;
	}
	return len;
}

struct pending {
	uint64_t due;
	struct sockaddr_in to;
	size_t len;
	unsigned char buf[512];
};

/* Answers in arrival order; delayed ones wait in a queue (all delays are equal). */
static void serve(int fd, int logw)
{
	static struct pending queue[QUEUE_MAX];
	size_t head = 0, tail = 0;
	for (;;) {
		int wait = -1;
		if (head != tail) {
			uint64_t now = now_ms(), due = queue[head % QUEUE_MAX].due;
			wait = due > now ? (int)(due - now) : 0;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		poll(&pfd, 1, wait);
		unsigned char q[512];
		struct sockaddr_in from;
		socklen_t fromlen = sizeof(from);
		ssize_t len;
		while ((len = recvfrom(fd, q, sizeof(q), MSG_DONTWAIT, (struct sockaddr *)&from,
				       &fromlen)) > 0) {
			char name[256], line[300];
			int qtype = 0;
			size_t qend = parse_query(q, (size_t)len, name, &qtype);
			if (!qend)
				continue;
			int n = snprintf(line, sizeof(line), "%s %s\n",
					 qtype == T_A ? "A" : qtype == T_AAAA ? "AAAA" : "?", name);
			if (write(logw, line, (size_t)n) != n)
				_exit(1);
			struct verdict v = decide(name, qtype);
			if (v.drop)
				continue;
			struct pending *p = &queue[tail % QUEUE_MAX];
			p->len = build_reply(q, qend, &v, p->buf);
			p->to = from;
			if (v.delay_ms == 0) {
				sendto(fd, p->buf, p->len, 0, (struct sockaddr *)&from, fromlen);
			} else if (tail - head < QUEUE_MAX) {
				p->due = now_ms() + (uint64_t)v.delay_ms;
				tail++;
			}
			fromlen = sizeof(from);
		}
		for (uint64_t now = now_ms(); head != tail && queue[head % QUEUE_MAX].due <= now; head++) {
			struct pending *p = &queue[head % QUEUE_MAX];
			sendto(fd, p->buf, p->len, 0, (struct sockaddr *)&p->to, sizeof(p->to));
		}
	}
}

/* A UDP socket on 127.0.0.1, ephemeral port; "127.0.0.1:PORT" into text. */
static int udp_socket(char text[64])
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		return -1;
	snprintf(text, 64, "127.0.0.1:%u", ntohs(sin.sin_port));
	return fd;
}

static int start_server(void **state)
{
	(void)state;
	int logp[2];
	_cleanup_close_ int fd = udp_socket(servers);
	int bufsize = 1 << 20;
	if (fd < 0 || pipe2(logp, O_CLOEXEC) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
	pid_t parent = getpid();
	server_pid = fork();
	if (server_pid < 0)
		return -1;
	if (server_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		close(logp[0]);
		serve(fd, logp[1]);
	}
	close(logp[1]);
	log_fd = logp[0];
	fcntl(log_fd, F_SETFL, O_NONBLOCK);

	silent_fd = udp_socket(silent);
	int gone = udp_socket(closed_port);
	if (silent_fd < 0 || gone < 0)
		return -1;
	close(gone); /* the port is free now: queries to it are refused */
	return 0;
}

static int stop_server(void **state)
{
	(void)state;
	if (server_pid > 0) {
		kill(server_pid, SIGKILL);
		waitpid(server_pid, NULL, 0);
	}
	close(log_fd);
	close(silent_fd);
	return 0;
}

/* Everything the server logged since the last call, after a "\n": "\nA a.test\n" finds a line. */
static char *take_log(void)
{
	static char buf[1 << 16];
	size_t len = 1;
	buf[0] = '\n';
	ssize_t n;
	while (len < sizeof(buf) - 1 && (n = read(log_fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	return buf;
}

static size_t count(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(text, needle); p; p = strstr(p + strlen(needle), needle))
		n++;
	return n;
}

/* ---- helpers ---- */

struct result {
	struct ts_strv ips, unresolved;
	int r;
	uint64_t ms;
	struct ts_error err;
};

static void result_clear(struct result *res)
{
	ts_strv_clear(&res->ips);
	ts_strv_clear(&res->unresolved);
}

static struct result resolve_at(const char *at, const char *const *names, size_t n, int timeout_ms)
{
	struct result res = { .ips = TS_STRV_INIT, .unresolved = TS_STRV_INIT };
	take_log();
	uint64_t start = now_ms();
	res.r = ts_resolve_all_at(at, names, n, timeout_ms, &res.ips, &res.unresolved, &res.err);
	res.ms = now_ms() - start;
	return res;
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

/* ---- tests ---- */

static void test_no_names(void **state)
{
	(void)state;
	struct ts_strv ips = TS_STRV_INIT, unresolved = TS_STRV_INIT;
	assert_int_equal(ts_resolve_all(NULL, 0, 1000, &ips, &unresolved, NULL), 0);
	assert_int_equal(ips.n, 0);
	assert_int_equal(unresolved.n, 0);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	struct ts_strv ips = TS_STRV_INIT, unresolved = TS_STRV_INIT;
	struct ts_error err = { 0 };
	const char *names[] = { "a.test", NULL };
	assert_int_equal(ts_resolve_all(NULL, 1, 1000, &ips, &unresolved, &err), -EINVAL);
	assert_int_equal(ts_resolve_all(names, 1, 1000, NULL, &unresolved, &err), -EINVAL);
	assert_int_equal(ts_resolve_all(names, 1, 1000, &ips, NULL, &err), -EINVAL);
	assert_int_equal(ts_resolve_all(names, 1, 0, &ips, &unresolved, &err), -EINVAL);
	assert_non_null(strstr(err.message, "timeout"));
	assert_int_equal(ts_resolve_all(names, 1, -5, &ips, &unresolved, &err), -EINVAL);
	assert_int_equal(ts_resolve_all(names, 2, 1000, &ips, &unresolved, &err), -EINVAL);
	assert_non_null(strstr(err.message, "name 1"));
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(ips.n, 0);
	assert_int_equal(unresolved.n, 0);
}

/*
 * Rejected before any lookup: the test's own server is asked, and must see
 * no query at all (a regression can never reach a real resolver).
 */
static void test_invalid_names(void **state)
{
	(void)state;
	struct ts_strv ips = TS_STRV_INIT, unresolved = TS_STRV_INIT;
	const char *names[] = { "localhost", "", "bad_name.com", "-x.com", "a..b.com", "1.2.3.4",
				"x.c", "evil\n.com", "*.", "*.*.example.com", "example.com:80" };
	take_log();
	assert_int_equal(ts_resolve_all_at(servers, names, ARRAY_SIZE(names), 1000, &ips,
					   &unresolved, NULL), 0);
	usleep(100 * 1000);
	assert_string_equal(take_log(), "\n");
	assert_int_equal(ips.n, 0);
	ASSERT_STRV(&unresolved, "localhost: not a valid domain name", ": not a valid domain name",
		    "bad_name.com: not a valid domain name", "-x.com: not a valid domain name",
		    "a..b.com: not a valid domain name", "1.2.3.4: not a valid domain name",
		    "x.c: not a valid domain name", "evil?.com: not a valid domain name",
		    "*.: not a valid domain name", "*.*.example.com: not a valid domain name",
		    "example.com:80: not a valid domain name");
	ts_strv_clear(&unresolved);

	/* A long name is shown shortened. */
	char longname[400];
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	const char *one[] = { longname };
	assert_int_equal(ts_resolve_all_at(servers, one, 1, 1000, &ips, &unresolved, NULL), 0);
	assert_int_equal(unresolved.n, 1);
	assert_true(strlen(unresolved.items[0]) < 120);
	assert_non_null(strstr(unresolved.items[0], "…: not a valid domain name"));
	ts_strv_clear(&unresolved);
}

static void test_a_and_aaaa(void **state)
{
	(void)state;
	const char *names[] = { "a.test" };
	struct result res = resolve_at(servers, names, 1, 2000);
	assert_int_equal(res.r, 0);
	ASSERT_STRV(&res.ips, "203.0.113.1", "2001:db8::1");
	assert_int_equal(res.unresolved.n, 0);
	const char *log = take_log();
	assert_int_equal(count(log, "\nA a.test\n"), 1);
	assert_int_equal(count(log, "\nAAAA a.test\n"), 1);
	result_clear(&res);
}

/* One family is enough; the other's NODATA is no failure. */
static void test_one_family(void **state)
{
	(void)state;
	const char *names[] = { "v4.test", "v6.test", "alias.test" };
	struct result res = resolve_at(servers, names, ARRAY_SIZE(names), 2000);
	assert_int_equal(res.r, 0);
	ASSERT_STRV(&res.ips, "203.0.113.2", "2001:db8::2", "203.0.113.5");
	assert_int_equal(res.unresolved.n, 0);
	result_clear(&res);
}

/* Name order, A before AAAA, each address once, what *ips held already kept and not repeated. */
static void test_order_and_dedup(void **state)
{
	(void)state;
	const char *names[] = { "multi.test", "a.test", "v6.test", "v4.test" };
	struct result res = { .ips = TS_STRV_INIT, .unresolved = TS_STRV_INIT };
	ts_strv_push(&res.ips, "2001:db8::2");
	res.r = ts_resolve_all_at(servers, names, ARRAY_SIZE(names), 2000, &res.ips, &res.unresolved,
				  NULL);
	assert_int_equal(res.r, 0);
	ASSERT_STRV(&res.ips, "2001:db8::2", "203.0.113.3", "203.0.113.1", "2001:db8::1",
		    "203.0.113.2");
	assert_int_equal(res.unresolved.n, 0);
	result_clear(&res);
}

static void test_failures_reported(void **state)
{
	(void)state;
	const char *names[] = { "nx.test", "a.test", "fail.test", "unknown.test", "empty.test" };
	struct result res = resolve_at(servers, names, ARRAY_SIZE(names), 2000);
	assert_int_equal(res.r, 0);
	ASSERT_STRV(&res.ips, "203.0.113.1", "2001:db8::1");
	ASSERT_STRV(&res.unresolved, "nx.test: no such domain (NXDOMAIN)",
		    "fail.test: DNS server failure (SERVFAIL)",
		    "unknown.test: refused by the DNS server", "empty.test: no A or AAAA records");
	assert_true(res.ms < 1000); /* errors are answers: nothing waits for a timeout */
	result_clear(&res);
}

/* "*.a.test", "A.TEST." and "a.test" are one domain: asked once, reported once. */
static void test_wildcard_and_repeats(void **state)
{
	(void)state;
	const char *names[] = { "*.a.test", "A.TEST.", "a.test", "nx.test", "*.NX.test" };
	struct result res = resolve_at(servers, names, ARRAY_SIZE(names), 2000);
	assert_int_equal(res.r, 0);
	ASSERT_STRV(&res.ips, "203.0.113.1", "2001:db8::1");
	ASSERT_STRV(&res.unresolved, "nx.test: no such domain (NXDOMAIN)");
	const char *log = take_log();
	assert_int_equal(count(log, "\nA a.test\n"), 1);
	assert_int_equal(count(log, "\nAAAA a.test\n"), 1);
	assert_int_equal(count(log, "\nAAAA nx.test\n"), 1);
	assert_int_equal(count(log, "*"), 0);
	result_clear(&res);
}

/* An invalid name among valid ones is reported in its place and never sent. */
static void test_invalid_among_valid(void **state)
{
	(void)state;
	const char *names[] = { "a.test", "bad name.test", "nx.test", "v4.test" };
	struct result res = resolve_at(servers, names, ARRAY_SIZE(names), 2000);
	assert_int_equal(res.r, 0);
	ASSERT_STRV(&res.ips, "203.0.113.1", "2001:db8::1", "203.0.113.2");
	ASSERT_STRV(&res.unresolved, "bad?name.test: not a valid domain name",
		    "nx.test: no such domain (NXDOMAIN)");
	const char *log = take_log();
	assert_null(strstr(log, "bad"));
	result_clear(&res);
}

/* A lost query costs at most the timeout, and only its own name. */
static void test_timeout_bounded(void **state)
{
	(void)state;
	const char *names[] = { "drop.test", "a.test", "v6drop.test" };
	struct result res = resolve_at(servers, names, ARRAY_SIZE(names), 300);
	assert_int_equal(res.r, 0);
	ASSERT_STRV(&res.ips, "203.0.113.1", "2001:db8::1", "203.0.113.4");
	ASSERT_STRV(&res.unresolved, "drop.test: timed out");
	assert_true(res.ms >= 250);
	if (res.ms > 600)
		fail_msg("took %llu ms with a 300 ms timeout", (unsigned long long)res.ms);
	/* c-ares retried once inside the budget. */
	assert_int_equal(count(take_log(), "\nAAAA drop.test\n"), 2);
	result_clear(&res);
}

static void test_silent_server(void **state)
{
	(void)state;
	const char *names[] = { "a.test", "b.test", "c.test" };
	struct result res = resolve_at(silent, names, ARRAY_SIZE(names), 300);
	assert_int_equal(res.r, 0);
	assert_int_equal(res.ips.n, 0);
	ASSERT_STRV(&res.unresolved, "a.test: timed out", "b.test: timed out", "c.test: timed out");
	if (res.ms < 250 || res.ms > 600)
		fail_msg("took %llu ms with a 300 ms timeout", (unsigned long long)res.ms);
	result_clear(&res);
}

/* Nothing listening: refused at once, not a wait for the timeout. */
static void test_unreachable_server(void **state)
{
	(void)state;
	const char *names[] = { "a.test", "v4.test" };
	struct result res = resolve_at(closed_port, names, ARRAY_SIZE(names), 3000);
	assert_int_equal(res.r, 0);
	assert_int_equal(res.ips.n, 0);
	ASSERT_STRV(&res.unresolved, "a.test: no usable answer from the DNS servers",
		    "v4.test: no usable answer from the DNS servers");
	assert_true(res.ms < 1500);
	result_clear(&res);
}

/* A dead first server: the second answers within the same budget. */
static void test_failover(void **state)
{
	(void)state;
	char both[160];
	snprintf(both, sizeof(both), "%s,%s", silent, servers);
	const char *names[] = { "a.test" };
	struct result res = resolve_at(both, names, 1, 900);
	assert_int_equal(res.r, 0);
	ASSERT_STRV(&res.ips, "203.0.113.1", "2001:db8::1");
	assert_int_equal(res.unresolved.n, 0);
	assert_true(res.ms < 900);
	result_clear(&res);
}

/* 100 names whose answers each take 200 ms: all asked at once, so about 200 ms in all. */
static void test_parallel(void **state)
{
	(void)state;
	enum { N = 100 };
	char storage[N][32];
	const char *names[N];
	for (int i = 0; i < N; i++) {
		snprintf(storage[i], sizeof(storage[i]), "slow%d.test", i);
		names[i] = storage[i];
	}
	struct result res = resolve_at(servers, names, N, 3000);
	assert_int_equal(res.r, 0);
	assert_int_equal(res.ips.n, N);
	assert_int_equal(res.unresolved.n, 0);
	for (int i = 0; i < N; i++) {
		char want[32];
		snprintf(want, sizeof(want), "198.51.100.%d", i);
		assert_string_equal(res.ips.items[i], want);
	}
	assert_true(res.ms >= SLOW_DELAY_MS);
	if (res.ms > 5 * SLOW_DELAY_MS)
		fail_msg("%d names at %d ms each took %llu ms: not in parallel", N, SLOW_DELAY_MS,
			 (unsigned long long)res.ms);
	const char *log = take_log();
	assert_int_equal(count(log, "\nA slow"), N);
	assert_int_equal(count(log, "\nAAAA slow"), N);
	result_clear(&res);
}

static void test_bad_server_list(void **state)
{
	(void)state;
	const char *names[] = { "a.test" };
	struct result res = resolve_at("not a server", names, 1, 1000);
	assert_true(res.r < 0);
	assert_non_null(strstr(res.err.message, "not a server"));
	assert_int_equal(res.ips.n, 0);
	assert_int_equal(res.unresolved.n, 0);
}

int main(void)
{
	/* The server child is killed by the group teardown; a SIGPIPE must not end the test. */
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_names),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_invalid_names),
		cmocka_unit_test(test_a_and_aaaa),
		cmocka_unit_test(test_one_family),
		cmocka_unit_test(test_order_and_dedup),
		cmocka_unit_test(test_failures_reported),
		cmocka_unit_test(test_wildcard_and_repeats),
		cmocka_unit_test(test_invalid_among_valid),
		cmocka_unit_test(test_timeout_bounded),
		cmocka_unit_test(test_silent_server),
		cmocka_unit_test(test_unreachable_server),
		cmocka_unit_test(test_failover),
		cmocka_unit_test(test_parallel),
		cmocka_unit_test(test_bad_server_list),
	};
	return cmocka_run_group_tests(tests, start_server, stop_server);
}
