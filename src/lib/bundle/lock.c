/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <sys/file.h>

#include "base/util.h"
#include "bundle/lock.h"
#include "bundle/state.h"

int ts_bundle_lock(const char *state_dir, struct ts_error *err)
{
	_cleanup_free_ char *path = ts_path_lock(state_dir);
	_cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return ts_error_set(err, errno, "%s: cannot open lock file: %s", path, strerror(errno));
	int r;
	do
		r = flock(fd, LOCK_EX);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return ts_error_set(err, errno, "%s: cannot lock: %s", path, strerror(errno));
	return TAKE_FD(fd);
}
