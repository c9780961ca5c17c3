/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root only: `terok-shield interactive NAME [--raw]` (docs/interactive.md)
 * through the real CLI binary ($TS_TEST_CLI) against a shielded
 * interactive "container" namespace wired to a "world" of test servers
 * (harness.h, shielded.h). Connections go only to addresses the world
 * namespace owns (or that the container's own output chain refuses and
 * that no route leads off the machine from); assertions are about the
 * lines the session prints, what packets do afterwards, the bundle files
 * and the live sets.
 *
 * Raw mode is driven over pipes; human mode in a pseudo-terminal
 * (forkpty), the way an operator sees it: prompts without a newline,
 * answers typed with the terminal's echo, Ctrl-C and Ctrl-D.
 *
 * Readiness: the session prints nothing until a connection is refused.
 * It binds NFLOG group 100 in the container's namespace before it waits
 * for anything, and the kernel keeps what arrives after the bind for the
 * socket, so the test waits until the container namespace's
 * /proc/net/netfilter/nfnetlink_log lists group 100 bound to a new
 * netlink port (not the one a previous session had).
 *
 * Covered: pending lines (fields, ids, one per destination, by IP and by
 * domain, at most 256 waiting), accept and deny (sets, bundle files,
 * audit, kept over up and a hook re-run), private destinations (asked
 * about, marked "private":true, reachable once accepted), bad and
 * oversized input changing nothing, a failed verdict (ok:false, still
 * pending, retried), EOF, SIGINT, SIGTERM, the reader or the container
 * going away, a restart right after a verdict, refusals and usage errors,
 * IPv6, ff02::/16 housekeeping and neighbour discovery, the dnsmasq
 * tier's names, human mode.
 *
 * Exactness of "one pending per destination": output is ordered, so after
 * repeated connections to one destination the test makes one to another
 * destination; the next line must be that one's pending, with the next id.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/fs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/strv.h"
#include "base/util.h"
#include "container/procid.h"
#include "dns/dnsmasq.h"
#include "harness.h"
#include "shielded.h"
#include "test-helpers.h"

#define NAME SHIELDED_NAME
#define GONE "gone"       /* a prepared interactive container whose process has exited */
#define EVENT_MS 1000     /* a pending or verdict_applied line is due within this long */
#define LATE_MS 3000      /* how long a late line is still waited for (to report how late) */
#define READY_MS 5000     /* the session must have bound NFLOG by then */
#define STOP_MS 1000      /* EOF, SIGINT, SIGTERM: exit within this long */
#define QUIET_MS 300      /* "nothing more is printed": nothing within this long */

/* IPv6 on the container (as in the watch suite) and a documentation destination. */
#define C_ADDR6 "2001:db8:2::100"
#define OTHER_IP6 "2001:db8::20"

/* ---- the fixture ---- */

static int setup_interactive(void **state)
{
	return shielded_cmocka_setup(state, SHIELDED_INTERACTIVE);
}

static int setup_dnsmasq(void **state)
{
	return shielded_cmocka_setup(state, SHIELDED_INTERACTIVE | SHIELDED_DNSMASQ);
}

static int setup_plain(void **state)
{
	return shielded_cmocka_setup(state, 0);
}

/* Sessions still open when a test fails half way: teardown ends them. */
#define MAX_OPEN 4
struct session;
struct tty;
static struct session *open_sessions[MAX_OPEN];
static struct tty *open_ttys[MAX_OPEN];
static void session_free(struct session *s);
static void tty_free(struct tty *t);

static void remember(void **slots, void *p)
{
	for (int i = 0; i < MAX_OPEN; i++)
		if (!slots[i]) {
			slots[i] = p;
			return;
		}
	fail_msg("more than %d sessions at once", MAX_OPEN);
}

static void forget(void **slots, void *p)
{
	for (int i = 0; i < MAX_OPEN; i++)
		if (slots[i] == p)
			slots[i] = NULL;
}

/* A directory made immutable (chattr +i) by a test: teardown makes it mutable again. */
static char *immutable_dir;

static void set_immutable(const char *dir, bool on)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	int flags = 0;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
		fail_msg("FS_IOC_GETFLAGS %s: %s", dir, strerror(errno));
	flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
	int r = ioctl(fd, FS_IOC_SETFLAGS, &flags);
	int e = errno;
	close(fd);
	if (r < 0)
		fail_msg("FS_IOC_SETFLAGS %s: %s", dir, strerror(e));
	free(immutable_dir);
	immutable_dir = on ? strdup(dir) : NULL;
}

static int teardown(void **state)
{
	if (immutable_dir)
		set_immutable(immutable_dir, false);
	for (int i = 0; i < MAX_OPEN; i++) {
		if (open_sessions[i])
			session_free(open_sessions[i]);
		if (open_ttys[i])
			tty_free(open_ttys[i]);
	}
	shielded_teardown(*state);
	free(*state);
	return 0;
}

#define CLI_OK(f, ...)                                                                           \
	do {                                                                                     \
		struct cli_run r_;                                                               \
		int rc_ = shielded_cli((f), &r_, __VA_ARGS__, (const char *)NULL);              \
		if (rc_ != 0)                                                                    \
			fail_msg("terok-shield %s exited %d: %s", #__VA_ARGS__, rc_, r_.err);    \
		cli_run_clear(&r_);                                                              \
	} while (0)

static const char *sb_str(const struct ts_strbuf *b)
{
	return b->data ? b->data : "";
}

/* ---- packets ---- */

static void assert_refused(struct shielded *f, const char *addr, uint16_t port)
{
	int r = harness_connect(&f->h, addr, port, 3000, NULL);
	if (r != EHOSTUNREACH)
		fail_msg("connect %s:%u: expected EHOSTUNREACH (admin-prohibited), got %s", addr, port,
			 r ? strerror(r) : "a connection");
}

static void assert_reachable(struct shielded *f, const char *addr)
{
	int r = harness_connect(&f->h, addr, H_TCP_PORT, 3000, NULL);
	if (r != 0)
		fail_msg("connect %s: %s", addr, strerror(r));
}

static void enter_container(struct shielded *f)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)f->h.container);
	int ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0 || setns(ns, CLONE_NEWNET) < 0)
		abort();
	close(ns);
}

static void leave_container(struct shielded *f)
{
	if (setns(f->h.host_netns, CLONE_NEWNET) < 0)
		abort(); /* a test stuck in the wrong namespace must not go on */
}

/* One UDP datagram from the container to an IPv4 address. */
static void send_udp4(struct shielded *f, const char *addr, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	assert_int_equal(inet_pton(AF_INET, addr, &sa.sin_addr), 1);
	int fd = harness_socket(&f->h, f->h.container, AF_INET, SOCK_DGRAM);
	assert_true(fd >= 0);
	/* The reject may surface as an error of this very send: that is fine. */
	(void)sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
}

/* One UDP datagram from the container to an IPv6 address (scope eth0 for multicast). */
static void send_udp6(struct shielded *f, const char *addr, uint16_t port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	assert_int_equal(inet_pton(AF_INET6, addr, &sa.sin6_addr), 1);
	enter_container(f);
	sa.sin6_scope_id = if_nametoindex("eth0");
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	leave_container(f);
	assert_true(fd >= 0 && sa.sin6_scope_id > 0);
	/* The reject may surface as an error of this very send: that is fine. */
	(void)sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
}

/* A TCP connection attempt over IPv6 from the container: the SYN only. */
static void syn6(struct shielded *f, const char *addr, uint16_t port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	assert_int_equal(inet_pton(AF_INET6, addr, &sa.sin6_addr), 1);
	int fd = harness_socket(&f->h, f->h.container, AF_INET6, SOCK_STREAM | SOCK_NONBLOCK);
	assert_true(fd >= 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		fail_msg("connect %s: %s", addr, strerror(errno));
	close(fd);
}

/*
 * A TCP SYN from the container to an IPv4 address, not waiting for the
 * refusal: a burst of rejects meets the kernel's ICMP rate limit, and a
 * SYN left unanswered would make connect() wait for its retransmission.
 */
static void syn4(struct shielded *f, const char *addr, uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	assert_int_equal(inet_pton(AF_INET, addr, &sa.sin_addr), 1);
	int fd = harness_socket(&f->h, f->h.container, AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
	assert_true(fd >= 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS &&
	    errno != EHOSTUNREACH)
		fail_msg("connect %s: %s", addr, strerror(errno));
	close(fd);
}

/* ---- files, sets, the live table ---- */

static bool file_has_line(const char *dir, const char *name, const char *line)
{
	char *text = read_text(dir, name);
	bool has = false;
	char *save = NULL;
	for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l && !has;
	     l = strtok_r(NULL, "\n", &save))
		has = strcmp(ts_strip(l), line) == 0;
	free(text);
	return has;
}

/* An audit entry with this action and dest. */
static bool audit_has(const char *dir, const char *action, const char *dest)
{
	char *text = read_text(dir, "audit.jsonl");
	char *a = ts_xasprintf("\"action\":\"%s\"", action);
	char *d = ts_xasprintf("\"dest\":\"%s\"", dest);
	bool found = false;
	char *save = NULL;
	for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l && !found;
	     l = strtok_r(NULL, "\n", &save))
		found = strstr(l, a) && strstr(l, d);
	free(a);
	free(d);
	free(text);
	return found;
}

