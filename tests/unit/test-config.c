/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "base/util.h"
#include "config/config.h"

#define PATH "/home/u/.config/terok/shield/config.yml"

static int parse(const char *text, struct ts_config *c, struct ts_error *err)
{
	return ts_config_parse(PATH, text, strlen(text), c, err);
}

static void assert_defaults(const struct ts_config *c)
{
	assert_int_equal(c->mode, TS_MODE_AUTO);
	assert_int_equal(c->default_profiles.n, 1);
	assert_string_equal(c->default_profiles.items[0], "dev-standard");
	assert_null(c->default_profiles.items[1]);
	assert_null(c->loopback_ports);
	assert_int_equal(c->n_loopback_ports, 0);
	assert_false(c->interactive);
	assert_true(c->audit_enabled);
	assert_int_equal(c->dns_tier, TS_DNS_TIER_AUTO);
	assert_false(c->dns_open);
}

static void assert_parses_to_defaults(const char *text)
{
	struct ts_config c;
	struct ts_error err = { 0 };

	assert_int_equal(parse(text, &c, &err), 0);
	assert_defaults(&c);
	ts_config_clear(&c);
}

/* The exact message, and the struct back at its defaults. */
static void assert_parse_error(const char *text, const char *message)
{
	struct ts_config c;
	struct ts_error err = { 0 };

	assert_int_equal(parse(text, &c, &err), -EINVAL);
	assert_int_equal(err.code, EINVAL);
	assert_string_equal(err.message, message);
	assert_defaults(&c);
	ts_config_clear(&c);
}

static void test_init_and_mode_names(void **state)
{
	(void)state;
	struct ts_config c;

	ts_config_init(&c);
	assert_defaults(&c);
	ts_config_clear(&c);
	assert_int_equal(c.default_profiles.n, 0);
	assert_null(c.loopback_ports);
	ts_config_clear(&c); /* clearing twice is harmless */
	assert_string_equal(ts_mode_name(TS_MODE_AUTO), "auto");
	assert_string_equal(ts_mode_name(TS_MODE_HOOK), "hook");
}

static void test_dns_tier_and_policy(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		enum ts_dns_tier_choice tier;
		bool open;
	} ok[] = {
		{ "dns_tier: shield\n", TS_DNS_TIER_SHIELD, false },
		{ "dns_tier: dnsmasq\ndns_policy: open\n", TS_DNS_TIER_DNSMASQ, true },
		{ "dns_tier: dig\ndns_policy: strict\n", TS_DNS_TIER_DIG, false },
		{ "dns_tier: auto\n", TS_DNS_TIER_AUTO, false },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct ts_config c;
		struct ts_error err = { 0 };
		assert_int_equal(parse(ok[i].text, &c, &err), 0);
		assert_int_equal(c.dns_tier, ok[i].tier);
		assert_int_equal(c.dns_open, ok[i].open);
		ts_config_clear(&c);
	}
	assert_parse_error("dns_tier: getent\n",
			   PATH ": dns_tier: expected 'auto', 'shield', 'dnsmasq' or 'dig', got 'getent'");
	assert_parse_error("dns_policy: \"open\"\n",
			   PATH ": dns_policy: expected 'strict' or 'open', got the quoted string \"open\"");
	enum ts_dns_tier_choice t;
	assert_int_equal(ts_dns_tier_choice_parse("shield", &t), 0);
	assert_int_equal(t, TS_DNS_TIER_SHIELD);
	assert_int_equal(ts_dns_tier_choice_parse("Shield", &t), -EINVAL);
	assert_int_equal(ts_dns_tier_choice_parse(NULL, &t), -EINVAL);
}

static void test_empty_and_null_documents(void **state)
{
	(void)state;
	assert_parses_to_defaults("");
	assert_parses_to_defaults("\n\n");
	assert_parses_to_defaults("# nothing configured yet\n");
	assert_parses_to_defaults("~\n");
	assert_parses_to_defaults("null\n");
	assert_parses_to_defaults("---\n");
	assert_parses_to_defaults("---\n...\n");
	assert_parses_to_defaults("{}\n");
}

