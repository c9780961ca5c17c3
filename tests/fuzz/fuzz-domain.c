/* SPDX-License-Identifier: Apache-2.0 */
/* ts_domain_normalize: idempotent, and a name matches itself. */
#include "base/domain.h"
#include "base/util.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	char out[TS_DOMAIN_BUFLEN], again[TS_DOMAIN_BUFLEN];
	struct ts_error err = { 0 };
	if (ts_domain_normalize(text, out, &err) == 0) {
		FUZZ_CHECK(strlen(out) < TS_DOMAIN_BUFLEN);
		FUZZ_CHECK(ts_domain_normalize(out, again, NULL) == 0 && strcmp(out, again) == 0);
		const char *bare = ts_domain_strip_wildcard(out);
		FUZZ_CHECK(ts_domain_matches(bare, out));
		FUZZ_CHECK(strlen(bare) <= TS_DOMAIN_MAX);
	} else {
		FUZZ_CHECK(err.code == EINVAL);
		fuzz_check_message(err.message, sizeof(err.message));
	}
	free(text);
	return 0;
}
