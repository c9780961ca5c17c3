/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "base/addr.h"
#include "base/util.h"
#include "container/gateway.h"

/*
 * /proc/net/route prints each address as the network-order u32 read as a
 * host integer, so these IPv4 fixtures (e.g. 0202000A = 10.0.2.2) hold for
 * little-endian hosts only, which is what the tests run on.
 */
#define V4_HEADER "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
#define V4_CONNECTED "eth0\t0002000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
#define V4_DEFAULT "eth0\t00000000\t0202000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"

#define V6_ZERO "00000000000000000000000000000000"
/* A default route via fe80::1, metric 1024, flags UP|GATEWAY. */
#define V6_DEFAULT V6_ZERO " 00 " V6_ZERO " 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003     eth0\n"
/* The kernel's unreachable default route on lo: no next hop, flags REJECT|... */
#define V6_REJECT V6_ZERO " 00 " V6_ZERO " 00 " V6_ZERO " ffffffff 00000001 00000000 00200200       lo\n"
#define V6_LINK "fe800000000000000000000000000000 40 " V6_ZERO " 00 " V6_ZERO " 00000100 00000001 00000000 00000001     eth0\n"

static void assert_v4(const char *text, const char *want)
{
	char out[TS_ADDR_STRLEN] = "";
	if (!ts_gateway_parse_route_v4(text, out))
		fail_msg("no IPv4 gateway found, expected %s", want);
	assert_string_equal(out, want);
}

static void assert_no_v4(const char *text)
{
	char out[TS_ADDR_STRLEN] = "untouched";
	if (ts_gateway_parse_route_v4(text, out))
		fail_msg("unexpected IPv4 gateway %s", out);
	assert_string_equal(out, "untouched");
}

static void assert_v6(const char *text, const char *want)
{
	char out[TS_ADDR_STRLEN] = "";
	if (!ts_gateway_parse_route_v6(text, out))
		fail_msg("no IPv6 gateway found, expected %s", want);
	assert_string_equal(out, want);
}

static void assert_no_v6(const char *text)
{
	char out[TS_ADDR_STRLEN] = "untouched";
	if (ts_gateway_parse_route_v6(text, out))
		fail_msg("unexpected IPv6 gateway %s", out);
	assert_string_equal(out, "untouched");
}

static void test_v4_default_route(void **state)
{
	(void)state;
	assert_v4(V4_HEADER V4_DEFAULT V4_CONNECTED, "10.0.2.2");
	assert_v4(V4_HEADER V4_CONNECTED V4_DEFAULT, "10.0.2.2");
	/* Without a trailing newline, and without the header. */
	assert_v4("eth0\t00000000\t0202000A\t0003\t0\t0\t0\t00000000\t0\t0\t0", "10.0.2.2");
}

static void test_v4_kernel_padding(void **state)
{
	(void)state;
	/* The kernel pads every line of /proc/net/route with spaces to 127 bytes. */
	assert_v4("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT"
		  "                                                       \n"
		  "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0"
		  "                                                                               \n"
		  "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0"
		  "                                                                               \n",
		  "192.0.2.1");
}

static void test_v4_lowest_metric(void **state)
{
	(void)state;
	const char *a = "wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n";
	const char *b = "eth0\t00000000\t0202000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n";
	char text[1024];
	snprintf(text, sizeof(text), "%s%s%s", V4_HEADER, a, b);
	assert_v4(text, "10.0.2.2");
	snprintf(text, sizeof(text), "%s%s%s", V4_HEADER, b, a);
	assert_v4(text, "10.0.2.2");
	/* Metric 0 beats everything; the first of equal metrics is kept. */
	assert_v4(V4_HEADER "eth1\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
		  "eth0\t00000000\t0202000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n",
		  "192.168.1.1");
}

static void test_v4_no_default(void **state)
{
	(void)state;
	assert_no_v4(V4_HEADER V4_CONNECTED);
	assert_no_v4(V4_HEADER);
	/* A gateway route to a specific network is not a default route. */
	assert_no_v4(V4_HEADER "eth0\t0000000A\t0202000A\t0003\t0\t0\t0\t000000FF\t0\t0\t0\n");
	/* Destination 0 with a non-zero mask is not a default route either. */
	assert_no_v4(V4_HEADER "eth0\t00000000\t0202000A\t0003\t0\t0\t0\t000000FF\t0\t0\t0\n");
}

