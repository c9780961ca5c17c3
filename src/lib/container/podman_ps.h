/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every container podman knows, from one `podman ps -a --format json`:
 * what `list` (docs/cli.md) needs to tell running, stopped and gone apart
 * for all prepared containers with a single podman call.
 */
#ifndef TS_PODMAN_PS_H
#define TS_PODMAN_PS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/process.h"
#include "base/util.h"

struct ts_error;

struct ts_podman_container {
	char *name;   /* Names[0]: a valid container name (bundle/location.h) */
	bool running; /* State "running" or "paused": its process, and its shield, are there */
};

struct ts_podman_ps {
	struct ts_podman_container *items;
	size_t n;
};

/*
 * Parse the output: a JSON array (null: none) of objects, each with a
 * "Names" array whose first string is the name and a "State" string.
 * Other keys are ignored. Anything else is -EPROTO naming the entry and
 * the key; then *out is left empty.
 */
int ts_podman_ps_parse(const char *json, struct ts_podman_ps *out, struct ts_error *err);

/*
 * Start `podman ps -a --format json`, to run while the caller reads what
 * needs no podman; -ENOENT when podman is not installed.
 */
int ts_podman_ps_start(struct ts_run *run, struct ts_error *err);

/* Wait for it and parse its output; podman's failure is an error quoting it. */
int ts_podman_ps_finish(struct ts_run *run, struct ts_podman_ps *out, struct ts_error *err);

/* The container named name, or NULL. */
const struct ts_podman_container *ts_podman_ps_find(const struct ts_podman_ps *ps,
						    const char *name);

void ts_podman_ps_clear(struct ts_podman_ps *ps);
#define _cleanup_podman_ps_ _cleanup_(ts_podman_ps_clear)

#endif
