/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which domain an address was last handed out for, learned from the
 * container's dnsmasq log: names for NFLOG events. Bounded: a fixed table
 * where a new address may evict an old one, so a flood of answers cannot
 * grow memory.
 */
#ifndef TS_DNSCACHE_H
#define TS_DNSCACHE_H

#include "base/addr.h"
#include "base/domain.h"

#define TS_DNSCACHE_SLOTS 4096

struct ts_dnscache_slot {
	char addr[TS_ADDR_STRLEN];
	char name[TS_DOMAIN_BUFLEN];
};

struct ts_dnscache {
	struct ts_dnscache_slot *slots; /* TS_DNSCACHE_SLOTS of them */
};

void ts_dnscache_init(struct ts_dnscache *c);
void ts_dnscache_clear(struct ts_dnscache *c);
void ts_dnscache_put(struct ts_dnscache *c, const char *addr, const char *name);
/* The name for addr, or NULL. */
const char *ts_dnscache_get(const struct ts_dnscache *c, const char *addr);

#endif
