/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/util.h"
#include "dns.h"
#include "dns/dnsquery.h"
#include "tcp_client.h"

void tcp_client_accept(struct tcp_client *clients, size_t n, int listen_fd, double now_ms)
{
	for (size_t i = 0; i < n; i++) {
		struct tcp_client *c = &clients[i];
		if (c->fd >= 0)
			continue;
		int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		c->fd = fd;
		c->gen++;
		c->dead = false;
		c->in = ts_xmalloc(2 + TS_DNS_MSG_MAX);
		c->in_len = 0;
		c->last_ms = now_ms;
		return;
	}
}

void tcp_client_queue(struct tcp_client *c, const uint8_t *msg, size_t len)
{
	if (c->dead || c->out_len + 2 + len > DNS_TCP_OUT_MAX) {
		c->dead = true; /* a client that does not read its answers gets no more */
		return;
	}
	c->out = ts_xrealloc(c->out, c->out_len + 2 + len);
	c->out[c->out_len] = (uint8_t)(len >> 8);
	c->out[c->out_len + 1] = (uint8_t)len;
	memcpy(c->out + c->out_len + 2, msg, len);
	c->out_len += 2 + len;
	tcp_client_flush(c);
}

void tcp_client_flush(struct tcp_client *c)
{
	if (c->out_len == 0)
		return;
	ssize_t w = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w < 0 && errno != EAGAIN && errno != EINTR)
		c->dead = true;
	if (w > 0) {
		memmove(c->out, c->out + w, c->out_len - (size_t)w);
		c->out_len -= (size_t)w;
	}
}

void tcp_client_close(struct tcp_client *c)
{
	closep(&c->fd);
	c->fd = -1;
	free(c->in);
	free(c->out);
	c->in = c->out = NULL;
	c->in_len = c->out_len = 0;
}

size_t tcp_clients_sweep(struct tcp_client *clients, size_t n, double now_ms)
{
	size_t open = 0;
	for (size_t i = 0; i < n; i++) {
		struct tcp_client *c = &clients[i];
		if (c->fd < 0)
			continue;
		if (c->dead || now_ms - c->last_ms > DNS_TCP_IDLE_MS)
			tcp_client_close(c);
		else
			open++;
	}
	return open;
}
