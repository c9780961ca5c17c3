/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The strict DNS forwarder against dnsmasq, in one run on the same
 * workload and the same fake upstream (tests/netns/fake-upstream.h): the
 * median latency of one query at a time (the servers interleaved in
 * rounds) and the throughput with 64 in flight (the median of blocks,
 * interleaved likewise), through terok-shield-dns (container namespace
 * -> runtime namespace), through dnsmasq forwarding with nftset and no
 * cache (as the dnsmasq tier runs it), and straight to the upstream;
 * plus names the forwarder refuses locally. Both learn every answer into
 * a dns_v4 set. Root only; prints figures and ratios, exits 0 unless it
 * cannot run at all.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "container/procid.h"
#include "dns/dnsquery.h"
#include "fake-upstream.h"
#include "harness.h"
#include "test-helpers.h"

#define LATENCY_QUERIES 2000
#define THROUGHPUT_QUERIES 20000
#define WINDOW 64

static const char table[] =
	"table inet terok_shield {\n"
	"\tset dns_v4 { type ipv4_addr; flags timeout; timeout 1h; }\n"
	"\tset dns_v6 { type ipv6_addr; flags timeout; timeout 1h; }\n"
	"}\n";

/* A UDP socket in ns_pid's namespace connected to server:53. */
static int client(struct harness *h, pid_t ns_pid, const char *server)
{
	int fd = harness_socket(h, ns_pid, AF_INET, SOCK_DGRAM);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53) };
	inet_pton(AF_INET, server, &sa.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "bench-dns: cannot reach %s\n", server);
		exit(1);
	}
	return fd;
}

/* Wait up to 2 s for an answer with id; false on a timeout. */
static bool await(int fd, uint16_t id, int *rcode)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 2000) != 1)
			return false;
		uint8_t a[1500];
		ssize_t n = recv(fd, a, sizeof(a), 0);
		if (n >= 12 && a[0] == (uint8_t)(id >> 8) && a[1] == (uint8_t)id) {
			*rcode = a[3] & 0x0f;
			return true;
		}
	}
}

/* The i-th name of a workload: fmt with %d, or one name always. */
static const char *nth(const char *fmt, int i, char buf[128])
{
	snprintf(buf, 128, fmt, i);
	return buf;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/*
 * Median microseconds per query, one at a time, over LATENCY_QUERIES
 * queries to each of n servers, interleaved in rounds of ROUND queries so
 * that the machine's load changes hit every server alike. out[k] < 0 when
 * an answer was missing or not the expected rcode.
 */
#define ROUND 100
static void latency_us(const int *fds, size_t n, const char *fmt, int want_rcode, double *out)
{
	static double samples[4][LATENCY_QUERIES];
	uint8_t q[300];
	char name[128];
	for (size_t k = 0; k < n; k++)
		out[k] = 0;
	for (int base = 0; base < LATENCY_QUERIES; base += ROUND)
		for (size_t k = 0; k < n; k++)
			for (int i = base; i < base + ROUND && out[k] == 0; i++) {
				int rcode;
				size_t len = fake_query_build(q, (uint16_t)i, nth(fmt, i, name), 1);
				double t0 = harness_now_ms();
				if (send(fds[k], q, len, 0) < 0 || !await(fds[k], (uint16_t)i, &rcode) ||
				    rcode != want_rcode)
					out[k] = -1;
				samples[k][i] = (harness_now_ms() - t0) * 1000.0;
			}
	for (size_t k = 0; k < n; k++) {
		if (out[k] < 0)
			continue;
		qsort(samples[k], LATENCY_QUERIES, sizeof(double), cmp_double);
		out[k] = samples[k][LATENCY_QUERIES / 2];
	}
}

/*
 * Milliseconds for count answers with WINDOW in flight; a second without
 * an answer counts a stall and sends a new window. -1: stuck.
 */
static double throughput_block(int fd, const char *fmt, int first, int count, int *stalls)
{
	uint8_t q[300];
	char name[128];
	int sent = 0, answered = 0, inflight = 0;
	double t0 = harness_now_ms(), last = t0;
	while (answered < count) {
		while (inflight < WINDOW && sent < count) {
			int i = first + sent;
			size_t n = fake_query_build(q, (uint16_t)i, nth(fmt, LATENCY_QUERIES + i, name), 1);
			if (send(fd, q, n, 0) < 0)
				break;
			sent++, inflight++;
		}
		if (harness_now_ms() - last > 5000)
			return -1;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 1000) != 1) {
			inflight = 0;
			(*stalls)++;
			continue;
		}
		uint8_t a[1500];
		if (recv(fd, a, sizeof(a), 0) >= 12) {
			answered++, inflight = inflight > 0 ? inflight - 1 : 0;
			last = harness_now_ms();
		}
	}
	return harness_now_ms() - t0;
}