/* Whether set NAME of the live table lists addr (our own parser, not the library's). */
static bool set_has(struct shielded *f, const char *set, const char *addr)
{
	char *listing = harness_list_table(&f->h, f->h.container);
	assert_non_null(listing);
	char *head = ts_xasprintf("set %s {", set);
	const char *start = strstr(listing, head);
	free(head);
	if (!start)
		fail_msg("set %s not in the table", set);
	const char *end = strstr(start, "\n\t}");
	assert_non_null(end);
	bool has = false;
	const char *el = strstr(start, "elements = {");
	if (el && el < end) {
		el += strlen("elements = {");
		char *text = strndup(el, (size_t)(strchr(el, '}') - el));
		char *save = NULL;
		for (char *t = strtok_r(text, ", \t\n", &save); t && !has;
		     t = strtok_r(NULL, ", \t\n", &save))
			has = strcmp(t, addr) == 0;
		free(text);
	}
	free(listing);
	return has;
}


/* Packets the QUEUED terminal rule counted (nft's own listing, counters included). */
static long queued_count(struct shielded *f)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		enter_container(f);
		dup2(p[1], STDOUT_FILENO);
		execlp("nft", "nft", "list", "chain", "inet", "terok_shield", "output", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	char *text = NULL;
	harness_drain(p[0], &text, harness_now_ms() + 5000);
	close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	const char *rule = strstr(text, "TEROK_SHIELD_QUEUED");
	const char *packets = rule ? strstr(rule, "packets ") : NULL;
	if (!packets)
		fail_msg("no counted QUEUED rule in the output chain:\n%s", text);
	long n = strtol(packets + strlen("packets "), NULL, 10);
	free(text);
	return n;
}

/* ---- readiness: NFLOG group 100 bound in the container's namespace ---- */

static bool nflog_bound(struct shielded *f)
{
	return shielded_nflog_portid(f) != 0;
}

/*
 * Until group 100 is bound to a socket other than the one bound as the
 * process started (before, 0: none), or the process ends (false).
 */
static bool wait_bound(struct shielded *f, pid_t pid, unsigned before)
{
	double deadline = harness_now_ms() + READY_MS;
	while (harness_now_ms() < deadline) {
		unsigned now = shielded_nflog_portid(f);
		if (now && now != before)
			return true;
		if (waitpid(pid, NULL, WNOHANG | WNOWAIT) == pid)
			return false;
		usleep(2000);
	}
	return false;
}

/* ---- a raw session over pipes ---- */

struct session {
	struct cli_stream *io;
	struct ts_strbuf err; /* everything on stderr so far */
	size_t err_seen;      /* how much of it expectations consumed */
};

static struct session *session_start(struct shielded *f, const char *name)
{
	assert_false(nflog_bound(f));
	struct session *s = calloc(1, sizeof(*s));
	s->err = (struct ts_strbuf)TS_STRBUF_INIT;
	const char *args[] = { "interactive", name, "--raw", NULL };
	s->io = cli_stream_start(f, true, args);
	remember((void **)open_sessions, s);
	if (!wait_bound(f, s->io->r.pid, 0)) {
		char *t = cli_stream_transcript(s->io);
		fail_msg("the session did not bind NFLOG group 100 within %d ms; %s", READY_MS, t);
	}
	return s;
}

static void session_free(struct session *s)
{
	forget((void **)open_sessions, s);
	cli_stream_free(s->io);
	ts_strbuf_clear(&s->err);
	free(s);
}

static void take_stderr(struct session *s)
{
	char *more = cli_stream_stderr(s->io);
	ts_strbuf_puts(&s->err, more);
	free(more);
}

/* stderr shows needle (after what earlier expectations consumed) by deadline. */
static void expect_stderr(struct session *s, const char *needle)
{
	double deadline = harness_now_ms() + LATE_MS;
	for (;;) {
		take_stderr(s);
		const char *all = sb_str(&s->err);
		const char *hit = strstr(all + s->err_seen, needle);
		if (hit) {
			s->err_seen = (size_t)(hit - all) + strlen(needle);
			return;
		}
		if (harness_now_ms() >= deadline)
			fail_msg("stderr never said '%s': '%s'", needle, all + s->err_seen);
		usleep(5000);
	}
}

static json_t *parse_line(struct session *s, const char *line)
{
	json_error_t e;
	json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &e);
	if (!json_is_object(o)) {
		char *t = cli_stream_transcript(s->io);
		fail_msg("a line that is not a JSON object: '%s' (%s); %s", line, e.text, t);
	}
	if (strchr(line, ' ') && !strstr(line, "\"domain\""))
		fail_msg("not compact JSON: '%s'", line);
	return o;
}

/* The next line as JSON (due by since_ms + EVENT_MS), or a failure. */
static json_t *next_object(struct session *s, double since_ms, const char *what)
{
	char *line = cli_stream_line(s->io, since_ms + LATE_MS);
	double ms = harness_now_ms() - since_ms;
	if (!line) {
		char *t = cli_stream_transcript(s->io);
		fail_msg("no %s line within %d ms; %s", what, LATE_MS, t);
	}
	if (ms > EVENT_MS)
		fail_msg("the %s line came %.0f ms after its cause (limit %d ms): %s", what, ms,
			 EVENT_MS, line);
	json_t *o = parse_line(s, line);
	free(line);
	return o;
}

/* The object has exactly these keys. */
static void assert_keys(json_t *o, const char *const *keys, size_t n)
{
	char *text = json_dumps(o, JSON_COMPACT);
	if (json_object_size(o) != n)
		fail_msg("expected %zu keys: %s", n, text);
	for (size_t i = 0; i < n; i++)
		if (!json_object_get(o, keys[i]))
			fail_msg("no '%s': %s", keys[i], text);
	free(text);
}

static const char *str(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static long long num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v))
		fail_msg("'%s' is not an integer", key);
	return json_integer_value(v);
}

/*
 * The next line is the pending entry for dest:port (protocol, domain);
 * a private destination carries "private":true, any other no such key.
 * Returns its id.
 */
static long long expect_pending_as(struct session *s, double since_ms, const char *dest, int port,
				   int proto, const char *domain, bool private_range)
{
	json_t *o = next_object(s, since_ms, "pending");
	static const char *const keys[] = { "type", "id", "dest", "port", "proto", "domain",
					    "private" };
	assert_keys(o, keys, ARRAY_SIZE(keys) - (private_range ? 0 : 1));
	char *text = json_dumps(o, JSON_COMPACT);
	if (strcmp(str(o, "type") ? str(o, "type") : "", "pending") != 0 ||
	    strcmp(str(o, "dest") ? str(o, "dest") : "", dest) != 0 || num(o, "port") != port ||
	    num(o, "proto") != proto || !str(o, "domain") || strcmp(str(o, "domain"), domain) != 0 ||
	    (private_range && !json_is_true(json_object_get(o, "private"))))
		fail_msg("expected pending %s:%d proto %d domain '%s'%s, got %s", dest, port, proto,
			 domain, private_range ? " private" : "", text);
	long long id = num(o, "id");
	assert_true(id >= 1);
	free(text);
	json_decref(o);
	return id;
}

static long long expect_pending(struct session *s, double since_ms, const char *dest, int port,
				int proto, const char *domain)
{
	return expect_pending_as(s, since_ms, dest, port, proto, domain, false);
}

/* The next line is verdict_applied for id, dest, action, ok. */
static void expect_applied(struct session *s, double since_ms, long long id, const char *dest,
			   const char *action, bool ok)
{
	json_t *o = next_object(s, since_ms, "verdict_applied");
	static const char *const keys[] = { "type", "id", "dest", "action", "ok" };
	assert_keys(o, keys, ARRAY_SIZE(keys));
	char *text = json_dumps(o, JSON_COMPACT);
	json_t *okv = json_object_get(o, "ok");
	if (strcmp(str(o, "type") ? str(o, "type") : "", "verdict_applied") != 0 ||
	    num(o, "id") != id || strcmp(str(o, "dest") ? str(o, "dest") : "", dest) != 0 ||
	    strcmp(str(o, "action") ? str(o, "action") : "", action) != 0 || !json_is_boolean(okv) ||
	    json_is_true(okv) != ok)
		fail_msg("expected verdict_applied id %lld %s %s ok:%s, got %s", id, dest, action,
			 ok ? "true" : "false", text);
	free(text);
	json_decref(o);
}

static void send_line(struct session *s, const char *text)
{
	if (!cli_stream_send(s->io, text))
		fail_msg("writing to the session: %s", strerror(errno));
}

static void send_verdict(struct session *s, long long id, const char *action)
{
	char line[128];
	snprintf(line, sizeof(line), "{\"type\":\"verdict\",\"id\":%lld,\"action\":\"%s\"}\n", id,
		 action);
	send_line(s, line);
}

/* Nothing on stdout for QUIET_MS, and the session still runs. */
static void expect_quiet(struct session *s)
{
	char *line = cli_stream_line(s->io, harness_now_ms() + QUIET_MS);
	if (line)
		fail_msg("unexpected output: '%s'", line);
	if (s->io->eof || cli_run_reap(&s->io->r, 0)) {
		char *t = cli_stream_transcript(s->io);
		fail_msg("the session ended (status %d); %s", s->io->r.status, t);
	}
}

