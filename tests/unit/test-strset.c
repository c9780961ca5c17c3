/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "base/strset.h"
#include "base/strv.h"
#include "base/util.h"

static void test_add_contains(void **state)
{
	(void)state;
	struct ts_strv keep = TS_STRV_INIT;
	struct ts_strset set = TS_STRSET_INIT;
	assert_false(ts_strset_contains(&set, "x"));
	for (int i = 0; i < 5000; i++)
		ts_strv_push_take(&keep, ts_xasprintf("k%d", i));
	for (size_t i = 0; i < keep.n; i++)
		assert_true(ts_strset_add(&set, keep.items[i]));
	for (size_t i = 0; i < keep.n; i++)
		assert_false(ts_strset_add(&set, keep.items[i]));
	assert_int_equal(set.n, 5000);
	assert_true(ts_strset_contains(&set, "k4999"));
	assert_false(ts_strset_contains(&set, "k5000"));
	ts_strset_clear(&set);
	ts_strv_clear(&keep);
}

static void test_strv_join(void **state)
{
	(void)state;
	struct ts_strv v = TS_STRV_INIT;
	char *s = ts_strv_join(&v, ", ");
	assert_string_equal(s, "");
	free(s);
	ts_strv_push(&v, "a");
	ts_strv_push(&v, "b");
	s = ts_strv_join(&v, ", ");
	assert_string_equal(s, "a, b");
	assert_true(ts_strv_contains(&v, "b"));
	assert_false(ts_strv_contains(&v, "c"));
	free(s);
	ts_strv_clear(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_contains),
		cmocka_unit_test(test_strv_join),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