static void test_full_file(void **state)
{
	(void)state;
	struct ts_config c;
	struct ts_error err = { 0 };
	const char *text = "# terok-shield\n"
			   "mode: hook\n"
			   "default_profiles:\n"
			   "  - base\n"
			   "  - dev-python\n"
			   "loopback_ports:\n"
			   "  - 8080\n"
			   "  - 1\n"
			   "  - 65535\n"
			   "interactive: true\n"
			   "audit:\n"
			   "  enabled: false\n";

	assert_int_equal(parse(text, &c, &err), 0);
	assert_int_equal(c.mode, TS_MODE_HOOK);
	assert_int_equal(c.default_profiles.n, 2);
	assert_string_equal(c.default_profiles.items[0], "base");
	assert_string_equal(c.default_profiles.items[1], "dev-python");
	assert_int_equal(c.n_loopback_ports, 3);
	assert_int_equal(c.loopback_ports[0], 8080);
	assert_int_equal(c.loopback_ports[1], 1);
	assert_int_equal(c.loopback_ports[2], 65535);
	assert_true(c.interactive);
	assert_false(c.audit_enabled);
	ts_config_clear(&c);
}

static void test_flow_style_and_quoted_strings(void **state)
{
	(void)state;
	struct ts_config c;
	struct ts_error err = { 0 };
	const char *text = "{mode: \"auto\", default_profiles: ['nvidia-hpc', \"dev-node\"], "
			   "loopback_ports: [443], audit: {enabled: True}}";

	assert_int_equal(parse(text, &c, &err), 0);
	assert_int_equal(c.mode, TS_MODE_AUTO);
	assert_int_equal(c.default_profiles.n, 2);
	assert_string_equal(c.default_profiles.items[0], "nvidia-hpc");
	assert_string_equal(c.default_profiles.items[1], "dev-node");
	assert_int_equal(c.n_loopback_ports, 1);
	assert_int_equal(c.loopback_ports[0], 443);
	assert_true(c.audit_enabled);
	ts_config_clear(&c);
}

static void test_bare_int_port(void **state)
{
	(void)state;
	struct ts_config c;
	struct ts_error err = { 0 };

	assert_int_equal(parse("loopback_ports: 5432\n", &c, &err), 0);
	assert_int_equal(c.n_loopback_ports, 1);
	assert_int_equal(c.loopback_ports[0], 5432);
	ts_config_clear(&c);
}

static void test_repeated_ports_kept_once(void **state)
{
	(void)state;
	struct ts_config c;
	struct ts_error err = { 0 };

	assert_int_equal(parse("loopback_ports: [80, 443, 80, 443, 22]\n", &c, &err), 0);
	assert_int_equal(c.n_loopback_ports, 3);
	assert_int_equal(c.loopback_ports[0], 80);
	assert_int_equal(c.loopback_ports[1], 443);
	assert_int_equal(c.loopback_ports[2], 22);
	ts_config_clear(&c);
}

static void test_empty_lists(void **state)
{
	(void)state;
	struct ts_config c;
	struct ts_error err = { 0 };

	/* An explicit empty profile list replaces the default. */
	assert_int_equal(parse("default_profiles: []\nloopback_ports: []\n", &c, &err), 0);
	assert_int_equal(c.default_profiles.n, 0);
	assert_int_equal(c.n_loopback_ports, 0);
	ts_config_clear(&c);
}

