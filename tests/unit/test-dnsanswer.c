/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>

#include "base/util.h"
#include "dns/dnsanswer.h"
#include "dns/dnsquery.h"

struct msg {
	uint8_t b[4096];
	size_t n;
};

static void put(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put16(struct msg *m, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put(m, b, 2);
}

static void put_name(struct msg *m, const char *name)
{
	while (*name) {
		const char *dot = strchrnul(name, '.');
		uint8_t l = (uint8_t)(dot - name);
		put(m, &l, 1);
		put(m, name, l);
		name = *dot ? dot + 1 : dot;
	}
	put(m, "", 1);
}

/* A response header with ancount answers and the question NAME/qtype. */
static void start(struct msg *m, uint8_t rcode, uint16_t ancount, const char *name, uint16_t qtype)
{
	m->n = 0;
	put16(m, 0x4242);
	put16(m, (uint16_t)(0x8180 | rcode));
	put16(m, 1);
	put16(m, ancount);
	put16(m, 0);
	put16(m, 0);
	put_name(m, name);
	put16(m, qtype);
	put16(m, 1);
}

static void record(struct msg *m, const char *owner, uint16_t type, uint32_t ttl, const void *rd,
		   uint16_t rdlen)
{
	put_name(m, owner);
	put16(m, type);
	put16(m, 1);
	put16(m, (uint16_t)(ttl >> 16));
	put16(m, (uint16_t)ttl);
	put16(m, rdlen);
	put(m, rd, rdlen);
}

static void a(struct msg *m, const char *owner, const char *addr, uint32_t ttl)
{
	struct in_addr in;
	inet_pton(AF_INET, addr, &in);
	record(m, owner, TS_DNS_TYPE_A, ttl, &in, 4);
}

static void cname(struct msg *m, const char *owner, const char *target, uint32_t ttl)
{
	struct msg rd = { .n = 0 };
	put_name(&rd, target);
	record(m, owner, 5, ttl, rd.b, (uint16_t)rd.n);
}

static void test_timeout_bounds(void **state)
{
	(void)state;
	assert_int_equal(ts_dns_learn_timeout(0), 35);
	assert_int_equal(ts_dns_learn_timeout(5), 35);
	assert_int_equal(ts_dns_learn_timeout(30), 35);
	assert_int_equal(ts_dns_learn_timeout(60), 66);
	assert_int_equal(ts_dns_learn_timeout(300), 330);
	assert_int_equal(ts_dns_learn_timeout(86400), 95040);
	assert_int_equal(ts_dns_learn_timeout(UINT32_MAX), 95040);
}

static void test_a_answers(void **state)
{
	(void)state;
	struct msg m;
	struct ts_dns_addr out[TS_DNS_LEARN_MAX];
	start(&m, 0, 2, "a.test", TS_DNS_TYPE_A);
	a(&m, "a.test", "192.0.2.1", 300);
	a(&m, "a.test", "192.0.2.2", 60);
	assert_int_equal(ts_dnsanswer_addresses(m.b, m.n, TS_DNS_TYPE_A, out, TS_DNS_LEARN_MAX), 2);
	assert_string_equal(out[0].addr, "192.0.2.1");
	assert_int_equal(out[0].ttl, 300);
	assert_false(out[0].v6);
	assert_string_equal(out[1].addr, "192.0.2.2");
	assert_int_equal(out[1].ttl, 60);
	/* max respected; an AAAA question learns nothing from A records. */
	assert_int_equal(ts_dnsanswer_addresses(m.b, m.n, TS_DNS_TYPE_A, out, 1), 1);
	assert_int_equal(ts_dnsanswer_addresses(m.b, m.n, 16, out, TS_DNS_LEARN_MAX), 0);
}

static void test_aaaa_answers(void **state)
{
	(void)state;
	struct msg m;
	struct ts_dns_addr out[TS_DNS_LEARN_MAX];
	struct in6_addr in6;
	inet_pton(AF_INET6, "2001:DB8:0:0::20", &in6);
	start(&m, 0, 2, "a.test", TS_DNS_TYPE_AAAA);
	record(&m, "a.test", TS_DNS_TYPE_AAAA, 120, &in6, 16);
	inet_pton(AF_INET6, "::1", &in6);
	record(&m, "a.test", TS_DNS_TYPE_AAAA, 120, &in6, 16);
	assert_int_equal(ts_dnsanswer_addresses(m.b, m.n, TS_DNS_TYPE_AAAA, out, TS_DNS_LEARN_MAX), 1);
	assert_string_equal(out[0].addr, "2001:db8::20");
	assert_true(out[0].v6);
	assert_int_equal(out[0].ttl, 120);
}

static void test_cname_chain(void **state)
{
	(void)state;
	struct msg m;
	struct ts_dns_addr out[TS_DNS_LEARN_MAX];
	start(&m, 0, 4, "www.a.test", TS_DNS_TYPE_A);
	cname(&m, "www.a.test", "mid.a.test", 600);
	cname(&m, "mid.a.test", "edge.cdn.test", 600);
	a(&m, "edge.cdn.test", "203.0.113.30", 600);
	/* An address of a name outside the chain is not the asked name's. */
	a(&m, "other.test", "198.51.100.1", 600);
	assert_int_equal(ts_dnsanswer_addresses(m.b, m.n, TS_DNS_TYPE_A, out, TS_DNS_LEARN_MAX), 1);
	assert_string_equal(out[0].addr, "203.0.113.30");
}

static void test_learns_nothing_from_bad_answers(void **state)
{
	(void)state;
	struct msg m;
	struct ts_dns_addr out[TS_DNS_LEARN_MAX];
	/* An error answer carrying records, a query instead of a response. */
	start(&m, TS_DNS_REFUSED, 1, "a.test", TS_DNS_TYPE_A);
	a(&m, "a.test", "192.0.2.1", 300);
	assert_int_equal(ts_dnsanswer_addresses(m.b, m.n, TS_DNS_TYPE_A, out, TS_DNS_LEARN_MAX), 0);
	start(&m, 0, 1, "a.test", TS_DNS_TYPE_A);
	a(&m, "a.test", "192.0.2.1", 300);
	m.b[2] &= 0x7f;
	assert_int_equal(ts_dnsanswer_addresses(m.b, m.n, TS_DNS_TYPE_A, out, TS_DNS_LEARN_MAX), 0);
	/* Addresses nobody connects to. */
	start(&m, 0, 4, "a.test", TS_DNS_TYPE_A);
	a(&m, "a.test", "0.0.0.0", 300);
	a(&m, "a.test", "127.0.0.1", 300);
	a(&m, "a.test", "224.0.0.1", 300);
	a(&m, "a.test", "255.255.255.255", 300);
	assert_int_equal(ts_dnsanswer_addresses(m.b, m.n, TS_DNS_TYPE_A, out, TS_DNS_LEARN_MAX), 0);
	/* Cut short anywhere: nothing, never a crash. */
	start(&m, 0, 1, "a.test", TS_DNS_TYPE_A);
	a(&m, "a.test", "192.0.2.1", 300);
	for (size_t n = 0; n < m.n; n++)
		assert_int_equal(ts_dnsanswer_addresses(m.b, n, TS_DNS_TYPE_A, out, TS_DNS_LEARN_MAX), 0);
	assert_int_equal(ts_dnsanswer_addresses(NULL, 0, TS_DNS_TYPE_A, out, TS_DNS_LEARN_MAX), 0);
	assert_int_equal(ts_dnsanswer_addresses(m.b, m.n, TS_DNS_TYPE_A, out, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeout_bounds),
		cmocka_unit_test(test_a_answers),
		cmocka_unit_test(test_aaaa_answers),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_learns_nothing_from_bad_answers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
