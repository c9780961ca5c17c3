/* SPDX-License-Identifier: Apache-2.0 */
/* logs: the last N audit entries, one JSON object per line, newest last. */
#include <getopt.h>
#include <stdio.h>

#include "base/util.h"
#include "bundle/audit.h"
#include "cli.h"

#define DEFAULT_COUNT 50
#define MAX_COUNT 1000000

static const char usage[] =
	"Usage: terok-shield logs [--container NAME] [-n N]\n"
	"\n"
	"Print the last N audit log entries (default 50) as JSON lines, newest last,\n"
	"across all containers unless --container is given.\n"
	"\n"
	"  -c, --container NAME  only this container's entries\n"
	"  -n, --lines N         how many entries (1-1000000)\n"
	"  -h, --help            print this help\n";

/* 1 to MAX_COUNT in decimal; false for anything else. */
static bool parse_count(const char *s, size_t *out)
{
	char *end;
	errno = 0;
	if (!*s || *s == '-' || *s == '+')
		return false;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v < 1 || v > MAX_COUNT)
		return false;
	*out = v;
	return true;
}

int logs_main(int argc, char **argv, struct cli *cli)
{
	static const struct option options[] = {
		{ "container", required_argument, NULL, 'c' },
		{ "lines", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *container = NULL;
	size_t count = DEFAULT_COUNT;
	int opt, code;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":c:n:h", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			container = optarg;
			break;
		case 'n':
			if (!parse_count(optarg, &count))
				return cli_usage_error("logs", "-n needs a number 1-%d, not '%s'",
						       MAX_COUNT, optarg);
			break;
		default:
			cli_handle_common_opt(opt, argv, "logs", usage, &code);
			return code;
		}
	}
	if (optind < argc)
		return cli_usage_error("logs", "unexpected argument '%s'", argv[optind]);

	struct ts_error err = { 0 };
	_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;
	if (ts_logs_read(cli->state_root, container, count, &lines, &err) < 0)
		return cli_fail(&err);
	if (lines.n == 0) {
		puts("No audit logs found.");
		return 0;
	}
	for (size_t i = 0; i < lines.n; i++)
		puts(lines.items[i]);
	return 0;
}
