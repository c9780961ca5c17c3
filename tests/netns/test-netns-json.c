/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root only: the --json forms of `status NAME` and `rules NAME` against a
 * running shielded "container" (shielded.h), in every live state: each
 * run prints exactly one line that parses as the documented object.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "harness.h"
#include "shielded.h"

#define NAME SHIELDED_NAME

static int setup(void **state)
{
	return shielded_cmocka_setup(state, 0);
}

/* Run the CLI (NULL-terminated arguments); it must exit 0 and print one line of JSON. */
static json_t *cli_json(struct shielded *f, const char *a, const char *b, const char *c)
{
	struct cli_run r;
	int rc = shielded_cli(f, &r, a, b, c, (const char *)NULL);
	if (rc != 0)
		fail_msg("terok-shield %s %s %s exited %d: %s", a, b, c, rc, r.err);
	const char *nl = strchr(r.out, '\n');
	if (!nl || nl[1] != '\0')
		fail_msg("terok-shield %s %s %s: not one line: '%s'", a, b, c, r.out);
	json_error_t jerr;
	json_t *v = json_loads(r.out, 0, &jerr);
	if (!v)
		fail_msg("terok-shield %s %s %s: invalid JSON (%s): '%s'", a, b, c, jerr.text, r.out);
	cli_run_clear(&r);
	return v;
}

static const char *string_of(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v))
		fail_msg("\"%s\" is not a string", key);
	return json_string_value(v);
}

/* status NAME --json and rules NAME --json both report want. */
static void assert_json_state(struct shielded *f, const char *want)
{
	json_t *st = cli_json(f, "status", NAME, "--json");
	assert_int_equal(json_object_size(st), 2);
	assert_string_equal(string_of(st, "container"), NAME);
	assert_string_equal(string_of(st, "state"), want);
	json_decref(st);

	json_t *rules = cli_json(f, "rules", "--json", NAME);
	assert_int_equal(json_object_size(rules), 5);
	assert_int_equal(json_array_size(json_object_get(rules, "scoped")), 0);
	assert_int_equal(json_array_size(json_object_get(rules, "scoped_domains")), 0);
	assert_string_equal(string_of(rules, "container"), NAME);
	assert_string_equal(string_of(rules, "state"), want);
	const char *table = string_of(rules, "rules");
	assert_true(ts_startswith(table, "table inet terok_shield {"));
	assert_non_null(strstr(table, "set allow_v4"));
	json_decref(rules);
}

static void test_json_states(void **state)
{
	struct shielded *f = *state;
	assert_json_state(f, "up");

	json_t *rules = cli_json(f, "rules", NAME, "--json");
	assert_non_null(strstr(string_of(rules, "rules"), H_ALLOWED_IP));
	json_decref(rules);

	struct cli_run r;
	assert_int_equal(shielded_cli(f, &r, "down", NAME, (const char *)NULL), 0);
	cli_run_clear(&r);
	assert_json_state(f, "down");
	assert_int_equal(shielded_cli(f, &r, "down", NAME, "--all", (const char *)NULL), 0);
	cli_run_clear(&r);
	assert_json_state(f, "down_all");
	assert_int_equal(shielded_cli(f, &r, "up", NAME, (const char *)NULL), 0);
	cli_run_clear(&r);
	assert_json_state(f, "up");
}

static void test_json_no_table(void **state)
{
	struct shielded *f = *state;
	assert_int_equal(harness_nft(&f->h, f->h.container, "delete table inet terok_shield"), 0);
	json_t *st = cli_json(f, "status", "--json", NAME);
	assert_string_equal(string_of(st, "state"), "inactive");
	json_decref(st);
	json_t *rules = cli_json(f, "rules", NAME, "--json");
	assert_string_equal(string_of(rules, "state"), "inactive");
	assert_true(json_is_null(json_object_get(rules, "rules")));
	json_decref(rules);
}

int main(void)
{
	if (!shielded_suite_runnable())
		return 0;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_json_states, setup, shielded_cmocka_teardown),
		cmocka_unit_test_setup_teardown(test_json_no_table, setup, shielded_cmocka_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
