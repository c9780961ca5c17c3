/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "base/domain.h"
#include "base/util.h"

static void assert_normalized(const char *in, const char *want)
{
	char out[TS_DOMAIN_BUFLEN];
	struct ts_error err = { 0 };
	if (ts_domain_normalize(in, out, &err) != 0)
		fail_msg("'%s' rejected: %s", in, err.message);
	assert_string_equal(out, want);
}

static void test_valid(void **state)
{
	(void)state;
	assert_normalized("example.com", "example.com");
	assert_normalized("Example.COM", "example.com");
	assert_normalized("a-b.c-d.example.org.", "a-b.c-d.example.org");
	assert_normalized("*.readthedocs.io", "*.readthedocs.io");
	assert_normalized("*.Docs.Python.org", "*.docs.python.org");
	assert_normalized("r10.o.lencr.org", "r10.o.lencr.org");
	assert_normalized("xn--bcher-kva.example", "xn--bcher-kva.example");
	assert_normalized("example.XN--P1AI", "example.xn--p1ai");
}

static void test_invalid(void **state)
{
	(void)state;
	char long_label[80];
	memset(long_label, 'a', 64);
	strcpy(long_label + 64, ".com");
	const char *bad[] = {
		"", "com", "exa mple.com", "example..com", ".example.com", "-a.example.com",
		"a-.example.com", "example.c", "example.c0m", "example.123", "1.2.3.4",
		"ex_ample.com", "example.xn--", "example.xn---", "*example.com", "a.*.example.com", "**.example.com", "*.", "*.com",
		"example.com..", "exa\nmple.com", "example.com; flush ruleset", "-rf", "a/b.com",
		long_label,
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char out[TS_DOMAIN_BUFLEN];
		struct ts_error err = { 0 };
		if (ts_domain_normalize(bad[i], out, &err) == 0)
			fail_msg("'%s' accepted as '%s'", bad[i], out);
		assert_int_equal(err.code, EINVAL);
	}
}

static void test_total_length(void **state)
{
	(void)state;
	/* 4 labels of 63 plus dots = 255 > 253. */
	char name[300] = "";
	for (int i = 0; i < 4; i++) {
		size_t len = strlen(name);
		memset(name + len, 'a', 63);
		name[len + 63] = '\0';
		strcat(name, i < 3 ? "." : "");
	}
	name[strlen(name) - 2] = 'c'; /* keep the TLD alphabetic */
	char out[TS_DOMAIN_BUFLEN];
	assert_int_not_equal(ts_domain_normalize(name, out, NULL), 0);
	name[strlen(name) - 63 - 1] = '\0'; /* three labels: 191 chars */
	assert_int_equal(ts_domain_normalize(name, out, NULL), 0);
}

static void test_matching(void **state)
{
	(void)state;
	assert_true(ts_domain_matches("example.com", "example.com"));
	assert_true(ts_domain_matches("api.example.com", "example.com"));
	assert_true(ts_domain_matches("api.example.com", "*.example.com"));
	assert_false(ts_domain_matches("badexample.com", "example.com"));
	assert_false(ts_domain_matches("example.com", "api.example.com"));
	assert_string_equal(ts_domain_strip_wildcard("*.a.io"), "a.io");
	assert_string_equal(ts_domain_strip_wildcard("a.io"), "a.io");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_total_length),
		cmocka_unit_test(test_matching),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
