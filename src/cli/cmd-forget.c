/* SPDX-License-Identifier: Apache-2.0 */
/* forget: remove the state of a container that is gone. */
#include <getopt.h>
#include <stdio.h>

#include "base/util.h"
#include "cli.h"
#include "control/forget.h"

static const char usage[] =
	"Usage: terok-shield forget NAME\n"
	"\n"
	"Remove container NAME's state directory: its allows and denies, its\n"
	"audit log and everything prepare wrote, so a new container of the name\n"
	"starts from nothing. Refused while the container runs, and while podman\n"
	"still has a container of that name (it needs the state to start):\n"
	"remove that one first with 'podman rm NAME'. Symbolic links are removed,\n"
	"never followed. Not audited: the audit log is part of what goes; the\n"
	"line printed says what was removed.\n"
	"\n"
	"  -h, --help  print this help\n";

int forget_main(int argc, char **argv, struct cli *cli)
{
	int code;
	if (cli_parse_help_only(argc, argv, "forget", usage, &code))
		return code;
	if (optind >= argc)
		return cli_usage_error("forget", "missing container NAME");
	if (optind + 1 < argc)
		return cli_usage_error("forget", "unexpected argument '%s'", argv[optind + 1]);
	const char *name = argv[optind];

	struct ts_error err = { 0 };
	_cleanup_forgotten_ struct ts_forgotten gone = { 0 };
	if (ts_forget(cli->state_root, name, &gone, &err) < 0)
		return cli_fail(&err);
	printf("Forgot %s: removed %s (%zu allow%s, %zu den%s)\n", name, gone.state_dir,
	       gone.kept.allows, gone.kept.allows == 1 ? "" : "s", gone.kept.denies,
	       gone.kept.denies == 1 ? "y" : "ies");
	return 0;
}
