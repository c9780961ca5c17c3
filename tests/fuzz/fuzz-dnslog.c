/* SPDX-License-Identifier: Apache-2.0 */
/* ts_dnslog_parse on each line of arbitrary text (seeds are whole dnsmasq logs). */
#include "base/addr.h"
#include "base/domain.h"
#include "dns/dnslog.h"
#include "fuzz.h"

static void one_line(const char *line)
{
	struct ts_dnslog_line out;
	int r = ts_dnslog_parse(line, &out);
	FUZZ_CHECK(r == 0 || r == 1);
	fuzz_check_text(out.name, sizeof(out.name));
	fuzz_check_text(out.qtype, sizeof(out.qtype));
	fuzz_check_text(out.addr, sizeof(out.addr));
	if (r == 0) {
		FUZZ_CHECK(out.kind == TS_DNSLOG_OTHER && !out.name[0] && !out.addr[0]);
		return;
	}
	/* What a caller gets is already normalised: normalising again changes nothing. */
	char name[TS_DOMAIN_BUFLEN];
	FUZZ_CHECK(ts_domain_normalize(out.name, name, NULL) == 0 && strcmp(name, out.name) == 0);
	if (out.kind == TS_DNSLOG_QUERY) {
		FUZZ_CHECK(strcmp(out.qtype, "A") == 0 || strcmp(out.qtype, "AAAA") == 0);
	} else if (out.kind == TS_DNSLOG_REFUSED || out.kind == TS_DNSLOG_HELD) {
		/* The forwarder's own lines: any query type, by name or number; no address. */
		FUZZ_CHECK(out.qtype[0] && !out.addr[0]);
	} else {
		char addr[TS_ADDR_STRLEN];
		FUZZ_CHECK(out.kind == TS_DNSLOG_ANSWER);
		FUZZ_CHECK(ts_addr_canonicalize(out.addr, addr, NULL) == 0 && strcmp(addr, out.addr) == 0);
		FUZZ_CHECK(strchr(out.addr, '/') == NULL);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	char *save = NULL;
	/* Empty lines are skipped: dnsmasq writes none. */
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		one_line(line);
	/* The whole input as one line too: embedded newlines are a caller's mistake, not a crash. */
	free(text);
	text = fuzz_cstr(data, size);
	one_line(text);
	free(text);
	return 0;
}
