/* SPDX-License-Identifier: Apache-2.0 */
/* rules: a container's live state and table. */
#include <stdio.h>

#include "base/util.h"
#include "cli.h"
#include "control/live.h"
#include "json-out.h"

static const char usage[] =
	"Usage: terok-shield rules NAME [--json]\n"
	"\n"
	"Print 'State: <state>' and container NAME's live nftables table, or\n"
	"'No rules found for NAME' when it has none.\n"
	"\n"
	"  --json      print {\"container\":NAME,\"state\":STATE,\"rules\":TABLE|null}\n"
	"  -h, --help  print this help\n";

static int print_rules(const char *name, enum ts_shield_state state, const char *listing,
		       bool json)
{
	if (json)
		return cli_print_json(json_pack("{s:s, s:s, s:o}", "container", name, "state",
						ts_shield_state_name(state), "rules",
						cli_json_string_or_null(listing)));
	if (listing)
		printf("State: %s\n%s", ts_shield_state_name(state), listing);
	else
		printf("No rules found for %s\n", name);
	return 0;
}

int rules_main(int argc, char **argv, struct cli *cli)
{
	int code;
	bool json;
	if (cli_parse_help_json(argc, argv, "rules", usage, &json, &code))
		return code;
	if (optind + 1 != argc)
		return cli_usage_error("rules", "expected one container NAME");

	struct ts_error err = { 0 };
	_cleanup_shield_ struct ts_shield s = { 0 };
	if (ts_bundle_open(cli->state_root, argv[optind], cli->config.audit_enabled, &s, &err) < 0)
		return cli_fail(&err);
	enum ts_shield_state state;
	_cleanup_free_ char *listing = NULL;
	if (ts_live_state(&s, &state, &listing, &err) < 0)
		return cli_fail(&err);
	return print_rules(s.name, state, listing, json);
}
