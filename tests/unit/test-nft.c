/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libnftables failures carry the kernel's errno when nft's message names
 * one, -EINVAL otherwise, with nft's "Error:" lines as the message. The
 * messages are nftables 1.0.6's, captured from real failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "base/util.h"
#include "nft/nft.h"

static void test_kernel_errors(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int code;
	} cases[] = {
		{ "Error: Could not process rule: Operation not permitted\nadd table inet x\n"
		  "^^^^^^^^^^^^^^^^^\n", -EPERM },
		{ "Error: No such file or directory\nadd element inet nope s { 1.2.3.4 }\n"
		  "                 ^^^^\n", -ENOENT },
		{ "Error: Could not process rule: File exists\ncreate table inet terok_shield\n"
		  "                  ^^^^^^^^^^^^\n", -EEXIST },
		{ "Error: Could not process rule: Device or resource busy\n"
		  "delete set inet terok_shield allow_v4\n", -EBUSY },
		{ "netlink: Error: Could not process rule: Cannot allocate memory\n", -ENOMEM },
		/* Summarised form (what ts_error carries) maps the same way. */
		{ "Could not process rule: No space left on device", -ENOSPC },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(ts_nft_errno(cases[i].text), cases[i].code);
}

static void test_other_errors_are_einval(void **state)
{
	(void)state;
	assert_int_equal(ts_nft_errno("Error: No symbol type information\n"
				      "add rule inet t output foo bar\n"), -EINVAL);
	assert_int_equal(ts_nft_errno("Error: syntax error, unexpected newline\n"), -EINVAL);
	assert_int_equal(ts_nft_errno(""), -EINVAL);
	assert_int_equal(ts_nft_errno(NULL), -EINVAL);
	/* A reason only counts as the line's ending, not inside a quoted name. */
	assert_int_equal(ts_nft_errno("Error: set 'File exists' is not a set name\n"), -EINVAL);
}

/* A real libnftables failure: a script nft's parser refuses, before any netlink traffic. */
static void test_syntax_error_through_libnftables(void **state)
{
	(void)state;
	struct ts_error err = { 0 };
	assert_int_equal(ts_nft_run("add rule inet t output frobnicate\n", NULL, &err), -EINVAL);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.message, "nft: "));
	assert_null(strstr(err.message, "^^^"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_errors),
		cmocka_unit_test(test_other_errors_are_einval),
		cmocka_unit_test(test_syntax_error_through_libnftables),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