static void test_booleans(void **state)
{
	(void)state;
	static const char *const yes[] = { "true", "True", "TRUE" };
	static const char *const no[] = { "false", "False", "FALSE" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		struct ts_config c;
		struct ts_error err = { 0 };
		_cleanup_free_ char *t = ts_xasprintf("interactive: %s\naudit: {enabled: %s}\n",
						      yes[i], no[i]);
		assert_int_equal(parse(t, &c, &err), 0);
		assert_true(c.interactive);
		assert_false(c.audit_enabled);
		ts_config_clear(&c);
	}
	assert_parse_error("interactive: yes\n",
			   PATH ": interactive: expected true or false, got 'yes'");
	assert_parse_error("interactive: tRUE\n",
			   PATH ": interactive: expected true or false, got 'tRUE'");
	assert_parse_error("interactive: 1\n", PATH ": interactive: expected true or false, got '1'");
	assert_parse_error("interactive: \"true\"\n",
			   PATH ": interactive: expected true or false, got the quoted string \"true\"");
	assert_parse_error("interactive:\n", PATH ": interactive: expected true or false, got nothing");
	assert_parse_error("interactive: [true]\n",
			   PATH ": interactive: expected true or false, got a list");
}

static void test_mode_errors(void **state)
{
	(void)state;
	assert_parse_error("mode: paranoid\n", PATH ": mode: expected 'auto' or 'hook', got 'paranoid'");
	assert_parse_error("mode: Hook\n", PATH ": mode: expected 'auto' or 'hook', got 'Hook'");
	assert_parse_error("mode: [hook]\n", PATH ": mode: expected 'auto' or 'hook', got a list");
	assert_parse_error("mode: {hook: 1}\n", PATH ": mode: expected 'auto' or 'hook', got a mapping");
	/* An embedded NUL must not let "hook\0..." pass as "hook". */
	assert_parse_error("mode: \"hook\\0x\"\n",
			   PATH ": mode: expected 'auto' or 'hook', got the quoted string \"hook?x\"");
}

static void test_profile_errors(void **state)
{
	(void)state;
	assert_parse_error("default_profiles: [\"\"]\n",
			   PATH ": default_profiles[0]: expected a non-empty profile name");
	assert_parse_error("default_profiles: [base, '']\n",
			   PATH ": default_profiles[1]: expected a non-empty profile name");
	assert_parse_error("default_profiles:\n  - base\n  -\n",
			   PATH ": default_profiles[1]: expected a non-empty profile name");
	assert_parse_error("default_profiles: [~]\n",
			   PATH ": default_profiles[0]: expected a non-empty profile name");
	assert_parse_error("default_profiles: dev-standard\n",
			   PATH ": default_profiles: expected a list of profile names, got 'dev-standard'");
	assert_parse_error("default_profiles: {a: b}\n",
			   PATH ": default_profiles: expected a list of profile names, got a mapping");
	assert_parse_error("default_profiles: [[base]]\n",
			   PATH ": default_profiles[0]: expected a profile name, got a list");
	assert_parse_error("default_profiles: [a/b]\n",
			   PATH ": default_profiles[0]: invalid profile name 'a/b': must not contain '/', '..' or control characters");
	assert_parse_error("default_profiles: [base, ..]\n",
			   PATH ": default_profiles[1]: invalid profile name '..': must not contain '/', '..' or control characters");
	assert_parse_error("default_profiles: [\"x\\ny\"]\n",
			   PATH ": default_profiles[0]: invalid profile name 'x?y': must not contain '/', '..' or control characters");
}

