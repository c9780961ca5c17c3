/* SPDX-License-Identifier: Apache-2.0 */
/* Hook descriptors and where `status` finds them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>

#include "base/util.h"
#include "config/hooks.h"
#include "test-helpers.h"

static void test_descriptor(void **state)
{
	(void)state;
	char *text = ts_hook_descriptor("createRuntime", "/usr/libexec/terok-shield-hook", NULL);
	json_t *doc = json_loads(text, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(doc, "version")), "1.0.0");
	json_t *hook = json_object_get(doc, "hook");
	assert_string_equal(json_string_value(json_object_get(hook, "path")), "/usr/libexec/terok-shield-hook");
	assert_string_equal(json_string_value(json_array_get(json_object_get(hook, "args"), 1)), "createRuntime");
	assert_string_equal(json_string_value(json_array_get(json_object_get(hook, "env"), 0)),
			    "TEROK_SHIELD_BUNDLE_VERSION=4");
	json_t *when = json_object_get(json_object_get(doc, "when"), "annotations");
	assert_string_equal(json_string_value(json_object_get(when, "terok.shield.profiles")), ".*");
	assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "stages"), 0)), "createRuntime");
	assert_int_equal(json_array_size(json_object_get(hook, "env")), 1);
	json_decref(doc);
	free(text);
}

static void test_descriptor_state_root(void **state)
{
	(void)state;
	char *text = ts_hook_descriptor("poststop", "/usr/libexec/terok-shield-hook", "/home/u/.local/state/terok/shield");
	json_t *doc = json_loads(text, 0, NULL);
	json_t *env = json_object_get(json_object_get(doc, "hook"), "env");
	assert_int_equal(json_array_size(env), 2);
	assert_string_equal(json_string_value(json_array_get(env, 1)),
			    "TEROK_SHIELD_STATE_DIR=/home/u/.local/state/terok/shield");
	assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "stages"), 0)), "poststop");
	json_decref(doc);
	free(text);
}

/* Write both descriptors into HOME's hooks dir, the hook at hook_path. */
static void install(const char *home, const char *hook_path, const char *only_stage)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/.local/share/containers/oci/hooks.d", home);
	char *cmd = ts_xasprintf("mkdir -p '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	for (size_t i = 0; ts_hook_stages[i]; i++) {
		if (only_stage && strcmp(only_stage, ts_hook_stages[i]) != 0)
			continue;
		char name[128];
		snprintf(name, sizeof(name), "terok-shield-%s.json", ts_hook_stages[i]);
		char *text = ts_hook_descriptor(ts_hook_stages[i], hook_path, NULL);
		write_text(dir, name, text);
		free(text);
	}
}

static void test_detect(void **state)
{
	(void)state;
	char *home = scratch_dir();
	setenv("HOME", home, 1);
	bool stale = true;
	/* The system dir may hold real hooks on a developer machine; only assert the user level. */
	enum ts_hooks_install where = ts_hooks_detect(&stale);
	assert_int_not_equal(where, TS_HOOKS_GLOBAL_USER);

	char hook[4096];
	snprintf(hook, sizeof(hook), "%s/terok-shield-hook", home);
	write_text(home, "terok-shield-hook", "#!/bin/sh\nexit 1\n");
	chmod(hook, 0755);
	install(home, hook, NULL);
	/* Descriptors podman would not read (hooks_dir does not list the directory) do not count. */
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("CONTAINERS_CONF");
	assert_int_not_equal(ts_hooks_detect(&stale), TS_HOOKS_GLOBAL_USER);
	char *conf_dir = ts_xasprintf("%s/.config/containers", home);
	char *mk = ts_xasprintf("mkdir -p '%s'", conf_dir);
	assert_int_equal(system(mk), 0);
	char *conf = ts_xasprintf("[engine]\nhooks_dir = [\"%s/.local/share/containers/oci/hooks.d\"]\n", home);
	write_text(conf_dir, "containers.conf", conf);
	free(conf);
	free(mk);
	free(conf_dir);
	assert_int_equal(ts_hooks_detect(&stale), TS_HOOKS_GLOBAL_USER);
	assert_false(stale);
	assert_string_equal(ts_hooks_install_name(TS_HOOKS_GLOBAL_USER), "global-user");

	/* A hook binary that is gone makes the installation stale. */
	chmod(hook, 0644);
	assert_int_equal(ts_hooks_detect(&stale), TS_HOOKS_GLOBAL_USER);
	assert_true(stale);
	chmod(hook, 0755);

	/* Another bundle version is stale. */
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/.local/share/containers/oci/hooks.d", home);
	char *text = ts_hook_descriptor("poststop", hook, NULL);
	char *old = strstr(text, "VERSION=4");
	old[8] = '3';
	write_text(dir, "terok-shield-poststop.json", text);
	free(text);
	assert_int_equal(ts_hooks_detect(&stale), TS_HOOKS_GLOBAL_USER);
	assert_true(stale);

	/* Only one of the two descriptors is stale too. */
	char *rm = ts_xasprintf("rm -f '%s/terok-shield-poststop.json'", dir);
	assert_int_equal(system(rm), 0);
	free(rm);
	assert_int_equal(ts_hooks_detect(&stale), TS_HOOKS_GLOBAL_USER);
	assert_true(stale);
	scratch_remove(home);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_descriptor_state_root),
		cmocka_unit_test(test_detect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
