/* SPDX-License-Identifier: Apache-2.0 */
/* ts_addr_parse: what it accepts has one canonical text, and that text parses to itself. */
#include "base/addr.h"
#include "base/util.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	struct ts_addr a, b;
	struct ts_error err = { 0 };
	if (ts_addr_parse(text, &a, &err) == 0) {
		char canon[TS_ADDR_STRLEN], again[TS_ADDR_STRLEN];
		FUZZ_CHECK(a.family == AF_INET || a.family == AF_INET6);
		FUZZ_CHECK(a.prefix <= ts_addr_max_prefix(&a));
		ts_addr_format(&a, canon);
		FUZZ_CHECK(ts_addr_parse(canon, &b, NULL) == 0);
		FUZZ_CHECK(b.family == a.family && b.prefix == a.prefix &&
			   memcmp(a.bytes, b.bytes, sizeof(a.bytes)) == 0);
		ts_addr_format(&b, again);
		FUZZ_CHECK(strcmp(canon, again) == 0);
		FUZZ_CHECK(ts_addr_contains(&a, &b));
		(void)ts_addr_is_private(&a);
		(void)ts_addr_is_wide(&a);
	} else {
		FUZZ_CHECK(err.code == EINVAL);
		fuzz_check_message(err.message, sizeof(err.message));
	}
	free(text);
	return 0;
}
