/* SPDX-License-Identifier: Apache-2.0 */
/* Finding a shielded container's init process (docs/cli.md). */
#ifndef TS_LOCATE_H
#define TS_LOCATE_H

struct ts_error;
struct ts_proc_identity;

/*
 * container.pid when its PID, start time and network-namespace inode all
 * still match a live process (a recycled PID never passes); otherwise the
 * PID `podman inspect` reports for name. Returns 1 with *id set when the
 * container runs, 0 when it does not (or podman does not know it).
 */
int ts_container_locate(const char *state_dir, const char *name, struct ts_proc_identity *id,
			struct ts_error *err);

#endif
