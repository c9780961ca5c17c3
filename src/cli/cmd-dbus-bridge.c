/* SPDX-License-Identifier: Apache-2.0 */
/* dbus-bridge: one container's interactive session on the session bus (docs/interactive.md). */
#include <stdio.h>

#include "base/util.h"
#include "bundle/shield.h"
#include "cli.h"
#include "config/dirs.h"

static const char usage[] =
	"Usage: terok-shield dbus-bridge NAME\n"
	"\n"
	"Serve container NAME's interactive session on the session bus as\n"
	"org.terok.Shield1 at /org/terok/Shield1, under the name\n"
	"org.terok.Shield1.Container_<short id> (from the container's container.id),\n"
	"until interrupted (SIGINT or SIGTERM). Runs 'terok-shield interactive NAME\n"
	"--raw' as a child: each blocked destination becomes a ConnectionBlocked\n"
	"signal, Verdict(request_id, \"accept\"|\"deny\") answers it, and\n"
	"VerdictApplied reports the result. Exits 1 when the name is taken (another\n"
	"bridge serves the container) or the interactive session ends by itself.\n"
	"\n"
	"  -h, --help  print this help\n";

int dbus_bridge_main(int argc, char **argv, struct cli *cli)
{
	int code;
	if (cli_parse_help_only(argc, argv, "dbus-bridge", usage, &code))
		return code;
	if (optind + 1 != argc)
		return cli_usage_error("dbus-bridge", "expected one container NAME");

	/* The usual errors (bad name, not prepared) come from here, before the exec. */
	struct ts_error err = { 0 };
	_cleanup_shield_ struct ts_shield s = { 0 };
	if (ts_bundle_open(cli->state_root, argv[optind], cli->config.audit_enabled, &s, &err) < 0)
		return cli_fail(&err);
	/* This very program, so the session is the same version as the bridge. */
	_cleanup_free_ char *self = ts_self_exe();
	if (!self)
		return cli_error("cannot find this program's path: %s", strerror(errno));
	_cleanup_free_ char *bridge = ts_libexec_program("terok-shield-dbus-bridge");
	execl(bridge, "terok-shield-dbus-bridge", self, cli->state_root, argv[optind], (char *)NULL);
	return cli_error("cannot run %s: %s", bridge, strerror(errno));
}
