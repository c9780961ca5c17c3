/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root only: interactive hold-and-ask at the DNS level (docs/interactive.md,
 * "Names the container looks up"). An interactive container in the shield
 * tier, strict: the hook runs in a "runtime" namespace of the test's own
 * whose resolver is the recording fake upstream (fake-upstream.h), as in
 * the shield suite; `terok-shield interactive` runs against it as a user
 * runs it (shielded.h). A query for a name nobody decided on must become
 * one question and wait, unforwarded, for the verdict or the bounded wait.
 *
 * Clients are UDP sockets (one test: TCP) made inside the container's
 * namespace that send to the forwarder on 127.0.0.1:53; a retransmission
 * is the same datagram (same id) sent again from the same socket, as stub
 * resolvers do.
 *
 * Covered: accept (one question for a query and its retransmissions, one
 * query upstream, the lookup succeeds, the address connects), TCP, deny,
 * the bounded wait (REFUSED after 4 s, the question stays, a late accept
 * lets the retry through), a port scope refused, a timed accept (released,
 * refused again once over), human mode, a flood
 * (64 held and asked, the rest refused at once), watch (one blocked_query
 * per refused held query), a non-interactive container (refused at once).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "bundle/bundle.h"
#include "harness.h"
#include "shielded.h"
#include "fake-upstream.h"
#include "shieldtier.h"
#include "test-helpers.h"

#define NAME SHIELDED_NAME
#define READY_MS 5000  /* the session must have bound NFLOG by then */
#define EVENT_MS 3000  /* a question or a verdict's line is due within this long */
#define QUIET_MS 500   /* "nothing more": nothing within this long */
#define HOLD_MS 4000   /* the forwarder's bound (src/dns/hold.h) */
/* How late the refusal after the bound may come on a slow, loaded machine. */
#define HOLD_SLACK_MS 6000
/* Any other name: the fake upstream answers A 198.51.100.30 (H_DOMAIN_OTHER_IP). */

struct fixture {
	struct shielded s;
	struct shieldtier t;
};

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (f)
		shieldtier_teardown(&f->s, &f->t);
	free(f);
	return 0;
}

static int setup_with(void **state, bool interactive)
{
	struct fixture *f = calloc(1, sizeof(*f));
	*state = f;
	if (shieldtier_setup(&f->s, &f->t, interactive) == 0)
		return 0;
	free(f);
	*state = NULL;
	return -1;
}

static int setup_interactive(void **state)
{
	return setup_with(state, true);
}

static int setup_plain(void **state)
{
	return setup_with(state, false);
}

/* A query for name from a socket the teardown closes. */
static void ask(struct fixture *f, struct dns_client *c, const char *name, uint16_t id)
{
	dns_client_ask(&f->s, c, name, id);
	shielded_keep(&f->s, c->fd);
}

static int answer(struct dns_client *c, int timeout_ms, int *answers)
{
	return dns_client_answer(c, timeout_ms, answers);
}

static int upstream_count(struct fixture *f, const char *name)
{
	return shieldtier_upstream_count(&f->t, name);
}

/* ---- the session ---- */

static struct cli_stream *session(struct fixture *f, bool raw)
{
	const char *args[] = { "interactive", NAME, raw ? "--raw" : NULL, NULL };
	struct cli_stream *io = cli_stream_start(&f->s, true, args);
	double deadline = harness_now_ms() + READY_MS;
	while (!shielded_nflog_portid(&f->s)) {
		if (harness_now_ms() > deadline) {
			char *t = cli_stream_transcript(io);
			fail_msg("the session did not get ready within %d ms; %s", READY_MS, t);
		}
		usleep(5000);
	}
	return io;
}

static json_t *next_object(struct cli_stream *io, int timeout_ms, const char *what)
{
	char *line = cli_stream_line(io, harness_now_ms() + timeout_ms);
	if (!line) {
		char *t = cli_stream_transcript(io);
		fail_msg("no %s line within %d ms; %s", what, timeout_ms, t);
	}
	json_error_t e;
	json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &e);
	if (!json_is_object(o))
		fail_msg("not a JSON object: '%s'", line);
	free(line);
	return o;
}

static void expect_quiet(struct cli_stream *io)
{
	char *line = cli_stream_line(io, harness_now_ms() + QUIET_MS);
	if (line)
		fail_msg("unexpected line: %s", line);
}

