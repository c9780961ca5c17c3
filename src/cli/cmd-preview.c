/* SPDX-License-Identifier: Apache-2.0 */
/* preview: the ruleset that would be applied, loadable with `nft -f`. */
#include <getopt.h>
#include <stdio.h>

#include "base/util.h"
#include "cli.h"
#include "config/config.h"
#include "nft/nft_names.h"
#include "nft/ruleset.h"

/* Each network's DNS address; slirp4netns is rootless podman 4's default (Debian 12). */
#define SLIRP4NETNS_DNS "10.0.2.3"
#define PASTA_DNS "169.254.1.1"

static const char usage[] =
	"Usage: terok-shield preview [--down [--all] | --block] [--interactive] [--network MODE]\n"
	"                            [--dns ADDR] [--dns-tier TIER] [--dns-policy POLICY]\n"
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
	"  --dns-tier TIER  shield, dnsmasq, dig or auto (default: dns_tier of config.yml;\n"
	"                 auto is shield): shield accepts no DNS server (its resolver\n"
	"                 is on loopback), shield and dnsmasq add the sets of learned\n"
	"                 addresses\n"
	"  --dnsmasq      the same as --dns-tier dnsmasq\n"
	"  --dns-policy POLICY  strict or open (default: dns_policy of config.yml); the\n"
	"                 forwarder applies it, the ruleset is the same for both\n"
	"  -h, --help     print this help\n"
	"\n"
	"Loopback ports come from config.yml; 'interactive: true' there implies --interactive.\n";

/* The tier a choice names; a preview needs no dnsmasq, and auto previews the shield tier as prepare picks it. */
static const char *preview_tier(enum ts_dns_tier_choice choice)
{
	switch (choice) {
	case TS_DNS_TIER_DNSMASQ:
		return TS_TIER_DNSMASQ;
	case TS_DNS_TIER_DIG:
		return TS_TIER_STATIC;
	case TS_DNS_TIER_AUTO:
	case TS_DNS_TIER_SHIELD:
		break;
	}
	return TS_TIER_SHIELD;
}

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
		{ "dns-tier", required_argument, NULL, 'T' },
		{ "dns-policy", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool down = false, all = false, block = false, interactive = false, dnsmasq = false;
	const char *dns = NULL, *network_word = NULL, *tier_word = NULL, *policy = NULL;
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
		case 'T': tier_word = optarg; break;
		case 'P': policy = optarg; break;
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
	enum ts_dns_tier_choice choice = dnsmasq ? TS_DNS_TIER_DNSMASQ : cli->config.dns_tier;
	if (tier_word && (dnsmasq || ts_dns_tier_choice_parse(tier_word, &choice) < 0))
		return cli_usage_error("preview", dnsmasq ? "--dnsmasq does not combine with --dns-tier"
					: "--dns-tier takes shield, dnsmasq, dig or auto, not '%s'",
				       tier_word);
	if (policy && strcmp(policy, "strict") != 0 && strcmp(policy, "open") != 0)
		return cli_usage_error("preview", "--dns-policy takes strict or open, not '%s'", policy);
	if (!policy)
		policy = cli->config.dns_open ? "open" : "strict";
	const char *tier = preview_tier(choice);
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
		.dnsmasq_tier = strcmp(tier, TS_TIER_DNSMASQ) == 0,
		.network = network,
		.shield_tier = strcmp(tier, TS_TIER_SHIELD) == 0,
	};
	struct ts_error err = { 0 };
	_cleanup_free_ char *text = NULL;
	if (ts_ruleset_generate(&params, &text, &err) < 0)
		return cli_fail(&err);
	printf("# Ruleset preview (%s):\n# DNS tier %s, policy %s\n%s",
	       ts_ruleset_mode_label(params.mode), tier, policy, text);
	return 0;
}
