/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Queries held for an operator's verdict (docs/interactive.md): in an
 * interactive container with the strict policy, a query for a name
 * nobody decided on waits here, without being forwarded, until the name
 * is allowed (then forwarded), denied or the wait runs out (then
 * refused). A client's retransmission of a held query (same client, id,
 * name and type) is not held twice: the one answer serves both. Bounded
 * in count and time, so a flood of names grows nothing.
 */
#ifndef TS_DNS_HOLD_H
#define TS_DNS_HOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pending.h"

/*
 * At most this many queries are held at once; more are refused at once,
 * unasked. Each keeps a copy of its query (at most a TCP message, 64 KiB).
 */
#define DNS_MAX_HELD 64
/*
 * The longest a query is held: below the 5 s a stub resolver (glibc,
 * musl, Go) waits for its first answer, so the client sees REFUSED rather
 * than a timeout, and its next lookup after an accept succeeds at once.
 */
#define DNS_HOLD_MS 4000

struct dns_held {
	struct pending *p; /* owned */
	uint8_t *msg;      /* the query as the client sent it: forwarded on release */
	size_t len;
	double since_ms;
};

struct dns_hold {
	struct dns_held q[DNS_MAX_HELD];
	size_t n;
};

enum dns_hold_result {
	DNS_HOLD_FIRST,  /* held, the first for its name: ask about it */
	DNS_HOLD_JOINED, /* held; its name was already asked about */
	DNS_HOLD_REPEAT, /* a retransmission of a held query: p was not taken */
	DNS_HOLD_FULL,   /* no room: p was not taken */
};

/* Hold p (taking it and a copy of msg) at now_ms. */
enum dns_hold_result dns_hold_add(struct dns_hold *h, struct pending *p, const uint8_t *msg,
				  size_t len, double now_ms);

/* Remove entry i into out (the caller owns out->p and out->msg). */
void dns_hold_take(struct dns_hold *h, size_t i, struct dns_held *out);

/* Whether entry i has waited its longest at now_ms. */
bool dns_hold_expired(const struct dns_hold *h, size_t i, double now_ms);

/* Milliseconds until the next entry expires (0: one has), or -1 when none is held. */
int dns_hold_next_ms(const struct dns_hold *h, double now_ms);

/* Free every entry. */
void dns_hold_clear(struct dns_hold *h);

#endif
