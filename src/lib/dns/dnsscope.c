/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/domain.h"
#include "base/util.h"
#include "dns/dnsscope.h"

void ts_dns_scoped_batch_clear(struct ts_dns_scoped_batch *b)
{
	ts_strbuf_clear(&b->nft);
	b->n = 0;
	b->n_removed = 0;
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

/* A piece's key as the learned table notes it ("ADDR PROTO PORTS"), and its ports alone. */
static void piece_key(const char *addr, unsigned proto, const struct ts_port_piece *p,
		      char key[TS_ADDR_STRLEN], char ports[16])
{
	if (p->lo == p->hi)
		snprintf(ports, 16, "%u", p->lo);
	else
		snprintf(ports, 16, "%u-%u", p->lo, p->hi);
	/* The longest key (an IPv6 address, " udp 65535-65535") fits the buffer. */
	snprintf(key, TS_ADDR_STRLEN, "%s %s %s", addr, ts_proto_name(proto), ports);
}

/* Delete a's element of piece p, or add it with timeout p->end seconds (noted as added). */
static void element_cmd(struct ts_dns_scoped_batch *b, const struct ts_dns_addr *a,
			unsigned proto, const struct ts_port_piece *p, bool add)
{
	char key[TS_ADDR_STRLEN], ports[16];
	piece_key(a->addr, proto, p, key, ports);
	ts_strbuf_printf(&b->nft, "%s element inet terok_shield %s { %s . %s . %s", add ? "add" : "delete",
			 a->v6 ? "scoped_v6" : "scoped_v4", a->addr, ts_proto_name(proto), ports);
	if (!add) {
		ts_strbuf_puts(&b->nft, " }\n");
		return;
	}
	ts_strbuf_printf(&b->nft, " timeout %llus }\n", (unsigned long long)p->end);
	snprintf(b->added[b->n].key, sizeof(b->added[b->n].key), "%s", key);
	b->added[b->n++].timeout = (uint32_t)p->end;
}

/*
 * One element, unless the learned table says it outlives the answer; one
 * the table says is present is deleted and added again (as for dns_v4, a
 * present element keeps its old timeout otherwise).
 */
static void add_element(struct ts_dns_scoped_batch *b, const struct ts_dns_addr *a,
			unsigned proto, const struct ts_port_piece *p, uint64_t now_ms,
			const struct ts_dns_learned *l)
{
	char key[TS_ADDR_STRLEN], ports[16];
	piece_key(a->addr, proto, p, key, ports);
	if (b->n == TS_DNS_SCOPED_MAX ||
	    (p->end == ts_dns_learn_timeout(a->ttl) && ts_dns_learned_covers(l, key, now_ms, a->ttl)))
		return;
	if (ts_dns_learned_present(l, key, now_ms))
		element_cmd(b, a, proto, p, false);
	element_cmd(b, a, proto, p, true);
}

/* The elements this forwarder added for addr and proto that are still there, seconds left as end. */
static size_t present_pieces(const struct ts_dns_learned *l, const char *addr, unsigned proto,
			     uint64_t now_ms, struct ts_port_piece *out, size_t max)
{
	char prefix[TS_ADDR_STRLEN];
	int n = snprintf(prefix, sizeof(prefix), "%s %s ", addr, ts_proto_name(proto));
	size_t m = 0;
	for (size_t i = 0; i < TS_DNS_LEARNED_SLOTS && m < max; i++) {
		unsigned lo, hi;
		char end;
		const char *key = l->slot[i].addr;
		if (l->slot[i].expires_ms <= now_ms || strncmp(key, prefix, (size_t)n) != 0)
			continue;
		int k = sscanf(key + n, "%u-%u%c", &lo, &hi, &end);
		if (k == 1)
			hi = lo;
		else if (k != 2)
			continue;
		out[m++] = (struct ts_port_piece){ lo, hi,
						   (long long)(l->slot[i].expires_ms - now_ms + 999) / 1000 };
	}
	return m;
}

static bool pieces_clash(const struct ts_port_piece *x, const struct ts_port_piece *y)
{
	return x->lo <= y->hi && y->lo <= x->hi && (x->lo != y->lo || x->hi != y->hi);
}

static int piece_cmp(const void *pa, const void *pb)
{
	const struct ts_port_piece *a = pa, *b = pb;
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/*
 * The pieces an answer wants for one address and protocol (end: timeout
 * seconds). The kernel takes no two overlapping elements: when the wanted
 * pieces overlap each other or what was learned before (two scoped
 * domains, or one's timed and permanent scopes, sharing the address), the
 * address's elements are deleted and added again as disjoint pieces.
 */
static void learn_group(struct ts_dns_scoped_batch *b, const struct ts_dns_addr *a,
			unsigned proto, const struct ts_port_piece *want, size_t n, uint64_t now_ms,
			const struct ts_dns_learned *l)
{
	struct ts_port_piece all[TS_DNS_SCOPED_MAX], out[2 * TS_DNS_SCOPED_MAX];
	memcpy(all, want, n * sizeof(*want));
	size_t had = present_pieces(l, a->addr, proto, now_ms, all + n, TS_DNS_SCOPED_MAX - n);
	qsort(all + n, had, sizeof(*all), piece_cmp); /* the table's order is its hash's */
	bool clash = false;
	for (size_t i = 0; i < n + had && !clash; i++)
		for (size_t j = i + 1; j < n + had && !clash; j++)
			clash = pieces_clash(&all[i], &all[j]);
	if (!clash) {
		for (size_t i = 0; i < n; i++)
			add_element(b, a, proto, &want[i], now_ms, l);
		return;
	}
	char ports[16];
	for (size_t i = n; i < n + had && b->n_removed < TS_DNS_SCOPED_MAX; i++) {
		element_cmd(b, a, proto, &all[i], false);
		piece_key(a->addr, proto, &all[i], b->removed[b->n_removed++], ports);
	}
	size_t m = ts_port_pieces_disjoint(all, n + had, out);
	for (size_t i = 0; i < m && b->n < TS_DNS_SCOPED_MAX; i++)
		element_cmd(b, a, proto, &out[i], true);
}

void ts_dns_scoped_batch_make(const struct ts_dns_scoped_domains *s, const char *name,
			      const struct ts_dns_addr *addrs, size_t n, time_t now,
			      uint64_t now_ms, const struct ts_dns_learned *l,
			      struct ts_dns_scoped_batch *b)
{
	const unsigned protos[] = { TS_PROTO_TCP, TS_PROTO_UDP };
	for (size_t j = 0; j < n; j++) {
		if (ts_dns_addr_repeated(addrs, j))
			continue;
		for (size_t p = 0; p < ARRAY_SIZE(protos); p++) {
			struct ts_port_piece want[TS_DNS_SCOPED_MAX];
			size_t m = 0;
			for (size_t i = 0; i < s->n && m < TS_DNS_SCOPED_MAX; i++) {
				const struct ts_scoped_domain *e = &s->items[i];
				if (e->proto != protos[p] || !ts_domain_matches(name, e->domain))
					continue;
				uint32_t t = element_timeout(e, addrs[j].ttl, now);
				if (t > 0 && !fixed_overlaps(s, &addrs[j], e))
					want[m++] = (struct ts_port_piece){ e->port_lo, e->port_hi, t };
			}
			if (m)
				learn_group(b, &addrs[j], protos[p], want, m, now_ms, l);
		}
	}
}

void ts_dns_scoped_batch_noted(const struct ts_dns_scoped_batch *b, struct ts_dns_learned *l,
			       uint64_t now_ms)
{
	for (size_t i = 0; i < b->n_removed; i++)
		ts_dns_learned_note(l, b->removed[i], now_ms, 0);
	for (size_t i = 0; i < b->n; i++)
		ts_dns_learned_note(l, b->added[i].key, now_ms, b->added[i].timeout);
}
