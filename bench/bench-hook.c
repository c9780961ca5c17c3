/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hook createRuntime wall time against the reference way of applying the
 * same bundle, `nsenter -n -t PID nft -f ruleset.nft`, for 30 and 10,000
 * allowlisted IPs. Root only; runs in a network namespace of its own
 * (tests/netns/harness.h) and sends no packets.
 *
 * Each run starts 50 ms after the previous one ended, as container starts
 * do: a back-to-back run would also measure the kernel still freeing the
 * previous table (an RCU grace period, held under the per-namespace
 * nf_tables mutex). Back-to-back medians are printed too.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "harness.h"
#include "nft/ruleset.h"
#include "test-helpers.h"

#define RUNS 31
#define GAP_US 50000

extern char **environ;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* ruleset.nft with n allowlisted hosts from 198.18.0.0/15 (RFC 2544 benchmarking). */
static void write_bundle(const char *state_dir, int n)
{
	struct ts_error err = { 0 };
	struct ts_ruleset_params p = { .mode = TS_RULESET_UP, .dns = H_DNS };
	char *rules = NULL;
	if (ts_ruleset_generate(&p, &rules, &err) < 0)
		abort();
	char **ips = calloc((size_t)n, sizeof(*ips));
	for (int i = 0; i < n; i++)
		ips[i] = ts_xasprintf("198.%d.%d.%d", 18 + (i >> 16), (i >> 8) & 0xff, i & 0xff);
	struct ts_strbuf b = TS_STRBUF_INIT;
	ts_strbuf_puts(&b, rules);
	const char *gateway[] = { H_GATEWAY };
	if (ts_ruleset_elements(TS_SET_ALLOW, true, (const char *const *)ips, (size_t)n, &b, &err) < 0 ||
	    ts_ruleset_elements(TS_SET_GATEWAY, true, gateway, 1, &b, &err) < 0) {
		fprintf(stderr, "bench: %s\n", err.message);
		exit(1);
	}
	write_text(state_dir, "ruleset.nft", b.data);
	ts_strbuf_clear(&b);
	for (int i = 0; i < n; i++)
		free(ips[i]);
	free(ips);
	free(rules);
}

static double run_nft(pid_t pid, const char *ruleset)
{
	char pid_text[16];
	snprintf(pid_text, sizeof(pid_text), "%d", (int)pid);
	const char *argv[] = { "nsenter", "-n", "-t", pid_text, "nft", "-f", ruleset, NULL };
	double start = harness_now_ms();
	pid_t child;
	int status;
	if (posix_spawnp(&child, "nsenter", NULL, NULL, (char *const *)argv, environ) != 0 ||
	    waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench: nsenter nft -f failed\n");
		exit(1);
	}
	return harness_now_ms() - start;
}

static double run_hook(struct harness *h, const char *json)
{
	double start = harness_now_ms();
	if (harness_run_hook(h, "createRuntime", json, NULL) != 0) {
		fprintf(stderr, "bench: the hook failed\n");
		exit(1);
	}
	return harness_now_ms() - start;
}

static void bench(int n_ips)
{
	struct harness h;
	if (harness_bare(&h) < 0) {
		fprintf(stderr, "bench: cannot build the namespace\n");
		exit(1);
	}
	char *state_dir = harness_state_dir(&h, "bench");
	write_bundle(state_dir, n_ips);
	char *ruleset = ts_xasprintf("%s/ruleset.nft", state_dir);
	char *json = harness_oci_state(h.container, state_dir, NULL, NULL);

	double hook_ms[RUNS], nft_ms[RUNS], hook_b2b[RUNS], nft_b2b[RUNS];
	for (int i = 0; i < RUNS; i++) {
		usleep(GAP_US);
		hook_ms[i] = run_hook(&h, json);
		usleep(GAP_US);
		nft_ms[i] = run_nft(h.container, ruleset);
	}
	for (int i = 0; i < RUNS; i++)
		hook_b2b[i] = run_hook(&h, json);
	for (int i = 0; i < RUNS; i++)
		nft_b2b[i] = run_nft(h.container, ruleset);

	double hm = median(hook_ms, RUNS), nm = median(nft_ms, RUNS);
	printf("%6d IPs  hook createRuntime %7.2f ms   nsenter+nft -f %7.2f ms   ratio %.2f"
	       "   (back-to-back: %.2f vs %.2f ms)\n",
	       n_ips, hm, nm, hm / nm, median(hook_b2b, RUNS), median(nft_b2b, RUNS));
	free(json);
	free(ruleset);
	free(state_dir);
	harness_down(&h);
}

int main(void)
{
	const char *why;
	if (!harness_supported(&why)) {
		printf("bench-hook: skipped: %s\n", why);
		return 0;
	}
	if (!getenv("TS_TEST_HOOK"))
		setenv("TS_TEST_HOOK", TS_BENCH_HOOK, 1);
	printf("bench-hook: median of %d runs, each %d ms after the previous\n", RUNS, GAP_US / 1000);
	bench(30);
	bench(10000);
	return 0;
}
