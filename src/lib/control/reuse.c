/* SPDX-License-Identifier: Apache-2.0 */
#include <sys/stat.h>

#include "base/fileio.h"
#include "base/util.h"
#include "bundle/state.h"
#include "container/locate.h"
#include "control/reuse.h"

static int count_lines(const char *state_dir, char *(*path_fn)(const char *), size_t *total,
		       struct ts_error *err)
{
	_cleanup_free_ char *path = path_fn(state_dir);
	_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;
	int r = ts_file_read_lines(path, &lines, err);
	if (r < 0)
		return r;
	*total += lines.n;
	return 0;
}

int ts_kept_count(const char *state_dir, struct ts_kept *out, struct ts_error *err)
{
	*out = (struct ts_kept){ 0 };
	const struct {
		char *(*path_fn)(const char *);
		size_t *total;
	} lists[] = {
		{ ts_path_live_allowed, &out->allows },
		{ ts_path_live_domains, &out->allows },
		{ ts_path_deny_list, &out->denies },
		{ ts_path_denied_domains, &out->denies },
	};
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
		int r = count_lines(state_dir, lists[i].path_fn, lists[i].total, err);
		if (r < 0)
			return r;
	}
	return ts_read_blocked(state_dir, &out->blocked, err);
}

/* Live changes go through the commands made for them, never through a new bundle. */
static int refuse_running(const char *name, struct ts_error *err)
{
	return ts_error_set(err, EBUSY,
			    "container '%s' is running and prepare would rewrite the bundle it runs "
			    "with; change it live with 'terok-shield allow', 'deny', 'up' or 'down', "
			    "or stop and remove it ('podman rm -f %s') before preparing the name again",
			    name, name);
}

int ts_reuse_check(const char *state_dir, const char *name, struct ts_kept *kept,
		   struct ts_error *err)
{
	*kept = (struct ts_kept){ 0 };
	struct stat st;
	/* No bundle, nothing of ours to rewrite: a first prepare stays free of podman calls. */
	if (lstat(state_dir, &st) < 0 && errno == ENOENT)
		return 0;
	enum ts_presence presence;
	int r = ts_container_presence(state_dir, name, &presence, err);
	if (r < 0)
		return r;
	if (presence == TS_PRESENCE_RUNNING)
		return refuse_running(name, err);
	if (presence == TS_PRESENCE_STOPPED)
		return ts_error_set(err, EBUSY,
				    "podman still has a container named '%s' (not running), so "
				    "'podman run' would refuse the name; start it again with "
				    "'podman start %s', or remove it ('podman rm %s') and prepare again",
				    name, name, name);
	return ts_kept_count(state_dir, kept, err);
}

int ts_reuse_check_not_started(const char *state_dir, const char *name, struct ts_error *err)
{
	return ts_container_pid_live(state_dir) ? refuse_running(name, err) : 0;
}
