/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shield tier's terok-shield-dns process (doc/terok-shield-dns.8.scd):
 * started by the hook from the namespace it runs in, recorded in
 * dns-forwarder.pid (docs/bundle.md: its PID, start time and network
 * namespace), signalled at poststop and when the table is replaced. A
 * PID is acted on only while the record still describes the live
 * process and its command line is our forwarder's for this bundle.
 */
#ifndef TS_FORWARDER_H
#define TS_FORWARDER_H

#include <stdbool.h>
#include <sys/types.h>

struct ts_error;

/* Longest wait for the forwarder to report ready, or to exit after SIGTERM. */
#define TS_FORWARDER_WAIT_MS 10000

/*
 * Start the forwarder for the container whose init is container, with
 * the bundle's policy (open_policy: forward every name), its query log on, its
 * stderr appended to log_fd (-1: none). A previous forwarder of ours is
 * stopped first. The program is terok-shield-dns next to this program's
 * binary, else libexecdir's (ts_companion_program). Returns once it reported ready (its sockets are bound in
 * the container's namespace) and dns-forwarder.pid names it; on any
 * failure the forwarder is gone and err says why (its own message
 * included when it wrote one to log_fd).
 */
int ts_forwarder_start(const char *state_dir, pid_t container, bool open_policy, int log_fd,
		       pid_t *pid, struct ts_error *err);

/*
 * The PID of our running forwarder from dns-forwarder.pid. -ENOENT: no
 * record; -ESRCH: the record no longer describes our forwarder.
 */
int ts_forwarder_pid(const char *state_dir, pid_t *pid, struct ts_error *err);

/*
 * Send sig to our forwarder when dns-forwarder.pid names it: 1 when
 * signalled, 0 when none runs, or a negative errno.
 */
int ts_forwarder_signal(const char *state_dir, int sig, struct ts_error *err);

/*
 * SIGTERM to our forwarder (wait: until it has exited) and remove the
 * record; a stale record is only removed. 1 when a process was
 * signalled, 0 when none was running.
 */
int ts_forwarder_stop(const char *state_dir, bool wait, struct ts_error *err);

#endif
