/* SPDX-License-Identifier: Apache-2.0 */
#include "base/fileio.h"
#include "base/process.h"
#include "base/util.h"
#include "bundle/state.h"
#include "container/locate.h"
#include "container/podman.h"
#include "container/procid.h"

static bool from_pid_file(const char *state_dir, struct ts_proc_identity *id)
{
	_cleanup_free_ char *path = ts_path_container_pid(state_dir);
	_cleanup_free_ char *text = NULL;
	return ts_file_read(path, &text, NULL, NULL) == 0 &&
	       ts_proc_identity_parse(text, id, NULL) == 0 && ts_proc_identity_is_live(id);
}

bool ts_container_pid_live(const char *state_dir)
{
	struct ts_proc_identity id;
	return from_pid_file(state_dir, &id);
}

/* podman's State.Running of an existing container: "true" or not. */
static bool podman_says_running(const char *name)
{
	const char *argv[] = { "podman", "container", "inspect", "--format",
			       "{{.State.Running}}", name, NULL };
	_cleanup_free_ char *out = NULL;
	return ts_run_capture(argv, &out, NULL) == 0 && strcmp(ts_strip(out), "true") == 0;
}

int ts_container_presence(const char *state_dir, const char *name, enum ts_presence *out,
			  struct ts_error *err)
{
	if (ts_container_pid_live(state_dir)) {
		*out = TS_PRESENCE_RUNNING;
		return 0;
	}
	/* Exit status 0: it exists, 1: it does not, anything else: podman failed. */
	const char *argv[] = { "podman", "container", "exists", name, NULL };
	_cleanup_free_ char *ignored = NULL, *errors = NULL;
	int r = ts_run_capture_errors(argv, &ignored, &errors, err);
	if (r == -ENOENT || r == 1) {
		*out = TS_PRESENCE_ABSENT;
		return 0;
	}
	if (r < 0)
		return r;
	if (r != 0)
		return ts_podman_failed(err, "podman container exists", r, errors);
	*out = podman_says_running(name) ? TS_PRESENCE_RUNNING : TS_PRESENCE_STOPPED;
	return 0;
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

int ts_container_require_running(const char *state_dir, const char *name,
				 struct ts_proc_identity *id, struct ts_error *err)
{
	int r = ts_container_locate(state_dir, name, id, err);
	if (r == 0)
		return ts_error_set(err, ESRCH, "container '%s' is not running", name);
	return r < 0 ? r : 0;
}