static void test_v4_flags(void **state)
{
	(void)state;
	/* Not RTF_GATEWAY: a default route straight out of an interface. */
	assert_no_v4(V4_HEADER "eth0\t00000000\t0202000A\t0001\t0\t0\t0\t00000000\t0\t0\t0\n");
	/* Not RTF_UP. */
	assert_no_v4(V4_HEADER "eth0\t00000000\t0202000A\t0002\t0\t0\t0\t00000000\t0\t0\t0\n");
	/* A gateway flag with gateway 0.0.0.0 names no gateway. */
	assert_no_v4(V4_HEADER "eth0\t00000000\t00000000\t0003\t0\t0\t0\t00000000\t0\t0\t0\n");
	/* Extra flags (RTF_DYNAMIC|RTF_MODIFIED) do not hide a usable route. */
	assert_v4(V4_HEADER "eth0\t00000000\t0202000A\t0033\t0\t0\t0\t00000000\t0\t0\t0\n",
		  "10.0.2.2");
	/* An ignored low-metric route does not shadow a usable one. */
	assert_v4(V4_HEADER "eth1\t00000000\t0101A8C0\t0001\t0\t0\t0\t00000000\t0\t0\t0\n"
		  "eth0\t00000000\t0202000A\t0003\t0\t0\t500\t00000000\t0\t0\t0\n",
		  "10.0.2.2");
}

static void test_v4_loopback_ignored(void **state)
{
	(void)state;
	assert_no_v4(V4_HEADER "lo\t00000000\t0100007F\t0003\t0\t0\t0\t00000000\t0\t0\t0\n");
	assert_v4(V4_HEADER "lo\t00000000\t0100007F\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
		  "eth0\t00000000\t0202000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n",
		  "10.0.2.2");
	/* Only the interface named exactly "lo" is loopback. */
	assert_v4(V4_HEADER "lo0\t00000000\t0202000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n", "10.0.2.2");
}

static void test_v4_malformed(void **state)
{
	(void)state;
	char long_line[5000];
	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	const char *junk[] = {
		"garbage\n",
		"eth0\n",
		"eth0\t00000000\n",
		"eth0\t00000000\t0202000A\n",
		"eth0\t00000000\t0202000A\t0003\n",
		"eth0\tzzzzzzzz\t0202000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n",
		"eth0\t00000000\tGGGGGGGG\t0003\t0\t0\t0\t00000000\t0\t0\t0\n",
		"eth0\t00000000\t0202000A\t0003\tx\t0\t0\t00000000\t0\t0\t0\n",
		"eth0\t00000000\t0202000A\t0003\t0\t0\t0\n",
		"\n\n\t\t\n",
		"\t00000000\t0202000A\n",
		long_line,
	};
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		assert_no_v4(junk[i]);
		/* Junk around a good line does not hide it. */
		char *text = ts_xasprintf("%s%s\n%s%s\n", V4_HEADER, junk[i], V4_DEFAULT, junk[i]);
		assert_v4(text, "10.0.2.2");
		free(text);
	}
}

static void test_v4_empty(void **state)
{
	(void)state;
	assert_no_v4("");
	assert_no_v4("\n");
}

static void test_v6_default_route(void **state)
{
	(void)state;
	assert_v6(V6_DEFAULT, "fe80::1");
	assert_v6(V6_LINK V6_DEFAULT V6_REJECT, "fe80::1");
	/* Single-space separators, no trailing newline. */
	assert_v6(V6_ZERO " 00 " V6_ZERO " 00 fd000000000000000000000000000001 00000400 00000002 "
			  "00000000 00000003 eth0",
		  "fd00::1");
}

static void test_v6_reject_ignored(void **state)
{
	(void)state;
	assert_no_v6(V6_REJECT);
	assert_no_v6(V6_LINK V6_REJECT);
	/* A default gateway route via lo is ignored as well. */
	assert_no_v6(V6_ZERO " 00 " V6_ZERO " 00 fe800000000000000000000000000001 00000400 00000001 "
			     "00000000 00000003       lo\n");
}

static void test_v6_non_default_ignored(void **state)
{
	(void)state;
	assert_no_v6(V6_LINK);
	/* A gateway route to 2001:db8::/32. */
	assert_no_v6("20010db8000000000000000000000000 20 " V6_ZERO
		     " 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003 eth0\n");
	/* Prefix length 0 but a non-zero destination is not a default route. */
	assert_no_v6("20010db8000000000000000000000000 00 " V6_ZERO
		     " 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003 eth0\n");
	/* A zero destination with a non-zero prefix length is not one either. */
	assert_no_v6(V6_ZERO " 40 " V6_ZERO
			     " 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003 eth0\n");
}

static void test_v6_flags(void **state)
{
	(void)state;
	/* UP without GATEWAY. */
	assert_no_v6(V6_ZERO " 00 " V6_ZERO " 00 fe800000000000000000000000000001 00000400 00000001 "
			     "00000000 00000001 eth0\n");
	/* GATEWAY without UP. */
	assert_no_v6(V6_ZERO " 00 " V6_ZERO " 00 fe800000000000000000000000000001 00000400 00000001 "
			     "00000000 00000002 eth0\n");
	/* Gateway flag with a zero next hop. */
	assert_no_v6(V6_ZERO " 00 " V6_ZERO " 00 " V6_ZERO " 00000400 00000001 00000000 00000003 eth0\n");
	/* RA-learnt default routes carry extra flags (RTF_ADDRCONF|RTF_DEFAULT|RTF_EXPIRES). */
	assert_v6(V6_ZERO " 00 " V6_ZERO " 00 fe800000000000000000000000000001 00000400 00000001 "
			  "00000000 00450003 eth0\n",
		  "fe80::1");
}

