/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "base/fileio.h"
#include "base/process.h"
#include "base/strbuf.h"
#include "base/util.h"

extern char **environ;

char *ts_find_system_program(const char *name)
{
	_cleanup_free_ char *dirs = ts_xstrdup(TS_SYSTEM_PATH);
	char *save = NULL;
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *candidate = ts_xasprintf("%s/%s", d, name);
		if (access(candidate, X_OK) == 0)
			return candidate;
		free(candidate);
	}
	return NULL;
}

/*
 * Default signal handling and nothing blocked in the child (watch blocks
 * and ignores some in the caller).
 */
static void spawn_attr_init(posix_spawnattr_t *attr)
{
	sigset_t none, defaults;
	sigemptyset(&none);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGPIPE);
	sigaddset(&defaults, SIGINT);
	sigaddset(&defaults, SIGTERM);
	posix_spawnattr_init(attr);
	posix_spawnattr_setsigmask(attr, &none);
	posix_spawnattr_setsigdefault(attr, &defaults);
	posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
}

int ts_spawn(const char *const argv[], const int fds[3], pid_t *pid, struct ts_error *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	for (int i = 0; i < 3; i++) {
		if (fds[i] >= 0)
			posix_spawn_file_actions_adddup2(&fa, fds[i], i);
		else if (fds[i] == TS_SPAWN_NULL)
			posix_spawn_file_actions_addopen(&fa, i, "/dev/null", i ? O_WRONLY : O_RDONLY, 0);
	}
	/* Nothing else leaks into the child (libnftables' socket is not close-on-exec). */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_t attr;
	spawn_attr_init(&attr);
	int r = posix_spawnp(pid, argv[0], &fa, &attr, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r == ENOENT)
		return ts_error_set(err, ENOENT, "%s: not found", argv[0]);
	if (r != 0)
		return ts_error_set(err, r, "%s: cannot run: %s", argv[0], strerror(r));
	return 0;
}

/* Most of stderr a caller ever shows. */
#define TS_STDERR_KEEP 4096

/* Read what is there (bounded, so a writer that never pauses cannot hold us here). */
static void keep_stderr(int fd, struct ts_strbuf *b)
{
	char chunk[4096];
	ssize_t n;
	for (int i = 0; fd >= 0 && i < 64 && (n = read(fd, chunk, sizeof(chunk))) > 0; i++)
		if (b->len < TS_STDERR_KEEP)
			ts_strbuf_append(b, chunk, (size_t)n);
}

/*
 * Read stdout to its end, draining stderr (err_fd, non-blocking, -1 for
 * none) meanwhile so a child that writes much of both never blocks.
 */
static int read_stdout(int out_fd, int err_fd, char **out, struct ts_strbuf *errors)
{
	_cleanup_strbuf_ struct ts_strbuf b = TS_STRBUF_INIT;
	struct pollfd pfd[2] = { { .fd = out_fd, .events = POLLIN }, { .fd = err_fd, .events = POLLIN } };
	char chunk[8192];
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[1].revents & POLLIN)
			keep_stderr(err_fd, errors);
		if (pfd[1].revents & (POLLHUP | POLLERR | POLLNVAL))
			pfd[1].fd = -1;
		if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ssize_t n = read(out_fd, chunk, sizeof(chunk));
		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (b.len + (size_t)n > TS_FILE_MAX_SIZE)
			return -EFBIG;
		ts_strbuf_append(&b, chunk, (size_t)n);
	}
	*out = ts_strbuf_take(&b);
	return 0;
}

/*
 * Wait for pid to exit, draining err_fd (non-blocking, -1 for none) so a
 * chatty child never blocks on a full pipe; the pidfd wakes us the moment
 * the child exits. 0 with *status set, or a negative errno.
 */
static int wait_draining(pid_t pid, int err_fd, struct ts_strbuf *errors, int *status)
{
	_cleanup_close_ int pidfd = ts_pidfd_open(pid);
	struct pollfd pfd[2] = { { .fd = err_fd, .events = POLLIN },
				 { .fd = pidfd, .events = POLLIN } };
	pid_t w;
	while ((w = waitpid(pid, status, WNOHANG)) == 0 || (w < 0 && errno == EINTR)) {
		if (poll(pfd, 2, pidfd >= 0 ? -1 : 10) > 0 && (pfd[0].revents & POLLIN))
			keep_stderr(err_fd, errors);
		if (pfd[0].revents & POLLHUP)
			pfd[0].fd = -1;
	}
	int saved = errno;
	keep_stderr(err_fd, errors);
	return w < 0 ? -saved : 0;
}

