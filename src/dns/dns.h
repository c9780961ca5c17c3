/* SPDX-License-Identifier: Apache-2.0 */
/* terok-shield-dns (doc/terok-shield-dns.8.scd): the parts of the program. */
#ifndef TS_DNS_PROGRAM_H
#define TS_DNS_PROGRAM_H

#include <stdbool.h>
#include <sys/types.h>

#include "dns/dnspolicy.h"

struct ts_error;
struct ts_nft;

/* Limits under a flood (docs/security.md). */
#define DNS_MAX_INFLIGHT 256
#define DNS_MAX_TCP_CLIENTS 32
/* A TCP client idle this long, or owing more than DNS_TCP_OUT_MAX unread bytes, is closed. */
#define DNS_TCP_IDLE_MS 10000
#define DNS_TCP_OUT_MAX (256 * 1024)

struct dns_options {
	pid_t pid;
	const char *state_dir;
	enum ts_dns_policy policy;
	bool query_log;
	int ready_fd; /* -1: none */
};

/* What setup made in the container's namespace, and the query log. */
struct dns_endpoints {
	int udp;             /* 127.0.0.1:53, UDP */
	int tcp;             /* 127.0.0.1:53, TCP, listening */
	int pidfd;           /* the container's init: readable when it exits */
	int log;             /* dnsmasq.log of the bundle, or -1 */
	int inotify;         /* a watch on the bundle (dns/dnsdomains.h), or -1 */
	bool ask;            /* strict in an interactive container: hold undecided names (hold.h) */
	struct ts_nft *nft;  /* bound to the container's namespace */
};

/*
 * Check the bundle and the container's identity (container.pid must name
 * pid, alive), create the listening sockets and the nft context inside
 * its network namespace and come back to ours, open the query log.
 */
int dns_setup(const struct dns_options *o, struct dns_endpoints *e, struct ts_error *err);
void dns_endpoints_close(struct dns_endpoints *e);

/* Keep only CAP_NET_ADMIN (for the sets), and no way to regain anything. */
int dns_drop_privileges(struct ts_error *err);

/* Serve until the container exits or a SIGTERM/SIGINT. */
int dns_serve(const struct dns_options *o, struct dns_endpoints *e, struct ts_error *err);

#endif
