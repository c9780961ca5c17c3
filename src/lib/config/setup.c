/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/stat.h>

#include "base/fileio.h"
#include "base/util.h"
#include "config/containers_conf.h"
#include "config/hooks.h"
#include "config/setup.h"

void ts_setup_report_clear(struct ts_setup_report *rep)
{
	free(rep->hooks_dir);
	free(rep->containers_conf);
	free(rep->forwarder);
	*rep = (struct ts_setup_report){ 0 };
}

/*
 * containers.conf with dir in hooks_dir (*updated NULL when it is listed
 * already). Computed before anything is installed: a file the editor
 * cannot understand must stop setup with nothing half done.
 */
static int plan_containers_conf(const char *path, const char *dir, char **updated,
				struct ts_error *err)
{
	_cleanup_free_ char *text = NULL, *out = NULL;
	bool changed;
	*updated = NULL;
	int r = ts_file_read(path, &text, NULL, err);
	if (r < 0 && r != -ENOENT)
		return r;
	r = ts_containers_conf_add_hooks_dir(text, dir, &out, &changed, err);
	if (r < 0)
		return ts_error_prefix(err, r, "%s", path);
	if (changed)
		*updated = TAKE_PTR(out);
	return 0;
}

static int write_containers_conf(const char *path, const char *text, struct ts_error *err)
{
	int r = ts_mkdir_parents(path, 0755, err);
	if (r < 0)
		return r;
	struct stat st;
	mode_t mode = stat(path, &st) == 0 ? (st.st_mode & 07777) : 0644;
	return ts_file_write_atomic(path, text, strlen(text), mode, err);
}

static int setup_user(const char *state_root, struct ts_setup_report *rep, struct ts_error *err)
{
	int r = ts_hook_user_dir(&rep->hooks_dir, err);
	if (r < 0)
		return r;
	r = ts_user_containers_conf(&rep->containers_conf, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *updated = NULL;
	r = plan_containers_conf(rep->containers_conf, rep->hooks_dir, &updated, err);
	if (r < 0)
		return r;
	r = ts_hooks_install(rep->hooks_dir, state_root, &rep->forwarder, err);
	if (r < 0)
		return r;
	rep->conf_changed = updated != NULL;
	return updated ? write_containers_conf(rep->containers_conf, updated, err) : 0;
}

int ts_setup_user(const char *state_root, struct ts_setup_report *rep, struct ts_error *err)
{
	*rep = (struct ts_setup_report){ 0 };
	int r = setup_user(state_root, rep, err);
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
	int r = ts_hooks_install(rep->hooks_dir, state_root, &rep->forwarder, err);
	if (r < 0)
		ts_setup_report_clear(rep);
	return r;
}
