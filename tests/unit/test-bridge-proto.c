/* SPDX-License-Identifier: Apache-2.0 */
/* The D-Bus bridge's protocol pieces: session lines, request ids, verdict lines, names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>

#include "base/util.h"
#include "bridge/bridge_proto.h"

static void test_pending(void **state)
{
	(void)state;
	struct ts_bridge_event ev;
	struct ts_error err = { 0 };
	assert_int_equal(ts_bridge_event_parse("{\"type\":\"pending\",\"id\":1,\"dest\":\"203.0.113.7\","
					       "\"port\":443,\"proto\":6,\"domain\":\"example.com\"}",
					       &ev, &err), 0);
	assert_int_equal(ev.type, TS_BRIDGE_PENDING);
	assert_int_equal(ev.id, 1);
	assert_string_equal(ev.dest, "203.0.113.7");
	assert_int_equal(ev.port, 443);
	assert_int_equal(ev.proto, 6);
	assert_string_equal(ev.domain, "example.com");

	/* Domain empty or absent, IPv6 made canonical, domain normalised, key order free. */
	assert_int_equal(ts_bridge_event_parse("{\"domain\":\"\",\"proto\":17,\"port\":0,"
					       "\"dest\":\"2001:DB8:0:0::1\",\"id\":999999999999999999,"
					       "\"type\":\"pending\"}", &ev, &err), 0);
	assert_string_equal(ev.dest, "2001:db8::1");
	assert_string_equal(ev.domain, "");
	assert_int_equal(ev.id, 999999999999999999LL);
	assert_int_equal(ts_bridge_event_parse("{\"type\":\"pending\",\"id\":0,\"dest\":\"10.0.0.1\","
					       "\"port\":65535,\"proto\":255,\"domain\":\"WWW.Example.org.\"}",
					       &ev, &err), 0);
	assert_string_equal(ev.domain, "www.example.org");
	assert_int_equal(ev.port, 65535);
	assert_int_equal(ev.proto, 255);
	assert_int_equal(ts_bridge_event_parse("{\"type\":\"pending\",\"id\":3,\"dest\":\"10.0.0.1\","
					       "\"port\":1,\"proto\":6}", &ev, &err), 0);
	assert_string_equal(ev.domain, "");
}

/*
 * A private destination's pending line carries "private":true; the
 * ConnectionBlocked signal has no place for it and stays as it is, so the
 * line parses exactly like the same line without the key.
 */
static void test_pending_private(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"{\"type\":\"pending\",\"id\":2,\"dest\":\"10.1.2.3\",\"port\":8080,\"proto\":6,"
		"\"domain\":\"\",\"private\":true}",
		"{\"type\":\"pending\",\"id\":2,\"dest\":\"10.1.2.3\",\"port\":8080,\"proto\":6,"
		"\"domain\":\"\"}",
	};
	struct ts_bridge_event ev[2];
	struct ts_error err = { 0 };
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++) {
		if (ts_bridge_event_parse(lines[i], &ev[i], &err) != 0)
			fail_msg("'%s': %s", lines[i], err.message);
	}
	assert_int_equal(ev[0].type, TS_BRIDGE_PENDING);
	assert_int_equal(ev[0].id, 2);
	assert_string_equal(ev[0].dest, "10.1.2.3");
	assert_int_equal(ev[0].port, 8080);
	assert_int_equal(ev[0].proto, 6);
	assert_string_equal(ev[0].domain, "");
	assert_int_equal(ev[1].type, ev[0].type);
	assert_int_equal(ev[1].id, ev[0].id);
	assert_string_equal(ev[1].dest, ev[0].dest);
	assert_int_equal(ev[1].port, ev[0].port);
	assert_int_equal(ev[1].proto, ev[0].proto);
	assert_string_equal(ev[1].domain, ev[0].domain);
	/* With a domain and an IPv6 unique-local address. */
	assert_int_equal(ts_bridge_event_parse("{\"type\":\"pending\",\"id\":5,\"dest\":\"fd00::7\","
					       "\"port\":443,\"proto\":6,\"domain\":\"nas.example\","
					       "\"private\":true}", &ev[0], &err), 0);
	assert_string_equal(ev[0].dest, "fd00::7");
	assert_string_equal(ev[0].domain, "nas.example");
}

/* A name the container looked up: no address, the domain says what waits. */
static void test_pending_name(void **state)
{
	(void)state;
	struct ts_bridge_event ev;
	struct ts_error err = { 0 };
	assert_int_equal(ts_bridge_event_parse("{\"type\":\"pending\",\"id\":7,\"dest\":\"\","
					       "\"port\":53,\"proto\":17,\"domain\":\"Ask.Test\"}",
					       &ev, &err), 0);
	assert_int_equal(ev.type, TS_BRIDGE_PENDING);
	assert_string_equal(ev.dest, "");
	assert_int_equal(ev.port, 53);
	assert_int_equal(ev.proto, 17);
	assert_string_equal(ev.domain, "ask.test");
	assert_int_equal(ts_bridge_event_parse("{\"type\":\"verdict_applied\",\"id\":7,\"dest\":"
					       "\"\",\"action\":\"accept\",\"ok\":true}",
					       &ev, &err), 0);
	assert_string_equal(ev.dest, "");
	assert_true(ev.accept);
}

