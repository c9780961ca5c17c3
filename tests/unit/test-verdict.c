/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>

#include "base/util.h"
#include "control/verdict.h"

static void expect_verdict(const char *line, uint64_t id, enum ts_verdict_action action)
{
	struct ts_verdict v = { 0 };
	struct ts_error err = { 0 };
	if (ts_verdict_parse(line, strlen(line), &v, &err) != 0)
		fail_msg("refused '%s': %s", line, err.message);
	assert_int_equal(v.id, id);
	assert_int_equal(v.action, action);
}

/* Refused with a message naming the problem, and v left as it was. */
static void expect_refused(const char *line, size_t len, const char *why)
{
	struct ts_verdict v = { .id = 77, .action = TS_VERDICT_DENY };
	struct ts_error err = { 0 };
	if (ts_verdict_parse(line, len, &v, &err) != -EINVAL)
		fail_msg("accepted '%.*s'", (int)len, line);
	if (!strstr(err.message, why))
		fail_msg("'%.*s': message '%s' does not say '%s'", (int)len, line, err.message, why);
	assert_int_equal(v.id, 77);
	assert_int_equal(v.action, TS_VERDICT_DENY);
}

static void test_parse(void **state)
{
	(void)state;
	expect_verdict("{\"type\":\"verdict\",\"id\":1,\"action\":\"accept\"}", 1, TS_VERDICT_ACCEPT);
	expect_verdict("{\"type\":\"verdict\",\"id\":42,\"action\":\"deny\"}", 42, TS_VERDICT_DENY);
	/* Spacing, key order and extra keys do not matter. */
	expect_verdict(" { \"action\" : \"deny\" , \"id\" : 7 , \"type\" : \"verdict\" , \"x\":[1] } ",
		       7, TS_VERDICT_DENY);
	expect_verdict("{\"type\":\"verdict\",\"id\":9007199254740993,\"action\":\"accept\"}",
		       9007199254740993ULL, TS_VERDICT_ACCEPT);
}

static void test_refused(void **state)
{
	(void)state;
#define R(text, why) expect_refused(text, strlen(text), why)
	R("not json", "not JSON");
	R("", "not JSON");
	R("[1,2]", "not a JSON object");
	R("\"verdict\"", "not JSON");
	R("{\"id\":\"1\"}", "type");
	R("{\"type\":\"pending\",\"id\":1,\"action\":\"accept\"}", "type");
	R("{\"type\":\"verdict\",\"id\":\"1\",\"action\":\"accept\"}", "id");
	R("{\"type\":\"verdict\",\"id\":1.0,\"action\":\"accept\"}", "id");
	R("{\"type\":\"verdict\",\"id\":0,\"action\":\"accept\"}", "id");
	R("{\"type\":\"verdict\",\"id\":-3,\"action\":\"accept\"}", "id");
	R("{\"type\":\"verdict\",\"action\":\"accept\"}", "id");
	R("{\"type\":\"verdict\",\"id\":1,\"action\":\"maybe\"}", "action");
	R("{\"type\":\"verdict\",\"id\":1,\"action\":\"ACCEPT\"}", "action");
	R("{\"type\":\"verdict\",\"id\":1}", "action");
	R("{\"type\":\"verdict\",\"id\":1,\"action\":\"accept\",\"id\":2}", "not JSON");
	R("{\"type\":\"verdict\",\"id\":1,\"action\":\"accept\"} trailing", "not JSON");
#undef R
	/* A NUL byte inside the line. */
	static const char nul[] = "{\"type\":\"verdict\",\"id\":1,\0\"action\":\"accept\"}";
	expect_refused(nul, sizeof(nul) - 1, "not JSON");
	/* Longer than the limit: refused before it is parsed. */
	char *big = ts_xmalloc(TS_VERDICT_LINE_MAX + 2);
	memset(big, ' ', TS_VERDICT_LINE_MAX + 1);
	static const char line[] = "{\"type\":\"verdict\",\"id\":1,\"action\":\"accept\"}";
	memcpy(big, line, strlen(line));
	big[TS_VERDICT_LINE_MAX + 1] = '\0';
	expect_refused(big, TS_VERDICT_LINE_MAX + 1, "longer than");
	/* At the limit it is fine. */
	struct ts_verdict v;
	assert_int_equal(ts_verdict_parse(big, TS_VERDICT_LINE_MAX, &v, NULL), 0);
	free(big);
}

