/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Latency of an interactive session (issue 7), end to end through the
 * real CLI: `terok-shield interactive NAME --raw` on pipes, against a
 * shielded interactive "container" namespace (tests/netns/shielded.h).
 *
 *   (a) SYN -> pending: a non-blocking connect() from the container to an
 *       address nobody allowed; the SYN meets the QUEUED terminal rule
 *       (log group 100, reject). Measured from the moment the container's
 *       socket reports the refusal (EHOSTUNREACH: the reject came back) to
 *       the moment the `pending` line is read here; the time from the
 *       connect() call itself is printed too. The two are polled together,
 *       so a line that comes before the refusal shows as a negative time.
 *   (b) verdict -> verdict_applied: from writing the verdict line to
 *       reading its `verdict_applied`: accept (static tier), deny, and in
 *       the dnsmasq tier an accept of an entry with a domain (which
 *       rewrites live.domains and dnsmasq.conf and restarts dnsmasq).
 *
 * Every run has its own destination: RUNS addresses of 198.51.100.0/24
 * are added to the world namespace for the accepts, as many for the
 * denies, so each run starts refused and an accepted one connects for
 * real (checked once per tier). Nothing leaves the two namespaces. The
 * dnsmasq-tier entries get their names from answer lines appended to the
 * container's dnsmasq.log (as bench-nflog does): the world's DNS server
 * knows only two names, and a distinct name per run needs a distinct
 * answer. Each run starts GAP_US after the previous one settled.
 *
 * Root only; figures only (median, min, max; targets quoted, never
 * enforced). Exits non-zero only when it cannot run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/util.h"
#include "harness.h"
#include "shielded.h"
#include "test-helpers.h"

#define RUNS 31
#define GAP_US 20000
#define READY_MS 5000
#define WAIT_MS 5000
#define ACCEPT_BASE 101 /* 198.51.100.101 …: accepted */
#define DENY_BASE 151   /* 198.51.100.151 …: denied */
#define DOMAIN_BASE 201 /* 198.51.100.201 …: named, accepted (dnsmasq tier) */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

struct figures {
	double v[2 * RUNS];
	int n;
};

static void put(struct figures *f, double ms)
{
	f->v[f->n++] = ms;
}

static void print_figures(const char *what, struct figures *f, double target)
{
	qsort(f->v, (size_t)f->n, sizeof(f->v[0]), cmp_double);
	double med = f->v[f->n / 2];
	printf("  %-44s median %7.2f ms  min %7.2f  max %7.2f  (%d runs)", what, med, f->v[0],
	       f->v[f->n - 1], f->n);
	if (target > 0)
		printf("  target <= %.0f ms: %s", target, med <= target ? "met" : "NOT MET");
	printf("\n");
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("bench-interactive: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\n", stderr);
	va_end(ap);
	exit(1);
}

static void world_addr(struct shielded *f, int host)
{
	char cidr[32];
	snprintf(cidr, sizeof(cidr), "198.51.100.%d/32", host);
	const char *add[] = { "ip", "addr", "add", cidr, "dev", "lo", NULL };
	if (harness_ns_run(f->h.world, add) != 0)
		die("cannot add %s to the world namespace", cidr);
}

static bool nflog_bound(struct shielded *f)
{
	return shielded_nflog_portid(f) != 0;
}

static struct cli_stream *session_start(struct shielded *f)
{
	const char *args[] = { "interactive", SHIELDED_NAME, "--raw", NULL };
	struct cli_stream *s = cli_stream_start(f, true, args);
	double deadline = harness_now_ms() + READY_MS;
	while (!nflog_bound(f)) {
		if (harness_now_ms() > deadline || cli_run_reap(&s->r, 0))
			die("the session did not start: %s", cli_stream_transcript(s));
		usleep(2000);
	}
	return s;
}

/* The next line as a JSON object of this type, else die. */
static json_t *expect_line(struct cli_stream *s, const char *type, double deadline_ms)
{
	char *line = cli_stream_line(s, deadline_ms);
	if (!line)
		die("no %s line: %s", type, cli_stream_transcript(s));
	json_t *o = json_loads(line, 0, NULL);
	const char *t = json_string_value(json_object_get(o, "type"));
	if (!t || strcmp(t, type) != 0)
		die("expected a %s line, got '%s'", type, line);
	free(line);
	return o;
}