/* The pending line of a looked-up name: dest "", port 53, proto 17, the name; its id. */
static long long expect_question(struct cli_stream *io, const char *name)
{
	json_t *o = next_object(io, EVENT_MS, "pending");
	char *text = json_dumps(o, JSON_COMPACT);
	if (strcmp(json_string_value(json_object_get(o, "type")), "pending") != 0 ||
	    strcmp(json_string_value(json_object_get(o, "dest")), "") != 0 ||
	    json_integer_value(json_object_get(o, "port")) != 53 ||
	    json_integer_value(json_object_get(o, "proto")) != 17 ||
	    !json_is_string(json_object_get(o, "domain")) ||
	    strcmp(json_string_value(json_object_get(o, "domain")), name) != 0 ||
	    json_object_get(o, "private") || json_object_size(o) != 6)
		fail_msg("not the question about %s: %s", name, text);
	long long id = json_integer_value(json_object_get(o, "id"));
	free(text);
	json_decref(o);
	return id;
}

static void verdict(struct cli_stream *io, long long id, const char *action, bool ok)
{
	char *line = ts_xasprintf("{\"type\":\"verdict\",\"id\":%lld,\"action\":\"%s\"}\n", id, action);
	assert_true(cli_stream_send(io, line));
	free(line);
	json_t *o = next_object(io, EVENT_MS, "verdict_applied");
	char *text = json_dumps(o, JSON_COMPACT);
	if (strcmp(json_string_value(json_object_get(o, "type")), "verdict_applied") != 0 ||
	    json_integer_value(json_object_get(o, "id")) != id ||
	    strcmp(json_string_value(json_object_get(o, "dest")), "") != 0 ||
	    json_is_true(json_object_get(o, "ok")) != ok)
		fail_msg("expected verdict_applied for %lld (ok %d): %s", id, ok, text);
	free(text);
	json_decref(o);
}

static bool file_has(struct fixture *f, const char *file, const char *line)
{
	char *text = read_text(f->s.state_dir, file);
	bool found = false;
	for (char *p = text; p && *p && !found;) {
		char *nl = strchrnul(p, '\n');
		found = (size_t)(nl - p) == strlen(line) && strncmp(p, line, strlen(line)) == 0;
		p = *nl ? nl + 1 : nl;
	}
	free(text);
	return found;
}

/* ---- tests ---- */

/*
 * Accept: the held query (and its retransmission, one question) is
 * forwarded once the name is allowed; the lookup succeeds, the upstream
 * saw exactly one query, and the answer's address is reachable.
 */
static void test_accept_raw(void **state)
{
	struct fixture *f = *state;
	struct cli_stream *io = session(f, true);
	struct dns_client c;
	ask(f, &c, "ask.test", 0x4101);
	long long id = expect_question(io, "ask.test");
	dns_client_resend(&c);
	dns_client_resend(&c);
	/* Held: no answer, nothing forwarded, no second question. */
	assert_int_equal(answer(&c, QUIET_MS, NULL), -1);
	expect_quiet(io);
	assert_int_equal(upstream_count(f, "ask.test"), 0);
	verdict(io, id, "accept", true);
	int answers = 0;
	assert_int_equal(answer(&c, EVENT_MS, &answers), 0);
	assert_int_equal(answers, 1);
	/* One answer for the query and its retransmissions, one query upstream. */
	assert_int_equal(answer(&c, QUIET_MS, NULL), -1);
	assert_int_equal(upstream_count(f, "ask.test"), 1);
	assert_true(file_has(f, "live.domains", "ask.test"));
	assert_int_equal(harness_connect(&f->s.h, H_DOMAIN_OTHER_IP, H_TCP_PORT, 3000, NULL), 0);
	/* The name is decided now: its next lookup goes through at once, unasked. */
	struct dns_client again;
	ask(f, &again, "www.ask.test", 0x4102);
	assert_int_equal(answer(&again, EVENT_MS, NULL), 0);
	expect_quiet(io);
	cli_stream_free(io);
}

