/* SPDX-License-Identifier: Apache-2.0 */
/* The ruleset generator: rule order, modes, validation, element commands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "nft/ruleset.h"

static const uint16_t ports[] = { 8080, 9418 };

static char *generate(enum ts_ruleset_mode mode, const char *dns, bool dnsmasq)
{
	struct ts_ruleset_params p = {
		.mode = mode, .dns = dns, .loopback_ports = ports, .n_loopback_ports = 2,
		.dnsmasq_tier = dnsmasq,
	};
	char *text = NULL;
	struct ts_error err = { 0 };
	if (ts_ruleset_generate(&p, &text, &err) != 0)
		fail_msg("generate failed: %s", err.message);
	return text;
}

/* Line number of the first line containing needle, -1 when absent. */
static int line_of(const char *text, const char *needle)
{
	int line = 0;
	for (const char *p = text; *p; line++) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (memmem(p, len, needle, strlen(needle)))
			return line;
		p += len + (nl ? 1 : 0);
	}
	return -1;
}

/* Line number of the line exactly equal to want, -1 when absent. */
static int line_equal(const char *text, const char *want)
{
	int line = 0;
	for (const char *p = text; *p; line++) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len == strlen(want) && memcmp(p, want, len) == 0)
			return line;
		p += len + (nl ? 1 : 0);
	}
	return -1;
}

static int count_of(const char *text, const char *needle)
{
	int n = 0;
	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Lines of want, in this order, each found (exactly or as a part, per the table). */
struct expected_line {
	const char *text;
	bool exact; /* the whole line (with its tabs), else a part of it */
};

/* The first line after line `after` that is (or contains) text; -1 when none. */
static int line_after(const char *t, int after, const char *text, bool exact)
{
	int line = 0;
	for (const char *p = t; *p; line++) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		bool hit = exact ? len == strlen(text) && memcmp(p, text, len) == 0
				 : memmem(p, len, text, strlen(text)) != NULL;
		if (line > after && hit)
			return line;
		p += len + (nl ? 1 : 0);
	}
	return -1;
}

/* Every line of want present, each after the one before it. */
static void assert_in_order(const char *t, const struct expected_line *want, size_t n)
{
	int prev = -1;
	for (size_t i = 0; i < n; i++) {
		int at = line_after(t, prev, want[i].text, want[i].exact);
		if (at < 0)
			fail_msg("rule missing or out of order: '%s'\n%s", want[i].text, t);
		prev = at;
	}
}

static const char *const discovery =
	"\t\ticmpv6 type { nd-router-solicit, nd-router-advert, nd-neighbor-solicit, "
	"nd-neighbor-advert } ip6 hoplimit 255 accept";
static const char *const mld =
	"\t\tip6 daddr ff02::/16 icmpv6 type { mld-listener-report, mld2-listener-report } "
	"ip6 hoplimit 1 accept";

