/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root only: live control (docs/cli.md) through the real CLI binary
 * ($TS_TEST_CLI) against a shielded "container" namespace wired to a
 * "world" of test servers (harness.h). The hook shields the container
 * first and writes container.pid, which the CLI uses to find it (podman
 * never sees these containers; its `podman inspect` fallback finds
 * nothing). Every assertion is about what packets do, what the bundle
 * files hold and what the live sets hold, plus exit codes and messages.
 *
 * Not covered here: the user-namespace step of the CLI's helper (join the
 * user namespace owning the container's netns, then the netns). As root
 * the plain setns of the netns already succeeds, so that path is never
 * taken in this suite; the rootless podman suite (tests/podman) drives it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/strv.h"
#include "base/util.h"
#include "bundle/bundle.h"
#include "bundle/state.h"
#include "container/procid.h"
#include "dns/dnsmasq.h"
#include "harness.h"
#include "shielded.h"
#include "test-helpers.h"

extern char **environ;

#define NAME "ctest"          /* harness_oci_state names every container so */
#define GONE "gone"           /* a prepared container whose process has exited */
#define PROMPT_MS 1000        /* a reject answers at once; a drop would time out */

/* ---- the fixture: a shielded container (shielded.h) ---- */

static int setup(void **state)
{
	return shielded_cmocka_setup(state, 0);
}

static int setup_interactive(void **state)
{
	return shielded_cmocka_setup(state, SHIELDED_INTERACTIVE);
}

static int setup_dnsmasq(void **state)
{
	return shielded_cmocka_setup(state, SHIELDED_DNSMASQ);
}

/* ---- packets ---- */

static void assert_refused(struct shielded *f, const char *addr)
{
	double ms = 0;
	int r = harness_connect(&f->h, addr, H_TCP_PORT, 3000, &ms);
	if (r != EHOSTUNREACH)
		fail_msg("connect %s: expected EHOSTUNREACH (admin-prohibited), got %s", addr,
			 r ? strerror(r) : "a connection");
	if (ms >= PROMPT_MS)
		fail_msg("refusal of %s took %.0f ms", addr, ms);
}

static void assert_reachable(struct shielded *f, const char *addr)
{
	int r = harness_connect(&f->h, addr, H_TCP_PORT, 3000, NULL);
	if (r != 0)
		fail_msg("connect %s: %s", addr, strerror(r));
}

/* ---- files and sets ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_strv(struct ts_strv *v)
{
	if (v->n)
		qsort(v->items, v->n, sizeof(*v->items), cmp_str);
}

/* Lines of a bundle file, blank ones skipped (a missing file has none). */
static void file_lines(const char *dir, const char *name, struct ts_strv *out)
{
	char *text = read_text(dir, name);
	char *save = NULL;
	for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save))
		if (*ts_strip(l))
			ts_strv_push(out, ts_strip(l));
	free(text);
}

static bool file_has_line(const char *dir, const char *name, const char *line)
{
	struct ts_strv v = TS_STRV_INIT;
	file_lines(dir, name, &v);
	bool has = ts_strv_contains(&v, line);
	ts_strv_clear(&v);
	return has;
}

static bool file_contains(const char *dir, const char *name, const char *needle)
{
	char *text = read_text(dir, name);
	bool has = text && strstr(text, needle);
	free(text);
	return has;
}

/* Elements of set NAME in a table listing (our own parser, not the library's). */
static void set_elements(const char *listing, const char *set, struct ts_strv *out)
{
	char *head = ts_xasprintf("set %s {", set);
	const char *start = listing ? strstr(listing, head) : NULL;
	free(head);
	if (!start)
		fail_msg("set %s not in the table", set);
	const char *end = strstr(start, "\n\t}");
	assert_non_null(end);
	const char *el = strstr(start, "elements = {");
	if (!el || el > end)
		return;
	el += strlen("elements = {");
	const char *close = strchr(el, '}');
	assert_non_null(close);
	char *text = strndup(el, (size_t)(close - el));
	char *save = NULL;
	for (char *t = strtok_r(text, ", \t\n", &save); t; t = strtok_r(NULL, ", \t\n", &save)) {
		/* An element's counter (docs/ruleset.md#counters) is no element. */
		if (strcmp(t, "packets") == 0 || strcmp(t, "bytes") == 0)
			strtok_r(NULL, ", \t\n", &save);
		else if (strcmp(t, "counter") != 0)
			ts_strv_push(out, t);
	}
	free(text);
}

static void live_set(struct shielded *f, const char *set, struct ts_strv *out)
{
	char *listing = harness_list_table(&f->h, f->h.container);
	assert_non_null(listing);
	set_elements(listing, set, out);
	free(listing);
}

static bool set_has(struct shielded *f, const char *set, const char *addr)
{
	struct ts_strv v = TS_STRV_INIT;
	live_set(f, set, &v);
	bool has = ts_strv_contains(&v, addr);
	ts_strv_clear(&v);
	return has;
}

/* Both lists hold the same strings (order ignored); a and b are sorted. */
static void assert_same(struct ts_strv *a, struct ts_strv *b, const char *what)
{
	sort_strv(a);
	sort_strv(b);
	bool same = a->n == b->n;
	for (size_t i = 0; same && i < a->n; i++)
		same = strcmp(a->items[i], b->items[i]) == 0;
	if (!same) {
		char *x = ts_strv_join(a, " "), *y = ts_strv_join(b, " ");
		fail_msg("%s differ:\n  [%s]\n  [%s]", what, x ? x : "", y ? y : "");
	}
}

/* An audit entry with this action (and dest, when given). */
static bool audit_has(const char *dir, const char *action, const char *dest)
{
	struct ts_strv v = TS_STRV_INIT;
	file_lines(dir, "audit.jsonl", &v);
	char *a = ts_xasprintf("\"action\":\"%s\"", action);
	char *d = dest ? ts_xasprintf("\"dest\":\"%s\"", dest) : NULL;
	bool found = false;
	for (size_t i = 0; !found && i < v.n; i++)
		found = strstr(v.items[i], a) && (!d || strstr(v.items[i], d));
	free(a);
	free(d);
	ts_strv_clear(&v);
	return found;
}

static void assert_status(struct shielded *f, const char *name, const char *word)
{
	char *expect = ts_xasprintf("%s\n", word);
	SHIELDED_CLI_OK(f, expect, "status", name);
	free(expect);
}


/* ---- 1. allow an IP ---- */