/* Over TCP too: the held query is answered on its connection after accept. */
static void test_accept_tcp(void **state)
{
	struct fixture *f = *state;
	struct cli_stream *io = session(f, true);
	int fd = shielded_keep(&f->s, harness_socket(&f->s.h, f->s.h.container, AF_INET,
						     SOCK_STREAM));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	uint8_t msg[2 + 300];
	size_t len = fake_query_build(msg + 2, 0x4801, "tcp.test", 1);
	msg[0] = (uint8_t)(len >> 8);
	msg[1] = (uint8_t)len;
	assert_int_equal(send(fd, msg, len + 2, 0), (ssize_t)(len + 2));
	long long id = expect_question(io, "tcp.test");
	struct pollfd p = { .fd = fd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, QUIET_MS), 0);
	verdict(io, id, "accept", true);
	uint8_t a[2 + 512];
	size_t got = 0;
	while (got < 2 + 12 && poll(&p, 1, EVENT_MS) == 1) {
		ssize_t n = recv(fd, a + got, sizeof(a) - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	assert_true(got >= 2 + 12);
	assert_int_equal(a[2] << 8 | a[3], 0x4801);
	assert_int_equal(a[5] & 0x0f, 0);
	assert_int_equal(upstream_count(f, "tcp.test"), 1);
	cli_stream_free(io);
}

/* Deny: the held query is refused, nothing reached the upstream, the name is denied for good. */
static void test_deny_raw(void **state)
{
	struct fixture *f = *state;
	struct cli_stream *io = session(f, true);
	struct dns_client c;
	ask(f, &c, "deny.test", 0x4201);
	long long id = expect_question(io, "deny.test");
	verdict(io, id, "deny", true);
	assert_int_equal(answer(&c, EVENT_MS, NULL), 5);
	assert_int_equal(upstream_count(f, "deny.test"), 0);
	assert_true(file_has(f, "denied.domains", "deny.test"));
	/* Denied: refused at once from now on, no question. */
	struct dns_client again;
	ask(f, &again, "x.deny.test", 0x4202);
	assert_int_equal(answer(&again, 1000, NULL), 5);
	expect_quiet(io);
	assert_int_equal(upstream_count(f, "x.deny.test"), 0);
	cli_stream_free(io);
}

/*
 * No verdict: REFUSED after the bound, never forwarded. The question stays
 * pending; accepted late, the client's next lookup succeeds.
 */
static void test_bounded_wait(void **state)
{
	struct fixture *f = *state;
	struct cli_stream *io = session(f, true);
	struct dns_client c;
	double start = harness_now_ms();
	ask(f, &c, "late.test", 0x4301);
	long long id = expect_question(io, "late.test");
	int rc = answer(&c, HOLD_MS + HOLD_SLACK_MS, NULL);
	double waited = harness_now_ms() - start;
	assert_int_equal(rc, 5);
	if (waited < HOLD_MS - 100)
		fail_msg("refused after %.0f ms, before the %d ms bound", waited, HOLD_MS);
	assert_int_equal(upstream_count(f, "late.test"), 0);
	/* The retry while the question waits: held again, not asked again. */
	struct dns_client retry;
	ask(f, &retry, "late.test", 0x4302);
	expect_quiet(io);
	verdict(io, id, "accept", true);
	assert_int_equal(answer(&retry, EVENT_MS, NULL), 0);
	assert_int_equal(upstream_count(f, "late.test"), 1);
	cli_stream_free(io);
}

/* A verdict line with extra fields (`"for":"5s"`); its verdict_applied must say ok. */
static void verdict_with(struct cli_stream *io, long long id, const char *extra, bool ok)
{
	char *line = ts_xasprintf("{\"type\":\"verdict\",\"id\":%lld,\"action\":\"accept\",%s}\n",
				  id, extra);
	assert_true(cli_stream_send(io, line));
	free(line);
	json_t *o = next_object(io, EVENT_MS, "verdict_applied");
	if (json_is_true(json_object_get(o, "ok")) != ok) {
		char *t = cli_stream_transcript(io);
		fail_msg("verdict with %s: ok expected %d; %s", extra, ok, t);
	}
	json_decref(o);
}

/* The expiry of name's live.scoped_domains line for proto, over all ports; 0: no such line. */
static long long scoped_domain_expiry(struct fixture *f, const char *name, const char *proto)
{
	char *text = read_text(f->s.state_dir, "live.scoped_domains");
	char *want = ts_xasprintf("%s %s 0-65535 ", name, proto);
	long long expires = 0;
	for (char *p = text; p && *p;) {
		char *nl = strchrnul(p, '\n');
		if (strncmp(p, want, strlen(want)) == 0)
			expires = strtoll(p + strlen(want), NULL, 10);
		p = *nl ? nl + 1 : nl;
	}
	free(want);
	free(text);
	return expires;
}

/*
 * A port scope: the lookup's port 53 is not what the name's connections
 * use, so it is refused, saying why; the question stays and a plain accept
 * still works.
 */
static void test_port_scope_refused(void **state)
{
	struct fixture *f = *state;
	struct cli_stream *io = session(f, true);
	struct dns_client c;
	ask(f, &c, "scope.test", 0x4401);
	long long id = expect_question(io, "scope.test");
	verdict_with(io, id, "\"scope\":\"port\",\"for\":\"30m\"", false);
	char *err = cli_stream_stderr(io);
	if (!strstr(err, "scope.test is a name the container looked up: its port 53 is the "
			 "lookup's"))
		fail_msg("stderr: %s", err);
	free(err);
	assert_false(file_has(f, "live.domains", "scope.test"));
	assert_int_equal(scoped_domain_expiry(f, "scope.test", "tcp"), 0);
	verdict(io, id, "accept", true);
	assert_int_equal(answer(&c, EVENT_MS, NULL), 0);
	cli_stream_free(io);
}

/*
 * A timed accept ("for"): a timed domain allow in live.scoped_domains, as
 * `allow NAME DOMAIN --for` makes; the held query is released, the lookup
 * succeeds and the address connects. Once the time is over the name is
 * undecided again: its next lookup is held and asked about, not answered.
 */
static void test_timed_accept(void **state)
{
	struct fixture *f = *state;
	enum { FOR_S = 5 };
	struct cli_stream *io = session(f, true);
	struct dns_client c;
	ask(f, &c, "timed.test", 0x4901);
	long long id = expect_question(io, "timed.test");
	time_t before = time(NULL);
	verdict_with(io, id, "\"for\":\"5s\"", true);
	time_t after = time(NULL);
	int answers = 0;
	assert_int_equal(answer(&c, EVENT_MS, &answers), 0);
	assert_int_equal(answers, 1);
	assert_int_equal(upstream_count(f, "timed.test"), 1);
	assert_false(file_has(f, "live.domains", "timed.test"));
	long long expires = scoped_domain_expiry(f, "timed.test", "tcp");
	if (expires < before + FOR_S || expires > after + FOR_S)
		fail_msg("live.scoped_domains: timed.test tcp ends at %lld, not %lld..%lld",
			 expires, (long long)before + FOR_S, (long long)after + FOR_S);
	assert_int_equal(scoped_domain_expiry(f, "timed.test", "udp"), expires);
	assert_int_equal(harness_connect(&f->s.h, H_DOMAIN_OTHER_IP, H_TCP_PORT, 3000, NULL), 0);
	/* Over: asked again, held unanswered and unforwarded. */
	while (time(NULL) <= expires)
		usleep(100 * 1000);
	struct dns_client again;
	ask(f, &again, "timed.test", 0x4902);
	long long second = expect_question(io, "timed.test");
	assert_true(second != id);
	assert_int_equal(answer(&again, QUIET_MS, NULL), -1);
	assert_int_equal(upstream_count(f, "timed.test"), 1);
	cli_stream_free(io);
}

/* Human mode: the prompt names the lookup, "a" allows it and the lookup succeeds. */
static void test_human(void **state)
{
	struct fixture *f = *state;
	struct cli_stream *io = session(f, false);
	struct dns_client c;
	ask(f, &c, "human.test", 0x4501);
	struct ts_strbuf out = TS_STRBUF_INIT;
	const char *want[] = { "[BLOCKED] human.test (DNS lookup) — allow/deny? ",
			       "✓ allowed human.test (DNS lookup)\n" };
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		double deadline = harness_now_ms() + EVENT_MS;
		while (!(out.data && strstr(out.data, want[i])) && harness_now_ms() < deadline) {
			char buf[512];
			struct pollfd p = { .fd = io->r.out_fd, .events = POLLIN };
			poll(&p, 1, 50);
			ssize_t n = read(io->r.out_fd, buf, sizeof(buf));
			if (n > 0)
				ts_strbuf_append(&out, buf, (size_t)n);
		}
		if (!out.data || !strstr(out.data, want[i]))
			fail_msg("human mode never printed '%s': '%s'", want[i],
				 out.data ? out.data : "");
		if (i == 0)
			assert_true(cli_stream_send(io, "a\n"));
	}
	assert_int_equal(answer(&c, EVENT_MS, NULL), 0);
	assert_int_equal(upstream_count(f, "human.test"), 1);
	ts_strbuf_clear(&out);
	cli_stream_free(io);
}