static void test_up_order(void **state)
{
	(void)state;
	char *t = generate(TS_RULESET_UP, "10.0.2.3", false);
	assert_int_equal(line_of(t, "table inet terok_shield"), 0);
	assert_int_equal(line_of(t, "delete table inet terok_shield"), 1);
	assert_true(line_of(t, "policy drop;") > 0);

	const struct expected_line want[] = {
		{ "\t\toifname \"lo\" accept", true },
		/* deny before the established accept: a deny cuts open connections */
		{ "\t\tip daddr @deny_v4 log group 100 prefix \"TEROK_SHIELD_DENIED: \" counter reject with icmpx admin-prohibited", true },
		{ "\t\tip6 daddr @deny_v6 log group 100 prefix \"TEROK_SHIELD_DENIED: \" counter reject with icmpx admin-prohibited", true },
		{ discovery, true },
		{ mld, true },
		/* the ping limit before it too: an answered ping flow is established */
		{ "\t\ticmp type echo-request limit rate over 10/second drop", true },
		{ "\t\ticmpv6 type echo-request limit rate over 10/second drop", true },
		{ "\t\tct state established,related accept", true },
		{ "\t\tudp dport 53 ip daddr 10.0.2.3 accept", true },
		{ "\t\ttcp dport 53 ip daddr 10.0.2.3 accept", true },
		{ "\t\ttcp dport 8080 ip daddr @gateway_v4 accept", true },
		{ "\t\ttcp dport 8080 ip6 daddr @gateway_v6 accept", true },
		{ "\t\ttcp dport 9418 ip daddr @gateway_v4 accept", true },
		{ "\t\ttcp dport 9418 ip6 daddr @gateway_v6 accept", true },
		{ "\t\tip daddr @allow_v4 meta l4proto { tcp, udp } log group 100 prefix \"TEROK_SHIELD_ALLOWED: \" counter accept", true },
		{ "\t\tip6 daddr @allow_v6 meta l4proto { tcp, udp } log group 100 prefix \"TEROK_SHIELD_ALLOWED: \" counter accept", true },
		{ "\t\tip daddr @allow_v4 icmp type echo-request limit rate 10/second accept", true },
		{ "\t\tip6 daddr @allow_v6 icmpv6 type echo-request limit rate 10/second accept", true },
		{ "\t\tip daddr 10.0.0.0/8 log group 100 prefix \"TEROK_SHIELD_PRIVATE: \" reject with icmpx admin-prohibited", true },
		{ "\t\tip6 daddr fe80::/10 log group 100 prefix \"TEROK_SHIELD_PRIVATE: \" reject with icmpx admin-prohibited", true },
		{ "\t\tlog group 100 prefix \"TEROK_SHIELD_DENIED: \" counter", true },
		{ "\t\treject with icmpx admin-prohibited", true },
		{ "\tchain input {", true },
		{ "\t\tiifname \"lo\" accept", true },
		/* nothing from a denied address, not even replies on an open connection */
		{ "\t\tip saddr @deny_v4 drop", true },
		{ "\t\tip6 saddr @deny_v6 drop", true },
		{ discovery, true },
		{ "\t\tct state established,related accept", true },
		{ "\t\tdrop", true },
	};
	assert_in_order(t, want, ARRAY_SIZE(want));
	/* The terminal reject is the last output rule. */
	assert_int_equal(line_equal(t, "\t}"), line_equal(t, "\t\treject with icmpx admin-prohibited") + 1);
	assert_int_equal(count_of(t, "TEROK_SHIELD_PRIVATE"), 6);
	assert_int_equal(count_of(t, "dns_v4"), 0);
	assert_int_equal(count_of(t, "QUEUED"), 0);
	/* slirp4netns (inferred from its DNS address): no pasta loopback rule. */
	assert_int_equal(count_of(t, "169.254.1.2"), 0);
	/* Discovery in both chains, MLD reports only out; nothing new beyond them. */
	assert_int_equal(count_of(t, "hoplimit 255"), 2);
	assert_int_equal(count_of(t, "ff02::/16"), 1);
	assert_int_equal(count_of(t, "icmpv6 type"), 5);
	/* No source-port loophole on input. */
	assert_int_equal(count_of(t, "sport"), 0);
	free(t);
}

/* Host loopback ports per network mode: never the other mode's rules. */
static void test_network_modes(void **state)
{
	(void)state;
	struct {
		enum ts_network_mode network;
		const char *dns;
		bool pasta;
	} cases[] = {
		{ TS_NETWORK_AUTO, "10.0.2.3", false },
		{ TS_NETWORK_AUTO, "169.254.1.1", true },
		{ TS_NETWORK_AUTO, "fd00::3", false },
		{ TS_NETWORK_SLIRP4NETNS, "169.254.1.1", false },
		{ TS_NETWORK_PASTA, "10.0.2.3", true },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		for (int mode = TS_RULESET_UP; mode <= TS_RULESET_DOWN_ALL; mode++) {
			struct ts_ruleset_params p = {
				.mode = (enum ts_ruleset_mode)mode, .dns = cases[i].dns,
				.loopback_ports = ports, .n_loopback_ports = 2,
				.network = cases[i].network,
			};
			char *t = NULL;
			assert_int_equal(ts_ruleset_generate(&p, &t, NULL), 0);
			if (cases[i].pasta) {
				assert_true(line_equal(t, "\t\ttcp dport 9418 ip daddr 169.254.1.2 accept") > 0);
				assert_int_equal(count_of(t, "@gateway_v"), 0);
				assert_int_equal(count_of(t, "169.254.1.2"), 2);
			} else {
				assert_true(line_equal(t, "\t\ttcp dport 9418 ip6 daddr @gateway_v6 accept") > 0);
				assert_int_equal(count_of(t, "169.254.1.2"), 0);
				assert_int_equal(count_of(t, "daddr @gateway_v"), 4);
			}
			free(t);
		}
	}
	assert_string_equal(ts_network_mode_name(TS_NETWORK_SLIRP4NETNS), "slirp4netns");
	assert_string_equal(ts_network_mode_name(TS_NETWORK_PASTA), "pasta");
	enum ts_network_mode m = TS_NETWORK_AUTO;
	assert_int_equal(ts_network_mode_parse("pasta", &m), 0);
	assert_int_equal(m, TS_NETWORK_PASTA);
	assert_int_equal(ts_network_mode_parse("slirp4netns", &m), 0);
	assert_int_equal(m, TS_NETWORK_SLIRP4NETNS);
	assert_int_equal(ts_network_mode_parse("auto", &m), -EINVAL);
	assert_int_equal(ts_network_mode_parse("", &m), -EINVAL);
	assert_int_equal(ts_network_mode_parse(NULL, &m), -EINVAL);
	assert_int_equal(m, TS_NETWORK_SLIRP4NETNS);
}

