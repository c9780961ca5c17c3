/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ruleset generator. Read this file top to bottom to audit what a shielded
 * container may send. Rule order follows docs/ruleset.md; the numbers in
 * the comments are its output-chain rules.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/addr.h"
#include "base/util.h"
#include "nft/nft_names.h"
#include "nft/ruleset.h"

#define T TS_NFT_FAMILY " " TS_NFT_TABLE
#define LOG(prefix) "log group 100 prefix \"" prefix "\""

_Static_assert(TS_NFLOG_GROUP == 100, "LOG() spells the NFLOG group out");

const char *ts_nft_set_name(enum ts_nft_set set)
{
	switch (set) {
	case TS_SET_ALLOW:
		return "allow";
	case TS_SET_DENY:
		return "deny";
	case TS_SET_GATEWAY:
		return "gateway";
	case TS_SET_DNS:
		return "dns";
	case TS_SET_SCOPED:
		return "scoped";
	}
	return "invalid";
}

const char *ts_ruleset_mode_label(enum ts_ruleset_mode mode)
{
	switch (mode) {
	case TS_RULESET_UP:
		return "up";
	case TS_RULESET_INTERACTIVE:
		return "interactive";
	case TS_RULESET_DOWN:
		return "down";
	case TS_RULESET_DOWN_ALL:
		return "down --all";
	case TS_RULESET_BLOCK:
		return "block";
	}
	return "invalid";
}

const char *ts_network_mode_name(enum ts_network_mode network)
{
	switch (network) {
	case TS_NETWORK_AUTO:
		return "auto";
	case TS_NETWORK_SLIRP4NETNS:
		return "slirp4netns";
	case TS_NETWORK_PASTA:
		return "pasta";
	}
	return "invalid";
}

int ts_network_mode_parse(const char *word, enum ts_network_mode *out)
{
	if (word && strcmp(word, "slirp4netns") == 0)
		*out = TS_NETWORK_SLIRP4NETNS;
	else if (word && strcmp(word, "pasta") == 0)
		*out = TS_NETWORK_PASTA;
	else
		return -EINVAL;
	return 0;
}

/* Validated inputs, canonical text only. */
struct checked {
	char dns[TS_ADDR_STRLEN];
	const char *dns_match; /* "ip" or "ip6" */
	const uint16_t *ports;
	size_t n_ports;
	enum ts_network_mode network; /* never AUTO */
};

static int check_params(const struct ts_ruleset_params *p, struct checked *c,
			struct ts_error *err)
{
	struct ts_addr dns;
	if (p->mode > TS_RULESET_BLOCK)
		return ts_error_set(err, EINVAL, "unknown ruleset mode %d", (int)p->mode);
	if (p->network > TS_NETWORK_PASTA)
		return ts_error_set(err, EINVAL, "unknown network mode %d", (int)p->network);
	if (!p->dns)
		return ts_error_set(err, EINVAL, "no upstream DNS address given");
	int r = ts_addr_parse(p->dns, &dns, err);
	if (r < 0)
		return ts_error_prefix(err, EINVAL, "upstream DNS");
	if (dns.prefix != ts_addr_max_prefix(&dns))
		return ts_error_set(err, EINVAL, "upstream DNS must be a single address, not '%s'",
				    p->dns);
	ts_addr_format(&dns, c->dns);
	c->dns_match = dns.family == AF_INET ? "ip" : "ip6";
	c->network = p->network;
	if (c->network == TS_NETWORK_AUTO)
		c->network = strcmp(c->dns, TS_PASTA_DNS) == 0 ? TS_NETWORK_PASTA
							       : TS_NETWORK_SLIRP4NETNS;

	if (p->n_loopback_ports > 0 && !p->loopback_ports)
		return ts_error_set(err, EINVAL, "loopback ports missing");
	for (size_t i = 0; i < p->n_loopback_ports; i++)
		if (p->loopback_ports[i] == 0)
			return ts_error_set(err, EINVAL, "loopback port 0 is not a valid port (1-65535)");
	c->ports = p->loopback_ports;
	c->n_ports = p->n_loopback_ports;
	return 0;
}

