/* SPDX-License-Identifier: Apache-2.0 */
/* The state bundle: the readers of docs/bundle.md, dirs, atomic writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "base/fileio.h"
#include "base/util.h"
#include "bundle/state.h"
#include "test-helpers.h"

static int setup(void **state)
{
	*state = scratch_dir();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	scratch_remove(*state);
	return 0;
}

static void assert_strv(const struct ts_strv *v, const char *const *want, size_t n)
{
	assert_int_equal(v->n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(v->items[i], want[i]);
}

static void test_paths(void **state)
{
	(void)state;
	struct {
		char *(*fn)(const char *);
		const char *name;
	} files[] = {
		{ ts_path_hooks_dir, "hooks" },
		{ ts_path_hook_entrypoint, "terok-shield-hook" },
		{ ts_path_ruleset, "ruleset.nft" },
		{ ts_path_gateway, "gateway" },
		{ ts_path_gateway_v6, "gateway_v6" },
		{ ts_path_upstream_dns, "upstream.dns" },
		{ ts_path_dns_tier, "dns.tier" },
		{ ts_path_profile_allowed, "profile.allowed" },
		{ ts_path_profile_domains, "profile.domains" },
		{ ts_path_live_allowed, "live.allowed" },
		{ ts_path_live_domains, "live.domains" },
		{ ts_path_deny_list, "deny.list" },
		{ ts_path_denied_domains, "denied.domains" },
		{ ts_path_dnsmasq_conf, "dnsmasq.conf" },
		{ ts_path_dnsmasq_pid, "dnsmasq.pid" },
		{ ts_path_dnsmasq_log, "dnsmasq.log" },
		{ ts_path_resolv_conf, "resolv.conf" },
		{ ts_path_interactive, "interactive" },
		{ ts_path_container_id, "container.id" },
		{ ts_path_container_pid, "container.pid" },
		{ ts_path_audit, "audit.jsonl" },
		{ ts_path_hook_error_log, "hook-error.log" },
		{ ts_path_lock, "bundle.lock" },
		{ ts_path_blocked, "blocked" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char *p = files[i].fn("/s/c1");
		char want[128];
		snprintf(want, sizeof(want), "/s/c1/%s", files[i].name);
		assert_string_equal(p, want);
		free(p);
	}
	char *p = ts_path_hook_json("/s/c1", "createRuntime");
	assert_string_equal(p, "/s/c1/hooks/terok-shield-createRuntime.json");
	free(p);
	p = ts_path_hook_json("/s/c1", "poststop");
	assert_string_equal(p, "/s/c1/hooks/terok-shield-poststop.json");
	free(p);
}

static void test_allowed_order_and_dedupe(void **state)
{
	const char *dir = *state;
	write_text(dir, "profile.allowed", "1.1.1.1\n  2.2.2.2  \n\n1.1.1.1\n3.3.3.3\n");
	write_text(dir, "live.allowed", "\n4.4.4.4\n2.2.2.2\n5.5.5.5\n4.4.4.4\n");
	struct ts_strv v = TS_STRV_INIT;
	assert_int_equal(ts_read_allowed_ips(dir, &v, NULL), 0);
	const char *want[] = { "1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4", "5.5.5.5" };
	assert_strv(&v, want, ARRAY_SIZE(want));
	ts_strv_clear(&v);
}

static void test_missing_files(void **state)
{
	const char *dir = *state;
	struct ts_strv v = TS_STRV_INIT;
	assert_int_equal(ts_read_allowed_ips(dir, &v, NULL), 0);
	assert_int_equal(v.n, 0);
	assert_int_equal(ts_read_denied_ips(dir, &v, NULL), 0);
	assert_int_equal(v.n, 0);
	assert_int_equal(ts_read_effective_ips(dir, &v, NULL), 0);
	assert_int_equal(v.n, 0);
	write_text(dir, "live.allowed", "9.9.9.9\n");
	assert_int_equal(ts_read_allowed_ips(dir, &v, NULL), 0);
	const char *want[] = { "9.9.9.9" };
	assert_strv(&v, want, 1);
	ts_strv_clear(&v);
	char *tier = (char *)"x";
	assert_int_equal(ts_read_interactive_tier(dir, &tier, NULL), 0);
	assert_null(tier);
}

static void test_effective_subtracts_deny(void **state)
{
	const char *dir = *state;
	write_text(dir, "profile.allowed", "1.1.1.1\n2.2.2.2\n3.3.3.3\n");
	write_text(dir, "live.allowed", "4.4.4.4\n2.2.2.2\n");
	write_text(dir, "deny.list", "2.2.2.2\n\n 4.4.4.4 \n2.2.2.2\n8.8.8.8\n");
	struct ts_strv v = TS_STRV_INIT;
	assert_int_equal(ts_read_denied_ips(dir, &v, NULL), 0);
	const char *denied[] = { "2.2.2.2", "4.4.4.4", "8.8.8.8" };
	assert_strv(&v, denied, ARRAY_SIZE(denied));
	ts_strv_clear(&v);
	assert_int_equal(ts_read_effective_ips(dir, &v, NULL), 0);
	const char *want[] = { "1.1.1.1", "3.3.3.3" };
	assert_strv(&v, want, ARRAY_SIZE(want));
	ts_strv_clear(&v);
}

static void test_large_lists(void **state)
{
	const char *dir = *state;
	char path[4096];
	snprintf(path, sizeof(path), "%s/profile.allowed", dir);
	FILE *f = fopen(path, "w");
	for (int i = 0; i < 20000; i++)
		fprintf(f, "10.%d.%d.1\n", i / 256, i % 256);
	fclose(f);
	write_text(dir, "deny.list", "10.0.5.1\n");
	struct ts_strv v = TS_STRV_INIT;
	assert_int_equal(ts_read_effective_ips(dir, &v, NULL), 0);
	assert_int_equal(v.n, 19999);
	assert_string_equal(v.items[5], "10.0.6.1");
	ts_strv_clear(&v);
}

static void test_interactive_tier(void **state)
{
	const char *dir = *state;
	char *tier = NULL;
	write_text(dir, "interactive", "  nflog \n");
	assert_int_equal(ts_read_interactive_tier(dir, &tier, NULL), 0);
	assert_string_equal(tier, "nflog");
	free(tier);
	write_text(dir, "interactive", " \n\n");
	assert_int_equal(ts_read_interactive_tier(dir, &tier, NULL), 0);
	assert_null(tier);
}

static void test_ensure_dirs(void **state)
{
	const char *dir = *state;
	char bundle[4096], hooks[4200];
	struct stat st;
	snprintf(bundle, sizeof(bundle), "%s/a/b/containers/c1", dir);
	_cleanup_strv_ struct ts_strv warnings = TS_STRV_INIT;
	assert_int_equal(ts_ensure_state_dirs(bundle, &warnings, NULL), 0);
	assert_int_equal(warnings.n, 0);
	assert_int_equal(stat(bundle, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(hooks, sizeof(hooks), "%s/hooks", bundle);
	assert_int_equal(stat(hooks, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* Idempotent, and a widened directory is tightened again. */
	chmod(bundle, 0755);
	assert_int_equal(ts_ensure_state_dirs(bundle, &warnings, NULL), 0);
	assert_int_equal(stat(bundle, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	/* ... and the caller hears of it. */
	assert_int_equal(warnings.n, 1);
	_cleanup_free_ char *expected = ts_xasprintf("%s had mode 0755; restricted it to 0700", bundle);
	assert_string_equal(warnings.items[0], expected);
	/* A mode without others' bits is no news. */
	chmod(bundle, 0500);
	assert_int_equal(ts_ensure_state_dirs(bundle, &warnings, NULL), 0);
	assert_int_equal(warnings.n, 1);
	struct ts_error err = { 0 };
	assert_int_equal(ts_ensure_state_dirs("relative/dir", NULL, &err), -EINVAL);
	assert_non_null(strstr(err.message, "absolute"));
}

static void test_ensure_dirs_refuses_symlink(void **state)
{
	const char *dir = *state;
	char target[4096], link[4096];
	snprintf(target, sizeof(target), "%s/elsewhere", dir);
	snprintf(link, sizeof(link), "%s/bundle", dir);
	mkdir(target, 0755);
	assert_int_equal(symlink(target, link), 0);
	struct ts_error err = { 0 };
	assert_true(ts_ensure_state_dirs(link, NULL, &err) < 0);
	struct stat st;
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755); /* untouched */
}

static void test_symlinked_list_not_followed(void **state)
{
	const char *dir = *state;
	char secret[4096], link[4096];
	write_text(dir, "secret", "6.6.6.6\n");
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	snprintf(link, sizeof(link), "%s/live.allowed", dir);
	assert_int_equal(symlink(secret, link), 0);
	struct ts_strv v = TS_STRV_INIT;
	struct ts_error err = { 0 };
	assert_int_equal(ts_read_allowed_ips(dir, &v, &err), -ELOOP);
	assert_non_null(strstr(err.message, "symbolic link"));
	ts_strv_clear(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test_setup_teardown(test_allowed_order_and_dedupe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_effective_subtracts_deny, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interactive_tier, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ensure_dirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ensure_dirs_refuses_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinked_list_not_followed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