/* Wait for the exit: status 0 within STOP_MS of since_ms, stdout closed. */
static void expect_exit0(struct session *s, double since_ms, const char *why)
{
	bool exited = cli_run_reap(&s->io->r, since_ms + LATE_MS);
	double took = harness_now_ms() - since_ms;
	if (!exited) {
		char *t = cli_stream_transcript(s->io);
		fail_msg("the session did not end within %d ms of %s; %s", LATE_MS, why, t);
	}
	if (s->io->r.status != 0) {
		char *t = cli_stream_transcript(s->io);
		fail_msg("the session exited %d on %s (expected 0); %s", s->io->r.status, why, t);
	}
	fprintf(stderr, "# %s: exit 0 after %.1f ms\n", why, took);
	if (took > STOP_MS)
		fail_msg("the session took %.0f ms to end on %s (limit %d ms)", took, why, STOP_MS);
	char *rest = NULL;
	fcntl(s->io->r.out_fd, F_SETFL, 0);
	assert_true(harness_drain(s->io->r.out_fd, &rest, harness_now_ms() + 1000));
	free(rest);
}

/* Refuse dest:port from the container and expect its pending line; returns the id. */
static long long refuse_pending(struct shielded *f, struct session *s, const char *dest, int port,
				const char *domain)
{
	double t0 = harness_now_ms();
	assert_refused(f, dest, (uint16_t)port);
	return expect_pending(s, t0, dest, port, IPPROTO_TCP, domain);
}

/* ---- 1. pending, deduplicated ---- */

static void test_pending_dedup(void **state)
{
	struct shielded *f = *state;
	struct session *s = session_start(f, NAME);
	long long id = refuse_pending(f, s, H_OTHER_IP, H_TCP_PORT, "");
	assert_int_equal(id, 1);
	/* The same destination again, on the same and on another port: no second question. */
	for (int i = 0; i < 3; i++)
		assert_refused(f, H_OTHER_IP, H_TCP_PORT);
	assert_refused(f, H_OTHER_IP, 443);
	/* Output is ordered: the next line must be the next destination's. */
	long long next = refuse_pending(f, s, H_DOMAIN_OTHER_IP, 8443, "");
	assert_int_equal(next, 2);
	/* UDP too, with its protocol and port. */
	double t0 = harness_now_ms();
	send_udp4(f, H_ROGUE_DNS, 5353);
	assert_int_equal(expect_pending(s, t0, H_ROGUE_DNS, 5353, IPPROTO_UDP, ""), 3);
	expect_quiet(s);
	/* Nothing was decided: both stay refused, nothing is in any file. */
	assert_refused(f, H_OTHER_IP, H_TCP_PORT);
	assert_false(file_has_line(f->state_dir, "live.allowed", H_OTHER_IP));
	assert_false(file_has_line(f->state_dir, "deny.list", H_OTHER_IP));
	expect_quiet(s);
	session_free(s);
}

/*
 * At most 256 destinations wait at once: the 257th is refused without a
 * question (one notice on stderr); once one is answered there is room
 * again. The addresses are TEST-NET ones the container's own output chain
 * refuses: no packet leaves it.
 */
static void test_pending_limit(void **state)
{
	struct shielded *f = *state;
	struct session *s = session_start(f, NAME);
	char addrs[258][32];
	for (int i = 0; i < 258; i++)
		snprintf(addrs[i], sizeof(addrs[i]), i < 254 ? "198.51.100.%d" : "203.0.113.%d",
			 i < 254 ? i + 1 : i - 253);
	for (int i = 0; i < 256; i++) {
		double t0 = harness_now_ms();
		syn4(f, addrs[i], H_TCP_PORT);
		assert_int_equal(expect_pending(s, t0, addrs[i], H_TCP_PORT, IPPROTO_TCP, ""), i + 1);
	}
	syn4(f, addrs[256], H_TCP_PORT);
	expect_stderr(s, "256 destinations already wait");
	syn4(f, addrs[257], H_TCP_PORT);
	expect_quiet(s);
	double t0 = harness_now_ms();
	send_verdict(s, 1, "deny");
	expect_applied(s, t0, 1, addrs[0], "deny", true);
	t0 = harness_now_ms();
	syn4(f, addrs[256], H_TCP_PORT);
	assert_int_equal(expect_pending(s, t0, addrs[256], H_TCP_PORT, IPPROTO_TCP, ""), 257);
	/* Full again: one more notice, not one per packet. */
	syn4(f, addrs[257], H_TCP_PORT);
	expect_stderr(s, "256 destinations already wait");
	syn4(f, addrs[257], 443);
	expect_quiet(s);
	take_stderr(s);
	assert_null(strstr(sb_str(&s->err) + s->err_seen, "already wait"));
	session_free(s);
}

/* ---- 2. accept ---- */

static void test_accept(void **state)
{
	struct shielded *f = *state;
	struct session *s = session_start(f, NAME);
	long long id = refuse_pending(f, s, H_OTHER_IP, H_TCP_PORT, "");
	double t0 = harness_now_ms();
	send_verdict(s, id, "accept");
	expect_applied(s, t0, id, H_OTHER_IP, "accept", true);
	fprintf(stderr, "# accept: verdict_applied after %.1f ms\n", harness_now_ms() - t0);
	assert_reachable(f, H_OTHER_IP);
	assert_true(set_has(f, "allow_v4", H_OTHER_IP));
	assert_true(file_has_line(f->state_dir, "live.allowed", H_OTHER_IP));
	assert_true(audit_has(f->state_dir, "allowed", H_OTHER_IP));
	/* The entry is gone: the same verdict again is ignored (stderr), and prints nothing. */
	send_verdict(s, id, "deny");
	expect_stderr(s, "ignored a verdict");
	expect_quiet(s);
	assert_reachable(f, H_OTHER_IP);
	assert_false(set_has(f, "deny_v4", H_OTHER_IP));
	/* Kept for the next start: the hook puts it back. */
	assert_int_equal(shielded_hook(f), 0);
	assert_reachable(f, H_OTHER_IP);
	session_free(s);
}

/*
 * An accept with "scope":"port" and "for": only the refused connection's
 * protocol and port, kept in live.scoped with its expiry, not live.allowed.
 */
static void test_accept_scoped(void **state)
{
	struct shielded *f = *state;
	struct session *s = session_start(f, NAME);
	long long id = refuse_pending(f, s, H_OTHER_IP, H_TCP_PORT, "");
	double t0 = harness_now_ms();
	char line[160];
	snprintf(line, sizeof(line), "{\"type\":\"verdict\",\"id\":%lld,\"action\":\"accept\","
		 "\"scope\":\"port\",\"for\":\"1h\"}\n", id);
	send_line(s, line);
	expect_applied(s, t0, id, H_OTHER_IP, "accept", true);
	assert_reachable(f, H_OTHER_IP);
	/* Another port of the host is still refused, and asked about again. */
	t0 = harness_now_ms();
	assert_refused(f, H_OTHER_IP, H_LOOPBACK_PORT);
	expect_pending(s, t0, H_OTHER_IP, H_LOOPBACK_PORT, IPPROTO_TCP, "");
	assert_false(file_has_line(f->state_dir, "live.allowed", H_OTHER_IP));
	char *scoped = read_text(f->state_dir, "live.scoped");
	if (!scoped || !strstr(scoped, H_OTHER_IP " tcp 80 "))
		fail_msg("live.scoped: %s", scoped ? scoped : "(none)");
	free(scoped);
	assert_true(audit_has(f->state_dir, "allowed", H_OTHER_IP));
	/* A scope on a deny is refused, and the entry stays pending. */
	long long next = refuse_pending(f, s, H_DOMAIN_OTHER_IP, H_TCP_PORT, "");
	snprintf(line, sizeof(line), "{\"type\":\"verdict\",\"id\":%lld,\"action\":\"deny\","
		 "\"for\":\"1h\"}\n", next);
	send_line(s, line);
	expect_stderr(s, "go with \"accept\" only");
	expect_quiet(s);
	session_free(s);
}

/* ---- 3. deny ---- */

static void test_deny(void **state)
{
	struct shielded *f = *state;
	struct session *s = session_start(f, NAME);
	long long id = refuse_pending(f, s, H_OTHER_IP, H_TCP_PORT, "");
	double t0 = harness_now_ms();
	send_verdict(s, id, "deny");
	expect_applied(s, t0, id, H_OTHER_IP, "deny", true);
	assert_true(set_has(f, "deny_v4", H_OTHER_IP));
	assert_false(set_has(f, "allow_v4", H_OTHER_IP));
	assert_true(file_has_line(f->state_dir, "deny.list", H_OTHER_IP));
	assert_false(file_has_line(f->state_dir, "live.allowed", H_OTHER_IP));
	assert_true(audit_has(f->state_dir, "denied", H_OTHER_IP));
	/* Refused by the deny set now (DENIED, not QUEUED): no new question. */
	assert_refused(f, H_OTHER_IP, H_TCP_PORT);
	long long next = refuse_pending(f, s, H_DOMAIN_OTHER_IP, H_TCP_PORT, "");
	assert_int_equal(next, id + 1);
	/* It stays denied after up, and after the hook runs again. */
	CLI_OK(f, "up", NAME);
	assert_true(set_has(f, "deny_v4", H_OTHER_IP));
	assert_refused(f, H_OTHER_IP, H_TCP_PORT);
	/* The session outlives the table's replacement: still asking. */
	assert_int_equal(refuse_pending(f, s, H_ROGUE_DNS, H_TCP_PORT, ""), next + 1);
	assert_int_equal(shielded_hook(f), 0);
	assert_true(set_has(f, "deny_v4", H_OTHER_IP));
	assert_refused(f, H_OTHER_IP, H_TCP_PORT);
	session_free(s);
}

