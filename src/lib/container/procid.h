/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The identity of a container's init process as recorded in container.pid
 * (docs/bundle.md): "PID STARTTIME NETNS_INODE". A PID is trusted only
 * while all three still match the live process, so a recycled PID is
 * never mistaken for the container.
 */
#ifndef TS_PROCID_H
#define TS_PROCID_H

#include <stdbool.h>
#include <sys/types.h>

struct ts_error;

struct ts_proc_identity {
	pid_t pid;
	unsigned long long start_time; /* field 22 of /proc/PID/stat, clock ticks since boot */
	unsigned long long netns_ino;  /* inode of /proc/PID/ns/net */
};

/* Start time of pid (field 22 of /proc/PID/stat). -ESRCH when it is gone. */
int ts_proc_start_time(pid_t pid, unsigned long long *out, struct ts_error *err);

/* Read the live identity of pid. -ESRCH when the process is gone. */
int ts_proc_identity_read(pid_t pid, struct ts_proc_identity *id, struct ts_error *err);

/* "PID STARTTIME NETNS_INODE\n", newly allocated. */
char *ts_proc_identity_format(const struct ts_proc_identity *id);

/* Strict parse of the container.pid text (one line, three decimal numbers). */
int ts_proc_identity_parse(const char *text, struct ts_proc_identity *id, struct ts_error *err);

/* Whether the recorded identity still describes a live process. */
bool ts_proc_identity_is_live(const struct ts_proc_identity *id);

#endif
