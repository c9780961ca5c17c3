/* SPDX-License-Identifier: Apache-2.0 */
/* ts_podman_info_parse on arbitrary `podman info -f json` output. */
#include "base/util.h"
#include "container/podman.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = fuzz_cstr(data, size);
	struct ts_podman_info info;
	struct ts_error err = { 0 };
	int r = ts_podman_info_parse(json, &info, &err);
	if (r < 0) {
		FUZZ_CHECK(err.code > 0 && err.message[0]);
		FUZZ_CHECK(info.version == NULL);
	} else {
		FUZZ_CHECK(info.mode == TS_NET_SLIRP4NETNS || info.mode == TS_NET_PASTA);
		FUZZ_CHECK(ts_net_mode_name(info.mode) != NULL);
	}
	fuzz_check_message(err.message, sizeof(err.message));
	ts_podman_info_clear(&info);
	free(json);
	return 0;
}
