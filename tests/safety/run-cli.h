/* SPDX-License-Identifier: Apache-2.0 */
/* Running the CLI binary from the root-only C suites of tests/safety and tests/valgrind. */
#ifndef TS_TEST_RUN_CLI_H
#define TS_TEST_RUN_CLI_H

/*
 * Run `program --state-dir state_root args...` (args NULL-terminated) with
 * env, stdin from /dev/null, and its stdout and stderr captured into *out
 * and *err (always set; free them). Returns the exit code, 128+signal, or
 * 125 when it exited but something it started kept its output open.
 */
int run_cli(const char *program, const char *state_root, char **env, const char *const args[],
	    char **out, char **err);

#endif
