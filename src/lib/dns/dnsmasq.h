/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-container dnsmasq process (docs/cli.md): started by the hook
 * inside the container's network namespace, identified by its PID file
 * and command line, stopped at poststop. A PID is acted on only when
 * /proc/PID/cmdline proves it is our dnsmasq.
 */
#ifndef TS_DNSMASQ_H
#define TS_DNSMASQ_H

#include <stdbool.h>
#include <sys/types.h>

struct ts_error;

/*
 * Whether the dnsmasq tier is available: dnsmasq is installed and its
 * compile-time options list "nftset" (not "no-nftset").
 */
bool ts_dnsmasq_has_nftset(void);

/* Longest wait for dnsmasq to write its PID file or to exit. */
#define TS_DNSMASQ_WAIT_MS 5000

/*
 * Whether pid runs our dnsmasq: argv[0] is "dnsmasq" or ends in
 * "/dnsmasq", and an argument equals "--conf-file=<conf_path>".
 */
bool ts_dnsmasq_is_ours(pid_t pid, const char *conf_path);

/*
 * PID of our running dnsmasq from dnsmasq.pid. -ENOENT when there is no
 * PID file; -ESRCH when the file is stale (names another process or none).
 */
int ts_dnsmasq_pid(const char *state_dir, pid_t *pid, struct ts_error *err);

/*
 * Start dnsmasq with <state_dir>/dnsmasq.conf in the calling process's
 * network namespace, for the container whose init is container. A
 * previous instance of ours is stopped first, so a repeated start never
 * leaves two. Returns once the new daemon has written its PID file,
 * passed the identity check (*pid set) and has its watcher, which stops
 * it when the container's init exits: every dnsmasq of ours, restarts
 * included, ends with its container.
 */
int ts_dnsmasq_start(const char *state_dir, pid_t container, pid_t *pid, struct ts_error *err);

/*
 * Send SIGTERM to our dnsmasq when dnsmasq.pid names it (wait: until it
 * has exited) and remove the PID file; a stale PID file is only removed.
 * Returns 1 when a process was signalled, 0 when none was running.
 */
int ts_dnsmasq_stop(const char *state_dir, bool wait, struct ts_error *err);

#endif
