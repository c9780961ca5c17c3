/* SPDX-License-Identifier: Apache-2.0 */
/* Joining a container's network namespace (docs/cli.md). */
#ifndef TS_NETNS_H
#define TS_NETNS_H

#include <sys/types.h>

struct ts_error;
struct ts_proc_identity;

/*
 * Move the calling (single-threaded) process into the network namespace
 * of pid. The namespace is opened between two reads of the process's
 * start time, so it provably belongs to the process described by *id
 * (filled in on success) and not to a recycled PID. -ESRCH when the
 * process is gone; -EPERM when it shares the caller's namespace (a host
 * network container: firewalling it would firewall the host).
 */
int ts_netns_join_pid(pid_t pid, struct ts_proc_identity *id, struct ts_error *err);

/*
 * Move the calling process, which must be single-threaded (a forked
 * helper), into the network namespace of the container process recorded
 * in *id, which must still be alive and the same process. When not
 * privileged over that namespace (rootless), it first joins the user
 * namespace owning it (NS_GET_USERNS), where the container's owner holds
 * every capability (docs/environment.md).
 */
int ts_netns_enter_container(const struct ts_proc_identity *id, struct ts_error *err);

#endif
