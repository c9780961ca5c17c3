/* SPDX-License-Identifier: Apache-2.0 */
/* block: the emergency stop that leaves the container running. */
#include <getopt.h>
#include <stdio.h>

#include "base/util.h"
#include "cli.h"
#include "control/live.h"

static const char block_usage[] =
	"Usage: terok-shield block NAME\n"
	"\n"
	"Cut container NAME off at once without stopping it: only its loopback\n"
	"stays open (no DNS, no allowed hosts, no bypass), connections already\n"
	"open are cut, in one transaction, then verified. The block is recorded\n"
	"in the bundle and applied again when the container restarts, until\n"
	"'terok-shield up NAME' puts the full shield back; 'down' refuses a\n"
	"blocked container.\n"
	"\n"
	"  -h, --help  print this help\n";

int block_main(int argc, char **argv, struct cli *cli)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt, code;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		cli_handle_common_opt(opt, argv, "block", block_usage, &code);
		return code;
	}
	if (optind + 1 != argc)
		return cli_usage_error("block", "expected one container NAME");

	struct ts_error err = { 0 };
	_cleanup_shield_ struct ts_shield s = { 0 };
	if (ts_bundle_open(cli->state_root, argv[optind], cli->config.audit_enabled, &s, &err) < 0)
		return cli_fail(&err);
	_cleanup_strv_ struct ts_strv warnings = TS_STRV_INIT;
	int r = ts_live_block(&s, &warnings, &err);
	cli_print_warnings(&warnings);
	if (r < 0)
		return cli_fail(&err);
	printf("Shield block for %s (loopback only; 'terok-shield up %s' lifts it)\n", s.name,
	       s.name);
	return 0;
}