static void test_sets(void **state)
{
	(void)state;
	char *t = generate(TS_RULESET_UP, "10.0.2.3", true);
	assert_true(line_of(t, "set allow_v4 { type ipv4_addr; flags interval; counter; }") > 0);
	assert_true(line_of(t, "set allow_v6 { type ipv6_addr; flags interval; counter; }") > 0);
	assert_true(line_of(t, "set deny_v4 { type ipv4_addr; flags interval; counter; }") > 0);
	assert_true(line_of(t, "set deny_v6 { type ipv6_addr; flags interval; counter; }") > 0);
	assert_true(line_of(t, "set gateway_v4 { type ipv4_addr; }") > 0);
	assert_true(line_of(t, "set gateway_v6 { type ipv6_addr; }") > 0);
	assert_true(line_of(t, "set dns_v4 { type ipv4_addr; flags interval, timeout; counter; timeout 30m; }") > 0);
	assert_true(line_of(t, "set dns_v6 { type ipv6_addr; flags interval, timeout; counter; timeout 30m; }") > 0);
	/* dnsmasq's sets are accepted after the shield's own allow sets, before private ranges. */
	int allow = line_of(t, "ip daddr @allow_v4 meta l4proto");
	int dns = line_of(t, "ip daddr @dns_v4 meta l4proto { tcp, udp } log group 100 prefix \"TEROK_SHIELD_ALLOWED: \" counter accept");
	int dns_ping = line_of(t, "ip6 daddr @dns_v6 icmpv6 type echo-request");
	int priv = line_of(t, "TEROK_SHIELD_PRIVATE");
	assert_true(allow < dns && dns < dns_ping && dns_ping < priv);
	assert_true(line_of(t, "@deny_v4") < allow);
	free(t);
}

/* The shield tier: no DNS server accepted in any mode, timeout-only learned sets accepted. */
static void test_shield_tier(void **state)
{
	(void)state;
	static const enum ts_ruleset_mode modes[] = { TS_RULESET_UP, TS_RULESET_INTERACTIVE,
						      TS_RULESET_DOWN, TS_RULESET_DOWN_ALL };
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		struct ts_ruleset_params p = { .mode = modes[i], .dns = "10.0.2.3",
					       .shield_tier = true };
		char *t = NULL;
		struct ts_error err = { 0 };
		assert_int_equal(ts_ruleset_generate(&p, &t, &err), 0);
		assert_int_equal(count_of(t, "dport 53"), 0);
		assert_int_equal(count_of(t, "10.0.2.3"), 0);
		assert_true(line_equal(t, "\tset dns_v4 { type ipv4_addr; flags timeout; counter; timeout 30m; }") > 0);
		assert_true(line_equal(t, "\tset dns_v6 { type ipv6_addr; flags timeout; counter; timeout 30m; }") > 0);
		assert_int_equal(count_of(t, "ipv4_addr; flags interval, timeout"), 0);
		assert_int_equal(count_of(t, "ipv6_addr; flags interval, timeout"), 0);
		assert_true(line_of(t, "oifname \"lo\" accept") > 0);
		if (modes[i] == TS_RULESET_UP || modes[i] == TS_RULESET_INTERACTIVE) {
			int allow = line_of(t, "ip daddr @allow_v4 meta l4proto");
			int dns = line_of(t, "ip daddr @dns_v4 meta l4proto { tcp, udp }");
			assert_true(allow > 0 && allow < dns && dns < line_of(t, "TEROK_SHIELD_PRIVATE"));
		}
		free(t);
	}
	/* The same parameters outside the shield tier do accept the upstream. */
	char *t = generate(TS_RULESET_UP, "10.0.2.3", true);
	assert_true(line_equal(t, "\t\tudp dport 53 ip daddr 10.0.2.3 accept") > 0);
	free(t);
}

static void test_interactive(void **state)
{
	(void)state;
	char *t = generate(TS_RULESET_INTERACTIVE, "10.0.2.3", false);
	assert_int_equal(count_of(t, "TEROK_SHIELD_QUEUED"), 1);
	int queued = line_equal(t, "\t\tlog group 100 prefix \"TEROK_SHIELD_QUEUED: \" counter reject with icmpx admin-prohibited");
	assert_true(queued > line_of(t, "ip6 daddr fe80::/10"));
	assert_int_equal(line_equal(t, "\t}"), queued + 1);
	/* Only the deny-set rules carry DENIED: the terminal is QUEUED. */
	assert_int_equal(count_of(t, "TEROK_SHIELD_DENIED"), 2);
	assert_true(line_of(t, "policy drop;") > 0);
	free(t);
}