/*
 * One refused connection to addr:80 from the container and its pending
 * line. *from_refusal / *from_syn: ms from the refusal / the connect()
 * call to the line. Returns the entry's id.
 */
static long long refuse(struct shielded *f, struct cli_stream *s, const char *addr,
			const char *domain, double *from_refusal, double *from_syn)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(H_TCP_PORT) };
	inet_pton(AF_INET, addr, &sa.sin_addr);
	int fd = harness_socket(&f->h, f->h.container, AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	double t_syn = harness_now_ms(), t_refused = -1, t_line = -1;
	char *line = NULL;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		die("%s: connected; it should be refused", addr);
	if (errno != EINPROGRESS) {
		if (errno != EHOSTUNREACH)
			die("connect %s: %s", addr, strerror(errno));
		t_refused = harness_now_ms();
	}
	double deadline = t_syn + WAIT_MS;
	while ((t_refused < 0 || !line) && harness_now_ms() < deadline) {
		struct pollfd p[2] = {
			{ .fd = t_refused < 0 ? fd : -1, .events = POLLOUT },
			{ .fd = line ? -1 : s->r.out_fd, .events = POLLIN },
		};
		if (!line && (line = cli_stream_line(s, 0))) {
			t_line = harness_now_ms();
			continue;
		}
		if (poll(p, 2, (int)(deadline - harness_now_ms()) + 1) <= 0)
			continue;
		double now = harness_now_ms();
		if (p[0].revents) {
			int e = 0;
			socklen_t len = sizeof(e);
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len);
			if (e != EHOSTUNREACH)
				die("connect %s: expected EHOSTUNREACH, got %s", addr,
				    e ? strerror(e) : "a connection");
			t_refused = now;
		}
		if (p[1].revents && (line = cli_stream_line(s, 0)))
			t_line = now;
	}
	close(fd);
	if (t_refused < 0 || !line)
		die("%s: no refusal or no pending line within %d ms: %s", addr, WAIT_MS,
		    cli_stream_transcript(s));
	json_t *o = json_loads(line, 0, NULL);
	const char *type = json_string_value(json_object_get(o, "type"));
	const char *dest = json_string_value(json_object_get(o, "dest"));
	const char *dom = json_string_value(json_object_get(o, "domain"));
	if (!type || strcmp(type, "pending") != 0 || !dest || strcmp(dest, addr) != 0 || !dom ||
	    strcmp(dom, domain) != 0)
		die("expected pending for %s (%s), got '%s'", addr, domain, line);
	long long id = json_integer_value(json_object_get(o, "id"));
	json_decref(o);
	free(line);
	*from_refusal = t_line - t_refused;
	*from_syn = t_line - t_syn;
	return id;
}

/* Write the verdict, read verdict_applied (ok:true); ms between. */
static double verdict(struct cli_stream *s, long long id, const char *action)
{
	char text[128];
	snprintf(text, sizeof(text), "{\"type\":\"verdict\",\"id\":%lld,\"action\":\"%s\"}\n", id,
		 action);
	double t0 = harness_now_ms();
	if (!cli_stream_send(s, text))
		die("writing the verdict: %s", strerror(errno));
	json_t *o = expect_line(s, "verdict_applied", t0 + WAIT_MS);
	double ms = harness_now_ms() - t0;
	if (json_integer_value(json_object_get(o, "id")) != id ||
	    !json_is_true(json_object_get(o, "ok")))
		die("verdict %lld %s failed: %s", id, action, cli_stream_transcript(s));
	json_decref(o);
	return ms;
}

