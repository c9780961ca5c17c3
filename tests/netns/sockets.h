/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sockets for the shielded suites (shielded.h): servers in either
 * namespace, connections from the container, and an open connection whose
 * data flow the tests check before and after a rule change. Every socket
 * is closed by the fixture's teardown, even after a failure.
 */
#ifndef TS_NETNS_SOCKETS_H
#define TS_NETNS_SOCKETS_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "shielded.h"

#define SHIELDED_QUIET_MS 700 /* long enough for a packet across a veth pair, many times over */

/* A socket (any protocol) made inside pid's network namespace. */
int shielded_socket(struct shielded *f, pid_t pid, int domain, int type, int protocol);
/* addr (IPv4 or IPv6) and port as a socket address; its length. Fails the test on a non-address. */
socklen_t shielded_sockaddr(const char *addr, uint16_t port, struct sockaddr_storage *ss);
/* A TCP server listening on addr:port inside pid's namespace (an IPv6 one is IPv6 only). */
int shielded_listen(struct shielded *f, pid_t pid, const char *addr, uint16_t port);
/*
 * Connect from the container: 0 or the errno it ended with (ETIMEDOUT: no
 * answer within timeout_ms). elapsed_ms and out (the socket) may be NULL.
 */
int shielded_connect(struct shielded *f, const char *addr, uint16_t port, int timeout_ms,
		     double *elapsed_ms, int *out);

/* An open connection from the container to a server of the world. */
struct shielded_conn {
	int client; /* the container's end */
	int server; /* the world's end */
};

/* Connect to addr:port and accept on listener (the server's socket). */
void shielded_open_conn(struct shielded *f, int listener, const char *addr, uint16_t port,
			struct shielded_conn *c);
/* Bytes that arrive on fd within ms (0 when none; -errno on an error). */
ssize_t shielded_arrives(int fd, int ms, char *buf, size_t size);
/* Data flows both ways on the connection. */
void shielded_assert_conn_carries(const struct shielded_conn *c, const char *when);
/*
 * The connection carries nothing any more, either way, and the container's
 * socket reports the refusal (admin-prohibited: EHOSTUNREACH).
 */
void shielded_assert_conn_cut(const struct shielded_conn *c, const char *when);

#endif