/*
 * Answers per second for THROUGHPUT_QUERIES to each of n servers,
 * interleaved in ROUNDS blocks: the median block's rate, so that one lost
 * datagram (a one-second stall, counted in stalls[k]) cannot decide the
 * figure. out[k] < 0: a server stopped answering.
 */
#define ROUNDS 10
static void throughput_qps(const int *fds, size_t n, const char *fmt, double *out, int *stalls)
{
	double ms[4][ROUNDS];
	int per = THROUGHPUT_QUERIES / ROUNDS;
	for (size_t k = 0; k < n; k++)
		out[k] = 0, stalls[k] = 0;
	for (int r = 0; r < ROUNDS; r++)
		for (size_t k = 0; k < n; k++) {
			ms[k][r] = out[k] < 0 ? -1 : throughput_block(fds[k], fmt, r * per, per, &stalls[k]);
			if (ms[k][r] < 0)
				out[k] = -1;
		}
	for (size_t k = 0; k < n; k++) {
		if (out[k] < 0)
			continue;
		qsort(ms[k], ROUNDS, sizeof(double), cmp_double);
		out[k] = per / (ms[k][ROUNDS / 2] / 1000.0);
	}
}

static pid_t start_forwarder(struct harness *h, pid_t runtime, const char *resolv)
{
	char *state_dir = harness_state_dir(h, "bench");
	struct ts_proc_identity id;
	if (ts_proc_identity_read(h->container, &id, NULL) < 0)
		return -1;
	char *pid_text = ts_proc_identity_format(&id), pid_arg[16];
	write_text(state_dir, "container.pid", pid_text);
	write_text(state_dir, "profile.domains", "allowed.test\nbulk.test\n");
	free(pid_text);
	snprintf(pid_arg, sizeof(pid_arg), "%d", (int)h->container);
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	const char *argv[] = { TS_BENCH_DNS, "--pid", pid_arg, "--state-dir", state_dir,
			       "--ready-fd", "3", NULL };
	pid_t pid = fake_runtime_spawn(runtime, resolv, argv, NULL, ready[1]);
	close(ready[1]);
	char buf[8];
	struct pollfd p = { .fd = ready[0], .events = POLLIN };
	bool ok = poll(&p, 1, 20000) == 1 && read(ready[0], buf, sizeof(buf)) == 6;
	close(ready[0]);
	free(state_dir);
	return ok ? pid : -1;
}

/* dnsmasq as the dnsmasq tier runs it, on the runtime's 127.0.0.1, with the same upstream. */
static pid_t start_dnsmasq(pid_t runtime, const char *resolv)
{
	const char *argv[] = { "dnsmasq", "--keep-in-foreground", "--user=root", "--group=root",
			       "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
			       "--pid-file=", "--listen-address=127.0.0.1", "--port=53",
			       "--cache-size=0", "--server=" FAKE_UPSTREAM_ADDR,
			       "--nftset=/allowed.test/bulk.test/4#inet#terok_shield#dns_v4,6#inet#terok_shield#dns_v6",
			       NULL };
	return fake_runtime_spawn(runtime, resolv, argv, "/dev/null", -1);
}

