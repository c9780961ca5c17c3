/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root only: the embedding API of the public header (ts_shielded_*)
 * against a running shielded "container" (shielded.h), called in-process
 * the way an orchestrator would. Asserts what packets do, what the bundle
 * holds and what the calls return.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <terok-shield/terok-shield.h>

#include "base/util.h"
#include "harness.h"
#include "shielded.h"
#include "test-helpers.h"

#define NAME SHIELDED_NAME

struct api_fixture {
	struct shielded f;
	char *state_root;
	struct ts_roots roots;
};

static int setup(void **state)
{
	struct api_fixture *a = calloc(1, sizeof(*a));
	*state = a;
	if (shielded_setup(&a->f, 0) < 0) {
		free(a);
		*state = NULL;
		return -1;
	}
	/* state_dir is <state root>/containers/NAME. */
	a->state_root = ts_xstrdup(a->f.state_dir);
	*strstr(a->state_root, "/containers/" NAME) = '\0';
	a->roots = (struct ts_roots){ .config_root = a->f.config_dir, .state_root = a->state_root };
	return 0;
}

static int teardown(void **state)
{
	struct api_fixture *a = *state;
	shielded_teardown(&a->f);
	free(a->state_root);
	free(a);
	return 0;
}

static bool reachable(struct shielded *f, const char *addr)
{
	return harness_connect(&f->h, addr, H_TCP_PORT, 3000, NULL) == 0;
}

static enum ts_shield_state state_of(const struct ts_shielded *s)
{
	struct ts_error err = { 0 };
	enum ts_shield_state st;
	if (ts_shielded_state(s, &st, NULL, &err) < 0)
		fail_msg("ts_shielded_state: %s", err.message);
	return st;
}

static void test_api_allow_deny_state(void **state)
{
	struct api_fixture *a = *state;
	struct ts_error err = { 0 };
	struct ts_shielded *s = NULL;
	assert_int_equal(ts_shielded_open(&a->roots, NAME, &s, &err), 0);
	assert_string_equal(ts_shielded_name(s), NAME);
	assert_string_equal(ts_shielded_state_dir(s), a->f.state_dir);

	char *rules = NULL;
	enum ts_shield_state st;
	assert_int_equal(ts_shielded_state(s, &st, &rules, &err), 0);
	assert_int_equal(st, TS_STATE_UP);
	assert_non_null(strstr(rules, H_ALLOWED_IP));
	free(rules);

	/* allow: 1 = the running container got it; packets now pass. */
	assert_false(reachable(&a->f, H_OTHER_IP));
	char **ips = NULL;
	assert_int_equal(ts_shielded_allow(s, H_OTHER_IP, &ips, &err), 1);
	assert_non_null(ips);
	assert_string_equal(ips[0], H_OTHER_IP);
	assert_null(ips[1]);
	ts_string_list_free(ips);
	assert_true(reachable(&a->f, H_OTHER_IP));

	/* deny takes it away again, without asking for the addresses. */
	assert_int_equal(ts_shielded_deny(s, H_OTHER_IP, NULL, &err), 1);
	assert_false(reachable(&a->f, H_OTHER_IP));

	/* down, down --all, up: each verified, each visible in the state. */
	assert_int_equal(ts_shielded_down(s, false, &err), 0);
	assert_int_equal(state_of(s), TS_STATE_DOWN);
	assert_int_equal(ts_shielded_down(s, true, &err), 0);
	assert_int_equal(state_of(s), TS_STATE_DOWN_ALL);
	assert_int_equal(ts_shielded_up(s, &err), 0);
	assert_int_equal(state_of(s), TS_STATE_UP);
	assert_true(reachable(&a->f, H_ALLOWED_IP));

	/* block: loopback only, down refused (-EPERM), up lifts it. */
	assert_int_equal(ts_shielded_block(s, &err), 0);
	assert_int_equal(state_of(s), TS_STATE_BLOCK);
	assert_string_equal(ts_shield_state_name(TS_STATE_BLOCK), "block");
	assert_false(reachable(&a->f, H_ALLOWED_IP));
	assert_int_equal(ts_shielded_down(s, false, &err), -EPERM);
	assert_non_null(strstr(err.message, "blocked"));
	assert_int_equal(state_of(s), TS_STATE_BLOCK);
	assert_int_equal(ts_shielded_up(s, &err), 0);
	assert_int_equal(state_of(s), TS_STATE_UP);
	assert_true(reachable(&a->f, H_ALLOWED_IP));
	ts_shielded_close(s);
}

