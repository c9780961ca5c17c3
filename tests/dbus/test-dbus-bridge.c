/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The D-Bus bridge (docs/interactive.md) on a private dbus-daemon this test
 * starts, talked to by real clients: busctl for calls and introspection,
 * gdbus for parsing the introspection data, and a second sd-bus
 * connection that records the signals. The interactive session is the
 * edge mock tests/dbus/scripted-session.py, which speaks the JSON lines
 * of docs/interactive.md and is driven through a FIFO; the end-to-end
 * test with the real `interactive` command and real traffic is
 * test-dbus-netns.c.
 *
 * Also runs the `dbus-bridge` command ($TS_TEST_CLI) for what it does
 * before its session matters: a name another connection owns, a missing
 * or invalid container.id, a session that ends by itself, no bus.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/strv.h"
#include "base/util.h"
#include "bridge/bridge.h"
#include "dbus-test.h"
#include "test-helpers.h"

extern char **environ;

#define NAME "ctest"
#define SHORT_ID "0123456789ab"
#define BUS_NAME "org.terok.Shield1.Container_" SHORT_ID
#define PATH "/org/terok/Shield1"
#define IFACE "org.terok.Shield1"
#define SIGNAL_MS 3000
#define MAX_SESSIONS 3

/* docs/interactive.md, verbatim. */
static const char spec_interface[] =
	"<interface name=\"org.terok.Shield1\">\n"
	"  <signal name=\"ConnectionBlocked\">\n"
	"    <arg type=\"s\" name=\"container\"/><arg type=\"s\" name=\"dest\"/>\n"
	"    <arg type=\"q\" name=\"port\"/><arg type=\"q\" name=\"proto\"/>\n"
	"    <arg type=\"s\" name=\"domain\"/><arg type=\"s\" name=\"request_id\"/>\n"
	"  </signal>\n"
	"  <method name=\"Verdict\">\n"
	"    <arg type=\"s\" name=\"request_id\" direction=\"in\"/>\n"
	"    <arg type=\"s\" name=\"action\" direction=\"in\"/>\n"
	"    <arg type=\"b\" name=\"ok\" direction=\"out\"/>\n"
	"  </method>\n"
	"  <signal name=\"VerdictApplied\">\n"
	"    <arg type=\"s\" name=\"container\"/><arg type=\"s\" name=\"dest\"/>\n"
	"    <arg type=\"s\" name=\"request_id\"/><arg type=\"s\" name=\"action\"/>\n"
	"    <arg type=\"b\" name=\"ok\"/>\n"
	"  </signal>\n"
	"</interface>\n";

static const char *script;

struct session {
	char *name;
	char *state_dir;
	char *dir;             /* the scripted session's FIFO, PID file and stdin log */
	struct ts_bridge *b;
	int exit_status;       /* from child_exited; -1 while it runs */
};

struct fixture {
	char *root;            /* state root */
	sd_event *ev;
	sd_bus *bus;           /* the bridges' connection */
	sd_bus *client;        /* records signals */
	struct ts_strv signals;
	struct ts_strv logs;   /* the bridges' log lines */
	struct session s[MAX_SESSIONS];
	int n;
};

/* ---- fixture ---- */

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->root = scratch_dir();
	if (sd_event_new(&f->ev) < 0)
		abort();
	f->bus = dbus_connect(f->ev);
	f->client = dbus_connect(f->ev);
	dbus_record_signals(f->client, &f->signals);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	for (int i = 0; i < f->n; i++) {
		ts_bridge_free(f->s[i].b);
		free(f->s[i].name);
		free(f->s[i].state_dir);
		free(f->s[i].dir);
	}
	sd_bus_flush_close_unref(f->client);
	sd_bus_flush_close_unref(f->bus);
	sd_event_unref(f->ev);
	ts_strv_clear(&f->signals);
	ts_strv_clear(&f->logs);
	scratch_remove(f->root);
	free(f);
	return 0;
}

/* <root>/containers/<name> with container.id holding id (NULL: none). */
static char *container_dir(struct fixture *f, const char *name, const char *id)
{
	char *containers = ts_xasprintf("%s/containers", f->root);
	mkdir(containers, 0700);
	free(containers);
	char *dir = ts_xasprintf("%s/containers/%s", f->root, name);
	if (mkdir(dir, 0700) < 0)
		abort();
	if (id)
		write_text(dir, "container.id", id);
	return dir;
}

static void log_line(const char *message, void *userdata)
{
	struct fixture *f = userdata;
	ts_strv_push(&f->logs, message);
}

static void child_exited(struct ts_bridge *b, int status, void *userdata)
{
	struct fixture *f = userdata;
	for (int i = 0; i < f->n; i++)
		if (f->s[i].b == b)
			f->s[i].exit_status = status;
}