static void test_verdict_applied(void **state)
{
	(void)state;
	struct ts_bridge_event ev;
	struct ts_error err = { 0 };
	assert_int_equal(ts_bridge_event_parse("{\"type\":\"verdict_applied\",\"id\":4,\"dest\":"
					       "\"203.0.113.7\",\"action\":\"deny\",\"ok\":false}",
					       &ev, &err), 0);
	assert_int_equal(ev.type, TS_BRIDGE_VERDICT_APPLIED);
	assert_int_equal(ev.id, 4);
	assert_false(ev.accept);
	assert_false(ev.ok);
	assert_int_equal(ts_bridge_event_parse("{\"type\":\"verdict_applied\",\"id\":4,\"dest\":"
					       "\"203.0.113.7\",\"action\":\"accept\",\"ok\":true}",
					       &ev, &err), 0);
	assert_true(ev.accept);
	assert_true(ev.ok);
}

static void test_bad_lines(void **state)
{
	(void)state;
	static const struct { const char *line, *why; } bad[] = {
		{ "", "not a JSON object" },
		{ "nope", "not a JSON object" },
		{ "[]", "not a JSON object" },
		{ "{\"id\":1,\"dest\":\"10.0.0.1\"}", "'type'" },
		{ "{\"type\":1,\"id\":1,\"dest\":\"10.0.0.1\"}", "'type'" },
		{ "{\"type\":\"pending\",\"dest\":\"10.0.0.1\",\"port\":1,\"proto\":6}", "'id'" },
		{ "{\"type\":\"pending\",\"id\":1.5,\"dest\":\"10.0.0.1\",\"port\":1,\"proto\":6}", "'id'" },
		{ "{\"type\":\"pending\",\"id\":-1,\"dest\":\"10.0.0.1\",\"port\":1,\"proto\":6}", "'id'" },
		{ "{\"type\":\"pending\",\"id\":1000000000000000000,\"dest\":\"10.0.0.1\",\"port\":1,"
		  "\"proto\":6}", "'id'" },
		{ "{\"type\":\"pending\",\"id\":1,\"port\":1,\"proto\":6}", "'dest'" },
		{ "{\"type\":\"pending\",\"id\":1,\"dest\":\"\",\"port\":53,\"proto\":17}", "'domain'" },
		{ "{\"type\":\"pending\",\"id\":1,\"dest\":\"\",\"port\":53,\"proto\":17,"
		  "\"domain\":\"\"}", "'domain'" },
		{ "{\"type\":\"pending\",\"id\":1,\"dest\":\"example.com\",\"port\":1,\"proto\":6}", "" },
		{ "{\"type\":\"pending\",\"id\":1,\"dest\":\"10.0.0.0/8\",\"port\":1,\"proto\":6}", "" },
		{ "{\"type\":\"pending\",\"id\":1,\"dest\":\"10.0.0.1\",\"port\":65536,\"proto\":6}", "'port'" },
		{ "{\"type\":\"pending\",\"id\":1,\"dest\":\"10.0.0.1\",\"port\":\"80\",\"proto\":6}", "'port'" },
		{ "{\"type\":\"pending\",\"id\":1,\"dest\":\"10.0.0.1\",\"port\":1,\"proto\":256}", "'proto'" },
		{ "{\"type\":\"pending\",\"id\":1,\"dest\":\"10.0.0.1\",\"port\":1}", "'proto'" },
		{ "{\"type\":\"pending\",\"id\":1,\"dest\":\"10.0.0.1\",\"port\":1,\"proto\":6,"
		  "\"domain\":7}", "'domain'" },
		{ "{\"type\":\"pending\",\"id\":1,\"dest\":\"10.0.0.1\",\"port\":1,\"proto\":6,"
		  "\"domain\":\"a\\nb.com\"}", "" },
		{ "{\"type\":\"verdict_applied\",\"id\":1,\"dest\":\"10.0.0.1\",\"ok\":true}", "'action'" },
		{ "{\"type\":\"verdict_applied\",\"id\":1,\"dest\":\"10.0.0.1\",\"action\":\"allow\","
		  "\"ok\":true}", "unknown action" },
		{ "{\"type\":\"verdict_applied\",\"id\":1,\"dest\":\"10.0.0.1\",\"action\":\"deny\"}", "'ok'" },
		{ "{\"type\":\"verdict\",\"id\":1,\"dest\":\"10.0.0.1\",\"action\":\"deny\"}", "unknown type" },
		{ "{\"type\":\"pending\",\"type\":\"pending\",\"id\":1,\"dest\":\"10.0.0.1\",\"port\":1,"
		  "\"proto\":6}", "not a JSON object" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ts_bridge_event ev;
		struct ts_error err = { 0 };
		if (ts_bridge_event_parse(bad[i].line, &ev, &err) != -EINVAL)
			fail_msg("accepted: %s", bad[i].line);
		if (!strstr(err.message, bad[i].why))
			fail_msg("%s: message '%s' lacks '%s'", bad[i].line, err.message, bad[i].why);
	}
}

static void test_request_id(void **state)
{
	(void)state;
	struct ts_error err = { 0 };
	int64_t id = -1;
	assert_int_equal(ts_bridge_request_id_parse("ctest:42", "ctest", &id, &err), 0);
	assert_int_equal(id, 42);
	assert_int_equal(ts_bridge_request_id_parse("my.ctr-1:0", "my.ctr-1", &id, &err), 0);
	assert_int_equal(id, 0);
	assert_int_equal(ts_bridge_request_id_parse("c:999999999999999999", "c", &id, &err), 0);
	assert_int_equal(id, 999999999999999999LL);
	char *s = ts_bridge_request_id("ctest", 42);
	assert_string_equal(s, "ctest:42");
	free(s);

	static const struct { const char *id, *why; } bad[] = {
		{ "", "malformed" }, { "ctest", "malformed" }, { ":1", "malformed" },
		{ "other:1", "not for container ctest" }, { "ctes:1", "not for container" },
		{ "ctestx:1", "not for container" }, { "ctest:", "no integer id" },
		{ "ctest:a", "no integer id" }, { "ctest:-1", "no integer id" },
		{ "ctest:+1", "no integer id" }, { "ctest: 1", "no integer id" },
		{ "ctest:1 ", "no integer id" }, { "ctest:1:1", "no integer id" },
		{ "ctest:1000000000000000000", "too large" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (ts_bridge_request_id_parse(bad[i].id, "ctest", &id, &err) != -EINVAL)
			fail_msg("accepted '%s'", bad[i].id);
		if (!strstr(err.message, bad[i].why))
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].id, err.message, bad[i].why);
	}
}

