/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "run-cli.h"

#define MAX_ARGS 32

int run_cli(const char *program, const char *state_root, char **env, const char *const args[],
	    char **out, char **err)
{
	const char *argv[MAX_ARGS + 4] = { program, "--state-dir", state_root };
	int n = 3;
	for (int i = 0; args[i] && n < MAX_ARGS + 3; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	int o[2], e[2];
	if (pipe2(o, O_CLOEXEC) < 0 || pipe2(e, O_CLOEXEC) < 0)
		abort();
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		dup2(null, STDIN_FILENO);
		dup2(o[1], STDOUT_FILENO);
		dup2(e[1], STDERR_FILENO);
		execve(program, (char *const *)argv, env);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	/* Both pipes are drained while it runs: a long message must not block it. */
	double deadline = harness_now_ms() + 600000;
	bool closed = harness_drain(e[0], err, deadline);
	closed = harness_drain(o[0], out, harness_now_ms() + 1000) && closed;
	close(o[0]);
	close(e[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!closed)
		return 125;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