/*
 * An audit log that cannot be written (a directory in its place): each
 * verdict is applied all the same, and the session warns on stderr.
 */
static void test_audit_unwritable(void **state)
{
	struct shielded *f = *state;
	char *audit = ts_xasprintf("%s/audit.jsonl", f->state_dir);
	char *warning = ts_xasprintf("terok-shield: warning: audit log %s not written: ", audit);
	unlink(audit);
	assert_int_equal(mkdir(audit, 0700), 0);
	struct session *s = session_start(f, NAME);
	long long id = refuse_pending(f, s, H_OTHER_IP, H_TCP_PORT, "");
	double t0 = harness_now_ms();
	send_verdict(s, id, "accept");
	expect_applied(s, t0, id, H_OTHER_IP, "accept", true);
	expect_stderr(s, warning);
	assert_reachable(f, H_OTHER_IP);
	assert_true(file_has_line(f->state_dir, "live.allowed", H_OTHER_IP));
	id = refuse_pending(f, s, H_DOMAIN_OTHER_IP, H_TCP_PORT, "");
	t0 = harness_now_ms();
	send_verdict(s, id, "deny");
	expect_applied(s, t0, id, H_DOMAIN_OTHER_IP, "deny", true);
	expect_stderr(s, warning);
	assert_true(set_has(f, "deny_v4", H_DOMAIN_OTHER_IP));
	session_free(s);
	assert_int_equal(rmdir(audit), 0);
	free(warning);
	free(audit);
}

/*
 * ---- 3b. private destinations: refused by the private-range rules, not
 * the QUEUED one, and asked about all the same, marked private ----
 */

static void test_private_accept(void **state)
{
	struct shielded *f = *state;
	struct session *s = session_start(f, NAME);
	double t0 = harness_now_ms();
	assert_refused(f, H_PRIVATE_IP, H_TCP_PORT);
	long long id = expect_pending_as(s, t0, H_PRIVATE_IP, H_TCP_PORT, IPPROTO_TCP, "", true);
	/* One question per destination; the next line is a public destination's, unmarked. */
	assert_refused(f, H_PRIVATE_IP, 443);
	assert_int_equal(refuse_pending(f, s, H_OTHER_IP, H_TCP_PORT, ""), id + 1);
	/* Refused until the answer comes. */
	assert_refused(f, H_PRIVATE_IP, H_TCP_PORT);
	assert_false(set_has(f, "allow_v4", H_PRIVATE_IP));
	t0 = harness_now_ms();
	send_verdict(s, id, "accept");
	expect_applied(s, t0, id, H_PRIVATE_IP, "accept", true);
	fprintf(stderr, "# private accept: verdict_applied after %.1f ms\n", harness_now_ms() - t0);
	/* The allow set comes before the private-range rules: reachable now. */
	assert_reachable(f, H_PRIVATE_IP);
	assert_true(set_has(f, "allow_v4", H_PRIVATE_IP));
	assert_true(file_has_line(f->state_dir, "live.allowed", H_PRIVATE_IP));
	assert_true(audit_has(f->state_dir, "allowed", H_PRIVATE_IP));
	assert_true(audit_has(f->state_dir, "note", H_PRIVATE_IP));
	/* Kept for the next start. */
	assert_int_equal(shielded_hook(f), 0);
	assert_reachable(f, H_PRIVATE_IP);
	expect_quiet(s);
	session_free(s);
}

static void test_private_deny(void **state)
{
	struct shielded *f = *state;
	struct session *s = session_start(f, NAME);
	double t0 = harness_now_ms();
	assert_refused(f, H_PRIVATE_IP, H_TCP_PORT);
	long long id = expect_pending_as(s, t0, H_PRIVATE_IP, H_TCP_PORT, IPPROTO_TCP, "", true);
	t0 = harness_now_ms();
	send_verdict(s, id, "deny");
	expect_applied(s, t0, id, H_PRIVATE_IP, "deny", true);
	assert_true(set_has(f, "deny_v4", H_PRIVATE_IP));
	assert_false(set_has(f, "allow_v4", H_PRIVATE_IP));
	assert_true(file_has_line(f->state_dir, "deny.list", H_PRIVATE_IP));
	assert_false(file_has_line(f->state_dir, "live.allowed", H_PRIVATE_IP));
	assert_true(audit_has(f->state_dir, "denied", H_PRIVATE_IP));
	/* Refused by the deny set now (DENIED): no new question, the next line is another's. */
	assert_refused(f, H_PRIVATE_IP, H_TCP_PORT);
	assert_refused(f, H_PRIVATE_IP, 443);
	assert_int_equal(refuse_pending(f, s, H_OTHER_IP, H_TCP_PORT, ""), id + 1);
	/* Still denied after the hook runs again. */
	assert_int_equal(shielded_hook(f), 0);
	assert_true(set_has(f, "deny_v4", H_PRIVATE_IP));
	assert_refused(f, H_PRIVATE_IP, H_TCP_PORT);
	expect_quiet(s);
	session_free(s);
}

/* ---- 4. bad input changes nothing; the session goes on ---- */