static void test_allow_ip(void **state)
{
	struct shielded *f = *state;
	assert_refused(f, H_OTHER_IP);
	SHIELDED_CLI_OK(f, "Allowed " H_OTHER_IP " -> " H_OTHER_IP " for " NAME "\n", "allow", NAME, H_OTHER_IP);
	assert_reachable(f, H_OTHER_IP);
	assert_true(file_has_line(f->state_dir, "live.allowed", H_OTHER_IP));
	assert_true(audit_has(f->state_dir, "allowed", H_OTHER_IP));
	assert_true(file_contains(f->state_dir, "ruleset.nft", H_OTHER_IP));
	assert_true(set_has(f, "allow_v4", H_OTHER_IP));
	assert_true(set_has(f, "allow_v4", H_ALLOWED_IP));
	/* The profile address and everything else is as before. */
	assert_reachable(f, H_ALLOWED_IP);
	assert_refused(f, H_DOMAIN_OTHER_IP);
	/* A restart (the hook applies ruleset.nft again) keeps it. */
	assert_int_equal(shielded_hook(f), 0);
	assert_reachable(f, H_OTHER_IP);
	/* Allowing again is harmless and adds no second line. */
	SHIELDED_CLI_OK(f, NULL, "allow", NAME, H_OTHER_IP);
	struct ts_strv v = TS_STRV_INIT;
	file_lines(f->state_dir, "live.allowed", &v);
	assert_int_equal(v.n, 1);
	ts_strv_clear(&v);
}

/* ---- 2. deny an IP ---- */

static void test_deny_ip(void **state)
{
	struct shielded *f = *state;
	SHIELDED_CLI_OK(f, NULL, "allow", NAME, H_OTHER_IP);
	assert_reachable(f, H_OTHER_IP);
	SHIELDED_CLI_OK(f, "Denied " H_OTHER_IP " (" H_OTHER_IP ") for " NAME "\n", "deny", NAME, H_OTHER_IP);
	assert_refused(f, H_OTHER_IP);
	assert_false(file_has_line(f->state_dir, "live.allowed", H_OTHER_IP));
	assert_true(set_has(f, "deny_v4", H_OTHER_IP));
	assert_false(set_has(f, "allow_v4", H_OTHER_IP));
	/* Neither a profile address nor an interactive container: not persisted. */
	assert_false(file_has_line(f->state_dir, "deny.list", H_OTHER_IP));
	assert_true(audit_has(f->state_dir, "denied", H_OTHER_IP));
	assert_false(file_contains(f->state_dir, "ruleset.nft", H_OTHER_IP));
	assert_reachable(f, H_ALLOWED_IP);
	/* Allowing lifts the live deny. */
	SHIELDED_CLI_OK(f, NULL, "allow", NAME, H_OTHER_IP);
	assert_reachable(f, H_OTHER_IP);
	assert_false(set_has(f, "deny_v4", H_OTHER_IP));
}

/* ---- 3. deny a profile address: persisted, and kept through down, up and a restart ---- */

static void test_deny_profile_ip(void **state)
{
	struct shielded *f = *state;
	assert_reachable(f, H_ALLOWED_IP);
	SHIELDED_CLI_OK(f, "Denied " H_ALLOWED_IP " (" H_ALLOWED_IP ") for " NAME "\n", "deny", NAME,
	       H_ALLOWED_IP);
	assert_refused(f, H_ALLOWED_IP);
	assert_true(file_has_line(f->state_dir, "deny.list", H_ALLOWED_IP));
	assert_true(file_has_line(f->state_dir, "profile.allowed", H_ALLOWED_IP));
	assert_true(set_has(f, "deny_v4", H_ALLOWED_IP));
	assert_false(set_has(f, "allow_v4", H_ALLOWED_IP));

	SHIELDED_CLI_OK(f, "Shield down for " NAME "\n", "down", NAME);
	assert_reachable(f, H_OTHER_IP); /* the shield is down... */
	assert_refused(f, H_ALLOWED_IP); /* ...but deny.list stays enforced */

	SHIELDED_CLI_OK(f, "Shield down for " NAME " (all traffic)\n", "down", NAME, "--all");
	assert_reachable(f, H_PRIVATE_IP);
	assert_refused(f, H_ALLOWED_IP);

	SHIELDED_CLI_OK(f, "Shield up for " NAME "\n", "up", NAME);
	assert_refused(f, H_ALLOWED_IP);
	assert_refused(f, H_OTHER_IP);

	assert_int_equal(shielded_hook(f), 0);
	assert_refused(f, H_ALLOWED_IP);
	assert_true(set_has(f, "deny_v4", H_ALLOWED_IP));
	assert_false(set_has(f, "allow_v4", H_ALLOWED_IP));

	/* Allowing it again takes it out of deny.list and the deny set. */
	SHIELDED_CLI_OK(f, NULL, "allow", NAME, H_ALLOWED_IP);
	assert_reachable(f, H_ALLOWED_IP);
	assert_false(file_has_line(f->state_dir, "deny.list", H_ALLOWED_IP));
	assert_false(set_has(f, "deny_v4", H_ALLOWED_IP));
	assert_int_equal(shielded_hook(f), 0);
	assert_reachable(f, H_ALLOWED_IP);
}

/* A profile network covers the denied address: still a profile address, persisted. */
static void test_deny_inside_profile_network(void **state)
{
	struct shielded *f = *state;
	shielded_write_bundle(f->state_dir, "203.0.113.0/24\n");
	assert_int_equal(shielded_hook(f), 0);
	assert_reachable(f, H_ALLOWED_IP);
	SHIELDED_CLI_OK(f, NULL, "deny", NAME, H_ALLOWED_IP);
	assert_refused(f, H_ALLOWED_IP);
	assert_reachable(f, H_DOMAIN_ALLOWED_IP); /* 203.0.113.20, same network */
	assert_true(file_has_line(f->state_dir, "deny.list", H_ALLOWED_IP));
	assert_int_equal(shielded_hook(f), 0);
	assert_refused(f, H_ALLOWED_IP);
	assert_reachable(f, H_DOMAIN_ALLOWED_IP);
}

/* ---- 4. private addresses, networks, overlaps ---- */

static void test_allow_private(void **state)
{
	struct shielded *f = *state;
	assert_refused(f, H_PRIVATE_IP);
	SHIELDED_CLI_OK(f, "Allowed " H_PRIVATE_IP " -> " H_PRIVATE_IP " for " NAME "\n", "allow", NAME,
	       H_PRIVATE_IP);
	assert_reachable(f, H_PRIVATE_IP);
	assert_true(audit_has(f->state_dir, "allowed", H_PRIVATE_IP));
	assert_true(audit_has(f->state_dir, "note", H_PRIVATE_IP));
	/* Only the allowlisted private address: the rest of the range stays refused. */
	assert_false(audit_has(f->state_dir, "note", H_OTHER_IP));
}

