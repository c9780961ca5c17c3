/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "base/util.h"
#include "dns/dnslog.h"

/*
 * Lines below are as dnsmasq 2.90 wrote them (log-queries, log-facility
 * to a file) in a scratch netns, forwarding to a second dnsmasq.
 */
#define HDR "Nov 24 06:59:16 dnsmasq[8953]: "

static void expect_query(const char *line, const char *name, const char *qtype)
{
	struct ts_dnslog_line out;
	memset(&out, 0x5a, sizeof(out));
	if (ts_dnslog_parse(line, &out) != 1)
		fail_msg("not recognised: '%s'", line);
	assert_int_equal(out.kind, TS_DNSLOG_QUERY);
	assert_string_equal(out.name, name);
	assert_string_equal(out.qtype, qtype);
	assert_string_equal(out.addr, "");
}

static void expect_refused(const char *line, const char *name, const char *qtype)
{
	struct ts_dnslog_line out;
	memset(&out, 0x5a, sizeof(out));
	if (ts_dnslog_parse(line, &out) != 1)
		fail_msg("not recognised: '%s'", line);
	assert_int_equal(out.kind, TS_DNSLOG_REFUSED);
	assert_string_equal(out.name, name);
	assert_string_equal(out.qtype, qtype);
	assert_string_equal(out.addr, "");
}

static void expect_held(const char *line, const char *name, const char *qtype)
{
	struct ts_dnslog_line out;
	memset(&out, 0x5a, sizeof(out));
	if (ts_dnslog_parse(line, &out) != 1)
		fail_msg("not recognised: '%s'", line);
	assert_int_equal(out.kind, TS_DNSLOG_HELD);
	assert_string_equal(out.name, name);
	assert_string_equal(out.qtype, qtype);
	assert_string_equal(out.addr, "");
}

static void expect_answer(const char *line, const char *name, const char *addr)
{
	struct ts_dnslog_line out;
	memset(&out, 0x5a, sizeof(out));
	if (ts_dnslog_parse(line, &out) != 1)
		fail_msg("not recognised: '%s'", line);
	assert_int_equal(out.kind, TS_DNSLOG_ANSWER);
	assert_string_equal(out.name, name);
	assert_string_equal(out.addr, addr);
	assert_string_equal(out.qtype, "");
}

static void expect_other(const char *line)
{
	struct ts_dnslog_line out;
	memset(&out, 0x5a, sizeof(out));
	if (ts_dnslog_parse(line, &out) != 0)
		fail_msg("recognised as kind %d ('%s' '%s'): '%s'", out.kind, out.name, out.addr, line);
	assert_int_equal(out.kind, TS_DNSLOG_OTHER);
	assert_string_equal(out.name, "");
	assert_string_equal(out.qtype, "");
	assert_string_equal(out.addr, "");
}

static void test_queries(void **state)
{
	(void)state;
	expect_query("Nov 24 06:06:37 dnsmasq[28897]: query[A] github.com from 127.0.0.1", "github.com", "A");
	expect_query(HDR "query[AAAA] api.github.com from 127.0.0.1", "api.github.com", "AAAA");
	expect_query(HDR "query[A] a.test from ::1", "a.test", "A");
	/* ctime pads a one-digit day with a space. */
	expect_query("Nov  4 06:06:37 dnsmasq[1]: query[A] github.com from 10.0.2.100", "github.com", "A");
	/* A syslog-style header and no timestamp at all. */
	expect_query("<30>Nov 24 06:06:37 dnsmasq[7]: query[A] github.com from 127.0.0.1", "github.com", "A");
	expect_query("dnsmasq[7]: query[A] github.com from 127.0.0.1", "github.com", "A");
	expect_query("2026-11-24T06:06:37.123456+00:00 host dnsmasq[7]: query[A] github.com from 127.0.0.1",
		     "github.com", "A");
}

