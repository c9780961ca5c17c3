/* SPDX-License-Identifier: Apache-2.0 */
/*
 * list: `podman ps -a --format json` parsing (the fixture is captured from
 * Debian 12's rootless podman 4.3.1: one running, one exited, one created
 * container), and the inventory of a state root against a stand-in podman
 * on PATH that logs each call: one call for the whole list, none without
 * bundles, broken bundles listed as errors, podman's failure quoted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <time.h>

#include "base/util.h"
#include "container/podman_ps.h"
#include "control/inventory.h"
#include "test-helpers.h"

static char *root;       /* scratch: state/, podman/ */
static char *state_root; /* root/state */
static char *saved_path;

/* ---- podman ps parsing ---- */

static void test_ps_fixture(void **state)
{
	(void)state;
	char *json = read_fixture("podman-ps-4.3-rootless.json");
	struct ts_podman_ps ps;
	struct ts_error err = { 0 };
	if (ts_podman_ps_parse(json, &ps, &err) < 0)
		fail_msg("%s", err.message);
	assert_int_equal(ps.n, 3);
	assert_true(ts_podman_ps_find(&ps, "cap-run")->running);
	assert_false(ts_podman_ps_find(&ps, "cap-exit")->running);
	assert_false(ts_podman_ps_find(&ps, "cap-created")->running);
	assert_null(ts_podman_ps_find(&ps, "cap"));
	ts_podman_ps_clear(&ps);
	assert_null(ps.items);
	free(json);
}

static void assert_ps(const char *json, size_t n)
{
	struct ts_podman_ps ps;
	struct ts_error err = { 0 };
	if (ts_podman_ps_parse(json, &ps, &err) < 0)
		fail_msg("%s: %s", json, err.message);
	if (ps.n != n)
		fail_msg("%s: %zu containers, wanted %zu", json, ps.n, n);
	ts_podman_ps_clear(&ps);
}

static void test_ps_shapes(void **state)
{
	(void)state;
	assert_ps("[]", 0);
	assert_ps("null", 0);
	assert_ps("[{\"Names\":[\"a\"],\"State\":\"paused\"},{\"Names\":[\"b\",\"c\"],"
		  "\"State\":\"weird\",\"Pid\":\"x\"}]", 2);
	/* Names no bundle can have: skipped, the rest kept. */
	assert_ps("[{\"Names\":[\"../x\"],\"State\":\"running\"},{\"Names\":[\"a b\\n\"],"
		  "\"State\":\"running\"},{\"Names\":[\"\"],\"State\":\"running\"},"
		  "{\"Names\":[\"ok\"],\"State\":\"running\"}]", 1);
	struct ts_podman_ps ps;
	assert_int_equal(ts_podman_ps_parse("[{\"Names\":[\"p\"],\"State\":\"paused\"}]", &ps, NULL),
			 0);
	assert_true(ps.items[0].running);
	ts_podman_ps_clear(&ps);
}

static void assert_ps_error(const char *json, const char *needle)
{
	struct ts_podman_ps ps;
	struct ts_error err = { 0 };
	assert_int_equal(ts_podman_ps_parse(json, &ps, &err), -EPROTO);
	if (!strstr(err.message, needle))
		fail_msg("%s: '%s' not in: %s", json, needle, err.message);
	assert_null(ps.items);
	assert_int_equal(ps.n, 0);
}

static void test_ps_errors(void **state)
{
	(void)state;
	assert_ps_error("", "invalid JSON");
	assert_ps_error("[", "invalid JSON");
	assert_ps_error("{}", "not a JSON array");
	assert_ps_error("[1]", "entry 0 is not an object");
	assert_ps_error("[{\"Names\":[\"a\"],\"State\":\"running\"},{\"State\":\"running\"}]",
			"entry 1 has no Names");
	assert_ps_error("[{\"Names\":\"a\",\"State\":\"running\"}]", "entry 0 has no Names");
	assert_ps_error("[{\"Names\":[],\"State\":\"running\"}]", "entry 0 has no Names");
	assert_ps_error("[{\"Names\":[7],\"State\":\"running\"}]", "entry 0 has no Names");
	assert_ps_error("[{\"Names\":[\"a\"]}]", "entry 0 has no State");
	assert_ps_error("[{\"Names\":[\"a\"],\"State\":1}]", "entry 0 has no State");
	assert_ps_error("[{\"Names\":[\"a\\u0000b\"],\"State\":\"x\"}]", "invalid JSON");
	assert_ps_error("[{\"Names\":[\"a\"],\"Names\":[\"b\"],\"State\":\"x\"}]", "invalid JSON");
}

