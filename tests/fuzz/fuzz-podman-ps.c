/* SPDX-License-Identifier: Apache-2.0 */
/* ts_podman_ps_parse on arbitrary `podman ps -a --format json` output. */
#include "base/util.h"
#include "bundle/location.h"
#include "container/podman_ps.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = fuzz_cstr(data, size);
	struct ts_podman_ps ps;
	struct ts_error err = { 0 };
	int r = ts_podman_ps_parse(json, &ps, &err);
	if (r < 0) {
		FUZZ_CHECK(err.code > 0 && err.message[0]);
		FUZZ_CHECK(ps.items == NULL && ps.n == 0);
		fuzz_check_message(err.message, sizeof(err.message));
	}
	/* Every name kept could be a bundle's: safe as a directory name. */
	for (size_t i = 0; r == 0 && i < ps.n; i++) {
		FUZZ_CHECK(ts_container_name_validate(ps.items[i].name, NULL) == 0);
		FUZZ_CHECK(ts_podman_ps_find(&ps, ps.items[i].name) != NULL);
	}
	ts_podman_ps_clear(&ps);
	free(json);
	return 0;
}
