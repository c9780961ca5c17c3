/* SPDX-License-Identifier: Apache-2.0 */
/* One query of a client on its way through the forwarder (forward.c, hold.c). */
#ifndef TS_DNS_PENDING_H
#define TS_DNS_PENDING_H

#include <sys/socket.h>

#include "dns/dnspolicy.h"
#include "dns/dnsquery.h"

struct forwarder;

/* A query waiting for its answer: from upstream, or for a verdict (hold.h). */
struct pending {
	struct forwarder *f;
	int slot;                 /* TCP client slot, -1 for UDP */
	unsigned gen;
	struct sockaddr_storage peer;
	socklen_t peer_len;
	enum ts_dns_action action;
	struct ts_dns_question q;
	uint8_t head[TS_DNS_HEADER_LEN + TS_DOMAIN_BUFLEN + 8]; /* header and question, for local answers */
};

#endif