/* An audit log that cannot be written (a directory in its place) fails no change. */
static void test_api_audit_unwritable(void **state)
{
	struct api_fixture *a = *state;
	struct ts_error err = { 0 };
	char *audit = ts_xasprintf("%s/audit.jsonl", a->f.state_dir);
	unlink(audit);
	assert_int_equal(mkdir(audit, 0700), 0);
	struct ts_shielded *s = NULL;
	assert_int_equal(ts_shielded_open(&a->roots, NAME, &s, &err), 0);
	assert_int_equal(ts_shielded_allow(s, H_OTHER_IP, NULL, &err), 1);
	assert_true(reachable(&a->f, H_OTHER_IP));
	assert_int_equal(ts_shielded_deny(s, H_OTHER_IP, NULL, &err), 1);
	assert_false(reachable(&a->f, H_OTHER_IP));
	assert_int_equal(ts_shielded_down(s, false, &err), 0);
	assert_int_equal(state_of(s), TS_STATE_DOWN);
	assert_int_equal(ts_shielded_up(s, &err), 0);
	assert_int_equal(state_of(s), TS_STATE_UP);
	ts_shielded_close(s);
	assert_int_equal(rmdir(audit), 0);
	free(audit);
}

static void test_api_bad_input(void **state)
{
	struct api_fixture *a = *state;
	struct ts_error err = { 0 };
	struct ts_shielded *s = NULL;
	assert_int_equal(ts_shielded_open(&a->roots, "../" NAME, &s, &err), -EINVAL);
	assert_null(s);
	assert_true(err.message[0] != '\0');
	assert_int_equal(ts_shielded_open(&a->roots, "never-prepared", &s, &err), -ENOENT);
	assert_non_null(strstr(err.message, "never-prepared"));

	assert_int_equal(ts_shielded_open(&a->roots, NAME, &s, &err), 0);
	char **ips = NULL;
	memset(&err, 0, sizeof(err));
	assert_true(ts_shielded_allow(s, "203.0.113.10; flush ruleset", &ips, &err) < 0);
	assert_null(ips);
	assert_true(err.message[0] != '\0');
	/* Nothing changed: still up, the allowed address still reachable, the other not. */
	assert_int_equal(state_of(s), TS_STATE_UP);
	assert_true(reachable(&a->f, H_ALLOWED_IP));
	assert_false(reachable(&a->f, H_OTHER_IP));
	ts_shielded_close(s);
	ts_shielded_close(NULL);
	ts_string_list_free(NULL);
}

/*
 * resolve: the profiles named in the bundle composed again into
 * profile.allowed and ruleset.nft, for the next start; the running
 * container keeps its table. The profile holds addresses only, so nothing
 * is looked up.
 */
