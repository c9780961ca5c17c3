/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include "netns.h"
#include "procid.h"
#include "util.h"

int ts_netns_join_pid(pid_t pid, struct ts_proc_identity *id, struct ts_error *err)
{
	struct ts_proc_identity before;
	int r = ts_proc_identity_read(pid, &before, err);
	if (r < 0)
		return r;

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

	if (setns(fd, CLONE_NEWNET) < 0)
		return ts_error_set(err, errno, "cannot join the network namespace of process %d: %s",
				    (int)pid, strerror(errno));
	*id = before;
	return 0;
}
