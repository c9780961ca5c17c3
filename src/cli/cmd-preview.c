/* SPDX-License-Identifier: Apache-2.0 */
/* preview: the ruleset that would be applied, loadable with `nft -f`. */
#include <getopt.h>
#include <stdio.h>

#include "base/util.h"
#include "cli.h"
#include "nft/ruleset.h"

/* Each network's DNS address; slirp4netns is rootless podman 4's default (Debian 12). */
#define SLIRP4NETNS_DNS "10.0.2.3"
#define PASTA_DNS "169.254.1.1"

static const char usage[] =
	"Usage: terok-shield preview [--down [--all] | --block] [--interactive] [--network MODE]\n"
	"                            [--dns ADDR] [--dnsmasq]\n"
	"\n"
	"Print the nftables ruleset a container would get, as one nft script.\n"
	"\n"
	"  --down         the bypass ruleset (shield down; private ranges still refused)\n"
	"  --all          with --down: let private ranges through as well\n"
	"  --block        the block ruleset (loopback only, as 'terok-shield block' applies it)\n"
	"  --interactive  the interactive ruleset (blocked connections are queued for a verdict)\n"
	"  --network MODE slirp4netns or pasta: how host loopback ports are reached (default:\n"
	"                 pasta when the DNS address is pasta's, else slirp4netns)\n"
	"  --dns ADDR     upstream DNS address (default the network's: " SLIRP4NETNS_DNS "\n"
	"                 slirp4netns, " PASTA_DNS " pasta)\n"
	"  --dnsmasq      include the sets of the dnsmasq DNS tier\n"
	"  -h, --help     print this help\n"
	"\n"
	"Loopback ports come from config.yml; 'interactive: true' there implies --interactive.\n";

int preview_main(int argc, char **argv, struct cli *cli)
{
	static const struct option options[] = {
		{ "down", no_argument, NULL, 'D' },
		{ "all", no_argument, NULL, 'a' },
		{ "block", no_argument, NULL, 'b' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "network", required_argument, NULL, 'N' },
		{ "dns", required_argument, NULL, 'n' },
		{ "dnsmasq", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool down = false, all = false, block = false, interactive = false, dnsmasq = false;
	const char *dns = NULL, *network_word = NULL;
	enum ts_network_mode network = TS_NETWORK_AUTO;
	int opt, code;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		switch (opt) {
		case 'D': down = true; break;
		case 'a': all = true; break;
		case 'b': block = true; break;
		case 'i': interactive = true; break;
		case 'N': network_word = optarg; break;
		case 'n': dns = optarg; break;
		case 'm': dnsmasq = true; break;
		default:
			cli_handle_common_opt(opt, argv, "preview", usage, &code);
			return code;
		}
	}
	if (optind < argc)
		return cli_usage_error("preview", "unexpected argument '%s'", argv[optind]);
	if (all && !down)
		return cli_usage_error("preview", "--all only applies to --down");
	if (down && interactive)
		return cli_usage_error("preview", "--interactive does not combine with --down");
	if (block && (down || interactive))
		return cli_usage_error("preview", "--block does not combine with --down or --interactive");
	if (network_word && ts_network_mode_parse(network_word, &network) < 0)
		return cli_usage_error("preview", "--network takes slirp4netns or pasta, not '%s'",
				       network_word);
	if (!dns)
		dns = network == TS_NETWORK_PASTA ? PASTA_DNS : SLIRP4NETNS_DNS;

	struct ts_ruleset_params params = {
		.mode = block  ? TS_RULESET_BLOCK
			: down ? (all ? TS_RULESET_DOWN_ALL : TS_RULESET_DOWN)
			       : (interactive || cli->config.interactive ? TS_RULESET_INTERACTIVE
									 : TS_RULESET_UP),
		.dns = dns,
		.loopback_ports = cli->config.loopback_ports,
		.n_loopback_ports = cli->config.n_loopback_ports,
		.dnsmasq_tier = dnsmasq,
		.network = network,
	};
	struct ts_error err = { 0 };
	_cleanup_free_ char *text = NULL;
	if (ts_ruleset_generate(&params, &text, &err) < 0)
		return cli_fail(&err);
	printf("# Ruleset preview (%s):\n%s", ts_ruleset_mode_label(params.mode), text);
	return 0;
}