/*
 * A flood of distinct names: at most 64 are held (and asked about), the
 * rest refused at once; every held one is refused after the bound.
 */
static void test_flood_bounded(void **state)
{
	struct fixture *f = *state;
	struct cli_stream *io = session(f, true);
	enum { N = 80, HELD = 64 };
	static struct dns_client c[N];
	for (int i = 0; i < N; i++) {
		char name[32];
		snprintf(name, sizeof(name), "n%d.flood.test", i);
		dns_client_ask(&f->s, &c[i], name, (uint16_t)(0x5000 + i));
	}
	/* The ones beyond the cap: REFUSED at once. */
	int refused_now = 0;
	for (int i = HELD; i < N; i++)
		refused_now += answer(&c[i], EVENT_MS, NULL) == 5;
	assert_int_equal(refused_now, N - HELD);
	int questions = 0;
	for (char *line; (line = cli_stream_line(io, harness_now_ms() + QUIET_MS)); free(line))
		questions += strstr(line, "\"pending\"") != NULL;
	assert_int_equal(questions, HELD);
	int refused_late = 0;
	for (int i = 0; i < HELD; i++)
		refused_late += answer(&c[i], HOLD_MS + HOLD_SLACK_MS, NULL) == 5;
	assert_int_equal(refused_late, HELD);
	for (int i = 0; i < N; i++) {
		char name[32];
		snprintf(name, sizeof(name), "n%d.flood.test", i);
		assert_int_equal(upstream_count(f, name), 0);
		close(c[i].fd);
	}
	cli_stream_free(io);
}