static void test_port_errors(void **state)
{
	(void)state;
	assert_parse_error("loopback_ports: [70000]\n",
			   PATH ": loopback_ports[0]: expected a port number 1-65535, got '70000'");
	assert_parse_error("loopback_ports: [0]\n",
			   PATH ": loopback_ports[0]: expected a port number 1-65535, got '0'");
	assert_parse_error("loopback_ports: [80, 65536]\n",
			   PATH ": loopback_ports[1]: expected a port number 1-65535, got '65536'");
	assert_parse_error("loopback_ports: 0\n",
			   PATH ": loopback_ports: expected a port number 1-65535, got '0'");
	assert_parse_error("loopback_ports: 70000\n",
			   PATH ": loopback_ports: expected a port number 1-65535, got '70000'");
	assert_parse_error("loopback_ports: [\"80\"]\n",
			   PATH ": loopback_ports[0]: expected a port number 1-65535, got the quoted string \"80\"");
	assert_parse_error("loopback_ports: [0x50]\n",
			   PATH ": loopback_ports[0]: expected a port number 1-65535, got '0x50'");
	assert_parse_error("loopback_ports: [1e3]\n",
			   PATH ": loopback_ports[0]: expected a port number 1-65535, got '1e3'");
	assert_parse_error("loopback_ports: [080]\n",
			   PATH ": loopback_ports[0]: expected a port number 1-65535, got '080'");
	assert_parse_error("loopback_ports: [+80]\n",
			   PATH ": loopback_ports[0]: expected a port number 1-65535, got '+80'");
	assert_parse_error("loopback_ports: [-1]\n",
			   PATH ": loopback_ports[0]: expected a port number 1-65535, got '-1'");
	assert_parse_error("loopback_ports: [99999999999999999999]\n",
			   PATH ": loopback_ports[0]: expected a port number 1-65535, got '99999999999999999999'");
	assert_parse_error("loopback_ports: [[80]]\n",
			   PATH ": loopback_ports[0]: expected a port number 1-65535, got a list");
	assert_parse_error("loopback_ports: {http: 80}\n",
			   PATH ": loopback_ports: expected a list of port numbers, got a mapping");
	assert_parse_error("loopback_ports:\n",
			   PATH ": loopback_ports: expected a port number 1-65535, got nothing");
}

static void test_audit_errors(void **state)
{
	(void)state;
	assert_parse_error("audit: true\n",
			   PATH ": audit: expected a mapping (enabled: true or false), got 'true'");
	assert_parse_error("audit: [enabled]\n",
			   PATH ": audit: expected a mapping (enabled: true or false), got a list");
	assert_parse_error("audit:\n  enabled: off\n",
			   PATH ": audit.enabled: expected true or false, got 'off'");
	assert_parse_error("audit:\n  enabled: true\n  path: /tmp/x\n",
			   PATH ": audit: unknown key 'path' (expected one of: enabled)");
	assert_parse_error("audit:\n  enabled: true\n  enabled: false\n",
			   PATH ": audit: duplicate key 'enabled'");
	assert_parse_error("audit: {[a]: 1}\n", PATH ": audit: expected a key name, got a list");
}

static void test_unknown_and_duplicate_keys(void **state)
{
	(void)state;
	assert_parse_error("mode: auto\ncolour: red\n",
			   PATH ": unknown key 'colour' (expected one of: mode, default_profiles, loopback_ports, interactive, dns_tier, dns_policy, audit)");
	assert_parse_error("Mode: auto\n",
			   PATH ": unknown key 'Mode' (expected one of: mode, default_profiles, loopback_ports, interactive, dns_tier, dns_policy, audit)");
	assert_parse_error("mode: auto\ninteractive: true\nmode: hook\n", PATH ": duplicate key 'mode'");
	assert_parse_error("{loopback_ports: 1, loopback_ports: 2}", PATH ": duplicate key 'loopback_ports'");
	assert_parse_error("? [mode]\n: auto\n", PATH ": expected a key name, got a list");
}

/* libyaml's wording may change between versions; the file and line may not. */
static void assert_syntax_error(const char *text, size_t line, const char *detail)
{
	struct ts_config c;
	struct ts_error err = { 0 };
	_cleanup_free_ char *prefix = ts_xasprintf(PATH ":%zu: invalid YAML: ", line);

	assert_int_equal(parse(text, &c, &err), -EINVAL);
	assert_int_equal(err.code, EINVAL);
	if (!ts_startswith(err.message, prefix) || !strstr(err.message, detail))
		fail_msg("unexpected message: %s", err.message);
	assert_defaults(&c);
	ts_config_clear(&c);
}

