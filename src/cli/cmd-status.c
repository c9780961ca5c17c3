/* SPDX-License-Identifier: Apache-2.0 */
/* status: the installation overview. */
#include <getopt.h>
#include <stdio.h>

#include "base/util.h"
#include "cli.h"
#include "config/hooks.h"
#include "config/profiles.h"
#include "container/podman.h"
#include "control/live.h"
#include "dns/dnstier.h"
#include "json-out.h"

static const char usage[] =
	"Usage: terok-shield status [NAME] [--json]\n"
	"\n"
	"Without NAME, print an overview: version, podman version, mode, hook\n"
	"installation, health, audit setting, the DNS tier and policy new\n"
	"containers get, and profiles; an error when\n"
	"default_profiles names a profile that does not exist. With NAME, print the\n"
	"container's shield state: up, down, down_all, block, inactive (not\n"
	"running or no table) or error (a table that is none of these).\n"
	"\n"
	"  --json      print one JSON object instead\n"
	"  -h, --help  print this help\n";

static int container_status(struct cli *cli, const char *name, bool json)
{
	struct ts_error err = { 0 };
	_cleanup_shield_ struct ts_shield s = { 0 };
	enum ts_shield_state state;
	if (ts_bundle_open(cli->state_root, name, cli->config.audit_enabled, &s, &err) < 0)
		return cli_fail(&err);
	if (ts_live_state(&s, &state, NULL, &err) < 0)
		return cli_fail(&err);
	if (json)
		return cli_print_json(json_pack("{s:s, s:s}", "container", name, "state",
						ts_shield_state_name(state)));
	printf("%s\n", ts_shield_state_name(state));
	return 0;
}

static const char *health(enum ts_hooks_install where, bool stale)
{
	if (where == TS_HOOKS_NOT_INSTALLED)
		return "setup-needed (run 'terok-shield setup')";
	return stale ? "stale-hooks (run 'terok-shield setup' again)" : ts_hooks_health(where, stale);
}

static void print_profiles(struct cli *cli)
{
	struct ts_error err = { 0 };
	_cleanup_strv_ struct ts_strv available = TS_STRV_INIT;
	_cleanup_free_ char *defaults = ts_strv_join(&cli->config.default_profiles, ", ");
	printf("profiles:  %s (default)\n", defaults);
	if (ts_profiles_list(cli->config_root, &available, &err) < 0) {
		printf("available: unreadable (%s)\n", err.message);
		return;
	}
	_cleanup_free_ char *names = ts_strv_join(&available, ", ");
	printf("available: %s\n", names);
}

/* The DNS tier prepare gives new containers; NULL when config's dns_tier cannot be had here. */
static const char *new_tier(const struct cli *cli)
{
	const char *tier = NULL;
	return ts_dns_tier_pick(cli->config.dns_tier, &tier, NULL) == 0 ? tier : NULL;
}

/* The overview as one object; fields as in the text form. */
static int print_overview_json(struct cli *cli, const char *podman, enum ts_hooks_install where,
			       bool stale)
{
	struct ts_error err = { 0 };
	_cleanup_strv_ struct ts_strv available = TS_STRV_INIT;
	json_t *o = json_pack("{s:s, s:i, s:o, s:s, s:s, s:s, s:b, s:o, s:s, s:s, s:s, s:o}",
			      "version", ts_version(), "bundle_version", TS_BUNDLE_VERSION,
			      "podman", cli_json_string_or_null(podman),
			      "mode", ts_mode_name(cli->config.mode),
			      "hooks", ts_hooks_install_name(where),
			      "health", ts_hooks_health(where, stale),
			      "audit", cli->config.audit_enabled,
			      "dns_tier", cli_json_string_or_null(new_tier(cli)),
			      "dns_policy", cli->config.dns_open ? "open" : "strict",
			      "config", cli->config_root, "state", cli->state_root,
			      "default_profiles", cli_json_strv(&cli->config.default_profiles));
	if (o && ts_profiles_list(cli->config_root, &available, &err) < 0)
		json_object_set_new(o, "profiles_error", json_string(err.message));
	else if (o)
		json_object_set_new(o, "profiles", cli_json_strv(&available));
	return cli_print_json(o);
}

int status_main(int argc, char **argv, struct cli *cli)
{
	int code;
	bool json;
	if (cli_parse_help_json(argc, argv, "status", usage, &json, &code))
		return code;
	if (optind + 1 < argc)
		return cli_usage_error("status", "unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc)
		return container_status(cli, argv[optind], json);

	/* prepare would fail on them: the overview must not look healthy. */
	struct ts_error err = { 0 };
	if (ts_default_profiles_check(cli->config_root, &cli->config.default_profiles, &err) < 0)
		return cli_fail(&err);
	_cleanup_free_ char *podman = NULL;
	bool stale;
	enum ts_hooks_install where = ts_hooks_detect(&stale);
	bool have_podman = ts_podman_version(&podman, NULL) == 0;
	if (json)
		return print_overview_json(cli, have_podman ? podman : NULL, where, stale);

	printf("version:   %s (bundle layout %d)\n", ts_version(), TS_BUNDLE_VERSION);
	printf("podman:    %s\n", have_podman ? podman : "not found");
	printf("mode:      %s\n", ts_mode_name(cli->config.mode));
	printf("hooks:     %s\n", ts_hooks_install_name(where));
	printf("health:    %s\n", health(where, stale));
	printf("audit:     %s\n", cli->config.audit_enabled ? "enabled" : "disabled");
	const char *tier = new_tier(cli);
	printf("dns:       %s/%s (new containers)\n",
	       tier ? tier : "unavailable (dns_tier: dnsmasq needs a dnsmasq with nftset)",
	       cli->config.dns_open ? "open" : "strict");
	printf("config:    %s\n", cli->config_root);
	printf("state:     %s\n", cli->state_root);
	print_profiles(cli);
	return 0;
}
