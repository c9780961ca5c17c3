/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verification and state classification on real `nft list table` output
 * (fixtures captured from nftables 1.0.6), each invariant broken in turn.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "nft/verify.h"
#include "test-helpers.h"

static char *fixture(const char *name)
{
	const char *dir = getenv("TS_TEST_FIXTURES");
	if (!dir)
		fail_msg("TS_TEST_FIXTURES is not set");
	char *text = read_text(dir, name);
	if (!text)
		fail_msg("cannot read fixture %s", name);
	return text;
}

/* text without every line containing needle (which must occur). */
static char *without_lines(const char *text, const char *needle)
{
	struct ts_strbuf b = TS_STRBUF_INIT;
	bool removed = false;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
		if (memmem(p, len, needle, strlen(needle)))
			removed = true;
		else
			ts_strbuf_append(&b, p, len);
		p += len;
	}
	if (!removed)
		fail_msg("fixture has no line with '%s'", needle);
	return ts_strbuf_take(&b);
}

/* text with the first occurrence of from replaced by to. */
static char *replaced(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	if (!at)
		fail_msg("fixture has no '%s'", from);
	return ts_xasprintf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

static void assert_up_fails(char *broken, const char *reason)
{
	struct ts_error err = { 0 };
	assert_int_equal(ts_verify_up(broken, &err), -EPROTO);
	if (!strstr(err.message, reason))
		fail_msg("expected '%s' in: %s", reason, err.message);
	assert_int_equal(ts_shield_state_classify(broken), TS_STATE_ERROR);
	free(broken);
}

static void test_fixtures_verify(void **state)
{
	(void)state;
	char *up = fixture("listing-up.txt"), *inter = fixture("listing-interactive.txt");
	char *down = fixture("listing-down.txt"), *all = fixture("listing-down-all.txt");
	struct ts_error err = { 0 };
	if (ts_verify_up(up, &err) != 0)
		fail_msg("%s", err.message);
	assert_int_equal(ts_verify_up(inter, NULL), 0);
	assert_int_equal(ts_verify_down(down, false, NULL), 0);
	assert_int_equal(ts_verify_down(all, true, NULL), 0);
	assert_int_equal(ts_verify_up(down, NULL), -EPROTO);
	assert_int_equal(ts_verify_down(up, false, NULL), -EPROTO);
	assert_int_equal(ts_verify_down(all, false, NULL), -EPROTO);
	free(up), free(inter), free(down), free(all);
}

static void test_classify(void **state)
{
	(void)state;
	char *up = fixture("listing-up.txt"), *inter = fixture("listing-interactive.txt");
	char *down = fixture("listing-down.txt"), *all = fixture("listing-down-all.txt");
	assert_int_equal(ts_shield_state_classify(up), TS_STATE_UP);
	assert_int_equal(ts_shield_state_classify(inter), TS_STATE_UP);
	assert_int_equal(ts_shield_state_classify(down), TS_STATE_DOWN);
	assert_int_equal(ts_shield_state_classify(all), TS_STATE_DOWN_ALL);
	assert_int_equal(ts_shield_state_classify(NULL), TS_STATE_INACTIVE);
	assert_int_equal(ts_shield_state_classify(" \n"), TS_STATE_INACTIVE);
	assert_int_equal(ts_shield_state_classify("table inet other {\n}\n"), TS_STATE_ERROR);
	assert_int_equal(ts_shield_state_classify("garbage { { }"), TS_STATE_ERROR);
	/* A down table that lost only some private rejects is neither down nor down_all. */
	char *partial = without_lines(down, "192.168.0.0/16");
	assert_int_equal(ts_shield_state_classify(partial), TS_STATE_ERROR);
	free(partial);
	assert_string_equal(ts_shield_state_name(TS_STATE_UP), "up");
	assert_string_equal(ts_shield_state_name(TS_STATE_DOWN), "down");
	assert_string_equal(ts_shield_state_name(TS_STATE_DOWN_ALL), "down_all");
	assert_string_equal(ts_shield_state_name(TS_STATE_INACTIVE), "inactive");
	assert_string_equal(ts_shield_state_name(TS_STATE_ERROR), "error");
	free(up), free(inter), free(down), free(all);
}

static void test_up_invariants(void **state)
{
	(void)state;
	char *up = fixture("listing-up.txt");
	assert_up_fails(replaced(up, "policy drop", "policy accept"), "output chain with hook output and policy drop");
	assert_up_fails(without_lines(up, "hook input"), "input chain");
	assert_up_fails(replaced(up, "table inet terok_shield", "table inet other"), "table inet terok_shield");
	assert_up_fails(without_lines(up, "set deny_v6"), "set deny_v6 declared");
	assert_up_fails(replaced(up, "set allow_v4 {", "set allowed_v4 {"), "set allow_v4 declared");
	/* The fixture's allow_v4 holds 10.0.0.0/8 as an element: that must not count as a rule. */
	assert_up_fails(without_lines(up, "ip daddr 10.0.0.0/8 log"), "private range 10.0.0.0/8");
	assert_up_fails(without_lines(up, "fe80::/10"), "private range fe80::/10");
	assert_up_fails(without_lines(up, "prefix \"TEROK_SHIELD_DENIED: \" group 100 counter packets 0 bytes 0\n"),
			"terminal");
	/* A terminal log that selects a destination is no terminal rule. */
	assert_up_fails(replaced(up, "\t\tlog prefix \"TEROK_SHIELD_DENIED: \" group 100 counter packets 0 bytes 0\n",
				 "\t\tip daddr 1.2.3.4 log prefix \"TEROK_SHIELD_DENIED: \" group 100 counter packets 0 bytes 0\n"),
			"terminal");
	/* Private rule that accepts instead of rejecting. */
	assert_up_fails(replaced(up, "ip daddr 172.16.0.0/12 log prefix \"TEROK_SHIELD_PRIVATE: \" group 100 reject with icmpx admin-prohibited",
				 "ip daddr 172.16.0.0/12 log prefix \"TEROK_SHIELD_PRIVATE: \" group 100 accept"),
			"private range 172.16.0.0/12");
	/* A private reject narrowed by an extra condition refuses almost nothing. */
	assert_up_fails(replaced(up, "ip daddr 192.168.0.0/16 log", "ip daddr 192.168.0.0/16 tcp dport 1 log"),
			"private range 192.168.0.0/16");
	free(up);
}

/* Only the shield's own accepts may let traffic through (docs/ruleset.md). */
static void test_foreign_accepts(void **state)
{
	(void)state;
	char *up = fixture("listing-up.txt");
	char *ports = fixture("listing-up-ports-dnsmasq.txt");
	char *pasta = fixture("listing-up-ports-pasta.txt");
	struct ts_error err = { 0 };
	if (ts_verify_up(ports, &err) != 0)
		fail_msg("loopback ports and dns sets: %s", err.message);
	if (ts_verify_up(pasta, &err) != 0)
		fail_msg("pasta loopback ports: %s", err.message);
	free(pasta);
	const char *first = "\t\toifname \"lo\" accept\n";
	assert_up_fails(replaced(up, first, "\t\tmeta l4proto { tcp, udp } accept\n\t\toifname \"lo\" accept\n"),
			"never writes: 'meta l4proto { tcp, udp } accept'");
	assert_up_fails(replaced(up, first, "\t\tjump elsewhere\n\t\toifname \"lo\" accept\n"),
			"never writes: 'jump elsewhere'");
	assert_up_fails(replaced(up, first, "\t\tqueue num 0\n\t\toifname \"lo\" accept\n"),
			"never writes: 'queue num 0'");
	/* DNS to everywhere is no DNS rule. */
	assert_up_fails(replaced(up, "udp dport 53 ip daddr 10.0.2.3 accept", "udp dport 53 ip daddr 0.0.0.0/0 accept"),
			"never writes");
	/* An allow rule without the protocol limit would tunnel raw IP. */
	assert_up_fails(replaced(up, "ip daddr @allow_v4 meta l4proto { tcp, udp } log", "ip daddr @allow_v4 log"),
			"never writes");
	assert_up_fails(replaced(up, "iifname \"lo\" accept", "iifname \"eth0\" accept"),
			"input chain lets traffic through");
	free(up);
	free(ports);
}

/* text with the first line equal to line (which must occur, with its tabs) moved right after the first line equal to after. */
static char *line_moved(const char *text, const char *line, const char *after)
{
	char *without = replaced(text, line, "");
	char *both = ts_xasprintf("%s%s", after, line);
	char *moved = replaced(without, after, both);
	free(without);
	free(both);
	return moved;
}

/* The old order (replies accepted before the deny rules) fails, in every mode and in both chains. */
static void test_deny_before_established(void **state)
{
	(void)state;
	static const char *const out_est = "\t\tct state established,related accept\n";
	char *up = fixture("listing-up.txt"), *down = fixture("listing-down.txt");
	char *all = fixture("listing-down-all.txt");
	/* Output: the established accept moved up to right after loopback's. */
	assert_up_fails(line_moved(up, out_est, "\t\toifname \"lo\" accept\n"),
			"deny_v4 rule of the output chain ahead of its accepts");
	/* Input: the same, past the drops for denied sources. */
	char *input_old = replaced(up, "\t\tiifname \"lo\" accept\n\t\tip saddr @deny_v4 drop\n"
					 "\t\tip6 saddr @deny_v6 drop\n",
				   "\t\tiifname \"lo\" accept\n\t\tct state established,related accept\n"
				   "\t\tip saddr @deny_v4 drop\n\t\tip6 saddr @deny_v6 drop\n");
	assert_up_fails(input_old, "deny_v6 rule of the input chain ahead of its accepts");
	/* Any accept ahead of a deny rule counts, not only the established one. */
	assert_up_fails(line_moved(up, "\t\tudp dport 53 ip daddr 10.0.2.3 accept\n",
				   "\t\toifname \"lo\" accept\n"),
			"deny_v4 rule of the output chain");
	/* A missing or narrowed deny rule is no deny rule. */
	assert_up_fails(without_lines(up, "ip6 saddr @deny_v6 drop"), "deny_v6 rule of the input chain");
	assert_up_fails(replaced(up, "ip daddr @deny_v4 log", "ip daddr @deny_v4 tcp dport 1 log"),
			"deny_v4 rule of the output chain");

	struct ts_error err = { 0 };
	char *down_old = line_moved(down, out_est, "\t\toifname \"lo\" accept\n");
	assert_int_equal(ts_verify_down(down_old, false, &err), -EPROTO);
	assert_non_null(strstr(err.message, "deny_v4 rule of the output chain"));
	assert_int_equal(ts_shield_state_classify(down_old), TS_STATE_ERROR);
	char *all_old = without_lines(all, "ip saddr @deny_v4 drop");
	err = (struct ts_error){ 0 };
	assert_int_equal(ts_verify_down(all_old, true, &err), -EPROTO);
	assert_non_null(strstr(err.message, "deny_v4 rule of the input chain"));
	assert_int_equal(ts_shield_state_classify(all_old), TS_STATE_ERROR);
	free(down_old), free(all_old);
	free(up), free(down), free(all);
}

/* IPv6 discovery is accepted only on-link (hop limit 255) and MLD reports only to link-scope groups. */
static void test_discovery_rules(void **state)
{
	(void)state;
	char *up = fixture("listing-up.txt");
	assert_up_fails(replaced(up, "nd-neighbor-advert } ip6 hoplimit 255 accept",
				 "nd-neighbor-advert } accept"),
			"output chain lets traffic through with a rule the shield never writes");
	assert_up_fails(replaced(up, "ip6 daddr ff02::/16 icmpv6", "ip6 daddr ::/0 icmpv6"), "never writes");
	assert_up_fails(replaced(up, "mld2-listener-report } ip6 hoplimit 1 accept",
				 "mld2-listener-report, echo-request } ip6 hoplimit 1 accept"),
			"never writes");
	/* The input chain's copy is held to the same shape. */
	const char *in = strstr(up, "chain input");
	assert_non_null(in);
	char *head = strndup(up, (size_t)(in - up));
	char *tail = replaced(in, "ip6 hoplimit 255 accept", "ip6 hoplimit 64 accept");
	assert_up_fails(ts_xasprintf("%s%s", head, tail), "input chain lets traffic through");
	free(head), free(tail), free(up);
}

static void test_reject_type_invariant(void **state)
{
	(void)state;
	/* Every reject turned into drop: the reject-type invariant (and private ones) fail. */
	char *text = fixture("listing-up.txt");
	for (char *p; (p = strstr(text, "reject with icmpx admin-prohibited"));) {
		char *next = ts_xasprintf("%.*sdrop%s", (int)(p - text), text, p + strlen("reject with icmpx admin-prohibited"));
		free(text);
		text = next;
	}
	assert_up_fails(text, "reject with icmpx admin-prohibited rule");
}

static void test_interactive_terminal(void **state)
{
	(void)state;
	char *inter = fixture("listing-interactive.txt");
	assert_up_fails(without_lines(inter, "TEROK_SHIELD_QUEUED"), "terminal");
	free(inter);
}

static void test_down_invariants(void **state)
{
	(void)state;
	char *down = fixture("listing-down.txt");
	struct {
		char *text;
		const char *reason;
	} cases[] = {
		{ replaced(down, "policy accept", "policy drop"), "output chain with hook output and policy accept" },
		{ replaced(down, "hook input priority filter; policy drop", "hook input priority filter; policy accept"), "input chain" },
		{ without_lines(down, "TEROK_SHIELD_BYPASS"), "BYPASS" },
		{ without_lines(down, "set allow_v6"), "set allow_v6 declared" },
		{ without_lines(down, "169.254.0.0/16"), "private range 169.254.0.0/16" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ts_error err = { 0 };
		assert_int_equal(ts_verify_down(cases[i].text, false, &err), -EPROTO);
		if (!strstr(err.message, cases[i].reason))
			fail_msg("expected '%s' in: %s", cases[i].reason, err.message);
		free(cases[i].text);
	}
	free(down);
}

static void test_hostile_listing(void **state)
{
	(void)state;
	/* Quoted braces and words must not confuse structure or rule matching. */
	char *up = fixture("listing-up.txt");
	char *stripped = without_lines(up, "ip daddr 192.168.0.0/16");
	char *spoof = replaced(stripped, "\t\toifname \"lo\" accept\n",
			       "\t\toifname \"lo\" accept comment \"} ip daddr 192.168.0.0/16 reject with icmpx admin-prohibited {\"\n");
	assert_up_fails(spoof, "private range 192.168.0.0/16");
	free(stripped);
	free(up);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_verify),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_up_invariants),
		cmocka_unit_test(test_foreign_accepts),
		cmocka_unit_test(test_deny_before_established),
		cmocka_unit_test(test_discovery_rules),
		cmocka_unit_test(test_reject_type_invariant),
		cmocka_unit_test(test_interactive_terminal),
		cmocka_unit_test(test_down_invariants),
		cmocka_unit_test(test_hostile_listing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