/* ---- the inventory, against a stand-in podman ---- */

static int setup(void **state)
{
	(void)state;
	root = scratch_dir();
	if (!root)
		return -1;
	state_root = ts_xasprintf("%s/state", root);
	shell_ok("mkdir -p '%s' '%s/podman/bin'", state_root, root);
	/* Logs its arguments; prints podman/ps.json, or fails as podman does with podman/fail. */
	char *dir = ts_xasprintf("%s/podman/bin", root);
	char *script = ts_xasprintf("#!/bin/sh\n"
				    "echo \"$*\" >> '%s/podman/calls'\n"
				    "if [ -e '%s/podman/fail' ]; then\n"
				    "  echo 'Error: database is locked' >&2; exit 125\n"
				    "fi\n"
				    "cat '%s/podman/ps.json'\n",
				    root, root, root);
	saved_path = fake_on_path(dir, "podman", script);
	free(script);
	free(dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	restore_path(saved_path);
	scratch_remove(root);
	free(state_root);
	return 0;
}

/* Before each test: no bundle, no call logged, podman answers with its containers. */
static int fresh(void **state)
{
	(void)state;
	shell_ok("cd '%s' && rm -rf state podman/calls podman/fail && mkdir state && "
	   "printf '%%s' '[{\"Names\":[\"alpha\"],\"State\":\"running\"},"
	   "{\"Names\":[\"beta\"],\"State\":\"exited\"},{\"Names\":[\"delta\"],\"State\":\"created\"},"
	   "{\"Names\":[\"other\"],\"State\":\"running\"}]' > podman/ps.json", root);
	return 0;
}

static char *calls(void)
{
	char *dir = ts_xasprintf("%s/podman", root);
	char *text = read_text(dir, "calls");
	free(dir);
	return text;
}

/* A bundle as prepare leaves it: DNS, tier, profiles, and a few allows and denies. */
static void make_bundle(const char *name)
{
	shell_ok("mkdir -p -m 0700 '%s/containers/%s' && cd '%s/containers/%s' && echo 10.0.2.3 > upstream.dns"
	   " && echo dnsmasq > dns.tier && printf 'base\\ndev-node\\n' > profiles"
	   " && printf '203.0.113.9\\n2001:db8::9\\n' > live.allowed && echo example.test > live.domains"
	   " && echo 192.0.2.1 > deny.list && echo 198.51.100.1 > profile.allowed"
	   " && echo 192.0.2.99 > live.denied",
	   state_root, name, state_root, name);
}

static const struct ts_listed *entry(const struct ts_inventory *inv, size_t i, const char *name)
{
	assert_true(i < inv->n);
	assert_string_equal(inv->items[i].name, name);
	return &inv->items[i];
}

static void test_no_state(void **state)
{
	(void)state;
	shell_ok("rmdir '%s'", state_root);
	struct ts_inventory inv;
	struct ts_error err = { 0 };
	assert_int_equal(ts_inventory_read(state_root, &inv, &err), 0);
	assert_int_equal(inv.n, 0);
	shell_ok("mkdir -p '%s/containers/.hidden' '%s/containers/-x'", state_root, state_root);
	assert_int_equal(ts_inventory_read(state_root, &inv, &err), 0);
	assert_int_equal(inv.n, 0);
	char *log = calls();
	if (log)
		fail_msg("podman was asked without any bundle: %s", log);
	ts_inventory_clear(&inv);
}

static void test_states(void **state)
{
	(void)state;
	make_bundle("beta");
	make_bundle("alpha");
	make_bundle("gamma");
	shell_ok("cd '%s/containers/gamma' && rm profiles live.domains && echo getent > dns.tier",
	   state_root);
	/* One scoped allow (its tcp and udp lines), one timed, one that has ended. */
	shell_ok("cd '%s/containers/gamma' && printf '203.0.113.7 tcp 443 -\\n203.0.113.7 udp 443 -\\n"
	   "192.0.2.9 tcp 0-65535 %lld\\n192.0.2.9 udp 0-65535 %lld\\n192.0.2.10 tcp 80 1000000000\\n' "
	   "> live.scoped", state_root, (long long)time(NULL) + 3600, (long long)time(NULL) + 3600);
	/* Profile entries are not counted. */
	shell_ok("cd '%s/containers/gamma' && printf '198.51.100.1 tcp 443 -\n' > profile.scoped",
		 state_root);

	struct ts_inventory inv;
	struct ts_error err = { 0 };
	if (ts_inventory_read(state_root, &inv, &err) < 0)
		fail_msg("%s", err.message);
	assert_int_equal(inv.n, 3);

	/* podman runs it, but no start of it was recorded: listed, not guessed. */
	const struct ts_listed *a = entry(&inv, 0, "alpha");
	assert_int_equal(a->container, TS_CONTAINER_RUNNING);
	assert_int_equal(a->shield, TS_STATE_ERROR);
	assert_non_null(strstr(a->error, "container.pid"));

	const struct ts_listed *b = entry(&inv, 1, "beta");
	assert_int_equal(b->container, TS_CONTAINER_STOPPED);
	assert_int_equal(b->shield, TS_STATE_INACTIVE);
	assert_null(b->error);
	assert_string_equal(b->dns_tier, "dnsmasq");
	assert_string_equal(b->dns_policy, "open");
	assert_string_equal(b->profiles[0], "base");
	assert_string_equal(b->profiles[1], "dev-node");
	assert_null(b->profiles[2]);
	assert_int_equal(b->allows.plain, 3);
	assert_int_equal(b->denies.plain, 1); /* live.denied: dropped at the next start */
	assert_int_equal(b->allows.scoped + b->allows.timed + b->denies.scoped + b->denies.timed, 0);

	const struct ts_listed *g = entry(&inv, 2, "gamma");
	assert_int_equal(g->container, TS_CONTAINER_GONE);
	assert_int_equal(g->shield, TS_STATE_INACTIVE);
	assert_string_equal(g->dns_tier, "getent");
	assert_string_equal(g->dns_policy, "open");
	assert_null(g->profiles[0]);
	assert_int_equal(g->allows.plain, 2);
	assert_int_equal(g->allows.scoped, 1);
	assert_int_equal(g->allows.timed, 1);
	ts_inventory_clear(&inv);

	char *log = calls();
	assert_non_null(log);
	assert_string_equal(log, "ps -a --format json\n");
	free(log);
}

/* The shield tier's policy is what dns.policy records, strict when absent. */
static void test_shield_policy(void **state)
{
	(void)state;
	make_bundle("epsilon");
	make_bundle("zeta");
	shell_ok("cd '%s/containers/epsilon' && echo shield > dns.tier", state_root);
	shell_ok("cd '%s/containers/zeta' && echo shield > dns.tier && echo open > dns.policy", state_root);
	struct ts_inventory inv;
	struct ts_error err = { 0 };
	if (ts_inventory_read(state_root, &inv, &err) < 0)
		fail_msg("%s", err.message);
	assert_string_equal(entry(&inv, 0, "epsilon")->dns_tier, "shield");
	assert_string_equal(entry(&inv, 0, "epsilon")->dns_policy, "strict");
	assert_string_equal(entry(&inv, 1, "zeta")->dns_policy, "open");
	ts_inventory_clear(&inv);
	free(calls());
}

/* Each broken bundle is one error line; the others are listed as usual. */
static void test_broken(void **state)
{
	(void)state;
	make_bundle("beta");
	make_bundle("delta");
	shell_ok("cd '%s/containers/delta' && printf '\\033[2Jpwned\\n' > dns.tier", state_root);
	make_bundle("open");
	shell_ok("chmod 0755 '%s/containers/open'", state_root);
	make_bundle("prof");
	shell_ok("echo '../../etc' >> '%s/containers/prof/profiles'", state_root);
	make_bundle("nodns");
	shell_ok("rm '%s/containers/nodns/upstream.dns'", state_root);
	shell_ok("mkdir -m 0700 '%s/elsewhere' && ln -s '%s/elsewhere' '%s/containers/link' && "
	   "echo x > '%s/containers/file'", root, root, state_root, state_root);
	struct ts_inventory inv;
	struct ts_error err = { 0 };
	if (ts_inventory_read(state_root, &inv, &err) < 0)
		fail_msg("%s", err.message);
	static const char *const names[] = { "beta", "delta", "file", "link", "nodns", "open", "prof" };
	assert_int_equal(inv.n, ARRAY_SIZE(names));
	for (size_t i = 0; i < inv.n; i++) {
		const struct ts_listed *e = entry(&inv, i, names[i]);
		if (strcmp(e->name, "beta") == 0) {
			assert_null(e->error);
			continue;
		}
		assert_int_equal(e->shield, TS_STATE_ERROR);
		assert_non_null(e->error);
		for (const char *p = e->error; *p; p++)
			if ((unsigned char)*p < 0x20)
				fail_msg("%s: control byte in: %s", e->name, e->error);
	}
	assert_int_equal(entry(&inv, 1, "delta")->container, TS_CONTAINER_STOPPED);
	assert_non_null(strstr(entry(&inv, 1, "delta")->error, "unknown DNS tier"));
	assert_non_null(strstr(entry(&inv, 5, "open")->error, "open"));
	assert_non_null(strstr(entry(&inv, 6, "prof")->error, "profiles"));
	ts_inventory_clear(&inv);
}

static void test_podman_fails(void **state)
{
	(void)state;
	make_bundle("beta");
	shell_ok("touch '%s/podman/fail'", root);
	struct ts_inventory inv;
	struct ts_error err = { 0 };
	assert_int_equal(ts_inventory_read(state_root, &inv, &err), -EIO);
	assert_non_null(strstr(err.message, "podman ps -a exited with status 125"));
	assert_non_null(strstr(err.message, "database is locked"));
	assert_null(inv.items);

	shell_ok("rm '%s/podman/fail' && echo '{\"not\": \"a list\"}' > '%s/podman/ps.json'", root, root);
	assert_int_equal(ts_inventory_read(state_root, &inv, &err), -EPROTO);
	assert_non_null(strstr(err.message, "podman ps"));
}

/* No podman at all: it has no containers, so every bundle is gone. */
static void test_no_podman(void **state)
{
	(void)state;
	make_bundle("beta");
	char *path = ts_xstrdup(getenv("PATH"));
	setenv("PATH", "/nonexistent", 1);
	struct ts_inventory inv;
	struct ts_error err = { 0 };
	int r = ts_inventory_read(state_root, &inv, &err);
	setenv("PATH", path, 1);
	free(path);
	if (r < 0)
		fail_msg("%s", err.message);
	assert_int_equal(entry(&inv, 0, "beta")->container, TS_CONTAINER_GONE);
	ts_inventory_clear(&inv);
}

/* The public API hands out the same list. */
static void test_api(void **state)
{
	(void)state;
	make_bundle("beta");
	struct ts_roots roots = { .config_root = root, .state_root = state_root };
	struct ts_listed *list = NULL;
	size_t n = 0;
	struct ts_error err = { 0 };
	if (ts_list_containers(&roots, &list, &n, &err) < 0)
		fail_msg("%s", err.message);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].name, "beta");
	assert_string_equal(ts_container_state_name(list[0].container), "stopped");
	assert_string_equal(ts_container_state_name(TS_CONTAINER_RUNNING), "running");
	assert_string_equal(ts_container_state_name(TS_CONTAINER_GONE), "gone");
	ts_listed_free(list, n);
	ts_listed_free(NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ps_fixture),
		cmocka_unit_test(test_ps_shapes),
		cmocka_unit_test(test_ps_errors),
		cmocka_unit_test_setup(test_no_state, fresh),
		cmocka_unit_test_setup(test_states, fresh),
		cmocka_unit_test_setup(test_shield_policy, fresh),
		cmocka_unit_test_setup(test_broken, fresh),
		cmocka_unit_test_setup(test_podman_fails, fresh),
		cmocka_unit_test_setup(test_no_podman, fresh),
		cmocka_unit_test_setup(test_api, fresh),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
