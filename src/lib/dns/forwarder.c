/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "base/fileio.h"
#include "base/process.h"
#include "base/util.h"
#include "bundle/state.h"
#include "config/dirs.h"
#include "config/hooks.h"
#include "container/procid.h"
#include "dns/forwarder.h"

#define PROGRAM TS_FORWARDER_PROGRAM

/* Whether pid's command line is terok-shield-dns with --state-dir state_dir. */
static bool is_ours(pid_t pid, const char *state_dir)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	if (ts_file_read(path, &buf, &len, NULL) < 0 || len == 0)
		return false;
	const char *end = buf + len;
	const char *argv0 = buf;
	const char *base = strrchr(argv0, '/');
	if (strcmp(base ? base + 1 : argv0, PROGRAM) != 0)
		return false;
	for (const char *a = argv0 + strlen(argv0) + 1; a < end; a += strlen(a) + 1)
		if (strcmp(a, "--state-dir") == 0 && a + strlen(a) + 1 < end &&
		    strcmp(a + strlen(a) + 1, state_dir) == 0)
			return true;
	return false;
}

int ts_forwarder_pid(const char *state_dir, pid_t *pid, struct ts_error *err)
{
	_cleanup_free_ char *path = ts_path_dns_forwarder(state_dir);
	_cleanup_free_ char *text = NULL;
	int r = ts_file_read(path, &text, NULL, err);
	if (r < 0)
		return r;
	struct ts_proc_identity id;
	if (ts_proc_identity_parse(text, &id, NULL) < 0)
		return ts_error_set(err, ESRCH, "%s: not a process record", path);
	if (!ts_proc_identity_is_live(&id) || !is_ours(id.pid, state_dir))
		return ts_error_set(err, ESRCH, "%s: process %d is not this container's forwarder",
				    path, (int)id.pid);
	*pid = id.pid;
	return 0;
}

/* sig to pid, pinned by a pidfd and checked again: never to a recycled PID. */
static int signal_pinned(pid_t pid, const char *state_dir, int sig, int wait_ms,
			 struct ts_error *err)
{
	_cleanup_close_ int pidfd = ts_pidfd_open(pid);
	if (pidfd < 0 && errno != ESRCH)
		return ts_error_set(err, errno, "cannot signal " PROGRAM " (PID %d): %s", (int)pid,
				    strerror(errno));
	if (pidfd < 0 || !is_ours(pid, state_dir))
		return 0;
	if (ts_pidfd_signal(pidfd, sig) < 0)
		return errno == ESRCH ? 0 : ts_error_set(err, errno, "cannot signal " PROGRAM
							 " (PID %d): %s", (int)pid, strerror(errno));
	if (wait_ms > 0 && !ts_pidfd_wait(pidfd, wait_ms))
		return ts_error_set(err, ETIMEDOUT, PROGRAM " (PID %d) did not exit after SIGTERM",
				    (int)pid);
	return 1;
}

int ts_forwarder_signal(const char *state_dir, int sig, struct ts_error *err)
{
	pid_t pid;
	int r = ts_forwarder_pid(state_dir, &pid, NULL);
	if (r < 0)
		return 0;
	return signal_pinned(pid, state_dir, sig, 0, err);
}

int ts_forwarder_stop(const char *state_dir, bool wait, struct ts_error *err)
{
	_cleanup_free_ char *path = ts_path_dns_forwarder(state_dir);
	pid_t pid;
	int r = ts_forwarder_pid(state_dir, &pid, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0 && r != -ESRCH)
		return r;
	int signalled = r == 0 ? signal_pinned(pid, state_dir, SIGTERM,
					       wait ? TS_FORWARDER_WAIT_MS : 0, err) : 0;
	if (signalled < 0)
		return signalled;
	if (unlink(path) < 0 && errno != ENOENT)
		return ts_error_set(err, errno, "%s: %s", path, strerror(errno));
	return signalled;
}

