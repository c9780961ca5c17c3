/* SPDX-License-Identifier: Apache-2.0 */
/* ts_profile_parse on arbitrary profile text. */
#include "base/addr.h"
#include "base/domain.h"
#include "base/strv.h"
#include "base/util.h"
#include "config/profiles.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ts_strv entries = { 0 };
	struct ts_error err = { 0 };
	char *text = fuzz_cstr(data, size);
	int r = ts_profile_parse("fuzz.txt", text, &entries, &err);
	if (r < 0) {
		FUZZ_CHECK(err.code > 0 && err.message[0]);
	} else {
		/*
		 * Every entry is canonical: an address/network or a normalised domain,
		 * maybe with a scope that splits off again.
		 */
		for (size_t i = 0; i < entries.n; i++) {
			char canon[TS_DOMAIN_BUFLEN > TS_ADDR_STRLEN ? TS_DOMAIN_BUFLEN : TS_ADDR_STRLEN];
			char e[sizeof(canon)];
			struct ts_scope scope;
			FUZZ_CHECK(ts_profile_entry_split(entries.items[i], e, sizeof(e), &scope) >= 0);
			bool ok = (ts_addr_canonicalize(e, canon, NULL) == 0 && strcmp(canon, e) == 0) ||
				  (ts_domain_normalize(e, canon, NULL) == 0 && strcmp(canon, e) == 0);
			FUZZ_CHECK(ok);
			FUZZ_CHECK(scope.port_lo <= scope.port_hi && scope.protos != 0);
		}
	}
	fuzz_check_message(err.message, sizeof(err.message));
	ts_strv_clear(&entries);
	free(text);
	return 0;
}
