/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Throughput of allowed traffic: iperf3 (TCP) from a container namespace
 * to an allowlisted server in a world namespace, over the harness's veth
 * pair (tests/netns/harness.h), under three tables replaced in between:
 *
 *   none     no table at all;
 *   minimal  the floor of any stateful firewall: output and input policy
 *            drop, loopback, `ct state established,related accept`, one
 *            accept for the server;
 *   shield   the shield's up ruleset (static tier, slirp4netns) with 30
 *            allowed and 30 denied addresses and the gateway, as the hook
 *            applies it;
 *   uncounted  the same without its counters (docs/ruleset.md#counters):
 *            shield/uncounted is what the counters cost allowed traffic.
 *
 * Runs are interleaved (each round measures every table, starting with a
 * different one each round) so drifting machine load hits all alike; the
 * median of each is printed, and the ratio shield/minimal (the shield
 * keeps at least 0.95 of it: met / NOT met). Every FILE argument is an nft
 * script measured as one more table (compare an arrangement of the rules).
 *
 * Root only; traffic stays between the two namespaces. Environment:
 * TS_BENCH_RUNS (default 7, at least 5), TS_BENCH_SECONDS (default 3).
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/process.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "harness.h"
#include "nft/ruleset.h"
#include "test-helpers.h"

#define SERVER H_ALLOWED_IP
#define PORT "5201"
#define MAX_TABLES 8
#define MAX_RUNS 99
#define REPLACE "table inet terok_shield\ndelete table inet terok_shield\n"

struct table {
	const char *name;
	char *script;
	double gbps[MAX_RUNS];
	double per_cpu[MAX_RUNS];
};

static void die(const char *what)
{
	fprintf(stderr, "bench-throughput: %s\n", what);
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double s[MAX_RUNS];
	memcpy(s, v, (size_t)n * sizeof(*v));
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static int env_int(const char *name, int fallback, int min, int max)
{
	const char *v = getenv(name);
	int n = v ? atoi(v) : fallback;
	return n < min ? min : n > max ? max : n;
}

static char *minimal_table(void)
{
	return ts_xstrdup(REPLACE "table inet terok_shield {\n"
			  "\tchain output {\n"
			  "\t\ttype filter hook output priority filter; policy drop;\n"
			  "\t\toifname \"lo\" accept\n"
			  "\t\tct state established,related accept\n"
			  "\t\tip daddr " SERVER " accept\n"
			  "\t}\n"
			  "\tchain input {\n"
			  "\t\ttype filter hook input priority filter; policy drop;\n"
			  "\t\tiifname \"lo\" accept\n"
			  "\t\tct state established,related accept\n"
			  "\t}\n"
			  "}\n");
}

/* The up ruleset with n allowed (the server first) and n denied addresses, and the gateway. */
static char *shield_table(int n)
{
	struct ts_ruleset_params p = { .mode = TS_RULESET_UP, .dns = H_DNS,
				       .network = TS_NETWORK_SLIRP4NETNS };
	struct ts_error err = { 0 };
	char *rules = NULL;
	if (ts_ruleset_generate(&p, &rules, &err) < 0)
		die(err.message);
	struct ts_strbuf b = TS_STRBUF_INIT;
	ts_strbuf_puts(&b, rules);
	free(rules);
	/* RFC 2544 benchmarking addresses besides the server: never routed anywhere. */
	char **allow = calloc((size_t)n, sizeof(*allow)), **deny = calloc((size_t)n, sizeof(*deny));
	allow[0] = ts_xstrdup(SERVER);
	for (int i = 1; i < n; i++)
		allow[i] = ts_xasprintf("198.18.0.%d", i);
	for (int i = 0; i < n; i++)
		deny[i] = ts_xasprintf("198.19.0.%d", i + 1);
	const char *gateway[] = { H_GATEWAY };
	if (ts_ruleset_elements(TS_SET_ALLOW, true, (const char *const *)allow, (size_t)n, &b, &err) < 0 ||
	    ts_ruleset_elements(TS_SET_DENY, true, (const char *const *)deny, (size_t)n, &b, &err) < 0 ||
	    ts_ruleset_elements(TS_SET_GATEWAY, true, gateway, 1, &b, &err) < 0)
		die(err.message);
	for (int i = 0; i < n; i++)
		free(allow[i]), free(deny[i]);
	free(allow), free(deny);
	return ts_strbuf_take(&b);
}

/*
 * The same table without its counters (docs/ruleset.md#counters): no
 * counter flag on the sets, no refused sets, no counting rules; what the
 * shield was before them.
 */
static char *uncounted_table(const char *shield)
{
	struct ts_strbuf b = TS_STRBUF_INIT;
	char *copy = ts_xstrdup(shield), *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strstr(line, "refused_v") || strstr(line, "ct state established,related ip"))
			continue;
		char *flag = strstr(line, " counter;");
		if (flag && strstr(line, "\tset "))
			memmove(flag, flag + 9, strlen(flag + 9) + 1);
		ts_strbuf_printf(&b, "%s\n", line);
	}
	free(copy);
	return ts_strbuf_take(&b);
}

