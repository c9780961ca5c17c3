/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include "fileio.h"
#include "process.h"
#include "strbuf.h"
#include "util.h"

extern char **environ;

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

int ts_run_capture(const char *const argv[], char **out, struct ts_error *err)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return ts_error_set(err, errno, "pipe: %s", strerror(errno));

	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int r = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		if (r == ENOENT)
			return ts_error_set(err, ENOENT, "%s: not found", argv[0]);
		return ts_error_set(err, r, "%s: cannot run: %s", argv[0], strerror(r));
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