static void test_syntax_errors_name_the_line(void **state)
{
	(void)state;
	/* The problem is seen on line 3; the context points back at line 2. */
	assert_syntax_error("mode: auto\nfoo\nbar: 1\n", 3, "at line 2)");
	assert_syntax_error("mode: auto\ninteractive: true\n\taudit: {}\n", 3, "tab");
	assert_syntax_error("mode: auto\ndefault_profiles: [\"base\n", 3, "end of stream");
	assert_syntax_error("mode: auto\nloopback_ports: [80, 443\n\n", 4, "");
	/* Reader errors carry only an offset; the line is counted from it. */
	assert_syntax_error("mode: auto\n\nmode: \xff\n", 3, "UTF-8");
}

static void test_top_level_must_be_a_mapping(void **state)
{
	(void)state;
	assert_parse_error("- mode\n- auto\n", PATH ": expected a mapping of settings, got a list");
	assert_parse_error("hook\n", PATH ": expected a mapping of settings, got 'hook'");
	assert_parse_error("'~'\n", PATH ": expected a mapping of settings, got the quoted string \"~\"");
}

static void test_yaml_features_refused(void **state)
{
	(void)state;
	assert_parse_error("mode: auto\n---\nmode: hook\n", PATH ":2: expected a single YAML document");
	assert_parse_error("default_profiles: &p [base]\nloopback_ports: *p\n",
			   PATH ":2: YAML aliases are not supported");
	assert_parse_error("interactive: !!bool yes\n", PATH ":1: YAML tags are not supported");
	assert_parse_error("loopback_ports: !!int \"80\"\n", PATH ":1: YAML tags are not supported");
}

/* Text is taken by length: a NUL byte in the middle is content, and invalid. */
static void test_embedded_nul(void **state)
{
	(void)state;
	struct ts_config c;
	struct ts_error err = { 0 };
	static const char text[] = "mode: hook\n\0mode: auto\n";

	assert_int_equal(ts_config_parse(PATH, text, sizeof(text) - 1, &c, &err), -EINVAL);
	assert_true(ts_startswith(err.message, PATH ":2: invalid YAML: "));
	assert_defaults(&c);
	ts_config_clear(&c);
}

static void test_error_discards_partial_results(void **state)
{
	(void)state;
	assert_parse_error("mode: hook\ndefault_profiles: [x, y]\nloopback_ports: [80]\n"
			   "interactive: true\naudit: {enabled: false}\nextra: 1\n",
			   PATH ": unknown key 'extra' (expected one of: mode, default_profiles, loopback_ports, interactive, dns_tier, dns_policy, audit)");
}

static void test_long_values_are_cut_in_messages(void **state)
{
	(void)state;
	_cleanup_free_ char *big = ts_xmalloc(5001);

	memset(big, 'k', 5000);
	big[5000] = '\0';
	_cleanup_free_ char *text = ts_xasprintf("mode: %s\n", big);
	_cleanup_free_ char *want = ts_xasprintf(PATH ": mode: expected 'auto' or 'hook', got '%.64s...'",
						 big);
	assert_parse_error(text, want);
}

static void test_null_error_object(void **state)
{
	(void)state;
	struct ts_config c;

	assert_int_equal(parse("mode: nope\n", &c, NULL), -EINVAL);
	assert_defaults(&c);
	ts_config_clear(&c);
}

/* Temporary config root for the load tests. */
struct tmpdir {
	char path[64];
};