static void test_action_and_verdict_line(void **state)
{
	(void)state;
	bool accept = false;
	struct ts_error err = { 0 };
	assert_int_equal(ts_bridge_action_parse("accept", &accept, &err), 0);
	assert_true(accept);
	assert_int_equal(ts_bridge_action_parse("deny", &accept, &err), 0);
	assert_false(accept);
	assert_int_equal(ts_bridge_action_parse("Accept", &accept, &err), -EINVAL);
	assert_int_equal(ts_bridge_action_parse("", &accept, &err), -EINVAL);
	struct ts_bridge_action a;
	assert_int_equal(ts_bridge_verdict_action_parse("accept", &a, &err), 0);
	char *line = ts_bridge_verdict_line(12, &a);
	assert_string_equal(line, "{\"type\":\"verdict\",\"id\":12,\"action\":\"accept\"}\n");
	free(line);
	assert_int_equal(ts_bridge_verdict_action_parse("deny", &a, &err), 0);
	line = ts_bridge_verdict_line(0, &a);
	assert_string_equal(line, "{\"type\":\"verdict\",\"id\":0,\"action\":\"deny\"}\n");
	free(line);
	/* Scope and duration ride in the action string; the method signature stays. */
	static const struct {
		const char *action, *line;
	} scoped[] = {
		{ "accept:30m", ",\"for\":\"30m\"}" },
		{ "accept:port", ",\"scope\":\"port\"}" },
		{ "accept:port:2h", ",\"scope\":\"port\",\"for\":\"2h\"}" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(scoped); i++) {
		assert_int_equal(ts_bridge_verdict_action_parse(scoped[i].action, &a, &err), 0);
		line = ts_bridge_verdict_line(3, &a);
		char *want = ts_xasprintf("{\"type\":\"verdict\",\"id\":3,\"action\":\"accept\"%s\n",
					  scoped[i].line);
		assert_string_equal(line, want);
		free(want);
		free(line);
	}
	static const char *const bad[] = { "accept:", "accept:port:", "accept:5x", "accept:30m:port",
					   "deny:30m", "deny:port", "accept:port:30m:x", "accepted",
					   "accept:portx", "Accept:port", "" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (ts_bridge_verdict_action_parse(bad[i], &a, &err) != -EINVAL)
			fail_msg("action '%s' accepted", bad[i]);
}

static void test_names(void **state)
{
	(void)state;
	struct ts_error err = { 0 };
	assert_int_equal(ts_bridge_short_id_validate("0123456789ab", &err), 0);
	assert_int_equal(ts_bridge_short_id_validate("A", &err), 0);
	static const char *const bad[] = { "", "0123-456", "a b", "../x", "é", "a_b",
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(ts_bridge_short_id_validate(bad[i], &err), -EINVAL);
	char *name = ts_bridge_bus_name_for("0123456789ab");
	assert_string_equal(name, "org.terok.Shield1.Container_0123456789ab");
	free(name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pending),
		cmocka_unit_test(test_pending_private),
		cmocka_unit_test(test_pending_name),
		cmocka_unit_test(test_verdict_applied),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_request_id),
		cmocka_unit_test(test_action_and_verdict_line),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
