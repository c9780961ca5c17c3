/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reusing a container name (docs/cli.md, prepare): prepare never rewrites
 * the bundle of a container that runs or that podman still has, and says
 * what an earlier container of the name left behind.
 */
#ifndef TS_REUSE_H
#define TS_REUSE_H

#include <stdbool.h>
#include <stddef.h>

struct ts_error;

/* What a bundle carries over to the name's next container. */
struct ts_kept {
	size_t allows; /* entries of live.allowed and live.domains */
	size_t denies; /* entries of deny.list and denied.domains */
	bool blocked;  /* the bundle records a block: the next container starts blocked */
};

/* Count the kept entries of state_dir (missing files count 0). */
int ts_kept_count(const char *state_dir, struct ts_kept *out, struct ts_error *err);

/*
 * Before prepare writes anything: -EBUSY, with a message saying what to do
 * instead, when a container `name` runs or podman still has one of that
 * name; otherwise 0 with *kept counting what the bundle keeps (all zero
 * when there is no bundle yet: then podman is not asked either).
 */
int ts_reuse_check(const char *state_dir, const char *name, struct ts_kept *kept,
		   struct ts_error *err);

/*
 * The same refusal for a running container, from container.pid alone: for
 * use under the bundle lock, which the hook holds while it records a start.
 */
int ts_reuse_check_not_started(const char *state_dir, const char *name, struct ts_error *err);

#endif
