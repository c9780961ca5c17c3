/* SPDX-License-Identifier: Apache-2.0 */
/* Finding a shielded container's init process (docs/cli.md). */
#ifndef TS_LOCATE_H
#define TS_LOCATE_H

#include <stdbool.h>

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

/* ts_container_locate for a command that needs the container running: -ESRCH with a message otherwise. */
int ts_container_require_running(const char *state_dir, const char *name,
				 struct ts_proc_identity *id, struct ts_error *err);

/* Whether container.pid still describes a live process (podman is not asked). */
bool ts_container_pid_live(const char *state_dir);

enum ts_presence {
	TS_PRESENCE_ABSENT,  /* podman does not know the name (or podman is not installed) */
	TS_PRESENCE_STOPPED, /* podman has a container of that name, not running */
	TS_PRESENCE_RUNNING, /* container.pid is live, or podman says it runs */
};

/*
 * Whether container name runs, exists in podman without running, or
 * neither. container.pid decides alone when it is live (no podman);
 * otherwise `podman container exists`. A podman that fails is an error
 * quoting podman's own message.
 */
int ts_container_presence(const char *state_dir, const char *name, enum ts_presence *out,
			  struct ts_error *err);

#endif
