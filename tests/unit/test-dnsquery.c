/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "base/util.h"
#include "dns/dnsquery.h"

/* A query: header (id 0x1234, RD) with the given counts, then raw question bytes. */
static size_t query(uint8_t *out, uint16_t qd, uint16_t an, uint16_t ar, const void *question,
		    size_t qlen)
{
	uint8_t hdr[12] = { 0x12, 0x34, 0x01, 0x00, (uint8_t)(qd >> 8), (uint8_t)qd,
			    (uint8_t)(an >> 8), (uint8_t)an, 0, 0, (uint8_t)(ar >> 8), (uint8_t)ar };
	memcpy(out, hdr, 12);
	memcpy(out + 12, question, qlen);
	return 12 + qlen;
}

#define Q(lit) lit, sizeof(lit) - 1

static void test_reads_question(void **state)
{
	(void)state;
	uint8_t m[512];
	struct ts_dns_question q;
	size_t n = query(m, 1, 0, 0, Q("\x03" "Api\x06GitHub\x03" "com\x00\x00\x01\x00\x01"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), 0);
	assert_int_equal(q.id, 0x1234);
	assert_string_equal(q.name, "api.github.com");
	assert_int_equal(q.qtype, TS_DNS_TYPE_A);
	assert_int_equal(q.qclass, TS_DNS_CLASS_IN);
	assert_int_equal(q.end, n);
	assert_int_equal(q.udp_size, 512);

	n = query(m, 1, 0, 0, Q("\x06_dmarc\x01x\x04test\x00\x00\x10\x00\x01"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), 0);
	assert_string_equal(q.name, "_dmarc.x.test");
	char type[12];
	assert_string_equal(ts_dns_type_name(q.qtype, type), "TYPE16");
	assert_string_equal(ts_dns_type_name(TS_DNS_TYPE_AAAA, type), "AAAA");

	/* The root, and an EDNS OPT record raising the UDP size (capped at 4096). */
	n = query(m, 1, 0, 1, Q("\x00\x00\x02\x00\x01" "\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), 0);
	assert_string_equal(q.name, "");
	assert_int_equal(q.udp_size, 4096);
	n = query(m, 1, 0, 1, Q("\x01" "a\x00\x00\x01\x00\x01" "\x00\x00\x29\x05\x00\x00\x00\x00\x00\x00\x00"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), 0);
	assert_int_equal(q.udp_size, 1280);
}

static void test_refuses_malformed(void **state)
{
	(void)state;
	uint8_t m[600] = { 0 };
	struct ts_dns_question q;
	assert_int_equal(ts_dnsquery_parse(m, 11, &q), -1);
	assert_int_equal(ts_dnsquery_parse(NULL, 0, &q), -1);
	/* Counts: no question, two, answers in a query, two additional records. */
	size_t n = query(m, 0, 0, 0, Q("\x01" "a\x00\x00\x01\x00\x01"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_FORMERR);
	n = query(m, 2, 0, 0, Q("\x01" "a\x00\x00\x01\x00\x01"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_FORMERR);
	n = query(m, 1, 1, 0, Q("\x01" "a\x00\x00\x01\x00\x01"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_FORMERR);
	n = query(m, 1, 0, 2, Q("\x01" "a\x00\x00\x01\x00\x01"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_FORMERR);
	/* A response, another opcode. */
	n = query(m, 1, 0, 0, Q("\x01" "a\x00\x00\x01\x00\x01"));
	m[2] = 0x81;
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_FORMERR);
	m[2] = 0x28; /* UPDATE */
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_NOTIMP);
	/* Truncated names and types, a compression pointer, a label running past the end. */
	n = query(m, 1, 0, 0, Q("\x01" "a\x00\x00\x01\x00"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_FORMERR);
	n = query(m, 1, 0, 0, Q("\x01" "a"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_FORMERR);
	n = query(m, 1, 0, 0, Q("\xc0\x0c\x00\x01\x00\x01"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_FORMERR);
	n = query(m, 1, 0, 0, Q("\x09" "a\x00\x00\x01\x00\x01"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_FORMERR);
	/* Bytes no host name has, other classes, zone transfers: refused, question echoed when read. */
	n = query(m, 1, 0, 0, Q("\x03" "a.b\x04test\x00\x00\x01\x00\x01"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_REFUSED);
	n = query(m, 1, 0, 0, Q("\x03" "a\x00" "b\x04test\x00\x00\x01\x00\x01"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_REFUSED);
	assert_int_equal(q.end, 0);
	n = query(m, 1, 0, 0, Q("\x01" "a\x00\x00\x01\x00\x03"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_REFUSED);
	assert_int_equal(q.end, n);
	n = query(m, 1, 0, 0, Q("\x01" "a\x00\x00\xfc\x00\x01"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_REFUSED);
	n = query(m, 1, 0, 0, Q("\x01" "a\x00\x00\x00\x00\x01"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_REFUSED);
}

static void test_name_length(void **state)
{
	(void)state;
	/* 253 characters: four labels of 63, 63, 63, 61. One more is too long. */
	uint8_t m[600], qb[300];
	size_t k = 0;
	const size_t lens[] = { 63, 63, 63, 61 };
	for (size_t i = 0; i < 4; i++) {
		qb[k++] = (uint8_t)lens[i];
		memset(qb + k, 'a', lens[i]);
		k += lens[i];
	}
	memcpy(qb + k, "\x00\x00\x01\x00\x01", 5);
	struct ts_dns_question q;
	size_t n = query(m, 1, 0, 0, qb, k + 5);
	assert_int_equal(ts_dnsquery_parse(m, n, &q), 0);
	assert_int_equal(strlen(q.name), 253);
	qb[k - 62] = 62; /* last label 62 long: 254 characters */
	memmove(qb + k + 1, qb + k, 5);
	qb[k] = 'a';
	n = query(m, 1, 0, 0, qb, k + 6);
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_REFUSED);
	/* A label of 64 is no label. */
	uint8_t long_label[70] = { 64 };
	memset(long_label + 1, 'a', 64);
	memcpy(long_label + 65, "\x00\x00\x01\x00", 4);
	n = query(m, 1, 0, 0, long_label, 70);
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_FORMERR);
}

static void test_local_answer(void **state)
{
	(void)state;
	uint8_t m[512], out[512];
	struct ts_dns_question q;
	size_t n = query(m, 1, 0, 1,
			 Q("\x01" "a\x04test\x00\x00\x01\x00\x01" "\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), 0);
	size_t len = ts_dnsquery_answer(m, &q, TS_DNS_REFUSED, out);
	/* Header and question only: the OPT record is not echoed, no counts but the question's. */
	assert_int_equal(len, q.end);
	const uint8_t hdr[12] = { 0x12, 0x34, 0x81, 0x85, 0, 1, 0, 0, 0, 0, 0, 0 };
	assert_memory_equal(out, hdr, 12);
	assert_memory_equal(out + 12, m + 12, q.end - 12);
	/* Without a question read: the header alone. */
	q.end = 0;
	assert_int_equal(ts_dnsquery_answer(m, &q, TS_DNS_FORMERR, out), 12);
	assert_int_equal(out[3], 0x81);
	assert_int_equal(out[5], 0);
}

/* What follows the question: nothing, or one OPT record that ends the message. */
static void test_additional_section(void **state)
{
	(void)state;
	uint8_t m[600];
	struct ts_dns_question q;
	/* An OPT with options (a cookie) and the DO bit. */
	size_t n = query(m, 1, 0, 1,
			 Q("\x01" "a\x00\x00\x01\x00\x01" "\x00\x00\x29\x04\xd0\x00\x00\x80\x00\x00\x0c"
			   "\x00\x0a\x00\x08" "cookie01"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), 0);
	assert_true(q.edns);
	assert_true(q.dnssec_ok);
	assert_int_equal(q.udp_size, 1232);
	/* Trailing bytes after the question or the OPT, an OPT that says it is longer, another record. */
	n = query(m, 1, 0, 0, Q("\x01" "a\x00\x00\x01\x00\x01" "secret"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_FORMERR);
	assert_int_equal(q.end, 19); /* the question was read: the answer echoes it */
	n = query(m, 1, 0, 1,
		  Q("\x01" "a\x00\x00\x01\x00\x01" "\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00" "x"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_FORMERR);
	n = query(m, 1, 0, 1,
		  Q("\x01" "a\x00\x00\x01\x00\x01" "\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x04"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_FORMERR);
	n = query(m, 1, 0, 1,
		  Q("\x01" "a\x00\x00\x01\x00\x01" "\x06secret\x00\x00\x10\x00\x01\x00\x00\x00\x00\x00\x02"
		    "\x01x"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_FORMERR);
	n = query(m, 1, 0, 1, Q("\x01" "a\x00\x00\x01\x00\x01" "\x00\x00\x29"));
	assert_int_equal(ts_dnsquery_parse(m, n, &q), TS_DNS_FORMERR);
}

/* Upstream gets the question and what the answer needs, nothing else the client wrote. */
static void test_rebuilt_query(void **state)
{
	(void)state;
	uint8_t m[600], out[TS_DNS_QUERY_MAX];
	struct ts_dns_question q;
	/* RD, AD, CD set; mixed case; an OPT with a made-up option, DO set. */
	size_t n = query(m, 1, 0, 1,
			 Q("\x03" "ApI\x04TeSt\x00\x00\x1c\x00\x01" "\x00\x00\x29\x10\x00\x00\x00\x80\x00\x00\x08"
			   "\xfd\xe9\x00\x04" "leak"));
	m[3] = 0x30;
	assert_int_equal(ts_dnsquery_parse(m, n, &q), 0);
	const uint8_t want[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
				 3, 'a', 'p', 'i', 4, 't', 'e', 's', 't', 0, 0x00, 0x1c, 0x00, 0x01,
				 0, 0x00, 0x29, 0x10, 0x00, 0, 0, 0x80, 0, 0, 0 };
	assert_int_equal(ts_dnsquery_rebuild(m, &q, out), sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	/* No OPT from the client, none upstream; RD always set. */
	n = query(m, 1, 0, 0, Q("\x01" "a\x00\x00\x01\x00\x01"));
	m[2] = 0x00;
	assert_int_equal(ts_dnsquery_parse(m, n, &q), 0);
	assert_false(q.edns);
	assert_int_equal(ts_dnsquery_rebuild(m, &q, out), n);
	assert_int_equal(out[2], 0x01);
	assert_int_equal(out[11], 0);
	assert_memory_equal(out + 12, m + 12, n - 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_question),
		cmocka_unit_test(test_refuses_malformed),
		cmocka_unit_test(test_name_length),
		cmocka_unit_test(test_local_answer),
		cmocka_unit_test(test_additional_section),
		cmocka_unit_test(test_rebuilt_query),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