static void test_other_query_types(void **state)
{
	(void)state;
	const char *types[] = { "MX", "TXT", "HTTPS", "PTR", "SRV", "ANY", "CNAME", "type=65", "a", "aaaa", "A6" };
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		char line[256];
		snprintf(line, sizeof(line), HDR "query[%s] a.test from 127.0.0.1", types[i]);
		expect_other(line);
	}
	expect_other(HDR "query[PTR] 1.113.0.203.in-addr.arpa from 127.0.0.1");
	expect_other(HDR "dnssec-query[DS] ttvnw.net to 208.67.222.222");
}

static void test_answers(void **state)
{
	(void)state;
	expect_answer(HDR "reply github.com is 140.82.112.3", "github.com", "140.82.112.3");
	expect_answer(HDR "cached github.com is 2606:50c0::1", "github.com", "2606:50c0::1");
	expect_answer(HDR "cached-stale github.com is 140.82.112.3", "github.com", "140.82.112.3");
	expect_answer(HDR "reply a.test is 2001:db8::1", "a.test", "2001:db8::1");
	/* Canonical IPv6: dnsmasq writes inet_ntop's form, but never trust that. */
	expect_answer(HDR "reply a.test is 2001:DB8:0:0::0001", "a.test", "2001:db8::1");
	expect_answer(HDR "reply a.test is ::ffff:192.0.2.1", "a.test", "::ffff:192.0.2.1");
	/* log-queries=extra marks DNSSEC-validated answers. */
	expect_answer(HDR "reply a.test is 192.0.2.1 (DNSSEC signed)", "a.test", "192.0.2.1");
}

static void test_answers_without_address(void **state)
{
	(void)state;
	const char *dests[] = {
		"<CNAME>", "NXDOMAIN", "NODATA", "NODATA-IPv4", "NODATA-IPv6", "<MX>", "<type=65>",
		"SERVFAIL", "REFUSED", "192.0.2.0/24", "1.2.3", "01.2.3.4", "",
	};
	for (size_t i = 0; i < ARRAY_SIZE(dests); i++) {
		char line[256];
		snprintf(line, sizeof(line), HDR "reply a.test is %s", dests[i]);
		expect_other(line);
		snprintf(line, sizeof(line), HDR "cached a.test is %s", dests[i]);
		expect_other(line);
	}
	expect_other(HDR "reply error is REFUSED");
	expect_other(HDR "config error is REFUSED (EDE: not ready)");
	expect_other(HDR "reply a.test is 192.0.2.1 (DNSSEC bogus)");
	expect_other(HDR "reply a.test is 192.0.2.1 (DNSSEC signed) x");
}

static void test_other_sources(void **state)
{
	(void)state;
	expect_other(HDR "forwarded github.com to 10.0.2.3");
	expect_other(HDR "config a.test is 203.0.113.1");
	expect_other(HDR "/etc/hosts localhost.localdomain is 127.0.0.1");
	expect_other(HDR "/etc/hosts a.test is ::1");
	expect_other(HDR "DHCP a.test is 192.0.2.5");
	expect_other(HDR "auth a.test is 192.0.2.5");
	expect_other(HDR "nftset add inet#terok_shield#dns_v4 140.82.112.3 github.com");
	expect_other(HDR "validation a.test is BOGUS");
	expect_other(HDR "started, version 2.90 cachesize 150");
	expect_other(HDR "compile time options: IPv6 GNU-getopt DBus no-UBus i18n IDN2 DHCP");
	expect_other(HDR "using nameserver 10.0.2.3#53");
	expect_other(HDR "cleared cache");
	expect_other(HDR "exiting on receipt of SIGTERM");
	/* Other dnsmasq subsystems use another ident. */
	expect_other("Nov 24 06:59:16 dnsmasq-dhcp[8953]: reply a.test is 192.0.2.1");
}

