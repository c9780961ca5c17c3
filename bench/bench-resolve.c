/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The static DNS tier's resolver: 200 names (A and AAAA each) against a
 * DNS server that takes 50 ms per answer, all at once versus one name at
 * a time. Root only: the benchmark moves into a network and mount
 * namespace of its own, serves DNS on 127.0.0.1:53 from a forked child and
 * bind-mounts a scratch resolv.conf over /etc/resolv.conf, so the resolver
 * runs exactly as in production. Prints figures; exits 0 unless it cannot
 * run at all.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "base/util.h"
#include "dns/resolve.h"
#include "harness.h"

#define N_NAMES 200
#define DELAY_MS 50
#define RUNS 5
#define TIMEOUT_MS 2000
#define QUEUE_MAX 4096

/* What the server saw, shared with the parent. */
struct server_stats {
	unsigned received;
	unsigned peak_pending; /* most replies waiting at once */
};

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* ---- the delaying DNS server ---- */

struct reply {
	double due;
	struct sockaddr_in to;
	size_t len;
	unsigned char buf[512];
};

/*
 * Build the answer to query q (len bytes): nI.bench.test has A 203.0.113.I
 * and AAAA 2001:db8::I; anything else is NXDOMAIN. Returns its length, 0
 * to ignore the query.
 */
static size_t answer(const unsigned char *q, size_t len, unsigned char *out)
{
	if (len < 12 || q[4] != 0 || q[5] != 1)
		return 0;
	char name[256];
	size_t at = 12, n = 0;
	while (at < len && q[at] != 0) {
		size_t l = q[at++];
		if (l > 63 || at + l > len || n + l + 1 >= sizeof(name))
			return 0;
		if (n)
			name[n++] = '.';
		for (size_t i = 0; i < l; i++)
			name[n++] = (char)tolower(q[at + i]);
		at += l;
	}
	name[n] = '\0';
	if (at + 5 > len)
		return 0;
	int qtype = q[at + 1] << 8 | q[at + 2];
	size_t qend = at + 5;

	unsigned idx;
	char rest[256];
	bool ours = sscanf(name, "n%u.%255s", &idx, rest) == 2 && strcmp(rest, "bench.test") == 0;
	memcpy(out, q, qend);
	out[2] = (unsigned char)(0x80 | (q[2] & 0x01)); /* QR, RD copied */
	out[3] = (unsigned char)(0x80 | (ours ? 0 : 3)); /* RA, NOERROR or NXDOMAIN */
	memset(out + 6, 0, 6);
	if (!ours || (qtype != 1 && qtype != 28))
		return qend;
	out[7] = 1;
	size_t rdlen = qtype == 1 ? 4 : 16;
	/* name: pointer to the question's; type; class IN; TTL 60; rdlength */
	unsigned char rr[] = { 0xc0, 12, 0, (unsigned char)qtype, 0, 1,
			       0, 0, 0, 60, 0, (unsigned char)rdlen };
	memcpy(out + qend, rr, sizeof(rr));
	unsigned char *data = out + qend + sizeof(rr);
	if (qtype == 1) {
		const unsigned char a[4] = { 203, 0, 113, (unsigned char)idx };
		memcpy(data, a, 4);
	} else {
		memset(data, 0, 16);
		data[0] = 0x20, data[1] = 0x01, data[2] = 0x0d, data[3] = 0xb8;
		data[14] = (unsigned char)(idx >> 8), data[15] = (unsigned char)idx;
	}
	return qend + sizeof(rr) + rdlen;
}

/* Every reply leaves DELAY_MS after its query arrived: a FIFO of due times. */
static void serve(int fd, struct server_stats *stats)
{
	static struct reply queue[QUEUE_MAX];
	size_t head = 0, tail = 0;
	for (;;) {
		int wait = -1;
		if (head != tail) {
			double left = queue[head % QUEUE_MAX].due - now_s();
			wait = left > 0 ? (int)(left * 1000) + 1 : 0;
		}
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		poll(&pfd, 1, wait);
		for (;;) {
			struct reply *r = &queue[tail % QUEUE_MAX];
			unsigned char q[512];
			socklen_t tolen = sizeof(r->to);
			ssize_t len = recvfrom(fd, q, sizeof(q), MSG_DONTWAIT, (struct sockaddr *)&r->to, &tolen);
			if (len <= 0)
				break;
			stats->received++;
			if (tail - head == QUEUE_MAX)
				continue; /* full: dropped, the client retries */
			r->len = answer(q, (size_t)len, r->buf);
			if (r->len == 0)
				continue;
			r->due = now_s() + DELAY_MS / 1e3;
			tail++;
			if (tail - head > stats->peak_pending)
				stats->peak_pending = (unsigned)(tail - head);
		}
		for (double now = now_s(); head != tail && queue[head % QUEUE_MAX].due <= now; head++) {
			struct reply *r = &queue[head % QUEUE_MAX];
			sendto(fd, r->buf, r->len, 0, (struct sockaddr *)&r->to, sizeof(r->to));
		}
	}
}

