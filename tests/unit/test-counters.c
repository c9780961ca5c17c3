/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The counters of a JSON listing with set elements (nft/counters.h), in
 * the shapes nftables 1.0.6 lists them: addresses, networks, ranges,
 * scoped concatenations, refused elements; hostile or foreign content left out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <string.h>

#include "nft/counters.h"

#define SET(name, elems)                                                                      \
	"{\"set\":{\"family\":\"inet\",\"name\":\"" name "\",\"table\":\"terok_shield\","        \
	"\"type\":\"ipv4_addr\",\"elem\":[" elems "],\"stmt\":[{\"counter\":null}]}}"
#define ELEM(val, p, b) "{\"elem\":{\"val\":" val ",\"counter\":{\"packets\":" #p ",\"bytes\":" #b "}}}"
#define LISTING(...) "{\"nftables\":[{\"metainfo\":{\"version\":\"1.0.6\"}}," __VA_ARGS__ "]}"

static const struct ts_traffic *find(const struct ts_traffic *l, size_t n, const char *dest)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(l[i].destination, dest) == 0)
			return &l[i];
	fail_msg("no entry for %s", dest);
	return NULL;
}

static void test_shapes(void **state)
{
	(void)state;
	static const char text[] = LISTING(
		SET("allow_v4", ELEM("\"203.0.113.7\"", 10, 1000) ","
				ELEM("{\"prefix\":{\"addr\":\"192.0.2.0\",\"len\":24}}", 2, 120) ","
				ELEM("{\"range\":[\"198.51.100.1\",\"198.51.100.9\"]}", 1, 60) ","
				ELEM("\"203.0.113.99\"", 0, 0)) ","
		SET("dns_v4", ELEM("\"203.0.113.7\"", 4, 400)) ","
		SET("scoped_v4", ELEM("{\"concat\":[\"203.0.113.8\",6,443]}", 3, 180) ","
				 ELEM("{\"concat\":[\"203.0.113.8\",17,{\"range\":[1000,2000]}]}", 1, 50)) ","
		SET("deny_v6", ELEM("\"2001:DB8::7\"", 5, 500)) ","
		SET("refused_v4", ELEM("\"198.51.100.20\"", 6, 3000)) ","
		SET("gateway_v4", ELEM("\"10.0.2.2\"", 9, 900)));
	struct ts_traffic *l = NULL;
	size_t n = 0;
	assert_int_equal(ts_nft_counters_parse(text, &l, &n, NULL), 0);
	/* No zero entry, no gateway, the address in allow and dns once (allow saw all of it). */
	assert_int_equal(n, 7);
	ts_traffic_sort(l, n);
	assert_string_equal(l[0].destination, "198.51.100.20");
	assert_int_equal(l[0].verdict, TS_TRAFFIC_REFUSED);
	assert_string_equal(l[1].destination, "203.0.113.7");
	assert_int_equal(l[1].packets, 10);
	assert_string_equal(l[1].set, "allow");
	assert_int_equal(find(l, n, "192.0.2.0/24")->bytes, 120);
	assert_int_equal(find(l, n, "198.51.100.1-198.51.100.9")->packets, 1);
	assert_int_equal(find(l, n, "203.0.113.8 tcp 443")->packets, 3);
	assert_string_equal(find(l, n, "203.0.113.8 udp 1000-2000")->set, "scoped");
	const struct ts_traffic *denied = find(l, n, "2001:db8::7");
	assert_int_equal(denied->verdict, TS_TRAFFIC_DENIED);
	assert_null(denied->domain);
	ts_traffic_list_free(l, n);
}

/* Values that are no address, another table's sets, and text that is no listing. */
static void test_hostile(void **state)
{
	(void)state;
	static const char text[] = LISTING(
		SET("allow_v4", ELEM("\"203.0.113.7\\\"} evil\"", 1, 1) ","
				ELEM("\"x\\n# EOF\"", 1, 1) ","
				ELEM("{\"concat\":[\"203.0.113.8\",1,443]}", 1, 1) ","
				ELEM("{\"concat\":[\"203.0.113.8\",6,70000]}", 1, 1) ","
				ELEM("\"203.0.113.9\"", -1, 1)) ","
		"{\"set\":{\"family\":\"inet\",\"name\":\"allow_v4\",\"table\":\"other\","
		"\"elem\":[" ELEM("\"192.0.2.1\"", 1, 1) "]}}");
	struct ts_traffic *l = NULL;
	size_t n = 7;
	assert_int_equal(ts_nft_counters_parse(text, &l, &n, NULL), 0);
	assert_int_equal(n, 0);
	ts_traffic_list_free(l, n);
	assert_int_equal(ts_nft_counters_parse("nft: error", &l, &n, NULL), -EPROTO);
	assert_int_equal(ts_nft_counters_parse(NULL, &l, &n, NULL), -EPROTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