static void close_pipe(int fds[2])
{
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int ts_run_capture_errors(const char *const argv[], char **out, char **errors,
			  struct ts_error *err)
{
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 };
	if (pipe2(outp, O_CLOEXEC) < 0 || (errors && pipe2(errp, O_CLOEXEC | O_NONBLOCK) < 0)) {
		int saved = errno;
		close_pipe(outp);
		return ts_error_set(err, saved, "pipe: %s", strerror(saved));
	}

	pid_t pid;
	int r = ts_spawn(argv, (const int[3]){ TS_SPAWN_NULL, outp[1], errp[1] }, &pid, err);
	close(outp[1]);
	if (errp[1] >= 0)
		close(errp[1]);
	_cleanup_close_ int out_fd = outp[0], err_fd = errp[0];
	if (r < 0)
		return r;

	_cleanup_strbuf_ struct ts_strbuf eb = TS_STRBUF_INIT;
	_cleanup_free_ char *output = NULL;
	int rr = read_stdout(out_fd, err_fd, &output, &eb);
	/* Closed before the wait: a child still writing (output too large) gets EPIPE, not stuck. */
	close(TAKE_FD(out_fd));
	int status;
	r = wait_draining(pid, err_fd, &eb, &status);
	if (r < 0)
		return ts_error_set(err, -r, "waitpid: %s", strerror(-r));
	if (rr < 0)
		return ts_error_set(err, -rr, "%s: cannot read output: %s", argv[0], strerror(-rr));
	if (!WIFEXITED(status))
		return ts_error_set(err, EINTR, "%s: killed by signal %d", argv[0], WTERMSIG(status));
	*out = TAKE_PTR(output);
	if (errors)
		*errors = ts_strbuf_take(&eb);
	return WEXITSTATUS(status);
}

int ts_run_capture(const char *const argv[], char **out, struct ts_error *err)
{
	return ts_run_capture_errors(argv, out, NULL, err);
}

int ts_run_start(const char *const argv[], struct ts_run *run, struct ts_error *err)
{
	_cleanup_close_ int out_fd = memfd_create("stdout", MFD_CLOEXEC);
	_cleanup_close_ int err_fd = memfd_create("stderr", MFD_CLOEXEC);
	if (out_fd < 0 || err_fd < 0)
		return ts_error_set(err, errno, "memfd_create: %s", strerror(errno));
	pid_t pid;
	int r = ts_spawn(argv, (const int[3]){ TS_SPAWN_NULL, out_fd, err_fd }, &pid, err);
	if (r < 0)
		return r;
	*run = (struct ts_run){ .pid = pid, .out_fd = TAKE_FD(out_fd), .err_fd = TAKE_FD(err_fd),
				.name = ts_xstrdup(argv[0]) };
	return 0;
}

/* A memory file from its start: at most max bytes (more: -EFBIG unless truncate). */
static int read_memfd(int fd, size_t max, bool truncate, char **out)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	size_t size = (size_t)st.st_size;
	if (size > max && !truncate)
		return -EFBIG;
	size = size > max ? max : size;
	_cleanup_free_ char *buf = ts_xmalloc(size + 1);
	size_t got = 0;
	while (got < size) {
		ssize_t n = pread(fd, buf + got, size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = TAKE_PTR(buf);
	return 0;
}

int ts_run_finish(struct ts_run *run, char **out, char **errors, struct ts_error *err)
{
	_cleanup_close_ int out_fd = run->out_fd, err_fd = run->err_fd;
	_cleanup_free_ char *name = run->name;
	pid_t pid = run->pid;
	*run = (struct ts_run){ .out_fd = -1, .err_fd = -1 };
	int status;
	pid_t w;
	while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (w < 0)
		return ts_error_set(err, errno, "waitpid: %s", strerror(errno));
	if (!WIFEXITED(status))
		return ts_error_set(err, EINTR, "%s: killed by signal %d", name, WTERMSIG(status));
	_cleanup_free_ char *output = NULL, *stderr_text = NULL;
	int r = read_memfd(out_fd, TS_FILE_MAX_SIZE, false, &output);
	if (r < 0)
		return ts_error_set(err, -r, "%s: cannot read output: %s", name, strerror(-r));
	if (errors && read_memfd(err_fd, TS_STDERR_KEEP, true, &stderr_text) < 0)
		stderr_text = ts_xstrdup("");
	*out = TAKE_PTR(output);
	if (errors)
		*errors = TAKE_PTR(stderr_text);
	return WEXITSTATUS(status);
}

int ts_run_wait(const char *const argv[], char **errors, struct ts_error *err)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
		return ts_error_set(err, errno, "pipe: %s", strerror(errno));

	pid_t pid;
	int r = ts_spawn(argv, (const int[3]){ TS_SPAWN_NULL, TS_SPAWN_NULL, pipefd[1] }, &pid, err);
	close(pipefd[1]);
	_cleanup_close_ int err_fd = pipefd[0];
	if (r < 0)
		return r;

	_cleanup_strbuf_ struct ts_strbuf b = TS_STRBUF_INIT;
	int status;
	r = wait_draining(pid, err_fd, &b, &status);
	if (r < 0)
		return ts_error_set(err, -r, "waitpid: %s", strerror(-r));
	if (!WIFEXITED(status)) {
		*errors = NULL;
		return ts_error_set(err, EINTR, "%s: killed by signal %d", argv[0], WTERMSIG(status));
	}
	*errors = ts_strbuf_take(&b);
	return WEXITSTATUS(status);
}

int ts_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int ts_pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

bool ts_pidfd_wait(int pidfd, int timeout_ms)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	int r;
	while ((r = poll(&pfd, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	return r > 0;
}
