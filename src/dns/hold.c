/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "hold.h"

static bool same_client(const struct pending *a, const struct pending *b)
{
	if (a->slot >= 0 || b->slot >= 0)
		return a->slot == b->slot && a->gen == b->gen;
	return a->peer_len == b->peer_len && memcmp(&a->peer, &b->peer, a->peer_len) == 0;
}

static bool same_query(const struct pending *a, const struct pending *b)
{
	return a->q.id == b->q.id && a->q.qtype == b->q.qtype && strcmp(a->q.name, b->q.name) == 0;
}

enum dns_hold_result dns_hold_add(struct dns_hold *h, struct pending *p, const uint8_t *msg,
				  size_t len, double now_ms)
{
	bool asked = false;
	for (size_t i = 0; i < h->n; i++) {
		if (same_client(h->q[i].p, p) && same_query(h->q[i].p, p))
			return DNS_HOLD_REPEAT;
		asked = asked || strcmp(h->q[i].p->q.name, p->q.name) == 0;
	}
	if (h->n == DNS_MAX_HELD)
		return DNS_HOLD_FULL;
	struct dns_held *e = &h->q[h->n++];
	e->p = p;
	e->msg = ts_xmalloc(len);
	memcpy(e->msg, msg, len);
	e->len = len;
	e->since_ms = now_ms;
	return asked ? DNS_HOLD_JOINED : DNS_HOLD_FIRST;
}

void dns_hold_take(struct dns_hold *h, size_t i, struct dns_held *out)
{
	*out = h->q[i];
	memmove(&h->q[i], &h->q[i + 1], (h->n - i - 1) * sizeof(h->q[0]));
	h->n--;
}

bool dns_hold_expired(const struct dns_hold *h, size_t i, double now_ms)
{
	return now_ms - h->q[i].since_ms >= DNS_HOLD_MS;
}

int dns_hold_next_ms(const struct dns_hold *h, double now_ms)
{
	/* Held in order of arrival: the first expires first. */
	if (h->n == 0)
		return -1;
	double left = h->q[0].since_ms + DNS_HOLD_MS - now_ms;
	return left <= 0 ? 0 : (int)left + 1;
}

void dns_hold_clear(struct dns_hold *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->q[i].p);
		free(h->q[i].msg);
	}
	h->n = 0;
}
