/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The question of a DNS query as a client sends it (RFC 1035 4.1), read
 * by terok-shield-dns (docs/security.md) before anything is forwarded,
 * and the local answers it gives instead. Pure, libc only: every byte
 * comes from the container, so everything is checked and nothing is
 * trusted.
 */
#ifndef TS_DNSQUERY_H
#define TS_DNSQUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/domain.h"

#define TS_DNS_HEADER_LEN 12
/* The largest message the forwarder handles (a TCP message's 16-bit length). */
#define TS_DNS_MSG_MAX 65535

enum ts_dns_rcode {
	TS_DNS_NOERROR = 0,
	TS_DNS_FORMERR = 1,
	TS_DNS_SERVFAIL = 2,
	TS_DNS_NOTIMP = 4,
	TS_DNS_REFUSED = 5,
};

enum { TS_DNS_TYPE_A = 1, TS_DNS_TYPE_AAAA = 28, TS_DNS_CLASS_IN = 1 };

struct ts_dns_question {
	uint16_t id;
	char name[TS_DOMAIN_BUFLEN]; /* lower-case, no trailing dot; "" for the root */
	uint16_t qtype;
	uint16_t qclass;
	size_t end;                  /* offset just past the question section */
	size_t udp_size;             /* largest UDP answer the client takes: 512, or its EDNS size up to 4096 */
	bool edns;                   /* the client sent an EDNS OPT record */
	bool dnssec_ok;              /* ... with the DO bit */
};

/* The largest query ts_dnsquery_rebuild writes: header, a 253-character name, type, class, OPT. */
#define TS_DNS_QUERY_MAX (TS_DNS_HEADER_LEN + TS_DOMAIN_MAX + 2 + 4 + 11)

/*
 * Read the question of a query: a header with QR clear, opcode QUERY,
 * exactly one question and no answer or authority records; a name of
 * labels of 1-63 letters, digits, hyphens or underscores, no compression,
 * at most 253 characters; class IN; a type other than 0 and the zone
 * transfers. After the question the message ends, or holds one EDNS OPT
 * record (RFC 6891) that ends it: any other record or trailing byte is
 * FORMERR. The OPT raises udp_size. Returns 0, or the rcode to answer
 * with (FORMERR, NOTIMP, REFUSED); -1 when the message is too short to
 * answer at all.
 */
int ts_dnsquery_parse(const uint8_t *msg, size_t len, struct ts_dns_question *q);

/*
 * A local answer to the query in msg (at least its header; the question
 * is echoed when it was read, q->end > 0): header with QR, RD copied,
 * RA and rcode, no records. out must hold TS_DNS_HEADER_LEN + q->end
 * bytes. Returns its length.
 */
size_t ts_dnsquery_answer(const uint8_t *msg, const struct ts_dns_question *q,
			  enum ts_dns_rcode rcode, uint8_t *out);

/*
 * The query the forwarder sends upstream in place of the client's, read
 * by ts_dnsquery_parse into q: the client's id, RD and no other flag, the
 * question with its name lower-cased, and, when the client sent one, an
 * OPT holding only its UDP size and DO bit. Nothing else the client wrote
 * leaves the machine (EDNS options, flags, letter case). out holds
 * TS_DNS_QUERY_MAX bytes. Returns its length.
 */
size_t ts_dnsquery_rebuild(const uint8_t *msg, const struct ts_dns_question *q, uint8_t *out);

/* "A", "AAAA", or "TYPE<n>" (RFC 3597) into buf (at least 12 bytes). */
const char *ts_dns_type_name(uint16_t qtype, char *buf);

#endif