static int tmpdir_setup(void **state)
{
	struct tmpdir *t = ts_xmalloc(sizeof(*t));

	strcpy(t->path, "/tmp/test-config.XXXXXX");
	if (!mkdtemp(t->path)) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int tmpdir_teardown(void **state)
{
	struct tmpdir *t = *state;
	_cleanup_free_ char *file = ts_xasprintf("%s/config.yml", t->path);
	_cleanup_free_ char *real = ts_xasprintf("%s/real.yml", t->path);

	unlink(file);
	unlink(real);
	int r = rmdir(t->path);
	free(t);
	return r;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void test_load_missing_file(void **state)
{
	struct tmpdir *t = *state;
	struct ts_config c;
	struct ts_error err = { 0 };

	assert_int_equal(ts_config_load(t->path, &c, &err), 0);
	assert_defaults(&c);
	/* Success leaves no stale message behind. */
	assert_int_equal(err.code, 0);
	assert_string_equal(err.message, "");
	ts_config_clear(&c);
}

static void test_load_file(void **state)
{
	struct tmpdir *t = *state;
	_cleanup_free_ char *file = ts_xasprintf("%s/config.yml", t->path);
	struct ts_config c;
	struct ts_error err = { 0 };

	write_file(file, "mode: hook\nloopback_ports: 8080\n");
	assert_int_equal(ts_config_load(t->path, &c, &err), 0);
	assert_int_equal(c.mode, TS_MODE_HOOK);
	assert_int_equal(c.n_loopback_ports, 1);
	assert_int_equal(c.loopback_ports[0], 8080);
	assert_int_equal(c.default_profiles.n, 1);
	ts_config_clear(&c);
}

static void test_load_error_names_the_file(void **state)
{
	struct tmpdir *t = *state;
	_cleanup_free_ char *file = ts_xasprintf("%s/config.yml", t->path);
	_cleanup_free_ char *want = ts_xasprintf("%s: loopback_ports[0]: expected a port number "
						 "1-65535, got '70000'", file);
	struct ts_config c;
	struct ts_error err = { 0 };

	write_file(file, "loopback_ports: [70000]\n");
	assert_int_equal(ts_config_load(t->path, &c, &err), -EINVAL);
	assert_string_equal(err.message, want);
	assert_defaults(&c);
	ts_config_clear(&c);
}

static void test_load_refuses_symlink(void **state)
{
	struct tmpdir *t = *state;
	_cleanup_free_ char *file = ts_xasprintf("%s/config.yml", t->path);
	_cleanup_free_ char *real = ts_xasprintf("%s/real.yml", t->path);
	_cleanup_free_ char *want = ts_xasprintf("%s: is a symbolic link; refusing to follow it", file);
	struct ts_config c;
	struct ts_error err = { 0 };

	write_file(real, "mode: hook\n");
	assert_int_equal(symlink(real, file), 0);
	assert_int_equal(ts_config_load(t->path, &c, &err), -ELOOP);
	assert_int_equal(err.code, ELOOP);
	assert_string_equal(err.message, want);
	assert_defaults(&c);
	ts_config_clear(&c);
}

static void test_load_refuses_directory(void **state)
{
	struct tmpdir *t = *state;
	_cleanup_free_ char *file = ts_xasprintf("%s/config.yml", t->path);
	struct ts_config c;
	struct ts_error err = { 0 };

	assert_int_equal(mkdir(file, 0700), 0);
	assert_true(ts_config_load(t->path, &c, &err) < 0);
	assert_true(ts_startswith(err.message, file));
	assert_defaults(&c);
	ts_config_clear(&c);
	assert_int_equal(rmdir(file), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_and_mode_names),
		cmocka_unit_test(test_empty_and_null_documents),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_flow_style_and_quoted_strings),
		cmocka_unit_test(test_bare_int_port),
		cmocka_unit_test(test_repeated_ports_kept_once),
		cmocka_unit_test(test_empty_lists),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_mode_errors),
		cmocka_unit_test(test_profile_errors),
		cmocka_unit_test(test_port_errors),
		cmocka_unit_test(test_audit_errors),
		cmocka_unit_test(test_unknown_and_duplicate_keys),
		cmocka_unit_test(test_syntax_errors_name_the_line),
		cmocka_unit_test(test_top_level_must_be_a_mapping),
		cmocka_unit_test(test_yaml_features_refused),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_error_discards_partial_results),
		cmocka_unit_test(test_long_values_are_cut_in_messages),
		cmocka_unit_test(test_null_error_object),
		cmocka_unit_test(test_dns_tier_and_policy),
		cmocka_unit_test_setup_teardown(test_load_missing_file, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_load_file, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_load_error_names_the_file, tmpdir_setup,
						tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_load_refuses_symlink, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_load_refuses_directory, tmpdir_setup,
						tmpdir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
