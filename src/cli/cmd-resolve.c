/* SPDX-License-Identifier: Apache-2.0 */
/* resolve: refresh the addresses of a container's profiles (static DNS tier). */
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>

#include "base/util.h"
#include "bundle/location.h"
#include "cli.h"
#include "control/resolve_bundle.h"

static const char usage[] =
	"Usage: terok-shield resolve NAME [--force]\n"
	"\n"
	"Resolve the domains of container NAME's profiles again (A and AAAA, all\n"
	"at once) into profile.allowed, and print the addresses. A resolution\n"
	"younger than an hour is reused unless --force. The container gets them\n"
	"at its next start.\n"
	"\n"
	"  --force     resolve even when the last resolution is recent\n"
	"  -h, --help  print this help\n";

int resolve_main(int argc, char **argv, struct cli *cli)
{
	static const struct option options[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool force = false;
	int opt, code;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		if (opt == 'f') {
			force = true;
			continue;
		}
		cli_handle_common_opt(opt, argv, "resolve", usage, &code);
		return code;
	}
	if (optind >= argc)
		return cli_usage_error("resolve", "missing container NAME");
	if (optind + 1 < argc)
		return cli_usage_error("resolve", "unexpected argument '%s'", argv[optind + 1]);
	const char *name = argv[optind];

	struct ts_error err = { 0 };
	_cleanup_free_ char *state_dir = NULL;
	struct stat st;
	if (ts_container_state_dir(cli->state_root, name, &state_dir, &err) < 0)
		return cli_fail(&err);
	if (stat(state_dir, &st) < 0)
		return cli_error("no container '%s' has been prepared (no %s)", name, state_dir);
	_cleanup_resolved_ struct ts_resolved res = { 0 };
	if (ts_resolve_bundle(state_dir, cli->config_root, force, &res, &err) < 0)
		return cli_fail(&err);
	cli_warn_unresolved(&res.unresolved);
	printf("Resolved %zu IPs for %s%s\n", res.n_ips, name, force ? " (forced)" : "");
	for (size_t i = 0; i < res.ips.n; i++)
		printf("%s\n", res.ips.items[i]);
	return 0;
}