static bool file_exists(void *path)
{
	return access(path, F_OK) == 0;
}

/* A bridge for name on f->bus with a scripted session; flag goes to the script (or NULL). */
static struct session *bridge_new(struct fixture *f, const char *name, const char *id,
				  const char *flag, struct ts_error *err, int *r)
{
	struct session *s = &f->s[f->n++];
	s->name = ts_xstrdup(name);
	s->exit_status = -1;
	s->state_dir = container_dir(f, name, id);
	s->dir = ts_xasprintf("%s/session-%s", f->root, name);
	_cleanup_free_ char *fifo = ts_xasprintf("%s/ctl", s->dir);
	if (mkdir(s->dir, 0700) < 0 || mkfifo(fifo, 0600) < 0)
		abort();
	const char *argv[] = { "python3", script, s->dir, flag, NULL };
	struct ts_bridge_options opts = {
		.child_argv = argv,
		.log = log_line,
		.child_exited = child_exited,
		.userdata = f,
	};
	*r = ts_bridge_new(s->state_dir, name, f->bus, &opts, &s->b, err);
	return s;
}

/* A started bridge whose session is ready for commands. */
static struct session *bridge_start(struct fixture *f, const char *name, const char *id,
				    const char *flag)
{
	struct ts_error err = { 0 };
	int r;
	struct session *s = bridge_new(f, name, id, flag, &err, &r);
	if (r < 0 || ts_bridge_start(s->b, &err) < 0)
		fail_msg("bridge for %s: %s", name, err.message);
	_cleanup_free_ char *pid = ts_xasprintf("%s/pid", s->dir);
	if (!dbus_pump_until(f->ev, file_exists, pid, 10000))
		fail_msg("the scripted session of %s did not start", name);
	return s;
}

/* One command line to the scripted session. */
static void ctl(struct session *s, const char *fmt, ...)
{
	_cleanup_free_ char *path = ts_xasprintf("%s/ctl", s->dir);
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(fd >= 0);
	va_list ap;
	va_start(ap, fmt);
	char *line = NULL;
	assert_true(vasprintf(&line, fmt, ap) >= 0);
	va_end(ap);
	size_t len = strlen(line);
	assert_int_equal(write(fd, line, len), (ssize_t)len);
	assert_int_equal(write(fd, "\n", 1), 1);
	free(line);
	close(fd);
}

