/* SPDX-License-Identifier: Apache-2.0 */
/* profiles: list the available allowlist profiles, or print composed entries. */
#include <getopt.h>
#include <stdio.h>

#include "base/util.h"
#include "cli.h"
#include "config/profiles.h"
#include "json-out.h"

static const char usage[] =
	"Usage: terok-shield profiles [NAME...] [--json]\n"
	"\n"
	"Without NAME, list the available profiles (bundled and user; '*' marks a\n"
	"user profile in <config root>/profiles that overrides or adds one).\n"
	"With NAMEs, print the entries they compose to, one per line.\n"
	"\n"
	"  --json      print one JSON object: {\"profiles\":[{\"name\",\"user\",\"path\"}...]},\n"
	"              or with NAMEs {\"profiles\":[NAME...],\"entries\":[ENTRY...]}\n"
	"  -h, --help  print this help\n";

static int list_profiles(struct cli *cli, bool json)
{
	struct ts_error err = { 0 };
	_cleanup_strv_ struct ts_strv names = TS_STRV_INIT;
	if (ts_profiles_list(cli->config_root, &names, &err) < 0)
		return cli_fail(&err);
	json_t *list = json ? json_array() : NULL;
	for (size_t i = 0; i < names.n; i++) {
		_cleanup_free_ char *path = NULL;
		bool is_user = false;
		if (ts_profile_find(cli->config_root, names.items[i], &path, &is_user, &err) < 0) {
			json_decref(list);
			return cli_fail(&err);
		}
		if (json)
			json_array_append_new(list, json_pack("{s:s, s:b, s:s}", "name",
							      names.items[i], "user", is_user,
							      "path", path));
		else
			printf("%s%s\n", names.items[i], is_user ? " *" : "");
	}
	return json ? cli_print_json(json_pack("{s:o}", "profiles", list)) : 0;
}

static int show_profiles(struct cli *cli, int argc, char **argv, bool json)
{
	struct ts_error err = { 0 };
	_cleanup_strv_ struct ts_strv names = TS_STRV_INIT;
	_cleanup_strv_ struct ts_strv entries = TS_STRV_INIT;
	for (int i = 0; i < argc; i++)
		ts_strv_push(&names, argv[i]);
	if (ts_profiles_compose(cli->config_root, &names, &entries, &err) < 0)
		return cli_fail(&err);
	if (json)
		return cli_print_json(json_pack("{s:o, s:o}", "profiles", cli_json_strv(&names),
						"entries", cli_json_strv(&entries)));
	for (size_t i = 0; i < entries.n; i++)
		puts(entries.items[i]);
	return 0;
}

int profiles_main(int argc, char **argv, struct cli *cli)
{
	int code;
	bool json;
	if (cli_parse_help_json(argc, argv, "profiles", usage, &json, &code))
		return code;
	if (optind < argc)
		return show_profiles(cli, argc - optind, argv + optind, json);
	return list_profiles(cli, json);
}
