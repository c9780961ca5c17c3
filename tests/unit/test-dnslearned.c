/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "base/util.h"
#include "dns/dnslearned.h"

static struct ts_dns_learned l;

static void test_covers_within_margin(void **state)
{
	(void)state;
	ts_dns_learned_clear(&l);
	assert_false(ts_dns_learned_covers(&l, "192.0.2.1", 1000, 300));
	assert_false(ts_dns_learned_present(&l, "192.0.2.1", 1000));
	/* TTL 300: element for 330 s. Within the 30 s margin the next answer needs no update. */
	ts_dns_learned_note(&l, "192.0.2.1", 1000, 330);
	assert_true(ts_dns_learned_present(&l, "192.0.2.1", 1000));
	assert_true(ts_dns_learned_covers(&l, "192.0.2.1", 1000, 300));
	assert_true(ts_dns_learned_covers(&l, "192.0.2.1", 1000 + 30000, 300));
	assert_false(ts_dns_learned_covers(&l, "192.0.2.1", 1000 + 30001, 300));
	/* A longer TTL is not covered; a short one is bounded up to 30 s first. */
	assert_false(ts_dns_learned_covers(&l, "192.0.2.1", 1000, 400));
	assert_true(ts_dns_learned_covers(&l, "192.0.2.1", 1000 + 300000, 1));
	assert_false(ts_dns_learned_covers(&l, "192.0.2.1", 1000 + 300001, 1));
	/* Gone once it expired; other addresses unknown. */
	assert_false(ts_dns_learned_present(&l, "192.0.2.1", 1000 + 330000));
	assert_false(ts_dns_learned_covers(&l, "192.0.2.2", 1000, 300));
	ts_dns_learned_clear(&l);
	assert_false(ts_dns_learned_covers(&l, "192.0.2.1", 1000, 300));
}

static void test_bounded_table(void **state)
{
	(void)state;
	ts_dns_learned_clear(&l);
	/* Far more addresses than slots: memory stays the table's, the latest is always known. */
	for (unsigned i = 0; i < 10 * TS_DNS_LEARNED_SLOTS; i++) {
		char addr[32];
		snprintf(addr, sizeof(addr), "100.%u.%u.%u", i >> 16, (i >> 8) & 255, i & 255);
		ts_dns_learned_note(&l, addr, 0, 60);
		assert_true(ts_dns_learned_present(&l, addr, 0));
	}
	assert_false(ts_dns_learned_present(&l, "100.0.0.0", 0) &&
		     ts_dns_learned_present(&l, "100.0.0.1", 0) &&
		     ts_dns_learned_present(&l, "100.0.0.2", 0) &&
		     ts_dns_learned_present(&l, "100.0.0.3", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_covers_within_margin),
		cmocka_unit_test(test_bounded_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
