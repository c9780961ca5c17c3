/* SPDX-License-Identifier: Apache-2.0 */
/* allow and deny: change what a container may reach, at once and for good. */
#include <stdio.h>

#include "base/util.h"
#include "cli.h"
#include "control/live.h"

static const char allow_usage[] =
	"Usage: terok-shield allow NAME TARGET\n"
	"\n"
	"Let container NAME reach TARGET: an IP address, a network (CIDR) or a\n"
	"domain (all its A and AAAA addresses). Takes effect at once when the\n"
	"container runs and is kept for its next starts. Allowing an address\n"
	"also lifts an earlier deny of it.\n";

static const char deny_usage[] =
	"Usage: terok-shield deny NAME TARGET\n"
	"\n"
	"Refuse container NAME's connections to TARGET: an IP address, a network\n"
	"(CIDR) or a domain (all its A and AAAA addresses), even when its DNS later\n"
	"hands the address out again for an allowed domain. Takes effect at once.\n";

/* Exactly NAME and TARGET; TARGET is taken as given even when it starts with '-'. */
static int change_main(int argc, char **argv, struct cli *cli, bool allow)
{
	const char *cmd = allow ? "allow" : "deny";
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(allow ? allow_usage : deny_usage, stdout);
		return 0;
	}
	if (argc != 3)
		return cli_usage_error(cmd, "expected NAME and TARGET");

	struct ts_error err = { 0 };
	_cleanup_shield_ struct ts_shield s = { 0 };
	_cleanup_change_ struct ts_change c = { 0 };
	if (ts_bundle_open(cli->state_root, argv[1], cli->config.audit_enabled, &s, &err) < 0)
		return cli_fail(&err);
	int r = allow ? ts_live_allow(&s, argv[2], &c, &err) : ts_live_deny(&s, argv[2], &c, &err);
	cli_print_warnings(&c.warnings);
	if (r < 0)
		return cli_fail(&err);
	_cleanup_free_ char *ips = ts_strv_join(&c.ips, ", ");
	if (allow)
		printf("Allowed %s -> %s for %s\n", argv[2], ips, s.name);
	else
		printf("Denied %s (%s) for %s\n", argv[2], ips, s.name);
	if (!c.running)
		fprintf(stderr, "terok-shield: %s is not running; the change applies when it starts\n",
			s.name);
	return 0;
}

int allow_main(int argc, char **argv, struct cli *cli)
{
	return change_main(argc, argv, cli, true);
}

int deny_main(int argc, char **argv, struct cli *cli)
{
	return change_main(argc, argv, cli, false);
}
