/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include "base/fileio.h"
#include "base/process.h"
#include "base/util.h"
#include "bundle/state.h"
#include "dns/dnsmasq.h"

bool ts_dnsmasq_has_nftset(void)
{
	_cleanup_free_ char *program = ts_find_system_program("dnsmasq");
	const char *argv[] = { program, "--version", NULL };
	_cleanup_free_ char *out = NULL;
	if (!program || ts_run_capture(argv, &out, NULL) != 0)
		return false;
	char *save = NULL;
	for (char *w = strtok_r(out, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		if (strcmp(w, "nftset") == 0)
			return true;
	return false;
}

/*
 * /proc/PID/cmdline (NUL-separated) into buf; returns its length, or a
 * negative errno: -E2BIG when it does not fit.
 */
static ssize_t read_cmdline(pid_t pid, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = 0;
	ssize_t n;
	while (len < size && (n = read(fd, buf + len, size - len)) > 0)
		len += (size_t)n;
	return len < size ? (ssize_t)len : -E2BIG;
}

bool ts_dnsmasq_is_ours(pid_t pid, const char *conf_path)
{
	const size_t size = 65536;
	_cleanup_free_ char *buf = ts_xmalloc(size);
	ssize_t len = read_cmdline(pid, buf, size - 1);
	if (len <= 0)
		return false;
	buf[len] = '\0';
	_cleanup_free_ char *want = ts_xasprintf("--conf-file=%s", conf_path);
	const char *argv0 = buf;
	size_t n0 = strlen(argv0);
	if (strcmp(argv0, "dnsmasq") != 0 && !(n0 > 8 && strcmp(argv0 + n0 - 8, "/dnsmasq") == 0))
		return false;
	for (const char *arg = argv0 + n0 + 1; arg < buf + len; arg += strlen(arg) + 1)
		if (strcmp(arg, want) == 0)
			return true;
	return false;
}

/* "PID\n" exactly as dnsmasq writes it; false for anything else. */
static bool parse_pid_file(const char *text, pid_t *pid)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (errno || end == text || text[0] == '0' || text[0] == '-' || text[0] == '+' || v <= 0 ||
	    v > 4194304 || (*end != '\0' && strcmp(end, "\n") != 0))
		return false;
	*pid = (pid_t)v;
	return true;
}

int ts_dnsmasq_pid(const char *state_dir, pid_t *pid, struct ts_error *err)
{
	_cleanup_free_ char *pid_path = ts_path_dnsmasq_pid(state_dir);
	_cleanup_free_ char *conf = ts_path_dnsmasq_conf(state_dir);
	_cleanup_free_ char *text = NULL;
	int r = ts_file_read(pid_path, &text, NULL, err);
	if (r < 0)
		return r;
	if (!parse_pid_file(text, pid))
		return ts_error_set(err, ESRCH, "%s: not a PID", pid_path);
	if (!ts_dnsmasq_is_ours(*pid, conf))
		return ts_error_set(err, ESRCH, "%s: process %d is not this container's dnsmasq",
				    pid_path, (int)*pid);
	return 0;
}

/*
 * SIGTERM to pid when it is still our dnsmasq (wait: until it has exited):
 * 1 when signalled, 0 when it is gone or another process, or a negative errno.
 */
static int terminate(pid_t pid, const char *conf, bool wait, struct ts_error *err)
{
	/* Pin the process, then check it again: the signal cannot reach a recycled PID. */
	_cleanup_close_ int pidfd = ts_pidfd_open(pid);
	if (pidfd < 0 && errno != ESRCH)
		return ts_error_set(err, errno, "cannot stop dnsmasq (PID %d): %s", (int)pid,
				    strerror(errno));
	if (pidfd < 0 || !ts_dnsmasq_is_ours(pid, conf))
		return 0;
	if (ts_pidfd_signal(pidfd, SIGTERM) < 0 && errno != ESRCH)
		return ts_error_set(err, errno, "cannot stop dnsmasq (PID %d): %s", (int)pid,
				    strerror(errno));
	if (wait && !ts_pidfd_wait(pidfd, TS_DNSMASQ_WAIT_MS))
		return ts_error_set(err, ETIMEDOUT, "dnsmasq (PID %d) did not exit after SIGTERM",
				    (int)pid);
	return 1;
}

int ts_dnsmasq_stop(const char *state_dir, bool wait, struct ts_error *err)
{
	_cleanup_free_ char *pid_path = ts_path_dnsmasq_pid(state_dir);
	_cleanup_free_ char *conf = ts_path_dnsmasq_conf(state_dir);
	pid_t pid;
	int r = ts_dnsmasq_pid(state_dir, &pid, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0 && r != -ESRCH)
		return r;
	/* -ESRCH: a stale PID file, only removed. */
	int signalled = r == 0 ? terminate(pid, conf, wait, err) : 0;
	if (signalled < 0)
		return signalled;
	if (unlink(pid_path) < 0 && errno != ENOENT)
		return ts_error_set(err, errno, "%s: %s", pid_path, strerror(errno));
	return signalled;
}

static bool in_current_netns(pid_t pid)
{
	char path[64];
	struct stat theirs, mine;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	return stat(path, &theirs) == 0 && stat("/proc/self/ns/net", &mine) == 0 &&
	       theirs.st_ino == mine.st_ino && theirs.st_dev == mine.st_dev;
}

/*
 * A start that failed after dnsmasq forked must not leave it running (it
 * would hold the container's namespace): SIGTERM every dnsmasq of ours in
 * this namespace, found by command line since its PID file is not usable.
 */
static void stop_strays(const char *conf)
{
	DIR *proc = opendir("/proc");
	struct dirent *e;
	while (proc && (e = readdir(proc))) {
		pid_t pid = (pid_t)strtol(e->d_name, NULL, 10);
		if (pid <= 0 || !ts_dnsmasq_is_ours(pid, conf) || !in_current_netns(pid))
			continue;
		_cleanup_close_ int pidfd = ts_pidfd_open(pid);
		if (pidfd >= 0 && ts_dnsmasq_is_ours(pid, conf))
			ts_pidfd_signal(pidfd, SIGTERM);
	}
	if (proc)
		closedir(proc);
}

/* First non-blank line of dnsmasq's complaint (it starts with a newline), for the error message. */
static const char *first_line(char *text)
{
	text += strspn(text, " \t\n");
	text[strcspn(text, "\n")] = '\0';
	return *text ? ts_strip(text) : "no message";
}

/* The watcher's life: wait until the container or dnsmasq is gone, then stop dnsmasq. */
static void watch(int container_fd, int dnsmasq_fd)
{
	struct pollfd pfd[2] = { { .fd = container_fd, .events = POLLIN },
				 { .fd = dnsmasq_fd, .events = POLLIN } };
	while (poll(pfd, 2, -1) < 0 && errno == EINTR)
		;
	if (pfd[0].revents)
		ts_pidfd_signal(dnsmasq_fd, SIGTERM);
	_exit(0);
}

/*
 * A detached watcher that stops dnsmasq when the container's init exits:
 * poststop does not run on every way a container ends (a forced removal,
 * a runtime crash), and a forgotten dnsmasq would keep the namespace alive.
 */
static int watch_dnsmasq(pid_t dnsmasq, pid_t container, struct ts_error *err)
{
	/* Pidfds taken now pin exactly these two processes, whatever their PIDs become. */
	_cleanup_close_ int dnsmasq_fd = ts_pidfd_open(dnsmasq);
	_cleanup_close_ int container_fd = ts_pidfd_open(container);
	if (dnsmasq_fd < 0 || container_fd < 0)
		return ts_error_set(err, errno, "cannot watch dnsmasq (PID %d): %s", (int)dnsmasq,
				    strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		return ts_error_set(err, errno, "fork: %s", strerror(errno));
	if (pid > 0)
		return 0;
	/* Detached: no pipe the runtime waits on, no lock, its own session. */
	setsid();
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int fd = 0; fd <= 2 && null >= 0; fd++)
		dup2(null, fd);
	unsigned lo = (unsigned)(container_fd < dnsmasq_fd ? container_fd : dnsmasq_fd);
	unsigned hi = (unsigned)(container_fd < dnsmasq_fd ? dnsmasq_fd : container_fd);
	if (lo > 3)
		close_range(3, lo - 1, 0);
	if (hi > lo + 1)
		close_range(lo + 1, hi - 1, 0);
	close_range(hi + 1, ~0U, 0);
	watch(container_fd, dnsmasq_fd);
	return 0;
}

int ts_dnsmasq_start(const char *state_dir, pid_t container, pid_t *pid, struct ts_error *err)
{
	_cleanup_free_ char *conf = ts_path_dnsmasq_conf(state_dir);
	_cleanup_free_ char *pid_path = ts_path_dnsmasq_pid(state_dir);
	int r = ts_dnsmasq_stop(state_dir, true, err);
	if (r < 0)
		return ts_error_prefix(err, r, "cannot replace the running dnsmasq");

	_cleanup_free_ char *conf_arg = ts_xasprintf("--conf-file=%s", conf);
	_cleanup_free_ char *program = ts_find_system_program("dnsmasq");
	if (!program)
		return ts_error_set(err, ENOENT, "dnsmasq is configured but not installed");
	const char *argv[] = { program, conf_arg, NULL };
	_cleanup_free_ char *errors = NULL;
	int status = ts_run_wait(argv, &errors, err);
	if (status < 0)
		return ts_error_prefix(err, status, "cannot start dnsmasq");
	if (status != 0)
		return ts_error_set(err, EIO, "dnsmasq failed to start (exit %d): %s", status,
				    first_line(errors));

	/* dnsmasq's parent exits once the daemon is up; allow for a slow PID file anyway. */
	struct timespec tick = { .tv_nsec = 1000000 };
	for (int waited = 0;; waited++) {
		r = ts_dnsmasq_pid(state_dir, pid, NULL);
		if (r == 0 || waited >= TS_DNSMASQ_WAIT_MS)
			break;
		nanosleep(&tick, NULL);
	}
	if (r < 0) {
		stop_strays(conf);
		return ts_error_set(err, ESRCH, "dnsmasq started but %s never named it", pid_path);
	}
	if (!in_current_netns(*pid)) {
		stop_strays(conf);
		ts_dnsmasq_stop(state_dir, false, NULL);
		return ts_error_set(err, EPROTO,
				    "dnsmasq (PID %d) is not in the container's network namespace",
				    (int)*pid);
	}
	return watch_dnsmasq(*pid, container, err);
}

