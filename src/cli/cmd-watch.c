/* SPDX-License-Identifier: Apache-2.0 */
/* watch: what a container's shield sees, as JSON lines, until interrupted. */
#include <stdio.h>

#include "base/util.h"
#include "bundle/shield.h"
#include "cli.h"
#include "observe/watch.h"

static const char usage[] =
	"Usage: terok-shield watch NAME\n"
	"\n"
	"Print container NAME's events as JSON lines until interrupted (SIGINT or\n"
	"SIGTERM): refused, private-range, allowed and queued connections from the\n"
	"kernel log (while it runs), DNS queries for domains it may not reach, and\n"
	"new audit entries. Fields: ts, source (dns, audit, nflog), action,\n"
	"container, and when known domain, query_type, dest, port, proto, detail.\n"
	"\n"
	"  -h, --help  print this help\n";

static int print_line(const char *line, void *arg)
{
	(void)arg;
	return fputs(line, stdout) < 0 || fflush(stdout) != 0 ? -1 : 0;
}

int watch_main(int argc, char **argv, struct cli *cli)
{
	int code;
	if (cli_parse_help_only(argc, argv, "watch", usage, &code))
		return code;
	if (optind + 1 != argc)
		return cli_usage_error("watch", "expected one container NAME");

	int stop_fd = cli_stop_fd();
	if (stop_fd < 0)
		return cli_error("pipe: %s", strerror(errno));
	struct ts_error err = { 0 };
	_cleanup_shield_ struct ts_shield s = { 0 };
	unsigned lost = 0;
	if (ts_bundle_open(cli->state_root, argv[optind], cli->config.audit_enabled, &s, &err) < 0)
		return cli_fail(&err);
	int r = ts_watch_run(&s, stop_fd, print_line, NULL, &lost, &err);
	if (lost)
		fprintf(stderr, "terok-shield: the kernel log overflowed %u times; some events were "
			"not shown\n", lost);
	bool stopped = cli_stop_requested();
	/* Interrupted (even mid-write) is the normal end of a watch. */
	return r < 0 && !stopped ? cli_fail(&err) : 0;
}
