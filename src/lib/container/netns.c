/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "base/util.h"
#include "container/netns.h"
#include "container/procid.h"

static bool same_identity(const struct ts_proc_identity *a, const struct ts_proc_identity *b)
{
	return a->pid == b->pid && a->start_time == b->start_time && a->netns_ino == b->netns_ino;
}

/*
 * Open pid's network namespace between two reads of its start time, so it
 * provably belongs to the process described by *id (filled in; when
 * expect is given the process must still be that one). Refuses our own
 * namespace.
 */
static int open_netns(pid_t pid, const struct ts_proc_identity *expect,
		      struct ts_proc_identity *id, int *out_fd, struct ts_error *err)
{
	struct ts_proc_identity before;
	int r = ts_proc_identity_read(pid, &before, err);
	if (r < 0)
		return r;
	if (expect && !same_identity(expect, &before))
		return ts_error_set(err, ESRCH, "process %d is no longer the container", (int)pid);

	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? ts_error_set(err, ESRCH, "process %d does not exist", (int)pid)
				       : ts_error_set(err, errno, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0)
		return ts_error_set(err, errno, "%s: %s", path, strerror(errno));

	/* A container sharing our namespace (host network, another hook's target) is no target. */
	struct stat own;
	if (stat("/proc/self/ns/net", &own) < 0)
		return ts_error_set(err, errno, "/proc/self/ns/net: %s", strerror(errno));
	if (own.st_ino == st.st_ino && own.st_dev == st.st_dev)
		return ts_error_set(err, EPERM,
				    "process %d is in this process's own network namespace (host "
				    "network?); refusing to shield a namespace the container does not own",
				    (int)pid);

	unsigned long long start_after;
	r = ts_proc_start_time(pid, &start_after, err);
	if (r < 0)
		return r;
	if (start_after != before.start_time || (unsigned long long)st.st_ino != before.netns_ino)
		return ts_error_set(err, ESRCH, "process %d exited while its namespace was opened",
				    (int)pid);
	*id = before;
	*out_fd = TAKE_FD(fd);
	return 0;
}

int ts_netns_join_pid(pid_t pid, struct ts_proc_identity *id, struct ts_error *err)
{
	_cleanup_close_ int fd = -1;
	int r = open_netns(pid, NULL, id, &fd, err);
	if (r < 0)
		return r;
	if (setns(fd, CLONE_NEWNET) < 0)
		return ts_error_set(err, errno, "cannot join the network namespace of process %d: %s",
				    (int)pid, strerror(errno));
	return 0;
}

int ts_netns_enter_container(const struct ts_proc_identity *id, struct ts_error *err)
{
	struct ts_proc_identity now;
	_cleanup_close_ int fd = -1;
	int r = open_netns(id->pid, id, &now, &fd, err);
	if (r < 0)
		return r;
	if (setns(fd, CLONE_NEWNET) == 0)
		return 0;
	if (errno != EPERM)
		return ts_error_set(err, errno, "cannot join the network namespace of process %d: %s",
				    (int)id->pid, strerror(errno));
	/* Rootless: only inside the user namespace that owns it do we hold CAP_NET_ADMIN over it. */
	_cleanup_close_ int userns = ioctl(fd, NS_GET_USERNS);
	if (userns < 0)
		return ts_error_set(err, errno, "cannot find the user namespace of process %d: %s",
				    (int)id->pid, strerror(errno));
	if (setns(userns, CLONE_NEWUSER) < 0)
		return ts_error_set(err, errno,
				    "cannot join the user namespace of process %d: %s (is the container "
				    "someone else's?)",
				    (int)id->pid, strerror(errno));
	if (setns(fd, CLONE_NEWNET) < 0)
		return ts_error_set(err, errno, "cannot join the network namespace of process %d: %s",
				    (int)id->pid, strerror(errno));
	return 0;
}