static void test_allow_cidr_overlap(void **state)
{
	struct shielded *f = *state;
	SHIELDED_CLI_OK(f, "Allowed 198.51.100.0/24 -> 198.51.100.0/24 for " NAME "\n", "allow", NAME,
	       "198.51.100.0/24");
	assert_reachable(f, H_OTHER_IP);
	assert_reachable(f, H_DOMAIN_OTHER_IP);
	assert_true(file_has_line(f->state_dir, "live.allowed", "198.51.100.0/24"));
	/* A host inside the allowed network: nft refuses overlapping intervals unless handled. */
	SHIELDED_CLI_OK(f, "Allowed " H_OTHER_IP " -> " H_OTHER_IP " for " NAME "\n", "allow", NAME, H_OTHER_IP);
	assert_true(file_has_line(f->state_dir, "live.allowed", H_OTHER_IP));
	assert_true(set_has(f, "allow_v4", "198.51.100.0/24"));
	assert_reachable(f, H_OTHER_IP);
	/* Deny comes before allow: one host of the network refused, its neighbours not. */
	SHIELDED_CLI_OK(f, NULL, "deny", NAME, H_OTHER_IP);
	assert_refused(f, H_OTHER_IP);
	assert_reachable(f, H_DOMAIN_OTHER_IP);
	assert_true(file_has_line(f->state_dir, "live.allowed", "198.51.100.0/24"));
	assert_false(file_has_line(f->state_dir, "live.allowed", H_OTHER_IP));
	/* A live-only deny survives later changes and up/down (they merge the live deny set). */
	SHIELDED_CLI_OK(f, NULL, "allow", NAME, H_PRIVATE_IP);
	assert_refused(f, H_OTHER_IP);
	SHIELDED_CLI_OK(f, NULL, "down", NAME);
	assert_refused(f, H_OTHER_IP);
	SHIELDED_CLI_OK(f, NULL, "up", NAME);
	assert_refused(f, H_OTHER_IP);
	assert_reachable(f, H_DOMAIN_OTHER_IP);
	/* Denying the whole network while a host deny is in the set: overlap in the deny set. */
	SHIELDED_CLI_OK(f, NULL, "deny", NAME, "198.51.100.0/24");
	assert_refused(f, H_DOMAIN_OTHER_IP);
	assert_refused(f, H_OTHER_IP);
	assert_false(file_has_line(f->state_dir, "live.allowed", "198.51.100.0/24"));
}

/* The other order: the host first, then a network covering it. */
static void test_allow_host_then_network(void **state)
{
	struct shielded *f = *state;
	SHIELDED_CLI_OK(f, NULL, "allow", NAME, H_OTHER_IP);
	SHIELDED_CLI_OK(f, NULL, "allow", NAME, "198.51.100.0/24");
	assert_reachable(f, H_OTHER_IP);
	assert_reachable(f, H_DOMAIN_OTHER_IP);
	/* Host bits cleared on the way in. */
	SHIELDED_CLI_OK(f, "Allowed 198.51.100.77/24 -> 198.51.100.0/24 for " NAME "\n", "allow", NAME,
	       "198.51.100.77/24");
	struct ts_strv v = TS_STRV_INIT;
	file_lines(f->state_dir, "live.allowed", &v);
	assert_int_equal(v.n, 2);
	ts_strv_clear(&v);
	assert_int_equal(shielded_hook(f), 0);
	assert_reachable(f, H_DOMAIN_OTHER_IP);
}

/* ---- 5. down / up ---- */

static void test_down_up(void **state)
{
	struct shielded *f = *state;
	SHIELDED_CLI_OK(f, NULL, "deny", NAME, H_ALLOWED_IP); /* a deny.list entry */
	assert_true(file_has_line(f->state_dir, "deny.list", H_ALLOWED_IP));

	SHIELDED_CLI_OK(f, "Shield down for " NAME "\n", "down", NAME);
	assert_reachable(f, H_OTHER_IP);
	assert_refused(f, H_PRIVATE_IP);
	assert_refused(f, H_ALLOWED_IP);
	assert_status(f, NAME, "down");
	assert_true(audit_has(f->state_dir, "shield_down", NULL));

	SHIELDED_CLI_OK(f, "Shield down for " NAME " (all traffic)\n", "down", NAME, "--all");
	assert_reachable(f, H_PRIVATE_IP);
	assert_reachable(f, H_OTHER_IP);
	assert_refused(f, H_ALLOWED_IP);
	assert_status(f, NAME, "down_all");

	SHIELDED_CLI_OK(f, "Shield up for " NAME "\n", "up", NAME);
	assert_refused(f, H_OTHER_IP);
	assert_refused(f, H_PRIVATE_IP);
	assert_refused(f, H_ALLOWED_IP);
	assert_status(f, NAME, "up");
	assert_true(audit_has(f->state_dir, "shield_up", NULL));

	/* up restores the allow set too. */
	SHIELDED_CLI_OK(f, NULL, "allow", NAME, H_ALLOWED_IP);
	SHIELDED_CLI_OK(f, NULL, "down", NAME);
	SHIELDED_CLI_OK(f, NULL, "up", NAME);
	assert_reachable(f, H_ALLOWED_IP);
	assert_refused(f, H_OTHER_IP);
	/* A changed allow while down is live at once and survives up. */
	SHIELDED_CLI_OK(f, NULL, "down", NAME);
	SHIELDED_CLI_OK(f, NULL, "allow", NAME, H_PRIVATE_IP);
	assert_status(f, NAME, "down");
	SHIELDED_CLI_OK(f, NULL, "up", NAME);
	assert_reachable(f, H_PRIVATE_IP);
	/* A table that has gone (deleted by hand): up puts it back. */
	assert_int_equal(harness_nft(&f->h, f->h.container, "delete table inet terok_shield"), 0);
	SHIELDED_CLI_OK(f, "Shield up for " NAME "\n", "up", NAME);
	assert_refused(f, H_OTHER_IP);
	assert_reachable(f, H_PRIVATE_IP);
	assert_reachable(f, H_ALLOWED_IP);
}

/* ---- 6. state words and rules ---- */

