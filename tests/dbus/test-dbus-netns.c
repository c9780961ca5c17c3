/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root only, end to end: the real `terok-shield dbus-bridge NAME`
 * ($TS_TEST_CLI) on a private dbus-daemon, running the real
 * `interactive NAME --raw` against a harness container shielded with the
 * interactive ruleset (shielded.h). The container connects to a world
 * address its ruleset refuses; the bridge must announce it with
 * ConnectionBlocked (request_id NAME:<id>); busctl answers Verdict; the
 * bridge reports VerdictApplied and the destination becomes reachable (or
 * stays refused after deny), a private destination as well; in the
 * dnsmasq tier the signal carries the domain the container looked up.
 * SIGTERM ends the bridge with exit 0, no session process left and the
 * name released; a second bridge for the same container cannot take the
 * name.
 *
 * Traffic goes only to addresses of the harness's world namespace.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/strv.h"
#include "base/util.h"
#include "container/procid.h"
#include "dbus-test.h"
#include "shielded.h"
#include "shieldtier.h"
#include "test-helpers.h"

#define NAME SHIELDED_NAME
#define PATH "/org/terok/Shield1"
#define IFACE "org.terok.Shield1"
#define READY_MS 5000     /* name taken and NFLOG bound */
#define SIGNAL_MS 3000
#define STOP_MS 6000      /* SIGTERM to exit: the session's SIGTERM is answered at once */


struct fixture {
	struct shielded s;
	struct shieldtier t; /* the shield tier's runtime and upstream (setup_shield only) */
	sd_event *ev;
	sd_bus *client;
	struct ts_strv signals;
	char *bus_name;
	struct cli_run bridge;
	struct ts_strv children_before; /* our children before the bridge started */
};

/* After the container is shielded: the bus client, the bridge's name. */
static int setup_bus(struct fixture *f)
{
	if (sd_event_new(&f->ev) < 0)
		abort();
	f->client = dbus_connect(f->ev);
	dbus_record_signals(f->client, &f->signals);
	/* The hook wrote container.id: the bridge's name follows from it. */
	char *id = read_text(f->s.state_dir, "container.id");
	if (!id)
		return -1;
	f->bus_name = ts_xasprintf("org.terok.Shield1.Container_%s", ts_strip(id));
	free(id);
	f->bridge.pid = -1;
	return 0;
}

static int setup_with(void **state, unsigned variant)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->t.runtime = f->t.upstream = -1;
	*state = f;
	if (shielded_setup(&f->s, variant) < 0)
		return -1;
	return setup_bus(f);
}

/* An interactive container in the shield tier (shieldtier.h). */
static int setup_shield(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	*state = f;
	if (shieldtier_setup(&f->s, &f->t, true) < 0)
		return -1;
	return setup_bus(f);
}

static int setup(void **state)
{
	return setup_with(state, SHIELDED_INTERACTIVE);
}

static int setup_dnsmasq(void **state)
{
	return setup_with(state, SHIELDED_INTERACTIVE | SHIELDED_DNSMASQ);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	if (f->bridge.pid > 0) {
		kill(f->bridge.pid, SIGKILL);
		cli_run_reap(&f->bridge, -1);
	}
	cli_run_clear(&f->bridge);
	if (f->client)
		sd_bus_flush_close_unref(f->client);
	sd_event_unref(f->ev);
	ts_strv_clear(&f->signals);
	ts_strv_clear(&f->children_before);
	free(f->bus_name);
	shieldtier_teardown(&f->s, &f->t);
	free(f);
	return 0;
}

static bool name_has_owner(struct fixture *f, const char *name)
{
	_cleanup_free_ char *out = NULL;
	assert_int_equal(busctl(f->ev, &out, "call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
				"org.freedesktop.DBus", "NameHasOwner", "s", name, NULL), 0);
	return strcmp(out, "b true\n") == 0;
}

/* What the running bridge wrote on stderr so far. */
static char *bridge_stderr(struct fixture *f)
{
	char *text = NULL;
	harness_drain(f->bridge.err_fd, &text, harness_now_ms() + 200);
	return text;
}

