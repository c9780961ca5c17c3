/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>

#include "harness.h"
#include "sockets.h"

int shielded_socket(struct shielded *f, pid_t pid, int domain, int type, int protocol)
{
	return shielded_keep(f, harness_socket_proto(&f->h, pid, domain, type, protocol));
}

socklen_t shielded_sockaddr(const char *addr, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(port);
		return sizeof(*in4);
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) != 1)
		fail_msg("not an address: %s", addr);
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	return sizeof(*in6);
}

int shielded_listen(struct shielded *f, pid_t pid, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = shielded_sockaddr(addr, port, &ss);
	int fd = shielded_socket(f, pid, ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* IPv6 only: the harness's own server may hold the IPv4 wildcard. */
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 16) < 0)
		fail_msg("listen on %s:%u: %s", addr, port, strerror(errno));
	return fd;
}

int shielded_connect(struct shielded *f, const char *addr, uint16_t port, int timeout_ms,
		     double *elapsed_ms, int *out)
{
	struct sockaddr_storage ss;
	socklen_t len = shielded_sockaddr(addr, port, &ss);
	int fd = shielded_socket(f, f->h.container, ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int result = harness_connect_socket(fd, (struct sockaddr *)&ss, len, timeout_ms, elapsed_ms);
	if (out)
		*out = fd;
	return result;
}

void shielded_open_conn(struct shielded *f, int listener, const char *addr, uint16_t port,
			struct shielded_conn *c)
{
	int r = shielded_connect(f, addr, port, 3000, NULL, &c->client);
	if (r != 0)
		fail_msg("connect %s:%u: %s", addr, port, strerror(r));
	struct pollfd p = { .fd = listener, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 3000), 1);
	c->server = shielded_keep(f, accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC));
}

ssize_t shielded_arrives(int fd, int ms, char *buf, size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, ms) <= 0)
		return 0;
	ssize_t n = recv(fd, buf, size, MSG_DONTWAIT);
	return n < 0 ? -errno : n;
}

void shielded_assert_conn_carries(const struct shielded_conn *c, const char *when)
{
	char buf[64];
	if (send(c->client, "ping", 4, MSG_NOSIGNAL) != 4)
		fail_msg("%s: send from the container: %s", when, strerror(errno));
	if (shielded_arrives(c->server, 3000, buf, sizeof(buf)) != 4)
		fail_msg("%s: the server did not receive the container's data", when);
	if (send(c->server, "pong", 4, MSG_NOSIGNAL) != 4)
		fail_msg("%s: send from the server: %s", when, strerror(errno));
	if (shielded_arrives(c->client, 3000, buf, sizeof(buf)) != 4)
		fail_msg("%s: the container did not receive the server's data", when);
}

void shielded_assert_conn_cut(const struct shielded_conn *c, const char *when)
{
	char buf[64];
	ssize_t n = shielded_arrives(c->client, SHIELDED_QUIET_MS, buf, sizeof(buf));
	if (n != 0)
		fail_msg("%s: data was pending before the checks (%zd)", when, n);
	if (send(c->server, "late", 4, MSG_NOSIGNAL) != 4)
		fail_msg("%s: send from the server: %s", when, strerror(errno));
	n = shielded_arrives(c->client, SHIELDED_QUIET_MS, buf, sizeof(buf));
	if (n != 0)
		fail_msg("%s: the container still received the server's data (%zd)", when, n);
	ssize_t sent = send(c->client, "more", 4, MSG_NOSIGNAL);
	n = shielded_arrives(c->server, SHIELDED_QUIET_MS, buf, sizeof(buf));
	if (n != 0)
		fail_msg("%s: the server still received the container's data (%zd)", when, n);
	int error = sent < 0 ? errno : 0;
	socklen_t len = sizeof(error);
	if (!error && getsockopt(c->client, SOL_SOCKET, SO_ERROR, &error, &len) < 0)
		error = errno;
	if (error != EHOSTUNREACH)
		fail_msg("%s: the container's socket reports %s, not the refusal (EHOSTUNREACH)", when,
			 error ? strerror(error) : "no error");
}