/*
 * Scoped and timed allows: an address on one protocol and a port range,
 * each element with its own timeout or none (an element without one never
 * expires). A timed whole-address allow is here too, with ports 0-65535,
 * so allow_v4/v6 stay permanent.
 */
static void emit_scoped_sets(struct ts_strbuf *b)
{
	ts_strbuf_puts(b, "\tset scoped_v4 { type ipv4_addr . inet_proto . inet_service; "
			  "flags interval, timeout; counter; }\n");
	ts_strbuf_puts(b, "\tset scoped_v6 { type ipv6_addr . inet_proto . inet_service; "
			  "flags interval, timeout; counter; }\n");
}

/*
 * The shield tier's learned sets: timeout only, no interval flag (an
 * interval set makes every single add fetch all its elements: slow on the
 * path of each forwarded answer). The forwarder gives each element its TTL.
 */
static void emit_shield_dns_sets(struct ts_strbuf *b)
{
	ts_strbuf_puts(b, "\tset dns_v4 { type ipv4_addr; flags timeout; counter; timeout "
			  TS_DNS_SET_TIMEOUT "; }\n");
	ts_strbuf_puts(b, "\tset dns_v6 { type ipv6_addr; flags timeout; counter; timeout "
			  TS_DNS_SET_TIMEOUT "; }\n");
}

/*
 * Refused destinations, filled by the packet path (rule 9): bounded, so a
 * flood of distinct destinations cannot grow kernel memory; a full set
 * records no new destination until an element times out, and refuses
 * nothing less (the filling rule has no verdict).
 */
static void emit_refused_sets(struct ts_strbuf *b)
{
	ts_strbuf_puts(b, "\tset refused_v4 { type ipv4_addr; size " TS_REFUSED_SET_SIZE "; "
			  "flags dynamic, timeout; counter; timeout " TS_REFUSED_SET_TIMEOUT "; }\n");
	ts_strbuf_puts(b, "\tset refused_v6 { type ipv6_addr; size " TS_REFUSED_SET_SIZE "; "
			  "flags dynamic, timeout; counter; timeout " TS_REFUSED_SET_TIMEOUT "; }\n");
}

/* Every set but gateway counts per element (`stats`, `metrics`: docs/ruleset.md#counters). */
static void emit_sets(struct ts_strbuf *b, bool dnsmasq_tier, bool shield_tier)
{
	static const char *const pairs[] = { "allow", "deny" };
	for (size_t i = 0; i < ARRAY_SIZE(pairs); i++) {
		ts_strbuf_printf(b, "\tset %s_v4 { type ipv4_addr; flags interval; counter; }\n",
				 pairs[i]);
		ts_strbuf_printf(b, "\tset %s_v6 { type ipv6_addr; flags interval; counter; }\n",
				 pairs[i]);
	}
	emit_scoped_sets(b);
	emit_refused_sets(b);
	ts_strbuf_puts(b, "\tset gateway_v4 { type ipv4_addr; }\n");
	ts_strbuf_puts(b, "\tset gateway_v6 { type ipv6_addr; }\n");
	if (shield_tier) {
		emit_shield_dns_sets(b);
		return;
	}
	/* What dnsmasq learns ages out; the shield's own entries live in allow_*. */
	if (dnsmasq_tier) {
		ts_strbuf_puts(b, "\tset dns_v4 { type ipv4_addr; flags interval, timeout; counter; "
				  "timeout " TS_DNS_SET_TIMEOUT "; }\n");
		ts_strbuf_puts(b, "\tset dns_v6 { type ipv6_addr; flags interval, timeout; counter; "
				  "timeout " TS_DNS_SET_TIMEOUT "; }\n");
	}
}

/*
 * Rule 2: deny before everything that accepts, the established accept
 * included: a deny cuts a connection that is already open, and a denied
 * address dnsmasq re-learns for an allowed domain stays refused.
 */
