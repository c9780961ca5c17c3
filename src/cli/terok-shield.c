/* SPDX-License-Identifier: Apache-2.0 */
/* terok-shield: the subcommand table and global options. */
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "cli.h"
#include "config/dirs.h"

static const struct cli_command commands[] = {
	{ "setup", setup_main, "install the OCI hook globally (once)" },
	{ "check-environment", check_environment_main, "check podman, nftables, dnsmasq and the hook" },
	{ "prepare", prepare_main, "build a container's bundle and print its podman arguments" },
	{ "run", run_main, "prepare, then exec podman run" },
	{ "resolve", resolve_main, "resolve a container's profile domains again" },
	{ "allow", allow_main, "let a container reach an address, network or domain" },
	{ "deny", deny_main, "refuse a container an address, network or domain" },
	{ "up", up_main, "put a container's shield back" },
	{ "down", down_main, "lift a container's shield (private ranges stay refused)" },
	{ "block", block_main, "cut a container off at once: loopback only, until up" },
	{ "rules", rules_main, "print a container's live state and rules" },
	{ "watch", watch_main, "stream a container's events as JSON lines" },
	{ "interactive", interactive_main, "answer a container's refused connections: allow or deny" },
	{ "dbus-bridge", dbus_bridge_main, "serve a container's interactive session on the session bus" },
	{ "preview", preview_main, "print the ruleset that would be applied" },
	{ "profiles", profiles_main, "list allowlist profiles, or show one" },
	{ "list", list_main, "list every prepared container and its state" },
	{ "ls", list_main, "the same as list" },
	{ "stats", stats_main, "show a container's traffic per destination" },
	{ "metrics", metrics_main, "print every running container's counters as OpenMetrics" },
	{ "status", status_main, "show the installation overview, or a container's state" },
	{ "logs", logs_main, "print recent audit log entries" },
	{ "forget", forget_main, "remove the state of a container that is gone" },
};

static void usage(FILE *out)
{
	fputs("Usage: terok-shield [--state-dir DIR] [--version] COMMAND [ARGS...]\n"
	      "\n"
	      "Per-container default-deny egress firewall for rootless Podman.\n"
	      "\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-18s %s\n", commands[i].name, commands[i].summary);
	fputs("\n"
	      "Options:\n"
	      "  --state-dir DIR  state root (default $TEROK_SHIELD_STATE_DIR,\n"
	      "                   $XDG_STATE_HOME/terok/shield, ~/.local/state/terok/shield)\n"
	      "  --version        print version information\n"
	      "  -h, --help       print this help\n"
	      "\n"
	      "Run 'terok-shield COMMAND --help' for a command's options.\n",
	      out);
}

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* Resolve directories and load config.yml: every command runs with a valid config. */
static int cli_init(struct cli *cli)
{
	struct ts_error err = { 0 };
	if (ts_config_root(&cli->config_root, &err) < 0 ||
	    ts_state_root(cli->state_dir_flag, &cli->state_root, &err) < 0 ||
	    ts_config_load(cli->config_root, &cli->config, &err) < 0)
		return cli_fail(&err);
	return 0;
}

static void cli_free(struct cli *cli)
{
	free(cli->config_root);
	free(cli->state_root);
	ts_config_clear(&cli->config);
}

int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *arg = argv[i];
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(arg, "--version") == 0)
			return version_print();
		if (strcmp(arg, "--state-dir") == 0) {
			if (++i >= argc || !argv[i][0])
				return cli_usage_error(NULL, "option '--state-dir' needs a value");
			cli.state_dir_flag = argv[i];
		} else if (ts_startswith(arg, "--state-dir=") && arg[12]) {
			cli.state_dir_flag = arg + 12;
		} else {
			return cli_usage_error(NULL, "unrecognised option '%s'", arg);
		}
	}
	if (i >= argc) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	const struct cli_command *cmd = find_command(argv[i]);
	if (!cmd)
		return cli_usage_error(NULL, "unknown command '%s'", argv[i]);

	/* --help works even when the configuration is broken. */
	bool help = false;
	for (int j = i + 1; j < argc && strcmp(argv[j], "--") != 0; j++)
		if (strcmp(argv[j], "--help") == 0 || strcmp(argv[j], "-h") == 0)
			help = true;

	int r = help ? 0 : cli_init(&cli);
	if (r == 0) /* else cli_init said why */
		r = cmd->main(argc - i, argv + i, help ? NULL : &cli);
	/* prepare's output may go straight into `podman run $(...)`: a failure must make podman refuse. */
	if (r != 0 && cmd->main == prepare_main)
		prepare_fail_closed(argc - i, argv + i);
	cli_free(&cli);
	return r;
}
