/* SPDX-License-Identifier: Apache-2.0 */
/* The forwarder's held queries (src/dns/hold.h): retransmissions, the cap, the bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "hold.h"

/* A UDP query from 127.0.0.1:port (slot -1) or TCP slot/gen, for name. */
static struct pending *query(int slot, unsigned gen, uint16_t port, uint16_t id, const char *name,
			     uint16_t qtype)
{
	struct pending *p = calloc(1, sizeof(*p));
	p->slot = slot;
	p->gen = gen;
	if (slot < 0) {
		struct sockaddr_in *in = (struct sockaddr_in *)&p->peer;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		p->peer_len = sizeof(*in);
	}
	p->q.id = id;
	p->q.qtype = qtype;
	snprintf(p->q.name, sizeof(p->q.name), "%s", name);
	return p;
}

static const uint8_t msg[] = { 1, 2, 3, 4 };

static enum dns_hold_result add(struct dns_hold *h, struct pending *p, double now)
{
	enum dns_hold_result r = dns_hold_add(h, p, msg, sizeof(msg), now);
	if (r == DNS_HOLD_REPEAT || r == DNS_HOLD_FULL)
		free(p);
	return r;
}

static void test_repeats_and_names(void **state)
{
	(void)state;
	struct dns_hold h = { .n = 0 };
	assert_int_equal(add(&h, query(-1, 0, 5000, 7, "a.test", 1), 0), DNS_HOLD_FIRST);
	/* The same datagram again: a retransmission, not held twice. */
	assert_int_equal(add(&h, query(-1, 0, 5000, 7, "a.test", 1), 10), DNS_HOLD_REPEAT);
	/* Another type, id, client port or TCP client: held, the name already asked about. */
	assert_int_equal(add(&h, query(-1, 0, 5000, 7, "a.test", 28), 20), DNS_HOLD_JOINED);
	assert_int_equal(add(&h, query(-1, 0, 5000, 8, "a.test", 1), 20), DNS_HOLD_JOINED);
	assert_int_equal(add(&h, query(-1, 0, 5001, 7, "a.test", 1), 20), DNS_HOLD_JOINED);
	assert_int_equal(add(&h, query(3, 1, 0, 7, "a.test", 1), 20), DNS_HOLD_JOINED);
	assert_int_equal(add(&h, query(3, 1, 0, 7, "a.test", 1), 20), DNS_HOLD_REPEAT);
	/* A reused TCP slot is another client. */
	assert_int_equal(add(&h, query(3, 2, 0, 7, "a.test", 1), 20), DNS_HOLD_JOINED);
	assert_int_equal(add(&h, query(-1, 0, 5000, 7, "b.test", 1), 30), DNS_HOLD_FIRST);
	assert_int_equal(h.n, 7);
	/* Taken, its copy of the query comes along. */
	struct dns_held e;
	dns_hold_take(&h, 0, &e);
	assert_string_equal(e.p->q.name, "a.test");
	assert_memory_equal(e.msg, msg, sizeof(msg));
	free(e.p);
	free(e.msg);
	assert_int_equal(h.n, 6);
	dns_hold_clear(&h);
	assert_int_equal(h.n, 0);
}

static void test_cap(void **state)
{
	(void)state;
	struct dns_hold h = { .n = 0 };
	for (int i = 0; i < DNS_MAX_HELD; i++) {
		char name[32];
		snprintf(name, sizeof(name), "n%d.test", i);
		assert_int_equal(add(&h, query(-1, 0, 5000, (uint16_t)i, name, 1), 0), DNS_HOLD_FIRST);
	}
	assert_int_equal(add(&h, query(-1, 0, 5000, 999, "more.test", 1), 0), DNS_HOLD_FULL);
	/* A retransmission of a held one is still told apart when full. */
	assert_int_equal(add(&h, query(-1, 0, 5000, 0, "n0.test", 1), 0), DNS_HOLD_REPEAT);
	assert_int_equal(h.n, DNS_MAX_HELD);
	dns_hold_clear(&h);
}

static void test_bound(void **state)
{
	(void)state;
	struct dns_hold h = { .n = 0 };
	assert_int_equal(dns_hold_next_ms(&h, 0), -1);
	add(&h, query(-1, 0, 5000, 1, "a.test", 1), 1000);
	add(&h, query(-1, 0, 5000, 2, "b.test", 1), 3000);
	assert_false(dns_hold_expired(&h, 0, 1000 + DNS_HOLD_MS - 1));
	assert_true(dns_hold_expired(&h, 0, 1000 + DNS_HOLD_MS));
	assert_false(dns_hold_expired(&h, 1, 1000 + DNS_HOLD_MS));
	/* The first held expires first; the poll wakes no later than that. */
	int ms = dns_hold_next_ms(&h, 2000);
	assert_true(ms >= DNS_HOLD_MS - 1000 && ms <= DNS_HOLD_MS - 1000 + 1);
	assert_int_equal(dns_hold_next_ms(&h, 1000 + DNS_HOLD_MS + 5), 0);
	dns_hold_clear(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repeats_and_names),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