/* ---- the namespace ---- */

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

/* "what: strerror(e)" in a static buffer. */
static const char *failure(const char *what, int e)
{
	static char why[256];
	snprintf(why, sizeof(why), "%s: %s", what, strerror(e));
	return why;
}

/* A private network and mount namespace whose /etc/resolv.conf names 127.0.0.1. */
static const char *enter_namespace(char *resolv_path)
{
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		return failure("cannot create namespaces", errno);
	/* Nothing mounted from here on may reach the host. */
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return failure("cannot make mounts private", errno);
	int r = lo_up();
	if (r < 0)
		return failure("cannot bring lo up", -r);
	int fd = mkstemp(resolv_path);
	if (fd < 0 || write(fd, "nameserver 127.0.0.1\n", 21) != 21 || close(fd) < 0)
		return failure("cannot write a scratch resolv.conf", errno);
	if (mount(resolv_path, "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0)
		return failure("cannot mount over /etc/resolv.conf", errno);
	return NULL;
}

static pid_t start_server(struct server_stats *stats)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(53),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int size = 4 << 20;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)); /* a burst of queries */
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		harness_die_with_parent(parent);
		serve(fd, stats);
	}
	close(fd);
	return pid;
}

/* ---- timing ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* One call for all names; the time taken, < 0 when the answers are not all there. */
static double time_parallel(const char *const *names, size_t n)
{
	struct ts_strv ips = TS_STRV_INIT, unresolved = TS_STRV_INIT;
	struct ts_error err = { 0 };
	double start = now_s();
	int r = ts_resolve_all(names, n, TIMEOUT_MS, &ips, &unresolved, &err);
	double t = now_s() - start;
	if (r < 0)
		fprintf(stderr, "bench-resolve: %s\n", err.message);
	else if (ips.n != 2 * n || unresolved.n != 0)
		fprintf(stderr, "bench-resolve: %zu addresses, %zu names unresolved%s%s\n", ips.n,
			unresolved.n, unresolved.n ? ", first: " : "", unresolved.n ? unresolved.items[0] : "");
	bool ok = r == 0 && ips.n == 2 * n && unresolved.n == 0;
	ts_strv_clear(&ips);
	ts_strv_clear(&unresolved);
	return ok ? t : -1;
}

/* The same resolver, one name per call. */
static double time_sequential(const char *const *names, size_t n)
{
	double start = now_s();
	size_t found = 0;
	for (size_t i = 0; i < n; i++) {
		struct ts_strv ips = TS_STRV_INIT, unresolved = TS_STRV_INIT;
		if (ts_resolve_all(&names[i], 1, TIMEOUT_MS, &ips, &unresolved, NULL) == 0)
			found += ips.n;
		ts_strv_clear(&ips);
		ts_strv_clear(&unresolved);
	}
	double t = now_s() - start;
	if (found != 2 * n)
		fprintf(stderr, "bench-resolve: sequential run found %zu of %zu addresses\n", found, 2 * n);
	return t;
}

int main(void)
{
	if (geteuid() != 0) {
		printf("bench-resolve skipped: needs root (network and mount namespaces)\n");
		return 0;
	}
	char resolv_path[] = "/tmp/ts-bench-resolv-XXXXXX";
	const char *why = enter_namespace(resolv_path);
	if (why) {
		printf("bench-resolve skipped: %s\n", why);
		unlink(resolv_path);
		return 0;
	}
	struct server_stats *stats = mmap(NULL, sizeof(*stats), PROT_READ | PROT_WRITE,
					  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t server = stats == MAP_FAILED ? -1 : start_server(stats);
	if (server < 0) {
		printf("bench-resolve skipped: cannot serve DNS on 127.0.0.1:53: %s\n", strerror(errno));
		unlink(resolv_path);
		return 0;
	}

	static char storage[N_NAMES][32];
	const char *names[N_NAMES];
	for (int i = 0; i < N_NAMES; i++) {
		snprintf(storage[i], sizeof(storage[i]), "n%d.bench.test", i);
		names[i] = storage[i];
	}

	double runs[RUNS];
	int good = 0;
	for (int i = 0; i < RUNS; i++) {
		double t = time_parallel(names, N_NAMES);
		if (t >= 0)
			runs[good++] = t;
	}
	unsigned peak = stats->peak_pending;
	double sequential = time_sequential(names, N_NAMES);

	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	unlink(resolv_path);

	if (good == 0) {
		printf("bench-resolve: no parallel run got every answer\n");
		return 0;
	}
	qsort(runs, (size_t)good, sizeof(runs[0]), cmp_double);
	double median = runs[good / 2];
	printf("%d names (A+AAAA), %d ms per answer: parallel %.3f s (median of %d, min %.3f, max %.3f), "
	       "sequential %.2f s (%.0fx)\n",
	       N_NAMES, DELAY_MS, median, good, runs[0], runs[good - 1], sequential, sequential / median);
	printf("peak %u queries waiting at the server at once; target: parallel under 1 s: %s\n", peak,
	       median < 1.0 ? "met" : "MISSED");
	return 0;
}
