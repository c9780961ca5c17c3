/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verification and state classification on real JSON listings of the
 * table (`nft -j -t -p list table`, fixtures captured from nftables 1.0.6),
 * each invariant broken in turn by editing the listing's objects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "nft/verify.h"
#include "test-helpers.h"

/* Rule objects the edits insert, in the listing's own JSON. */
#define RULE(chain, exprs)                                                                    \
	"{\"rule\":{\"family\":\"inet\",\"table\":\"terok_shield\",\"chain\":\"" chain           \
	"\",\"handle\":99,\"expr\":[" exprs "]}}"
#define ACCEPT "{\"accept\":null}"
#define MATCH(proto, field, right)                                                            \
	"{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":\"" proto                  \
	"\",\"field\":\"" field "\"}},\"right\":" right "}}"
#define L4PROTO(set)                                                                          \
	"{\"match\":{\"op\":\"==\",\"left\":{\"meta\":{\"key\":\"l4proto\"}},\"right\":{\"set\":" \
	set "}}}"
/* As the library lists them: protocols by number. */
#define L4PROTO_TCP_UDP L4PROTO("[6,17]")
#define REJECT_ADMIN "{\"reject\":{\"type\":\"icmpx\",\"expr\":\"admin-prohibited\"}}"

/* A fixture as compact JSON ("key":"value", no spaces): what the edits below search. */
static char *fixture(const char *name)
{
	char *text = read_fixture(name);
	json_t *root = json_loads(text, 0, NULL);
	if (!root)
		fail_msg("fixture %s is no JSON", name);
	char *compact = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	free(text);
	return compact;
}

/* Whether an object's compact text holds every "&&"-separated part of needle. */
static bool object_matches(const json_t *obj, const char *needle)
{
	char *text = json_dumps(obj, JSON_COMPACT);
	bool all = true;
	for (const char *p = needle; all && *p;) {
		const char *end = strstr(p, "&&");
		size_t len = end ? (size_t)(end - p) : strlen(p);
		all = memmem(text, strlen(text), p, len) != NULL;
		p += len + (end ? 2 : 0);
	}
	free(text);
	return all;
}

static json_t *listing_array(json_t *root)
{
	json_t *items = json_object_get(root, "nftables");
	if (!json_is_array(items))
		fail_msg("no listing");
	return items;
}

/* Index of the first object matching needle (which must exist). */
static size_t find_object(json_t *items, const char *needle)
{
	size_t i;
	json_t *item;
	json_array_foreach(items, i, item)
		if (object_matches(item, needle))
			return i;
	fail_msg("listing has no object with '%s'", needle);
	return 0;
}

static char *dumped(json_t *root)
{
	char *text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return text;
}

/* The listing without every object matching needle (at least one must). */
static char *without(const char *text, const char *needle)
{
	json_t *root = json_loads(text, 0, NULL);
	json_t *items = listing_array(root);
	json_array_remove(items, find_object(items, needle));
	for (size_t i = 0; i < json_array_size(items);)
		if (object_matches(json_array_get(items, i), needle))
			json_array_remove(items, i);
		else
			i++;
	return dumped(root);
}

/* The listing with object (JSON text) inserted before the first object matching needle. */
static char *inserted(const char *text, const char *needle, const char *object)
{
	json_t *root = json_loads(text, 0, NULL), *obj = json_loads(object, 0, NULL);
	if (!obj)
		fail_msg("bad test object %s", object);
	json_t *items = listing_array(root);
	json_array_insert_new(items, find_object(items, needle), obj);
	return dumped(root);
}

/* The listing with the first object matching needle moved right after the first matching after. */
static char *moved(const char *text, const char *needle, const char *after)
{
	json_t *root = json_loads(text, 0, NULL);
	json_t *items = listing_array(root);
	size_t from = find_object(items, needle);
	json_t *obj = json_incref(json_array_get(items, from));
	json_array_remove(items, from);
	json_array_insert_new(items, find_object(items, after) + 1, obj);
	return dumped(root);
}

