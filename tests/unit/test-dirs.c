/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/util.h"
#include "bundle/location.h"
#include "config/dirs.h"

#define NAME_RULE "use letters, digits, '_', '.', '-' (not first), at most 255 characters"

/* Every test starts from the same known environment. */
static int env_setup(void **state)
{
	(void)state;
	unsetenv("TEROK_SHIELD_CONFIG_DIR");
	unsetenv("TEROK_SHIELD_STATE_DIR");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_STATE_HOME");
	return setenv("HOME", "/home/u", 1);
}

static void assert_config_root(const char *want)
{
	_cleanup_free_ char *out = NULL;
	struct ts_error err = { 0 };

	assert_int_equal(ts_config_root(&out, &err), 0);
	assert_string_equal(out, want);
}

static void assert_config_root_error(int code, const char *message)
{
	char *out = NULL;
	struct ts_error err = { 0 };

	assert_int_equal(ts_config_root(&out, &err), -code);
	assert_null(out);
	assert_int_equal(err.code, code);
	assert_string_equal(err.message, message);
}

static void assert_state_root(const char *flag, const char *want)
{
	_cleanup_free_ char *out = NULL;
	struct ts_error err = { 0 };

	assert_int_equal(ts_state_root(flag, &out, &err), 0);
	assert_string_equal(out, want);
}

static void assert_state_root_error(const char *flag, int code, const char *message)
{
	char *out = NULL;
	struct ts_error err = { 0 };

	assert_int_equal(ts_state_root(flag, &out, &err), -code);
	assert_null(out);
	assert_int_equal(err.code, code);
	assert_string_equal(err.message, message);
}

static void test_config_root_precedence(void **state)
{
	(void)state;
	assert_config_root("/home/u/.config/terok/shield");
	setenv("XDG_CONFIG_HOME", "/xdg/config", 1);
	assert_config_root("/xdg/config/terok/shield");
	setenv("TEROK_SHIELD_CONFIG_DIR", "/etc/shield-test", 1);
	assert_config_root("/etc/shield-test");
	/* The state variables have no say over the config root. */
	setenv("TEROK_SHIELD_STATE_DIR", "/state", 1);
	setenv("XDG_STATE_HOME", "/xdg/state", 1);
	assert_config_root("/etc/shield-test");
}

static void test_config_root_ignores_relative_or_empty_xdg(void **state)
{
	(void)state;
	setenv("XDG_CONFIG_HOME", "relative/config", 1);
	assert_config_root("/home/u/.config/terok/shield");
	setenv("XDG_CONFIG_HOME", "", 1);
	assert_config_root("/home/u/.config/terok/shield");
}

static void test_config_root_empty_override_is_unset(void **state)
{
	(void)state;
	setenv("TEROK_SHIELD_CONFIG_DIR", "", 1);
	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	assert_config_root("/xdg/terok/shield");
}

static void test_config_root_relative_override_is_an_error(void **state)
{
	(void)state;
	setenv("TEROK_SHIELD_CONFIG_DIR", "conf/shield", 1);
	assert_config_root_error(EINVAL,
				 "TEROK_SHIELD_CONFIG_DIR must be an absolute path, got 'conf/shield'");
}

static void test_config_root_trailing_slashes(void **state)
{
	(void)state;
	setenv("HOME", "/home/u/", 1);
	assert_config_root("/home/u/.config/terok/shield");
	setenv("XDG_CONFIG_HOME", "/xdg//", 1);
	assert_config_root("/xdg/terok/shield");
	setenv("XDG_CONFIG_HOME", "/", 1);
	assert_config_root("/terok/shield");
}

static void test_config_root_without_home(void **state)
{
	(void)state;
	unsetenv("HOME");
	assert_config_root_error(ENOENT,
				 "HOME is not set; set TEROK_SHIELD_CONFIG_DIR or XDG_CONFIG_HOME");
	setenv("HOME", "", 1);
	assert_config_root_error(ENOENT,
				 "HOME is not set; set TEROK_SHIELD_CONFIG_DIR or XDG_CONFIG_HOME");
	setenv("HOME", "home/u", 1);
	assert_config_root_error(EINVAL, "HOME is not an absolute path ('home/u'); set "
					 "TEROK_SHIELD_CONFIG_DIR or XDG_CONFIG_HOME");
	/* A relative XDG value does not rescue a missing HOME. */
	unsetenv("HOME");
	setenv("XDG_CONFIG_HOME", "cfg", 1);
	assert_config_root_error(ENOENT,
				 "HOME is not set; set TEROK_SHIELD_CONFIG_DIR or XDG_CONFIG_HOME");
	/* Any other source is enough. */
	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	assert_config_root("/xdg/terok/shield");
	setenv("TEROK_SHIELD_CONFIG_DIR", "/c", 1);
	assert_config_root("/c");
}

static void test_state_root_precedence(void **state)
{
	(void)state;
	assert_state_root(NULL, "/home/u/.local/state/terok/shield");
	setenv("XDG_STATE_HOME", "/xdg/state", 1);
	assert_state_root(NULL, "/xdg/state/terok/shield");
	setenv("TEROK_SHIELD_STATE_DIR", "/var/tmp/shield-state", 1);
	assert_state_root(NULL, "/var/tmp/shield-state");
	assert_state_root("/flag/state", "/flag/state");
	/* The config variables have no say over the state root. */
	unsetenv("TEROK_SHIELD_STATE_DIR");
	unsetenv("XDG_STATE_HOME");
	setenv("TEROK_SHIELD_CONFIG_DIR", "/c", 1);
	setenv("XDG_CONFIG_HOME", "/x", 1);
	assert_state_root(NULL, "/home/u/.local/state/terok/shield");
}