static void test_extra_serial(void **state)
{
	(void)state;
	/* log-queries=extra: serial and client address/port. */
	expect_query(HDR "7 127.0.0.1/38232 query[A] github.com from 127.0.0.1", "github.com", "A");
	expect_query(HDR "12 ::1/5353 query[AAAA] github.com from ::1", "github.com", "AAAA");
	expect_answer(HDR "1 127.0.0.1/40083 reply a.test is 203.0.113.1", "a.test", "203.0.113.1");
	expect_answer(HDR "3 127.0.0.1/53128 cached A.TEST is 2001:db8::1", "a.test", "2001:db8::1");
	/* Serial alone (no source address), and log-queries=proto. */
	expect_answer(HDR "5 reply a.test is 203.0.113.1", "a.test", "203.0.113.1");
	expect_query(HDR "UDP 9 127.0.0.1/38232 query[A] github.com from 127.0.0.1", "github.com", "A");
	expect_query(HDR "TCP 9 query[A] github.com from 127.0.0.1", "github.com", "A");
	expect_other(HDR "9 127.0.0.1/40083 forwarded a.test to 127.0.0.2");
	expect_other(HDR "9 127.0.0.1/40083 reply a.test is NODATA-IPv4");
	/* Not a serial, not a client, not a protocol. */
	expect_other(HDR "x7 127.0.0.1/38232 query[A] github.com from 127.0.0.1");
	expect_other(HDR "7 127.0.0.1/x query[A] github.com from 127.0.0.1");
	expect_other(HDR "7 127.0.0.1/123456 query[A] github.com from 127.0.0.1");
	expect_other(HDR "7 host/53 query[A] github.com from 127.0.0.1");
	expect_other(HDR "SCTP 7 query[A] github.com from 127.0.0.1");
	expect_other(HDR "UDP query[A] github.com from 127.0.0.1");
	expect_other(HDR "127.0.0.1/38232 query[A] github.com from 127.0.0.1");
}

static void test_names(void **state)
{
	(void)state;
	expect_query(HDR "query[A] A.Test from 127.0.0.1", "a.test", "A");
	expect_query(HDR "query[A] GitHub.COM. from 127.0.0.1", "github.com", "A");
	expect_answer(HDR "reply API.GitHub.com. is 140.82.112.3", "api.github.com", "140.82.112.3");
	expect_query(HDR "query[A] xn--e1afmkfd.xn--p1ai from 127.0.0.1", "xn--e1afmkfd.xn--p1ai", "A");

	/* What dnsmasq writes for names that are no host name, and what a container could make up. */
	const char *bad[] = {
		".", "<name unprintable>", "localhost", "a..test", "-a.test", "a.test..", "*.a.test",
		"a_b.test", "ev\\il.test", "a.123", "a.t",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char line[512];
		snprintf(line, sizeof(line), HDR "query[A] %s from 127.0.0.1", bad[i]);
		expect_other(line);
		snprintf(line, sizeof(line), HDR "reply %s is 192.0.2.1", bad[i]);
		expect_other(line);
	}
}