static void emit_deny(struct ts_strbuf *b)
{
	ts_strbuf_puts(b, "\t\tip daddr @deny_v4 " LOG(TS_PREFIX_DENIED) " counter " TS_REJECT "\n");
	ts_strbuf_puts(b, "\t\tip6 daddr @deny_v6 " LOG(TS_PREFIX_DENIED) " counter " TS_REJECT "\n");
}

/* Rule 3: link housekeeping without which no IPv6 host is reachable, shield up or down. */
static void emit_discovery(struct ts_strbuf *b, bool output)
{
	ts_strbuf_puts(b, "\t\t" TS_RULE_DISCOVERY "\n");
	if (output)
		ts_strbuf_puts(b, "\t\t" TS_RULE_MLD_REPORTS "\n");
}

/* Rule 4: before the established accept, or an answered ping flow would bypass the limit. */
static void emit_echo_limit(struct ts_strbuf *b)
{
	ts_strbuf_puts(b, "\t\ticmp type echo-request limit rate over 10/second drop\n");
	ts_strbuf_puts(b, "\t\ticmpv6 type echo-request limit rate over 10/second drop\n");
}

/* Rule 6: DNS to the upstream; none in the shield tier, whose only resolver is on loopback. */
static void emit_dns_passage(struct ts_strbuf *b, const struct checked *c, bool shield_tier)
{
	if (shield_tier)
		return;
	ts_strbuf_printf(b, "\t\tudp dport 53 %s daddr %s accept\n", c->dns_match, c->dns);
	ts_strbuf_printf(b, "\t\ttcp dport 53 %s daddr %s accept\n", c->dns_match, c->dns);
}

/*
 * Rule 5, default-deny only: the allowed sets' element counters see every
 * packet, not only a connection's first (which rule 8 counts). Lookups
 * without a verdict; the order matches rule 8 so that an address in two
 * sets counts all its traffic in the first (docs/ruleset.md#counters).
 */
static void emit_established_counts(struct ts_strbuf *b, bool dns_sets)
{
	const char *const pairs[] = { "allow", dns_sets ? "dns" : NULL };
	for (size_t i = 0; i < ARRAY_SIZE(pairs) && pairs[i]; i++) {
		ts_strbuf_printf(b, "\t\tct state established,related ip daddr @%s_v4\n", pairs[i]);
		ts_strbuf_printf(b, "\t\tct state established,related ip6 daddr @%s_v6\n", pairs[i]);
	}
	ts_strbuf_puts(b, "\t\tct state established,related ip daddr . meta l4proto . th dport "
			  "@scoped_v4\n");
	ts_strbuf_puts(b, "\t\tct state established,related ip6 daddr . meta l4proto . th dport "
			  "@scoped_v6\n");
}

/* Rules 5-7: replies, DNS to the upstream, the host's loopback ports the network mode reaches. */
static void emit_passage(struct ts_strbuf *b, const struct checked *c, bool shield_tier)
{
	ts_strbuf_puts(b, "\t\tct state established,related accept\n");
	emit_dns_passage(b, c, shield_tier);
	for (size_t i = 0; i < c->n_ports; i++) {
		/* pasta has no host gateway; under slirp4netns 169.254.1.2 is a real address outside. */
		if (c->network == TS_NETWORK_PASTA) {
			ts_strbuf_printf(b, "\t\ttcp dport %u ip daddr " TS_PASTA_HOST_LOOPBACK " accept\n",
					 c->ports[i]);
			continue;
		}
		ts_strbuf_printf(b, "\t\ttcp dport %u ip daddr @gateway_v4 accept\n", c->ports[i]);
		ts_strbuf_printf(b, "\t\ttcp dport %u ip6 daddr @gateway_v6 accept\n", c->ports[i]);
	}
}

