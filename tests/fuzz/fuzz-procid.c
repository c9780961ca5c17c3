/* SPDX-License-Identifier: Apache-2.0 */
/* ts_proc_identity_parse: what it accepts formats back to an identity that parses the same. */
#include "base/util.h"
#include "container/procid.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	struct ts_proc_identity id, again;
	struct ts_error err = { 0 };
	if (ts_proc_identity_parse(text, &id, &err) == 0) {
		FUZZ_CHECK(id.pid > 0);
		char *formatted = ts_proc_identity_format(&id);
		FUZZ_CHECK(ts_proc_identity_parse(formatted, &again, NULL) == 0);
		FUZZ_CHECK(again.pid == id.pid && again.start_time == id.start_time &&
			   again.netns_ino == id.netns_ino);
		free(formatted);
	} else {
		FUZZ_CHECK(err.code > 0);
		fuzz_check_message(err.message, sizeof(err.message));
	}
	free(text);
	return 0;
}