static void test_down(void **state)
{
	(void)state;
	char *t = generate(TS_RULESET_DOWN, "10.0.2.3", false);
	assert_true(line_of(t, "type filter hook output priority filter; policy accept;") > 0);
	assert_true(line_of(t, "type filter hook input priority filter; policy drop;") > 0);
	/* Rules 1-7 as when up: deny.list stays enforced, open connections included. */
	const struct expected_line want[] = {
		{ "\t\toifname \"lo\" accept", true },
		{ "\t\tip daddr @deny_v4 log group 100 prefix \"TEROK_SHIELD_DENIED: \" counter reject", false },
		{ "\t\tip6 daddr @deny_v6 log group 100 prefix \"TEROK_SHIELD_DENIED: \" counter reject", false },
		{ discovery, true },
		{ mld, true },
		{ "\t\ticmp type echo-request limit rate over 10/second drop", true },
		{ "\t\ticmpv6 type echo-request limit rate over 10/second drop", true },
		{ "\t\tct state established,related accept", true },
		{ "\t\tudp dport 53 ip daddr 10.0.2.3 accept", true },
		{ "\t\ttcp dport 9418 ip6 daddr @gateway_v6 accept", true },
		{ "\t\tct state new log group 100 prefix \"TEROK_SHIELD_BYPASS: \" counter", true },
		{ "\t\tip daddr 10.0.0.0/8", false },
		{ "\tchain input {", true },
		{ "\t\tip saddr @deny_v4 drop", true },
		{ "\t\tip6 saddr @deny_v6 drop", true },
		{ discovery, true },
		{ "\t\tct state established,related accept", true },
	};
	assert_in_order(t, want, ARRAY_SIZE(want));
	assert_int_equal(count_of(t, "TEROK_SHIELD_PRIVATE"), 6);
	assert_int_equal(count_of(t, "@allow_v4 meta"), 0);
	assert_true(line_of(t, "set allow_v4") > 0);
	free(t);

	t = generate(TS_RULESET_DOWN_ALL, "10.0.2.3", false);
	assert_int_equal(count_of(t, "TEROK_SHIELD_PRIVATE"), 0);
	assert_int_equal(count_of(t, "TEROK_SHIELD_BYPASS"), 1);
	assert_int_equal(count_of(t, "deny_v6"), 3); /* declared and enforced both ways */
	assert_true(line_equal(t, discovery) > 0);
	assert_int_equal(count_of(t, "hoplimit 255"), 2);
	free(t);
}

/* Every mode accepts discovery in both chains, before the established accept. */
static void test_discovery_every_mode(void **state)
{
	(void)state;
	for (int mode = TS_RULESET_UP; mode <= TS_RULESET_DOWN_ALL; mode++) {
		char *t = generate((enum ts_ruleset_mode)mode, "10.0.2.3", mode == TS_RULESET_UP);
		int input = line_equal(t, "\tchain input {");
		int out_nd = line_equal(t, discovery);
		int out_est = line_equal(t, "\t\tct state established,related accept");
		assert_true(out_nd > 0 && out_nd < out_est && out_est < input);
		assert_true(line_equal(t, mld) > out_nd);
		assert_int_equal(count_of(t, "hoplimit 255"), 2);
		/* the input chain's copy */
		const char *in = strstr(t, "\tchain input {");
		assert_non_null(strstr(in, discovery + 2));
		assert_true(strstr(in, discovery + 2) < strstr(in, "ct state established,related accept"));
		free(t);
	}
}

static void test_ipv6_dns(void **state)
{
	(void)state;
	char *t = generate(TS_RULESET_UP, "FD00:0::3", false);
	assert_true(line_of(t, "udp dport 53 ip6 daddr fd00::3 accept") > 0);
	assert_true(line_of(t, "tcp dport 53 ip6 daddr fd00::3 accept") > 0);
	free(t);
}