static void test_status_and_rules(void **state)
{
	struct shielded *f = *state;
	assert_status(f, NAME, "up");

	struct cli_run r;
	assert_int_equal(shielded_cli(f, &r, "rules", NAME, (const char *)NULL), 0);
	assert_true(ts_startswith(r.out, "State: up\ntable inet terok_shield {"));
	assert_non_null(strstr(r.out, "set allow_v4"));
	assert_non_null(strstr(r.out, H_ALLOWED_IP));
	cli_run_clear(&r);

	/* A prepared container whose process is gone. */
	char *gone = shielded_gone(f, GONE, false);
	assert_status(f, GONE, "inactive");
	SHIELDED_CLI_OK(f, "No rules found for " GONE "\n", "rules", GONE);
	free(gone);

	/* Running, but without a table. */
	assert_int_equal(harness_nft(&f->h, f->h.container, "delete table inet terok_shield"), 0);
	assert_status(f, NAME, "inactive");
	SHIELDED_CLI_OK(f, "No rules found for " NAME "\n", "rules", NAME);

	/* A table of our name that is neither up nor down. */
	assert_int_equal(harness_nft(&f->h, f->h.container,
				     "table inet terok_shield {\n"
				     "\tchain output {\n"
				     "\t\ttype filter hook output priority filter; policy accept;\n"
				     "\t}\n"
				     "}\n"),
			 0);
	assert_status(f, NAME, "error");
	assert_int_equal(shielded_cli(f, &r, "rules", NAME, (const char *)NULL), 0);
	assert_true(ts_startswith(r.out, "State: error\ntable inet terok_shield {"));
	cli_run_clear(&r);

	/* Not prepared at all. */
	assert_int_equal(shielded_cli(f, &r, "status", "nosuch", (const char *)NULL), 1);
	assert_true(ts_startswith(r.err, "terok-shield: "));
	assert_non_null(strstr(r.err, "not prepared"));
	cli_run_clear(&r);
}

/* ---- 7. concurrent changes lose nothing ---- */

#define N_ALLOW 64
#define N_DENY 32

static void test_concurrent(void **state)
{
	struct shielded *f = *state;
	char allow_ips[N_ALLOW][32], deny_ips[N_DENY][32];
	for (int i = 0; i < N_ALLOW; i++)
		snprintf(allow_ips[i], sizeof(allow_ips[i]), "198.18.0.%d", i + 1);
	for (int i = 0; i < N_DENY; i++)
		snprintf(deny_ips[i], sizeof(deny_ips[i]), "198.18.1.%d", i + 1);
	for (int i = 0; i < N_DENY; i++)
		SHIELDED_CLI_OK(f, NULL, "allow", NAME, deny_ips[i]);

	struct cli_run runs[N_ALLOW + N_DENY];
	/* Interleaved, all started before any is waited for. */
	int n = 0;
	for (int i = 0; i < N_ALLOW; i++) {
		const char *args[] = { "allow", NAME, allow_ips[i], NULL };
		cli_run_start(f, &runs[n++], false, false, args);
		if (i % 2 == 1) {
			const char *dargs[] = { "deny", NAME, deny_ips[i / 2], NULL };
			cli_run_start(f, &runs[n++], false, false, dargs);
		}
	}
	assert_int_equal(n, N_ALLOW + N_DENY);
	int failed = 0;
	for (int i = 0; i < n; i++) {
		cli_run_wait(&runs[i]);
		if (runs[i].status != 0 || runs[i].held_open) {
			fprintf(stderr, "# run %d exited %d: %s", i, runs[i].status, runs[i].err);
			failed++;
		}
	}
	for (int i = 0; i < n; i++)
		cli_run_clear(&runs[i]);
	assert_int_equal(failed, 0);

	/* Files: exactly what was asked. */
	struct ts_strv want_live = TS_STRV_INIT, live = TS_STRV_INIT, deny_list = TS_STRV_INIT;
	for (int i = 0; i < N_ALLOW; i++)
		ts_strv_push(&want_live, allow_ips[i]);
	file_lines(f->state_dir, "live.allowed", &live);
	assert_same(&live, &want_live, "live.allowed and the allowed addresses");
	file_lines(f->state_dir, "deny.list", &deny_list);
	assert_int_equal(deny_list.n, 0);

	/* Sets: allow == effective IPs from the files, deny == the denied addresses. */
	struct ts_strv effective = TS_STRV_INIT, allow_set = TS_STRV_INIT, deny_set = TS_STRV_INIT,
		       want_deny = TS_STRV_INIT;
	struct ts_error err = { 0 };
	assert_int_equal(ts_read_effective_ips(f->state_dir, &effective, &err), 0);
	assert_int_equal(effective.n, N_ALLOW + 1);
	live_set(f, "allow_v4", &allow_set);
	assert_same(&allow_set, &effective, "allow_v4 and the effective IPs");
	for (int i = 0; i < N_DENY; i++)
		ts_strv_push(&want_deny, deny_ips[i]);
	live_set(f, "deny_v4", &deny_set);
	assert_same(&deny_set, &want_deny, "deny_v4 and the denied addresses");
	/* ruleset.nft (what a restart applies) names every allowed address. */
	for (int i = 0; i < N_ALLOW; i++)
		assert_true(file_contains(f->state_dir, "ruleset.nft", allow_ips[i]));
	/* Every change was audited. */
	struct ts_strv audit = TS_STRV_INIT;
	file_lines(f->state_dir, "audit.jsonl", &audit);
	int allowed = 0, denied = 0;
	for (size_t i = 0; i < audit.n; i++) {
		allowed += strstr(audit.items[i], "\"action\":\"allowed\"") != NULL;
		denied += strstr(audit.items[i], "\"action\":\"denied\"") != NULL;
	}
	assert_int_equal(allowed, N_ALLOW + N_DENY);
	assert_int_equal(denied, N_DENY);
	ts_strv_clear(&audit);
	ts_strv_clear(&want_live);
	ts_strv_clear(&live);
	ts_strv_clear(&deny_list);
	ts_strv_clear(&effective);
	ts_strv_clear(&allow_set);
	ts_strv_clear(&deny_set);
	ts_strv_clear(&want_deny);
}

/* ---- 8. invalid targets change nothing ---- */


static void test_invalid_targets(void **state)
{
	struct shielded *f = *state;
	/* Some content in every file first. */
	SHIELDED_CLI_OK(f, NULL, "allow", NAME, H_OTHER_IP);
	SHIELDED_CLI_OK(f, NULL, "deny", NAME, H_ALLOWED_IP);
	static const char *const targets[] = { "1.2.3.4/33", "exa mple.com", "-rf", "", "10.0.0.1/" };
	static const char *const cmds[] = { "allow", "deny" };
	for (size_t c = 0; c < ARRAY_SIZE(cmds); c++)
		for (size_t t = 0; t < ARRAY_SIZE(targets); t++) {
			struct shielded_snapshot before;
			shielded_snapshot(f, &before);
			struct cli_run r;
			int rc = shielded_cli(f, &r, cmds[c], NAME, targets[t], (const char *)NULL);
			if (rc != 1)
				fail_msg("%s '%s' exited %d (stderr: %s)", cmds[c], targets[t], rc, r.err);
			if (!ts_startswith(r.err, "terok-shield: "))
				fail_msg("%s '%s': stderr '%s'", cmds[c], targets[t], r.err);
			assert_string_equal(r.out, "");
			cli_run_clear(&r);
			char *what = ts_xasprintf("%s '%s'", cmds[c], targets[t]);
			shielded_assert_unchanged_since(f, &before, what);
			free(what);
		}
	assert_reachable(f, H_OTHER_IP);
	assert_refused(f, H_ALLOWED_IP);
}