/* terok-shield-dns writes the same messages under its own name (src/dns/forward.c). */
static void test_forwarder_lines(void **state)
{
	(void)state;
	expect_query("Dec  6 02:10:00 terok-shield-dns[42]: query[A] a.test from 127.0.0.1", "a.test", "A");
	expect_query("terok-shield-dns[42]: query[AAAA] a.test from 127.0.0.1", "a.test", "AAAA");
	expect_answer("Dec  6 02:10:00 terok-shield-dns[42]: reply a.test is 192.0.2.1", "a.test",
		      "192.0.2.1");
	expect_other("Dec  6 02:10:00 terok-shield-dns[42]: refused a.test (not an allowed domain)");
	expect_refused("Dec  6 02:10:00 terok-shield-dns[42]: refused[A] A.Test (not an allowed domain)",
		       "a.test", "A");
	expect_refused("terok-shield-dns[42]: refused[AAAA] a.test (not an allowed domain)", "a.test",
		       "AAAA");
	expect_refused("terok-shield-dns[42]: refused[TYPE16] x.a.test (not an allowed domain)",
		       "x.a.test", "TYPE16");
	expect_refused("terok-shield-dns[42]: refused[TYPE65535] a.test (not an allowed domain)",
		       "a.test", "TYPE65535");
	static const char *const bad[] = {
		"refused[TYPE65536] a.test (not an allowed domain)",
		"refused[TYPE016] a.test (not an allowed domain)",
		"refused[TYPE] a.test (not an allowed domain)",
		"refused[TXT] a.test (not an allowed domain)",
		"refused[] a.test (not an allowed domain)",
		"refused[A a.test (not an allowed domain)",
		"refused[A] a.test (not an allowed domain) from 127.0.0.1",
		"refused[A] a.test (not allowed)",
		"refused[A] * (not an allowed domain)",
		"refused[A] a..test (not an allowed domain)",
		"refused[TYPE123456789012] a.test (not an allowed domain)",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[256];
		snprintf(line, sizeof(line), "terok-shield-dns[42]: %s", bad[i]);
		expect_other(line);
	}
	expect_other("Dec  6 02:10:00 terok-shield-dns[42]: query[TYPE16] a.test from 127.0.0.1");
	expect_other("Dec  6 02:10:00 terok-shield-dns[]: query[A] a.test from 127.0.0.1");
	expect_other("Dec  6 02:10:00 xterok-shield-dns[42]: query[A] a.test from 127.0.0.1");
	expect_other("Dec  6 02:10:00 terok-shield-dns: query[A] a.test from 127.0.0.1");
	/* The first identifier decides: a name cannot smuggle in a second header. */
	expect_other("Dec  6 02:10:00 terok-shield-dns[42]: x dnsmasq[1]: reply a.test is 192.0.2.1");
}

/* The interactive forwarder's held queries: a question for the session, nothing else. */
static void test_held_lines(void **state)
{
	(void)state;
	expect_held("Dec  6 02:10:00 terok-shield-dns[42]: held[A] Ask.Test (waiting for a verdict)",
		    "ask.test", "A");
	expect_held("terok-shield-dns[42]: held[TYPE16] x.ask.test (waiting for a verdict)",
		    "x.ask.test", "TYPE16");
	static const char *const bad[] = {
		"held[A] ask.test (waiting for a verdict) from 127.0.0.1",
		"held[A] ask.test (waiting for verdict)",
		"held[TXT] ask.test (waiting for a verdict)",
		"held[A] ask (waiting for a verdict)",
		"held[A] * (waiting for a verdict)",
		"held ask.test (waiting for a verdict)",
		"hold[A] ask.test (waiting for a verdict)",
		"held[A] ask.test (not an allowed domain)",
		"refused[A] ask.test (waiting for a verdict)",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[256];
		snprintf(line, sizeof(line), "terok-shield-dns[42]: %s", bad[i]);
		expect_other(line);
	}
}

/* A name in the log must not let a container forge the rest of a line. */
static void test_forgery(void **state)
{
	(void)state;
	expect_other(HDR "reply evil.test is 192.0.2.1 is NXDOMAIN");
	expect_other(HDR "query[A] evil.test from 127.0.0.1 from 127.0.0.1");
	expect_other(HDR "reply x dnsmasq[1]: reply evil.test is 192.0.2.1");
	expect_other(HDR "query[A] github.com from example.com");
	expect_other(HDR "query[A] github.com to 127.0.0.1");
	expect_other(HDR "reply github.com was 192.0.2.1");
}