static void test_api_resolve(void **state)
{
	struct api_fixture *a = *state;
	struct ts_error err = { 0 };
	char *profiles = ts_xasprintf("%s/profiles", a->f.config_dir);
	assert_int_equal(mkdir(profiles, 0700), 0);
	write_text(profiles, "addresses.txt", "# addresses only\n" H_OTHER_IP "\n192.0.2.0/24\n");
	free(profiles);
	write_text(a->f.state_dir, "profiles", "addresses\n");

	struct ts_shielded *s = NULL;
	assert_int_equal(ts_shielded_open(&a->roots, NAME, &s, &err), 0);
	char **ips = NULL;
	assert_int_equal(ts_shielded_resolve(s, true, &ips, &err), 2);
	assert_string_equal(ips[0], H_OTHER_IP);
	assert_string_equal(ips[1], "192.0.2.0/24");
	assert_null(ips[2]);
	ts_string_list_free(ips);
	char *allowed = read_text(a->f.state_dir, "profile.allowed");
	assert_string_equal(allowed, H_OTHER_IP "\n192.0.2.0/24\n");
	free(allowed);
	char *ruleset = read_text(a->f.state_dir, "ruleset.nft");
	assert_non_null(strstr(ruleset, H_OTHER_IP));
	free(ruleset);
	/* Saved for the next start only: the running container's table is as it was. */
	assert_false(reachable(&a->f, H_OTHER_IP));
	assert_true(reachable(&a->f, H_ALLOWED_IP));

	/* Within the hour, without force, the same resolution is kept; ips is optional. */
	assert_int_equal(ts_shielded_resolve(s, false, NULL, &err), 2);

	/* A profile that went away: refused, profile.allowed untouched. */
	write_text(a->f.state_dir, "profiles", "addresses\nvanished\n");
	memset(&err, 0, sizeof(err));
	ips = NULL;
	assert_int_equal(ts_shielded_resolve(s, true, &ips, &err), -ENOENT);
	assert_null(ips);
	assert_non_null(strstr(err.message, "vanished"));
	allowed = read_text(a->f.state_dir, "profile.allowed");
	assert_string_equal(allowed, H_OTHER_IP "\n192.0.2.0/24\n");
	free(allowed);
	ts_shielded_close(s);
}

static const struct ts_traffic *traffic_to(const struct ts_traffic *l, size_t n, const char *dest)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(l[i].destination, dest) == 0)
			return &l[i];
	fail_msg("no traffic to %s", dest);
	return NULL;
}

/* ts_shielded_stats: what the container sent, per destination; -ESRCH when it does not run. */
static void test_api_stats(void **state)
{
	struct api_fixture *a = *state;
	struct ts_shielded *s = NULL;
	struct ts_error err = { 0 };
	assert_int_equal(ts_shielded_open(&a->roots, NAME, &s, &err), 0);
	assert_true(reachable(&a->f, H_ALLOWED_IP));
	assert_false(reachable(&a->f, H_OTHER_IP));
	struct ts_traffic *list = NULL;
	size_t n = 0;
	if (ts_shielded_stats(s, &list, &n, &err) != 1)
		fail_msg("ts_shielded_stats: %s", err.message);
	const struct ts_traffic *allowed = traffic_to(list, n, H_ALLOWED_IP);
	assert_int_equal(allowed->verdict, TS_TRAFFIC_ALLOWED);
	assert_string_equal(allowed->set, "allow");
	assert_true(allowed->packets >= 2 && allowed->bytes > allowed->packets * 20);
	const struct ts_traffic *refused = traffic_to(list, n, H_OTHER_IP);
	assert_string_equal(ts_traffic_verdict_name(refused->verdict), "refused");
	assert_true(refused->packets >= 1);
	/* Most bytes first. */
	for (size_t i = 1; i < n; i++)
		assert_true(list[i - 1].bytes >= list[i].bytes);
	ts_traffic_free(list, n);
	ts_shielded_close(s);

	free(shielded_gone(&a->f, "gone", false));
	assert_int_equal(ts_shielded_open(&a->roots, "gone", &s, &err), 0);
	list = NULL;
	assert_int_equal(ts_shielded_stats(s, &list, &n, &err), -ESRCH);
	assert_null(list);
	ts_shielded_close(s);
	ts_traffic_free(NULL, 0);
}

int main(void)
{
	if (!shielded_suite_runnable())
		return 0;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_api_allow_deny_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_audit_unwritable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_resolve, setup, teardown),
		cmocka_unit_test_setup_teardown(test_api_stats, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