static void test_v6_lowest_metric(void **state)
{
	(void)state;
	const char *a = V6_ZERO " 00 " V6_ZERO " 00 fe800000000000000000000000000001 00000400 "
				"00000001 00000000 00000003 eth0\n";
	const char *b = V6_ZERO " 00 " V6_ZERO " 00 fe800000000000000000000000000002 00000064 "
				"00000001 00000000 00000003 eth1\n";
	char text[1024];
	snprintf(text, sizeof(text), "%s%s", a, b);
	assert_v6(text, "fe80::2");
	snprintf(text, sizeof(text), "%s%s", b, a);
	assert_v6(text, "fe80::2");
}

static void test_v6_uppercase(void **state)
{
	(void)state;
	assert_v6(V6_ZERO " 00 " V6_ZERO " 00 FE80000000000000ABCD00000000BEEF 00000400 00000001 "
			  "00000000 00000003 eth0\n",
		  "fe80::abcd:0:0:beef");
	assert_v6(V6_ZERO " 00 " V6_ZERO " 00 20010DB8000000000000000000000001 000003E8 00000001 "
			  "00000000 00000003 eth0\n",
		  "2001:db8::1");
}

static void test_v6_malformed(void **state)
{
	(void)state;
	const char *junk[] = {
		"garbage\n",
		V6_ZERO "\n",
		V6_ZERO " 00 " V6_ZERO " 00\n",
		/* A next hop one digit short / with a non-hex digit. */
		V6_ZERO " 00 " V6_ZERO " 00 fe80000000000000000000000000001 00000400 00000001 00000000 00000003 eth0\n",
		V6_ZERO " 00 " V6_ZERO " 00 fe80000000000000000000000000000g 00000400 00000001 00000000 00000003 eth0\n",
		/* A destination with a non-hex digit. */
		"0000000000000000000000000000000z 00 " V6_ZERO " 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003 eth0\n",
		/* No interface. */
		V6_ZERO " 00 " V6_ZERO " 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003\n",
		"\n\n \n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(junk); i++) {
		assert_no_v6(junk[i]);
		char *text = ts_xasprintf("%s%s%s", junk[i], V6_DEFAULT, junk[i]);
		assert_v6(text, "fe80::1");
		free(text);
	}
	assert_no_v6("");
}

static void check_discovered(const char *text, int family)
{
	if (!text[0])
		return;
	struct ts_addr a;
	struct ts_error err = { 0 };
	if (ts_addr_parse(text, &a, &err) != 0)
		fail_msg("discovered gateway '%s' does not parse: %s", text, err.message);
	assert_int_equal(a.family, family);
	assert_int_equal(a.prefix, ts_addr_max_prefix(&a));
}

static void test_discover_self(void **state)
{
	(void)state;
	char v4[TS_ADDR_STRLEN], v6[TS_ADDR_STRLEN];
	memset(v4, 'x', sizeof(v4));
	memset(v6, 'x', sizeof(v6));
	struct ts_error err = { 0 };
	int r = ts_gateway_discover(getpid(), v4, v6, &err);
	if (r != 0)
		fail_msg("discovery failed: %s", err.message);
	/* Whatever the host has: each output is empty or one address. */
	assert_non_null(memchr(v4, '\0', sizeof(v4)));
	assert_non_null(memchr(v6, '\0', sizeof(v6)));
	check_discovered(v4, AF_INET);
	check_discovered(v6, AF_INET6);
}

static void test_discover_missing_pid(void **state)
{
	(void)state;
	char v4[TS_ADDR_STRLEN] = "keep", v6[TS_ADDR_STRLEN] = "keep";
	struct ts_error err = { 0 };
	/* Above the kernel's PID limit, so no such process can exist. */
	int r = ts_gateway_discover(5000000, v4, v6, &err);
	assert_true(r < 0);
	assert_int_equal(err.code, -r);
	assert_true(strlen(err.message) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4_default_route),
		cmocka_unit_test(test_v4_kernel_padding),
		cmocka_unit_test(test_v4_lowest_metric),
		cmocka_unit_test(test_v4_no_default),
		cmocka_unit_test(test_v4_flags),
		cmocka_unit_test(test_v4_loopback_ignored),
		cmocka_unit_test(test_v4_malformed),
		cmocka_unit_test(test_v4_empty),
		cmocka_unit_test(test_v6_default_route),
		cmocka_unit_test(test_v6_reject_ignored),
		cmocka_unit_test(test_v6_non_default_ignored),
		cmocka_unit_test(test_v6_flags),
		cmocka_unit_test(test_v6_lowest_metric),
		cmocka_unit_test(test_v6_uppercase),
		cmocka_unit_test(test_v6_malformed),
		cmocka_unit_test(test_discover_self),
		cmocka_unit_test(test_discover_missing_pid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