/* The child: descriptors in place (ready pipe as 3), its own session, then exec. */
static _Noreturn void exec_forwarder(const char *const argv[], int ready, int log_fd)
{
	int null = open("/dev/null", O_RDWR);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
	    dup2(log_fd >= 0 ? log_fd : null, 2) < 0 || dup2(ready, 3) < 0)
		_exit(127);
	close_range(4, ~0U, 0);
	setsid();
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execv(argv[0], (char *const *)argv);
	dprintf(2, PROGRAM ": cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Wait for "ready" on fd: 0, -ETIMEDOUT, or -EIO when the forwarder ended first. */
static int wait_ready(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;
	while ((n = poll(&p, 1, TS_FORWARDER_WAIT_MS)) < 0 && errno == EINTR)
		;
	if (n == 0)
		return -ETIMEDOUT;
	char buf[16] = "";
	ssize_t got = read(fd, buf, sizeof(buf) - 1);
	return got == 6 && memcmp(buf, "ready\n", 6) == 0 ? 0 : -EIO;
}

/* What the forwarder wrote to the log since offset: its reason, for err. */
static char *own_message(int log_fd, off_t offset)
{
	char buf[512];
	ssize_t n = log_fd >= 0 ? pread(log_fd, buf, sizeof(buf) - 1, offset) : -1;
	if (n <= 0)
		return ts_xstrdup("no message");
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return ts_xstrdup(buf);
}

static int record(const char *state_dir, pid_t pid, struct ts_error *err)
{
	struct ts_proc_identity id;
	int r = ts_proc_identity_read(pid, &id, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *path = ts_path_dns_forwarder(state_dir);
	_cleanup_free_ char *text = ts_proc_identity_format(&id);
	return ts_file_write_ephemeral(path, text, strlen(text), 0600, err);
}

/* The forwarder did not come up: make sure it is gone, reap it, say why. */
static int failed(pid_t pid, int why, int log_fd, off_t offset, struct ts_error *err)
{
	kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	_cleanup_free_ char *message = own_message(log_fd, offset);
	if (why == -ETIMEDOUT)
		return ts_error_set(err, ETIMEDOUT, PROGRAM " did not report ready within %d ms",
				    TS_FORWARDER_WAIT_MS);
	return ts_error_set(err, EIO, PROGRAM " failed to start (exit %d): %s",
			    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), message);
}

int ts_forwarder_start(const char *state_dir, pid_t container, bool open_policy, int log_fd,
		       pid_t *pid, struct ts_error *err)
{
	int r = ts_forwarder_stop(state_dir, true, err);
	if (r < 0)
		return ts_error_prefix(err, r, "cannot replace the running " PROGRAM);
	_cleanup_free_ char *program = NULL;
	r = ts_companion_program(PROGRAM, &program, err);
	if (r < 0)
		return ts_error_prefix(err, r, "shield DNS tier: cannot start the forwarder");
	char pid_text[16];
	snprintf(pid_text, sizeof(pid_text), "%d", (int)container);
	const char *argv[] = { program, "--pid", pid_text, "--state-dir", state_dir, "--policy",
			       open_policy ? "open" : "strict", "--query-log", "--ready-fd", "3", NULL };
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return ts_error_set(err, errno, "pipe: %s", strerror(errno));
	off_t offset = log_fd >= 0 ? lseek(log_fd, 0, SEEK_END) : 0;
	pid_t child = fork();
	if (child < 0) {
		int saved = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return ts_error_set(err, saved, "fork: %s", strerror(saved));
	}
	if (child == 0)
		exec_forwarder(argv, pipefd[1], log_fd);
	close(pipefd[1]);
	r = wait_ready(pipefd[0]);
	close(pipefd[0]);
	if (r < 0)
		return failed(child, r, log_fd, offset < 0 ? 0 : offset, err);
	r = record(state_dir, child, err);
	if (r < 0) {
		failed(child, -EIO, -1, 0, NULL);
		return ts_error_prefix(err, r, "cannot record " PROGRAM);
	}
	*pid = child;
	return 0;
}
