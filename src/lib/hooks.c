/* SPDX-License-Identifier: Apache-2.0 */
#include <jansson.h>

#include "dirs.h"
#include "fileio.h"
#include "hooks.h"
#include "util.h"

const char *const ts_hook_stages[] = { "createRuntime", "poststop", NULL };

char *ts_hook_descriptor(const char *stage, const char *hook_path, const char *state_root)
{
	char version[64];
	snprintf(version, sizeof(version), TS_HOOK_VERSION_ENV "=%d", TS_BUNDLE_VERSION);
	json_t *env = json_pack("[s]", version);
	if (env && state_root)
		json_array_append_new(env, json_sprintf(TS_HOOK_STATE_ROOT_ENV "=%s", state_root));
	json_t *doc = json_pack("{s:s, s:{s:s, s:[s,s], s:o}, s:{s:{s:s}}, s:[s]}",
				"version", "1.0.0",
				"hook", "path", hook_path, "args", "terok-shield-hook", stage,
				"env", env,
				"when", "annotations", "terok.shield.profiles", ".*",
				"stages", stage);
	if (!doc)
		abort();
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (!text)
		abort();
	return text;
}

int ts_hook_user_dir(char **out, struct ts_error *err)
{
	const char *home = getenv("HOME");
	if (!home || home[0] != '/')
		return ts_error_set(err, ENOENT, "HOME is not set to an absolute path");
	*out = ts_xasprintf("%s/.local/share/containers/oci/hooks.d", home);
	return 0;
}

const char *ts_hooks_install_name(enum ts_hooks_install where)
{
	switch (where) {
	case TS_HOOKS_GLOBAL_USER:
		return "global-user";
	case TS_HOOKS_GLOBAL_SYSTEM:
		return "global-system";
	case TS_HOOKS_NOT_INSTALLED:
		break;
	}
	return "not-installed";
}

/* -ENOENT when absent; 1 when present but stale; 0 when current. */
static int check_descriptor(const char *dir, const char *stage)
{
	_cleanup_free_ char *path = ts_xasprintf("%s/terok-shield-%s.json", dir, stage);
	_cleanup_free_ char *text = NULL;
	int r = ts_file_read(path, &text, NULL, NULL);
	if (r < 0)
		return r;
	json_t *doc = json_loads(text, 0, NULL);
	const char *hook_path = json_string_value(json_object_get(json_object_get(doc, "hook"), "path"));
	json_t *env = json_object_get(json_object_get(doc, "hook"), "env");
	char want[64];
	snprintf(want, sizeof(want), TS_HOOK_VERSION_ENV "=%d", TS_BUNDLE_VERSION);
	bool current = false;
	size_t i;
	json_t *v;
	json_array_foreach(env, i, v)
		current |= json_is_string(v) && strcmp(json_string_value(v), want) == 0;
	current = current && hook_path && access(hook_path, X_OK) == 0;
	json_decref(doc);
	return current ? 0 : 1;
}

/* Any descriptor counts as installed; a missing sibling makes it stale. */
static bool dir_has_hooks(const char *dir, bool *stale)
{
	size_t found = 0, total = 0;
	for (; ts_hook_stages[total]; total++) {
		int r = check_descriptor(dir, ts_hook_stages[total]);
		if (r == -ENOENT)
			continue;
		found++;
		*stale |= r != 0;
	}
	*stale |= found > 0 && found < total;
	return found > 0;
}

enum ts_hooks_install ts_hooks_detect(bool *stale)
{
	_cleanup_free_ char *user_dir = NULL;
	*stale = false;
	if (ts_hook_user_dir(&user_dir, NULL) == 0 && dir_has_hooks(user_dir, stale))
		return TS_HOOKS_GLOBAL_USER;
	if (dir_has_hooks(TS_HOOK_SYSTEM_DIR, stale))
		return TS_HOOKS_GLOBAL_SYSTEM;
	return TS_HOOKS_NOT_INSTALLED;
}