/* Rule 8: allowed hosts over TCP/UDP, plus rate-limited ping; nothing else. */
static void emit_allow(struct ts_strbuf *b, bool dnsmasq_tier)
{
	const char *const pairs[] = { "allow", dnsmasq_tier ? "dns" : NULL };
	for (size_t i = 0; i < ARRAY_SIZE(pairs) && pairs[i]; i++) {
		ts_strbuf_printf(b, "\t\tip daddr @%s_v4 meta l4proto { tcp, udp } "
				 LOG(TS_PREFIX_ALLOWED) " counter accept\n", pairs[i]);
		ts_strbuf_printf(b, "\t\tip6 daddr @%s_v6 meta l4proto { tcp, udp } "
				 LOG(TS_PREFIX_ALLOWED) " counter accept\n", pairs[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(pairs) && pairs[i]; i++) {
		ts_strbuf_printf(b, "\t\tip daddr @%s_v4 icmp type echo-request "
				 "limit rate 10/second accept\n", pairs[i]);
		ts_strbuf_printf(b, "\t\tip6 daddr @%s_v6 icmpv6 type echo-request "
				 "limit rate 10/second accept\n", pairs[i]);
	}
}

/* Rule 8, scoped part: after the whole-address allows, TCP and UDP only (no ping). */
static void emit_scoped_allow(struct ts_strbuf *b)
{
	ts_strbuf_puts(b, "\t\tip daddr . meta l4proto . th dport @scoped_v4 "
			  LOG(TS_PREFIX_ALLOWED) " counter accept\n");
	ts_strbuf_puts(b, "\t\tip6 daddr . meta l4proto . th dport @scoped_v6 "
			  LOG(TS_PREFIX_ALLOWED) " counter accept\n");
}

/*
 * Rule 9, first part: everything that gets here is refused (by rule 9 or
 * 10); its destination is counted in refused_v4/v6. Separate rules without
 * a verdict: when the set is full the update fails and only ends its own
 * rule, and the refusal below still applies.
 */
static void emit_refused_counts(struct ts_strbuf *b)
{
	ts_strbuf_puts(b, "\t\tupdate @refused_v4 { ip daddr }\n");
	ts_strbuf_puts(b, "\t\tupdate @refused_v6 { ip6 daddr }\n");
}

/* Rule 9: private ranges, after allow so an operator can allowlist one. */
static void emit_private(struct ts_strbuf *b)
{
	for (size_t i = 0; ts_private_ranges[i]; i++) {
		const char *match = strchr(ts_private_ranges[i], ':') ? "ip6" : "ip";
		ts_strbuf_printf(b, "\t\t%s daddr %s " LOG(TS_PREFIX_PRIVATE) " " TS_REJECT "\n",
				 match, ts_private_ranges[i]);
	}
}

/* Rule 10: everything else is logged and refused at once (no silent timeout). */
static void emit_terminal(struct ts_strbuf *b, bool interactive)
{
	if (interactive) {
		ts_strbuf_puts(b, "\t\t" LOG(TS_PREFIX_QUEUED) " counter " TS_REJECT "\n");
		return;
	}
	ts_strbuf_puts(b, "\t\t" LOG(TS_PREFIX_DENIED) " counter\n");
	ts_strbuf_puts(b, "\t\t" TS_REJECT "\n");
}

/*
 * Inbound: loopback, link discovery and replies, nothing from a denied
 * address (an open connection's replies included). No sport-53 rule:
 * DNS replies are established.
 */
static void emit_input(struct ts_strbuf *b)
{
	ts_strbuf_puts(b, "\tchain input {\n"
			  "\t\ttype filter hook input priority filter; policy drop;\n"
			  "\t\tiifname \"lo\" accept\n"
			  "\t\tip saddr @deny_v4 drop\n"
			  "\t\tip6 saddr @deny_v6 drop\n");
	emit_discovery(b, false);
	ts_strbuf_puts(b, "\t\tct state established,related accept\n"
			  "\t\tdrop\n"
			  "\t}\n");
}

static void emit_output(struct ts_strbuf *b, const struct ts_ruleset_params *p,
			const struct checked *c)
{
	bool down = p->mode == TS_RULESET_DOWN || p->mode == TS_RULESET_DOWN_ALL;

	ts_strbuf_printf(b, "\tchain output {\n"
			    "\t\ttype filter hook output priority filter; policy %s;\n",
			 down ? "accept" : "drop");
	/* Rules 1-7 are common to every mode: deny.list stays enforced while the shield is down. */
	ts_strbuf_puts(b, "\t\toifname \"lo\" accept\n");
	emit_deny(b);
	emit_discovery(b, true);
	emit_echo_limit(b);
	if (!down)
		emit_established_counts(b, p->dnsmasq_tier || p->shield_tier);
	emit_passage(b, c, p->shield_tier);
	if (down) {
		ts_strbuf_puts(b, "\t\tct state new " LOG(TS_PREFIX_BYPASS) " counter\n");
		if (p->mode == TS_RULESET_DOWN)
			emit_private(b);
	} else {
		emit_allow(b, p->dnsmasq_tier || p->shield_tier);
		emit_scoped_allow(b);
		emit_refused_counts(b);
		emit_private(b);
		emit_terminal(b, p->mode == TS_RULESET_INTERACTIVE);
	}
	ts_strbuf_puts(b, "\t}\n");
}

/*
 * The block ruleset (`block`, an emergency stop): the container keeps its
 * loopback and nothing else. No established accept, so open connections
 * are cut both ways; no discovery or echo rules, which loopback does not
 * need; no DNS, not even to a resolver on loopback (the strict tier's
 * forwarder reaches its upstream from outside this namespace, and dnsmasq
 * would answer from its cache). The sets stay declared, unread, so allow
 * and deny keep files and sets in step until `up` brings them back.
 */
static void emit_block_chains(struct ts_strbuf *b)
{
	ts_strbuf_puts(b, "\tchain output {\n"
			  "\t\ttype filter hook output priority filter; policy drop;\n"
			  "\t\toifname \"lo\" udp dport 53 " LOG(TS_PREFIX_BLOCKED) " counter " TS_REJECT "\n"
			  "\t\toifname \"lo\" tcp dport 53 " LOG(TS_PREFIX_BLOCKED) " counter " TS_REJECT "\n"
			  "\t\toifname \"lo\" accept\n"
			  "\t\t" LOG(TS_PREFIX_BLOCKED) " counter\n"
			  "\t\t" TS_REJECT "\n"
			  "\t}\n"
			  "\tchain input {\n"
			  "\t\ttype filter hook input priority filter; policy drop;\n"
			  "\t\tiifname \"lo\" accept\n"
			  "\t\tdrop\n"
			  "\t}\n");
}

int ts_ruleset_script(const struct ts_ruleset_params *params, char **out, struct ts_error *err)
{
	struct checked c;
	int r = check_params(params, &c, err);
	if (r < 0)
		return r;

	struct ts_strbuf b = TS_STRBUF_INIT;
	/* Declaring then deleting makes the delete valid whether or not the
	 * table exists; the whole script is one transaction. */
	ts_strbuf_puts(&b, "table " T "\n"
			   "delete table " T "\n"
			   "table " T " {\n");
	emit_sets(&b, params->dnsmasq_tier, params->shield_tier);
	if (params->mode == TS_RULESET_BLOCK) {
		emit_block_chains(&b);
	} else {
		emit_output(&b, params, &c);
		emit_input(&b);
	}
	ts_strbuf_puts(&b, "}\n");
	*out = ts_strbuf_take(&b);
	return 0;
}

/* Order by family, start address, then wider first: a covered entry follows its cover. */
static int addr_cmp(const void *pa, const void *pb)
{
	const struct ts_addr *a = pa, *b = pb;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	int r = memcmp(a->bytes, b->bytes, sizeof(a->bytes));
	if (r)
		return r;
	return a->prefix < b->prefix ? -1 : a->prefix > b->prefix;
}

static void emit_element_line(struct ts_strbuf *b, bool add, enum ts_nft_set set, int family,
			      const struct ts_addr *addrs, size_t n)
{
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (addrs[i].family != family)
			continue;
		char text[TS_ADDR_STRLEN];
		ts_addr_format(&addrs[i], text);
		if (first)
			ts_strbuf_printf(b, "%s element " T " %s_%s { ", add ? "add" : "delete",
					 ts_nft_set_name(set), family == AF_INET ? "v4" : "v6");
		else
			ts_strbuf_puts(b, ", ");
		ts_strbuf_puts(b, text);
		first = false;
	}
	if (!first)
		ts_strbuf_puts(b, " }\n");
}

/* Drop exact duplicates; addrs must be sorted. */
static size_t drop_duplicates(struct ts_addr *addrs, size_t n)
{
	size_t kept = 0;
	for (size_t i = 0; i < n; i++)
		if (kept == 0 || addr_cmp(&addrs[kept - 1], &addrs[i]) != 0)
			addrs[kept++] = addrs[i];
	return kept;
}

/* Drop duplicates and entries inside a wider entry; addrs must be sorted. */
static size_t drop_covered(struct ts_addr *addrs, size_t n)
{
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		if (kept > 0 && ts_addr_contains(&addrs[kept - 1], &addrs[i]))
			continue;
		addrs[kept++] = addrs[i];
	}
	return kept;
}