static void test_bad_input(void **state)
{
	struct shielded *f = *state;
	CLI_OK(f, "allow", NAME, "198.51.100.99"); /* some content in the files first */
	struct session *s = session_start(f, NAME);
	long long id = refuse_pending(f, s, H_OTHER_IP, H_TCP_PORT, "");
	assert_int_equal(id, 1);
	static const struct {
		const char *line, *said;
	} bad[] = {
		{ "{\"type\":\"verdict\",\"id\":999,\"action\":\"accept\"}\n", "no pending connection has id 999" },
		{ "{\"id\":\"1\"}\n", "ignored an input line" },
		{ "not json\n", "not JSON" },
		{ "{\"type\":\"verdict\",\"id\":1,\"action\":\"maybe\"}\n", "\"action\"" },
		{ "{\"type\":\"verdict\",\"id\":0,\"action\":\"accept\"}\n", "\"id\"" },
		{ "{\"type\":\"verdict\",\"id\":1.0,\"action\":\"accept\"}\n", "\"id\"" },
		{ "[1]\n", "not a JSON object" },
		{ "{\"type\":\"verdict\",\"id\":1,\"action\":\"accept\",\"id\":1}\n", "not JSON" },
		{ "{\"type\":\"verdict\",\"id\":1,\"action\":\"ACCEPT\"}\n", "\"action\"" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct shielded_snapshot before;
		shielded_snapshot(f, &before);
		send_line(s, bad[i].line);
		expect_stderr(s, bad[i].said);
		expect_quiet(s);
		shielded_assert_unchanged_since(f, &before, bad[i].line);
	}
	/* Every message is one line starting "terok-shield: ". */
	char *err = strdup(sb_str(&s->err));
	char *save = NULL;
	int lines = 0;
	for (char *l = strtok_r(err, "\n", &save); l; l = strtok_r(NULL, "\n", &save), lines++)
		if (!ts_startswith(l, "terok-shield: "))
			fail_msg("stderr line without 'terok-shield: ': '%s'", l);
	free(err);
	assert_int_equal(lines, (int)ARRAY_SIZE(bad));
	assert_refused(f, H_OTHER_IP, H_TCP_PORT);
	/* Still running, still waiting: a valid verdict afterwards works. */
	double t0 = harness_now_ms();
	send_verdict(s, id, "accept");
	expect_applied(s, t0, id, H_OTHER_IP, "accept", true);
	assert_reachable(f, H_OTHER_IP);
	session_free(s);
}

/* A valid accept of id, padded with an unknown key to len bytes, then a newline. */
static char *padded_verdict(long long id, size_t len)
{
	char *head = ts_xasprintf("{\"type\":\"verdict\",\"id\":%lld,\"action\":\"accept\","
				  "\"pad\":\"", id);
	size_t n = strlen(head);
	assert_true(len > n + 2);
	char *line = calloc(1, len + 2);
	assert_non_null(line);
	memcpy(line, head, n);
	memset(line + n, 'x', len - n - 2);
	strcpy(line + len - 2, "\"}\n");
	assert_int_equal(strlen(line), len + 1);
	free(head);
	return line;
}

/* A line longer than 4096 bytes is reported and ignored as a whole, even a valid verdict. */
static void test_oversized_line(void **state)
{
	struct shielded *f = *state;
	struct session *s = session_start(f, NAME);
	long long id = refuse_pending(f, s, H_OTHER_IP, H_TCP_PORT, "");
	/* 4097 bytes before the newline: one too many. */
	char *line = padded_verdict(id, 4097);
	struct shielded_snapshot before;
	shielded_snapshot(f, &before);
	send_line(s, line);
	expect_stderr(s, "longer than 4096 bytes");
	expect_quiet(s);
	shielded_assert_unchanged_since(f, &before, "an oversized verdict line");
	/* A line far longer, sent in pieces: one report, ignored; the next line works. */
	char *huge = calloc(1, 70000);
	assert_non_null(huge);
	memset(huge, 'y', 69998);
	huge[69998] = '\n';
	huge[69999] = '\0';
	send_line(s, huge);
	free(huge);
	expect_stderr(s, "longer than 4096 bytes");
	expect_quiet(s);
	/* Exactly 4096 bytes is taken. */
	free(line);
	line = padded_verdict(id, 4096);
	double t0 = harness_now_ms();
	send_line(s, line);
	expect_applied(s, t0, id, H_OTHER_IP, "accept", true);
	free(line);
	assert_reachable(f, H_OTHER_IP);
	take_stderr(s);
	const char *err = sb_str(&s->err);
	const char *second = strstr(strstr(err, "longer than") + 1, "longer than");
	assert_non_null(second);
	assert_null(strstr(second + 1, "longer than"));
	session_free(s);
}

/* ---- 5. a failed verdict stays pending and can be retried ---- */

static void test_failed_verdict_retry(void **state)
{
	struct shielded *f = *state;
	struct session *s = session_start(f, NAME);
	long long id = refuse_pending(f, s, H_OTHER_IP, H_TCP_PORT, "");
	/* live.allowed cannot be replaced while a directory stands in its place. */
	char *path = ts_xasprintf("%s/live.allowed", f->state_dir);
	char *saved = ts_xasprintf("%s/live.allowed.saved", f->state_dir);
	bool had_file = rename(path, saved) == 0;
	assert_int_equal(mkdir(path, 0700), 0);
	double t0 = harness_now_ms();
	send_verdict(s, id, "accept");
	expect_applied(s, t0, id, H_OTHER_IP, "accept", false);
	expect_stderr(s, "still pending");
	assert_refused(f, H_OTHER_IP, H_TCP_PORT);
	assert_false(set_has(f, "allow_v4", H_OTHER_IP));
	assert_false(audit_has(f->state_dir, "allowed", H_OTHER_IP));
	/* Still the same entry: a new connection asks nothing new. */
	long long other = refuse_pending(f, s, H_DOMAIN_OTHER_IP, H_TCP_PORT, "");
	assert_int_equal(other, id + 1);
	/* Repaired, the same verdict is retried and works. */
	assert_int_equal(rmdir(path), 0);
	if (had_file)
		assert_int_equal(rename(saved, path), 0);
	t0 = harness_now_ms();
	send_verdict(s, id, "accept");
	expect_applied(s, t0, id, H_OTHER_IP, "accept", true);
	assert_reachable(f, H_OTHER_IP);
	assert_true(file_has_line(f->state_dir, "live.allowed", H_OTHER_IP));
	assert_true(audit_has(f->state_dir, "allowed", H_OTHER_IP));
	/* A failed deny likewise (deny.list a directory), then retried. */
	char *deny = ts_xasprintf("%s/deny.list", f->state_dir);
	char *deny_saved = ts_xasprintf("%s/deny.list.saved", f->state_dir);
	had_file = rename(deny, deny_saved) == 0;
	assert_int_equal(mkdir(deny, 0700), 0);
	t0 = harness_now_ms();
	send_verdict(s, other, "deny");
	expect_applied(s, t0, other, H_DOMAIN_OTHER_IP, "deny", false);
	assert_false(set_has(f, "deny_v4", H_DOMAIN_OTHER_IP));
	assert_int_equal(rmdir(deny), 0);
	if (had_file)
		assert_int_equal(rename(deny_saved, deny), 0);
	t0 = harness_now_ms();
	send_verdict(s, other, "deny");
	expect_applied(s, t0, other, H_DOMAIN_OTHER_IP, "deny", true);
	assert_true(set_has(f, "deny_v4", H_DOMAIN_OTHER_IP));
	assert_true(file_has_line(f->state_dir, "deny.list", H_DOMAIN_OTHER_IP));
	/*
	 * The files read fine but cannot be replaced (the bundle directory
	 * immutable): the change fails while being saved. Still ok:false and
	 * pending; retried once the directory is writable again.
	 */
	long long third = refuse_pending(f, s, H_ROGUE_DNS, H_TCP_PORT, "");
	set_immutable(f->state_dir, true);
	t0 = harness_now_ms();
	send_verdict(s, third, "accept");
	expect_applied(s, t0, third, H_ROGUE_DNS, "accept", false);
	expect_stderr(s, "still pending");
	/* Not saved, so not applied either: the sets still agree with the files. */
	expect_stderr(s, "was left as it was");
	assert_false(set_has(f, "allow_v4", H_ROGUE_DNS));
	set_immutable(f->state_dir, false);
	assert_false(file_has_line(f->state_dir, "live.allowed", H_ROGUE_DNS));
	t0 = harness_now_ms();
	send_verdict(s, third, "accept");
	expect_applied(s, t0, third, H_ROGUE_DNS, "accept", true);
	assert_true(file_has_line(f->state_dir, "live.allowed", H_ROGUE_DNS));
	assert_true(set_has(f, "allow_v4", H_ROGUE_DNS));
	assert_reachable(f, H_ROGUE_DNS);
	expect_quiet(s);
	free(path);
	free(saved);
	free(deny);
	free(deny_saved);
	session_free(s);
}

/* ---- 6. ending: EOF, SIGINT, SIGTERM ---- */

static void test_eof(void **state)
{
	struct shielded *f = *state;
	struct session *s = session_start(f, NAME);
	close(s->io->r.in_fd);
	s->io->r.in_fd = -1;
	expect_exit0(s, harness_now_ms(), "EOF (idle)");
	session_free(s);
	/* A last line without its newline still counts, with an entry pending too. */
	s = session_start(f, NAME);
	long long id = refuse_pending(f, s, H_OTHER_IP, H_TCP_PORT, "");
	refuse_pending(f, s, H_DOMAIN_OTHER_IP, H_TCP_PORT, "");
	char line[128];
	snprintf(line, sizeof(line), "{\"type\":\"verdict\",\"id\":%lld,\"action\":\"accept\"}", id);
	send_line(s, line);
	double t0 = harness_now_ms();
	close(s->io->r.in_fd);
	s->io->r.in_fd = -1;
	expect_applied(s, t0, id, H_OTHER_IP, "accept", true);
	expect_exit0(s, t0, "EOF (one pending)");
	assert_reachable(f, H_OTHER_IP);
	assert_refused(f, H_DOMAIN_OTHER_IP, H_TCP_PORT);
	session_free(s);
}

/*
 * A new session right after one that applied a verdict and ended: the
 * NFLOG group must be free at once (an operator restarts the command; a
 * program reconnects). Each round uses an address of its own, added to
 * the world, so it starts refused.
 */
#define RESTARTS 12

static void test_restart_after_verdict(void **state)
{
	struct shielded *f = *state;
	char addrs[RESTARTS][32];
	for (int i = 0; i < RESTARTS; i++) {
		snprintf(addrs[i], sizeof(addrs[i]), "198.51.100.%d", 101 + i);
		char cidr[40];
		snprintf(cidr, sizeof(cidr), "%s/32", addrs[i]);
		const char *add[] = { "ip", "addr", "add", cidr, "dev", "lo", NULL };
		assert_int_equal(harness_ns_run(f->h.world, add), 0);
	}
	struct session *s = session_start(f, NAME);
	for (int i = 0; i < RESTARTS; i++) {
		long long id = refuse_pending(f, s, addrs[i], H_TCP_PORT, "");
		double t0 = harness_now_ms();
		send_verdict(s, id, i % 2 ? "deny" : "accept");
		expect_applied(s, t0, id, addrs[i], i % 2 ? "deny" : "accept", true);
		close(s->io->r.in_fd);
		s->io->r.in_fd = -1;
		unsigned portid = shielded_nflog_portid(f);
		expect_exit0(s, t0, "EOF after a verdict");
		session_free(s);
		/* At once: no waiting for anything to let go of the group. */
		const char *args[] = { "interactive", NAME, "--raw", NULL };
		s = calloc(1, sizeof(*s));
		s->err = (struct ts_strbuf)TS_STRBUF_INIT;
		s->io = cli_stream_start(f, true, args);
		remember((void **)open_sessions, s);
		if (!wait_bound(f, s->io->r.pid, portid)) {
			char *t = cli_stream_transcript(s->io);
			fail_msg("round %d: a session started right after the previous one ended "
				 "(after a verdict) did not bind NFLOG group 100: %s", i, t);
		}
	}
	session_free(s);
	/* Every verdict held. */
	for (int i = 0; i < RESTARTS; i++)
		assert_true(file_has_line(f->state_dir, i % 2 ? "deny.list" : "live.allowed", addrs[i]));
}

static void stop_with(struct shielded *f, int sig, bool with_pending)
{
	struct session *s = session_start(f, NAME);
	if (with_pending)
		refuse_pending(f, s, H_OTHER_IP, H_TCP_PORT, "");
	double t0 = harness_now_ms();
	assert_int_equal(kill(s->io->r.pid, sig), 0);
	char why[64];
	snprintf(why, sizeof(why), "%s%s", sig == SIGINT ? "SIGINT" : "SIGTERM",
		 with_pending ? " (one pending)" : " (idle)");
	expect_exit0(s, t0, why);
	session_free(s);
}

static void test_signals(void **state)
{
	struct shielded *f = *state;
	stop_with(f, SIGINT, false);
	stop_with(f, SIGTERM, false);
	stop_with(f, SIGINT, true);
	stop_with(f, SIGTERM, true);
	/* Nothing was decided by stopping. */
	assert_refused(f, H_OTHER_IP, H_TCP_PORT);
	assert_false(file_has_line(f->state_dir, "deny.list", H_OTHER_IP));
}

/* Whoever reads the session's output goes away: it ends with the next line it prints. */
static void test_reader_gone(void **state)
{
	struct shielded *f = *state;
	struct session *s = session_start(f, NAME);
	close(s->io->r.out_fd);
	s->io->r.out_fd = -1;
	double t0 = harness_now_ms();
	assert_refused(f, H_OTHER_IP, H_TCP_PORT);
	if (!cli_run_reap(&s->io->r, t0 + LATE_MS))
		fail_msg("the session still runs %d ms after its stdout reader went away", LATE_MS);
	fprintf(stderr, "# reader gone: exit %d after %.1f ms\n", s->io->r.status,
		harness_now_ms() - t0);
	assert_int_equal(s->io->r.status, 0);
	assert_true(harness_now_ms() - t0 <= STOP_MS);
	/* Nothing was decided. */
	assert_refused(f, H_OTHER_IP, H_TCP_PORT);
	assert_false(file_has_line(f->state_dir, "deny.list", H_OTHER_IP));
	session_free(s);
}

/* The container stops: the session ends by itself, exit 0. */
static void test_container_stops(void **state)
{
	struct shielded *f = *state;
	struct session *s = session_start(f, NAME);
	double t0 = harness_now_ms();
	kill(f->h.container, SIGKILL);
	waitpid(f->h.container, NULL, 0);
	f->h.container = -1;
	expect_exit0(s, t0, "container stopped");
	expect_stderr(s, "stopped");
	session_free(s);
}

/* ---- 7. refusals and usage ---- */

/* A prepared interactive container whose process ran once and has exited. */

/* The CLI exits code with one "terok-shield: " line containing needle, nothing on stdout. */
static void expect_refusal(struct shielded *f, int code, const char *needle, const char *a1,
			   const char *a2, const char *a3)
{
	struct cli_run r;
	double t0 = harness_now_ms();
	int rc = shielded_cli(f, &r, "interactive", a1, a2, a3, (const char *)NULL);
	if (rc != code)
		fail_msg("interactive %s %s: exit %d, expected %d (stderr: %s)", a1 ? a1 : "",
			 a2 ? a2 : "", rc, code, r.err);
	assert_true(harness_now_ms() - t0 < 2000);
	if (!ts_startswith(r.err, "terok-shield: ") || (needle && !strstr(r.err, needle)))
		fail_msg("interactive %s: stderr '%s' (expected 'terok-shield: …%s…')",
			 a1 ? a1 : "", r.err, needle ? needle : "");
	assert_string_equal(r.out, "");
	cli_run_clear(&r);
}

static void test_not_interactive(void **state)
{
	struct shielded *f = *state;
	expect_refusal(f, 1, "not interactive", NAME, "--raw", NULL);
	expect_refusal(f, 1, "not interactive", NAME, NULL, NULL);
	assert_false(nflog_bound(f));
}

static void test_refusals(void **state)
{
	struct shielded *f = *state;
	char *dir = shielded_gone(f, GONE, true);
	expect_refusal(f, 1, "not running", GONE, "--raw", NULL);
	free(dir);
	expect_refusal(f, 1, "nosuch", "nosuch", "--raw", NULL);
	char *missing = ts_xasprintf("%s/containers/nosuch", f->h.state_root);
	struct stat st;
	assert_int_equal(lstat(missing, &st), -1);
	free(missing);
	expect_refusal(f, 1, NULL, "../" NAME, NULL, NULL);
	/* Usage errors: exit 2. */
	expect_refusal(f, 2, NULL, NULL, NULL, NULL);
	expect_refusal(f, 2, NULL, NAME, "extra", NULL);
	expect_refusal(f, 2, NULL, NAME, "--bogus", NULL);
	expect_refusal(f, 2, NULL, "--raw", NULL, NULL);
	struct cli_run r;
	assert_int_equal(shielded_cli(f, &r, "interactive", "--help", (const char *)NULL), 0);
	assert_non_null(strstr(r.out, "interactive NAME"));
	assert_non_null(strstr(r.out, "--raw"));
	cli_run_clear(&r);
	/* A second session of the same container while one runs: refused, the first unharmed. */
	struct session *s = session_start(f, NAME);
	expect_refusal(f, 1, "NFLOG", NAME, "--raw", NULL);
	long long id = refuse_pending(f, s, H_OTHER_IP, H_TCP_PORT, "");
	double t0 = harness_now_ms();
	send_verdict(s, id, "accept");
	expect_applied(s, t0, id, H_OTHER_IP, "accept", true);
	session_free(s);
}

/* ---- 8. IPv6, and housekeeping that never asks ---- */

/* An IPv6 address and a default route on the container's eth0. */
static void container_ipv6(struct shielded *f)
{
	const char *const setup6[][10] = {
		{ "ip", "-6", "addr", "add", C_ADDR6 "/64", "dev", "eth0", "nodad", NULL },
		{ "ip", "-6", "route", "add", "default", "dev", "eth0", NULL },
	};
	for (size_t i = 0; i < ARRAY_SIZE(setup6); i++)
		assert_int_equal(harness_ns_run(f->h.container, setup6[i]), 0);
}

static void test_ipv6_housekeeping(void **state)
{
	struct shielded *f = *state;
	container_ipv6(f);
	struct session *s = session_start(f, NAME);
	/* Link-local multicast reaches the QUEUED rule (counted) but never becomes a question. */
	long before = queued_count(f);
	send_udp6(f, "ff02::1", 9);
	send_udp6(f, "ff02::16", 9);
	send_udp6(f, "ff02::2", 9);
	long after = queued_count(f);
	fprintf(stderr, "# QUEUED rule counted %ld packets for 3 sent to ff02::\n", after - before);
	assert_true(after - before >= 3);
	/* The next line is the IPv6 destination's pending, so none came for ff02::. */
	double t0 = harness_now_ms();
	syn6(f, OTHER_IP6, 443);
	long long id = expect_pending(s, t0, OTHER_IP6, 443, IPPROTO_TCP, "");
	t0 = harness_now_ms();
	send_verdict(s, id, "deny");
	expect_applied(s, t0, id, OTHER_IP6, "deny", true);
	assert_true(set_has(f, "deny_v6", OTHER_IP6));
	assert_true(file_has_line(f->state_dir, "deny.list", OTHER_IP6));
	/* More housekeeping after the deny: still nothing. */
	send_udp6(f, "ff02::1", 9);
	expect_quiet(s);
	session_free(s);
}

/*
 * One ICMPv6 neighbour-discovery message (RFC 4861: router solicitation
 * 133, neighbour solicitation 135, advertisement 136) from the container's
 * address to dest on eth0, with this hop limit. Returns 0 when the output
 * chain let it out, EPERM when it refused it; either way it met the chain.
 */
static int send_nd(struct shielded *f, const char *dest, uint8_t type, int hops)
{
	struct sockaddr_in6 from = { .sin6_family = AF_INET6 };
	struct sockaddr_in6 to = { .sin6_family = AF_INET6 };
	assert_int_equal(inet_pton(AF_INET6, C_ADDR6, &from.sin6_addr), 1);
	assert_int_equal(inet_pton(AF_INET6, dest, &to.sin6_addr), 1);
	enter_container(f);
	to.sin6_scope_id = if_nametoindex("eth0");
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	leave_container(f);
	assert_true(fd >= 0 && to.sin6_scope_id > 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&from, sizeof(from)), 0);
	assert_int_equal(setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops, sizeof(hops)), 0);
	/* Type, code, checksum (the kernel's), 4 reserved or flag bytes, the target. */
	uint8_t msg[24] = { type };
	memcpy(msg + 8, &to.sin6_addr, 16);
	size_t len = type == 133 ? 8 : sizeof(msg);
	ssize_t n = sendto(fd, msg, len, 0, (struct sockaddr *)&to, sizeof(to));
	int e = n < 0 ? errno : 0;
	close(fd);
	if (e != 0 && e != EPERM)
		fail_msg("ND type %u to %s: %s (it never met the output chain)", type, dest, strerror(e));
	return e;
}

