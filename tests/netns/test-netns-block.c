/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root only: `block NAME` (docs/cli.md, docs/ruleset.md) through the real
 * CLI on a shielded "container" namespace wired to a "world" (harness.h,
 * shielded.h):
 *
 * - blocked, the container reaches no allowed host, no DNS server (the
 *   world's, nor its own dnsmasq on loopback), no host loopback port; a
 *   connection already open is cut both ways; its own loopback still works;
 * - `status` says block, the audit log has shield_block, `down` is refused
 *   with nothing changed, an allow made while blocked is saved and stays
 *   without effect;
 * - a hook re-run (the container restarting) applies the block again;
 * - `up` brings back the allowed hosts, DNS and the sets' contents;
 * - a container that does not run is refused with nothing changed.
 *
 * Every packet stays between the two namespaces the harness creates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strv.h"
#include "base/util.h"
#include "harness.h"
#include "shielded.h"
#include "sockets.h"
#include "test-helpers.h"

#define NAME SHIELDED_NAME
#define GONE "gone"
#define PROMPT_MS 1000  /* a reject answers at once */
#define HOLD_PORT 9000  /* a world server that keeps its connection open */
#define LOOP_PORT 7000  /* a server on the container's own loopback */

static int setup(void **state)
{
	return shielded_cmocka_setup(state, 0);
}

static int setup_dnsmasq(void **state)
{
	return shielded_cmocka_setup(state, SHIELDED_DNSMASQ);
}

static int setup_interactive(void **state)
{
	return shielded_cmocka_setup(state, SHIELDED_INTERACTIVE);
}

#define BLOCKED_OUT "Shield block for " NAME " (loopback only; 'terok-shield up " NAME "' lifts it)\n"

/* ---- reachability ---- */

static void assert_reachable(struct shielded *f, const char *addr, uint16_t port,
			     const char *when)
{
	double ms;
	int r = shielded_connect(f, addr, port, 3000, &ms, NULL);
	if (r != 0)
		fail_msg("%s: connect %s:%u: %s", when, addr, port, strerror(r));
}

/* Refused at once (admin-prohibited), not left to time out. */
static void assert_refused(struct shielded *f, const char *addr, uint16_t port, const char *when)
{
	double ms;
	int r = shielded_connect(f, addr, port, 3000, &ms, NULL);
	if (r != EHOSTUNREACH)
		fail_msg("%s: connect %s:%u: expected EHOSTUNREACH (admin-prohibited), got %s", when,
			 addr, port, r ? strerror(r) : "a connection");
	if (ms >= PROMPT_MS)
		fail_msg("%s: refusal of %s took %.0f ms", when, addr, ms);
}

/* A DNS server answers the container (a positive count of addresses). */
static void assert_dns_answers(struct shielded *f, const char *server, const char *when)
{
	char ips[4][16];
	int n = harness_dns_query(&f->h, server, H_DOMAIN_ALLOWED, ips, 4);
	if (n < 1)
		fail_msg("%s: %s does not answer: %s", when, server, n < 0 ? strerror(-n) : "no address");
}

static void assert_dns_refused(struct shielded *f, const char *server, const char *when)
{
	char ips[4][16];
	double start = harness_now_ms();
	int n = harness_dns_query(&f->h, server, H_DOMAIN_ALLOWED, ips, 4);
	if (n >= 0)
		fail_msg("%s: %s still answers the container", when, server);
	if (harness_now_ms() - start >= PROMPT_MS)
		fail_msg("%s: the query to %s was not refused at once (%s)", when, server,
			 strerror(-n));
}

/* ---- the bundle ---- */

static bool blocked_recorded(struct shielded *f)
{
	char *path = ts_xasprintf("%s/blocked", f->state_dir);
	struct stat st;
	bool there = lstat(path, &st) == 0;
	free(path);
	return there;
}

static bool audit_has(struct shielded *f, const char *needle)
{
	char *text = read_text(f->state_dir, "audit.jsonl");
	bool has = text && strstr(text, needle);
	free(text);
	return has;
}

static void assert_status(struct shielded *f, const char *name, const char *word)
{
	char *expect = ts_xasprintf("%s\n", word);
	SHIELDED_CLI_OK(f, expect, "status", name);
	free(expect);
}

/* The live set's elements include addr. */
static bool live_set_has(struct shielded *f, const char *set, const char *addr)
{
	char *listing = harness_list_table(&f->h, f->h.container);
	assert_non_null(listing);
	char *decl = ts_xasprintf("set %s {", set);
	const char *start = strstr(listing, decl);
	const char *end = start ? strstr(start, "\n\t}") : NULL;
	const char *hit = start ? strstr(start, addr) : NULL;
	bool has = hit && end && hit < end;
	free(decl);
	free(listing);
	return has;
}

/* ---- tests ---- */

static void test_block_and_up(void **state)
{
	struct shielded *f = *state;
	/* A host loopback port (through the gateway, slirp4netns), which up opens. */
	write_text(f->state_dir, "loopback_ports", "8080\n");
	SHIELDED_CLI_OK(f, NULL, "up", NAME);
	int world = shielded_listen(f, f->h.world, H_ALLOWED_IP, HOLD_PORT);
	shielded_listen(f, f->h.container, "127.0.0.1", LOOP_PORT);
	struct shielded_conn c;
	shielded_open_conn(f, world, H_ALLOWED_IP, HOLD_PORT, &c);
	shielded_assert_conn_carries(&c, "before block");
	assert_reachable(f, H_ALLOWED_IP, H_TCP_PORT, "before block");
	assert_dns_answers(f, H_DNS, "before block");
	assert_reachable(f, H_GATEWAY, H_LOOPBACK_PORT, "before block");

	SHIELDED_CLI_OK(f, BLOCKED_OUT, "block", NAME);
	assert_status(f, NAME, "block");
	shielded_assert_conn_cut(&c, "blocked");
	assert_refused(f, H_ALLOWED_IP, H_TCP_PORT, "blocked");
	assert_refused(f, H_OTHER_IP, H_TCP_PORT, "blocked");
	assert_refused(f, H_GATEWAY, H_LOOPBACK_PORT, "blocked");
	assert_dns_refused(f, H_DNS, "blocked");
	assert_reachable(f, "127.0.0.1", LOOP_PORT, "blocked");
	assert_true(audit_has(f, "\"action\":\"shield_block\""));
	assert_true(blocked_recorded(f));

	/* An allow while blocked is saved and in the sets, and lets nothing through yet. */
	SHIELDED_CLI_OK(f, NULL, "allow", NAME, H_OTHER_IP);
	assert_true(live_set_has(f, "allow_v4", H_OTHER_IP));
	assert_refused(f, H_OTHER_IP, H_TCP_PORT, "allowed while blocked");
	assert_status(f, NAME, "block");

	/* down does not open a blocked container. */
	struct cli_run r;
	assert_int_equal(shielded_cli(f, &r, "down", NAME, (const char *)NULL), 1);
	assert_true(ts_startswith(r.err, "terok-shield: "));
	assert_non_null(strstr(r.err, "is blocked"));
	assert_string_equal(r.out, "");
	cli_run_clear(&r);
	assert_status(f, NAME, "block");
	assert_refused(f, H_OTHER_IP, H_TCP_PORT, "after the refused down");

	/* The container restarts: the hook applies the block again. */
	assert_int_equal(shielded_hook(f), 0);
	assert_status(f, NAME, "block");
	assert_refused(f, H_ALLOWED_IP, H_TCP_PORT, "blocked, after the hook ran again");
	assert_dns_refused(f, H_DNS, "blocked, after the hook ran again");
	assert_true(audit_has(f, "block applied at createRuntime"));

	SHIELDED_CLI_OK(f, "Shield up for " NAME "\n", "up", NAME);
	assert_status(f, NAME, "up");
	assert_false(blocked_recorded(f));
	assert_reachable(f, H_ALLOWED_IP, H_TCP_PORT, "up again");
	assert_reachable(f, H_OTHER_IP, H_TCP_PORT, "up again (allowed while blocked)");
	assert_reachable(f, H_GATEWAY, H_LOOPBACK_PORT, "up again");
	assert_dns_answers(f, H_DNS, "up again");
	assert_refused(f, H_PRIVATE_IP, H_TCP_PORT, "up again");
	assert_true(live_set_has(f, "allow_v4", H_ALLOWED_IP));
	assert_true(live_set_has(f, "gateway_v4", H_GATEWAY));

	/* Up for good: the next start is up too. */
	assert_int_equal(shielded_hook(f), 0);
	assert_status(f, NAME, "up");
}

/* The container's own resolver on loopback (dnsmasq) is refused too, and back after up. */
static void test_block_dnsmasq(void **state)
{
	struct shielded *f = *state;
	assert_dns_answers(f, "127.0.0.1", "before block");
	SHIELDED_CLI_OK(f, BLOCKED_OUT, "block", NAME);
	assert_dns_refused(f, "127.0.0.1", "blocked");
	assert_dns_refused(f, H_DNS, "blocked");
	assert_refused(f, H_DOMAIN_ALLOWED_IP, H_TCP_PORT, "blocked");
	SHIELDED_CLI_OK(f, NULL, "up", NAME);
	assert_dns_answers(f, "127.0.0.1", "up again");
	assert_true(live_set_has(f, "dns_v4", H_DOMAIN_ALLOWED_IP));
	assert_reachable(f, H_DOMAIN_ALLOWED_IP, H_TCP_PORT, "up again");
}

/* up after a block restores the interactive ruleset of an interactive container. */
static void test_block_interactive(void **state)
{
	struct shielded *f = *state;
	SHIELDED_CLI_OK(f, BLOCKED_OUT, "block", NAME);
	assert_status(f, NAME, "block");
	SHIELDED_CLI_OK(f, NULL, "up", NAME);
	assert_status(f, NAME, "up");
	char *listing = harness_list_table(&f->h, f->h.container);
	assert_non_null(listing);
	assert_non_null(strstr(listing, "TEROK_SHIELD_QUEUED"));
	free(listing);
}

/* A container that does not run: refused, no record, ruleset.nft untouched. */
static void test_block_not_running(void **state)
{
	struct shielded *f = *state;
	char *dir = shielded_gone(f, GONE, false);
	char *before = read_text(dir, "ruleset.nft");
	struct cli_run r;
	assert_int_equal(shielded_cli(f, &r, "block", GONE, (const char *)NULL), 1);
	assert_true(ts_startswith(r.err, "terok-shield: "));
	assert_non_null(strstr(r.err, "not running"));
	cli_run_clear(&r);
	char *marker = ts_xasprintf("%s/blocked", dir);
	assert_int_equal(access(marker, F_OK), -1);
	char *after = read_text(dir, "ruleset.nft");
	assert_string_equal(before, after);
	free(after);
	free(before);
	free(marker);
	free(dir);
	assert_status(f, NAME, "up");
}

#define WITH(test, setup_fn) cmocka_unit_test_setup_teardown(test, setup_fn, shielded_cmocka_teardown)

int main(void)
{
	if (!shielded_suite_runnable())
		return 0;
	const struct CMUnitTest tests[] = {
		WITH(test_block_and_up, setup),
		WITH(test_block_dnsmasq, setup_dnsmasq),
		WITH(test_block_interactive, setup_interactive),
		WITH(test_block_not_running, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
