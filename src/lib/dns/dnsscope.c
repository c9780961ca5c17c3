/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <string.h>

#include "base/domain.h"
#include "dns/dnsscope.h"

void ts_dns_scoped_batch_clear(struct ts_dns_scoped_batch *b)
{
	ts_strbuf_clear(&b->nft);
	b->n = 0;
}

bool ts_dns_learn_whole(const struct ts_dns_domain_files *f, const char *name)
{
	for (size_t i = 0; i < f->whole.n; i++)
		if (ts_domain_matches(name, f->whole.items[i]))
			return true;
	return false;
}

/* The element's timeout: the learn timeout, cut to what remains of the allow (0: none). */
static uint32_t element_timeout(const struct ts_scoped_domain *e, uint32_t ttl, time_t now)
{
	uint32_t t = ts_dns_learn_timeout(ttl);
	if (e->expires == 0)
		return t;
	if (e->expires <= now)
		return 0;
	return (uint64_t)(e->expires - now) < t ? (uint32_t)(e->expires - now) : t;
}

static bool already_added(const struct ts_dns_scoped_batch *b, const char *key)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->added[i].key, key) == 0)
			return true;
	return false;
}

/*
 * Whether a scoped address entry (profile.scoped, live.scoped) already
 * reaches a's ports of e, fully or in part: the kernel takes no second,
 * overlapping element, and an equal one would take the learned timeout.
 */
static bool fixed_overlaps(const struct ts_dns_scoped_domains *s, const struct ts_dns_addr *a,
			   const struct ts_scoped_domain *e)
{
	struct ts_addr host, net;
	if (ts_addr_parse(a->addr, &host, NULL) < 0)
		return true;
	for (size_t i = 0; i < s->n_fixed; i++) {
		const struct ts_scoped_entry *f = &s->fixed[i];
		if (f->proto == e->proto && f->port_lo <= e->port_hi && e->port_lo <= f->port_hi &&
		    ts_addr_parse(f->addr, &net, NULL) == 0 && net.family == host.family &&
		    ts_addr_contains(&net, &host))
			return true;
	}
	return false;
}

/* One element: its commands, and its note for later. */
static void add_element(struct ts_dns_scoped_batch *b, const struct ts_dns_addr *a,
			const struct ts_scoped_domain *e, uint32_t timeout, uint64_t now_ms,
			const struct ts_dns_learned *l)
{
	char ports[16], key[TS_ADDR_STRLEN];
	if (e->port_lo == e->port_hi)
		snprintf(ports, sizeof(ports), "%u", e->port_lo);
	else
		snprintf(ports, sizeof(ports), "%u-%u", e->port_lo, e->port_hi);
	/* The longest key (an IPv6 address, " udp 65535-65535") fits; anything else is skipped. */
	int n = snprintf(key, sizeof(key), "%s %s %s", a->addr, ts_proto_name(e->proto), ports);
	if (n < 0 || (size_t)n >= sizeof(key) || already_added(b, key) || b->n == TS_DNS_SCOPED_MAX ||
	    (timeout == ts_dns_learn_timeout(a->ttl) &&
	     ts_dns_learned_covers(l, key, now_ms, a->ttl)))
		return;
	const char *set = a->v6 ? "scoped_v6" : "scoped_v4";
	const char *proto = ts_proto_name(e->proto);
	/* As for dns_v4: a present element keeps its old timeout unless deleted first. */
	if (ts_dns_learned_present(l, key, now_ms))
		ts_strbuf_printf(&b->nft, "delete element inet terok_shield %s { %s . %s . %s }\n",
				 set, a->addr, proto, ports);
	ts_strbuf_printf(&b->nft, "add element inet terok_shield %s { %s . %s . %s timeout %us }\n",
			 set, a->addr, proto, ports, timeout);
	snprintf(b->added[b->n].key, sizeof(b->added[b->n].key), "%s", key);
	b->added[b->n++].timeout = timeout;
}

void ts_dns_scoped_batch_make(const struct ts_dns_scoped_domains *s, const char *name,
			      const struct ts_dns_addr *addrs, size_t n, time_t now,
			      uint64_t now_ms, const struct ts_dns_learned *l,
			      struct ts_dns_scoped_batch *b)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct ts_scoped_domain *e = &s->items[i];
		if (!ts_domain_matches(name, e->domain))
			continue;
		for (size_t j = 0; j < n; j++) {
			uint32_t t = element_timeout(e, addrs[j].ttl, now);
			if (t > 0 && !fixed_overlaps(s, &addrs[j], e))
				add_element(b, &addrs[j], e, t, now_ms, l);
		}
	}
}

void ts_dns_scoped_batch_noted(const struct ts_dns_scoped_batch *b, struct ts_dns_learned *l,
			       uint64_t now_ms)
{
	for (size_t i = 0; i < b->n; i++)
		ts_dns_learned_note(l, b->added[i].key, now_ms, b->added[i].timeout);
}
