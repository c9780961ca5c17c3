/* SPDX-License-Identifier: Apache-2.0 */
/* check-environment: can this machine shield containers, and what is missing. */
#include <stdio.h>

#include "cli.h"
#include "dnsmasq.h"
#include "hooks.h"
#include "nft.h"
#include "podman.h"
#include "util.h"

static const char usage[] =
	"Usage: terok-shield check-environment\n"
	"\n"
	"Print podman_version=, hooks= (global-user, global-system, not-installed)\n"
	"and health= (ok, setup-needed, stale-hooks), then one line per problem\n"
	"found and how to fix it. Exits 0 when health is ok and podman is\n"
	"installed, 1 otherwise.\n"
	"\n"
	"  -h, --help  print this help\n";

int check_environment_main(int argc, char **argv, struct cli *cli)
{
	(void)cli;
	int code;
	if (cli_parse_help_only(argc, argv, "check-environment", usage, &code))
		return code;
	if (optind < argc)
		return cli_usage_error("check-environment", "unexpected argument '%s'", argv[optind]);

	_cleanup_free_ char *podman = NULL;
	struct ts_error err = { 0 };
	bool stale;
	enum ts_hooks_install where = ts_hooks_detect(&stale);
	const char *health = ts_hooks_health(where, stale);
	bool have_podman = ts_podman_version(&podman, NULL) == 0;

	printf("podman_version=%s\n", have_podman ? podman : "not-found");
	printf("hooks=%s\n", ts_hooks_install_name(where));
	printf("health=%s\n", health);
	if (!have_podman)
		printf("issue: podman is not installed\n");
	if (ts_nft_probe(&err) < 0)
		printf("issue: nftables support is missing: %s\n", err.message);
	if (!ts_dnsmasq_has_nftset())
		printf("issue: dnsmasq with nftset support is not installed: domains are resolved "
		       "once at prepare time (static DNS tier) instead of as the container asks\n");
	if (where != TS_HOOKS_NOT_INSTALLED && stale)
		printf("issue: the installed hooks are stale (another bundle version or a missing "
		       "executable)\n");
	if (where == TS_HOOKS_NOT_INSTALLED) {
		_cleanup_free_ char *dir = NULL, *conf = NULL;
		if (ts_hook_user_dir(&dir, NULL) == 0 && ts_user_containers_conf(&conf, NULL) == 0)
			printf("issue: no active hook: podman runs user hooks only from directories "
			       "listed in hooks_dir of %s (setup --user adds %s)\n", conf, dir);
	}
	if (strcmp(health, "ok") != 0)
		printf("hint: run 'terok-shield setup --user' (or 'terok-shield setup --root' as root)\n");
	return strcmp(health, "ok") == 0 && have_podman ? 0 : CLI_EXIT_ERROR;
}
