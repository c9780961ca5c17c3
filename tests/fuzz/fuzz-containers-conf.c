/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ts_containers_conf_add_hooks_dir on arbitrary containers.conf text:
 * after a successful edit the directory is listed, and a second edit
 * changes nothing.
 */
#include "base/util.h"
#include "config/containers_conf.h"
#include "fuzz.h"

#define DIR "/home/u/.local/share/terok/shield/hooks"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	char *out = NULL, *again = NULL;
	bool changed = false;
	struct ts_error err = { 0 };
	int r = ts_containers_conf_add_hooks_dir(text, DIR, &out, &changed, &err);
	if (r < 0) {
		FUZZ_CHECK(err.code > 0 && err.message[0]);
		fuzz_check_message(err.message, sizeof(err.message));
	} else {
		FUZZ_CHECK(out != NULL);
		FUZZ_CHECK(ts_containers_conf_has_hooks_dir(out, DIR));
		if (!changed)
			FUZZ_CHECK(strcmp(out, text) == 0);
		bool changed_again = true;
		FUZZ_CHECK(ts_containers_conf_add_hooks_dir(out, DIR, &again, &changed_again, NULL) == 0);
		FUZZ_CHECK(!changed_again && strcmp(again, out) == 0);
	}
	(void)ts_containers_conf_has_hooks_dir(text, DIR);
	free(again);
	free(out);
	free(text);
	return 0;
}