static void test_invalid_params(void **state)
{
	(void)state;
	const char *bad_dns[] = { NULL, "", "10.0.2.0/24", "10.0.2.3; flush ruleset", "dns.example",
				  "10.0.2.3 accept\n\t\taccept" };
	for (size_t i = 0; i < ARRAY_SIZE(bad_dns); i++) {
		struct ts_ruleset_params p = { .mode = TS_RULESET_UP, .dns = bad_dns[i] };
		char *text = NULL;
		struct ts_error err = { 0 };
		assert_int_equal(ts_ruleset_generate(&p, &text, &err), -EINVAL);
		assert_null(text);
		assert_true(strlen(err.message) > 0);
	}
	uint16_t zero[] = { 443, 0 };
	struct ts_ruleset_params p = { .mode = TS_RULESET_UP, .dns = "10.0.2.3",
				       .loopback_ports = zero, .n_loopback_ports = 2 };
	char *text = NULL;
	struct ts_error err = { 0 };
	assert_int_equal(ts_ruleset_generate(&p, &text, &err), -EINVAL);
	assert_non_null(strstr(err.message, "port 0"));
	p.loopback_ports = NULL;
	assert_int_equal(ts_ruleset_generate(&p, &text, NULL), -EINVAL);
	p.n_loopback_ports = 0;
	p.mode = (enum ts_ruleset_mode)42;
	assert_int_equal(ts_ruleset_generate(&p, &text, NULL), -EINVAL);
	p.mode = TS_RULESET_UP;
	p.network = (enum ts_network_mode)3;
	err = (struct ts_error){ 0 };
	assert_int_equal(ts_ruleset_generate(&p, &text, &err), -EINVAL);
	assert_non_null(strstr(err.message, "network mode"));
	assert_null(text);
}

static char *elements(enum ts_nft_set set, bool add, const char *const *addrs, size_t n, int want)
{
	struct ts_strbuf b = TS_STRBUF_INIT;
	struct ts_error err = { 0 };
	int r = ts_ruleset_elements(set, add, addrs, n, &b, &err);
	if (r != want)
		fail_msg("elements returned %d (%s), wanted %d", r, err.message, want);
	return ts_strbuf_take(&b);
}

static void test_elements(void **state)
{
	(void)state;
	const char *ips[] = { "203.0.113.7", "2001:DB8::1", "10.1.2.3/8", "198.51.100.1",
			      "10.9.9.9", "203.0.113.7", "2001:db8::/32", "2001:db9::5" };
	char *t = elements(TS_SET_ALLOW, true, ips, ARRAY_SIZE(ips), 0);
	assert_string_equal(t,
		"add element inet terok_shield allow_v4 { 10.0.0.0/8, 198.51.100.1, 203.0.113.7 }\n"
		"add element inet terok_shield allow_v6 { 2001:db8::/32, 2001:db9::5 }\n");
	free(t);

	const char *repeated[] = { "10.0.0.0/8", "10.1.2.3", "10.0.0.0/8" };
	t = elements(TS_SET_DENY, false, repeated, 3, 0);
	assert_string_equal(t, "delete element inet terok_shield deny_v4 { 10.0.0.0/8, 10.1.2.3 }\n");
	free(t);

	t = elements(TS_SET_DENY, false, ips, 2, 0);
	assert_string_equal(t, "delete element inet terok_shield deny_v4 { 203.0.113.7 }\n"
			       "delete element inet terok_shield deny_v6 { 2001:db8::1 }\n");
	free(t);

	const char *gw[] = { "10.0.2.2", "fe80::1" };
	t = elements(TS_SET_GATEWAY, true, gw, 2, 0);
	assert_string_equal(t, "add element inet terok_shield gateway_v4 { 10.0.2.2 }\n"
			       "add element inet terok_shield gateway_v6 { fe80::1 }\n");
	free(t);

	const char *dns[] = { "2001:db8::53" };
	t = elements(TS_SET_DNS, false, dns, 1, 0);
	assert_string_equal(t, "delete element inet terok_shield dns_v6 { 2001:db8::53 }\n");
	free(t);

	t = elements(TS_SET_ALLOW, true, NULL, 0, 0);
	assert_string_equal(t, "");
	free(t);
}

static void test_elements_reject_bad_input(void **state)
{
	(void)state;
	const char *inject[] = { "1.2.3.4", "1.2.3.4 }; flush ruleset; add element inet x y {" };
	char *t = elements(TS_SET_ALLOW, true, inject, 2, -EINVAL);
	assert_string_equal(t, ""); /* all or nothing */
	free(t);
	const char *cidr_gateway[] = { "10.0.2.0/24" };
	t = elements(TS_SET_GATEWAY, true, cidr_gateway, 1, -EINVAL);
	assert_string_equal(t, "");
	free(t);
	const char *ok[] = { "1.2.3.4" };
	t = elements((enum ts_nft_set)9, true, ok, 1, -EINVAL);
	free(t);
}

/*
 * block: loopback only. Both chains drop; the only accepts are loopback's,
 * DNS to loopback is refused ahead of them, nothing else lets traffic
 * through (no established accept, discovery, DNS upstream, host loopback
 * ports or allow sets); the sets stay declared for allow and deny.
 */
