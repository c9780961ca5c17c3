/* SPDX-License-Identifier: Apache-2.0 */
/* Names in the nftables contract (docs/ruleset.md): shared by generator, verifier, NFLOG. */
#ifndef TS_NFT_NAMES_H
#define TS_NFT_NAMES_H

#define TS_NFT_FAMILY "inet"
#define TS_NFT_TABLE "terok_shield"
#define TS_NFLOG_GROUP 100

/* DNS tier names (dns.tier, the dns_tier annotation); "getent" is read as static too. */
#define TS_TIER_DNSMASQ "dnsmasq"
#define TS_TIER_STATIC "dig"
#define TS_TIER_GETENT "getent"
/* terok-shield-dns, the strict forwarder: the container's only resolver is on its loopback. */
#define TS_TIER_SHIELD "shield"
#define TS_DNS_SET_TIMEOUT "30m"
/* refused_v4/v6 (docs/ruleset.md#counters): at most this many destinations, each kept this long. */
#define TS_REFUSED_SET_SIZE "1024"
#define TS_REFUSED_SET_TIMEOUT "1h"
#define TS_PASTA_HOST_LOOPBACK "169.254.1.2"
/* pasta's DNS address: a bundle without network.mode is pasta when this is its upstream. */
#define TS_PASTA_DNS "169.254.1.1"
#define TS_REJECT "reject with icmpx admin-prohibited"

/*
 * IPv6 neighbour and router discovery, and MLD listener reports: what every
 * IPv6 link needs. Hop limit 255 cannot survive a router (RFC 4861), and
 * MLD reports go to link-scope multicast with hop limit 1: nothing routed
 * matches. Written in the order `nft list` prints them.
 */
#define TS_RULE_DISCOVERY                                                                     \
	"icmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, "            \
	"nd-neighbor-advert } ip6 hoplimit 255 accept"
#define TS_RULE_MLD_REPORTS                                                                   \
	"ip6 daddr ff02::/16 icmpv6 type { mld-listener-report, mld2-listener-report } "       \
	"ip6 hoplimit 1 accept"

#define TS_PREFIX_DENIED "TEROK_SHIELD_DENIED: "
#define TS_PREFIX_ALLOWED "TEROK_SHIELD_ALLOWED: "
#define TS_PREFIX_PRIVATE "TEROK_SHIELD_PRIVATE: "
#define TS_PREFIX_BYPASS "TEROK_SHIELD_BYPASS: "
#define TS_PREFIX_QUEUED "TEROK_SHIELD_QUEUED: "
#define TS_PREFIX_BLOCKED "TEROK_SHIELD_BLOCKED: "

#endif
