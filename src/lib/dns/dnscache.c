/* SPDX-License-Identifier: Apache-2.0 */
#include "base/util.h"
#include "dns/dnscache.h"

/* FNV-1a: addresses are short and this needs no state. */
static size_t slot_of(const char *addr)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)addr; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h % TS_DNSCACHE_SLOTS;
}

void ts_dnscache_init(struct ts_dnscache *c)
{
	c->slots = calloc(TS_DNSCACHE_SLOTS, sizeof(*c->slots));
	if (!c->slots)
		abort();
}

void ts_dnscache_clear(struct ts_dnscache *c)
{
	free(c->slots);
	c->slots = NULL;
}

void ts_dnscache_put(struct ts_dnscache *c, const char *addr, const char *name)
{
	struct ts_dnscache_slot *s = &c->slots[slot_of(addr)];
	snprintf(s->addr, sizeof(s->addr), "%s", addr);
	snprintf(s->name, sizeof(s->name), "%s", name);
}

const char *ts_dnscache_get(const struct ts_dnscache *c, const char *addr)
{
	const struct ts_dnscache_slot *s = &c->slots[slot_of(addr)];
	return strcmp(s->addr, addr) == 0 ? s->name : NULL;
}