static void test_block(void **state)
{
	(void)state;
	for (int dnsmasq = 0; dnsmasq <= 1; dnsmasq++) {
		char *t = generate(TS_RULESET_BLOCK, "10.0.2.3", dnsmasq);
		static const struct expected_line want[] = {
			{ "\tchain output {", true },
			{ "\t\ttype filter hook output priority filter; policy drop;", true },
			{ "\t\toifname \"lo\" udp dport 53 log group 100 prefix \"TEROK_SHIELD_BLOCKED: \" "
			  "counter reject with icmpx admin-prohibited", true },
			{ "\t\toifname \"lo\" tcp dport 53 log group 100 prefix \"TEROK_SHIELD_BLOCKED: \" "
			  "counter reject with icmpx admin-prohibited", true },
			{ "\t\toifname \"lo\" accept", true },
			{ "\t\tlog group 100 prefix \"TEROK_SHIELD_BLOCKED: \" counter", true },
			{ "\t\treject with icmpx admin-prohibited", true },
			{ "\tchain input {", true },
			{ "\t\ttype filter hook input priority filter; policy drop;", true },
			{ "\t\tiifname \"lo\" accept", true },
			{ "\t\tdrop", true },
		};
		assert_in_order(t, want, ARRAY_SIZE(want));
		assert_int_equal(count_of(t, "accept"), 2);
		assert_int_equal(count_of(t, "established"), 0);
		assert_int_equal(count_of(t, "10.0.2.3"), 0);
		assert_int_equal(count_of(t, "daddr"), 0);
		assert_int_equal(count_of(t, "icmpv6"), 0);
		assert_int_equal(count_of(t, "dport 8080"), 0);
		assert_true(line_of(t, "set allow_v4 {") > 0 && line_of(t, "set deny_v6 {") > 0);
		assert_int_equal(line_of(t, "set dns_v4 {") > 0, dnsmasq);
		free(t);
	}
}

static void test_labels(void **state)
{
	(void)state;
	assert_string_equal(ts_ruleset_mode_label(TS_RULESET_UP), "up");
	assert_string_equal(ts_ruleset_mode_label(TS_RULESET_INTERACTIVE), "interactive");
	assert_string_equal(ts_ruleset_mode_label(TS_RULESET_DOWN), "down");
	assert_string_equal(ts_ruleset_mode_label(TS_RULESET_DOWN_ALL), "down --all");
	assert_string_equal(ts_ruleset_mode_label(TS_RULESET_BLOCK), "block");
}

/* Scoped elements for lines parsed with ts_scoped_parse, at now. */
static char *scoped(const char *const *lines, size_t n, time_t now)
{
	struct ts_scoped_entry e[8];
	assert_true(n <= 8);
	struct ts_error err = { 0 };
	for (size_t i = 0; i < n; i++)
		if (ts_scoped_parse(lines[i], &e[i], &err) < 0)
			fail_msg("%s: %s", lines[i], err.message);
	struct ts_strbuf b = TS_STRBUF_INIT;
	if (ts_ruleset_scoped_elements(e, n, now, &b, &err) < 0)
		fail_msg("scoped elements: %s", err.message);
	return ts_strbuf_take(&b);
}

/*
 * Counters (docs/ruleset.md#counters): counting sets, the bounded refused
 * sets filled after the last accept and before the first refusal, and
 * established traffic counted before the established accept; only where
 * the allow sets are in force.
 */
static void test_counters(void **state)
{
	(void)state;
	static const enum ts_ruleset_mode modes[] = { TS_RULESET_UP, TS_RULESET_INTERACTIVE,
						      TS_RULESET_DOWN, TS_RULESET_BLOCK };
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		char *t = generate(modes[i], "10.0.2.3", true);
		bool counted = modes[i] == TS_RULESET_UP || modes[i] == TS_RULESET_INTERACTIVE;
		assert_true(line_of(t, "set refused_v4 { type ipv4_addr; size 1024; flags dynamic, "
				       "timeout; counter; timeout 1h; }") > 0);
		assert_true(line_of(t, "set refused_v6 { type ipv6_addr; size 1024;") > 0);
		int fill = line_of(t, "update @refused_v4 { ip daddr }");
		int est = line_of(t, "ct state established,related ip daddr @allow_v4");
		assert_int_equal(fill > 0, counted);
		assert_int_equal(est > 0, counted);
		assert_int_equal(count_of(t, "update @refused_v6 { ip6 daddr }\n") > 0, counted);
		if (counted) {
			assert_true(fill > line_of(t, "ip6 daddr . meta l4proto . th dport @scoped_v6 log"));
			assert_true(fill < line_of(t, "ip daddr 10.0.0.0/8"));
			assert_true(est < line_of(t, "ct state established,related accept"));
			assert_true(est > line_of(t, "ip6 daddr @deny_v6"));
			assert_true(line_of(t, "ct state established,related ip6 daddr @dns_v6") > est);
			assert_true(line_of(t, "ct state established,related ip6 daddr . meta l4proto . "
					       "th dport @scoped_v6") > est);
		}
		free(t);
	}
	/* Without learned sets, no counting rule names them. */
	char *t = generate(TS_RULESET_UP, "10.0.2.3", false);
	assert_int_equal(count_of(t, "@dns_v4"), 0);
	free(t);
}

