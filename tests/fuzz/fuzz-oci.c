/* SPDX-License-Identifier: Apache-2.0 */
/* ts_oci_state_parse on arbitrary JSON (the hook's stdin). */
#include "base/util.h"
#include "container/oci.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ts_oci_state st;
	struct ts_error err = { 0 };
	int r = ts_oci_state_parse((const char *)data, size, &st, &err);
	if (r < 0) {
		FUZZ_CHECK(err.code > 0 && err.message[0]);
		/* On error st is left empty. */
		FUZZ_CHECK(!st.id && !st.state_dir && !st.name && st.profiles.n == 0 && !st.loopback_ports);
	} else {
		FUZZ_CHECK(r == 0);
		if (st.state_dir)
			FUZZ_CHECK(st.state_dir[0] == '/');
		for (size_t i = 0; i < st.n_loopback_ports; i++)
			FUZZ_CHECK(st.loopback_ports[i] != 0);
	}
	fuzz_check_message(err.message, sizeof(err.message));
	ts_oci_state_clear(&st);
	return 0;
}
