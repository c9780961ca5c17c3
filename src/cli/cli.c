/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>

#include "base/util.h"
#include "cli.h"

int cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("terok-shield: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_EXIT_ERROR;
}

int cli_fail(const struct ts_error *err)
{
	return cli_error("%s", err->message[0] ? err->message : strerror(err->code));
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "terok-shield: %s%s", command ? command : "", command ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'terok-shield %s%s--help' for more information.\n",
		command ? command : "", command ? " " : "");
	return CLI_EXIT_USAGE;
}

bool cli_handle_common_opt(int opt, char **argv, const char *command, const char *usage,
			   int *exit_code)
{
	extern int optind, optopt;
	const char *arg = argv[optind - 1];
	/* An unknown short option may sit inside a cluster ("-ctest") optind has not left yet. */
	char short_opt[3] = { '-', (char)optopt, '\0' };
	if (opt == '?' && optopt)
		arg = short_opt;
	switch (opt) {
	case 'h':
		fputs(usage, stdout);
		*exit_code = 0;
		break;
	case ':':
		*exit_code = cli_usage_error(command, "option '%s' needs a value", arg);
		break;
	default:
		*exit_code = cli_usage_error(command, "unrecognised option '%s'", arg);
		break;
	}
	return true;
}

bool cli_parse_help_only(int argc, char **argv, const char *command, const char *usage,
			 int *exit_code)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;
	opterr = 0;
	if ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1)
		return cli_handle_common_opt(opt, argv, command, usage, exit_code);
	return false;
}

void cli_warn_unresolved(const struct ts_strv *unresolved)
{
	for (size_t i = 0; i < unresolved->n; i++)
		fprintf(stderr, "terok-shield: warning: not resolved, skipped: %s\n",
			unresolved->items[i]);
}

void cli_print_warnings(const struct ts_strv *warnings)
{
	for (size_t i = 0; i < warnings->n; i++)
		fprintf(stderr, "terok-shield: warning: %s\n", warnings->items[i]);
}

static int stop_pipe[2] = { -1, -1 };

void cli_request_stop(void)
{
	int saved = errno;
	if (write(stop_pipe[1], "x", 1) < 0) {
		/* The pipe is full: a stop is already pending. */
	}
	errno = saved;
}

static void on_stop_signal(int sig)
{
	(void)sig;
	cli_request_stop();
}

int cli_stop_fd(void)
{
	if (stop_pipe[0] < 0 && pipe2(stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	/*
	 * Without SA_RESTART, a signal also interrupts a write blocked on a
	 * reader that stopped reading, so the command ends promptly in every state.
	 */
	struct sigaction sa = { .sa_handler = on_stop_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return stop_pipe[0];
}

bool cli_stop_requested(void)
{
	char c;
	return stop_pipe[0] >= 0 && read(stop_pipe[0], &c, 1) == 1;
}