/* Our children now (orphans of the bridge's process tree become ours: see main). */
static void our_children(struct ts_strv *out)
{
	char dir[64];
	snprintf(dir, sizeof(dir), "/proc/self/task/%d", (int)getpid());
	_cleanup_free_ char *text = read_text(dir, "children");
	assert_non_null(text);
	char *save = NULL;
	for (char *pid = strtok_r(text, " \n", &save); pid; pid = strtok_r(NULL, " \n", &save))
		ts_strv_push(out, pid);
}

/* Whether a process has bound NFLOG group 100 in the container's namespace. */
static bool nflog_bound(struct fixture *f)
{
	return shielded_nflog_portid(&f->s) != 0;
}

/*
 * Start `dbus-bridge NAME` and wait until it owns its name and its
 * session listens (has bound NFLOG, which it does before it follows the
 * dnsmasq log).
 */
static void bridge_start(struct fixture *f)
{
	assert_false(nflog_bound(f));
	our_children(&f->children_before);
	const char *args[] = { "dbus-bridge", NAME, NULL };
	cli_run_start(&f->s, &f->bridge, false, false, args);
	double deadline = harness_now_ms() + READY_MS;
	while (!name_has_owner(f, f->bus_name) || !nflog_bound(f)) {
		if (harness_now_ms() > deadline || cli_run_reap(&f->bridge, harness_now_ms())) {
			_cleanup_free_ char *errors = bridge_stderr(f);
			fail_msg("dbus-bridge did not take %s and start its session (exit %d): %s",
				 f->bus_name, f->bridge.status, errors ? errors : "");
		}
		dbus_pump(f->ev, 20);
	}
}

struct find_signal {
	struct fixture *f;
	const char *member, *dest;
};

/* The first signal of member for dest, or NULL. */
static const char *find_signal(struct fixture *f, const char *member, const char *dest)
{
	_cleanup_free_ char *prefix = ts_xasprintf(PATH " %s|" NAME "|%s|", member, dest);
	for (size_t i = 0; i < f->signals.n; i++)
		if (ts_startswith(f->signals.items[i], prefix))
			return f->signals.items[i];
	return NULL;
}

static bool found(void *arg)
{
	struct find_signal *w = arg;
	return find_signal(w->f, w->member, w->dest) != NULL;
}

/*
 * Connect from the container to dest:80 (refused) and expect the bridge to
 * announce it with ConnectionBlocked(NAME, dest, 80, 6, domain, NAME:<id>).
 * Returns the request_id.
 */
static char *blocked(struct fixture *f, const char *dest, const char *domain)
{
	int r = harness_connect(&f->s.h, dest, H_TCP_PORT, 3000, NULL);
	if (r != EHOSTUNREACH)
		fail_msg("connect %s: expected EHOSTUNREACH, got %s", dest,
			 r ? strerror(r) : "a connection");
	struct find_signal want = { f, "ConnectionBlocked", dest };
	const char *sig = NULL;
	if (dbus_pump_until(f->ev, found, &want, SIGNAL_MS))
		sig = find_signal(f, "ConnectionBlocked", dest);
	if (!sig) {
		for (size_t i = 0; i < f->signals.n; i++)
			fprintf(stderr, "# signal: %s\n", f->signals.items[i]);
		_cleanup_free_ char *errors = bridge_stderr(f);
		fail_msg("no ConnectionBlocked for %s within %d ms; bridge stderr: %s", dest,
			 SIGNAL_MS, errors ? errors : "");
	}
	/* "PATH ConnectionBlocked|ctest|DEST|80|6|DOMAIN|ctest:N" */
	_cleanup_free_ char *head = ts_xasprintf(PATH " ConnectionBlocked|" NAME "|%s|%d|6|%s|" NAME
						 ":", dest, H_TCP_PORT, domain);
	if (!ts_startswith(sig, head))
		fail_msg("ConnectionBlocked has wrong arguments: %s (expected %s<id>)", sig, head);
	fprintf(stderr, "# %s\n", sig);
	const char *id = sig + strlen(head);
	if (!*id || strspn(id, "0123456789") != strlen(id))
		fail_msg("request_id is not " NAME ":<id>: %s", sig);
	/* Every signal names this container. */
	for (size_t i = 0; i < f->signals.n; i++)
		if (!strstr(f->signals.items[i], "|" NAME "|"))
			fail_msg("a signal for another container: %s", f->signals.items[i]);
	return ts_xasprintf(NAME ":%s", id);
}