/* ---- 9. a prepared container that is not running ---- */

static void test_not_running(void **state)
{
	struct shielded *f = *state;
	char *dir = shielded_gone(f, GONE, false);
	struct cli_run r;
	assert_int_equal(shielded_cli(f, &r, "allow", GONE, H_OTHER_IP, (const char *)NULL), 0);
	assert_string_equal(r.out, "Allowed " H_OTHER_IP " -> " H_OTHER_IP " for " GONE "\n");
	assert_non_null(strstr(r.err, "applies when it starts"));
	cli_run_clear(&r);
	assert_true(file_has_line(dir, "live.allowed", H_OTHER_IP));
	assert_true(file_contains(dir, "ruleset.nft", H_OTHER_IP));
	assert_true(audit_has(dir, "allowed", H_OTHER_IP));

	assert_int_equal(shielded_cli(f, &r, "deny", GONE, H_ALLOWED_IP, (const char *)NULL), 0);
	assert_string_equal(r.out, "Denied " H_ALLOWED_IP " (" H_ALLOWED_IP ") for " GONE "\n");
	assert_non_null(strstr(r.err, "applies when it starts"));
	cli_run_clear(&r);
	assert_true(file_has_line(dir, "deny.list", H_ALLOWED_IP));

	/* The regenerated ruleset holds both changes: started in our namespace, it enforces them. */
	char *ruleset = read_text(dir, "ruleset.nft");
	assert_non_null(ruleset);
	assert_int_equal(harness_nft(&f->h, f->h.container, ruleset), 0);
	free(ruleset);
	assert_reachable(f, H_OTHER_IP);
	assert_refused(f, H_ALLOWED_IP);

	/* up and down need a running container. */
	assert_int_equal(shielded_cli(f, &r, "up", GONE, (const char *)NULL), 1);
	assert_true(ts_startswith(r.err, "terok-shield: "));
	assert_non_null(strstr(r.err, "not running"));
	cli_run_clear(&r);
	assert_int_equal(shielded_cli(f, &r, "down", GONE, (const char *)NULL), 1);
	assert_true(ts_startswith(r.err, "terok-shield: "));
	cli_run_clear(&r);
	/* The running container was not touched by any of it. */
	assert_false(file_has_line(f->state_dir, "live.allowed", H_OTHER_IP));
	free(dir);
}

/* A container nobody prepared: an error, and no directory appears. */
static void test_not_prepared(void **state)
{
	struct shielded *f = *state;
	struct cli_run r;
	assert_int_equal(shielded_cli(f, &r, "allow", "nosuch", H_OTHER_IP, (const char *)NULL), 1);
	assert_true(ts_startswith(r.err, "terok-shield: "));
	cli_run_clear(&r);
	char *dir = ts_xasprintf("%s/containers/nosuch", f->h.state_root);
	struct stat st;
	assert_int_equal(lstat(dir, &st), -1);
	free(dir);
	/* An invalid name is refused before it becomes a path. */
	assert_int_equal(shielded_cli(f, &r, "allow", "../" NAME, H_OTHER_IP, (const char *)NULL), 1);
	assert_true(ts_startswith(r.err, "terok-shield: "));
	cli_run_clear(&r);
	assert_false(file_has_line(f->state_dir, "live.allowed", H_OTHER_IP));
	assert_refused(f, H_OTHER_IP);
}


/* deny applies at once while the shield is down, and stays after up. */
static void test_deny_while_down(void **state)
{
	struct shielded *f = *state;
	SHIELDED_CLI_OK(f, NULL, "down", NAME);
	assert_reachable(f, H_OTHER_IP);
	SHIELDED_CLI_OK(f, NULL, "deny", NAME, H_OTHER_IP);
	assert_refused(f, H_OTHER_IP);
	assert_status(f, NAME, "down");
	SHIELDED_CLI_OK(f, NULL, "up", NAME);
	assert_refused(f, H_OTHER_IP);
	assert_true(set_has(f, "deny_v4", H_OTHER_IP));
}

