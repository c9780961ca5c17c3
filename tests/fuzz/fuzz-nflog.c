/* SPDX-License-Identifier: Apache-2.0 */
/* ts_nflog_parse on arbitrary netlink messages. */
#include <sys/socket.h>

#include "base/addr.h"
#include "fuzz.h"
#include "observe/nflog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: a read past the message is a read past the allocation. */
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	if (size)
		memcpy(copy, data, size);

	struct ts_nflog_event ev;
	if (ts_nflog_parse(copy, size, &ev) == 1) {
		FUZZ_CHECK(ev.action != TS_NFLOG_OTHER);
		FUZZ_CHECK(ev.family == AF_INET || ev.family == AF_INET6);
		fuzz_check_text(ev.dest, sizeof(ev.dest));
		/* The destination is a canonical host address. */
		struct ts_addr a;
		char again[TS_ADDR_STRLEN];
		FUZZ_CHECK(ts_addr_parse(ev.dest, &a, NULL) == 0);
		FUZZ_CHECK(a.family == ev.family && a.prefix == ts_addr_max_prefix(&a));
		ts_addr_format(&a, again);
		FUZZ_CHECK(strcmp(again, ev.dest) == 0);
		FUZZ_CHECK(strcmp(ts_nflog_action_name(ev.action), "other") != 0);
	}
	free(copy);
	return 0;
}