struct wait_signal {
	struct fixture *f;
	const char *expected;
};

static bool has_signal(void *arg)
{
	struct wait_signal *w = arg;
	return ts_strv_contains(&w->f->signals, w->expected);
}

static void expect_signal(struct fixture *f, const char *expected)
{
	struct wait_signal w = { f, expected };
	if (!dbus_pump_until(f->ev, has_signal, &w, SIGNAL_MS)) {
		for (size_t i = 0; i < f->signals.n; i++)
			fprintf(stderr, "# signal: %s\n", f->signals.items[i]);
		fail_msg("no signal '%s' within %d ms", expected, SIGNAL_MS);
	}
}

static void expect_verdict(struct fixture *f, const char *request_id, const char *action,
			   bool expected)
{
	_cleanup_free_ char *out = NULL;
	int rc = busctl(f->ev, &out, "call", f->bus_name, PATH, IFACE, "Verdict", "ss", request_id,
			action, NULL);
	if (rc != 0)
		fail_msg("busctl Verdict(%s, %s) exited %d", request_id, action, rc);
	if (strcmp(out, expected ? "b true\n" : "b false\n") != 0)
		fail_msg("Verdict('%s', '%s') answered '%s', expected %s", request_id, action, out,
			 expected ? "true" : "false");
}

/* The session process the bridge runs (its only child). */
static pid_t session_pid(pid_t bridge)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)bridge, (int)bridge);
	char *text = NULL;
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	size_t cap = 0;
	ssize_t n = getline(&text, &cap, fp);
	fclose(fp);
	pid_t pid = n > 0 ? (pid_t)atoi(text) : 0;
	if (n > 0 && strchr(text, ' ') && strchr(text, ' ')[1])
		fail_msg("the bridge runs more than one child: %s", text);
	free(text);
	return pid;
}

/* Whether pid holds a pidfd of target: the dnsmasq watcher, which ends with the container. */
static bool watches(const char *pid, int target)
{
	char dir[64], want[32];
	snprintf(dir, sizeof(dir), "/proc/%s/fdinfo", pid);
	snprintf(want, sizeof(want), "\nPid:\t%d\n", target);
	DIR *d = opendir(dir);
	bool found = false;
	for (struct dirent *e; d && !found && (e = readdir(d));) {
		_cleanup_free_ char *info = e->d_name[0] != '.' ? read_text(dir, e->d_name) : NULL;
		found = info && strstr(info, want);
	}
	if (d)
		closedir(d);
	return found;
}

/*
 * /proc/PID/stat of a running child of ours that was not there before the
 * bridge started, or NULL. The container's dnsmasq (a verdict may restart
 * it) and its watcher are none of the bridge's; exited ones are reaped on
 * the way.
 */
static char *new_live_child(struct fixture *f)
{
	_cleanup_free_ char *dnsmasq = read_text(f->s.state_dir, "dnsmasq.pid");
	_cleanup_strv_ struct ts_strv children = TS_STRV_INIT;
	our_children(&children);
	for (size_t i = 0; i < children.n; i++) {
		const char *pid = children.items[i];
		if (ts_strv_contains(&f->children_before, pid) ||
		    (dnsmasq && (atoi(dnsmasq) == atoi(pid) || watches(pid, atoi(dnsmasq)))))
			continue;
		char dir[64];
		snprintf(dir, sizeof(dir), "/proc/%s", pid);
		char *stat = read_text(dir, "stat");
		const char *state = stat && strrchr(stat, ')') ? strrchr(stat, ')') + 2 : "";
		if (*state != 'Z')
			return stat ? stat : ts_xstrdup(pid);
		/* Not a failure of the bridge, but worth seeing: it ended after its parent. */
		fprintf(stderr, "# note: %.40s ended after its parent\n", stat ? stat : pid);
		free(stat);
		waitpid(atoi(pid), NULL, 0);
	}
	return NULL;
}