int ts_ruleset_elements(enum ts_nft_set set, bool add, const char *const *addrs, size_t n,
			struct ts_strbuf *out, struct ts_error *err)
{
	if (set > TS_SET_DNS)
		return ts_error_set(err, EINVAL, "set %d takes no plain addresses", (int)set);
	if (n == 0)
		return 0;
	struct ts_addr *parsed = calloc(n, sizeof(*parsed));
	if (!parsed)
		return ts_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		int r = ts_addr_parse(addrs[i], &parsed[i], err);
		if (r == 0 && set == TS_SET_GATEWAY && parsed[i].prefix != ts_addr_max_prefix(&parsed[i]))
			r = ts_error_set(err, EINVAL, "a gateway must be a single address, not '%s'",
					 addrs[i]);
		if (r < 0) {
			free(parsed);
			return r;
		}
	}
	/* nft fails a whole batch on a repeated delete or an overlapping add. */
	qsort(parsed, n, sizeof(*parsed), addr_cmp);
	n = add ? drop_covered(parsed, n) : drop_duplicates(parsed, n);
	emit_element_line(out, add, set, AF_INET, parsed, n);
	emit_element_line(out, add, set, AF_INET6, parsed, n);
	free(parsed);
	return 0;
}

/* A scoped entry, checked again here: the generator trusts no caller. */
static int check_scoped(const struct ts_scoped_entry *e, struct ts_addr *a, struct ts_error *err)
{
	if (memchr(e->addr, '\0', sizeof(e->addr)) == NULL || ts_addr_parse(e->addr, a, err) < 0)
		return ts_error_set(err, EINVAL, "scoped allow: invalid address");
	if (e->proto != TS_PROTO_TCP && e->proto != TS_PROTO_UDP)
		return ts_error_set(err, EINVAL, "scoped allow of %s: protocol must be tcp or udp",
				    e->addr);
	if (e->port_lo > e->port_hi || (e->port_lo == 0 && e->port_hi != 65535))
		return ts_error_set(err, EINVAL, "scoped allow of %s: invalid ports %u-%u", e->addr,
				    e->port_lo, e->port_hi);
	return 0;
}