static void stop(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *why;
	if (!harness_supported(&why)) {
		printf("bench-dns: skipped: %s\n", why);
		return 0;
	}
	struct harness h;
	pid_t runtime;
	if (harness_bare(&h) < 0 || (runtime = fake_runtime_park()) < 0 ||
	    fake_upstream_start(runtime, NULL) < 0 || harness_nft(&h, h.container, table) < 0 ||
	    harness_nft(&h, runtime, table) < 0) {
		fprintf(stderr, "bench-dns: cannot build the namespaces\n");
		return 1;
	}
	char resolv[512];
	snprintf(resolv, sizeof(resolv), "%s/resolv.conf", h.scratch);
	write_text(h.scratch, "resolv.conf", "nameserver " FAKE_UPSTREAM_ADDR "\n");
	pid_t fwd = start_forwarder(&h, runtime, resolv);
	pid_t dnsmasq = start_dnsmasq(runtime, resolv);
	usleep(300000);
	if (fwd < 0 || dnsmasq < 0) {
		fprintf(stderr, "bench-dns: cannot start the forwarder or dnsmasq\n");
		harness_down(&h);
		return 1;
	}
	int via_fwd = client(&h, h.container, "127.0.0.1");
	int via_dnsmasq = client(&h, runtime, "127.0.0.1");
	int direct = client(&h, runtime, FAKE_UPSTREAM_ADDR);

	printf("bench-dns: %d queries one at a time, %d with %d in flight\n", LATENCY_QUERIES,
	       THROUGHPUT_QUERIES, WINDOW);
	/* warm: one allowed name again and again; cold: a new name and address every time. */
	static const struct {
		const char *label, *fmt;
	} loads[] = { { "warm (allowed.test)", "allowed.test" }, { "cold (nN.bulk.test)", "n%d.bulk.test" } };
	for (size_t i = 0; i < ARRAY_SIZE(loads); i++) {
		const int fds[] = { direct, via_fwd, via_dnsmasq };
		double lat[3];
		latency_us(fds, 3, loads[i].fmt, TS_DNS_NOERROR, lat);
		double lat_direct = lat[0], lat_fwd = lat[1], lat_dnsmasq = lat[2];
		double qps[3];
		int stalls[3];
		throughput_qps(fds, 3, loads[i].fmt, qps, stalls);
		double qps_direct = qps[0], qps_fwd = qps[1], qps_dnsmasq = qps[2];
		printf("%s, every answer learned into dns_v4 by both:\n", loads[i].label);
		printf("  median latency (us/query): direct %.1f, terok-shield-dns %.1f, dnsmasq %.1f "
		       "(added: %.1f vs %.1f)\n",
		       lat_direct, lat_fwd, lat_dnsmasq, lat_fwd - lat_direct, lat_dnsmasq - lat_direct);
		printf("  throughput (q/s, median of %d blocks):   direct %.0f, terok-shield-dns %.0f, "
		       "dnsmasq %.0f (one-second stalls: %d, %d, %d)\n",
		       ROUNDS, qps_direct, qps_fwd, qps_dnsmasq, stalls[0], stalls[1], stalls[2]);
		printf("  ratios terok-shield-dns / dnsmasq: latency %.2f (target <= 1.2), "
		       "throughput %.2f (target >= 1)\n",
		       lat_fwd / lat_dnsmasq, qps_fwd / qps_dnsmasq);
	}
	double refused, refused_qps;
	int refused_stalls;
	latency_us(&via_fwd, 1, "c2VjcmV0.exfil.test", TS_DNS_REFUSED, &refused);
	throughput_qps(&via_fwd, 1, "c2VjcmV0.exfil.test", &refused_qps, &refused_stalls);
	printf("refused locally (c2VjcmV0.exfil.test): median %.1f us/query, %.0f q/s\n", refused,
	       refused_qps);
	close(via_fwd);
	close(via_dnsmasq);
	close(direct);
	stop(fwd);
	stop(dnsmasq);
	harness_down(&h);
	return 0;
}
