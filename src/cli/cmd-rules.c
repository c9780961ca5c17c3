/* SPDX-License-Identifier: Apache-2.0 */
/* rules: a container's live state and table. */
#include <stdio.h>

#include "cli.h"
#include "live.h"
#include "util.h"

static const char usage[] =
	"Usage: terok-shield rules NAME\n"
	"\n"
	"Print 'State: <state>' and container NAME's live nftables table, or\n"
	"'No rules found for NAME' when it has none.\n"
	"\n"
	"  -h, --help  print this help\n";

int rules_main(int argc, char **argv, struct cli *cli)
{
	int code;
	if (cli_parse_help_only(argc, argv, "rules", usage, &code))
		return code;
	if (optind + 1 != argc)
		return cli_usage_error("rules", "expected one container NAME");

	struct ts_error err = { 0 };
	struct ts_shield s;
	if (ts_shield_open(cli->state_root, argv[optind], cli->config.audit_enabled, &s, &err) < 0)
		return cli_fail(&err);
	enum ts_shield_state state;
	_cleanup_free_ char *listing = NULL;
	int r = ts_shield_state(&s, &state, &listing, &err);
	if (r == 0 && listing)
		printf("State: %s\n%s", ts_shield_state_name(state), listing);
	else if (r == 0)
		printf("No rules found for %s\n", s.name);
	ts_shield_close(&s);
	return r < 0 ? cli_fail(&err) : 0;
}