static void test_answers(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int r;
		enum ts_verdict_action a;
		bool port;
		long seconds;
	} cases[] = {
		{ "a", 0, TS_VERDICT_ACCEPT, false, 0 },     { "A", 0, TS_VERDICT_ACCEPT, false, 0 },
		{ "allow", 0, TS_VERDICT_ACCEPT, false, 0 }, { " AlLoW \r", 0, TS_VERDICT_ACCEPT, false, 0 },
		{ "d", 0, TS_VERDICT_DENY, false, 0 },       { "DENY", 0, TS_VERDICT_DENY, false, 0 },
		{ "\tdeny ", 0, TS_VERDICT_DENY, false, 0 }, { "", -EINVAL, 0, false, 0 },
		{ "accept", -EINVAL, 0, false, 0 },          { "allowed", -EINVAL, 0, false, 0 },
		{ "al", -EINVAL, 0, false, 0 },              { "a d", -EINVAL, 0, false, 0 },
		{ "yes", -EINVAL, 0, false, 0 },             { "dd", -EINVAL, 0, false, 0 },
		/* Scoped and timed accepts. */
		{ "a port", 0, TS_VERDICT_ACCEPT, true, 0 }, { "a 30m", 0, TS_VERDICT_ACCEPT, false, 1800 },
		{ " a  port  2h ", 0, TS_VERDICT_ACCEPT, true, 7200 },
		{ "ALLOW PORT 1d", 0, TS_VERDICT_ACCEPT, true, 86400 },
		{ "a 30x", -EINVAL, 0, false, 0 },          { "a port port", -EINVAL, 0, false, 0 },
		{ "a 30m port", -EINVAL, 0, false, 0 },     { "d 30m", -EINVAL, 0, false, 0 },
		{ "d port", -EINVAL, 0, false, 0 },         { "a 0s", -EINVAL, 0, false, 0 },
		{ "a port 30m x", -EINVAL, 0, false, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ts_verdict v = { .id = 5, .action = 99 };
		struct ts_error err = { 0 };
		int r = ts_verdict_answer_parse(cases[i].text, &v, &err);
		if (r != cases[i].r)
			fail_msg("'%s': %d, expected %d", cases[i].text, r, cases[i].r);
		if (r == 0) {
			assert_int_equal(v.action, cases[i].a);
			assert_int_equal(v.port_scope, cases[i].port);
			assert_int_equal(v.seconds, cases[i].seconds);
			assert_int_equal(v.id, 5);
		} else {
			assert_int_equal(v.action, 99);
			assert_int_equal(err.code, EINVAL);
		}
	}
	/* The message quotes the answer, without the blanks around it. */
	struct ts_error err = { 0 };
	struct ts_verdict v = { 0 };
	assert_int_equal(ts_verdict_answer_parse("  yes \n", &v, &err), -EINVAL);
	assert_string_equal(err.message, "'yes' is not an answer: a (allow), a port, a 30m, "
					 "a port 30m, or d (deny)");
}

/* "for" and "scope" of an accept (docs/interactive.md). */
static void test_parse_scope(void **state)
{
	(void)state;
	struct ts_verdict v;
	const char *line = "{\"type\":\"verdict\",\"id\":3,\"action\":\"accept\",\"for\":\"30m\","
			   "\"scope\":\"port\"}";
	assert_int_equal(ts_verdict_parse(line, strlen(line), &v, NULL), 0);
	assert_true(v.port_scope);
	assert_int_equal(v.seconds, 1800);
	line = "{\"type\":\"verdict\",\"id\":3,\"action\":\"accept\",\"scope\":\"address\"}";
	assert_int_equal(ts_verdict_parse(line, strlen(line), &v, NULL), 0);
	assert_false(v.port_scope);
	assert_int_equal(v.seconds, 0);
#define R(text, why) expect_refused(text, strlen(text), why)
	R("{\"type\":\"verdict\",\"id\":1,\"action\":\"accept\",\"for\":\"5x\"}", "\"for\"");
	R("{\"type\":\"verdict\",\"id\":1,\"action\":\"accept\",\"for\":30}", "\"for\"");
	R("{\"type\":\"verdict\",\"id\":1,\"action\":\"accept\",\"scope\":\"host\"}", "\"scope\"");
	R("{\"type\":\"verdict\",\"id\":1,\"action\":\"deny\",\"for\":\"30m\"}", "accept");
	R("{\"type\":\"verdict\",\"id\":1,\"action\":\"deny\",\"scope\":\"port\"}", "accept");
#undef R
}

static void test_lines(void **state)
{
	(void)state;
	char *p = ts_verdict_pending_line(1, "203.0.113.7", 443, 6, "example.com", false);
	assert_string_equal(p, "{\"type\":\"pending\",\"id\":1,\"dest\":\"203.0.113.7\",\"port\":443,"
			       "\"proto\":6,\"domain\":\"example.com\"}\n");
	free(p);
	p = ts_verdict_pending_line(12, "2001:db8::1", 0, 58, NULL, false);
	assert_string_equal(p, "{\"type\":\"pending\",\"id\":12,\"dest\":\"2001:db8::1\",\"port\":0,"
			       "\"proto\":58,\"domain\":\"\"}\n");
	free(p);
	/* A private destination: one more key, last. */
	p = ts_verdict_pending_line(2, "10.1.2.3", 8080, 6, "", true);
	assert_string_equal(p, "{\"type\":\"pending\",\"id\":2,\"dest\":\"10.1.2.3\",\"port\":8080,"
			       "\"proto\":6,\"domain\":\"\",\"private\":true}\n");
	free(p);
	p = ts_verdict_pending_line(3, "fd00::7", 443, 6, "nas.example", true);
	assert_string_equal(p, "{\"type\":\"pending\",\"id\":3,\"dest\":\"fd00::7\",\"port\":443,"
			       "\"proto\":6,\"domain\":\"nas.example\",\"private\":true}\n");
	free(p);
	p = ts_verdict_applied_line(1, "203.0.113.7", TS_VERDICT_ACCEPT, true);
	assert_string_equal(p, "{\"type\":\"verdict_applied\",\"id\":1,\"dest\":\"203.0.113.7\","
			       "\"action\":\"accept\",\"ok\":true}\n");
	free(p);
	p = ts_verdict_applied_line(3, "198.51.100.2", TS_VERDICT_DENY, false);
	assert_string_equal(p, "{\"type\":\"verdict_applied\",\"id\":3,\"dest\":\"198.51.100.2\","
			       "\"action\":\"deny\",\"ok\":false}\n");
	free(p);
	assert_string_equal(ts_verdict_action_name(TS_VERDICT_ACCEPT), "accept");
	assert_string_equal(ts_verdict_action_name(TS_VERDICT_DENY), "deny");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_parse_scope),
		cmocka_unit_test(test_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