/* text with the first occurrence of from replaced by to. */
static char *replaced(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	if (!at)
		fail_msg("listing has no '%s'", from);
	return ts_xasprintf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

/* The same inside the first object matching needle only. */
static char *replaced_in(const char *text, const char *needle, const char *from, const char *to)
{
	json_t *root = json_loads(text, 0, NULL);
	json_t *items = listing_array(root);
	size_t at = find_object(items, needle);
	char *obj = json_dumps(json_array_get(items, at), JSON_COMPACT);
	char *edited = replaced(obj, from, to);
	json_array_set_new(items, at, json_loads(edited, 0, NULL));
	free(obj);
	free(edited);
	return dumped(root);
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
	char *up = fixture("listing-up.json"), *inter = fixture("listing-interactive.json");
	char *down = fixture("listing-down.json"), *all = fixture("listing-down-all.json");
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
	char *up = fixture("listing-up.json"), *inter = fixture("listing-interactive.json");
	char *down = fixture("listing-down.json"), *all = fixture("listing-down-all.json");
	assert_int_equal(ts_shield_state_classify(up), TS_STATE_UP);
	assert_int_equal(ts_shield_state_classify(inter), TS_STATE_UP);
	assert_int_equal(ts_shield_state_classify(down), TS_STATE_DOWN);
	assert_int_equal(ts_shield_state_classify(all), TS_STATE_DOWN_ALL);
	assert_int_equal(ts_shield_state_classify(NULL), TS_STATE_INACTIVE);
	assert_int_equal(ts_shield_state_classify(" \n"), TS_STATE_INACTIVE);
	assert_int_equal(ts_shield_state_classify("{\"nftables\":[{\"table\":{\"family\":\"inet\","
						  "\"name\":\"other\",\"handle\":1}}]}"),
			 TS_STATE_ERROR);
	assert_int_equal(ts_shield_state_classify("garbage { { }"), TS_STATE_ERROR);
	/* The text listing is no longer read: it classifies as an error. */
	assert_int_equal(ts_shield_state_classify("table inet terok_shield {\n}\n"), TS_STATE_ERROR);
	/* A down table that lost only some private rejects is neither down nor down_all. */
	char *partial = without(down, "\"addr\":\"192.168.0.0\"");
	assert_int_equal(ts_shield_state_classify(partial), TS_STATE_ERROR);
	free(partial);
	assert_string_equal(ts_shield_state_name(TS_STATE_UP), "up");
	assert_string_equal(ts_shield_state_name(TS_STATE_DOWN), "down");
	assert_string_equal(ts_shield_state_name(TS_STATE_DOWN_ALL), "down_all");
	assert_string_equal(ts_shield_state_name(TS_STATE_INACTIVE), "inactive");
	assert_string_equal(ts_shield_state_name(TS_STATE_ERROR), "error");
	free(up), free(inter), free(down), free(all);
}

static void assert_block_fails(char *broken, const char *reason)
{
	struct ts_error err = { 0 };
	assert_int_equal(ts_verify_block(broken, &err), -EPROTO);
	if (!strstr(err.message, reason))
		fail_msg("expected '%s' in: %s", reason, err.message);
	assert_int_not_equal(ts_shield_state_classify(broken), TS_STATE_BLOCK);
	free(broken);
}

/* The block table (preview --block, captured): only loopback lets anything through. */
static void test_block_invariants(void **state)
{
	(void)state;
	char *block = fixture("listing-block.json"), *up = fixture("listing-up.json");
	char *down = fixture("listing-down-all.json");
	struct ts_error err = { 0 };
	if (ts_verify_block(block, &err) != 0)
		fail_msg("%s", err.message);
	assert_int_equal(ts_shield_state_classify(block), TS_STATE_BLOCK);
	assert_string_equal(ts_shield_state_name(TS_STATE_BLOCK), "block");
	assert_int_equal(ts_verify_up(block, NULL), -EPROTO);
	assert_int_equal(ts_verify_down(block, true, NULL), -EPROTO);
	assert_int_equal(ts_verify_block(up, NULL), -EPROTO);
	assert_int_equal(ts_verify_block(down, NULL), -EPROTO);

	assert_block_fails(replaced(block, "\"policy\":\"drop\"", "\"policy\":\"accept\""),
			   "output chain with hook output and policy drop");
	assert_block_fails(replaced(block, "{\"drop\":null}", "{\"accept\":null}"), "never writes");
	assert_block_fails(inserted(block, "\"handle\":17",
				    "{\"rule\":{\"family\":\"inet\",\"table\":\"terok_shield\","
				    "\"chain\":\"output\",\"handle\":99,\"expr\":[{\"match\":{\"op\":"
				    "\"in\",\"left\":{\"ct\":{\"key\":\"state\"}},\"right\":"
				    "[\"established\",\"related\"]}},{\"accept\":null}]}}"),
			   "never writes");
	assert_block_fails(without(block, "\"field\":\"dport\""), "DNS to loopback");
	/* The DNS refusal after the loopback accept refuses nothing. */
	assert_block_fails(moved(block, "\"protocol\":\"udp\"", "\"handle\":15"), "DNS to loopback");
	assert_block_fails(without(block, "\"handle\":16"), "terminal BLOCKED");
	assert_block_fails(without(block, "\"name\":\"deny_v4\""), "set deny_v4");
	free(block), free(up), free(down);
}

static void test_up_invariants(void **state)
{
	(void)state;
	char *up = fixture("listing-up.json");
	assert_up_fails(replaced(up, "\"policy\":\"drop\"", "\"policy\":\"accept\""),
			"output chain with hook output and policy drop");
	assert_up_fails(without(up, "\"hook\":\"input\""), "input chain");
	assert_up_fails(replaced(up, "{\"table\":{\"family\":\"inet\",\"name\":\"terok_shield\"",
				 "{\"table\":{\"family\":\"inet\",\"name\":\"other\""),
			"table inet terok_shield");
	assert_up_fails(without(up, "\"name\":\"deny_v6\""), "set deny_v6 declared");
	assert_up_fails(replaced(up, "\"name\":\"allow_v4\"", "\"name\":\"allowed_v4\""),
			"set allow_v4 declared");
	/* A set of another table does not count. */
	assert_up_fails(replaced_in(up, "\"name\":\"deny_v4\"", "\"table\":\"terok_shield\"",
				    "\"table\":\"other\""),
			"set deny_v4 declared");
	assert_up_fails(without(up, "\"addr\":\"10.0.0.0\",\"len\":8"), "private range 10.0.0.0/8");
	assert_up_fails(without(up, "\"addr\":\"fe80::\""), "private range fe80::/10");
	const char *terminal = "\"expr\":[{\"log\":{\"prefix\":\"TEROK_SHIELD_DENIED: \"";
	assert_up_fails(without(up, terminal), "terminal");
	/* A terminal log that selects a destination is no terminal rule. */
	assert_up_fails(replaced(up, terminal,
				 "\"expr\":[" MATCH("ip", "daddr", "\"1.2.3.4\"")
				 ",{\"log\":{\"prefix\":\"TEROK_SHIELD_DENIED: \""),
			"terminal");
	/* Private rule that accepts instead of rejecting. */
	assert_up_fails(replaced_in(up, "\"addr\":\"172.16.0.0\"", REJECT_ADMIN, ACCEPT),
			"private range 172.16.0.0/12");
	/* A private reject narrowed by an extra condition refuses almost nothing. */
	assert_up_fails(replaced(up, "\"addr\":\"192.168.0.0\",\"len\":16}}}}",
				 "\"addr\":\"192.168.0.0\",\"len\":16}}}}," MATCH("tcp", "dport", "1")),
			"private range 192.168.0.0/16");
	free(up);
}

/* Only the shield's own accepts may let traffic through (docs/ruleset.md). */
static void test_foreign_accepts(void **state)
{
	(void)state;
	char *up = fixture("listing-up.json");
	char *ports = fixture("listing-up-ports-dnsmasq.json");
	char *pasta = fixture("listing-up-ports-pasta.json");
	struct ts_error err = { 0 };
	if (ts_verify_up(ports, &err) != 0)
		fail_msg("loopback ports and dns sets: %s", err.message);
	if (ts_verify_up(pasta, &err) != 0)
		fail_msg("pasta loopback ports: %s", err.message);
	free(pasta);
	const char *first = "\"key\":\"oifname\"";
	assert_up_fails(inserted(up, first, RULE("output", L4PROTO_TCP_UDP "," ACCEPT)),
			"never writes: 'meta l4proto { 6, 17 } accept'");
	assert_up_fails(inserted(up, first, RULE("output", L4PROTO("[\"tcp\",\"udp\"]") "," ACCEPT)),
			"never writes: 'meta l4proto { tcp, udp } accept'");
	assert_up_fails(inserted(up, first, RULE("output", "{\"jump\":{\"target\":\"elsewhere\"}}")),
			"never writes: 'jump elsewhere'");
	assert_up_fails(inserted(up, first, RULE("output", "{\"queue\":{\"num\":0}}")),
			"never writes: 'queue num 0'");
	/* A verdict map passes traffic too, however deep its verdict sits. */
	assert_up_fails(inserted(up, first, RULE("output",
		"{\"vmap\":{\"key\":{\"payload\":{\"protocol\":\"ip\",\"field\":\"daddr\"}},"
		"\"data\":{\"set\":[[\"1.2.3.4\",{\"accept\":null}]]}}}")),
			"output chain lets traffic through");
	/* DNS to everywhere is no DNS rule. */
	assert_up_fails(replaced(up, "\"right\":\"10.0.2.3\"",
				 "\"right\":{\"prefix\":{\"addr\":\"0.0.0.0\",\"len\":0}}"),
			"never writes");
	/* An allow rule without the protocol limit would tunnel raw IP. */
	assert_up_fails(replaced(up, L4PROTO_TCP_UDP ",", ""), "never writes");
	assert_up_fails(replaced(up, L4PROTO_TCP_UDP, L4PROTO("[6,1]")), "never writes");
	/* Protocols by name (`nft -j` without -p) verify as well. */
	char *half = replaced(up, L4PROTO_TCP_UDP, L4PROTO("[\"tcp\",\"udp\"]"));
	char *named = replaced(half, L4PROTO_TCP_UDP, L4PROTO("[\"tcp\",\"udp\"]"));
	free(half);
	if (ts_verify_up(named, &err) != 0)
		fail_msg("protocols by name: %s", err.message);
	free(named);
	assert_up_fails(replaced(up, "\"key\":\"iifname\"}},\"right\":\"lo\"",
				 "\"key\":\"iifname\"}},\"right\":\"eth0\""),
			"input chain lets traffic through");
	/* A comment is part of the rule: the shield writes none. */
	assert_up_fails(replaced_in(up, first, "\"expr\"", "\"comment\":\"x\",\"expr\""),
			"never writes: 'oifname \"lo\" accept comment \"x\"'");
	free(up);
	free(ports);
}

/* Scoped and timed allows: their sets are required, their accept names only them. */
static void test_scoped_accept(void **state)
{
	(void)state;
	char *up = fixture("listing-up.json");
	assert_up_fails(replaced(up, "\"name\":\"scoped_v6\"", "\"name\":\"other_v6\""),
			"set scoped_v6 declared");
	/* The same shape against another set (or without the port) is not the shield's. */
	const char *accept = "\"right\":\"@scoped_v4\"&&\"accept\"";
	assert_up_fails(replaced_in(up, accept, "\"right\":\"@scoped_v4\"", "\"right\":\"@gateway_v4\""),
			"never writes: 'ip daddr . meta l4proto . th dport @gateway_v4");
	assert_up_fails(replaced_in(up, accept,
				    ",{\"payload\":{\"protocol\":\"th\",\"field\":\"dport\"}}]", "]"),
			"never writes: 'ip daddr . meta l4proto @scoped_v4");
	free(up);
}

/* The old order (replies accepted before the deny rules) fails, in every mode and in both chains. */
static void test_deny_before_established(void **state)
{
	(void)state;
	const char *out_est = "\"chain\":\"output\"&&\"key\":\"state\"&&\"accept\"";
	const char *in_est = "\"chain\":\"input\"&&\"key\":\"state\"&&\"accept\"";
	char *up = fixture("listing-up.json"), *down = fixture("listing-down.json");
	char *all = fixture("listing-down-all.json");
	/* Output: the established accept moved up to right after loopback's. */
	assert_up_fails(moved(up, out_est, "\"key\":\"oifname\""),
			"deny_v4 rule of the output chain ahead of its accepts");
	/* Input: the same, past the drops for denied sources. */
	assert_up_fails(moved(up, in_est, "\"key\":\"iifname\""),
			"deny_v6 rule of the input chain ahead of its accepts");
	/* Any accept ahead of a deny rule counts, not only the established one. */
	assert_up_fails(moved(up, "\"protocol\":\"udp\",\"field\":\"dport\"", "\"key\":\"oifname\""),
			"deny_v4 rule of the output chain");
	/* A missing or narrowed deny rule is no deny rule. */
	assert_up_fails(without(up, "\"field\":\"saddr\"}},\"right\":\"@deny_v6\""),
			"deny_v6 rule of the input chain");
	assert_up_fails(replaced(up, "\"right\":\"@deny_v4\"}}",
				 "\"right\":\"@deny_v4\"}}," MATCH("tcp", "dport", "1")),
			"deny_v4 rule of the output chain");

	struct ts_error err = { 0 };
	char *down_old = moved(down, out_est, "\"key\":\"oifname\"");
	assert_int_equal(ts_verify_down(down_old, false, &err), -EPROTO);
	assert_non_null(strstr(err.message, "deny_v4 rule of the output chain"));
	assert_int_equal(ts_shield_state_classify(down_old), TS_STATE_ERROR);
	char *all_old = without(all, "\"field\":\"saddr\"}},\"right\":\"@deny_v4\"");
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
	char *up = fixture("listing-up.json");
	const char *hoplimit_255 = MATCH("ip6", "hoplimit", "255");
	assert_up_fails(replaced(up, ",{\"match\":{\"op\":\"==\",\"left\":{\"payload\":{\"protocol\":"
				 "\"ip6\",\"field\":\"hoplimit\"}},\"right\":255}}", ""),
			"output chain lets traffic through with a rule the shield never writes");
	assert_up_fails(replaced(up, "\"addr\":\"ff02::\",\"len\":16", "\"addr\":\"::\",\"len\":0"),
			"never writes");
	assert_up_fails(replaced(up, "\"mld2-listener-report\"]", "\"mld2-listener-report\",\"echo-request\"]"),
			"never writes");
	/* The input chain's copy is held to the same shape. */
	assert_up_fails(replaced_in(up, "\"chain\":\"input\"&&\"hoplimit\"", hoplimit_255,
				    MATCH("ip6", "hoplimit", "64")),
			"input chain lets traffic through");
	free(up);
}

static void test_reject_type_invariant(void **state)
{
	(void)state;
	/* Every reject turned into drop: the reject-type invariant (and private ones) fail. */
	char *text = fixture("listing-up.json");
	while (strstr(text, REJECT_ADMIN)) {
		char *next = replaced(text, REJECT_ADMIN, "{\"drop\":null}");
		free(text);
		text = next;
	}
	assert_up_fails(text, "reject with icmpx admin-prohibited rule");
}

static void test_interactive_terminal(void **state)
{
	(void)state;
	char *inter = fixture("listing-interactive.json");
	assert_up_fails(without(inter, "TEROK_SHIELD_QUEUED"), "terminal");
	free(inter);
}

static void test_down_invariants(void **state)
{
	(void)state;
	char *down = fixture("listing-down.json");
	struct {
		char *text;
		const char *reason;
	} cases[] = {
		{ replaced(down, "\"policy\":\"accept\"", "\"policy\":\"drop\""),
		  "output chain with hook output and policy accept" },
		{ replaced(down, "\"hook\":\"input\",\"prio\":0,\"policy\":\"drop\"",
			   "\"hook\":\"input\",\"prio\":0,\"policy\":\"accept\""),
		  "input chain" },
		{ without(down, "TEROK_SHIELD_BYPASS"), "BYPASS" },
		{ without(down, "\"name\":\"allow_v6\""), "set allow_v6 declared" },
		{ without(down, "\"addr\":\"169.254.0.0\""), "private range 169.254.0.0/16" },
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
	char *up = fixture("listing-up.json");
	char *stripped = without(up, "\"addr\":\"192.168.0.0\"");
	/* Words inside a comment or a string are no rule. */
	char *spoof = replaced_in(stripped, "\"key\":\"oifname\"", "\"expr\"",
				  "\"comment\":\"ip daddr 192.168.0.0/16 log prefix \\\"TEROK_SHIELD_PRIVATE: "
				  "\\\" group 100 reject with icmpx admin-prohibited\",\"expr\"");
	assert_up_fails(spoof, "private range 192.168.0.0/16");
	/* A rule of a chain the table lacks, or of another table, does not count. */
#define PRIVATE_REJECT_192                                                                    \
	MATCH("ip", "daddr", "{\"prefix\":{\"addr\":\"192.168.0.0\",\"len\":16}}")              \
	",{\"log\":{\"prefix\":\"TEROK_SHIELD_PRIVATE: \",\"group\":100}}," REJECT_ADMIN
	assert_up_fails(inserted(stripped, "\"key\":\"oifname\"", RULE("nowhere", PRIVATE_REJECT_192)),
			"private range 192.168.0.0/16");
	char *other = inserted(stripped, "\"key\":\"oifname\"", RULE("output", PRIVATE_REJECT_192));
	assert_up_fails(replaced(other, "\"table\":\"terok_shield\",\"chain\":\"output\",\"handle\":99",
				 "\"table\":\"other\",\"chain\":\"output\",\"handle\":99"),
			"private range 192.168.0.0/16");
	/* ... while the same rule in the table does (the edit itself is sound). */
	assert_int_equal(ts_verify_up(other, NULL), 0);
	free(other);
	/* Not a listing at all. */
	static const char *const junk[] = { "{\"nftables\":{}}", "{\"nftables\":[1,\"x\",null,[]]}",
					    "[]", "{\"nftables\":[{\"rule\":null},{\"chain\":7}]}" };
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		assert_int_equal(ts_verify_up(junk[i], NULL), -EPROTO);
		assert_int_equal(ts_shield_state_classify(junk[i]), TS_STATE_ERROR);
	}
	free(stripped);
	free(up);
}

static void assert_counters_fail(char *broken, const char *reason)
{
	struct ts_error err = { 0 };
	assert_int_equal(ts_verify_counters(broken, &err), -EPROTO);
	if (!strstr(err.message, reason))
		fail_msg("expected '%s' in: %s", reason, err.message);
	/* Counters are not among the up invariants: the table is still up. */
	assert_int_equal(ts_shield_state_classify(broken), TS_STATE_UP);
	free(broken);
}

/* The counters (docs/ruleset.md#counters); a table made before them is up without them. */
static void test_counters(void **state)
{
	(void)state;
	static const char *const counted[] = { "listing-up.json", "listing-interactive.json",
					       "listing-up-ports-dnsmasq.json",
					       "listing-up-ports-pasta.json" };
	struct ts_error err = { 0 };
	for (size_t i = 0; i < ARRAY_SIZE(counted); i++) {
		char *listing = fixture(counted[i]);
		if (ts_verify_counters(listing, &err) != 0)
			fail_msg("%s: %s", counted[i], err.message);
		free(listing);
	}
	char *old = fixture("listing-up-no-counters.json");
	assert_int_equal(ts_verify_up(old, NULL), 0);
	assert_counters_fail(old, "counter flag on set allow_v4");

	char *up = fixture("listing-up.json");
	assert_counters_fail(replaced_in(up, "\"name\":\"scoped_v6\"", ",\"stmt\":[{\"counter\":null}]",
					 ""),
			     "counter flag on set scoped_v6");
	assert_counters_fail(replaced_in(up, "\"name\":\"refused_v4\"", "\"size\":1024,", ""),
			     "size and timeout of set refused_v4");
	assert_counters_fail(without(up, "\"set\":\"@refused_v6\""),
			     "counting rule 'update @refused_v6 { ip6 daddr }'");
	assert_counters_fail(replaced(up, "\"op\":\"update\"", "\"op\":\"add\""),
			     "counting rule 'update @refused_v4 { ip daddr }'");
	assert_counters_fail(without(up, "\"chain\":\"output\"&&\"key\":\"state\"&&\"@allow_v4\""),
			     "counting rule 'ct state established,related ip daddr @allow_v4'");
	free(up);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_verify),
		cmocka_unit_test(test_block_invariants),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_up_invariants),
		cmocka_unit_test(test_foreign_accepts),
		cmocka_unit_test(test_scoped_accept),
		cmocka_unit_test(test_deny_before_established),
		cmocka_unit_test(test_discovery_rules),
		cmocka_unit_test(test_reject_type_invariant),
		cmocka_unit_test(test_interactive_terminal),
		cmocka_unit_test(test_down_invariants),
		cmocka_unit_test(test_hostile_listing),
		cmocka_unit_test(test_counters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