/* A running container whose table is gone: allow is an error pointing at up, and up repairs it. */
static void test_allow_without_table(void **state)
{
	struct shielded *f = *state;
	assert_int_equal(harness_nft(&f->h, f->h.container, "delete table inet terok_shield"), 0);
	struct cli_run r;
	assert_int_equal(shielded_cli(f, &r, "allow", NAME, H_OTHER_IP, (const char *)NULL), 1);
	assert_true(ts_startswith(r.err, "terok-shield: "));
	assert_non_null(strstr(r.err, "up"));
	cli_run_clear(&r);
	char *listing = harness_list_table(&f->h, f->h.container);
	assert_null(listing);
	SHIELDED_CLI_OK(f, NULL, "up", NAME);
	assert_refused(f, H_PRIVATE_IP);
	assert_reachable(f, H_ALLOWED_IP);
	/* A table of our name that is not ours: changes fail, nothing is half-applied. */
	assert_int_equal(harness_nft(&f->h, f->h.container,
				     "table inet terok_shield\ndelete table inet terok_shield\n"
				     "table inet terok_shield {\n\tchain output {\n"
				     "\t\ttype filter hook output priority filter; policy accept;\n\t}\n}\n"),
			 0);
	char *before = harness_list_table(&f->h, f->h.container);
	assert_int_equal(shielded_cli(f, &r, "deny", NAME, H_OTHER_IP, (const char *)NULL), 1);
	assert_true(ts_startswith(r.err, "terok-shield: "));
	cli_run_clear(&r);
	char *after = harness_list_table(&f->h, f->h.container);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

/* A table of our name without our sets (state error) is what up is there to repair. */
static void test_up_repairs_foreign_table(void **state)
{
	struct shielded *f = *state;
	assert_int_equal(harness_nft(&f->h, f->h.container,
				     "table inet terok_shield\ndelete table inet terok_shield\n"
				     "table inet terok_shield {\n\tchain output {\n"
				     "\t\ttype filter hook output priority filter; policy accept;\n\t}\n}\n"),
			 0);
	assert_status(f, NAME, "error");
	assert_reachable(f, H_OTHER_IP);
	SHIELDED_CLI_OK(f, "Shield up for " NAME "\n", "up", NAME);
	assert_status(f, NAME, "up");
	assert_refused(f, H_OTHER_IP);
	assert_reachable(f, H_ALLOWED_IP);
	SHIELDED_CLI_OK(f, NULL, "down", NAME);
	assert_status(f, NAME, "down");
}

/* IPv6 targets: canonical in files and messages, in the v6 sets. */
static void test_ipv6(void **state)
{
	struct shielded *f = *state;
	SHIELDED_CLI_OK(f, "Allowed 2001:DB8:0::1 -> 2001:db8::1 for " NAME "\n", "allow", NAME, "2001:DB8:0::1");
	assert_true(file_has_line(f->state_dir, "live.allowed", "2001:db8::1"));
	assert_true(set_has(f, "allow_v6", "2001:db8::1"));
	assert_false(set_has(f, "allow_v4", "2001:db8::1"));
	SHIELDED_CLI_OK(f, "Denied 2001:db8:1::/48 (2001:db8:1::/48) for " NAME "\n", "deny", NAME,
	       "2001:db8:1::/48");
	assert_true(set_has(f, "deny_v6", "2001:db8:1::/48"));
	SHIELDED_CLI_OK(f, NULL, "deny", NAME, "2001:db8::1");
	assert_false(set_has(f, "allow_v6", "2001:db8::1"));
	assert_true(set_has(f, "deny_v6", "2001:db8::1"));
	assert_false(file_has_line(f->state_dir, "live.allowed", "2001:db8::1"));
	/* A wide v6 network is noted. */
	SHIELDED_CLI_OK(f, NULL, "allow", NAME, "2001:db8::/32");
	assert_true(audit_has(f->state_dir, "note", "2001:db8::/32"));
	assert_true(set_has(f, "allow_v6", "2001:db8::/32"));
}

/* Interactive containers keep every deny in deny.list (docs/cli.md, allow and deny). */
static void test_interactive_persists_denies(void **state)
{
	struct shielded *f = *state;
	SHIELDED_CLI_OK(f, NULL, "allow", NAME, H_OTHER_IP);
	assert_reachable(f, H_OTHER_IP);
	SHIELDED_CLI_OK(f, NULL, "deny", NAME, H_OTHER_IP);
	assert_refused(f, H_OTHER_IP);
	assert_true(file_has_line(f->state_dir, "deny.list", H_OTHER_IP));
	assert_status(f, NAME, "up");
	SHIELDED_CLI_OK(f, NULL, "down", NAME);
	assert_refused(f, H_OTHER_IP);
	SHIELDED_CLI_OK(f, NULL, "up", NAME);
	assert_status(f, NAME, "up");
	char *listing = harness_list_table(&f->h, f->h.container);
	assert_non_null(strstr(listing, "TEROK_SHIELD_QUEUED: "));
	free(listing);
	assert_refused(f, H_OTHER_IP);
	assert_int_equal(shielded_hook(f), 0);
	assert_refused(f, H_OTHER_IP);
}

/* Domains (dig tier): resolved by the CLI, every address allowed or denied. */
static void test_domain_static(void **state)
{
	struct shielded *f = *state;
	assert_refused(f, H_DOMAIN_ALLOWED_IP);
	struct cli_run r;
	assert_int_equal(shielded_cli_world(f, &r, "allow", NAME, H_DOMAIN_ALLOWED, (const char *)NULL), 0);
	assert_string_equal(r.out, "Allowed " H_DOMAIN_ALLOWED " -> " H_DOMAIN_ALLOWED_IP " for " NAME "\n");
	cli_run_clear(&r);
	assert_reachable(f, H_DOMAIN_ALLOWED_IP);
	assert_true(file_has_line(f->state_dir, "live.allowed", H_DOMAIN_ALLOWED_IP));
	assert_true(file_contains(f->state_dir, "audit.jsonl", "[ips] " H_DOMAIN_ALLOWED_IP));
	/* No domain files outside the dnsmasq tier. */
	char *domains = read_text(f->state_dir, "live.domains");
	assert_null(domains);

	assert_int_equal(shielded_cli_world(f, &r, "deny", NAME, H_DOMAIN_ALLOWED, (const char *)NULL), 0);
	assert_string_equal(r.out, "Denied " H_DOMAIN_ALLOWED " (" H_DOMAIN_ALLOWED_IP ") for " NAME "\n");
	cli_run_clear(&r);
	assert_refused(f, H_DOMAIN_ALLOWED_IP);
	assert_false(file_has_line(f->state_dir, "live.allowed", H_DOMAIN_ALLOWED_IP));

	/* An unresolvable name: an error, and nothing changes. */
	struct shielded_snapshot before;
	shielded_snapshot(f, &before);
	assert_int_equal(shielded_cli_world(f, &r, "allow", NAME, "nosuch.test", (const char *)NULL), 1);
	assert_true(ts_startswith(r.err, "terok-shield: "));
	assert_non_null(strstr(r.err, "nosuch.test"));
	cli_run_clear(&r);
	shielded_assert_unchanged_since(f, &before, "allow nosuch.test");
}

/* dnsmasq tier: domain files, dnsmasq.conf, and a dnsmasq that learns the new domains. */
static void test_domain_dnsmasq(void **state)
{
	struct shielded *f = *state;
	pid_t first, second;
	assert_int_equal(ts_dnsmasq_pid(f->state_dir, &first, NULL), 0);
	char ips[4][16];
	assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", H_DOMAIN_OTHER, ips, 4), 1);
	assert_false(set_has(f, "dns_v4", H_DOMAIN_OTHER_IP));
	assert_refused(f, H_DOMAIN_OTHER_IP);

	struct cli_run r;
	/* A domain's addresses follow its answers here: --port/--for are refused, nothing written. */
	assert_int_equal(shielded_cli_world(f, &r, "allow", NAME, H_DOMAIN_OTHER, "--port", "443",
					    (const char *)NULL), 1);
	if (!strstr(r.err, "in the dnsmasq DNS tier a domain's addresses change"))
		fail_msg("scoped domain allow: %s", r.err);
	cli_run_clear(&r);
	assert_false(file_has_line(f->state_dir, "live.domains", H_DOMAIN_OTHER));
	assert_false(file_contains(f->state_dir, "live.scoped", H_DOMAIN_OTHER_IP));
	assert_int_equal(shielded_cli_world(f, &r, "allow", NAME, H_DOMAIN_OTHER, (const char *)NULL), 0);
	assert_string_equal(r.out, "Allowed " H_DOMAIN_OTHER " -> " H_DOMAIN_OTHER_IP " for " NAME "\n");
	cli_run_clear(&r);
	assert_reachable(f, H_DOMAIN_OTHER_IP);
	assert_true(file_has_line(f->state_dir, "live.domains", H_DOMAIN_OTHER));
	assert_true(file_contains(f->state_dir, "dnsmasq.conf", "/" H_DOMAIN_OTHER "/"));
	assert_int_equal(ts_dnsmasq_pid(f->state_dir, &second, NULL), 0);
	assert_int_not_equal(first, second);
	/* The new dnsmasq feeds the dns set for the new domain. */
	assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", H_DOMAIN_OTHER, ips, 4), 1);
	assert_true(set_has(f, "dns_v4", H_DOMAIN_OTHER_IP));

	/* Deny a profile domain: it leaves the merged domains, its address is refused. */
	assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", H_DOMAIN_ALLOWED, ips, 4), 1);
	assert_reachable(f, H_DOMAIN_ALLOWED_IP);
	assert_int_equal(shielded_cli_world(f, &r, "deny", NAME, H_DOMAIN_ALLOWED, (const char *)NULL), 0);
	cli_run_clear(&r);
	assert_true(file_has_line(f->state_dir, "denied.domains", H_DOMAIN_ALLOWED));
	assert_false(file_contains(f->state_dir, "dnsmasq.conf", "/" H_DOMAIN_ALLOWED "/"));
	assert_true(set_has(f, "deny_v4", H_DOMAIN_ALLOWED_IP));
	/* Deny before allow: a fresh answer cannot bring it back. */
	assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", H_DOMAIN_ALLOWED, ips, 4), 1);
	assert_refused(f, H_DOMAIN_ALLOWED_IP);
	/* Allowing it again moves it back. */
	assert_int_equal(shielded_cli_world(f, &r, "allow", NAME, H_DOMAIN_ALLOWED, (const char *)NULL), 0);
	cli_run_clear(&r);
	assert_false(file_has_line(f->state_dir, "denied.domains", H_DOMAIN_ALLOWED));
	assert_true(file_has_line(f->state_dir, "live.domains", H_DOMAIN_ALLOWED));
	assert_reachable(f, H_DOMAIN_ALLOWED_IP);

	/* A dead dnsmasq: the error says DNS is broken and how to recover. */
	pid_t dns;
	assert_int_equal(ts_dnsmasq_pid(f->state_dir, &dns, NULL), 0);
	kill(dns, SIGKILL);
	for (int i = 0; i < 200 && kill(dns, 0) == 0; i++)
		usleep(10000);
	assert_int_equal(shielded_cli_world(f, &r, "allow", NAME, H_DOMAIN_OTHER, (const char *)NULL), 1);
	assert_true(ts_startswith(r.err, "terok-shield: "));
	assert_non_null(strstr(r.err, "DNS is broken"));
	assert_non_null(strstr(r.err, "restart"));
	cli_run_clear(&r);
}

/*
 * The dnsmasq a domain change restarted follows the container like the
 * hook's first one: poststop does not run on every way a container ends.
 */
static void test_restarted_dnsmasq_follows_container(void **state)
{
	struct shielded *f = *state;
	pid_t first, second;
	assert_int_equal(ts_dnsmasq_pid(f->state_dir, &first, NULL), 0);
	struct cli_run r;
	assert_int_equal(shielded_cli_world(f, &r, "allow", NAME, H_DOMAIN_OTHER, (const char *)NULL), 0);
	cli_run_clear(&r);
	assert_int_equal(ts_dnsmasq_pid(f->state_dir, &second, NULL), 0);
	assert_int_not_equal(first, second);
	assert_true(harness_wait_gone(first));
	kill(f->h.container, SIGKILL);
	waitpid(f->h.container, NULL, 0);
	f->h.container = -1;
	assert_true(harness_wait_gone(second));
}

/* allow bursts interleaved with down and up: whatever the final state, the sets match the files. */
static void test_concurrent_with_updown(void **state)
{
	struct shielded *f = *state;
	enum { N = 32 };
	char ips[N][32];
	struct cli_run runs[N + 8];
	int n = 0;
	for (int i = 0; i < N; i++) {
		snprintf(ips[i], sizeof(ips[i]), "198.18.2.%d", i + 1);
		const char *args[] = { "allow", NAME, ips[i], NULL };
		cli_run_start(f, &runs[n++], false, false, args);
		if (i % 4 == 3) {
			const char *ud[] = { i % 8 == 3 ? "down" : "up", NAME, NULL };
			cli_run_start(f, &runs[n++], false, false, ud);
		}
	}
	int failed = 0;
	for (int i = 0; i < n; i++) {
		cli_run_wait(&runs[i]);
		if (runs[i].status != 0 || runs[i].held_open) {
			fprintf(stderr, "# run %d exited %d: %s", i, runs[i].status, runs[i].err);
			failed++;
		}
		cli_run_clear(&runs[i]);
	}
	assert_int_equal(failed, 0);
	struct ts_strv effective = TS_STRV_INIT, set = TS_STRV_INIT;
	assert_int_equal(ts_read_effective_ips(f->state_dir, &effective, NULL), 0);
	assert_int_equal(effective.n, N + 1);
	live_set(f, "allow_v4", &set);
	assert_same(&set, &effective, "allow_v4 and the effective IPs");
	ts_strv_clear(&set);
	SHIELDED_CLI_OK(f, NULL, "up", NAME);
	live_set(f, "allow_v4", &set);
	assert_same(&set, &effective, "allow_v4 after up and the effective IPs");
	ts_strv_clear(&set);
	ts_strv_clear(&effective);
	assert_refused(f, H_OTHER_IP);
}

/* audit.enabled: false in config.yml: changes still happen, nothing is audited. */
static void test_audit_disabled(void **state)
{
	struct shielded *f = *state;
	write_text(f->config_dir, "config.yml", "audit:\n  enabled: false\n");
	char *before = read_text(f->state_dir, "audit.jsonl");
	SHIELDED_CLI_OK(f, NULL, "allow", NAME, H_PRIVATE_IP);
	SHIELDED_CLI_OK(f, NULL, "deny", NAME, H_ALLOWED_IP);
	SHIELDED_CLI_OK(f, NULL, "down", NAME);
	SHIELDED_CLI_OK(f, NULL, "up", NAME);
	assert_reachable(f, H_PRIVATE_IP);
	assert_refused(f, H_ALLOWED_IP);
	char *after = read_text(f->state_dir, "audit.jsonl");
	assert_true((before == NULL) == (after == NULL));
	if (before)
		assert_string_equal(before, after);
	free(before);
	free(after);
}

/* Runs the CLI, which must succeed and warn that its audit line was not written. */
static void cli_warns_unaudited(struct shielded *f, const char *audit, const char *cmd,
				const char *arg)
{
	struct cli_run r;
	int rc = shielded_cli(f, &r, cmd, NAME, arg, (const char *)NULL);
	char *warning = ts_xasprintf("terok-shield: warning: audit log %s not written: ", audit);
	if (rc != 0 || !strstr(r.err, warning))
		fail_msg("%s with an unwritable audit log exited %d: %s%s", cmd, rc, r.out, r.err);
	free(warning);
	cli_run_clear(&r);
}

/*
 * An audit log that cannot be written (a directory in its place): each
 * change warns on stderr and still takes effect, live and in the files.
 */
static void test_audit_unwritable(void **state)
{
	struct shielded *f = *state;
	char *audit = ts_xasprintf("%s/audit.jsonl", f->state_dir);
	unlink(audit);
	assert_int_equal(mkdir(audit, 0700), 0);
	cli_warns_unaudited(f, audit, "allow", H_PRIVATE_IP);
	assert_reachable(f, H_PRIVATE_IP);
	assert_true(file_has_line(f->state_dir, "live.allowed", H_PRIVATE_IP));
	cli_warns_unaudited(f, audit, "deny", H_ALLOWED_IP);
	assert_refused(f, H_ALLOWED_IP);
	cli_warns_unaudited(f, audit, "down", NULL);
	assert_reachable(f, H_OTHER_IP);
	cli_warns_unaudited(f, audit, "up", NULL);
	assert_refused(f, H_OTHER_IP);
	assert_reachable(f, H_PRIVATE_IP);
	assert_int_equal(rmdir(audit), 0);
	free(audit);
}

/* A bundle file replaced by a symbolic link is refused, and the link's target untouched. */
static void test_symlinked_bundle_file(void **state)
{
	struct shielded *f = *state;
	write_text(f->h.scratch, "outside", H_OTHER_IP "\n");
	char *target = ts_xasprintf("%s/outside", f->h.scratch);
	char *link = ts_xasprintf("%s/live.allowed", f->state_dir);
	unlink(link);
	assert_int_equal(symlink(target, link), 0);
	struct cli_run r;
	int rc = shielded_cli(f, &r, "allow", NAME, H_PRIVATE_IP, (const char *)NULL);
	if (rc != 1)
		fail_msg("allow through a symlinked live.allowed exited %d: %s%s", rc, r.out, r.err);
	assert_true(ts_startswith(r.err, "terok-shield: "));
	cli_run_clear(&r);
	char *outside = read_text(f->h.scratch, "outside");
	assert_string_equal(outside, H_OTHER_IP "\n");
	free(outside);
	struct stat st;
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_refused(f, H_OTHER_IP);
	assert_refused(f, H_PRIVATE_IP);
	free(target);
	free(link);
}

/* Concurrent denies of profile addresses (persisted) and allows: deny.list loses nothing. */
static void test_concurrent_profile_denies(void **state)
{
	struct shielded *f = *state;
	enum { PROFILE = 30, N = 16 };
	struct ts_strbuf profile = TS_STRBUF_INIT;
	for (int i = 0; i < PROFILE; i++)
		ts_strbuf_printf(&profile, "198.18.3.%d\n", i + 1);
	shielded_write_bundle(f->state_dir, profile.data);
	ts_strbuf_clear(&profile);
	assert_int_equal(shielded_hook(f), 0);

	char denied[N][32], allowed[N][32];
	struct cli_run runs[2 * N];
	int n = 0;
	for (int i = 0; i < N; i++) {
		snprintf(denied[i], sizeof(denied[i]), "198.18.3.%d", i + 1);
		snprintf(allowed[i], sizeof(allowed[i]), "198.18.4.%d", i + 1);
		const char *d[] = { "deny", NAME, denied[i], NULL };
		const char *a[] = { "allow", NAME, allowed[i], NULL };
		cli_run_start(f, &runs[n++], false, false, d);
		cli_run_start(f, &runs[n++], false, false, a);
	}
	int failed = 0;
	for (int i = 0; i < n; i++) {
		cli_run_wait(&runs[i]);
		if (runs[i].status != 0 || runs[i].held_open) {
			fprintf(stderr, "# run %d exited %d: %s", i, runs[i].status, runs[i].err);
			failed++;
		}
		cli_run_clear(&runs[i]);
	}
	assert_int_equal(failed, 0);

	struct ts_strv want_deny = TS_STRV_INIT, want_live = TS_STRV_INIT, got = TS_STRV_INIT,
		       effective = TS_STRV_INIT;
	for (int i = 0; i < N; i++) {
		ts_strv_push(&want_deny, denied[i]);
		ts_strv_push(&want_live, allowed[i]);
	}
	file_lines(f->state_dir, "deny.list", &got);
	assert_same(&got, &want_deny, "deny.list and the denied profile addresses");
	ts_strv_clear(&got);
	file_lines(f->state_dir, "live.allowed", &got);
	assert_same(&got, &want_live, "live.allowed and the allowed addresses");
	ts_strv_clear(&got);
	live_set(f, "deny_v4", &got);
	assert_same(&got, &want_deny, "deny_v4 and the denied profile addresses");
	ts_strv_clear(&got);
	assert_int_equal(ts_read_effective_ips(f->state_dir, &effective, NULL), 0);
	assert_int_equal(effective.n, PROFILE - N + N);
	live_set(f, "allow_v4", &got);
	assert_same(&got, &effective, "allow_v4 and the effective IPs");
	/* What a restart applies is the same. */
	assert_int_equal(shielded_hook(f), 0);
	ts_strv_clear(&got);
	live_set(f, "allow_v4", &got);
	assert_same(&got, &effective, "allow_v4 after a restart and the effective IPs");
	ts_strv_clear(&got);
	live_set(f, "deny_v4", &got);
	assert_same(&got, &want_deny, "deny_v4 after a restart and deny.list");
	ts_strv_clear(&got);
	ts_strv_clear(&want_deny);
	ts_strv_clear(&want_live);
	ts_strv_clear(&effective);
}

#define WITH(test) cmocka_unit_test_setup_teardown(test, setup, shielded_cmocka_teardown)
#define WITH_SETUP(test, setup_fn)                                                               \
	cmocka_unit_test_setup_teardown(test, setup_fn, shielded_cmocka_teardown)

int main(void)
{
	if (!shielded_suite_runnable())
		return 0;
	const struct CMUnitTest tests[] = {
		WITH(test_allow_ip),
		WITH(test_deny_ip),
		WITH(test_deny_profile_ip),
		WITH(test_deny_inside_profile_network),
		WITH(test_allow_private),
		WITH(test_allow_cidr_overlap),
		WITH(test_allow_host_then_network),
		WITH(test_down_up),
		WITH(test_status_and_rules),
		WITH(test_concurrent),
		WITH(test_invalid_targets),
		WITH(test_not_running),
		WITH(test_not_prepared),
		WITH(test_deny_while_down),
		WITH(test_allow_without_table),
		WITH(test_ipv6),
		WITH_SETUP(test_interactive_persists_denies, setup_interactive),
		WITH(test_domain_static),
		WITH_SETUP(test_domain_dnsmasq, setup_dnsmasq),
		WITH_SETUP(test_restarted_dnsmasq_follows_container, setup_dnsmasq),
		WITH(test_concurrent_with_updown),
		WITH(test_concurrent_profile_denies),
		WITH(test_audit_disabled),
		WITH(test_audit_unwritable),
		WITH(test_symlinked_bundle_file),
		WITH(test_up_repairs_foreign_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