/*
 * After the bridge exited: its session is gone (no process with its PID,
 * or a different one), nothing the two started survives (it would have
 * become our child), NFLOG group 100 is free for a new session, and the
 * name is released.
 */
static void bridge_gone(struct fixture *f, pid_t session, unsigned long long session_start)
{
	/* The bridge reaps its session: not even a zombie of it may be left for us. */
	unsigned long long start;
	if (ts_proc_start_time(session, &start, NULL) == 0 && start == session_start)
		fail_msg("the session (PID %d) outlived the bridge", (int)session);
	/* Helpers that ended with it (zombies now ours) are reaped; none may still run. */
	_cleanup_free_ char *survivor = NULL;
	double deadline = harness_now_ms() + 1000;
	do {
		free(TAKE_PTR(survivor));
		survivor = new_live_child(f);
	} while (survivor && harness_now_ms() < deadline && usleep(20000) == 0);
	if (survivor)
		fail_msg("a process outlived the bridge: %s", survivor);
	if (nflog_bound(f))
		fail_msg("NFLOG group 100 is still bound after the bridge exited");
	assert_false(name_has_owner(f, f->bus_name));
}

static void bridge_sigterm(struct fixture *f, pid_t session, unsigned long long session_start)
{
	double t0 = harness_now_ms();
	assert_int_equal(kill(f->bridge.pid, SIGTERM), 0);
	if (!cli_run_reap(&f->bridge, t0 + STOP_MS))
		fail_msg("dbus-bridge did not exit within %d ms of SIGTERM", STOP_MS);
	if (f->bridge.status != 0) {
		_cleanup_free_ char *errors = bridge_stderr(f);
		fail_msg("dbus-bridge exited %d on SIGTERM: %s", f->bridge.status,
			 errors ? errors : "");
	}
	f->bridge.pid = -1;
	bridge_gone(f, session, session_start);
}

static void test_accept(void **state)
{
	struct fixture *f = *state;
	bridge_start(f);
	pid_t session = session_pid(f->bridge.pid);
	assert_true(session > 0);
	unsigned long long session_start = 0;
	assert_int_equal(ts_proc_start_time(session, &session_start, NULL), 0);

	_cleanup_free_ char *rid = blocked(f, H_OTHER_IP, "");
	/* Refused verdicts change nothing. */
	expect_verdict(f, "other:1", "accept", false);
	expect_verdict(f, rid, "allow", false);
	_cleanup_free_ char *not_int = ts_xasprintf("%s.5", rid);
	expect_verdict(f, not_int, "accept", false);
	assert_int_equal(harness_connect(&f->s.h, H_OTHER_IP, H_TCP_PORT, 3000, NULL), EHOSTUNREACH);

	expect_verdict(f, rid, "accept", true);
	_cleanup_free_ char *applied = ts_xasprintf(PATH " VerdictApplied|" NAME "|" H_OTHER_IP
						    "|%s|accept|true", rid);
	expect_signal(f, applied);
	fprintf(stderr, "# %s\n", applied);
	int r = harness_connect(&f->s.h, H_OTHER_IP, H_TCP_PORT, 3000, NULL);
	if (r != 0)
		fail_msg("after accept, connect " H_OTHER_IP ": %s", strerror(r));
	_cleanup_free_ char *live = read_text(f->s.state_dir, "live.allowed");
	assert_non_null(live);
	assert_non_null(strstr(live, H_OTHER_IP "\n"));
	/* Applied: the request is answered. */
	expect_verdict(f, rid, "accept", false);

	/* A second bridge for the container cannot take the name. */
	struct cli_run second;
	int rc = shielded_cli(&f->s, &second, "dbus-bridge", NAME, NULL);
	assert_int_equal(rc, 1);
	_cleanup_free_ char *expected = ts_xasprintf("terok-shield: cannot own %s: another bridge "
						     "serves " NAME "\n", f->bus_name);
	assert_string_equal(second.err, expected);
	cli_run_clear(&second);
	assert_true(name_has_owner(f, f->bus_name));

	bridge_sigterm(f, session, session_start);
}

