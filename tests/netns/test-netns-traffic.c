/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root only: what packets do under the rule order of docs/ruleset.md, on a
 * shielded "container" namespace wired to a "world" (harness.h, shielded.h)
 * and driven through the real CLI:
 *
 * - IPv6 over a real veth link (neighbour caches flushed before every
 *   check): an allowlisted host is reachable with the shield up, down and
 *   down --all, which needs neighbour discovery through both chains;
 * - `deny` (and an interactive deny verdict) cuts a connection that is
 *   already open, with the shield up and down;
 * - the echo-request limit holds for a ping flow that is already answered;
 * - the host-loopback rules follow the bundle's network mode.
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
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "bundle/bundle.h"
#include "harness.h"
#include "shielded.h"
#include "sockets.h"
#include "test-helpers.h"

#define NAME SHIELDED_NAME
#define PROMPT_MS 1000     /* a reject answers at once */
#define HOLD_PORT 9000     /* the world's servers that keep connections open */
#define NEIGH_MS 5000      /* neighbour discovery gives up after about 3 s */

/* The IPv6 link: the container's side, its router, and world hosts behind it. */
#define V6_CONTAINER "fd00::100"
#define V6_ROUTER "fd00::2"
#define V6_ALLOWED "2001:db8::10"
#define V6_OTHER "2001:db8::20"

static int setup(void **state)
{
	return shielded_cmocka_setup(state, 0);
}

static int setup_interactive(void **state)
{
	return shielded_cmocka_setup(state, SHIELDED_INTERACTIVE);
}

static void ns_ok(pid_t ns, const char *const argv[])
{
	int rc = harness_ns_run(ns, argv);
	if (rc != 0)
		fail_msg("'%s %s %s …' exited %d", argv[0], argv[1], argv[2], rc);
}

/* ---- IPv6 over a real link ---- */

/*
 * Give both namespaces IPv6 on the veth pair: the container fd00::100/64
 * with its default route via fd00::2, the world that router, owning
 * 2001:db8::10 and ::20 behind it. No duplicate address detection (it
 * would only delay the first packets).
 */
