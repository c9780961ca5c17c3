/* SPDX-License-Identifier: Apache-2.0 */
/* Running programs: argv arrays only, never a shell. */
#ifndef TS_PROCESS_H
#define TS_PROCESS_H

#include <stdbool.h>
#include <sys/types.h>

struct ts_error;

/* The standard directories, sbin included (an OCI hook gets no PATH at all). */
#define TS_SYSTEM_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * Full path of a system program, searched in TS_SYSTEM_PATH only: the CLI
 * and the hook (which has no PATH) must find the same one. NULL when absent.
 */
char *ts_find_system_program(const char *name);

/*
 * Run argv[0] (searched in PATH) with stdin from /dev/null, capturing
 * stdout (at most 16 MiB) into *out; stderr is discarded. Returns the
 * exit status (0-255), -ENOENT when the program is not installed, or
 * another negative errno.
 */
int ts_run_capture(const char *const argv[], char **out, struct ts_error *err);

/*
 * ts_run_capture that also keeps the start of stderr (about 4 KiB) in
 * *errors when errors is not NULL, so a failure can quote the program's
 * own message. *out and *errors are set exactly when it returns >= 0.
 */
int ts_run_capture_errors(const char *const argv[], char **out, char **errors,
			  struct ts_error *err);

/* A program running while its caller works (ts_run_start). */
struct ts_run {
	pid_t pid;
	int out_fd; /* its stdout: an anonymous memory file */
	int err_fd; /* its stderr: another */
	char *name; /* argv[0], for messages */
};

/*
 * Start argv[0] (searched in PATH) with stdin from /dev/null and stdout
 * and stderr going to anonymous memory files, so it runs to its end
 * whatever it prints, without the caller reading meanwhile. -ENOENT when
 * the program is not installed; *run is set on success only.
 */
int ts_run_start(const char *const argv[], struct ts_run *run, struct ts_error *err);

/*
 * Wait for it to exit: what ts_run_capture_errors returns and sets (stdout
 * at most 16 MiB). Releases run either way.
 */
int ts_run_finish(struct ts_run *run, char **out, char **errors, struct ts_error *err);

/*
 * Run argv[0] (searched in PATH) with stdin and stdout on /dev/null and
 * wait for it to exit, keeping the start of its stderr in *errors (always
 * set on return >= 0). Suits daemons that fork: a grandchild that keeps
 * stderr open does not delay the return. Returns the exit status (0-255),
 * -ENOENT when the program is not installed, or another negative errno.
 */
int ts_run_wait(const char *const argv[], char **errors, struct ts_error *err);

/* What ts_spawn gives the child for one of its standard descriptors besides one of ours. */
#define TS_SPAWN_NULL (-1)    /* /dev/null */
#define TS_SPAWN_INHERIT (-2) /* the caller's own */

/*
 * Start argv[0] (searched in PATH when it has no slash) with fds[0],
 * fds[1], fds[2] as its stdin, stdout and stderr: a descriptor of the
 * caller's, TS_SPAWN_NULL or TS_SPAWN_INHERIT. Nothing else is inherited
 * (not even a descriptor without close-on-exec), and the child starts with
 * default signal handling and nothing blocked, whatever the caller does
 * with its own signals. -ENOENT when the program is not installed, another
 * negative errno when it cannot start; *pid is set on success.
 */
int ts_spawn(const char *const argv[], const int fds[3], pid_t *pid, struct ts_error *err);

/* A pidfd for pid (pidfd_open(2), no glibc wrapper in Debian 12): the fd, or -1 with errno set. */
int ts_pidfd_open(pid_t pid);

/* Signal the process of a pidfd (pidfd_send_signal(2)): 0, or -1 with errno set. */
int ts_pidfd_signal(int pidfd, int sig);

/* Wait until the process of a pidfd has exited (timeout_ms < 0: no limit); false on timeout. */
bool ts_pidfd_wait(int pidfd, int timeout_ms);

#endif
