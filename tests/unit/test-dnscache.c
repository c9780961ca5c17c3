/* SPDX-License-Identifier: Apache-2.0 */
/* The address → domain cache stays bounded and answers what it was told last. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "base/util.h"
#include "dns/dnscache.h"

static void test_put_get(void **state)
{
	(void)state;
	struct ts_dnscache c;
	ts_dnscache_init(&c);
	assert_null(ts_dnscache_get(&c, "203.0.113.7"));
	ts_dnscache_put(&c, "203.0.113.7", "example.com");
	assert_string_equal(ts_dnscache_get(&c, "203.0.113.7"), "example.com");
	ts_dnscache_put(&c, "203.0.113.7", "other.example");
	assert_string_equal(ts_dnscache_get(&c, "203.0.113.7"), "other.example");
	assert_null(ts_dnscache_get(&c, "203.0.113.8"));
	ts_dnscache_clear(&c);
}

static void test_bounded_flood(void **state)
{
	(void)state;
	struct ts_dnscache c;
	ts_dnscache_init(&c);
	char addr[32];
	/* Ten times the slots: memory stays the table, the latest entries mostly answer. */
	for (int i = 0; i < 10 * TS_DNSCACHE_SLOTS; i++) {
		snprintf(addr, sizeof(addr), "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
		ts_dnscache_put(&c, addr, "flood.example");
	}
	snprintf(addr, sizeof(addr), "10.0.0.1");
	ts_dnscache_put(&c, addr, "last.example");
	assert_string_equal(ts_dnscache_get(&c, addr), "last.example");
	ts_dnscache_clear(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get),
		cmocka_unit_test(test_bounded_flood),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