static void add_ipv6_link(struct shielded *f)
{
	const char *world[][12] = {
		{ "ip", "-6", "addr", "add", V6_ROUTER "/64", "dev", "w0", "nodad", NULL },
		{ "ip", "-6", "addr", "add", V6_ALLOWED "/128", "dev", "lo", NULL },
		{ "ip", "-6", "addr", "add", V6_OTHER "/128", "dev", "lo", NULL },
	};
	const char *container[][12] = {
		{ "ip", "-6", "addr", "add", V6_CONTAINER "/64", "dev", "eth0", "nodad", NULL },
		{ "ip", "-6", "route", "add", "default", "via", V6_ROUTER, "dev", "eth0", NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(world); i++)
		ns_ok(f->h.world, world[i]);
	for (size_t i = 0; i < ARRAY_SIZE(container); i++)
		ns_ok(f->h.container, container[i]);
}

/* Forget every neighbour on both ends, so the next packet needs discovery again. */
static void flush_neighbours(struct shielded *f)
{
	const char *container[] = { "ip", "-6", "neigh", "flush", "dev", "eth0", NULL };
	const char *world[] = { "ip", "-6", "neigh", "flush", "dev", "w0", NULL };
	ns_ok(f->h.container, container);
	ns_ok(f->h.world, world);
}

static void assert_v6_reachable(struct shielded *f, const char *addr, const char *when)
{
	flush_neighbours(f);
	int fd = -1;
	int r = shielded_connect(f, addr, H_TCP_PORT, NEIGH_MS, NULL, &fd);
	if (r != 0)
		fail_msg("%s: connect [%s]:%d: %s (neighbour discovery refused?)", when, addr,
			 H_TCP_PORT, strerror(r));
}

/*
 * Refused by the shield: admin-prohibited, EACCES for IPv6. (Not always at
 * once: the kernel may process the ICMPv6 error while connect() still holds
 * the socket, and then only the retransmitted SYN's error ends the attempt.)
 */
static void assert_v6_refused(struct shielded *f, const char *addr, const char *when)
{
	flush_neighbours(f);
	int r = shielded_connect(f, addr, H_TCP_PORT, NEIGH_MS, NULL, NULL);
	if (r != EACCES)
		fail_msg("%s: connect [%s]:%d: expected EACCES (admin-prohibited), got %s", when, addr,
			 H_TCP_PORT, r ? strerror(r) : "a connection");
}

static void test_ipv6_over_link(void **state)
{
	struct shielded *f = *state;
	add_ipv6_link(f);
	shielded_listen(f, f->h.world, "::", H_TCP_PORT);
	SHIELDED_CLI_OK(f, NULL, "allow", NAME, V6_ALLOWED);
	assert_v6_reachable(f, V6_ALLOWED, "up");
	assert_v6_refused(f, V6_OTHER, "up");
	SHIELDED_CLI_OK(f, NULL, "down", NAME);
	assert_v6_reachable(f, V6_OTHER, "down");
	assert_v6_reachable(f, V6_ALLOWED, "down");
	SHIELDED_CLI_OK(f, NULL, "down", NAME, "--all");
	assert_v6_reachable(f, V6_OTHER, "down --all");
	SHIELDED_CLI_OK(f, NULL, "up", NAME);
	assert_v6_refused(f, V6_OTHER, "up again");
	assert_v6_reachable(f, V6_ALLOWED, "up again");
}

/* The interactive ruleset needs discovery just as much. */
static void test_ipv6_over_link_interactive(void **state)
{
	struct shielded *f = *state;
	add_ipv6_link(f);
	shielded_listen(f, f->h.world, "::", H_TCP_PORT);
	SHIELDED_CLI_OK(f, NULL, "allow", NAME, V6_ALLOWED);
	assert_v6_reachable(f, V6_ALLOWED, "interactive");
	assert_v6_refused(f, V6_OTHER, "interactive");
}

/* ---- deny cuts open connections ---- */

static void test_deny_cuts_open_connection(void **state)
{
	struct shielded *f = *state;
	int listener = shielded_listen(f, f->h.world, H_ALLOWED_IP, HOLD_PORT);
	struct shielded_conn c;
	shielded_open_conn(f, listener, H_ALLOWED_IP, HOLD_PORT, &c);
	shielded_assert_conn_carries(&c, "allowed");
	SHIELDED_CLI_OK(f, NULL, "deny", NAME, H_ALLOWED_IP);
	shielded_assert_conn_cut(&c, "after deny");
	/* Allowed again, new connections work (the old one stays broken: its state is gone). */
	SHIELDED_CLI_OK(f, NULL, "allow", NAME, H_ALLOWED_IP);
	struct shielded_conn again;
	shielded_open_conn(f, listener, H_ALLOWED_IP, HOLD_PORT, &again);
	shielded_assert_conn_carries(&again, "allowed again");
}

/* While the shield is down deny.list is enforced the same way. */
static void test_deny_cuts_open_connection_down(void **state)
{
	struct shielded *f = *state;
	SHIELDED_CLI_OK(f, NULL, "down", NAME);
	int listener = shielded_listen(f, f->h.world, H_OTHER_IP, HOLD_PORT);
	struct shielded_conn c;
	shielded_open_conn(f, listener, H_OTHER_IP, HOLD_PORT, &c);
	shielded_assert_conn_carries(&c, "down");
	SHIELDED_CLI_OK(f, NULL, "deny", NAME, H_OTHER_IP);
	shielded_assert_conn_cut(&c, "down, after deny");
}

/* ---- an interactive deny verdict ---- */

/* The next stdout line of the session that is a JSON object of this type (others skipped). */
static json_t *next_of_type(struct cli_stream *s, const char *type)
{
	double deadline = harness_now_ms() + 5000;
	for (;;) {
		char *line = cli_stream_line(s, deadline);
		if (!line) {
			char *t = cli_stream_transcript(s);
			fail_msg("no '%s' line from the session; %s", type, t);
		}
		json_t *o = json_loads(line, 0, NULL);
		free(line);
		const char *got = json_string_value(json_object_get(o, "type"));
		if (got && strcmp(got, type) == 0)
			return o;
		json_decref(o);
	}
}

static void wait_nflog_bound(struct shielded *f, struct cli_stream *s)
{
	double deadline = harness_now_ms() + 5000;
	while (shielded_nflog_portid(f) == 0) {
		if (harness_now_ms() > deadline) {
			char *t = cli_stream_transcript(s);
			fail_msg("the session never bound NFLOG group 100; %s", t);
		}
		usleep(5000);
	}
}

/*
 * A connection opened while the shield was down survives `up` (its
 * conntrack entry is established). A verdict `deny` for its destination,
 * answered in `terok-shield interactive --raw`, must cut it.
 */
static void test_interactive_deny_cuts_open_connection(void **state)
{
	struct shielded *f = *state;
	int listener = shielded_listen(f, f->h.world, H_OTHER_IP, HOLD_PORT);
	SHIELDED_CLI_OK(f, NULL, "down", NAME);
	struct shielded_conn c;
	shielded_open_conn(f, listener, H_OTHER_IP, HOLD_PORT, &c);
	SHIELDED_CLI_OK(f, NULL, "up", NAME);
	shielded_assert_conn_carries(&c, "up, opened while down");

	const char *args[] = { "interactive", NAME, "--raw", NULL };
	struct cli_stream *s = cli_stream_start(f, true, args);
	wait_nflog_bound(f, s);
	/* A new connection to the same server is queued for a verdict. */
	double ms = 0;
	int r = shielded_connect(f, H_OTHER_IP, HOLD_PORT, 3000, &ms, NULL);
	if (r != EHOSTUNREACH)
		fail_msg("a new connection: expected EHOSTUNREACH, got %s", r ? strerror(r) : "one");
	json_t *pending = next_of_type(s, "pending");
	assert_string_equal(json_string_value(json_object_get(pending, "dest")), H_OTHER_IP);
	json_int_t id = json_integer_value(json_object_get(pending, "id"));
	json_decref(pending);
	char verdict[96];
	snprintf(verdict, sizeof(verdict), "{\"type\":\"verdict\",\"id\":%lld,\"action\":\"deny\"}\n",
		 (long long)id);
	assert_true(cli_stream_send(s, verdict));
	json_t *applied = next_of_type(s, "verdict_applied");
	if (!json_is_true(json_object_get(applied, "ok"))) {
		char *t = cli_stream_transcript(s);
		fail_msg("the deny verdict failed; %s", t);
	}
	json_decref(applied);
	shielded_assert_conn_cut(&c, "after the interactive deny verdict");
	cli_stream_free(s);
}

/* ---- the ping limit on an answered flow ---- */

static uint16_t icmp_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* Send one echo request on flow id; true when the kernel let it out of the socket. */
static bool send_echo(int fd, const struct sockaddr_in *to, uint16_t id, uint16_t seq)
{
	struct icmphdr h = { .type = ICMP_ECHO };
	h.un.echo.id = htons(id);
	h.un.echo.sequence = htons(seq);
	h.checksum = icmp_checksum(&h, sizeof(h));
	return sendto(fd, &h, sizeof(h), 0, (const struct sockaddr *)to, sizeof(*to)) ==
	       (ssize_t)sizeof(h);
}

/* Echo replies for flow id that arrive within ms. */
static int count_replies(int fd, uint16_t id, int ms)
{
	double deadline = harness_now_ms() + ms;
	int n = 0;
	for (;;) {
		int left = (int)(deadline - harness_now_ms());
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return n;
		uint8_t buf[512];
		ssize_t len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (len < (ssize_t)(sizeof(struct iphdr) + sizeof(struct icmphdr)))
			continue;
		const struct iphdr *ip = (const struct iphdr *)buf;
		const struct icmphdr *h = (const struct icmphdr *)(buf + ip->ihl * 4);
		if (h->type == ICMP_ECHOREPLY && ntohs(h->un.echo.id) == id)
			n++;
	}
}

static void test_ping_limit_on_answered_flow(void **state)
{
	struct shielded *f = *state;
	enum { ID = 0x7e57, BURST = 100 };
	int fd = shielded_socket(f, f->h.container, AF_INET, SOCK_RAW, IPPROTO_ICMP);
	struct sockaddr_in to = { .sin_family = AF_INET };
	inet_pton(AF_INET, H_ALLOWED_IP, &to.sin_addr);
	/* One answered echo: the flow is established from here on. */
	assert_true(send_echo(fd, &to, ID, 0));
	assert_int_equal(count_replies(fd, ID, 1000), 1);
	/* Let the bucket fill up again, then a burst on the same flow. */
	usleep(1000 * 1000);
	double start = harness_now_ms();
	int sent = 0;
	for (int seq = 1; seq <= BURST; seq++)
		sent += send_echo(fd, &to, ID, (uint16_t)seq);
	double took_s = (harness_now_ms() - start) / 1000;
	int replies = count_replies(fd, ID, SHIELDED_QUIET_MS);
	/* 10/s plus a burst of 5, and one of slack for the clock. */
	int most = 5 + (int)(10 * (took_s + SHIELDED_QUIET_MS / 1000.0)) + 1;
	if (replies > most || sent > most)
		fail_msg("%d of %d echo requests of an answered flow left (%d answered) in %.3f s; "
			 "the limit allows %d", sent, BURST, replies, took_s, most);
	/* The limit thins the flow, it does not cut it. */
	if (replies < 3)
		fail_msg("only %d of the burst answered", replies);
}

/* ---- host loopback per network mode ---- */

/* loopback_ports 8080 and the given network.mode (NULL: none, an older bundle), applied by up. */
static void set_network(struct shielded *f, const char *mode)
{
	write_text(f->state_dir, "loopback_ports", "8080\n");
	char *path = ts_xasprintf("%s/network.mode", f->state_dir);
	unlink(path);
	free(path);
	if (mode)
		write_text(f->state_dir, "network.mode", mode);
	SHIELDED_CLI_OK(f, NULL, "up", NAME);
}

static void assert_port(struct shielded *f, const char *addr, bool reachable, const char *when)
{
	double ms = 0;
	int r = harness_connect(&f->h, addr, H_LOOPBACK_PORT, 3000, &ms);
	if (reachable && r != 0)
		fail_msg("%s: %s:%d: %s", when, addr, H_LOOPBACK_PORT, strerror(r));
	if (!reachable && (r != EHOSTUNREACH || ms >= PROMPT_MS))
		fail_msg("%s: %s:%d: expected a prompt EHOSTUNREACH, got %s after %.0f ms", when, addr,
			 H_LOOPBACK_PORT, r ? strerror(r) : "a connection", ms);
}

static void test_loopback_per_network_mode(void **state)
{
	struct shielded *f = *state;
	/* The world serves the loopback port on the gateway and on pasta's mapped address alike. */
	const char *add[] = { "ip", "addr", "add", "169.254.1.2/32", "dev", "lo", NULL };
	ns_ok(f->h.world, add);

	/* slirp4netns: through the gateway; 169.254.1.2 is just a link-local address outside. */
	set_network(f, "slirp4netns\n");
	assert_port(f, H_GATEWAY, true, "slirp4netns");
	assert_port(f, "169.254.1.2", false, "slirp4netns");
	/* An older bundle with slirp4netns's DNS address: the same. */
	set_network(f, NULL);
	assert_port(f, H_GATEWAY, true, "no network.mode, DNS 10.0.2.3");
	assert_port(f, "169.254.1.2", false, "no network.mode, DNS 10.0.2.3");
	/* pasta: only its mapped address. */
	set_network(f, "pasta\n");
	assert_port(f, "169.254.1.2", true, "pasta");
	assert_port(f, H_GATEWAY, false, "pasta");
	/* The hook applies the bundle's ruleset.nft, which follows the mode too. */
	write_text(f->state_dir, "network.mode", "slirp4netns\n");
	struct ts_error err = { 0 };
	if (ts_bundle_write_ruleset(f->state_dir, &err) < 0)
		fail_msg("ruleset.nft: %s", err.message);
	assert_int_equal(shielded_hook(f), 0);
	assert_port(f, "169.254.1.2", false, "slirp4netns, after the hook");
	assert_port(f, H_GATEWAY, true, "slirp4netns, after the hook");
}

#define WITH(test) cmocka_unit_test_setup_teardown(test, setup, shielded_cmocka_teardown)
#define WITH_INTERACTIVE(test) cmocka_unit_test_setup_teardown(test, setup_interactive, shielded_cmocka_teardown)

int main(void)
{
	if (!shielded_suite_runnable())
		return 0;
	const struct CMUnitTest tests[] = {
		WITH(test_ipv6_over_link),
		WITH_INTERACTIVE(test_ipv6_over_link_interactive),
		WITH(test_deny_cuts_open_connection),
		WITH(test_deny_cuts_open_connection_down),
		WITH_INTERACTIVE(test_interactive_deny_cuts_open_connection),
		WITH(test_ping_limit_on_answered_flow),
		WITH(test_loopback_per_network_mode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
