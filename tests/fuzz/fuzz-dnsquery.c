/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ts_dnsquery_parse on arbitrary bytes (what a container may send to
 * 127.0.0.1:53), the local answer built from whatever it read, and the
 * query sent upstream in place of an accepted one: no bigger than
 * TS_DNS_QUERY_MAX and read back as the same question.
 */
#include "base/domain.h"
#include "dns/dnsquery.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so ASan sees any read past the message. */
	uint8_t *msg = malloc(size ? size : 1);
	if (!msg)
		abort();
	if (size)
		memcpy(msg, data, size);
	struct ts_dns_question q;
	int r = ts_dnsquery_parse(msg, size, &q);
	FUZZ_CHECK(r == -1 || r == 0 || r == TS_DNS_FORMERR || r == TS_DNS_NOTIMP ||
		   r == TS_DNS_REFUSED);
	if (r == -1) {
		FUZZ_CHECK(size < TS_DNS_HEADER_LEN);
		free(msg);
		return 0;
	}
	FUZZ_CHECK(q.end <= size && (q.end == 0 || q.end >= TS_DNS_HEADER_LEN + 5));
	FUZZ_CHECK(memchr(q.name, '\0', sizeof(q.name)) != NULL && strlen(q.name) <= TS_DOMAIN_MAX);
	/* Only lower-case letters, digits, hyphens, underscores and dots reach a log line or the policy. */
	for (const char *p = q.name; *p; p++)
		FUZZ_CHECK((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
			   *p == '_' || *p == '.');
	if (r == 0) {
		FUZZ_CHECK(q.end > 0 && q.qclass == TS_DNS_CLASS_IN && q.qtype != 0);
		FUZZ_CHECK(q.udp_size >= 512 && q.udp_size <= 4096);
		uint8_t up[TS_DNS_QUERY_MAX];
		size_t up_len = ts_dnsquery_rebuild(msg, &q, up);
		FUZZ_CHECK(up_len == q.end + (q.edns ? 11 : 0) && up_len <= sizeof(up));
		struct ts_dns_question again;
		FUZZ_CHECK(ts_dnsquery_parse(up, up_len, &again) == 0);
		FUZZ_CHECK(strcmp(again.name, q.name) == 0 && again.qtype == q.qtype &&
			   again.id == q.id && again.udp_size == q.udp_size &&
			   again.edns == q.edns && again.dnssec_ok == q.dnssec_ok);
	}
	uint8_t out[TS_DNS_HEADER_LEN + TS_DOMAIN_BUFLEN + 8];
	size_t len = ts_dnsquery_answer(msg, &q, TS_DNS_REFUSED, out);
	FUZZ_CHECK(len == (q.end ? q.end : TS_DNS_HEADER_LEN) && len <= sizeof(out));
	FUZZ_CHECK((out[2] & 0x80) && (out[3] & 0x0f) == TS_DNS_REFUSED);
	free(msg);
	return 0;
}
