/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root only: every `terok-shield preview` variant loads into a real kernel
 * (a network namespace this test creates with unshare and that vanishes
 * with it), and verification accepts the live table back; a ruleset broken
 * in one invariant is loaded and must be rejected. No packets are sent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/addr.h"
#include "base/process.h"
#include "base/util.h"
#include "nft/listing.h"
#include "nft/nft.h"
#include "nft/ruleset.h"
#include "nft/verify.h"
#include "test-helpers.h"

static char *config_dir;

/* stdout of `terok-shield preview ARGS…`, with an empty config. */
static char *preview(const char *a1, const char *a2)
{
	const char *argv[] = { getenv("TS_TEST_CLI"), "preview", a1, a2, NULL };
	char *out = NULL;
	struct ts_error err = { 0 };
	int status = ts_run_capture(argv, &out, &err);
	if (status != 0)
		fail_msg("preview %s %s exited %d: %s", a1 ? a1 : "", a2 ? a2 : "", status, err.message);
	return out;
}

/* Load script, then list the table as the verifier reads it (JSON) or as people do (text). */
static char *apply_and_list_as(const char *script, bool json)
{
	struct ts_error err = { 0 };
	char *listing = NULL;
	if (ts_nft_run(script, NULL, &err) < 0)
		fail_msg("nft rejected the ruleset: %s\n%s", err.message, script);
	int r = json ? ts_nft_list_table_json(&listing, &err) : ts_nft_list_table(false, &listing, &err);
	if (r < 0 || !listing)
		fail_msg("cannot list the table: %s", err.message);
	return listing;
}

static char *apply_and_list(const char *script)
{
	return apply_and_list_as(script, true);
}

static void check_preview(const char *a1, const char *a2, enum ts_shield_state want)
{
	char *script = preview(a1, a2);
	assert_true(ts_startswith(script, "# Ruleset preview ("));
	char *listing = apply_and_list(script);
	struct ts_error err = { 0 };
	int r = want == TS_STATE_UP ? ts_verify_up(listing, &err)
				    : ts_verify_down(listing, want == TS_STATE_DOWN_ALL, &err);
	if (r != 0)
		fail_msg("%s", err.message);
	assert_int_equal(ts_shield_state_classify(listing), want);
	free(listing);
	free(script);
}

static void test_preview_up(void **state)
{
	(void)state;
	check_preview(NULL, NULL, TS_STATE_UP);
}

static void test_preview_interactive(void **state)
{
	(void)state;
	check_preview("--interactive", NULL, TS_STATE_UP);
	char *listing = NULL;
	ts_nft_list_table_json(&listing, NULL);
	assert_non_null(strstr(listing, "TEROK_SHIELD_QUEUED"));
	free(listing);
}

static void test_preview_down(void **state)
{
	(void)state;
	check_preview("--down", NULL, TS_STATE_DOWN);
}

static void test_preview_down_all(void **state)
{
	(void)state;
	check_preview("--down", "--all", TS_STATE_DOWN_ALL);
}

static void test_preview_dnsmasq(void **state)
{
	(void)state;
	check_preview("--dnsmasq", NULL, TS_STATE_UP);
}

/* The shield tier: no DNS server accepted, timeout-only learned sets; it loads and verifies. */
static void test_preview_shield(void **state)
{
	(void)state;
	check_preview("--dns-tier", "shield", TS_STATE_UP);
	char *listing = NULL;
	ts_nft_list_table(false, &listing, NULL);
	assert_null(strstr(listing, "dport 53"));
	assert_non_null(strstr(listing, "set dns_v4"));
	assert_null(strstr(listing, "interval, timeout"));
	free(listing);
}

/* The pasta variant: its loopback-port rules load and verify too. */
static void test_preview_pasta(void **state)
{
	(void)state;
	check_preview("--network", "pasta", TS_STATE_UP);
}