/* The iperf3 server in the world namespace; it dies with us. */
static pid_t start_server(pid_t world)
{
	char ns[32];
	snprintf(ns, sizeof(ns), "%d", (int)world);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		harness_die_with_parent(parent);
		int null = open("/dev/null", O_WRONLY);
		if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
			_exit(126);
		execlp("nsenter", "nsenter", "-n", "-t", ns, "iperf3", "-s", "-B", SERVER, "-p", PORT,
		       (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* One client run: Gbit/s the server received, and per CPU (client and server, every CPU-second counted). */
struct sample {
	double gbps;
	double per_cpu;
};

static double number_at(json_t *doc, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(json_object_get(json_object_get(doc, a), b), c);
	return json_is_number(v) ? json_number_value(v) : -1;
}

/* false when the run failed. */
static bool measure(pid_t container, int seconds, struct sample *s)
{
	char ns[32], secs[16];
	snprintf(ns, sizeof(ns), "%d", (int)container);
	snprintf(secs, sizeof(secs), "%d", seconds);
	const char *argv[] = { "nsenter", "-n", "-t", ns, "iperf3", "-c", SERVER, "-p", PORT,
			       "-t", secs, "-O", "1", "-J", NULL };
	char *out = NULL;
	int status = ts_run_capture(argv, &out, NULL);
	json_t *doc = status == 0 && out ? json_loads(out, 0, NULL) : NULL;
	free(out);
	double bps = number_at(doc, "end", "sum_received", "bits_per_second");
	double host = number_at(doc, "end", "cpu_utilization_percent", "host_total");
	double remote = number_at(doc, "end", "cpu_utilization_percent", "remote_total");
	json_decref(doc);
	s->gbps = bps / 1e9;
	s->per_cpu = host + remote > 0 ? s->gbps / ((host + remote) / 100) : -1;
	return bps > 0 && s->per_cpu > 0;
}

static void apply(struct harness *h, const struct table *t)
{
	if (harness_nft(h, h->container, t->script) < 0) {
		fprintf(stderr, "bench-throughput: table '%s' does not load\n", t->name);
		exit(1);
	}
}

/* The server needs a moment to listen: retry a short run until one succeeds. */
static void wait_for_server(struct harness *h, const struct table *none)
{
	apply(h, none);
	struct sample s;
	for (int i = 0; i < 50; i++) {
		if (measure(h->container, 1, &s))
			return;
		usleep(100000);
	}
	die("the iperf3 server never answered");
}

int main(int argc, char **argv)
{
	const char *why;
	if (!harness_supported(&why)) {
		printf("bench-throughput: skipped: %s\n", why);
		return 0;
	}
	char *iperf = ts_find_system_program("iperf3"), *nsenter = ts_find_system_program("nsenter");
	if (!iperf || !nsenter) {
		printf("bench-throughput: skipped: needs iperf3 and nsenter (scripts/install-deps)\n");
		return 0;
	}
	free(iperf), free(nsenter);
	int runs = env_int("TS_BENCH_RUNS", 7, 5, MAX_RUNS);
	int seconds = env_int("TS_BENCH_SECONDS", 3, 2, 60);
	if (argc - 1 > MAX_TABLES - 4)
		die("too many extra tables");

	struct table tables[MAX_TABLES] = {
		{ .name = "none", .script = ts_xstrdup(REPLACE) },
		{ .name = "minimal", .script = minimal_table() },
		{ .name = "shield", .script = shield_table(30) },
		{ .name = "uncounted" },
	};
	tables[3].script = uncounted_table(tables[2].script);
	int n = 4;
	for (int i = 1; i < argc; i++, n++) {
		struct ts_error err = { 0 };
		tables[n].name = argv[i];
		if (ts_file_read(argv[i], &tables[n].script, NULL, &err) < 0)
			die(err.message);
	}

	struct harness h;
	if (harness_full(&h) < 0)
		die("cannot build the namespaces");
	/* Every table loads before anything is measured. */
	for (int t = 0; t < n; t++)
		apply(&h, &tables[t]);
	pid_t server = start_server(h.world);
	wait_for_server(&h, &tables[0]);

	printf("bench-throughput: iperf3 TCP, %d s per run (first second omitted), %d interleaved "
	       "runs per table\n", seconds, runs);
	for (int r = 0; r < runs; r++)
		for (int k = 0; k < n; k++) {
			struct table *t = &tables[(r + k) % n];
			apply(&h, t);
			struct sample s;
			if (!measure(h.container, seconds, &s)) {
				fprintf(stderr, "bench-throughput: iperf3 failed under '%s'\n", t->name);
				exit(1);
			}
			t->gbps[r] = s.gbps;
			t->per_cpu[r] = s.per_cpu;
		}

	/*
	 * Also the median of each round's own ratio (load drifting between
	 * rounds cancels out), and throughput per CPU-second of client and
	 * server: what the rules cost, whatever share of the CPUs other
	 * processes leave to the bench.
	 */
	double floor = median(tables[1].gbps, runs), floor_cpu = median(tables[1].per_cpu, runs);
	for (int t = 0; t < n; t++) {
		double m = median(tables[t].gbps, runs), c = median(tables[t].per_cpu, runs);
		double paired[MAX_RUNS];
		for (int r = 0; r < runs; r++)
			paired[r] = tables[t].gbps[r] / tables[1].gbps[r];
		printf("%-10s median %6.2f Gbit/s %.3fx minimal (per round %.3fx); "
		       "%6.2f Gbit per CPU-second %.3fx\n  runs:",
		       tables[t].name, m, m / floor, median(paired, runs), c, c / floor_cpu);
		for (int r = 0; r < runs; r++)
			printf(" %.2f", tables[t].gbps[r]);
		printf("\n");
	}
	double ratio = median(tables[2].gbps, runs) / floor;
	printf("shield/minimal %.3f: %s (target >= 0.95)\n", ratio, ratio >= 0.95 ? "met" : "NOT met");
	/* The counters' cost on allowed traffic: the same table with and without them. */
	double paired[MAX_RUNS];
	for (int r = 0; r < runs; r++)
		paired[r] = tables[2].gbps[r] / tables[3].gbps[r];
	double counted = median(tables[2].gbps, runs) / median(tables[3].gbps, runs);
	printf("shield/uncounted %.3f (per round %.3f): %s (target >= 0.97: no measurable cost)\n",
	       counted, median(paired, runs), counted >= 0.97 ? "met" : "NOT met");

	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	for (int t = 0; t < n; t++)
		free(tables[t].script);
	harness_down(&h);
	return 0;
}
