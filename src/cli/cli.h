/* SPDX-License-Identifier: Apache-2.0 */
/* Shared plumbing of the terok-shield subcommands. */
#ifndef TS_CLI_H
#define TS_CLI_H

#include <stdbool.h>

#include "config/config.h"

struct ts_error;

#define CLI_EXIT_ERROR 1
#define CLI_EXIT_USAGE 2

/* Context every command receives: resolved directories and the loaded config. */
struct cli {
	const char *state_dir_flag; /* --state-dir, or NULL */
	char *config_root;
	char *state_root;
	struct ts_config config;
};

struct cli_command {
	const char *name;
	int (*main)(int argc, char **argv, struct cli *cli);
	const char *summary;
};

/* "terok-shield: MESSAGE" on stderr; returns CLI_EXIT_ERROR. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The library's error message; returns CLI_EXIT_ERROR. */
int cli_fail(const struct ts_error *err);
/* "terok-shield COMMAND: MESSAGE" plus a --help hint; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The options every command shares, for its getopt_long loop (optstring
 * starting with ':'): -h/--help prints usage to stdout (exit 0); an
 * unknown option or a missing value is a usage error (exit 2). Always
 * tells the command to stop; *exit_code is what it returns.
 */
bool cli_handle_common_opt(int opt, char **argv, const char *command, const char *usage,
			   int *exit_code);

/*
 * Option parsing for commands whose only option is --help. Returns true
 * when the command should stop and return *exit_code; otherwise optind
 * indexes the first operand.
 */
bool cli_parse_help_only(int argc, char **argv, const char *command, const char *usage,
			 int *exit_code);

int preview_main(int argc, char **argv, struct cli *cli);
int profiles_main(int argc, char **argv, struct cli *cli);
int status_main(int argc, char **argv, struct cli *cli);
int logs_main(int argc, char **argv, struct cli *cli);
int prepare_main(int argc, char **argv, struct cli *cli);
int run_main(int argc, char **argv, struct cli *cli);
/* After any failure of prepare, config errors included: the fail-closed argument (cmd-prepare.c). */
void prepare_fail_closed(int argc, char **argv);
int forget_main(int argc, char **argv, struct cli *cli);
int list_main(int argc, char **argv, struct cli *cli);
int stats_main(int argc, char **argv, struct cli *cli);
int metrics_main(int argc, char **argv, struct cli *cli);
int setup_main(int argc, char **argv, struct cli *cli);
int check_environment_main(int argc, char **argv, struct cli *cli);
int resolve_main(int argc, char **argv, struct cli *cli);
int allow_main(int argc, char **argv, struct cli *cli);
int deny_main(int argc, char **argv, struct cli *cli);
int up_main(int argc, char **argv, struct cli *cli);
int down_main(int argc, char **argv, struct cli *cli);
int block_main(int argc, char **argv, struct cli *cli);
int rules_main(int argc, char **argv, struct cli *cli);
int watch_main(int argc, char **argv, struct cli *cli);
int interactive_main(int argc, char **argv, struct cli *cli);
int dbus_bridge_main(int argc, char **argv, struct cli *cli);

/* One warning line per domain that did not resolve ("NAME: reason"). */
void cli_warn_unresolved(const struct ts_strv *unresolved);
/* The library's warnings (bundle/audit.h): "terok-shield: warning: LINE" each, on stderr. */
void cli_print_warnings(const struct ts_strv *warnings);

/*
 * For commands that run until interrupted: a descriptor that becomes
 * readable on SIGINT, SIGTERM or cli_request_stop (SIGPIPE is ignored);
 * -1 when no pipe could be made.
 */
int cli_stop_fd(void);
void cli_request_stop(void);
/* Whether a stop was requested (consumes one request). */
bool cli_stop_requested(void);

/* --version output. */
int version_print(void);

#endif
