/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "fileio.h"
#include "process.h"
#include "strbuf.h"
#include "util.h"

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

void ts_spawn_attr_init(posix_spawnattr_t *attr)
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

static int read_pipe(int fd, char **out)
{
	struct ts_strbuf b = TS_STRBUF_INIT;
	char chunk[8192];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || b.len + (size_t)n > TS_FILE_MAX_SIZE) {
			ts_strbuf_clear(&b);
			return n < 0 ? -errno : -EFBIG;
		}
		ts_strbuf_append(&b, chunk, (size_t)n);
	}
	*out = ts_strbuf_take(&b);
	return 0;
}

/*
 * Start argv[0] (searched in PATH) with stdin on /dev/null, stdout and
 * stderr on out_fd / err_fd (-1: /dev/null), nothing else inherited.
 */
static int spawn(const char *const argv[], int out_fd, int err_fd, pid_t *pid,
		 struct ts_error *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	const int fds[] = { out_fd, err_fd };
	for (int i = 0; i < 2; i++) {
		if (fds[i] >= 0)
			posix_spawn_file_actions_adddup2(&fa, fds[i], i + 1);
		else
			posix_spawn_file_actions_addopen(&fa, i + 1, "/dev/null", O_WRONLY, 0);
	}
	/* Nothing else leaks into the child (libnftables' socket is not close-on-exec). */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_t attr;
	ts_spawn_attr_init(&attr);
	int r = posix_spawnp(pid, argv[0], &fa, &attr, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (r == ENOENT)
		return ts_error_set(err, ENOENT, "%s: not found", argv[0]);
	if (r != 0)
		return ts_error_set(err, r, "%s: cannot run: %s", argv[0], strerror(r));
	return 0;
}

int ts_run_capture(const char *const argv[], char **out, struct ts_error *err)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return ts_error_set(err, errno, "pipe: %s", strerror(errno));

	pid_t pid;
	int r = spawn(argv, pipefd[1], -1, &pid, err);
	close(pipefd[1]);
	if (r < 0) {
		close(pipefd[0]);
		return r;
	}

	char *output = NULL;
	int rr = read_pipe(pipefd[0], &output);
	close(pipefd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			free(output);
			return ts_error_set(err, errno, "waitpid: %s", strerror(errno));
		}
	if (rr < 0) {
		free(output);
		return ts_error_set(err, rr, "%s: cannot read output: %s", argv[0], strerror(-rr));
	}
	if (!WIFEXITED(status)) {
		free(output);
		return ts_error_set(err, EINTR, "%s: killed by signal %d", argv[0], WTERMSIG(status));
	}
	*out = output;
	return WEXITSTATUS(status);
}

/* Most of stderr a caller ever shows. */
#define TS_STDERR_KEEP 4096

/* Read what is there (bounded, so a writer that never pauses cannot hold us here). */
static void keep_stderr(int fd, struct ts_strbuf *b)
{
	char chunk[4096];
	ssize_t n;
	for (int i = 0; i < 64 && (n = read(fd, chunk, sizeof(chunk))) > 0; i++)
		if (b->len < TS_STDERR_KEEP)
			ts_strbuf_append(b, chunk, (size_t)n);
}

int ts_run_wait(const char *const argv[], char **errors, struct ts_error *err)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
		return ts_error_set(err, errno, "pipe: %s", strerror(errno));

	pid_t pid;
	int r = spawn(argv, -1, pipefd[1], &pid, err);
	close(pipefd[1]);
	if (r < 0) {
		close(pipefd[0]);
		return r;
	}

	/*
	 * Drain stderr while waiting so a chatty child never blocks on a full
	 * pipe; the pidfd wakes us the moment the child exits.
	 */
	struct ts_strbuf b = TS_STRBUF_INIT;
	_cleanup_close_ int pidfd = ts_pidfd_open(pid);
	struct pollfd pfd[2] = { { .fd = pipefd[0], .events = POLLIN },
				 { .fd = pidfd, .events = POLLIN } };
	int status;
	pid_t w;
	while ((w = waitpid(pid, &status, WNOHANG)) == 0 || (w < 0 && errno == EINTR)) {
		if (poll(pfd, 2, pidfd >= 0 ? -1 : 10) > 0 && (pfd[0].revents & POLLIN))
			keep_stderr(pipefd[0], &b);
		if (pfd[0].revents & POLLHUP)
			pfd[0].fd = -1;
	}
	int saved = errno;
	keep_stderr(pipefd[0], &b);
	close(pipefd[0]);
	if (w < 0) {
		ts_strbuf_clear(&b);
		return ts_error_set(err, saved, "waitpid: %s", strerror(saved));
	}
	*errors = ts_strbuf_take(&b);
	if (!WIFEXITED(status)) {
		free(*errors);
		*errors = NULL;
		return ts_error_set(err, EINTR, "%s: killed by signal %d", argv[0], WTERMSIG(status));
	}
	return WEXITSTATUS(status);
}

int ts_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}