#define SCOPED_ADD "add element inet terok_shield scoped_"

/* The scoped sets and their accept, after the allow sets and before the private ranges. */
static void test_scoped_rules(void **state)
{
	(void)state;
	char *up = generate(TS_RULESET_UP, "10.0.2.3", false);
	assert_true(line_of(up, "set scoped_v4 { type ipv4_addr . inet_proto . inet_service; "
				"flags interval, timeout; counter; }") > 0);
	assert_true(line_of(up, "set scoped_v6 { type ipv6_addr . inet_proto . inet_service;") > 0);
	int accept = line_of(up, "ip daddr . meta l4proto . th dport @scoped_v4 log group 100 "
				 "prefix \"TEROK_SHIELD_ALLOWED: \" counter accept");
	assert_true(accept > line_of(up, "ip6 daddr @allow_v6 meta l4proto"));
	assert_true(accept > line_of(up, "ip daddr @deny_v4"));
	assert_true(accept < line_of(up, "ip daddr 10.0.0.0/8"));
	assert_true(line_of(up, "ip6 daddr . meta l4proto . th dport @scoped_v6 log") > accept);
	free(up);
	/* The bypass ruleset declares the sets but accepts everything anyway. */
	char *down = generate(TS_RULESET_DOWN, "10.0.2.3", false);
	assert_true(line_of(down, "set scoped_v4 {") > 0);
	assert_int_equal(line_of(down, "@scoped_v4"), -1);
	free(down);
}

static void test_scoped_elements(void **state)
{
	(void)state;
	/* A permanent port, a timed one, a v6 range; an expired entry is left out. */
	const char *lines[] = { "203.0.113.7 tcp 443 -", "203.0.113.8 udp 53 1000", "2001:db8::/64 tcp 8000-8080 1600",
				"192.0.2.1 tcp 80 999" };
	char *t = scoped(lines, 4, 1000);
	assert_string_equal(t, SCOPED_ADD "v4 { 203.0.113.7 . tcp . 443 }\n"
			       SCOPED_ADD "v6 { 2001:db8::/64 . tcp . 8000-8080 timeout 600s }\n");
	free(t);
	/* One address's overlapping entries become disjoint pieces, each living as long as its longest cover. */
	const char *overlap[] = { "203.0.113.7 tcp 0-65535 2000", "203.0.113.7 tcp 443 -",
				  "203.0.113.7 tcp 440-450 3000", "203.0.113.7 udp 443 -" };
	t = scoped(overlap, 4, 1000);
	assert_string_equal(t, SCOPED_ADD "v4 { 203.0.113.7 . tcp . 0-439 timeout 1000s, "
			       "203.0.113.7 . tcp . 440-442 timeout 2000s, 203.0.113.7 . tcp . 443, "
			       "203.0.113.7 . tcp . 444-450 timeout 2000s, "
			       "203.0.113.7 . tcp . 451-65535 timeout 1000s, 203.0.113.7 . udp . 443 }\n");
	free(t);
	/* Adjacent pieces of equal life merge; a repeated entry is written once. */
	const char *adjacent[] = { "192.0.2.1 tcp 80-89 -", "192.0.2.1 tcp 90-99 -", "192.0.2.1 tcp 80-89 -" };
	t = scoped(adjacent, 3, 1000);
	assert_string_equal(t, SCOPED_ADD "v4 { 192.0.2.1 . tcp . 80-99 }\n");
	free(t);
	/* An end further off than 365 days (nft refuses ~3 years) gets 365 days. */
	const char *far[] = { "192.0.2.1 tcp 80 999999999999" };
	t = scoped(far, 1, 1000);
	assert_string_equal(t, SCOPED_ADD "v4 { 192.0.2.1 . tcp . 80 timeout 31536000s }\n");
	free(t);
}

