/* SPDX-License-Identifier: Apache-2.0 */
/* setup: install the hook where podman finds it for every container, restarts included. */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "build-config.h"

#include "base/util.h"
#include "cli.h"
#include "config/hooks.h"
#include "config/setup.h"

static const char usage[] =
	"Usage: terok-shield setup [--user | --root]\n"
	"\n"
	"Install the OCI hook globally, so podman runs it for every shielded\n"
	"container, restarts included.\n"
	"\n"
	"  --user      ~/.local/share/containers/oci/hooks.d, added to hooks_dir in\n"
	"              ~/.config/containers/containers.conf (default when not root)\n"
	"  --root      /usr/share/containers/oci/hooks.d (default as root)\n"
	"  -h, --help  print this help\n"
	"\n"
	"Safe to run again, e.g. after an upgrade.\n";

int setup_main(int argc, char **argv, struct cli *cli)
{
	static const struct option options[] = {
		{ "user", no_argument, NULL, 'u' },
		{ "root", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool user = false, root = false;
	int opt, code;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (opt) {
		case 'u': user = true; break;
		case 'r': root = true; break;
		default:
			cli_handle_common_opt(opt, argv, "setup", usage, &code);
			return code;
		}
	}
	if (optind < argc)
		return cli_usage_error("setup", "unexpected argument '%s'", argv[optind]);
	if (user && root)
		return cli_usage_error("setup", "--user and --root exclude each other");
	if (!user && !root)
		root = geteuid() == 0;

	struct ts_error err = { 0 };
	_cleanup_setup_report_ struct ts_setup_report rep = { 0 };
	int r = root ? ts_setup_root(cli->state_root, &rep, &err)
		     : ts_setup_user(cli->state_root, &rep, &err);
	if (r < 0)
		return cli_fail(&err);
	printf("Installed the terok-shield hook in %s\n", rep.hooks_dir);
	if (!rep.forwarder)
		fprintf(stderr, "terok-shield: warning: no terok-shield-dns beside %s; the hook "
			"will look in " TS_LIBEXECDIR ", and a container in the shield DNS tier "
			"(the default) will not start without it\n", ts_hook_executable());
	if (rep.containers_conf)
		printf("%s %s to hooks_dir in %s\n", rep.conf_changed ? "Added" : "Already listed:",
		       rep.hooks_dir, rep.containers_conf);
	return 0;
}