static char *stdin_log(struct session *s)
{
	return read_text(s->dir, "stdin.log");
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

static void print_signals(struct fixture *f)
{
	for (size_t i = 0; i < f->signals.n; i++)
		fprintf(stderr, "# signal: %s\n", f->signals.items[i]);
	for (size_t i = 0; i < f->logs.n; i++)
		fprintf(stderr, "# log: %s\n", f->logs.items[i]);
}

static void expect_signal(struct fixture *f, const char *expected)
{
	struct wait_signal w = { f, expected };
	if (!dbus_pump_until(f->ev, has_signal, &w, SIGNAL_MS)) {
		print_signals(f);
		fail_msg("no signal '%s' within %d ms", expected, SIGNAL_MS);
	}
}

static void pending(struct session *s, int id, const char *dest, int port, int proto,
		    const char *domain)
{
	ctl(s, "out {\"type\":\"pending\",\"id\":%d,\"dest\":\"%s\",\"port\":%d,\"proto\":%d,"
	    "\"domain\":\"%s\"}", id, dest, port, proto, domain);
}

/* Verdict through busctl; returns busctl's output ("b true\n", "b false\n") or NULL on failure. */
static char *verdict(struct fixture *f, const char *dest, const char *request_id,
		     const char *action)
{
	char *out = NULL;
	int rc = busctl(f->ev, &out, "call", dest, PATH, IFACE, "Verdict", "ss", request_id, action,
			NULL);
	if (rc != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static void expect_verdict(struct fixture *f, const char *dest, const char *request_id,
			   const char *action, bool expected)
{
	_cleanup_free_ char *out = verdict(f, dest, request_id, action);
	if (!out)
		fail_msg("Verdict(%s, %s) to %s: busctl failed", request_id, action, dest);
	if (strcmp(out, expected ? "b true\n" : "b false\n") != 0)
		fail_msg("Verdict('%s', '%s') to %s answered '%s', expected %s", request_id, action,
			 dest, out, expected ? "true" : "false");
}

static void request_name(struct fixture *f, const char *name)
{
	int r = sd_bus_request_name(f->bus, name, 0);
	if (r < 0)
		fail_msg("request %s: %s", name, strerror(-r));
}

/* The interface element of an Introspect answer (NULL when absent). */
static char *interface_element(const char *xml)
{
	const char *start = strstr(xml, "<interface name=\"org.terok.Shield1\">");
	if (!start)
		return NULL;
	const char *end = strstr(start, "</interface>");
	return end ? strndup(start, (size_t)(end - start) + strlen("</interface>\n")) : NULL;
}

/* The raw XML a name serves at PATH, via busctl --json (NULL when the call fails). */
static char *introspect(struct fixture *f, const char *dest)
{
	_cleanup_free_ char *out = NULL;
	if (busctl(f->ev, &out, "--json=short", "call", dest, PATH,
		   "org.freedesktop.DBus.Introspectable", "Introspect", NULL) != 0)
		return NULL;
	json_error_t jerr;
	json_t *o = json_loads(out, 0, &jerr);
	const char *xml = json_string_value(json_array_get(json_object_get(o, "data"), 0));
	char *copy = xml ? strdup(xml) : NULL;
	json_decref(o);
	return copy;
}

/*
 * Nothing is exported at PATH for dest: a call there fails with sd-bus's
 * "Unknown object" (or, for an object without our interface, "Unknown
 * method"), not with any failure of busctl itself.
 */
static void expect_unexported(struct fixture *f, const char *dest)
{
	_cleanup_free_ char *errors = NULL;
	int rc = busctl_errors(f->ev, &errors, "call", dest, PATH, IFACE, "Verdict", "ss", "x:1",
			       "accept", NULL);
	bool unknown = errors && (strstr(errors, "Unknown object") || strstr(errors, "Unknown method"));
	if (rc == 0 || !unknown)
		fail_msg("Verdict at %s on %s: exit %d, '%s' (expected an unknown object)", PATH,
			 dest, rc, errors ? errors : "");
}

/* ---- introspection ---- */

static void test_introspection_matches_contract(void **state)
{
	struct fixture *f = *state;
	bridge_start(f, NAME, SHORT_ID "\n", NULL);
	request_name(f, BUS_NAME);

	_cleanup_free_ char *xml = introspect(f, BUS_NAME);
	assert_non_null(xml);
	_cleanup_free_ char *iface = interface_element(xml);
	assert_non_null(iface);
	assert_string_equal(iface, spec_interface);

	/* gdbus parses it: the data is well-formed and has the right members and directions. */
	const char *argv[] = { "gdbus", "introspect", "--address", dbus_address(), "--dest", BUS_NAME,
			       "--object-path", PATH, NULL };
	_cleanup_free_ char *out = NULL;
	int rc = dbus_run(f->ev, argv, NULL, &out, NULL, 10000);
	if (rc != 0)
		fail_msg("gdbus introspect exited %d", rc);
	assert_non_null(strstr(out, "interface org.terok.Shield1 {"));
	assert_non_null(strstr(out, "Verdict(in  s request_id,\n"));
	assert_non_null(strstr(out, "in  s action,\n"));
	assert_non_null(strstr(out, "out b ok);"));
	assert_non_null(strstr(out, "ConnectionBlocked(s container,\n"));
	assert_non_null(strstr(out, "q port,\n"));
	assert_non_null(strstr(out, "VerdictApplied(s container,\n"));

	/* The object is reachable from the root of the tree. */
	_cleanup_free_ char *tree = NULL;
	assert_int_equal(busctl(f->ev, &tree, "tree", "--list", BUS_NAME, NULL), 0);
	assert_non_null(strstr(tree, PATH "\n"));
}

/* ---- session lines -> signals ---- */

static void test_pending_becomes_connection_blocked(void **state)
{
	struct fixture *f = *state;
	struct session *s = bridge_start(f, NAME, SHORT_ID, NULL);
	request_name(f, BUS_NAME);
	pending(s, 1, "203.0.113.7", 443, 6, "example.com");
	expect_signal(f, PATH " ConnectionBlocked|ctest|203.0.113.7|443|6|example.com|ctest:1");
	/* No domain, UDP, an IPv6 address written in capitals: canonical on the bus. */
	ctl(s, "out {\"type\":\"pending\",\"id\":2,\"dest\":\"2001:DB8:0::7\",\"port\":53,\"proto\":17}");
	expect_signal(f, PATH " ConnectionBlocked|ctest|2001:db8::7|53|17||ctest:2");
	/* Ports and protocols at their limits travel as q. */
	pending(s, 3, "198.51.100.9", 65535, 255, "");
	expect_signal(f, PATH " ConnectionBlocked|ctest|198.51.100.9|65535|255||ctest:3");
	assert_int_equal(f->signals.n, 3);
}

static void test_verdict_accept(void **state)
{
	struct fixture *f = *state;
	struct session *s = bridge_start(f, NAME, SHORT_ID, NULL);
	request_name(f, BUS_NAME);
	pending(s, 1, "203.0.113.7", 443, 6, "example.com");
	expect_signal(f, PATH " ConnectionBlocked|ctest|203.0.113.7|443|6|example.com|ctest:1");

	expect_verdict(f, BUS_NAME, "ctest:1", "accept", true);
	expect_signal(f, PATH " VerdictApplied|ctest|203.0.113.7|ctest:1|accept|true");
	_cleanup_free_ char *log = stdin_log(s);
	assert_string_equal(log, "{\"type\":\"verdict\",\"id\":1,\"action\":\"accept\"}\n");
	/* Applied: no longer pending. */
	expect_verdict(f, BUS_NAME, "ctest:1", "deny", false);
}

/* The scope rides in the action string: the session gets "scope" and "for". */
static void test_verdict_scoped(void **state)
{
	struct fixture *f = *state;
	struct session *s = bridge_start(f, NAME, SHORT_ID, NULL);
	request_name(f, BUS_NAME);
	pending(s, 3, "203.0.113.7", 443, 6, "example.com");
	expect_signal(f, PATH " ConnectionBlocked|ctest|203.0.113.7|443|6|example.com|ctest:3");
	expect_verdict(f, BUS_NAME, "ctest:3", "accept:port:30m", true);
	expect_signal(f, PATH " VerdictApplied|ctest|203.0.113.7|ctest:3|accept|true");
	_cleanup_free_ char *log = stdin_log(s);
	assert_string_equal(log, "{\"type\":\"verdict\",\"id\":3,\"action\":\"accept\","
				 "\"scope\":\"port\",\"for\":\"30m\"}\n");
}

static void test_verdict_deny_failed_then_retried(void **state)
{
	struct fixture *f = *state;
	struct session *s = bridge_start(f, NAME, SHORT_ID, "--fail-ids=2");
	request_name(f, BUS_NAME);
	pending(s, 2, "198.51.100.20", 80, 6, "");
	expect_signal(f, PATH " ConnectionBlocked|ctest|198.51.100.20|80|6||ctest:2");
	expect_verdict(f, BUS_NAME, "ctest:2", "deny", true);
	expect_signal(f, PATH " VerdictApplied|ctest|198.51.100.20|ctest:2|deny|false");
	/* A failed verdict stays pending (docs/interactive.md): it may be sent again. */
	expect_verdict(f, BUS_NAME, "ctest:2", "deny", true);
	_cleanup_free_ char *log = stdin_log(s);
	assert_string_equal(log, "{\"type\":\"verdict\",\"id\":2,\"action\":\"deny\"}\n"
				 "{\"type\":\"verdict\",\"id\":2,\"action\":\"deny\"}\n");
}

static void test_verdict_refused(void **state)
{
	struct fixture *f = *state;
	struct session *s = bridge_start(f, NAME, SHORT_ID, NULL);
	request_name(f, BUS_NAME);
	pending(s, 7, "203.0.113.7", 443, 6, "");
	expect_signal(f, PATH " ConnectionBlocked|ctest|203.0.113.7|443|6||ctest:7");

	static const char *const bad[][2] = {
		/* malformed */
		{ "ctest", "accept" }, { ":7", "accept" }, { "", "accept" }, { "ctest7", "accept" },
		{ "ctest:", "accept" },
		/* another container */
		{ "other:7", "accept" }, { "ctest2:7", "accept" }, { "ctes:7", "accept" },
		{ "CTEST:7", "accept" },
		/* not an integer */
		{ "ctest:abc", "accept" }, { "ctest:-7", "accept" }, { "ctest:+7", "accept" },
		{ "ctest:7.0", "accept" }, { "ctest: 7", "accept" }, { "ctest:7 ", "accept" },
		{ "ctest:0x7", "accept" }, { "ctest:7:7", "accept" },
		{ "ctest:99999999999999999999999", "accept" },
		/* unknown actions */
		{ "ctest:7", "allow" }, { "ctest:7", "ACCEPT" }, { "ctest:7", "" },
		{ "ctest:7", "accept " }, { "ctest:7", "a" }, { "ctest:7", "accept:" },
		{ "ctest:7", "accept:5x" }, { "ctest:7", "deny:30m" }, { "ctest:7", "accept:30m:port" },
		/* not pending */
		{ "ctest:8", "accept" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		expect_verdict(f, BUS_NAME, bad[i][0], bad[i][1], false);
	/* Nothing reached the session. */
	_cleanup_free_ char *log = stdin_log(s);
	assert_null(log);
	assert_true(f->logs.n >= ARRAY_SIZE(bad));
	/* A wrong signature is an error reply, not a verdict. */
	_cleanup_free_ char *out = NULL;
	assert_int_not_equal(busctl(f->ev, &out, "call", BUS_NAME, PATH, IFACE, "Verdict", "su",
				    "ctest:7", "1", NULL), 0);
	/* The good one still works. */
	expect_verdict(f, BUS_NAME, "ctest:7", "accept", true);
}

static void test_bad_session_lines_ignored(void **state)
{
	struct fixture *f = *state;
	struct session *s = bridge_start(f, NAME, SHORT_ID, NULL);
	static const char *const garbage[] = {
		"not json",
		"[1,2]",
		"{\"type\":\"pending\"}",
		"{\"type\":\"pending\",\"id\":\"1\",\"dest\":\"203.0.113.7\",\"port\":1,\"proto\":6}",
		"{\"type\":\"pending\",\"id\":-1,\"dest\":\"203.0.113.7\",\"port\":1,\"proto\":6}",
		"{\"type\":\"pending\",\"id\":1,\"dest\":\"evil;x\",\"port\":1,\"proto\":6}",
		"{\"type\":\"pending\",\"id\":1,\"dest\":\"203.0.113.7\",\"port\":70000,\"proto\":6}",
		"{\"type\":\"pending\",\"id\":1,\"dest\":\"203.0.113.7\",\"port\":1,\"proto\":256}",
		"{\"type\":\"pending\",\"id\":1,\"dest\":\"203.0.113.7\",\"port\":1,\"proto\":6,"
		"\"domain\":\"a b\"}",
		"{\"type\":\"verdict_applied\",\"id\":1,\"dest\":\"203.0.113.7\",\"action\":\"maybe\","
		"\"ok\":true}",
		"{\"type\":\"verdict_applied\",\"id\":1,\"dest\":\"203.0.113.7\",\"action\":\"accept\","
		"\"ok\":1}",
		"{\"type\":\"other\",\"id\":1,\"dest\":\"203.0.113.7\"}",
		"{\"type\":\"pending\",\"type\":\"pending\",\"id\":1,\"dest\":\"203.0.113.7\","
		"\"port\":1,\"proto\":6}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(garbage); i++)
		ctl(s, "out %s", garbage[i]);
	/* A line longer than the bridge takes, then one split across two writes. */
	ctl(s, "big %d", TS_BRIDGE_LINE_MAX + 100);
	ctl(s, "raw {\"type\":\"pending\",\"id\":5,\"dest\":\"203.0");
	dbus_pump(f->ev, 100);
	ctl(s, "out .113.5\",\"port\":22,\"proto\":6,\"domain\":\"Example.COM.\"}");
	expect_signal(f, PATH " ConnectionBlocked|ctest|203.0.113.5|22|6|example.com|ctest:5");
	/* Only that one became a signal; each bad line was reported. */
	assert_int_equal(f->signals.n, 1);
	assert_int_equal(f->logs.n, ARRAY_SIZE(garbage) + 1);
	bool big_reported = false;
	for (size_t i = 0; i < f->logs.n; i++)
		big_reported |= strstr(f->logs.items[i], "longer than") != NULL;
	assert_true(big_reported);
	/* A line of exactly the largest size still counts. */
	ctl(s, "big %d", TS_BRIDGE_LINE_MAX - 1);
	pending(s, 6, "203.0.113.6", 22, 6, "");
	expect_signal(f, PATH " ConnectionBlocked|ctest|203.0.113.6|22|6||ctest:6");
	assert_int_equal(f->logs.n, ARRAY_SIZE(garbage) + 2);
	assert_null(strstr(f->logs.items[f->logs.n - 1], "longer than"));
}

/* ---- several bridges on one connection ---- */

#define A_ID "aaaa11112222"
#define B_ID "bbbb33334444"
#define A_NAME "org.terok.Shield1.Container_" A_ID
#define B_NAME "org.terok.Shield1.Container_" B_ID

static void test_two_bridges_one_connection(void **state)
{
	struct fixture *f = *state;
	struct session *a = bridge_start(f, "alpha", A_ID, NULL);
	struct session *b = bridge_start(f, "beta", B_ID, NULL);
	request_name(f, A_NAME);
	request_name(f, B_NAME);

	_cleanup_free_ char *xa = introspect(f, A_NAME);
	_cleanup_free_ char *xb = introspect(f, B_NAME);
	assert_non_null(xa);
	assert_non_null(xb);
	_cleanup_free_ char *ia = interface_element(xa);
	assert_non_null(ia);
	assert_string_equal(ia, spec_interface);
	_cleanup_free_ char *ib = interface_element(xb);
	assert_non_null(ib);
	assert_string_equal(ib, spec_interface);

	pending(a, 1, "203.0.113.1", 443, 6, "a.example");
	pending(b, 1, "203.0.113.2", 80, 6, "b.example");
	pending(b, 2, "203.0.113.3", 80, 6, "");
	expect_signal(f, PATH " ConnectionBlocked|alpha|203.0.113.1|443|6|a.example|alpha:1");
	expect_signal(f, PATH " ConnectionBlocked|beta|203.0.113.2|80|6|b.example|beta:1");
	expect_signal(f, PATH " ConnectionBlocked|beta|203.0.113.3|80|6||beta:2");

	/* Each name reaches its own container's session. */
	expect_verdict(f, A_NAME, "alpha:1", "accept", true);
	expect_signal(f, PATH " VerdictApplied|alpha|203.0.113.1|alpha:1|accept|true");
	expect_verdict(f, B_NAME, "beta:1", "deny", true);
	expect_signal(f, PATH " VerdictApplied|beta|203.0.113.2|beta:1|deny|true");
	/* A name is no way into another container's session. */
	expect_verdict(f, A_NAME, "beta:2", "accept", false);
	/* Sent to the connection's unique name, the request_id picks the bridge. */
	const char *unique = NULL;
	assert_int_equal(sd_bus_get_unique_name(f->bus, &unique), 0);
	expect_verdict(f, unique, "beta:2", "accept", true);
	expect_verdict(f, unique, "gamma:1", "accept", false);
	expect_verdict(f, unique, "nonsense", "accept", false);

	_cleanup_free_ char *la = stdin_log(a);
	_cleanup_free_ char *lb = stdin_log(b);
	assert_string_equal(la, "{\"type\":\"verdict\",\"id\":1,\"action\":\"accept\"}\n");
	assert_string_equal(lb, "{\"type\":\"verdict\",\"id\":1,\"action\":\"deny\"}\n"
				"{\"type\":\"verdict\",\"id\":2,\"action\":\"accept\"}\n");

	/* Stopping one leaves the other serving. */
	ts_bridge_stop(a->b);
	pending(b, 3, "203.0.113.4", 80, 6, "");
	expect_signal(f, PATH " ConnectionBlocked|beta|203.0.113.4|80|6||beta:3");
	expect_verdict(f, B_NAME, "beta:3", "accept", true);
	_cleanup_free_ char *xb2 = introspect(f, B_NAME);
	assert_non_null(xb2);
	assert_non_null(strstr(xb2, "<interface name=\"org.terok.Shield1\">"));
}

/* ---- container.id ---- */

static void test_missing_container_id(void **state)
{
	struct fixture *f = *state;
	struct ts_error err = { 0 };
	int r;
	struct session *s = bridge_new(f, NAME, NULL, NULL, &err, &r);
	assert_int_equal(r, -ENOENT);
	assert_null(s->b);
	assert_non_null(strstr(err.message, "container.id"));
	/* Nothing was spawned and nothing is exported on the connection. */
	dbus_pump(f->ev, 300);
	_cleanup_free_ char *pid = ts_xasprintf("%s/pid", s->dir);
	assert_false(file_exists(pid));
	const char *unique = NULL;
	assert_int_equal(sd_bus_get_unique_name(f->bus, &unique), 0);
	expect_unexported(f, unique);

	/* An id that is no short id fails the same way. */
	static const char *const invalid[] = { "", "\n", "../../x", "abc def", "0123456789ab!",
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0" };
	for (size_t i = 0; i < ARRAY_SIZE(invalid); i++) {
		write_text(s->state_dir, "container.id", invalid[i]);
		struct ts_bridge *b = NULL;
		const char *argv[] = { "python3", script, s->dir, NULL };
		struct ts_bridge_options opts = { .child_argv = argv };
		r = ts_bridge_new(s->state_dir, NAME, f->bus, &opts, &b, &err);
		assert_int_equal(r, -EINVAL);
		assert_null(b);
		assert_non_null(strstr(err.message, "container.id"));
	}
	assert_false(file_exists(pid));
}

/* ---- stop ---- */

static bool gone(pid_t pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static pid_t session_pid(struct session *s)
{
	_cleanup_free_ char *text = read_text(s->dir, "pid");
	assert_non_null(text);
	return (pid_t)atoi(text);
}

static void test_stop(void **state)
{
	struct fixture *f = *state;
	struct session *s = bridge_start(f, NAME, SHORT_ID, NULL);
	request_name(f, BUS_NAME);
	pid_t pid = session_pid(s);
	assert_int_equal(ts_bridge_child_pid(s->b), pid);
	pending(s, 1, "203.0.113.7", 443, 6, "");
	expect_signal(f, PATH " ConnectionBlocked|ctest|203.0.113.7|443|6||ctest:1");

	double t0 = now_ms();
	ts_bridge_stop(s->b);
	assert_true(now_ms() - t0 < 2000);
	assert_true(gone(pid));
	assert_int_equal(ts_bridge_child_pid(s->b), 0);
	/* Unexported: the name still belongs to the connection, the object is gone. */
	expect_unexported(f, BUS_NAME);
	/* Again: nothing to do. */
	ts_bridge_stop(s->b);
	/* And it can serve again. */
	struct ts_error err = { 0 };
	assert_int_equal(ts_bridge_start(s->b, &err), 0);
	assert_true(ts_bridge_child_pid(s->b) > 0);
	_cleanup_free_ char *xml2 = introspect(f, BUS_NAME);
	assert_non_null(xml2);
	assert_non_null(strstr(xml2, "org.terok.Shield1"));
}

static void test_stop_kills_a_session_ignoring_sigterm(void **state)
{
	struct fixture *f = *state;
	struct session *s = bridge_start(f, NAME, SHORT_ID, "--ignore-term");
	pid_t pid = session_pid(s);
	double t0 = now_ms();
	ts_bridge_stop(s->b);
	double took = now_ms() - t0;
	assert_true(gone(pid));
	if (took < TS_BRIDGE_KILL_TIMEOUT_MS - 100 || took > TS_BRIDGE_KILL_TIMEOUT_MS + 2000)
		fail_msg("stop took %.0f ms (SIGKILL is due after %d ms)", took,
			 TS_BRIDGE_KILL_TIMEOUT_MS);
}

static bool exited(void *arg)
{
	return ((struct session *)arg)->exit_status >= 0;
}

static void test_session_ends_by_itself(void **state)
{
	struct fixture *f = *state;
	struct session *s = bridge_start(f, NAME, SHORT_ID, NULL);
	request_name(f, BUS_NAME);
	pid_t pid = session_pid(s);
	/* What it printed just before it ended still arrives. */
	pending(s, 1, "203.0.113.7", 443, 6, "");
	ctl(s, "exit 3");
	assert_true(dbus_pump_until(f->ev, exited, s, 5000));
	assert_int_equal(s->exit_status, 3);
	assert_true(gone(pid));
	assert_int_equal(ts_bridge_child_pid(s->b), 0);
	expect_signal(f, PATH " ConnectionBlocked|ctest|203.0.113.7|443|6||ctest:1");
	/* Still exported, but no verdict can be delivered. */
	expect_verdict(f, BUS_NAME, "ctest:1", "accept", false);
	ts_bridge_stop(s->b);
}

static void test_start_needs_an_event_loop(void **state)
{
	struct fixture *f = *state;
	sd_bus *bare = dbus_connect(NULL);
	char *dir = container_dir(f, NAME, SHORT_ID);
	const char *argv[] = { "python3", script, "/nonexistent", NULL };
	struct ts_bridge_options opts = { .child_argv = argv };
	struct ts_bridge *b = NULL;
	struct ts_error err = { 0 };
	assert_int_equal(ts_bridge_new(dir, NAME, bare, &opts, &b, &err), 0);
	assert_string_equal(ts_bridge_get_bus_name(b), BUS_NAME);
	assert_int_equal(ts_bridge_start(b, &err), -EINVAL);
	assert_non_null(strstr(err.message, "event loop"));
	assert_int_equal(ts_bridge_child_pid(b), 0);
	ts_bridge_free(b);
	/* A program that cannot run: nothing stays exported. */
	assert_int_equal(sd_bus_attach_event(bare, f->ev, 0), 0);
	const char *missing[] = { "/nonexistent/terok-shield", NULL };
	opts.child_argv = missing;
	assert_int_equal(ts_bridge_new(dir, NAME, bare, &opts, &b, &err), 0);
	assert_true(ts_bridge_start(b, &err) < 0);
	assert_non_null(strstr(err.message, "/nonexistent/terok-shield"));
	const char *unique = NULL;
	assert_int_equal(sd_bus_get_unique_name(bare, &unique), 0);
	expect_unexported(f, unique);
	ts_bridge_free(b);
	sd_bus_flush_close_unref(bare);
	free(dir);
}

/* ---- the dbus-bridge command ---- */

static int run_cli(struct fixture *f, const char *name, char **errors, int timeout_ms)
{
	const char *argv[] = { getenv("TS_TEST_CLI"), "--state-dir", f->root, "dbus-bridge", name,
			       NULL };
	return dbus_run(f->ev, argv, NULL, NULL, errors, timeout_ms);
}

static bool name_has_owner(struct fixture *f, const char *name)
{
	_cleanup_free_ char *out = NULL;
	assert_int_equal(busctl(f->ev, &out, "call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
				"org.freedesktop.DBus", "NameHasOwner", "s", name, NULL), 0);
	return strcmp(out, "b true\n") == 0;
}

static void test_cli_name_taken(void **state)
{
	struct fixture *f = *state;
	free(container_dir(f, NAME, SHORT_ID));
	request_name(f, BUS_NAME);
	_cleanup_free_ char *errors = NULL;
	assert_int_equal(run_cli(f, NAME, &errors, 10000), 1);
	assert_string_equal(errors, "terok-shield: cannot own " BUS_NAME ": another bridge serves "
			    NAME "\n");
	/* Ours is untouched. */
	const char *unique = NULL;
	assert_int_equal(sd_bus_get_unique_name(f->bus, &unique), 0);
	_cleanup_free_ char *out = NULL;
	assert_int_equal(busctl(f->ev, &out, "call", "org.freedesktop.DBus", "/org/freedesktop/DBus",
				"org.freedesktop.DBus", "GetNameOwner", "s", BUS_NAME, NULL), 0);
	_cleanup_free_ char *expected = ts_xasprintf("s \"%s\"\n", unique);
	assert_string_equal(out, expected);
}

static void test_cli_missing_container_id(void **state)
{
	struct fixture *f = *state;
	char *dir = container_dir(f, NAME, NULL);
	_cleanup_free_ char *errors = NULL;
	assert_int_equal(run_cli(f, NAME, &errors, 10000), 1);
	_cleanup_free_ char *expected = ts_xasprintf(
		"terok-shield: %s/container.id: missing (the container has not been started with "
		"the shield yet)\n", dir);
	assert_string_equal(errors, expected);
	assert_false(name_has_owner(f, BUS_NAME));
	free(dir);
}

static void test_cli_session_ends(void **state)
{
	struct fixture *f = *state;
	/* Prepared, but the container does not run: the session cannot start. */
	free(container_dir(f, NAME, SHORT_ID));
	_cleanup_free_ char *errors = NULL;
	int rc = run_cli(f, NAME, &errors, 20000);
	if (rc != 1)
		fail_msg("dbus-bridge exited %d: %s", rc, errors);
	assert_non_null(strstr(errors, "terok-shield: the interactive session of " NAME
				       " ended (status "));
	assert_false(name_has_owner(f, BUS_NAME));
}

static void test_cli_errors(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *errors = NULL;
	assert_int_equal(run_cli(f, "unprepared", &errors, 10000), 1);
	assert_non_null(strstr(errors, "terok-shield: container 'unprepared' is not prepared"));
	free(TAKE_PTR(errors));
	assert_int_equal(run_cli(f, "../x", &errors, 10000), 1);
	free(TAKE_PTR(errors));
	const char *usage[] = { getenv("TS_TEST_CLI"), "dbus-bridge", NULL };
	assert_int_equal(dbus_run(f->ev, usage, NULL, NULL, &errors, 10000), 2);
	free(TAKE_PTR(errors));

	/* No bus to connect to. */
	free(container_dir(f, NAME, SHORT_ID));
	_cleanup_free_ char *bad = ts_xasprintf("DBUS_SESSION_BUS_ADDRESS=unix:path=%s/nobus",
						 f->root);
	struct ts_strv env = TS_STRV_INIT;
	for (char **e = environ; *e; e++)
		if (!ts_startswith(*e, "DBUS_SESSION_BUS_ADDRESS="))
			ts_strv_push(&env, *e);
	ts_strv_push(&env, bad);
	const char *argv[] = { getenv("TS_TEST_CLI"), "--state-dir", f->root, "dbus-bridge", NAME,
			       NULL };
	assert_int_equal(dbus_run(f->ev, argv, env.items, NULL, &errors, 10000), 1);
	ts_strv_clear(&env);
	assert_string_equal(errors, "terok-shield: cannot connect to the session bus: No such file "
			    "or directory\n");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	script = getenv("TS_TEST_SCRIPTED_SESSION");
	if (!script || !getenv("TS_TEST_CLI")) {
		printf("1..0 # SKIP TS_TEST_SCRIPTED_SESSION and TS_TEST_CLI must be set\n");
		return 0;
	}
	if (!dbus_suite_start())
		return 0;
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		T(test_introspection_matches_contract),
		T(test_pending_becomes_connection_blocked),
		T(test_verdict_accept),
		T(test_verdict_scoped),
		T(test_verdict_deny_failed_then_retried),
		T(test_verdict_refused),
		T(test_bad_session_lines_ignored),
		T(test_two_bridges_one_connection),
		T(test_missing_container_id),
		T(test_stop),
		T(test_stop_kills_a_session_ignoring_sigterm),
		T(test_session_ends_by_itself),
		T(test_start_needs_an_event_loop),
		T(test_cli_name_taken),
		T(test_cli_missing_container_id),
		T(test_cli_session_ends),
		T(test_cli_errors),
	};
	return cmocka_run_group_tests(tests, NULL, dbus_suite_teardown);
}