/* One element into its family's list (lists[0] v4, lists[1] v6), comma-separated. */
static void emit_scoped_element(struct ts_strbuf *lists, const struct ts_addr *a,
				const struct ts_scoped_entry *e, time_t now)
{
	struct ts_strbuf *b = &lists[a->family == AF_INET6];
	char text[TS_ADDR_STRLEN];
	ts_addr_format(a, text);
	ts_strbuf_printf(b, "%s%s . %s . ", b->len ? ", " : "", text, ts_proto_name(e->proto));
	if (e->port_lo == e->port_hi)
		ts_strbuf_printf(b, "%u", e->port_lo);
	else
		ts_strbuf_printf(b, "%u-%u", e->port_lo, e->port_hi);
	/*
	 * An end further off than any allow can ask for (a hand-edited file, a
	 * clock set back) is cut to that: nft refuses timeouts of ~3 years.
	 */
	if (e->expires > 0) {
		long long left = (long long)(e->expires - now);
		ts_strbuf_printf(b, " timeout %llds", left < TS_SCOPE_MAX_SECONDS ? left
										 : TS_SCOPE_MAX_SECONDS);
	}
}

/* When an entry ends; a permanent one never does. */
static long long entry_end(const struct ts_scoped_entry *e)
{
	return e->expires > 0 ? (long long)e->expires : LLONG_MAX;
}