static size_t count_lines_with(const char *text, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Applying twice replaces the table: exactly one copy of every rule. */
static void test_reapply_replaces(void **state)
{
	(void)state;
	char *script = preview(NULL, NULL);
	free(apply_and_list(script));
	char *listing = apply_and_list_as(script, false);
	assert_int_equal(count_lines_with(listing, "oifname \"lo\" accept"), 1);
	assert_int_equal(count_lines_with(listing, "TEROK_SHIELD_PRIVATE"), 6);
	assert_int_equal(count_lines_with(listing, "chain output"), 1);
	/* Switching modes replaces too. */
	char *down = preview("--down", NULL);
	free(listing);
	listing = apply_and_list(down);
	assert_int_equal(ts_shield_state_classify(listing), TS_STATE_DOWN);
	assert_int_equal(count_lines_with(listing, "\"policy\": \"drop\""), 1); /* input only */
	free(listing), free(script), free(down);
}

/* text with every occurrence of from (at least one) replaced by to. */
static char *replace_all(char *text, const char *from, const char *to)
{
	if (!strstr(text, from))
		fail_msg("no '%s' in the generated ruleset", from);
	size_t skip = 0;
	for (char *at; (at = strstr(text + skip, from));) {
		size_t offset = (size_t)(at - text);
		char *next = ts_xasprintf("%.*s%s%s", (int)offset, text, to, at + strlen(from));
		free(text);
		text = next;
		skip = offset + strlen(to);
	}
	return text;
}

/* Generate the up (or down) ruleset, break it with one edit, load it. */
static char *load_broken(enum ts_ruleset_mode mode, const char *from, const char *to)
{
	struct ts_ruleset_params p = { .mode = mode, .dns = "10.0.2.3" };
	char *script = NULL;
	assert_int_equal(ts_ruleset_generate(&p, &script, NULL), 0);
	script = replace_all(script, from, to);
	char *listing = apply_and_list(script);
	free(script);
	return listing;
}

static void expect_up_rejects(const char *from, const char *to, const char *reason)
{
	char *listing = load_broken(TS_RULESET_UP, from, to);
	struct ts_error err = { 0 };
	assert_int_equal(ts_verify_up(listing, &err), -EPROTO);
	if (!strstr(err.message, reason))
		fail_msg("breaking '%s' should report '%s', got: %s", from, reason, err.message);
	assert_int_equal(ts_shield_state_classify(listing), TS_STATE_ERROR);
	free(listing);
}

static void test_up_invariants_live(void **state)
{
	(void)state;
	expect_up_rejects("hook output priority filter; policy drop;",
			  "hook output priority filter; policy accept;", "output chain");
	expect_up_rejects("\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n",
			  "\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n",
			  "input chain");
	/* A set can only go missing together with its rules: rename it everywhere. */
	expect_up_rejects("allow_v4", "allowx_v4", "set allow_v4");
	expect_up_rejects("allow_v6", "allowx_v6", "set allow_v6");
	expect_up_rejects("deny_v4", "denyx_v4", "set deny_v4");
	expect_up_rejects("deny_v6", "denyx_v6", "set deny_v6");
	expect_up_rejects("\t\tlog group 100 prefix \"TEROK_SHIELD_DENIED: \" counter\n", "", "terminal");
	/* The old order: replies accepted before the deny rules, so a deny left open connections be. */
	expect_up_rejects("\t\toifname \"lo\" accept\n",
			  "\t\toifname \"lo\" accept\n\t\tct state established,related accept\n",
			  "deny_v4 rule of the output chain");
	expect_up_rejects("\t\tiifname \"lo\" accept\n",
			  "\t\tiifname \"lo\" accept\n\t\tct state established,related accept\n",
			  "deny_v4 rule of the input chain");
	/* Discovery that a router could forward (no hop-limit condition) is a hole. */
	expect_up_rejects(" ip6 hoplimit 255 accept", " accept", "never writes");
	for (size_t i = 0; ts_private_ranges[i]; i++) {
		char needle[96], reason[96];
		snprintf(needle, sizeof(needle), " daddr %s log", ts_private_ranges[i]);
		snprintf(reason, sizeof(reason), "private range %s", ts_private_ranges[i]);
		/* Keep the rule but make it select another range: the range loses its reject. */
		expect_up_rejects(needle, strchr(ts_private_ranges[i], ':') ? " daddr 2001:db8::/32 log"
									     : " daddr 198.18.0.0/15 log",
				  reason);
	}
}

static void test_reject_type_live(void **state)
{
	(void)state;
	/* Build an up ruleset whose rejects are all drops. */
	struct ts_ruleset_params p = { .mode = TS_RULESET_UP, .dns = "10.0.2.3" };
	char *text = NULL;
	assert_int_equal(ts_ruleset_generate(&p, &text, NULL), 0);
	text = replace_all(text, "reject with icmpx admin-prohibited", "drop");
	char *listing = apply_and_list(text);
	struct ts_error err = { 0 };
	assert_int_equal(ts_verify_up(listing, &err), -EPROTO);
	assert_non_null(strstr(err.message, "reject with icmpx admin-prohibited rule"));
	free(listing), free(text);
}

static void test_down_invariants_live(void **state)
{
	(void)state;
	struct {
		const char *from, *to, *reason;
	} cases[] = {
		{ "hook output priority filter; policy accept;", "hook output priority filter; policy drop;", "output chain" },
		{ "ct state new log group 100 prefix \"TEROK_SHIELD_BYPASS: \" counter", "ct state new counter", "BYPASS" },
		{ "allow_v6", "allowx_v6", "set allow_v6" },
		{ " daddr 172.16.0.0/12 log", " daddr 198.18.0.0/15 log", "private range 172.16.0.0/12" },
		{ "\t\toifname \"lo\" accept\n",
		  "\t\toifname \"lo\" accept\n\t\tct state established,related accept\n",
		  "deny_v4 rule of the output chain" },
		{ "\t\tip6 saddr @deny_v6 drop\n", "", "deny_v6 rule of the input chain" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *listing = load_broken(TS_RULESET_DOWN, cases[i].from, cases[i].to);
		struct ts_error err = { 0 };
		assert_int_equal(ts_verify_down(listing, false, &err), -EPROTO);
		if (!strstr(err.message, cases[i].reason))
			fail_msg("expected '%s', got: %s", cases[i].reason, err.message);
		free(listing);
	}
}

/*
 * preview --block loads, verifies as block and is classified block (and
 * as nothing else); each way a block table could let something out beyond
 * loopback fails its verification.
 */
static void test_block_invariants_live(void **state)
{
	(void)state;
	char *script = preview("--block", NULL);
	char *listing = apply_and_list(script);
	struct ts_error err = { 0 };
	if (ts_verify_block(listing, &err) != 0)
		fail_msg("%s", err.message);
	assert_int_equal(ts_shield_state_classify(listing), TS_STATE_BLOCK);
	assert_int_equal(ts_verify_up(listing, NULL), -EPROTO);
	free(listing), free(script);

	struct {
		const char *from, *to, *reason;
	} cases[] = {
		{ "hook output priority filter; policy drop;", "hook output priority filter; policy accept;", "output chain" },
		{ "hook input priority filter; policy drop;", "hook input priority filter; policy accept;", "input chain" },
		{ "\t\toifname \"lo\" accept\n",
		  "\t\toifname \"lo\" accept\n\t\tct state established,related accept\n", "never writes" },
		{ "\t\tiifname \"lo\" accept\n",
		  "\t\tiifname \"lo\" accept\n\t\tct state established,related accept\n", "never writes" },
		{ "\t\toifname \"lo\" accept\n", "\t\toifname \"lo\" accept\n\t\tudp dport 53 accept\n",
		  "never writes" },
		{ "\t\toifname \"lo\" udp dport 53 ", "\t\toifname \"lo\" udp dport 54 ", "DNS to loopback" },
		{ "\t\tlog group 100 prefix \"TEROK_SHIELD_BLOCKED: \" counter\n", "", "terminal BLOCKED" },
		{ "deny_v6", "denyx_v6", "set deny_v6" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		listing = load_broken(TS_RULESET_BLOCK, cases[i].from, cases[i].to);
		err = (struct ts_error){ 0 };
		assert_int_equal(ts_verify_block(listing, &err), -EPROTO);
		if (!strstr(err.message, cases[i].reason))
			fail_msg("breaking '%s': expected '%s', got: %s", cases[i].from, cases[i].reason,
				 err.message);
		assert_int_not_equal(ts_shield_state_classify(listing), TS_STATE_BLOCK);
		free(listing);
	}
}

static void test_absent_table(void **state)
{
	(void)state;
	assert_int_equal(ts_nft_run("table inet terok_shield\ndelete table inet terok_shield\n", NULL, NULL), 0);
	char *listing = (char *)"x";
	assert_int_equal(ts_nft_list_table(false, &listing, NULL), 0);
	assert_null(listing);
	assert_int_equal(ts_shield_state_classify(listing), TS_STATE_INACTIVE);
	listing = (char *)"x";
	assert_int_equal(ts_nft_list_table_json(&listing, NULL), 0);
	assert_null(listing);
}

/* The JSON listing is the inet ruleset cut down to the shield's table: another table is left out. */
static void test_json_listing_only_our_table(void **state)
{
	(void)state;
	const char *other = "table inet other\ndelete table inet other\n"
			    "table inet other { chain output { type filter hook output priority 0; "
			    "policy accept; accept; }; }\n";
	assert_int_equal(ts_nft_run("table inet terok_shield\ndelete table inet terok_shield\n", NULL, NULL), 0);
	assert_int_equal(ts_nft_run(other, NULL, NULL), 0);
	char *listing = (char *)"x";
	assert_int_equal(ts_nft_list_table_json(&listing, NULL), 0);
	assert_null(listing);
	char *script = preview(NULL, NULL);
	listing = apply_and_list(script);
	assert_null(strstr(listing, "\"other\""));
	assert_int_equal(ts_shield_state_classify(listing), TS_STATE_UP);
	assert_int_equal(ts_nft_run("delete table inet other\n", NULL, NULL), 0);
	free(listing), free(script);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root to create network namespaces\n");
		return 0;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		printf("1..0 # SKIP cannot create a network namespace: %s\n", strerror(errno));
		return 0;
	}
	config_dir = scratch_dir();
	setenv("TEROK_SHIELD_CONFIG_DIR", config_dir, 1);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_preview_up),
		cmocka_unit_test(test_preview_interactive),
		cmocka_unit_test(test_preview_down),
		cmocka_unit_test(test_preview_down_all),
		cmocka_unit_test(test_preview_dnsmasq),
		cmocka_unit_test(test_preview_pasta),
		cmocka_unit_test(test_preview_shield),
		cmocka_unit_test(test_reapply_replaces),
		cmocka_unit_test(test_up_invariants_live),
		cmocka_unit_test(test_reject_type_live),
		cmocka_unit_test(test_down_invariants_live),
		cmocka_unit_test(test_block_invariants_live),
		cmocka_unit_test(test_absent_table),
		cmocka_unit_test(test_json_listing_only_our_table),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	scratch_remove(config_dir);
	return r;
}