static void test_deny(void **state)
{
	struct fixture *f = *state;
	bridge_start(f);
	pid_t session = session_pid(f->bridge.pid);
	unsigned long long session_start = 0;
	assert_int_equal(ts_proc_start_time(session, &session_start, NULL), 0);
	_cleanup_free_ char *rid = blocked(f, H_OTHER_IP, "");
	expect_verdict(f, rid, "deny", true);
	_cleanup_free_ char *applied = ts_xasprintf(PATH " VerdictApplied|" NAME "|" H_OTHER_IP
						    "|%s|deny|true", rid);
	expect_signal(f, applied);
	assert_int_equal(harness_connect(&f->s.h, H_OTHER_IP, H_TCP_PORT, 3000, NULL), EHOSTUNREACH);
	_cleanup_free_ char *denied = read_text(f->s.state_dir, "deny.list");
	assert_non_null(denied);
	assert_non_null(strstr(denied, H_OTHER_IP "\n"));
	/* SIGINT ends it the same way. */
	double t0 = harness_now_ms();
	assert_int_equal(kill(f->bridge.pid, SIGINT), 0);
	assert_true(cli_run_reap(&f->bridge, t0 + STOP_MS));
	assert_int_equal(f->bridge.status, 0);
	f->bridge.pid = -1;
	bridge_gone(f, session, session_start);
}

/* dnsmasq tier: the destination carries the name the container looked up. */
static void test_domain(void **state)
{
	struct fixture *f = *state;
	bridge_start(f);
	pid_t session = session_pid(f->bridge.pid);
	unsigned long long session_start = 0;
	assert_int_equal(ts_proc_start_time(session, &session_start, NULL), 0);
	char ips[4][16];
	assert_int_equal(harness_dns_query(&f->s.h, "127.0.0.1", H_DOMAIN_OTHER, ips, 4), 1);
	assert_string_equal(ips[0], H_DOMAIN_OTHER_IP);
	_cleanup_free_ char *rid = blocked(f, H_DOMAIN_OTHER_IP, H_DOMAIN_OTHER);
	expect_verdict(f, rid, "accept", true);
	_cleanup_free_ char *applied = ts_xasprintf(PATH " VerdictApplied|" NAME "|"
						    H_DOMAIN_OTHER_IP "|%s|accept|true", rid);
	expect_signal(f, applied);
	int r = harness_connect(&f->s.h, H_DOMAIN_OTHER_IP, H_TCP_PORT, 3000, NULL);
	if (r != 0)
		fail_msg("after accept, connect " H_DOMAIN_OTHER_IP ": %s", strerror(r));
	_cleanup_free_ char *domains = read_text(f->s.state_dir, "live.domains");
	assert_non_null(domains);
	assert_non_null(strstr(domains, H_DOMAIN_OTHER "\n"));
	bridge_sigterm(f, session, session_start);
}

/*
 * A private destination (refused by a private-range rule, not the
 * terminal one) is announced the same way, the signature unchanged; the
 * session's "private":true key does not upset the bridge. Accept makes it
 * reachable.
 */
