/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "base/util.h"
#include "bundle/location.h"
#include "bundle/lock.h"
#include "bundle/state.h"
#include "container/locate.h"
#include "control/forget.h"

/* A bundle holds hooks/ and files; anything deeper was not made by us, and recursion stays bounded. */
#define MAX_DEPTH 8

void ts_forgotten_clear(struct ts_forgotten *f)
{
	free(f->state_dir);
	*f = (struct ts_forgotten){ 0 };
}

static inline void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static int walk(int dfd, const char *path, int depth, bool remove, struct ts_error *err);

/*
 * One entry of the directory dfd: a directory walked first, then (remove)
 * the entry unlinked; a symbolic link is an entry like any other,
 * unlinked, never followed.
 */
static int walk_entry(int dfd, const char *path, const char *name, int depth, bool remove,
		      struct ts_error *err)
{
	_cleanup_free_ char *sub = ts_xasprintf("%s/%s", path, name);
	struct stat st;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return ts_error_set(err, errno, "%s: %s", sub, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int child =
			openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (child < 0)
			return ts_error_set(err, errno, "%s: cannot open: %s", sub, strerror(errno));
		int r = walk(child, sub, depth + 1, remove, err);
		if (r < 0)
			return r;
	}
	if (remove && unlinkat(dfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
		return ts_error_set(err, errno, "%s: cannot remove: %s", sub, strerror(errno));
	return 0;
}

/* One pass over the entries of d; *removed says whether it removed any. */
static int walk_pass(DIR *d, int dfd, const char *path, int depth, bool remove, bool *removed,
		     struct ts_error *err)
{
	*removed = false;
	struct dirent *e;
	while ((errno = 0, e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		int r = walk_entry(dfd, path, e->d_name, depth, remove, err);
		if (r < 0)
			return r;
		*removed = remove;
	}
	if (errno != 0)
		return ts_error_set(err, errno, "%s: cannot read: %s", path, strerror(errno));
	return 0;
}

/*
 * Walk everything inside the directory dfd (not dfd itself); path names it
 * in messages. First a dry run (remove false) that finds what would stop
 * the removal halfway (too deep, a directory that cannot be opened or
 * changed), then the removal: a refusal leaves the bundle whole.
 */
static int walk(int dfd, const char *path, int depth, bool remove, struct ts_error *err)
{
	if (depth > MAX_DEPTH)
		return ts_error_set(err, ELOOP, "%s: nested too deep to be a state directory", path);
	if (!remove && faccessat(dfd, ".", W_OK | X_OK, AT_EACCESS) < 0)
		return ts_error_set(err, errno, "%s: cannot remove its entries: %s", path,
				    strerror(errno));
	/* A description of its own: a dup would share the read position of an earlier walk. */
	int copy = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_(closedirp) DIR *d = copy < 0 ? NULL : fdopendir(copy);
	if (!d) {
		int e = errno;
		if (copy >= 0)
			close(copy);
		return ts_error_set(err, e, "%s: cannot read: %s", path, strerror(e));
	}
	/* POSIX leaves open whether readdir sees every entry of a directory changing under it: again until none is left. */
	bool removed;
	do {
		rewinddir(d);
		int r = walk_pass(d, dfd, path, depth, remove, &removed, err);
		if (r < 0)
			return r;
	} while (removed);
	return 0;
}

/* The state directory itself, opened without following a link, and ours. */
static int open_state_dir(const char *state_dir, const char *name, struct ts_error *err)
{
	struct stat st;
	if (lstat(state_dir, &st) < 0) {
		if (errno == ENOENT)
			return ts_error_set(err, ENOENT, "no container '%s' has been prepared (no %s); "
					    "nothing to forget", name, state_dir);
		return ts_error_set(err, errno, "%s: %s", state_dir, strerror(errno));
	}
	if (S_ISLNK(st.st_mode))
		return ts_error_set(err, ELOOP, "%s is a symbolic link, not a state directory; "
				    "refusing to forget through it", state_dir);
	if (!S_ISDIR(st.st_mode))
		return ts_error_set(err, ENOTDIR, "%s is not a directory; refusing to remove it",
				    state_dir);
	if (st.st_uid != geteuid())
		return ts_error_set(err, EPERM, "%s belongs to uid %u, not to you; refusing to "
				    "remove it", state_dir, (unsigned)st.st_uid);
	int fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat now;
	if (fd < 0)
		return ts_error_set(err, errno, "%s: cannot open: %s", state_dir, strerror(errno));
	/* Replaced between the look and the open: not the directory that was checked. */
	if (fstat(fd, &now) < 0 || now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
		close(fd);
		return ts_error_set(err, EAGAIN, "%s changed while being checked; try again",
				    state_dir);
	}
	return fd;
}

/* The state goes only when nothing needs it: not a running container, not one podman can start. */
static int check_gone(const char *state_dir, const char *name, struct ts_error *err)
{
	enum ts_presence presence;
	int r = ts_container_presence(state_dir, name, &presence, err);
	if (r < 0)
		return r;
	if (presence == TS_PRESENCE_RUNNING)
		return ts_error_set(err, EBUSY, "container '%s' is running; stop and remove it "
				    "('podman rm -f %s') before forgetting its state", name, name);
	if (presence == TS_PRESENCE_STOPPED)
		return ts_error_set(err, EBUSY, "podman still has a container named '%s', which "
				    "needs this state to start; remove it ('podman rm %s') before "
				    "forgetting its state", name, name);
	return 0;
}

static int forget(const char *state_root, const char *name, struct ts_forgotten *out,
		  struct ts_error *err)
{
	_cleanup_free_ char *state_dir = NULL;
	int r = ts_container_state_dir(state_root, name, &state_dir, err);
	if (r < 0)
		return r;
	_cleanup_close_ int dfd = open_state_dir(state_dir, name, err);
	if (dfd < 0)
		return dfd;
	r = check_gone(state_dir, name, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *parent = ts_xstrdup(state_dir);
	*strrchr(parent, '/') = '\0';
	if (access(parent, W_OK | X_OK) < 0)
		return ts_error_set(err, errno, "%s: cannot remove %s from it: %s", parent, name,
				    strerror(errno));
	r = walk(dfd, state_dir, 0, false, err);
	if (r < 0)
		return r;
	/*
	 * Taken once nothing refuses (a refusal creates no lock file) and held
	 * to the end: a hook recording a start holds it, so container.pid is
	 * looked at again; an allow waiting on it finds the bundle gone.
	 */
	_cleanup_close_ int lock = ts_bundle_lock(state_dir, err);
	if (lock < 0)
		return lock;
	if (ts_container_pid_live(state_dir))
		return ts_error_set(err, EBUSY, "container '%s' has just started; nothing forgotten",
				    name);
	/* Only for the report: a bundle with odd files is still removed. */
	if (ts_kept_count(state_dir, &out->kept, NULL) < 0)
		out->kept = (struct ts_kept){ 0 };
	r = walk(dfd, state_dir, 0, true, err);
	if (r < 0)
		return r;
	if (rmdir(state_dir) < 0)
		return ts_error_set(err, errno, "%s: cannot remove: %s", state_dir, strerror(errno));
	out->state_dir = TAKE_PTR(state_dir);
	return 0;
}

int ts_forget(const char *state_root, const char *name, struct ts_forgotten *out,
	      struct ts_error *err)
{
	*out = (struct ts_forgotten){ 0 };
	int r = forget(state_root, name, out, err);
	if (r < 0)
		ts_forgotten_clear(out);
	return r;
}