/*
 * A private IPv6 destination (fc00::/7) is asked about, marked private;
 * neighbour discovery to a link-local address (fe80::/10, a private range)
 * never is, whether the ruleset lets it out (hop limit 255) or refuses it.
 */
static void test_ipv6_private_nd(void **state)
{
	struct shielded *f = *state;
	container_ipv6(f);
	struct session *s = session_start(f, NAME);
	static const uint8_t types[] = { 133, 135, 136 };
	static const int hops[] = { 255, 64 };
	for (size_t i = 0; i < ARRAY_SIZE(types); i++)
		for (size_t j = 0; j < ARRAY_SIZE(hops); j++) {
			int e = send_nd(f, "fe80::1", types[i], hops[j]);
			fprintf(stderr, "# ND type %u hop limit %d to fe80::1: %s\n", types[i], hops[j],
				e ? "refused" : "let out");
		}
	/* The next line is the ULA destination's pending: none came for the ND messages. */
	double t0 = harness_now_ms();
	syn6(f, "fd00:db8::7", 443);
	long long id = expect_pending_as(s, t0, "fd00:db8::7", 443, IPPROTO_TCP, "", true);
	t0 = harness_now_ms();
	send_verdict(s, id, "deny");
	expect_applied(s, t0, id, "fd00:db8::7", "deny", true);
	assert_true(set_has(f, "deny_v6", "fd00:db8::7"));
	assert_true(file_has_line(f->state_dir, "deny.list", "fd00:db8::7"));
	send_nd(f, "fe80::1", 135, 64);
	expect_quiet(s);
	session_free(s);
}

