/* SPDX-License-Identifier: Apache-2.0 */
#include "fileio.h"
#include "locate.h"
#include "process.h"
#include "procid.h"
#include "state.h"
#include "util.h"

static bool from_pid_file(const char *state_dir, struct ts_proc_identity *id)
{
	_cleanup_free_ char *path = ts_path_container_pid(state_dir);
	_cleanup_free_ char *text = NULL;
	return ts_file_read(path, &text, NULL, NULL) == 0 &&
	       ts_proc_identity_parse(text, id, NULL) == 0 && ts_proc_identity_is_live(id);
}

/* The PID podman reports; 0 when it has none (not running, unknown, no podman). */
static pid_t from_podman(const char *name)
{
	const char *argv[] = { "podman", "inspect", "--type", "container", "--format",
			       "{{.State.Pid}}", name, NULL };
	_cleanup_free_ char *out = NULL;
	if (ts_run_capture(argv, &out, NULL) != 0)
		return 0;
	char *end;
	long pid = strtol(ts_strip(out), &end, 10);
	return *end == '\0' && pid > 0 && pid <= 4194304 ? (pid_t)pid : 0;
}

int ts_container_locate(const char *state_dir, const char *name, struct ts_proc_identity *id,
			struct ts_error *err)
{
	if (from_pid_file(state_dir, id))
		return 1;
	pid_t pid = from_podman(name);
	if (pid == 0)
		return 0;
	int r = ts_proc_identity_read(pid, id, err);
	return r == -ESRCH ? 0 : (r < 0 ? r : 1);
}
