/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <ares.h>
#include <limits.h>
#include <string.h>

#include "dns/dnsanswer.h"
#include "dns/dnsquery.h"

uint32_t ts_dns_learn_timeout(uint32_t ttl)
{
	uint32_t t = ttl < TS_DNS_TTL_MIN ? TS_DNS_TTL_MIN : ttl > TS_DNS_TTL_MAX ? TS_DNS_TTL_MAX : ttl;
	uint32_t margin = t / 10 < TS_DNS_MARGIN_MIN ? TS_DNS_MARGIN_MIN : t / 10;
	return t + margin;
}

static bool usable_v4(const struct in_addr *a)
{
	uint32_t h = ntohl(a->s_addr);
	return (h >> 24) != 0 && (h >> 24) != 127 && (h >> 28) != 0xe && h != 0xffffffffu;
}

static bool usable_v6(const struct in6_addr *a)
{
	return !IN6_IS_ADDR_UNSPECIFIED(a) && !IN6_IS_ADDR_LOOPBACK(a) && !IN6_IS_ADDR_MULTICAST(a);
}

static uint32_t ttl_of(int ttl)
{
	return ttl < 0 ? 0 : (uint32_t)ttl;
}

static size_t learn_v4(const uint8_t *answer, int len, struct ts_dns_addr *out, size_t max)
{
	struct ares_addrttl ttls[TS_DNS_LEARN_MAX];
	int n = TS_DNS_LEARN_MAX;
	if (ares_parse_a_reply(answer, len, NULL, ttls, &n) != ARES_SUCCESS)
		return 0;
	size_t k = 0;
	for (int i = 0; i < n && k < max; i++) {
		if (!usable_v4(&ttls[i].ipaddr))
			continue;
		inet_ntop(AF_INET, &ttls[i].ipaddr, out[k].addr, sizeof(out[k].addr));
		out[k].v6 = false;
		out[k].ttl = ttl_of(ttls[i].ttl);
		k++;
	}
	return k;
}

static size_t learn_v6(const uint8_t *answer, int len, struct ts_dns_addr *out, size_t max)
{
	struct ares_addr6ttl ttls[TS_DNS_LEARN_MAX];
	int n = TS_DNS_LEARN_MAX;
	if (ares_parse_aaaa_reply(answer, len, NULL, ttls, &n) != ARES_SUCCESS)
		return 0;
	size_t k = 0;
	for (int i = 0; i < n && k < max; i++) {
		struct in6_addr a;
		memcpy(&a, &ttls[i].ip6addr, sizeof(a));
		if (!usable_v6(&a))
			continue;
		inet_ntop(AF_INET6, &a, out[k].addr, sizeof(out[k].addr));
		out[k].v6 = true;
		out[k].ttl = ttl_of(ttls[i].ttl);
		k++;
	}
	return k;
}

size_t ts_dnsanswer_addresses(const uint8_t *answer, size_t len, uint16_t qtype,
			      struct ts_dns_addr *out, size_t max)
{
	if (!answer || len < TS_DNS_HEADER_LEN || len > TS_DNS_MSG_MAX || max == 0)
		return 0;
	/* Only a successful response: c-ares would also read addresses out of an error answer. */
	if (!(answer[2] & 0x80) || (answer[3] & 0x0f) != TS_DNS_NOERROR)
		return 0;
	if (qtype == TS_DNS_TYPE_A)
		return learn_v4(answer, (int)len, out, max);
	if (qtype == TS_DNS_TYPE_AAAA)
		return learn_v6(answer, (int)len, out, max);
	return 0;
}

bool ts_dns_addr_repeated(const struct ts_dns_addr *addrs, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(addrs[j].addr, addrs[i].addr) == 0)
			return true;
	return false;
}
