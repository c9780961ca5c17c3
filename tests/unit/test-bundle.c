/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bundle module on hand-built bundles: settings, the up script
 * (ruleset + allow/deny/gateway elements), ruleset.nft, merged domains and
 * dnsmasq.conf. No root, no podman.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "base/strv.h"
#include "base/util.h"
#include "bundle/bundle.h"
#include "bundle/state.h"
#include "test-helpers.h"

#define ELEM "add element inet terok_shield "

static int setup(void **state)
{
	*state = scratch_dir();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	scratch_remove(*state);
	return 0;
}

static void assert_contains(const char *haystack, const char *needle)
{
	if (!haystack)
		fail_msg("expected to find '%s' in nothing (NULL)", needle);
	else if (!strstr(haystack, needle))
		fail_msg("expected to find '%s' in:\n%s", needle, haystack);
}

static void assert_not_contains(const char *haystack, const char *needle)
{
	if (!haystack)
		fail_msg("expected text, got NULL");
	else if (strstr(haystack, needle))
		fail_msg("did not expect '%s' in:\n%s", needle, haystack);
}

static size_t count_occurrences(const char *haystack, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static char *path_in(const char *dir, const char *name)
{
	return ts_xasprintf("%s/%s", dir, name);
}

static bool exists(const char *dir, const char *name)
{
	char *p = path_in(dir, name);
	struct stat st;
	bool ok = lstat(p, &st) == 0;
	free(p);
	return ok;
}

/* A full static-tier bundle used by several tests. */
static void write_static_bundle(const char *dir)
{
	write_text(dir, "upstream.dns", "10.0.2.3\n");
	write_text(dir, "dns.tier", "dig\n");
	write_text(dir, "loopback_ports", "8080\n9418\n");
	write_text(dir, "gateway", "10.0.2.2\n");
	write_text(dir, "gateway_v6", "fd00::2\n");
	write_text(dir, "profile.allowed", "198.51.100.0/24\n192.0.2.1\n2001:db8::1\n203.0.113.9\n");
	write_text(dir, "live.allowed", "203.0.113.5\n192.0.2.1\n2001:db8::2\n");
	write_text(dir, "deny.list", "203.0.113.9\n2001:db8::2\n");
}

/* The ruleset generator's text for these settings (the part before the elements). */
static char *expected_rules(enum ts_ruleset_mode mode, const char *dns, const uint16_t *ports,
			    size_t n_ports, bool dnsmasq)
{
	struct ts_ruleset_params p = {
		.mode = mode, .dns = dns, .loopback_ports = ports, .n_loopback_ports = n_ports,
		.dnsmasq_tier = dnsmasq,
	};
	char *rules = NULL;
	struct ts_error err = { 0 };
	if (ts_ruleset_generate(&p, &rules, &err) < 0)
		fail_msg("ts_ruleset_generate: %s", err.message);
	return rules;
}

static char *up_script(const char *dir)
{
	char *script = NULL;
	struct ts_error err = { 0 };
	if (ts_bundle_up_script(dir, &script, &err) < 0)
		fail_msg("ts_bundle_up_script: %s", err.message);
	return script;
}

/* ---- settings ---- */

static void test_settings_full(void **state)
{
	const char *dir = *state;
	write_text(dir, "upstream.dns", "  10.0.2.3  \n");
	write_text(dir, "dns.tier", "dnsmasq\n");
	write_text(dir, "interactive", "nflog\n");
	write_text(dir, "loopback_ports", "8080\n\n9418\n");
	write_text(dir, "gateway", "10.0.2.2\n");
	write_text(dir, "gateway_v6", "FD00:0:0::2\n");
	struct ts_bundle_settings s;
	struct ts_error err = { 0 };
	assert_int_equal(ts_bundle_settings_read(dir, &s, &err), 0);
	assert_string_equal(s.upstream_dns, "10.0.2.3");
	assert_true(s.dnsmasq_tier);
	assert_true(s.interactive);
	assert_int_equal(s.n_loopback_ports, 2);
	assert_int_equal(s.loopback_ports[0], 8080);
	assert_int_equal(s.loopback_ports[1], 9418);
	assert_string_equal(s.gateway_v4, "10.0.2.2");
	/* Canonical form: compressed, lower case. */
	assert_string_equal(s.gateway_v6, "fd00::2");
	ts_bundle_settings_clear(&s);
	assert_null(s.upstream_dns);
}

static void test_settings_minimal(void **state)
{
	const char *dir = *state;
	write_text(dir, "upstream.dns", "169.254.1.1\n");
	struct ts_bundle_settings s;
	struct ts_error err = { 0 };
	assert_int_equal(ts_bundle_settings_read(dir, &s, &err), 0);
	assert_string_equal(s.upstream_dns, "169.254.1.1");
	assert_false(s.dnsmasq_tier);
	assert_false(s.interactive);
	assert_int_equal(s.n_loopback_ports, 0);
	assert_null(s.gateway_v4);
	assert_null(s.gateway_v6);
	ts_bundle_settings_clear(&s);

	/* dig / getent are static tiers; an empty marker is not interactive. */
	const char *tiers[] = { "dig\n", "getent\n" };
	for (size_t i = 0; i < ARRAY_SIZE(tiers); i++) {
		write_text(dir, "dns.tier", tiers[i]);
		write_text(dir, "interactive", "\n");
		assert_int_equal(ts_bundle_settings_read(dir, &s, &err), 0);
		assert_false(s.dnsmasq_tier);
		assert_false(s.interactive);
		ts_bundle_settings_clear(&s);
	}
	/* IPv6 upstream. */
	write_text(dir, "upstream.dns", "FD00::0003\n");
	assert_int_equal(ts_bundle_settings_read(dir, &s, &err), 0);
	assert_string_equal(s.upstream_dns, "fd00::3");
	ts_bundle_settings_clear(&s);
}

static void test_settings_missing_upstream(void **state)
{
	const char *dir = *state;
	struct ts_bundle_settings s;
	struct ts_error err = { 0 };
	char *path = path_in(dir, "upstream.dns");
	assert_true(ts_bundle_settings_read(dir, &s, &err) < 0);
	assert_contains(err.message, path);
	assert_contains(err.message, "prepare");
	assert_null(s.upstream_dns);

	/* A blank file is just as missing. */
	write_text(dir, "upstream.dns", "\n  \n");
	err = (struct ts_error){ 0 };
	assert_true(ts_bundle_settings_read(dir, &s, &err) < 0);
	assert_contains(err.message, path);
	assert_contains(err.message, "prepare");
	free(path);
}

/* Each bad file fails the read with an error naming that file; nothing leaks. */
static void test_settings_invalid(void **state)
{
	const char *dir = *state;
	struct {
		const char *file, *content;
	} cases[] = {
		{ "upstream.dns", "10.0.2.3; flush ruleset\n" },
		{ "upstream.dns", "dns.example\n" },
		{ "upstream.dns", "10.0.0.0/8\n" },
		{ "gateway", "not-a-gateway\n" },
		{ "gateway", "10.0.2.0/24\n" },
		{ "gateway_v6", "fd00::zz\n" },
		{ "loopback_ports", "70000\n" },
		{ "loopback_ports", "0\n" },
		{ "loopback_ports", "8080\nhttp\n" },
		{ "dns.tier", "bogus\n" },
		{ "network.mode", "bridge\n" },
		{ "network.mode", "Pasta\n" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		write_text(dir, "upstream.dns", "10.0.2.3\n");
		write_text(dir, "dns.tier", "dnsmasq\n");
		write_text(dir, "gateway", "10.0.2.2\n");
		write_text(dir, "gateway_v6", "fd00::2\n");
		write_text(dir, "loopback_ports", "8080\n");
		write_text(dir, cases[i].file, cases[i].content);
		struct ts_bundle_settings s;
		struct ts_error err = { 0 };
		char *path = path_in(dir, cases[i].file);
		int r = ts_bundle_settings_read(dir, &s, &err);
		if (r >= 0)
			fail_msg("%s = '%s' accepted", cases[i].file, cases[i].content);
		assert_contains(err.message, path);
		assert_null(s.upstream_dns);
		assert_null(s.gateway_v4);
		assert_null(s.loopback_ports);
		/* ...and the up script refuses too, with the same file named. */
		char *script = NULL;
		err = (struct ts_error){ 0 };
		assert_true(ts_bundle_up_script(dir, &script, &err) < 0);
		assert_null(script);
		assert_contains(err.message, path);
		free(path);
	}
}

/* ---- the up script ---- */

static void test_up_script_static(void **state)
{
	const char *dir = *state;
	write_static_bundle(dir);
	char *script = up_script(dir);
	const uint16_t ports[] = { 8080, 9418 };
	char *rules = expected_rules(TS_RULESET_UP, "10.0.2.3", ports, 2, false);
	/*
	 * effective = (profile + live) - deny: 203.0.113.9 and 2001:db8::2 are
	 * denied, so they appear only in the deny sets. Elements come out sorted.
	 */
	char *want = ts_xasprintf("%s"
				  ELEM "allow_v4 { 192.0.2.1, 198.51.100.0/24, 203.0.113.5 }\n"
				  ELEM "allow_v6 { 2001:db8::1 }\n"
				  ELEM "deny_v4 { 203.0.113.9 }\n"
				  ELEM "deny_v6 { 2001:db8::2 }\n"
				  ELEM "gateway_v4 { 10.0.2.2 }\n"
				  ELEM "gateway_v6 { fd00::2 }\n",
				  rules);
	assert_string_equal(script, want);

	/* The rules part, checked on its own terms too. */
	assert_true(ts_startswith(script, "table inet terok_shield\ndelete table inet terok_shield\n"));
	assert_contains(script, "policy drop;");
	assert_contains(script, "udp dport 53 ip daddr 10.0.2.3 accept");
	assert_contains(script, "tcp dport 8080 ip daddr @gateway_v4 accept");
	assert_contains(script, "tcp dport 9418 ip6 daddr @gateway_v6 accept");
	assert_contains(script, "log group 100 prefix \"TEROK_SHIELD_DENIED: \" counter\n");
	assert_not_contains(script, "TEROK_SHIELD_QUEUED");
	assert_not_contains(script, "dns_v4");
	assert_not_contains(script, "dns_v6");
	/* The elements come after the table. */
	const char *table_end = strstr(script, "\n}\n");
	assert_non_null(table_end);
	assert_true(strstr(script, ELEM) > table_end);
	free(want);
	free(rules);
	free(script);
}

static void test_up_script_interactive_dnsmasq(void **state)
{
	const char *dir = *state;
	write_text(dir, "upstream.dns", "169.254.1.1\n");
	write_text(dir, "dns.tier", "dnsmasq\n");
	write_text(dir, "interactive", "nflog\n");
	write_text(dir, "loopback_ports", "3000\n");
	write_text(dir, "profile.allowed", "192.0.2.1\n");
	char *script = up_script(dir);
	const uint16_t ports[] = { 3000 };
	char *rules = expected_rules(TS_RULESET_INTERACTIVE, "169.254.1.1", ports, 1, true);
	char *want = ts_xasprintf("%s" ELEM "allow_v4 { 192.0.2.1 }\n", rules);
	assert_string_equal(script, want);
	assert_contains(script, "set dns_v4");
	assert_contains(script, "set dns_v6");
	assert_contains(script, "ip daddr @dns_v4");
	assert_contains(script, "prefix \"TEROK_SHIELD_QUEUED: \"");
	/* No network.mode (an older bundle): pasta's DNS address means pasta, and only its rule. */
	assert_contains(script, "tcp dport 3000 ip daddr 169.254.1.2 accept");
	assert_not_contains(script, "@gateway_v4 accept");
	/* No gateway files: no gateway elements, and no empty element lines at all. */
	assert_not_contains(script, ELEM "gateway");
	assert_not_contains(script, ELEM "deny");
	assert_not_contains(script, "{  }");
	free(want);
	free(rules);
	free(script);
}

/*
 * The host-loopback rules follow network.mode; a bundle without it (an
 * older one) is inferred from upstream.dns, never given both kinds.
 */
static void test_network_mode(void **state)
{
	const char *dir = *state;
	static const char *const gateway = "tcp dport 8080 ip daddr @gateway_v4 accept";
	static const char *const pasta = "tcp dport 8080 ip daddr 169.254.1.2 accept";
	struct {
		const char *dns, *mode; /* mode NULL: no network.mode file */
		enum ts_network_mode want;
		bool pasta_rules;
	} cases[] = {
		{ "10.0.2.3", NULL, TS_NETWORK_AUTO, false },
		{ "169.254.1.1", NULL, TS_NETWORK_AUTO, true },
		{ "10.0.2.3", "pasta\n", TS_NETWORK_PASTA, true },
		{ "169.254.1.1", "  slirp4netns \n", TS_NETWORK_SLIRP4NETNS, false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *dns = ts_xasprintf("%s\n", cases[i].dns);
		write_text(dir, "upstream.dns", dns);
		write_text(dir, "loopback_ports", "8080\n");
		char *mode = path_in(dir, "network.mode");
		unlink(mode);
		if (cases[i].mode)
			write_text(dir, "network.mode", cases[i].mode);
		struct ts_bundle_settings s;
		struct ts_error err = { 0 };
		if (ts_bundle_settings_read(dir, &s, &err) < 0)
			fail_msg("case %zu: %s", i, err.message);
		assert_int_equal(s.network, cases[i].want);
		ts_bundle_settings_clear(&s);
		char *script = up_script(dir);
		assert_contains(script, cases[i].pasta_rules ? pasta : gateway);
		assert_not_contains(script, cases[i].pasta_rules ? gateway : pasta);
		assert_not_contains(script, cases[i].pasta_rules ? "@gateway_v6 accept" : "169.254.1.2");
		free(script);
		free(mode);
		free(dns);
	}
}

/* Nothing allowed, denied or gatewayed: the script is exactly the rules. */
static void test_up_script_bare(void **state)
{
	const char *dir = *state;
	write_text(dir, "upstream.dns", "10.0.2.3\n");
	write_text(dir, "dns.tier", "dig\n");
	char *script = up_script(dir);
	char *rules = expected_rules(TS_RULESET_UP, "10.0.2.3", NULL, 0, false);
	assert_string_equal(script, rules);
	assert_not_contains(script, "add element");
	free(rules);
	free(script);

	/* Everything allowed is denied: still no allow elements. */
	write_text(dir, "profile.allowed", "192.0.2.1\n");
	write_text(dir, "live.allowed", "2001:db8::7\n");
	write_text(dir, "deny.list", "2001:db8::7\n192.0.2.1\n");
	script = up_script(dir);
	assert_not_contains(script, ELEM "allow");
	assert_contains(script, ELEM "deny_v4 { 192.0.2.1 }\n");
	assert_contains(script, ELEM "deny_v6 { 2001:db8::7 }\n");
	free(script);
}

/* A line that is no address fails the script, with a message naming it. */
static void test_up_script_invalid_entry(void **state)
{
	const char *dir = *state;
	const char *files[] = { "profile.allowed", "live.allowed", "deny.list" };
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		write_static_bundle(dir);
		write_text(dir, files[i], "192.0.2.1\nexample.com; flush ruleset\n");
		char *script = NULL;
		struct ts_error err = { 0 };
		int r = ts_bundle_up_script(dir, &script, &err);
		if (r >= 0)
			fail_msg("invalid line in %s accepted:\n%s", files[i], script);
		assert_null(script);
		assert_true(err.message[0] != '\0');
		assert_contains(err.message, "example.com; flush ruleset");
	}
}

static void test_write_ruleset(void **state)
{
	const char *dir = *state;
	write_static_bundle(dir);
	struct ts_error err = { 0 };
	assert_int_equal(ts_bundle_write_ruleset(dir, &err), 0);
	char *written = read_text(dir, "ruleset.nft");
	char *script = up_script(dir);
	assert_non_null(written);
	assert_string_equal(written, script);
	char *path = path_in(dir, "ruleset.nft");
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 077, 0);
	free(script);

	/* A change in the bundle shows in the next write. */
	write_text(dir, "live.allowed", "203.0.113.77\n");
	assert_int_equal(ts_bundle_write_ruleset(dir, &err), 0);
	free(written);
	written = read_text(dir, "ruleset.nft");
	assert_contains(written, ELEM "allow_v4 { 192.0.2.1, 198.51.100.0/24, 203.0.113.77 }\n");
	assert_not_contains(written, "203.0.113.5");

	/* A failing script leaves the previous ruleset.nft alone. */
	write_text(dir, "profile.allowed", "bogus\n");
	err = (struct ts_error){ 0 };
	assert_true(ts_bundle_write_ruleset(dir, &err) < 0);
	char *after = read_text(dir, "ruleset.nft");
	assert_string_equal(after, written);
	free(after);
	free(written);
	free(path);
}

/*
 * A block is recorded with ruleset.nft to match, and lifted the same way;
 * any entry at `blocked` counts, even one that is no regular file.
 */
static void test_record_block(void **state)
{
	const char *dir = *state;
	write_static_bundle(dir);
	struct ts_error err = { 0 };
	struct ts_bundle_settings s = { 0 };
	assert_int_equal(ts_bundle_settings_read(dir, &s, &err), 0);
	assert_false(s.blocked);
	char *up = up_script(dir);

	assert_int_equal(ts_bundle_record_block(dir, &s, true, &err), 0);
	assert_true(exists(dir, "blocked"));
	char *written = read_text(dir, "ruleset.nft");
	assert_contains(written, "prefix \"TEROK_SHIELD_BLOCKED: \"");
	assert_not_contains(written, "ct state established");
	/* the sets keep their contents while blocked */
	assert_contains(written, ELEM "deny_v4 { 203.0.113.9 }\n");
	char *again = up_script(dir);
	assert_string_equal(again, written);
	struct ts_bundle_settings b = { 0 };
	assert_int_equal(ts_bundle_settings_read(dir, &b, &err), 0);
	assert_true(b.blocked);
	ts_bundle_settings_clear(&b);
	free(again);
	free(written);

	assert_int_equal(ts_bundle_record_block(dir, &s, false, &err), 0);
	assert_false(exists(dir, "blocked"));
	written = read_text(dir, "ruleset.nft");
	assert_string_equal(written, up);
	free(written);

	/* A value nft would refuse: nothing written, no record. */
	write_text(dir, "live.allowed", "1.2.3.4 }; flush ruleset\n");
	err = (struct ts_error){ 0 };
	assert_true(ts_bundle_record_block(dir, &s, true, &err) < 0);
	assert_false(exists(dir, "blocked"));
	written = read_text(dir, "ruleset.nft");
	assert_string_equal(written, up);
	free(written);

	char *marker = path_in(dir, "blocked");
	assert_int_equal(symlink("/nonexistent", marker), 0);
	bool blocked = false;
	assert_int_equal(ts_read_blocked(dir, &blocked, &err), 0);
	assert_true(blocked);
	free(marker);
	free(up);
	ts_bundle_settings_clear(&s);
}

/* ---- domains ---- */

static void test_merged_domains(void **state)
{
	const char *dir = *state;
	write_text(dir, "profile.domains", "a.example\nb.example\nc.example\na.example\n");
	write_text(dir, "live.domains", "d.example\n\na.example\ne.example\nc.example\n");
	write_text(dir, "denied.domains", "b.example\ne.example\nnot-listed.example\n");
	struct ts_strv out = TS_STRV_INIT;
	ts_strv_push(&out, "kept.example");
	struct ts_error err = { 0 };
	assert_int_equal(ts_bundle_merged_domains(dir, &out, &err), 0);
	const char *want[] = { "kept.example", "a.example", "c.example", "d.example" };
	assert_int_equal(out.n, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++)
		assert_string_equal(out.items[i], want[i]);
	ts_strv_clear(&out);

	/* Live first seen where profile has nothing. */
	write_text(dir, "profile.domains", "");
	write_text(dir, "denied.domains", "");
	assert_int_equal(ts_bundle_merged_domains(dir, &out, &err), 0);
	const char *want_live[] = { "d.example", "a.example", "e.example", "c.example" };
	assert_int_equal(out.n, ARRAY_SIZE(want_live));
	for (size_t i = 0; i < ARRAY_SIZE(want_live); i++)
		assert_string_equal(out.items[i], want_live[i]);
	ts_strv_clear(&out);
}

static void test_merged_domains_missing_files(void **state)
{
	const char *dir = *state;
	struct ts_strv out = TS_STRV_INIT;
	struct ts_error err = { 0 };
	assert_int_equal(ts_bundle_merged_domains(dir, &out, &err), 0);
	assert_int_equal(out.n, 0);
	ts_strv_clear(&out);
}

static void test_dnsmasq_conf(void **state)
{
	const char *dir = *state;
	write_text(dir, "upstream.dns", "10.0.2.3\n");
	write_text(dir, "dns.tier", "dnsmasq\n");
	write_text(dir, "profile.domains", "a.example\nb.example\n*.w.example\n");
	write_text(dir, "live.domains", "d.example\na.example\n");
	write_text(dir, "denied.domains", "b.example\n");
	struct ts_error err = { 0 };
	assert_int_equal(ts_bundle_write_dnsmasq_conf(dir, &err), 0);
	char *conf = read_text(dir, "dnsmasq.conf");
	assert_non_null(conf);
	assert_contains(conf, "\nserver=10.0.2.3\n");
	assert_contains(conf, "\nlisten-address=127.0.0.1\n");
	char *pid = ts_xasprintf("\npid-file=%s/dnsmasq.pid\n", dir);
	char *log = ts_xasprintf("\nlog-facility=%s/dnsmasq.log\n", dir);
	assert_contains(conf, pid);
	assert_contains(conf, log);
	const char *merged[] = { "a.example", "w.example", "d.example" };
	assert_int_equal(count_occurrences(conf, "nftset="), ARRAY_SIZE(merged));
	const char *prev = conf;
	for (size_t i = 0; i < ARRAY_SIZE(merged); i++) {
		char *line = ts_xasprintf("nftset=/%s/4#inet#terok_shield#dns_v4,6#inet#terok_shield#dns_v6\n",
					  merged[i]);
		assert_int_equal(count_occurrences(conf, line), 1);
		/* In merged order. */
		const char *at = strstr(conf, line);
		assert_true(at > prev);
		prev = at;
		free(line);
	}
	assert_not_contains(conf, "/b.example/");
	char *path = path_in(dir, "dnsmasq.conf");
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);

	/* An invalid domain fails and leaves the previous file alone. */
	write_text(dir, "live.domains", "bad domain!\n");
	err = (struct ts_error){ 0 };
	assert_true(ts_bundle_write_dnsmasq_conf(dir, &err) < 0);
	assert_true(err.message[0] != '\0');
	char *after = read_text(dir, "dnsmasq.conf");
	assert_string_equal(after, conf);
	free(after);
	free(path);
	free(pid);
	free(log);
	free(conf);
}

static void test_dnsmasq_conf_no_upstream(void **state)
{
	const char *dir = *state;
	write_text(dir, "profile.domains", "a.example\n");
	struct ts_error err = { 0 };
	assert_true(ts_bundle_write_dnsmasq_conf(dir, &err) < 0);
	assert_contains(err.message, "upstream");
	assert_false(exists(dir, "dnsmasq.conf"));

	write_text(dir, "upstream.dns", "not-an-address\n");
	err = (struct ts_error){ 0 };
	assert_true(ts_bundle_write_dnsmasq_conf(dir, &err) < 0);
	char *path = path_in(dir, "upstream.dns");
	assert_contains(err.message, path);
	assert_false(exists(dir, "dnsmasq.conf"));
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_settings_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings_minimal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings_missing_upstream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_up_script_static, setup, teardown),
		cmocka_unit_test_setup_teardown(test_up_script_interactive_dnsmasq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_network_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_up_script_bare, setup, teardown),
		cmocka_unit_test_setup_teardown(test_up_script_invalid_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_ruleset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merged_domains, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merged_domains_missing_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dnsmasq_conf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dnsmasq_conf_no_upstream, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
