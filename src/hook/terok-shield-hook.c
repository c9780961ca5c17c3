/* SPDX-License-Identifier: Apache-2.0 */
/*
 * terok-shield-hook STAGE: the OCI hook (docs/cli.md). The runtime passes the
 * container's OCI state as JSON on stdin and swallows our stderr, so every
 * error is also appended to <state_dir>/hook-error.log. A non-zero exit at
 * createRuntime makes podman refuse to start the container: that is the
 * fail-closed path, taken for anything unexpected.
 */
#include <malloc.h>
#include <stdio.h>
#include <time.h>

#include "base/fileio.h"
#include "base/process.h"
#include "base/util.h"
#include "bundle/state.h"
#include "config/dirs.h"
#include "container/oci.h"
#include "hook.h"

/* An OCI state is a few KiB; anything near this is not one. */
#define STATE_MAX (1024 * 1024)


static const char *stage;

static void usage(FILE *out)
{
	fputs("Usage: terok-shield-hook STAGE < OCI-STATE-JSON\n"
	      "\n"
	      "OCI hook of terok-shield, run by the container runtime.\n"
	      "STAGE is createRuntime (apply the firewall in the container's network\n"
	      "namespace, start its dnsmasq) or poststop (stop its dnsmasq).\n"
	      "Errors go to stderr and to <state_dir>/hook-error.log.\n",
	      out);
}

/* Where errors go when the state_dir is unknown: the state root, if there is one. */
static char *fallback_log(void)
{
	_cleanup_free_ char *root = NULL;
	if (ts_state_root(NULL, &root, NULL) < 0)
		return NULL;
	return ts_xasprintf("%s/hook-error.log", root);
}

static void report(const char *state_dir, const char *container, const char *msg)
{
	fprintf(stderr, "terok-shield-hook: %s: %s\n", stage, msg);

	char when[32] = "?";
	time_t now = time(NULL);
	struct tm tm;
	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S+00:00", &tm);
	_cleanup_free_ char *line = ts_xasprintf("%s %s %s: %s\n", when, stage,
						 container ? container : "-", msg);
	_cleanup_free_ char *path = state_dir ? ts_path_hook_error_log(state_dir) : fallback_log();
	if (path && ts_file_append(path, line, strlen(line), 0600, NULL) < 0)
		fprintf(stderr, "terok-shield-hook: cannot write %s\n", path);
}

static int read_state(char **out, size_t *len, struct ts_error *err)
{
	_cleanup_free_ char *buf = ts_xmalloc(STATE_MAX + 1);
	size_t used = 0;
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf + used, STATE_MAX + 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ts_error_set(err, errno, "cannot read the OCI state: %s", strerror(errno));
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > STATE_MAX)
			return ts_error_set(err, EFBIG, "OCI state larger than %d bytes", STATE_MAX);
	}
	buf[used] = '\0';
	*len = used;
	*out = TAKE_PTR(buf);
	return 0;
}

/*
 * createRuntime is short-lived and allocation-heavy (libnftables builds an
 * object for every set element, twice): grow the heap in large steps, keep
 * large blocks on it and never give memory back before exit. Each of
 * those would otherwise be a system call and fresh page faults.
 */
static void tune_malloc(void)
{
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_TOP_PAD, 16 << 20);
}

static int run_create_runtime(const struct ts_oci_state *st)
{
	struct ts_error err = { 0 };
	if (!st->state_dir) {
		report(NULL, st->id, "annotation " TS_ANN_STATE_DIR " is missing");
		return 1;
	}
	if (st->version != TS_BUNDLE_VERSION) {
		ts_error_set(&err, EINVAL,
			     "bundle version mismatch: annotation " TS_ANN_VERSION " is %d, this hook "
			     "needs %d; re-run `terok-shield prepare` for this container",
			     st->version, TS_BUNDLE_VERSION);
		report(st->state_dir, st->id, err.message);
		return 1;
	}
	tune_malloc();
	if (hook_create_runtime(st, &err) < 0) {
		report(st->state_dir, st->id, err.message);
		return 1;
	}
	return 0;
}

/* poststop never fails the stop: problems are reported, the exit is 0. */
static int run_poststop(const struct ts_oci_state *st)
{
	struct ts_error err = { 0 };
	if (st->state_dir && hook_poststop(st, &err) < 0)
		report(st->state_dir, st->id, err.message);
	return 0;
}

int main(int argc, char **argv)
{
	stage = "?";
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("terok-shield-hook %s\n", ts_version());
		return 0;
	}
	if (argc != 2 || (strcmp(argv[1], "createRuntime") != 0 && strcmp(argv[1], "poststop") != 0)) {
		usage(stderr);
		report(NULL, NULL, "expected one argument, createRuntime or poststop");
		return 2;
	}
	stage = argv[1];
	/* OCI runtimes run hooks with only the descriptor's environment. */
	setenv("PATH", TS_SYSTEM_PATH, 0);

	bool poststop = strcmp(stage, "poststop") == 0;
	struct ts_error err = { 0 };
	_cleanup_free_ char *json = NULL;
	size_t len = 0;
	struct ts_oci_state st;
	if (read_state(&json, &len, &err) < 0 || ts_oci_state_parse(json, len, &st, &err) < 0) {
		report(NULL, NULL, err.message);
		return poststop ? 0 : 1;
	}
	int rc = poststop ? run_poststop(&st) : run_create_runtime(&st);
	ts_oci_state_clear(&st);
	return rc;
}