static void test_private(void **state)
{
	struct fixture *f = *state;
	bridge_start(f);
	pid_t session = session_pid(f->bridge.pid);
	unsigned long long session_start = 0;
	assert_int_equal(ts_proc_start_time(session, &session_start, NULL), 0);
	_cleanup_free_ char *rid = blocked(f, H_PRIVATE_IP, "");
	expect_verdict(f, rid, "accept", true);
	_cleanup_free_ char *applied = ts_xasprintf(PATH " VerdictApplied|" NAME "|" H_PRIVATE_IP
						    "|%s|accept|true", rid);
	expect_signal(f, applied);
	int r = harness_connect(&f->s.h, H_PRIVATE_IP, H_TCP_PORT, 3000, NULL);
	if (r != 0)
		fail_msg("after accept, connect " H_PRIVATE_IP ": %s", strerror(r));
	_cleanup_free_ char *live = read_text(f->s.state_dir, "live.allowed");
	assert_non_null(live);
	assert_non_null(strstr(live, H_PRIVATE_IP "\n"));
	/* The bridge said nothing about a line it could not read. */
	_cleanup_free_ char *errors = bridge_stderr(f);
	if (errors && *errors)
		fail_msg("dbus-bridge complained: %s", errors);
	bridge_sigterm(f, session, session_start);
}

/*
 * Shield tier: a name nobody decided on is announced as ConnectionBlocked
 * with an empty dest, port 53, proto 17 and the name, while the forwarder
 * holds the query; Verdict accept releases it, and the lookup succeeds.
 */
static void test_dns_name(void **state)
{
	struct fixture *f = *state;
	bridge_start(f);
	pid_t session = session_pid(f->bridge.pid);
	unsigned long long session_start = 0;
	assert_int_equal(ts_proc_start_time(session, &session_start, NULL), 0);
	struct dns_client c;
	dns_client_ask(&f->s, &c, "bus.test", 0x6201);
	shielded_keep(&f->s, c.fd);
	struct find_signal want = { f, "ConnectionBlocked", "" };
	const char *sig = NULL;
	if (dbus_pump_until(f->ev, found, &want, SIGNAL_MS))
		sig = find_signal(f, "ConnectionBlocked", "");
	if (!sig) {
		_cleanup_free_ char *errors = bridge_stderr(f);
		fail_msg("no ConnectionBlocked for the lookup within %d ms; bridge stderr: %s",
			 SIGNAL_MS, errors ? errors : "");
	}
	static const char head[] = PATH " ConnectionBlocked|" NAME "||53|17|bus.test|" NAME ":";
	if (!ts_startswith(sig, head))
		fail_msg("ConnectionBlocked has wrong arguments: %s (expected %s<id>)", sig, head);
	fprintf(stderr, "# %s\n", sig);
	_cleanup_free_ char *rid = ts_xasprintf(NAME ":%s", sig + strlen(head));
	/* Held meanwhile: no answer, nothing upstream. */
	assert_int_equal(dns_client_answer(&c, 200, NULL), -1);
	assert_int_equal(shieldtier_upstream_count(&f->t, "bus.test"), 0);
	expect_verdict(f, rid, "accept", true);
	_cleanup_free_ char *applied = ts_xasprintf(PATH " VerdictApplied|" NAME "||%s|accept|true",
						    rid);
	expect_signal(f, applied);
	assert_int_equal(dns_client_answer(&c, SIGNAL_MS, NULL), 0);
	assert_int_equal(shieldtier_upstream_count(&f->t, "bus.test"), 1);
	_cleanup_free_ char *domains = read_text(f->s.state_dir, "live.domains");
	assert_non_null(domains);
	assert_non_null(strstr(domains, "bus.test\n"));
	bridge_sigterm(f, session, session_start);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	if (!shielded_suite_runnable())
		return 0;
	/* Orphans become ours, so a process the bridge leaves behind cannot hide. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		printf("1..0 # SKIP PR_SET_CHILD_SUBREAPER: %s\n", strerror(errno));
		return 0;
	}
	if (!dbus_suite_start())
		return 0;
	const struct CMUnitTest tests[] = {
		T(test_accept),
		T(test_deny),
		T(test_private),
		cmocka_unit_test_setup_teardown(test_domain, setup_dnsmasq, teardown),
		cmocka_unit_test_setup_teardown(test_dns_name, setup_shield, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, dbus_suite_teardown);
}