/* ---- 9. dnsmasq tier: domains ---- */

/* Query name through the container's dnsmasq; its one address must be ip. */
static void resolve_in_container(struct shielded *f, const char *name, const char *ip)
{
	char ips[4][16];
	assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", name, ips, 4), 1);
	assert_string_equal(ips[0], ip);
}

static void test_domain_raw(void **state)
{
	struct shielded *f = *state;
	struct session *s = session_start(f, NAME);
	resolve_in_container(f, H_DOMAIN_OTHER, H_DOMAIN_OTHER_IP);
	long long id = refuse_pending(f, s, H_DOMAIN_OTHER_IP, H_TCP_PORT, H_DOMAIN_OTHER);
	/* Deduplicated by domain: another port of it asks nothing new. */
	assert_refused(f, H_DOMAIN_OTHER_IP, 443);
	long long other = refuse_pending(f, s, H_OTHER_IP, H_TCP_PORT, "");
	assert_int_equal(other, id + 1);
	double t0 = harness_now_ms();
	send_verdict(s, id, "deny");
	expect_applied(s, t0, id, H_DOMAIN_OTHER_IP, "deny", true);
	fprintf(stderr, "# domain deny: verdict_applied after %.1f ms\n", harness_now_ms() - t0);
	assert_true(file_has_line(f->state_dir, "denied.domains", H_DOMAIN_OTHER));
	assert_true(file_has_line(f->state_dir, "deny.list", H_DOMAIN_OTHER_IP));
	assert_true(set_has(f, "deny_v4", H_DOMAIN_OTHER_IP));
	assert_true(audit_has(f->state_dir, "denied", H_DOMAIN_OTHER));
	resolve_in_container(f, H_DOMAIN_OTHER, H_DOMAIN_OTHER_IP);
	assert_refused(f, H_DOMAIN_OTHER_IP, H_TCP_PORT);
	expect_quiet(s);
	session_free(s);
}

/*
 * The container's dnsmasq died: a verdict on a named entry cannot reload
 * it. ok:false with the reason, still pending; once the hook has started
 * a new dnsmasq, the retry works.
 */
static void test_domain_dnsmasq_dead(void **state)
{
	struct shielded *f = *state;
	struct session *s = session_start(f, NAME);
	resolve_in_container(f, H_DOMAIN_OTHER, H_DOMAIN_OTHER_IP);
	long long id = refuse_pending(f, s, H_DOMAIN_OTHER_IP, H_TCP_PORT, H_DOMAIN_OTHER);
	pid_t dns;
	assert_int_equal(ts_dnsmasq_pid(f->state_dir, &dns, NULL), 0);
	kill(dns, SIGKILL);
	for (int i = 0; i < 200 && kill(dns, 0) == 0; i++)
		usleep(10000);
	double t0 = harness_now_ms();
	send_verdict(s, id, "accept");
	expect_applied(s, t0, id, H_DOMAIN_OTHER_IP, "accept", false);
	expect_stderr(s, "still pending");
	expect_stderr(s, "DNS is broken");
	fprintf(stderr, "# dead dnsmasq: %s# and the address is %s the allow set\n",
		sb_str(&s->err), set_has(f, "allow_v4", H_DOMAIN_OTHER_IP) ? "in" : "not in");
	assert_int_equal(shielded_hook(f), 0);
	t0 = harness_now_ms();
	send_verdict(s, id, "accept");
	expect_applied(s, t0, id, H_DOMAIN_OTHER_IP, "accept", true);
	assert_true(file_has_line(f->state_dir, "live.domains", H_DOMAIN_OTHER));
	assert_reachable(f, H_DOMAIN_OTHER_IP);
	resolve_in_container(f, H_DOMAIN_OTHER, H_DOMAIN_OTHER_IP);
	assert_true(set_has(f, "dns_v4", H_DOMAIN_OTHER_IP));
	expect_quiet(s);
	session_free(s);
}

/* ---- 10. human mode in a pseudo-terminal ---- */

struct tty {
	pid_t pid;
	int master;
	struct ts_strbuf out; /* everything the terminal showed */
	size_t seen;
	int status;
};

static struct tty *tty_start(struct shielded *f)
{
	assert_false(nflog_bound(f));
	const char *cli = getenv("TS_TEST_CLI");
	struct tty *t = calloc(1, sizeof(*t));
	t->out = (struct ts_strbuf)TS_STRBUF_INIT;
	t->status = -1;
	struct winsize ws = { .ws_row = 40, .ws_col = 200 };
	fflush(NULL);
	t->pid = forkpty(&t->master, NULL, NULL, &ws);
	assert_true(t->pid >= 0);
	if (t->pid > 0)
		remember((void **)open_ttys, t);
	if (t->pid == 0) {
		const char *argv[] = { "terok-shield", "--state-dir", f->h.state_root, "interactive",
				       NAME, NULL };
		execve(cli, (char *const *)argv, f->env);
		_exit(127);
	}
	fcntl(t->master, F_SETFL, O_NONBLOCK);
	if (!wait_bound(f, t->pid, 0))
		fail_msg("the human session did not bind NFLOG group 100 within %d ms", READY_MS);
	return t;
}

