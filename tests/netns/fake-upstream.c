/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/fileio.h"
#include "dns/dnsquery.h"
#include "fake-upstream.h"
#include "harness.h"

struct msg {
	uint8_t b[8192];
	size_t n;
};

static void put8(struct msg *m, uint8_t v)
{
	if (m->n < sizeof(m->b))
		m->b[m->n++] = v;
}

static void put16(struct msg *m, uint16_t v)
{
	put8(m, (uint8_t)(v >> 8));
	put8(m, (uint8_t)v);
}

static void put32(struct msg *m, uint32_t v)
{
	put16(m, (uint16_t)(v >> 16));
	put16(m, (uint16_t)v);
}

static void put_name(struct msg *m, const char *name)
{
	while (*name) {
		const char *dot = strchrnul(name, '.');
		put8(m, (uint8_t)(dot - name));
		while (name < dot)
			put8(m, (uint8_t)*name++);
		if (*name == '.')
			name++;
	}
	put8(m, 0);
}

/* A record owned by name (NULL: the question's name, by pointer). */
static void record_head(struct msg *m, const char *owner, uint16_t type, uint32_t ttl)
{
	if (owner)
		put_name(m, owner);
	else
		put16(m, 0xc00c);
	put16(m, type);
	put16(m, TS_DNS_CLASS_IN);
	put32(m, ttl);
}

static void record_a(struct msg *m, const char *owner, const char *addr, uint32_t ttl)
{
	struct in_addr a;
	inet_pton(AF_INET, addr, &a);
	record_head(m, owner, TS_DNS_TYPE_A, ttl);
	put16(m, 4);
	memcpy(m->b + m->n, &a, 4);
	m->n += 4;
}

static void record_cname(struct msg *m, const char *owner, const char *target, uint32_t ttl)
{
	record_head(m, owner, 5, ttl);
	struct msg rd = { .n = 0 };
	put_name(&rd, target);
	put16(m, (uint16_t)rd.n);
	memcpy(m->b + m->n, rd.b, rd.n);
	m->n += rd.n;
}

/* The answer to q (msg: the query); false: stay silent. */
static bool build_answer(const uint8_t *query, const struct ts_dns_question *q, bool tcp,
			 struct msg *m)
{
	if (strcmp(q->name, "slow.allowed.test") == 0)
		return false;
	m->n = 0;
	put16(m, q->id);
	put16(m, 0x8180); /* QR, RD, RA */
	put16(m, 1);
	put16(m, 0); /* answer count, set below */
	put16(m, 0);
	put16(m, 0);
	memcpy(m->b + m->n, query + TS_DNS_HEADER_LEN, q->end - TS_DNS_HEADER_LEN);
	m->n = q->end;
	uint16_t count = 0;
	bool a = q->qtype == TS_DNS_TYPE_A;
	unsigned bulk;
	char t;
	if (strcmp(q->name, "allowed.test") == 0 && a) {
		record_a(m, NULL, "203.0.113.20", 100000), count = 1;
	} else if (strcmp(q->name, "late.allowed.test") == 0 && a) {
		record_a(m, NULL, "203.0.113.22", 300), count = 1;
	} else if (strcmp(q->name, "short.allowed.test") == 0 && a) {
		record_a(m, NULL, "203.0.113.21", 5), count = 1;
	} else if (strcmp(q->name, "v6.allowed.test") == 0 && q->qtype == TS_DNS_TYPE_AAAA) {
		struct in6_addr a6;
		inet_pton(AF_INET6, "2001:db8::20", &a6);
		record_head(m, NULL, TS_DNS_TYPE_AAAA, 300);
		put16(m, 16);
		memcpy(m->b + m->n, &a6, 16);
		m->n += 16;
		count = 1;
	} else if (strcmp(q->name, "www.cname.test") == 0 && a) {
		record_cname(m, NULL, "mid.cname.test", 600);
		record_cname(m, "mid.cname.test", "edge.cdn.test", 600);
		record_a(m, "edge.cdn.test", "203.0.113.30", 600);
		count = 3;
	} else if (strcmp(q->name, "big.allowed.test") == 0 && a) {
		for (int i = 1; i <= 40; i++) {
			char addr[32];
			snprintf(addr, sizeof(addr), "203.0.113.%d", 100 + i);
			record_a(m, NULL, addr, 300);
		}
		count = 40;
		if (!tcp) {
			m->n = q->end;
			m->b[2] |= 0x02; /* TC */
			count = 0;
		}
	} else if (a && sscanf(q->name, "n%u.bulk.tes%c", &bulk, &t) == 2 && t == 't' && bulk < 65536) {
		char addr[32];
		snprintf(addr, sizeof(addr), "100.64.%u.%u", bulk / 256, bulk % 256);
		record_a(m, NULL, addr, 300), count = 1;
	} else if (a) {
		record_a(m, NULL, "198.51.100.30", 300), count = 1;
	}
	m->b[6] = (uint8_t)(count >> 8);
	m->b[7] = (uint8_t)count;
	return true;
}