static void static_tier(struct figures *refusal, struct figures *syn, struct figures *accept,
			struct figures *deny)
{
	struct shielded f;
	if (shielded_setup(&f, SHIELDED_INTERACTIVE) < 0)
		die("the shielded container could not be set up");
	for (int i = 0; i < RUNS; i++) {
		world_addr(&f, ACCEPT_BASE + i);
		world_addr(&f, DENY_BASE + i);
	}
	struct cli_stream *s = session_start(&f);
	for (int i = 0; i < 2 * RUNS; i++) {
		bool acc = i % 2 == 0;
		char addr[32];
		snprintf(addr, sizeof(addr), "198.51.100.%d", (acc ? ACCEPT_BASE : DENY_BASE) + i / 2);
		usleep(GAP_US);
		double r, y;
		long long id = refuse(&f, s, addr, "", &r, &y);
		put(refusal, r);
		put(syn, y);
		usleep(GAP_US);
		put(acc ? accept : deny, verdict(s, id, acc ? "accept" : "deny"));
		if (i == 0 && harness_connect(&f.h, addr, H_TCP_PORT, 3000, NULL) != 0)
			die("%s is not reachable after its accept", addr);
		if (i == 1 && harness_connect(&f.h, addr, H_TCP_PORT, 3000, NULL) != EHOSTUNREACH)
			die("%s is not refused after its deny", addr);
	}
	cli_stream_free(s);
	shielded_teardown(&f);
}

static void dnsmasq_tier(struct figures *refusal, struct figures *accept)
{
	struct shielded f;
	if (shielded_setup(&f, SHIELDED_INTERACTIVE | SHIELDED_DNSMASQ) < 0)
		die("the shielded dnsmasq-tier container could not be set up");
	for (int i = 0; i < RUNS; i++)
		world_addr(&f, DOMAIN_BASE + i);
	struct cli_stream *s = session_start(&f);
	char *log = ts_xasprintf("%s/dnsmasq.log", f.state_dir);
	for (int i = 0; i < RUNS; i++) {
		char addr[32], domain[64];
		snprintf(addr, sizeof(addr), "198.51.100.%d", DOMAIN_BASE + i);
		snprintf(domain, sizeof(domain), "run%d.bench.test", i);
		FILE *out = fopen(log, "a");
		if (!out)
			die("%s: %s", log, strerror(errno));
		fprintf(out, "Nov 24 10:00:00 dnsmasq[1]: reply %s is %s\n", domain, addr);
		fclose(out);
		usleep(250 * 1000); /* the session looks at the log every 200 ms */
		double r, y;
		long long id = refuse(&f, s, addr, domain, &r, &y);
		put(refusal, r);
		usleep(GAP_US);
		put(accept, verdict(s, id, "accept"));
		if (i == 0 && harness_connect(&f.h, addr, H_TCP_PORT, 3000, NULL) != 0)
			die("%s is not reachable after its accept", addr);
	}
	char *domains = read_text(f.state_dir, "live.domains");
	if (!domains || !strstr(domains, "run0.bench.test"))
		die("live.domains does not hold the accepted domains");
	free(domains);
	free(log);
	cli_stream_free(s);
	shielded_teardown(&f);
}

/* The 1-minute load average: the machine is shared, and a loaded one shows in the figures. */
static double load_average(void)
{
	double load = -1;
	FILE *in = fopen("/proc/loadavg", "r");
	if (in && fscanf(in, "%lf", &load) != 1)
		load = -1;
	if (in)
		fclose(in);
	return load;
}

int main(void)
{
	const char *why;
	if (!harness_supported(&why)) {
		printf("bench-interactive: skipped: %s\n", why);
		return 0;
	}
	setenv("TS_TEST_CLI", TS_BENCH_CLI, 1);
	setenv("TS_TEST_HOOK", TS_BENCH_HOOK, 1);
	/* Every static-tier run, accept or deny, starts with a refused connection. */
	struct figures refusal = { 0 }, syn = { 0 }, accept = { 0 }, deny = { 0 };
	struct figures dns_refusal = { 0 }, dns_accept = { 0 };
	double load_before = load_average();
	static_tier(&refusal, &syn, &accept, &deny);
	dnsmasq_tier(&dns_refusal, &dns_accept);
	printf("bench-interactive: `terok-shield interactive NAME --raw`, %d runs each, a fresh "
	       "destination per run; load average %.2f before, %.2f after\n", RUNS, load_before,
	       load_average());
	print_figures("refused SYN -> pending (from the refusal)", &refusal, 20);
	print_figures("refused SYN -> pending (from connect())", &syn, 0);
	print_figures("verdict -> verdict_applied, accept", &accept, 5);
	print_figures("verdict -> verdict_applied, deny", &deny, 5);
	print_figures("dnsmasq tier: refusal -> pending (named)", &dns_refusal, 20);
	print_figures("dnsmasq tier: accept with domain (restart)", &dns_accept, 0);
	return 0;
}
