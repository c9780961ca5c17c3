/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A shielded harness container (shielded.h) in the shield DNS tier,
 * strict: the hook runs as a runtime would, in a "runtime" namespace of
 * the test's own whose resolver is the recording fake upstream
 * (fake-upstream.h), so the forwarder it starts can reach no other
 * resolver. H_DOMAIN_ALLOWED is the profile's domain; any other name the
 * upstream answers with H_DOMAIN_OTHER_IP. Clients query the forwarder on
 * 127.0.0.1:53 from UDP sockets made inside the container's namespace.
 */
#ifndef TS_NETNS_SHIELDTIER_H
#define TS_NETNS_SHIELDTIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shielded.h"

struct shieldtier {
	pid_t runtime;      /* parked process holding the runtime namespace */
	pid_t upstream;     /* the fake upstream */
	char *upstream_log; /* every query it received: "NAME TYPE udp|tcp" */
};

/* The container, its bundle (interactive or not) and the hook's createRuntime. 0 on success. */
int shieldtier_setup(struct shielded *s, struct shieldtier *t, bool interactive);
/* Stop the forwarder, then everything shielded_teardown stops. */
void shieldtier_teardown(struct shielded *s, struct shieldtier *t);

/* How many queries of type A the upstream received for name. */
int shieldtier_upstream_count(const struct shieldtier *t, const char *name);

/* One query from the container: a UDP socket connected to the forwarder. */
struct dns_client {
	int fd;
	uint8_t q[300];
	size_t len;
};

/* Send a query of type A for name with id from a new socket (the caller closes c->fd). */
void dns_client_ask(struct shielded *s, struct dns_client *c, const char *name, uint16_t id);
/* The same datagram again from the same socket: a stub resolver's retransmission. */
void dns_client_resend(struct dns_client *c);
/* The answer's rcode (*answers: its answer count, optional) within timeout_ms, or -1. */
int dns_client_answer(struct dns_client *c, int timeout_ms, int *answers);

#endif
