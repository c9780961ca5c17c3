/* SPDX-License-Identifier: Apache-2.0 */
/* check-environment: can this machine shield containers, and what is missing. */
#include <stdio.h>

#include "build-config.h"

#include "base/util.h"
#include "cli.h"
#include "config/dirs.h"
#include "config/hooks.h"
#include "config/profiles.h"
#include "container/podman.h"
#include "dns/dnsmasq.h"
#include "json-out.h"
#include "nft/nft.h"

static const char usage[] =
	"Usage: terok-shield check-environment [--json]\n"
	"\n"
	"Print podman_version=, hooks= (global-user, global-system, not-installed)\n"
	"and health= (ok, setup-needed, stale-hooks), then one line per problem\n"
	"found and how to fix it. Exits 0 when health is ok and podman is\n"
	"installed, 1 otherwise. A config.yml prepare could not use, default\n"
	"profiles that do not exist included, is an error naming file and key.\n"
	"\n"
	"  --json      print one JSON object: podman_version (null when not found),\n"
	"              hooks, health, issues (a list), hint (null when none), ok;\n"
	"              the exit code stays the same\n"
	"  -h, --help  print this help\n";

static const char hint[] =
	"run 'terok-shield setup --user' (or 'terok-shield setup --root' as root)";

/* The forwarder the installed hook would run: beside it, else libexecdir's (ts_companion_program). */
static bool forwarder_present(enum ts_hooks_install where)
{
	_cleanup_free_ char *dir = ts_hooks_dir(where);
	_cleanup_free_ char *beside = dir ? ts_xasprintf("%s/" TS_FORWARDER_PROGRAM, dir) : NULL;
	_cleanup_free_ char *installed = ts_xasprintf("%s/" TS_FORWARDER_PROGRAM, TS_LIBEXECDIR);
	int r = beside ? ts_program_usable(beside, NULL) : 0;
	return r > 0 || (r == 0 && ts_program_usable(installed, NULL) > 0);
}

/* One sentence per problem found, in the order the text form prints them. */
static void find_issues(bool have_podman, enum ts_hooks_install where, bool stale,
			enum ts_dns_tier_choice tier, struct ts_strv *issues)
{
	struct ts_error err = { 0 };
	if (!have_podman)
		ts_strv_push(issues, "podman is not installed");
	if (ts_nft_probe(&err) < 0)
		ts_strv_push_take(issues, ts_xasprintf("nftables support is missing: %s", err.message));
	if (tier == TS_DNS_TIER_DNSMASQ && !ts_dnsmasq_has_nftset())
		ts_strv_push(issues, "dns_tier is dnsmasq, but dnsmasq with nftset support is not "
				     "installed: prepare refuses that tier");
	if ((tier == TS_DNS_TIER_AUTO || tier == TS_DNS_TIER_SHIELD) &&
	    where != TS_HOOKS_NOT_INSTALLED && !forwarder_present(where))
		ts_strv_push(issues, "terok-shield-dns is neither beside the installed hook nor in "
				     TS_LIBEXECDIR ": containers in the shield DNS tier (the default) "
				     "will not start; run setup again");
	if (where != TS_HOOKS_NOT_INSTALLED && stale)
		ts_strv_push(issues, "the installed hooks are stale (another bundle version or a "
				     "missing executable)");
	if (where == TS_HOOKS_NOT_INSTALLED) {
		_cleanup_free_ char *dir = NULL, *conf = NULL;
		if (ts_hook_user_dir(&dir, NULL) == 0 && ts_user_containers_conf(&conf, NULL) == 0)
			ts_strv_push_take(issues, ts_xasprintf("no active hook: podman runs user hooks "
							       "only from directories listed in "
							       "hooks_dir of %s (setup --user adds %s)",
							       conf, dir));
	}
}

int check_environment_main(int argc, char **argv, struct cli *cli)
{
	int code;
	bool json;
	if (cli_parse_help_json(argc, argv, "check-environment", usage, &json, &code))
		return code;
	if (optind < argc)
		return cli_usage_error("check-environment", "unexpected argument '%s'", argv[optind]);

	/* A config.yml prepare cannot use is an error like any other in it, not health=ok. */
	struct ts_error err = { 0 };
	if (ts_default_profiles_check(cli->config_root, &cli->config.default_profiles, &err) < 0)
		return cli_fail(&err);
	_cleanup_free_ char *podman = NULL;
	_cleanup_strv_ struct ts_strv issues = TS_STRV_INIT;
	bool stale;
	enum ts_hooks_install where = ts_hooks_detect(&stale);
	const char *health = ts_hooks_health(where, stale);
	bool have_podman = ts_podman_version(&podman, NULL) == 0;
	bool healthy = strcmp(health, "ok") == 0;
	bool ok = healthy && have_podman;
	find_issues(have_podman, where, stale, cli->config.dns_tier, &issues);

	if (json) {
		json_t *o = json_pack("{s:o, s:s, s:s, s:o, s:o, s:b}",
				      "podman_version", cli_json_string_or_null(have_podman ? podman : NULL),
				      "hooks", ts_hooks_install_name(where), "health", health,
				      "issues", cli_json_strv(&issues),
				      "hint", cli_json_string_or_null(healthy ? NULL : hint), "ok", ok);
		code = cli_print_json(o);
		return code ? code : ok ? 0 : CLI_EXIT_ERROR;
	}
	printf("podman_version=%s\n", have_podman ? podman : "not-found");
	printf("hooks=%s\n", ts_hooks_install_name(where));
	printf("health=%s\n", health);
	for (size_t i = 0; i < issues.n; i++)
		printf("issue: %s\n", issues.items[i]);
	if (!healthy)
		printf("hint: %s\n", hint);
	return ok ? 0 : CLI_EXIT_ERROR;
}
