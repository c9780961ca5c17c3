/* SPDX-License-Identifier: Apache-2.0 */
/* ts_config_parse on arbitrary YAML (config.yml). */
#include "base/util.h"
#include "config/config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ts_config c;
	struct ts_error err = { 0 };
	char *text = fuzz_cstr(data, size);
	int r = ts_config_parse("/fuzz/config.yml", text, size, &c, &err);
	if (r < 0) {
		FUZZ_CHECK(err.code > 0 && ts_startswith(err.message, "/fuzz/config.yml"));
		/* On error c holds the defaults. */
		FUZZ_CHECK(c.mode == TS_MODE_AUTO && c.n_loopback_ports == 0 && c.audit_enabled);
	} else {
		for (size_t i = 0; i < c.n_loopback_ports; i++)
			FUZZ_CHECK(c.loopback_ports[i] != 0);
	}
	fuzz_check_message(err.message, sizeof(err.message));
	ts_config_clear(&c);
	free(text);
	return 0;
}