static void record_query(const char *log_path, const uint8_t *query, size_t len,
			 const struct ts_dns_question *q, bool tcp)
{
	if (!log_path)
		return;
	char line[512], type[12] = "-";
	int n = snprintf(line, sizeof(line), "%s %s %s len=%zu flags=%02x%02x\n",
			 q ? q->name : "(unparsed)", q ? ts_dns_type_name(q->qtype, type) : type,
			 tcp ? "tcp" : "udp", len, len > 3 ? query[2] : 0, len > 3 ? query[3] : 0);
	int fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write(fd, line, (size_t)n) < 0)
			_exit(1);
		close(fd);
	}
}

static void serve_tcp(int lfd, const char *log_path)
{
	int fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return;
	struct timeval tv = { 2, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	uint8_t len[2], q[TS_DNS_MSG_MAX];
	while (recv(fd, len, 2, MSG_WAITALL) == 2) {
		size_t n = (size_t)len[0] << 8 | len[1];
		struct ts_dns_question qq;
		struct msg m;
		if (recv(fd, q, n, MSG_WAITALL) != (ssize_t)n)
			break;
		bool parsed = ts_dnsquery_parse(q, n, &qq) == 0;
		record_query(log_path, q, n, parsed ? &qq : NULL, true);
		if (!parsed)
			break;
		if (!build_answer(q, &qq, true, &m))
			continue;
		uint8_t hdr[2] = { (uint8_t)(m.n >> 8), (uint8_t)m.n };
		if (send(fd, hdr, 2, MSG_NOSIGNAL) != 2 || send(fd, m.b, m.n, MSG_NOSIGNAL) < 0)
			break;
	}
	close(fd);
}

static int bound(int type)
{
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53) };
	inet_pton(AF_INET, FAKE_UPSTREAM_ADDR, &sa.sin_addr);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0))
		_exit(1);
	return fd;
}

size_t fake_query_build(uint8_t *q, uint16_t id, const char *name, uint16_t qtype)
{
	uint8_t hdr[12] = { (uint8_t)(id >> 8), (uint8_t)id, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0 };
	memcpy(q, hdr, 12);
	size_t n = 12;
	while (*name) {
		const char *dot = strchrnul(name, '.');
		q[n++] = (uint8_t)(dot - name);
		memcpy(q + n, name, (size_t)(dot - name));
		n += (size_t)(dot - name);
		name = *dot ? dot + 1 : dot;
	}
	q[n++] = 0;
	q[n++] = (uint8_t)(qtype >> 8);
	q[n++] = (uint8_t)qtype;
	q[n++] = 0;
	q[n++] = 1; /* class IN */
	return n;
}

bool fake_upstream_saw(const char *log_path, const char *needle)
{
	char *log = NULL;
	if (ts_file_read(log_path, &log, NULL, NULL) < 0)
		return false;
	bool seen = strstr(log, needle) != NULL;
	free(log);
	return seen;
}

