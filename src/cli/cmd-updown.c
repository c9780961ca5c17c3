/* SPDX-License-Identifier: Apache-2.0 */
/* up and down: put a running container's shield back, or lift it for a while. */
#include <getopt.h>
#include <stdio.h>

#include "base/util.h"
#include "cli.h"
#include "control/live.h"

static const char up_usage[] =
	"Usage: terok-shield up NAME\n"
	"\n"
	"Put container NAME's shield back: the default-deny (or interactive)\n"
	"ruleset with its allowed, denied and gateway addresses, in one\n"
	"transaction, then verified. This also lifts a block.\n";

static const char down_usage[] =
	"Usage: terok-shield down NAME [--all]\n"
	"\n"
	"Lift container NAME's shield: new connections are let through (and\n"
	"logged), except to denied addresses and private ranges. A blocked\n"
	"container is refused: 'terok-shield up NAME' lifts the block first.\n"
	"\n"
	"  --all       let private ranges through as well\n"
	"  -h, --help  print this help\n";

static int updown_main(int argc, char **argv, struct cli *cli, bool up)
{
	static const struct option options[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *cmd = up ? "up" : "down";
	bool all = false;
	int opt, code;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", up ? options + 1 : options, NULL)) != -1) {
		if (opt == 'a') {
			all = true;
			continue;
		}
		cli_handle_common_opt(opt, argv, cmd, up ? up_usage : down_usage, &code);
		return code;
	}
	if (optind + 1 != argc)
		return cli_usage_error(cmd, "expected one container NAME");

	struct ts_error err = { 0 };
	_cleanup_shield_ struct ts_shield s = { 0 };
	if (ts_bundle_open(cli->state_root, argv[optind], cli->config.audit_enabled, &s, &err) < 0)
		return cli_fail(&err);
	_cleanup_strv_ struct ts_strv warnings = TS_STRV_INIT;
	int r = up ? ts_live_up(&s, &warnings, &err) : ts_live_down(&s, all, &warnings, &err);
	cli_print_warnings(&warnings);
	if (r < 0)
		return cli_fail(&err);
	printf("Shield %s for %s%s\n", cmd, s.name, all ? " (all traffic)" : "");
	return 0;
}

int up_main(int argc, char **argv, struct cli *cli)
{
	return updown_main(argc, argv, cli, true);
}

int down_main(int argc, char **argv, struct cli *cli)
{
	return updown_main(argc, argv, cli, false);
}