static void test_garbage(void **state)
{
	(void)state;
	const char *lines[] = {
		"", " ", "dnsmasq", "dnsmasq[", "dnsmasq[]: query[A] a.test from 127.0.0.1",
		"dnsmasq[12a]: query[A] a.test from 127.0.0.1", "dnsmasq[12] query[A] a.test from 127.0.0.1",
		"dnsmasq[12345678901]: query[A] a.test from 127.0.0.1",
		"xdnsmasq[1]: query[A] a.test from 127.0.0.1",
		"Nov 24 06:06:37 dnsmasq[1]:  query[A] a.test from 127.0.0.1",
		"Nov 24 06:06:37 dnsmasq[1]: query[A]  a.test from 127.0.0.1",
		"Nov 24 06:06:37 dnsmasq[1]: query[A] a.test from 127.0.0.1 ",
		"Nov 24 06:06:37 dnsmasq[1]: query[A] a.test from 127.0.0.1\r",
		"Nov 24 06:06:37 dnsmasq[1]: query[A]\ta.test from 127.0.0.1",
		"Nov 24 06:06:37 dnsmasq[1]: query[A] a.test from",
		"Nov 24 06:06:37 dnsmasq[1]: query[A] a.test",
		"Nov 24 06:06:37 dnsmasq[1]: reply a.test is",
		"Nov 24 06:06:37 dnsmasq[1]: reply",
		"Nov 24 06:06:37 dnsmasq[1]: ",
		"Nov 24 06:06:37 dnsmasq[1]:",
		"query[A] a.test from 127.0.0.1",
		"reply a.test is 192.0.2.1",
		"Nov 24 06:06:37 dnsmasq[1]: 1 2 3 4 5 6 7 8 9 10 11 12",
		"Nov 24 06:06:37 dnsmasq[1]: \xff\xfe query[A] a.test from 127.0.0.1",
		/* The header is looked for near the start only. */
		("0123456789012345678901234567890123456789012345678901234567890123456789 dnsmasq[1]: "
		 "query[A] a.test from 127.0.0.1"),
	};
	for (size_t i = 0; i < ARRAY_SIZE(lines); i++)
		expect_other(lines[i]);

	struct ts_dnslog_line out;
	assert_int_equal(ts_dnslog_parse(NULL, &out), 0);
	assert_int_equal(out.kind, TS_DNSLOG_OTHER);
}

static void test_long_lines(void **state)
{
	(void)state;
	/* A name of exactly 253 characters (3 * 64 + 56 + ".test"), and one two longer. */
	char name[TS_DOMAIN_BUFLEN + 64];
	memset(name, 'a', 3 * 64 + 56);
	for (size_t i = 63; i < 3 * 64; i += 64)
		name[i] = '.';
	strcpy(name + 3 * 64 + 56, ".test");
	assert_int_equal(strlen(name), TS_DOMAIN_MAX);
	char line[1024];
	snprintf(line, sizeof(line), HDR "reply %s is 192.0.2.1", name);
	expect_answer(line, name, "192.0.2.1");
	snprintf(line, sizeof(line), HDR "reply %s. is 192.0.2.1", name);
	expect_answer(line, name, "192.0.2.1");
	snprintf(line, sizeof(line), HDR "reply a.%s is 192.0.2.1", name);
	expect_other(line);

	/* Megabyte-long lines of one word, of many words, and an address that never ends. */
	size_t big = 1 << 20;
	char *huge = malloc(big + 128);
	assert_non_null(huge);
	strcpy(huge, HDR "query[A] ");
	size_t n = strlen(huge);
	memset(huge + n, 'a', big);
	strcpy(huge + n + big, ".test from 127.0.0.1");
	expect_other(huge);
	for (size_t i = n; i < n + big; i += 2)
		huge[i] = ' ';
	expect_other(huge);
	strcpy(huge, HDR "reply a.test is ");
	n = strlen(huge);
	memset(huge + n, '1', big);
	huge[n + big] = '\0';
	expect_other(huge);
	free(huge);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_other_query_types),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_answers_without_address),
		cmocka_unit_test(test_other_sources),
		cmocka_unit_test(test_extra_serial),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_forwarder_lines),
		cmocka_unit_test(test_held_lines),
		cmocka_unit_test(test_forgery),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_long_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
