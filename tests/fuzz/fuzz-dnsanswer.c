/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ts_dnsanswer_addresses on arbitrary bytes (what an upstream may answer),
 * asked as A and as AAAA: whatever it learns is a canonical address of
 * the asked family with a bounded timeout.
 */
#include "base/addr.h"
#include "dns/dnsanswer.h"
#include "dns/dnsquery.h"
#include "fuzz.h"

static void check(const uint8_t *msg, size_t size, uint16_t qtype)
{
	struct ts_dns_addr out[TS_DNS_LEARN_MAX];
	size_t n = ts_dnsanswer_addresses(msg, size, qtype, out, TS_DNS_LEARN_MAX);
	FUZZ_CHECK(n <= TS_DNS_LEARN_MAX);
	for (size_t i = 0; i < n; i++) {
		char canon[TS_ADDR_STRLEN];
		FUZZ_CHECK(ts_addr_canonicalize(out[i].addr, canon, NULL) == 0);
		FUZZ_CHECK(strcmp(canon, out[i].addr) == 0);
		FUZZ_CHECK(out[i].v6 == (qtype == TS_DNS_TYPE_AAAA));
		FUZZ_CHECK(out[i].v6 == (strchr(out[i].addr, ':') != NULL));
		uint32_t t = ts_dns_learn_timeout(out[i].ttl);
		FUZZ_CHECK(t >= TS_DNS_TTL_MIN + TS_DNS_MARGIN_MIN && t <= TS_DNS_TTL_MAX * 11 / 10);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *msg = malloc(size ? size : 1);
	if (!msg)
		abort();
	if (size)
		memcpy(msg, data, size);
	check(msg, size, TS_DNS_TYPE_A);
	check(msg, size, TS_DNS_TYPE_AAAA);
	check(msg, size, 16);
	free(msg);
	return 0;
}
