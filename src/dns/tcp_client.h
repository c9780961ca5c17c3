/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The forwarder's TCP clients (RFC 1035 4.2.2: each message after a
 * 2-byte length): a fixed table of slots, answers queued for clients that
 * read slowly, and the limits of dns.h (idle time, unread bytes).
 */
#ifndef TS_DNS_TCP_CLIENT_H
#define TS_DNS_TCP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tcp_client {
	int fd;           /* -1: free slot */
	unsigned gen;     /* tells a reused slot from the client a pending answer was for */
	bool dead;        /* to be closed after this round */
	uint8_t *in;      /* 2-byte length + message */
	size_t in_len;
	uint8_t *out;
	size_t out_len;
	double last_ms;
};

/* Accept one client from listen_fd into a free slot of clients[0..n) (none free: nothing). */
void tcp_client_accept(struct tcp_client *clients, size_t n, int listen_fd, double now_ms);

/* Send msg with its length, or queue what the socket does not take; a client owing too much is dead. */
void tcp_client_queue(struct tcp_client *c, const uint8_t *msg, size_t len);

/* Send what is queued. */
void tcp_client_flush(struct tcp_client *c);

void tcp_client_close(struct tcp_client *c);

/* Close dead and idle clients of clients[0..n); returns how many remain. */
size_t tcp_clients_sweep(struct tcp_client *clients, size_t n, double now_ms);

#endif