static void test_scoped_elements_reject_bad_input(void **state)
{
	(void)state;
	struct ts_scoped_entry bad[] = {
		{ .addr = "1.2.3.4; flush ruleset", .proto = TS_PROTO_TCP, .port_lo = 1, .port_hi = 1 },
		{ .addr = "1.2.3.4", .proto = 3, .port_lo = 1, .port_hi = 1 },
		{ .addr = "1.2.3.4", .proto = TS_PROTO_TCP, .port_lo = 9, .port_hi = 8 },
		{ .addr = "1.2.3.4", .proto = TS_PROTO_TCP, .port_lo = 0, .port_hi = 80 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ts_strbuf b = TS_STRBUF_INIT;
		struct ts_scoped_entry two[2] = { { .addr = "192.0.2.1", .proto = TS_PROTO_TCP,
						    .port_lo = 80, .port_hi = 80 }, bad[i] };
		assert_int_equal(ts_ruleset_scoped_elements(two, 2, 1000, &b, NULL), -EINVAL);
		assert_true(b.len == 0);
		ts_strbuf_clear(&b);
	}
	/* The plain element call takes no scoped set. */
	const char *addr = "192.0.2.1";
	struct ts_strbuf b = TS_STRBUF_INIT;
	assert_true(ts_ruleset_elements(TS_SET_SCOPED, true, &addr, 1, &b, NULL) < 0);
	ts_strbuf_clear(&b);
}

/* Operator values: ports, protocols, durations, live.scoped lines. */
static void test_scope_values(void **state)
{
	(void)state;
	uint16_t lo, hi;
	unsigned proto;
	long sec;
	assert_int_equal(ts_scope_parse_ports("443", &lo, &hi, NULL), 0);
	assert_true(lo == 443 && hi == 443);
	assert_int_equal(ts_scope_parse_ports("1000-2000", &lo, &hi, NULL), 0);
	assert_true(lo == 1000 && hi == 2000);
	const char *bad_ports[] = { "0", "70000", "1-2-3", "90-80", "+80", "", "80-", "-80", "0x50", "08", " 80", NULL };
	for (const char *const *p = bad_ports; *p; p++)
		if (ts_scope_parse_ports(*p, &lo, &hi, NULL) == 0)
			fail_msg("port '%s' accepted", *p);
	assert_int_equal(ts_scope_parse_proto("udp", &proto, NULL), 0);
	assert_int_equal(proto, TS_PROTO_UDP);
	assert_true(ts_scope_parse_proto("icmp", &proto, NULL) < 0);
	assert_int_equal(ts_scope_parse_duration("30m", &sec, NULL), 0);
	assert_int_equal(sec, 1800);
	assert_int_equal(ts_scope_parse_duration("365d", &sec, NULL), 0);
	const char *bad_durations[] = { "5x", "0s", "30", "m", "-5m", "366d", "1.5h", "5m ", "99999999999s", NULL };
	for (const char *const *p = bad_durations; *p; p++)
		if (ts_scope_parse_duration(*p, &sec, NULL) == 0)
			fail_msg("duration '%s' accepted", *p);
	struct ts_scope s = { TS_PROTO_TCP, 443, 443, 1800 };
	char text[96];
	ts_scope_describe(&s, text, sizeof(text));
	assert_string_equal(text, "port 443/tcp, for 30m");
	assert_false(ts_scope_is_narrow(&TS_SCOPE_WHOLE));
	struct ts_scoped_entry e;
	char line[TS_SCOPED_LINE_LEN];
	assert_int_equal(ts_scoped_parse("10.1.2.3/8 udp 1-9 1700000000", &e, NULL), 0);
	ts_scoped_format(&e, line);
	assert_string_equal(line, "10.0.0.0/8 udp 1-9 1700000000");
	const char *bad_lines[] = { "1.2.3.4 tcp 80", "1.2.3.4  tcp 80 -", "1.2.3.4 tcp 80 - x",
				    "1.2.3.4 tcp 0 -", "1.2.3.4 icmp 80 -", "1.2.3.4 tcp 80 0", "1.2.3.4 tcp 80 +5",
				    "nope tcp 80 -", "1.2.3.4 tcp 0-80 -", NULL };
	for (const char *const *p = bad_lines; *p; p++)
		if (ts_scoped_parse(*p, &e, NULL) == 0)
			fail_msg("line '%s' accepted", *p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_up_order),
		cmocka_unit_test(test_network_modes),
		cmocka_unit_test(test_discovery_every_mode),
		cmocka_unit_test(test_sets),
		cmocka_unit_test(test_shield_tier),
		cmocka_unit_test(test_interactive),
		cmocka_unit_test(test_down),
		cmocka_unit_test(test_block),
		cmocka_unit_test(test_ipv6_dns),
		cmocka_unit_test(test_invalid_params),
		cmocka_unit_test(test_elements),
		cmocka_unit_test(test_elements_reject_bad_input),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_scoped_rules),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_scoped_elements),
		cmocka_unit_test(test_scoped_elements_reject_bad_input),
		cmocka_unit_test(test_scope_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