static void test_state_root_ignores_relative_or_empty_xdg(void **state)
{
	(void)state;
	setenv("XDG_STATE_HOME", "state", 1);
	assert_state_root(NULL, "/home/u/.local/state/terok/shield");
	setenv("XDG_STATE_HOME", "", 1);
	setenv("TEROK_SHIELD_STATE_DIR", "", 1);
	assert_state_root(NULL, "/home/u/.local/state/terok/shield");
}

static void test_state_root_without_home(void **state)
{
	(void)state;
	unsetenv("HOME");
	assert_state_root_error(NULL, ENOENT,
				"HOME is not set; set TEROK_SHIELD_STATE_DIR or XDG_STATE_HOME");
	assert_state_root("/flag", "/flag");
	setenv("XDG_STATE_HOME", "/xdg", 1);
	assert_state_root(NULL, "/xdg/terok/shield");
}

static void test_state_root_empty_flag(void **state)
{
	(void)state;
	assert_state_root_error("", EINVAL, "--state-dir: empty path");
}

/* Relative flag and environment values are taken against the working directory. */
static void test_state_root_relative_values(void **state)
{
	(void)state;
	char tmp[] = "/tmp/test-dirs.XXXXXX";
	_cleanup_free_ char *old_cwd = getcwd(NULL, 0);

	assert_non_null(old_cwd);
	assert_non_null(mkdtemp(tmp));
	assert_int_equal(chdir(tmp), 0);
	/* /tmp may itself be a symlink: compare with what getcwd reports. */
	_cleanup_free_ char *cwd = getcwd(NULL, 0);
	_cleanup_free_ char *from_flag = ts_xasprintf("%s/my-state", cwd);
	_cleanup_free_ char *from_env = ts_xasprintf("%s/env/state", cwd);

	setenv("TEROK_SHIELD_STATE_DIR", "env/state", 1);
	assert_state_root("my-state", from_flag);
	assert_state_root(NULL, from_env);

	assert_int_equal(chdir(old_cwd), 0);
	assert_int_equal(rmdir(tmp), 0);
}

static void assert_name_ok(const char *name)
{
	struct ts_error err = { 0 };

	if (ts_container_name_validate(name, &err) != 0)
		fail_msg("'%s' refused: %s", name, err.message);
}

static void assert_name_bad(const char *name, const char *shown)
{
	struct ts_error err = { 0 };
	_cleanup_free_ char *want = ts_xasprintf("invalid container name '%s': " NAME_RULE, shown);

	assert_int_equal(ts_container_name_validate(name, &err), -EINVAL);
	assert_int_equal(err.code, EINVAL);
	assert_string_equal(err.message, want);
}

static void test_name_valid(void **state)
{
	(void)state;
	char max[256];

	assert_name_ok("a");
	assert_name_ok("Z");
	assert_name_ok("7");
	assert_name_ok("web_1.prod-2");
	assert_name_ok("a..b");
	assert_name_ok("x-");
	memset(max, 'n', 255);
	max[255] = '\0';
	assert_name_ok(max);
}

static void test_name_invalid(void **state)
{
	(void)state;
	assert_name_bad("", "");
	assert_name_bad(".", ".");
	assert_name_bad("..", "..");
	assert_name_bad(".x", ".x");
	assert_name_bad("-x", "-x");
	assert_name_bad("_x", "_x");
	assert_name_bad("a/b", "a/b");
	assert_name_bad("../etc", "../etc");
	assert_name_bad("a b", "a b");
	assert_name_bad("caf\xc3\xa9", "caf\xc3\xa9");
	/* Control characters never reach the one-line message. */
	assert_name_bad("a\nb", "a?b");
	assert_name_bad("a\tb", "a?b");
	assert_name_bad("a\x7f", "a?");
}

static void test_name_length_limit(void **state)
{
	(void)state;
	char name[257];
	char shown[64 + 4];

	memset(name, 'n', 256);
	name[256] = '\0';
	memset(shown, 'n', 64);
	strcpy(shown + 64, "...");
	assert_name_bad(name, shown);
}

static void test_container_state_dir(void **state)
{
	(void)state;
	_cleanup_free_ char *a = NULL;
	_cleanup_free_ char *b = NULL;
	char *bad = NULL;
	struct ts_error err = { 0 };

	assert_int_equal(ts_container_state_dir("/s", "web", &a, &err), 0);
	assert_string_equal(a, "/s/containers/web");
	assert_int_equal(ts_container_state_dir("/s/", "web.1", &b, &err), 0);
	assert_string_equal(b, "/s/containers/web.1");
	assert_int_equal(ts_container_state_dir("/s", "../x", &bad, &err), -EINVAL);
	assert_null(bad);
	assert_string_equal(err.message, "invalid container name '../x': " NAME_RULE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_config_root_precedence, env_setup),
		cmocka_unit_test_setup(test_config_root_ignores_relative_or_empty_xdg, env_setup),
		cmocka_unit_test_setup(test_config_root_empty_override_is_unset, env_setup),
		cmocka_unit_test_setup(test_config_root_relative_override_is_an_error, env_setup),
		cmocka_unit_test_setup(test_config_root_trailing_slashes, env_setup),
		cmocka_unit_test_setup(test_config_root_without_home, env_setup),
		cmocka_unit_test_setup(test_state_root_precedence, env_setup),
		cmocka_unit_test_setup(test_state_root_ignores_relative_or_empty_xdg, env_setup),
		cmocka_unit_test_setup(test_state_root_without_home, env_setup),
		cmocka_unit_test_setup(test_state_root_empty_flag, env_setup),
		cmocka_unit_test_setup(test_state_root_relative_values, env_setup),
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_name_invalid),
		cmocka_unit_test(test_name_length_limit),
		cmocka_unit_test(test_container_state_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