/* watch (no session: it binds the same NFLOG group): a held query that ends refused is one blocked_query. */
static void test_watch_one_event(void **state)
{
	struct fixture *f = *state;
	const char *args[] = { "watch", NAME, NULL };
	struct cli_stream *io = cli_stream_start(&f->s, false, args);
	double deadline = harness_now_ms() + READY_MS;
	while (!shielded_nflog_portid(&f->s) && harness_now_ms() < deadline)
		usleep(5000);
	struct dns_client c;
	ask(f, &c, "watched.test", 0x4701);
	assert_int_equal(answer(&c, HOLD_MS + HOLD_SLACK_MS, NULL), 5);
	int events = 0;
	for (char *line; (line = cli_stream_line(io, harness_now_ms() + 1000)); free(line))
		events += strstr(line, "blocked_query") && strstr(line, "\"watched.test\"");
	if (events != 1) {
		char *t = cli_stream_transcript(io);
		fail_msg("%d blocked_query events for watched.test, expected 1; %s", events, t);
	}
	cli_stream_free(io);
}

/* Not interactive: a name nobody allowed is refused at once, as ever. */
static void test_not_interactive_refuses(void **state)
{
	struct fixture *f = *state;
	struct dns_client c;
	double start = harness_now_ms();
	ask(f, &c, "plain.test", 0x4601);
	assert_int_equal(answer(&c, 3000, NULL), 5);
	if (harness_now_ms() - start > 2000)
		fail_msg("refused only after %.0f ms", harness_now_ms() - start);
	assert_int_equal(upstream_count(f, "plain.test"), 0);
	char *log = read_text(f->s.state_dir, "dnsmasq.log");
	assert_non_null(log);
	assert_null(strstr(log, "held["));
	free(log);
}

#define WITH(test, setup) cmocka_unit_test_setup_teardown(test, setup, teardown)

int main(void)
{
	if (!shielded_suite_runnable())
		return 0;
	const struct CMUnitTest tests[] = {
		WITH(test_accept_raw, setup_interactive),
		WITH(test_accept_tcp, setup_interactive),
		WITH(test_deny_raw, setup_interactive),
		WITH(test_bounded_wait, setup_interactive),
		WITH(test_port_scope_refused, setup_interactive),
		WITH(test_timed_accept, setup_interactive),
		WITH(test_human, setup_interactive),
		WITH(test_flood_bounded, setup_interactive),
		WITH(test_watch_one_event, setup_interactive),
		WITH(test_not_interactive_refuses, setup_plain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
