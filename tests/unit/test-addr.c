/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "base/addr.h"
#include "base/util.h"

static void assert_canonical(const char *in, const char *want)
{
	char out[TS_ADDR_STRLEN];
	struct ts_error err = { 0 };
	int r = ts_addr_canonicalize(in, out, &err);
	if (r != 0)
		fail_msg("'%s' rejected: %s", in, err.message);
	assert_string_equal(out, want);
}

static void assert_rejected(const char *in)
{
	char out[TS_ADDR_STRLEN];
	struct ts_error err = { 0 };
	if (ts_addr_canonicalize(in, out, &err) == 0)
		fail_msg("'%s' accepted as '%s'", in, out);
	assert_int_equal(err.code, EINVAL);
	assert_true(strlen(err.message) > 0);
}

static void test_ipv4(void **state)
{
	(void)state;
	assert_canonical("1.2.3.4", "1.2.3.4");
	assert_canonical("10.1.2.3/8", "10.0.0.0/8");
	assert_canonical("192.168.1.255/24", "192.168.1.0/24");
	assert_canonical("1.2.3.4/32", "1.2.3.4");
	assert_canonical("0.0.0.0/0", "0.0.0.0/0");
	assert_canonical("203.0.113.7/31", "203.0.113.6/31");
	assert_canonical("0.0.0.0", "0.0.0.0");
	assert_canonical("255.255.255.255", "255.255.255.255");
}

static void test_ipv6(void **state)
{
	(void)state;
	assert_canonical("2001:0db8::1", "2001:db8::1");
	assert_canonical("2001:DB8:0:0:0:0:0:1", "2001:db8::1");
	assert_canonical("2001:db8::1/32", "2001:db8::/32");
	assert_canonical("fe80::1/10", "fe80::/10");
	assert_canonical("::1", "::1");
	assert_canonical("::", "::");
	assert_canonical("2001:db8::1/128", "2001:db8::1");
	assert_canonical("2001:db8:ffff::/33", "2001:db8:8000::/33");
	assert_canonical("::ffff:1.2.3.4", "::ffff:1.2.3.4");
}

static void test_rejects(void **state)
{
	(void)state;
	const char *bad[] = {
		"", "1.2.3", "256.1.1.1", "::g", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4/33", "::/129",
		"1.2.3.4/", "1.2.3.4/-1", "1.2.3.4/08", "01.2.3.4", "1.2.3.04", "1..2.3",
		"1.2.3.4.5", "example.com", "1.2.3.4/8/8", "fe80::1%eth0", "1.2.3.4 }; flush ruleset; {",
		"-rf", "1.2.3.4/+8", "2001:db8::1 ", "0x1.2.3.4",
		"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd:eeee:ffff:1",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_rejected(bad[i]);
}

static void test_classification(void **state)
{
	(void)state;
	struct {
		const char *addr;
		int family;
		bool private_range, wide;
	} cases[] = {
		{ "10.1.2.3", AF_INET, true, false },
		{ "172.31.255.1", AF_INET, true, false },
		{ "172.32.0.1", AF_INET, false, false },
		{ "192.168.0.0/16", AF_INET, true, false },
		{ "169.254.1.2", AF_INET, true, false },
		{ "203.0.113.7", AF_INET, false, false },
		{ "10.0.0.0/7", AF_INET, false, true }, /* wider than the range itself */
		{ "1.0.0.0/15", AF_INET, false, true },
		{ "1.0.0.0/16", AF_INET, false, false },
		{ "fd00::1", AF_INET6, true, false },
		{ "fe80::1", AF_INET6, true, false },
		{ "2001:db8::/47", AF_INET6, false, true },
		{ "2001:db8::/48", AF_INET6, false, false },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ts_addr a;
		assert_int_equal(ts_addr_parse(cases[i].addr, &a, NULL), 0);
		assert_int_equal(a.family, cases[i].family);
		if (ts_addr_is_private(&a) != cases[i].private_range)
			fail_msg("%s: private should be %d", cases[i].addr, cases[i].private_range);
		if (ts_addr_is_wide(&a) != cases[i].wide)
			fail_msg("%s: wide should be %d", cases[i].addr, cases[i].wide);
	}
}

static void test_contains(void **state)
{
	(void)state;
	struct ts_addr net, a, b, v6;
	ts_addr_parse("10.0.0.0/8", &net, NULL);
	ts_addr_parse("10.200.1.0/24", &a, NULL);
	ts_addr_parse("11.0.0.1", &b, NULL);
	ts_addr_parse("::a00:1", &v6, NULL);
	assert_true(ts_addr_contains(&net, &a));
	assert_true(ts_addr_contains(&net, &net));
	assert_false(ts_addr_contains(&a, &net));
	assert_false(ts_addr_contains(&net, &b));
	assert_false(ts_addr_contains(&net, &v6));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_classification),
		cmocka_unit_test(test_contains),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