struct upstream {
	pid_t ns_pid;
	const char *log_path;
	int udp, tcp;
};

static int upstream_bind(void *arg)
{
	struct upstream *u = arg;
	if (harness_join(u->ns_pid) < 0)
		return -1;
	u->udp = bound(SOCK_DGRAM);
	u->tcp = bound(SOCK_STREAM);
	return 0;
}

static void upstream_serve(void *arg)
{
	struct upstream *u = arg;
	struct pollfd fds[2] = { { .fd = u->udp, .events = POLLIN }, { .fd = u->tcp, .events = POLLIN } };
	signal(SIGCHLD, SIG_IGN); /* late answers' children reap themselves */
	for (;;) {
		if (poll(fds, 2, -1) < 0)
			continue;
		if (fds[1].revents)
			serve_tcp(u->tcp, u->log_path);
		if (!fds[0].revents)
			continue;
		uint8_t q[4096];
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		ssize_t n = recvfrom(u->udp, q, sizeof(q), 0, (struct sockaddr *)&peer, &plen);
		struct ts_dns_question qq;
		struct msg m;
		if (n <= 0)
			continue;
		bool parsed = ts_dnsquery_parse(q, (size_t)n, &qq) == 0;
		record_query(u->log_path, q, (size_t)n, parsed ? &qq : NULL, false);
		if (!parsed)
			continue;
		if (!build_answer(q, &qq, false, &m))
			continue;
		/* A late answer comes from a child, so that no other query waits for it. */
		if (strcmp(qq.name, "late.allowed.test") == 0) {
			if (fork() != 0)
				continue;
			sleep(1);
			sendto(u->udp, m.b, m.n, 0, (struct sockaddr *)&peer, plen);
			_exit(0);
		}
		sendto(u->udp, m.b, m.n, 0, (struct sockaddr *)&peer, plen);
	}
}

pid_t fake_upstream_start(pid_t ns_pid, const char *log_path)
{
	struct upstream u = { .ns_pid = ns_pid, .log_path = log_path };
	return harness_fork_ready(upstream_bind, upstream_serve, &u);
}

pid_t fake_runtime_park(void)
{
	pid_t pid = harness_park();
	if (pid < 0)
		return -1;
	const char *addr[] = { "ip", "addr", "add", FAKE_UPSTREAM_ADDR "/32", "dev", "lo", NULL };
	return harness_ns_run(pid, addr) == 0 ? pid : -1;
}

pid_t fake_runtime_spawn(pid_t runtime, const char *resolv_conf, const char *const *argv,
			 const char *stderr_path, int keep_fd)
{
	pid_t parent = getpid();
	pid_t child = fork();
	if (child != 0)
		return child;
	harness_die_with_parent(parent);
	if (harness_join(runtime) < 0 || unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(resolv_conf, "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0)
		_exit(121);
	if (stderr_path) {
		int err = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (err < 0 || dup2(err, STDERR_FILENO) < 0)
			_exit(122);
	}
	if (keep_fd >= 0) {
		/* dup2 onto itself would keep close-on-exec: clear it explicitly. */
		if (dup2(keep_fd, 3) < 0 || fcntl(3, F_SETFD, 0) < 0)
			_exit(123);
		close_range(4, ~0U, 0);
	} else {
		close_range(3, ~0U, 0);
	}
	execvp(argv[0], (char *const *)argv);
	_exit(127);
}

int fake_upstream_count(const char *log_path, const char *name, const char *type)
{
	char *log = NULL;
	if (ts_file_read(log_path, &log, NULL, NULL) < 0)
		return 0;
	char want[300];
	snprintf(want, sizeof(want), "%s %s ", name, type);
	int n = 0;
	for (char *line = log; *line;) {
		char *nl = strchrnul(line, '\n');
		n += strncmp(line, want, strlen(want)) == 0;
		line = *nl ? nl + 1 : nl;
	}
	free(log);
	return n;
}