/*
 * The live entries of one address and protocol (group), as disjoint port
 * ranges: the kernel refuses an element that overlaps one of the same set
 * (a port inside a timed whole-address allow, two ranges sharing ports).
 * Each piece lives as long as the longest entry covering it.
 */
static void emit_scoped_group(struct ts_strbuf *lists, const struct ts_addr *a,
			      const struct ts_scoped_entry *const *group, size_t m, time_t now)
{
	struct ts_port_piece *in = ts_xmalloc(3 * m * sizeof(*in)), *out = in + m;
	for (size_t i = 0; i < m; i++)
		in[i] = (struct ts_port_piece){ group[i]->port_lo, group[i]->port_hi,
						 entry_end(group[i]) };
	size_t k = ts_port_pieces_disjoint(in, m, out);
	for (size_t i = 0; i < k; i++) {
		struct ts_scoped_entry piece = *group[0];
		piece.port_lo = (uint16_t)out[i].lo;
		piece.port_hi = (uint16_t)out[i].hi;
		piece.expires = out[i].end == LLONG_MAX ? 0 : (time_t)out[i].end;
		emit_scoped_element(lists, a, &piece, now);
	}
	free(in);
}

int ts_ruleset_scoped_elements(const struct ts_scoped_entry *entries, size_t n, time_t now,
			       struct ts_strbuf *out, struct ts_error *err)
{
	struct ts_addr a;
	for (size_t i = 0; i < n; i++)
		if (check_scoped(&entries[i], &a, err) < 0)
			return -EINVAL;
	bool *done = calloc(n ? n : 1, sizeof(*done));
	const struct ts_scoped_entry **group = calloc(n ? n : 1, sizeof(*group));
	if (!done || !group)
		abort();
	/* One add command per family: nft parses one batch line, however many entries. */
	struct ts_strbuf lists[2] = { TS_STRBUF_INIT, TS_STRBUF_INIT };
	for (size_t i = 0; i < n; i++) {
		size_t m = 0;
		for (size_t j = i; j < n; j++) {
			const struct ts_scoped_entry *e = &entries[j];
			if (done[j] || strcmp(e->addr, entries[i].addr) != 0 ||
			    e->proto != entries[i].proto)
				continue;
			done[j] = true;
			if (e->expires == 0 || e->expires > now)
				group[m++] = e;
		}
		if (m == 0)
			continue;
		check_scoped(group[0], &a, NULL);
		emit_scoped_group(lists, &a, group, m, now);
	}
	for (int f = 0; f < 2; f++) {
		if (lists[f].len)
			ts_strbuf_printf(out, "add element " T " scoped_%s { %s }\n", f ? "v6" : "v4",
					 lists[f].data);
		ts_strbuf_clear(&lists[f]);
	}
	free(done);
	free(group);
	return 0;
}

int ts_ruleset_flush(enum ts_nft_set set, struct ts_strbuf *out, struct ts_error *err)
{
	if (set > TS_SET_SCOPED)
		return ts_error_set(err, EINVAL, "unknown set %d", (int)set);
	for (int v = 4; v <= 6; v += 2)
		ts_strbuf_printf(out, "flush set " TS_NFT_FAMILY " " TS_NFT_TABLE " %s_v%d\n",
				 ts_nft_set_name(set), v);
	return 0;
}
