/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What terok-shield-dns learns from an upstream answer (docs/security.md):
 * the final A or AAAA addresses of the asked name (following its CNAME
 * chain inside the answer) with their TTLs, read by c-ares's parsers, and
 * the timeout each gets in dns_v4/dns_v6. The answer comes from outside,
 * so a malformed one yields nothing rather than an error.
 */
#ifndef TS_DNSANSWER_H
#define TS_DNSANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

/* More addresses than this in one answer are not learned (the first ones are). */
#define TS_DNS_LEARN_MAX 64

/* Bounds of a learned address's lifetime, before the margin (docs/security.md). */
#define TS_DNS_TTL_MIN 30u
#define TS_DNS_TTL_MAX 86400u
#define TS_DNS_MARGIN_MIN 5u

struct ts_dns_addr {
	char addr[TS_ADDR_STRLEN]; /* canonical text */
	bool v6;
	uint32_t ttl;              /* as the record said (never negative) */
};

/*
 * The addresses of an answer to a qtype (A or AAAA; other types yield
 * none) query, at most max, into out. Addresses nobody can connect to
 * (unspecified, loopback, multicast, broadcast) are left out. Returns how
 * many.
 */
size_t ts_dnsanswer_addresses(const uint8_t *answer, size_t len, uint16_t qtype,
			      struct ts_dns_addr *out, size_t max);

/* Whether addrs[i] came earlier in the answer too. */
bool ts_dns_addr_repeated(const struct ts_dns_addr *addrs, size_t i);

/*
 * Seconds an address stays in dns_v4/dns_v6: the TTL bounded to
 * [TS_DNS_TTL_MIN, TS_DNS_TTL_MAX] plus a 10% margin of at least
 * TS_DNS_MARGIN_MIN, so an answer a client caches for its whole TTL
 * never outlives the set element.
 */
uint32_t ts_dns_learn_timeout(uint32_t ttl);

#endif
