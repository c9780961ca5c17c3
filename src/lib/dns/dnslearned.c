/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "dns/dnsanswer.h"
#include "dns/dnslearned.h"

/* FNV-1a: addresses are short and few; any spread will do. */
static size_t slot_of(const char *addr)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h % TS_DNS_LEARNED_SLOTS;
}

bool ts_dns_learned_covers(const struct ts_dns_learned *l, const char *addr, uint64_t now_ms,
			   uint32_t ttl)
{
	size_t i = slot_of(addr);
	if (!l->slot[i].expires_ms || strcmp(l->slot[i].addr, addr) != 0)
		return false;
	uint32_t bounded = ttl < TS_DNS_TTL_MIN ? TS_DNS_TTL_MIN
			   : ttl > TS_DNS_TTL_MAX ? TS_DNS_TTL_MAX : ttl;
	return l->slot[i].expires_ms >= now_ms + (uint64_t)bounded * 1000;
}

bool ts_dns_learned_present(const struct ts_dns_learned *l, const char *addr, uint64_t now_ms)
{
	size_t i = slot_of(addr);
	return l->slot[i].expires_ms > now_ms && strcmp(l->slot[i].addr, addr) == 0;
}

void ts_dns_learned_note(struct ts_dns_learned *l, const char *addr, uint64_t now_ms,
			 uint32_t timeout_s)
{
	size_t i = slot_of(addr);
	if (strlen(addr) >= sizeof(l->slot[i].addr))
		return;
	strcpy(l->slot[i].addr, addr);
	l->slot[i].expires_ms = now_ms + (uint64_t)timeout_s * 1000;
}

void ts_dns_learned_clear(struct ts_dns_learned *l)
{
	memset(l, 0, sizeof(*l));
}
