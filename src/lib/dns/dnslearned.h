/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What terok-shield-dns has recently put into dns_v4/dns_v6 (keyed by the
 * address) and scoped_v4/scoped_v6 (keyed "ADDR PROTO PORTS", dns/dnsscope.h),
 * so that an answer whose addresses are already there for long enough needs no nft
 * transaction (the set update is most of a forwarded query's cost). A
 * small fixed table: a forgotten or overwritten entry only costs one
 * transaction more. Pure.
 */
#ifndef TS_DNSLEARNED_H
#define TS_DNSLEARNED_H

#include <stdbool.h>
#include <stdint.h>

#include "base/addr.h"

#define TS_DNS_LEARNED_SLOTS 1024

struct ts_dns_learned {
	struct {
		char addr[TS_ADDR_STRLEN];
		uint64_t expires_ms; /* when its set element times out; 0: empty slot */
	} slot[TS_DNS_LEARNED_SLOTS];
};

/*
 * Whether addr's element, as last noted, outlives an answer with this
 * TTL received at now_ms: it expires no earlier than now plus the TTL
 * bounded as ts_dns_learn_timeout bounds it (without the margin). So an
 * update is skipped only within the margin of the previous one.
 */
bool ts_dns_learned_covers(const struct ts_dns_learned *l, const char *addr, uint64_t now_ms,
			   uint32_t ttl);

/* Whether addr's element, as last noted, is still in its set at now_ms. */
bool ts_dns_learned_present(const struct ts_dns_learned *l, const char *addr, uint64_t now_ms);

/* addr's element now expires timeout_s seconds after now_ms. */
void ts_dns_learned_note(struct ts_dns_learned *l, const char *addr, uint64_t now_ms,
			 uint32_t timeout_s);

/* Forget everything (the sets may have been replaced). */
void ts_dns_learned_clear(struct ts_dns_learned *l);

#endif
