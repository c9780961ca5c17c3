/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/stat.h>

#include "containers_conf.h"
#include "fileio.h"
#include "hooks.h"
#include "setup.h"
#include "util.h"

void ts_setup_report_clear(struct ts_setup_report *rep)
{
	free(rep->hooks_dir);
	free(rep->containers_conf);
	*rep = (struct ts_setup_report){ 0 };
}

int ts_user_containers_conf(char **out, struct ts_error *err)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	if (xdg && xdg[0] == '/')
		*out = ts_xasprintf("%s/containers/containers.conf", xdg);
	else if (home && home[0] == '/')
		*out = ts_xasprintf("%s/.config/containers/containers.conf", home);
	else
		return ts_error_set(err, ENOENT, "HOME is not set to an absolute path");
	return 0;
}

/* Add dir to hooks_dir, writing the file only when something changes. */
static int add_to_containers_conf(const char *path, const char *dir, bool *changed,
				  struct ts_error *err)
{
	_cleanup_free_ char *text = NULL, *updated = NULL;
	int r = ts_file_read(path, &text, NULL, err);
	if (r < 0 && r != -ENOENT)
		return r;
	r = ts_containers_conf_add_hooks_dir(text, dir, &updated, changed, err);
	if (r < 0)
		return ts_error_prefix(err, r, "%s", path);
	if (!*changed)
		return 0;
	r = ts_mkdir_parents(path, 0755, err);
	if (r < 0)
		return r;
	struct stat st;
	mode_t mode = stat(path, &st) == 0 ? (st.st_mode & 07777) : 0644;
	return ts_file_write_atomic(path, updated, strlen(updated), mode, err);
}

int ts_setup_user(const char *state_root, struct ts_setup_report *rep, struct ts_error *err)
{
	*rep = (struct ts_setup_report){ 0 };
	int r = ts_hook_user_dir(&rep->hooks_dir, err);
	if (r == 0)
		r = ts_user_containers_conf(&rep->containers_conf, err);
	if (r == 0)
		r = ts_hooks_install(rep->hooks_dir, state_root, err);
	if (r == 0)
		r = add_to_containers_conf(rep->containers_conf, rep->hooks_dir, &rep->conf_changed, err);
	if (r < 0)
		ts_setup_report_clear(rep);
	return r;
}

int ts_setup_root(const char *state_root, struct ts_setup_report *rep, struct ts_error *err)
{
	*rep = (struct ts_setup_report){ .hooks_dir = ts_xstrdup(TS_HOOK_SYSTEM_DIR) };
	if (geteuid() != 0) {
		ts_setup_report_clear(rep);
		return ts_error_set(err, EPERM, "setup --root needs root; use 'setup --user' instead");
	}
	int r = ts_hooks_install(rep->hooks_dir, state_root, err);
	if (r < 0)
		ts_setup_report_clear(rep);
	return r;
}