/* Read what the terminal shows until deadline (or until it closes). */
static void tty_read(struct tty *t, double deadline_ms, const char *until)
{
	for (;;) {
		if (until && strstr(sb_str(&t->out) + t->seen, until))
			return;
		char buf[4096];
		ssize_t n = read(t->master, buf, sizeof(buf));
		if (n > 0) {
			ts_strbuf_append(&t->out, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return; /* EIO: the other side is closed */
		int left = (int)(deadline_ms - harness_now_ms());
		if (left <= 0)
			return;
		struct pollfd p = { .fd = t->master, .events = POLLIN };
		poll(&p, 1, left);
	}
}

/* The terminal shows text (after what earlier expectations consumed) within EVENT_MS. */
static void tty_expect(struct tty *t, double since_ms, const char *text)
{
	tty_read(t, since_ms + LATE_MS, text);
	const char *all = sb_str(&t->out);
	const char *hit = strstr(all + t->seen, text);
	if (!hit)
		fail_msg("the terminal never showed '%s'; it showed: '%s'", text, all + t->seen);
	double ms = harness_now_ms() - since_ms;
	if (ms > EVENT_MS)
		fail_msg("'%s' came %.0f ms after its cause (limit %d ms)", text, ms, EVENT_MS);
	t->seen = (size_t)(hit - all) + strlen(text);
}

static void tty_send(struct tty *t, const char *text)
{
	size_t len = strlen(text);
	assert_int_equal(write(t->master, text, len), (ssize_t)len);
}

/* The process ends with status 0 within STOP_MS of since_ms. */
static void tty_expect_exit0(struct tty *t, double since_ms, const char *why)
{
	int status;
	pid_t got = 0;
	while ((got = waitpid(t->pid, &status, WNOHANG)) == 0 && harness_now_ms() < since_ms + LATE_MS) {
		tty_read(t, harness_now_ms() + 5, NULL); /* keep the terminal drained */
	}
	double took = harness_now_ms() - since_ms;
	if (got != t->pid)
		fail_msg("the human session did not end within %d ms of %s; it showed '%s'", LATE_MS,
			 why, sb_str(&t->out));
	t->pid = -1;
	t->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	fprintf(stderr, "# human mode, %s: exit %d after %.1f ms\n", why, t->status, took);
	if (t->status != 0)
		fail_msg("the human session exited %d on %s; it showed '%s'", t->status, why,
			 sb_str(&t->out));
	assert_true(took <= STOP_MS);
}

static void tty_free(struct tty *t)
{
	forget((void **)open_ttys, t);
	if (t->pid > 0) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
	}
	close(t->master);
	ts_strbuf_clear(&t->out);
	free(t);
}

static void test_human_domain(void **state)
{
	struct shielded *f = *state;
	pid_t dns_before, dns_after;
	assert_int_equal(ts_dnsmasq_pid(f->state_dir, &dns_before, NULL), 0);
	struct tty *t = tty_start(f);
	double t0 = harness_now_ms();
	tty_expect(t, t0, "Questions about " NAME);
	resolve_in_container(f, H_DOMAIN_OTHER, H_DOMAIN_OTHER_IP);
	t0 = harness_now_ms();
	assert_refused(f, H_DOMAIN_OTHER_IP, H_TCP_PORT);
	/* The prompt, without a newline after it. */
	tty_expect(t, t0, "[BLOCKED] " H_DOMAIN_OTHER_IP " (" H_DOMAIN_OTHER ") :80 — allow/deny? ");
	tty_read(t, harness_now_ms() + QUIET_MS, NULL);
	assert_string_equal(sb_str(&t->out) + t->seen, "");
	/* A second destination waits behind the first; the prompt stays on the oldest. */
	assert_refused(f, H_OTHER_IP, 443);
	tty_read(t, harness_now_ms() + QUIET_MS, NULL);
	assert_string_equal(sb_str(&t->out) + t->seen, "");
	/* Something that is no answer: told what to answer, asked again. */
	t0 = harness_now_ms();
	tty_send(t, "maybe\n");
	tty_expect(t, t0, "Answer a (allow; a port, a 30m, a port 30m) or d (deny).");
	tty_expect(t, t0, "[BLOCKED] " H_DOMAIN_OTHER_IP " (" H_DOMAIN_OTHER ") :80 — allow/deny? ");
	/* A capital A allows, domain and all; then the next question comes. */
	t0 = harness_now_ms();
	tty_send(t, "A\n");
	tty_expect(t, t0, "✓ allowed " H_DOMAIN_OTHER_IP " (" H_DOMAIN_OTHER ") :80");
	tty_expect(t, t0, "[BLOCKED] " H_OTHER_IP " :443 — allow/deny? ");
	fprintf(stderr, "# human allow (dnsmasq reload included) after %.0f ms\n",
		harness_now_ms() - t0);
	assert_true(file_has_line(f->state_dir, "live.domains", H_DOMAIN_OTHER));
	assert_true(file_has_line(f->state_dir, "live.allowed", H_DOMAIN_OTHER_IP));
	assert_reachable(f, H_DOMAIN_OTHER_IP);
	assert_true(audit_has(f->state_dir, "allowed", H_DOMAIN_OTHER));
	/* dnsmasq was restarted with the domain, and feeds its answers into the dns set. */
	char *conf = read_text(f->state_dir, "dnsmasq.conf");
	assert_non_null(strstr(conf, "/" H_DOMAIN_OTHER "/"));
	free(conf);
	assert_int_equal(ts_dnsmasq_pid(f->state_dir, &dns_after, NULL), 0);
	assert_int_not_equal(dns_before, dns_after);
	resolve_in_container(f, H_DOMAIN_OTHER, H_DOMAIN_OTHER_IP);
	assert_true(set_has(f, "dns_v4", H_DOMAIN_OTHER_IP));
	/* A deny that fails (deny.list a directory): said so, and asked again. */
	char *deny = ts_xasprintf("%s/deny.list", f->state_dir);
	char *deny_saved = ts_xasprintf("%s/deny.list.saved", f->state_dir);
	bool had_file = rename(deny, deny_saved) == 0;
	assert_int_equal(mkdir(deny, 0700), 0);
	t0 = harness_now_ms();
	tty_send(t, "deny\n");
	tty_expect(t, t0, "terok-shield: could not deny " H_OTHER_IP " :443: ");
	tty_expect(t, t0, "[BLOCKED] " H_OTHER_IP " :443 — allow/deny? ");
	assert_false(set_has(f, "deny_v4", H_OTHER_IP));
	assert_int_equal(rmdir(deny), 0);
	if (had_file)
		assert_int_equal(rename(deny_saved, deny), 0);
	free(deny);
	free(deny_saved);
	/* d denies. */
	t0 = harness_now_ms();
	tty_send(t, "d\n");
	tty_expect(t, t0, "✗ denied " H_OTHER_IP " :443");
	assert_true(set_has(f, "deny_v4", H_OTHER_IP));
	assert_true(file_has_line(f->state_dir, "deny.list", H_OTHER_IP));
	assert_true(audit_has(f->state_dir, "denied", H_OTHER_IP));
	/* Nothing waits now. */
	t0 = harness_now_ms();
	tty_send(t, "a\n");
	tty_expect(t, t0, "Nothing is waiting for an answer.");
	/* Ctrl-C on the terminal ends it with 0. */
	t0 = harness_now_ms();
	tty_send(t, "\x03");
	tty_expect_exit0(t, t0, "Ctrl-C");
	tty_free(t);
	/* Ctrl-D (end of input) with a question on screen ends it with 0 too. */
	t = tty_start(f);
	t0 = harness_now_ms();
	assert_refused(f, H_ROGUE_DNS, H_TCP_PORT);
	tty_expect(t, t0, "[BLOCKED] " H_ROGUE_DNS " :80 — allow/deny? ");
	t0 = harness_now_ms();
	tty_send(t, "\x04");
	tty_expect_exit0(t, t0, "Ctrl-D");
	tty_free(t);
	assert_false(file_has_line(f->state_dir, "deny.list", H_ROGUE_DNS));
	assert_false(file_has_line(f->state_dir, "live.allowed", H_ROGUE_DNS));
}

/* "a port 30m": only the refused port, for half an hour. */
static void test_human_scoped(void **state)
{
	struct shielded *f = *state;
	struct tty *t = tty_start(f);
	double t0 = harness_now_ms();
	tty_expect(t, t0, "Questions about " NAME);
	t0 = harness_now_ms();
	assert_refused(f, H_OTHER_IP, H_TCP_PORT);
	tty_expect(t, t0, "[BLOCKED] " H_OTHER_IP " :80 — allow/deny? ");
	t0 = harness_now_ms();
	tty_send(t, "a port 30m\n");
	tty_expect(t, t0, "✓ allowed " H_OTHER_IP " :80 (port 80/tcp, for 30m)");
	assert_reachable(f, H_OTHER_IP);
	char *scoped = read_text(f->state_dir, "live.scoped");
	if (!scoped || !strstr(scoped, H_OTHER_IP " tcp 80 "))
		fail_msg("live.scoped: %s", scoped ? scoped : "(none)");
	free(scoped);
	assert_false(file_has_line(f->state_dir, "live.allowed", H_OTHER_IP));
	t0 = harness_now_ms();
	tty_send(t, "\x03");
	tty_expect_exit0(t, t0, "Ctrl-C");
	tty_free(t);
}

/* A private destination's prompt and confirmations say so. */
static void test_human_private(void **state)
{
	struct shielded *f = *state;
	struct tty *t = tty_start(f);
	double t0 = harness_now_ms();
	tty_expect(t, t0, "Questions about " NAME);
	t0 = harness_now_ms();
	assert_refused(f, H_PRIVATE_IP, H_TCP_PORT);
	tty_expect(t, t0, "[BLOCKED] " H_PRIVATE_IP " :80 (private) — allow/deny? ");
	/* A private address no packet leaves the container for waits behind it. */
	assert_refused(f, "192.168.200.7", 443);
	tty_read(t, harness_now_ms() + QUIET_MS, NULL);
	assert_string_equal(sb_str(&t->out) + t->seen, "");
	t0 = harness_now_ms();
	tty_send(t, "a\n");
	tty_expect(t, t0, "✓ allowed " H_PRIVATE_IP " :80 (private)");
	tty_expect(t, t0, "[BLOCKED] 192.168.200.7 :443 (private) — allow/deny? ");
	assert_reachable(f, H_PRIVATE_IP);
	assert_true(file_has_line(f->state_dir, "live.allowed", H_PRIVATE_IP));
	t0 = harness_now_ms();
	tty_send(t, "d\n");
	tty_expect(t, t0, "✗ denied 192.168.200.7 :443 (private)");
	assert_true(set_has(f, "deny_v4", "192.168.200.7"));
	assert_true(file_has_line(f->state_dir, "deny.list", "192.168.200.7"));
	assert_refused(f, "192.168.200.7", 443);
	t0 = harness_now_ms();
	tty_send(t, "\x03");
	tty_expect_exit0(t, t0, "Ctrl-C");
	tty_free(t);
}

#define WITH(test, setup_fn) cmocka_unit_test_setup_teardown(test, setup_fn, teardown)

int main(void)
{
	if (!shielded_suite_runnable())
		return 0;
	const struct CMUnitTest tests[] = {
		WITH(test_pending_dedup, setup_interactive),
		WITH(test_pending_limit, setup_interactive),
		WITH(test_accept, setup_interactive),
		WITH(test_accept_scoped, setup_interactive),
		WITH(test_deny, setup_interactive),
		WITH(test_audit_unwritable, setup_interactive),
		WITH(test_private_accept, setup_interactive),
		WITH(test_private_deny, setup_interactive),
		WITH(test_bad_input, setup_interactive),
		WITH(test_oversized_line, setup_interactive),
		WITH(test_failed_verdict_retry, setup_interactive),
		WITH(test_eof, setup_interactive),
		WITH(test_restart_after_verdict, setup_interactive),
		WITH(test_signals, setup_interactive),
		WITH(test_reader_gone, setup_interactive),
		WITH(test_container_stops, setup_interactive),
		WITH(test_not_interactive, setup_plain),
		WITH(test_refusals, setup_interactive),
		WITH(test_ipv6_housekeeping, setup_interactive),
		WITH(test_ipv6_private_nd, setup_interactive),
		WITH(test_domain_raw, setup_dnsmasq),
		WITH(test_domain_dnsmasq_dead, setup_dnsmasq),
		WITH(test_human_domain, setup_dnsmasq),
		WITH(test_human_private, setup_interactive),
		WITH(test_human_scoped, setup_interactive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
