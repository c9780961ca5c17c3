/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forget (docs/cli.md): remove the state directory of a container that is
 * gone, so a new container of the name starts from nothing.
 */
#ifndef TS_FORGET_H
#define TS_FORGET_H

#include "base/util.h"
#include "control/reuse.h"

struct ts_error;

struct ts_forgotten {
	char *state_dir;     /* what was removed */
	struct ts_kept kept; /* the allows and denies it held */
};

/*
 * Remove <state_root>/containers/<name> and everything in it, never
 * following a symbolic link: the entry itself must be a real directory
 * owned by the caller, and links inside are removed, not followed.
 * Refused with -EBUSY while the container runs or podman still has it
 * (it needs the state to start), -ENOENT when the name was never prepared,
 * -EINVAL for an invalid name. Not audited: the audit log is part of what
 * it removes.
 */
int ts_forget(const char *state_root, const char *name, struct ts_forgotten *out,
	      struct ts_error *err);
void ts_forgotten_clear(struct ts_forgotten *f);
#define _cleanup_forgotten_ _cleanup_(ts_forgotten_clear)

#endif
