/* SPDX-License-Identifier: Apache-2.0 */
/* allow and deny: change what a container may reach, at once and for good. */
#include <stdio.h>

#include "base/util.h"
#include "cli.h"
#include "control/live.h"

static const char allow_usage[] =
	"Usage: terok-shield allow NAME TARGET [--port P|P-Q] [--proto tcp|udp] [--for DURATION]\n"
	"\n"
	"Let container NAME reach TARGET: an IP address, a network (CIDR) or a\n"
	"domain (all its A and AAAA addresses). Takes effect at once when the\n"
	"container runs and is kept for its next starts. Allowing an address\n"
	"also lifts an earlier deny of it.\n"
	"\n"
	"  --port P|P-Q     only this port or port range (1-65535)\n"
	"  --proto tcp|udp  only this protocol (default: both)\n"
	"  --for DURATION   only for this long: a number and s, m, h or d (30m);\n"
	"                   the kernel ends it on time, and restarts keep what remains\n"
	"A domain's addresses are the ones it resolves to now; in the shield DNS\n"
	"tier the scope also applies to every address learned for it while the\n"
	"allow lasts (the dnsmasq tier takes --port and --for with addresses only).\n";

static const char deny_usage[] =
	"Usage: terok-shield deny NAME TARGET\n"
	"\n"
	"Refuse container NAME's connections to TARGET: an IP address, a network\n"
	"(CIDR) or a domain (all its A and AAAA addresses), even when its DNS later\n"
	"hands the address out again for an allowed domain. Takes effect at once.\n";

/* "--opt VALUE" or "--opt=VALUE" at argv[*i]; *i moves past what was used. NULL: not opt. */
static const char *option_value(int argc, char **argv, int *i, const char *opt, bool *missing)
{
	size_t len = strlen(opt);
	if (strncmp(argv[*i], opt, len) != 0)
		return NULL;
	if (argv[*i][len] == '=')
		return argv[(*i)++] + len + 1;
	if (argv[*i][len] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	*i += 2;
	return argv[*i - 1];
}

/* The options after NAME and TARGET, into a scope; a usage error stops the command. */
static int parse_scope(int argc, char **argv, struct ts_scope *scope)
{
	*scope = TS_SCOPE_WHOLE;
	struct ts_error err = { 0 };
	for (int i = 3; i < argc;) {
		bool missing = false;
		const char *v;
		int r;
		if ((v = option_value(argc, argv, &i, "--port", &missing)))
			r = ts_scope_parse_ports(v, &scope->port_lo, &scope->port_hi, &err);
		else if ((v = option_value(argc, argv, &i, "--proto", &missing)))
			r = ts_scope_parse_proto(v, &scope->protos, &err);
		else if ((v = option_value(argc, argv, &i, "--for", &missing)))
			r = ts_scope_parse_duration(v, &scope->seconds, &err);
		else if (missing)
			return cli_usage_error("allow", "%s needs a value", argv[i]);
		else
			return cli_usage_error("allow", "unexpected argument '%.80s'", argv[i]);
		if (r < 0)
			return cli_usage_error("allow", "%s", err.message);
	}
	return 0;
}

/* NAME and TARGET, then allow's options; TARGET is taken as given even when it starts with '-'. */
static int change_main(int argc, char **argv, struct cli *cli, bool allow)
{
	const char *cmd = allow ? "allow" : "deny";
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(allow ? allow_usage : deny_usage, stdout);
		return 0;
	}
	if (argc < 3 || (!allow && argc != 3))
		return cli_usage_error(cmd, "expected NAME and TARGET");
	struct ts_scope scope = TS_SCOPE_WHOLE;
	int usage = allow ? parse_scope(argc, argv, &scope) : 0;
	if (usage)
		return usage;

	struct ts_error err = { 0 };
	_cleanup_shield_ struct ts_shield s = { 0 };
	_cleanup_change_ struct ts_change c = { 0 };
	if (ts_bundle_open(cli->state_root, argv[1], cli->config.audit_enabled, &s, &err) < 0)
		return cli_fail(&err);
	int r = allow ? ts_live_allow_scoped(&s, argv[2], &scope, &c, &err)
		      : ts_live_deny(&s, argv[2], &c, &err);
	cli_print_warnings(&c.warnings);
	if (r < 0)
		return cli_fail(&err);
	_cleanup_free_ char *ips = ts_strv_join(&c.ips, ", ");
	char described[96] = "";
	if (ts_scope_is_narrow(&scope))
		ts_scope_describe(&scope, described, sizeof(described));
	if (allow)
		printf("Allowed %s -> %s for %s%s%s%s\n", argv[2], ips, s.name, *described ? " (" : "",
		       described, *described ? ")" : "");
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
