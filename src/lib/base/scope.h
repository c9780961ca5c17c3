/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Scoped and timed allows (docs/cli.md, docs/bundle.md): the operator's
 * --port, --proto and --for values, and the entries of live.scoped, one
 * address reachable on one protocol and a port range, until an absolute
 * time or for good; and the lines of the scoped domain files, the same with a
 * domain. Strict parsing; canonical text. Depends on libc, addr and domain.
 */
#ifndef TS_SCOPE_H
#define TS_SCOPE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "base/addr.h"
#include "base/domain.h"

struct ts_error;

#define TS_PROTO_TCP 1u
#define TS_PROTO_UDP 2u
/* Longest --for: a year, well inside what the kernel's element timeouts hold. */
#define TS_SCOPE_MAX_SECONDS (365L * 24 * 3600)

/* What an allow asks for: protocols, ports (0-65535: every port), a duration (0: for good). */
struct ts_scope {
	unsigned protos;
	uint16_t port_lo, port_hi;
	long seconds;
};

/* A plain allow: every port of TCP and UDP, for good. */
#define TS_SCOPE_WHOLE ((struct ts_scope){ TS_PROTO_TCP | TS_PROTO_UDP, 0, 65535, 0 })

/* "P" or "P-Q", each 1-65535, P <= Q. */
int ts_scope_parse_ports(const char *text, uint16_t *lo, uint16_t *hi, struct ts_error *err);
/* "tcp" or "udp". */
int ts_scope_parse_proto(const char *text, unsigned *proto, struct ts_error *err);
/* ^[0-9]+[smhd]$, 1 second up to TS_SCOPE_MAX_SECONDS. */
int ts_scope_parse_duration(const char *text, long *seconds, struct ts_error *err);

/* True when the scope asks for less than a plain allow (a port range or a duration). */
bool ts_scope_is_narrow(const struct ts_scope *s);

/* "port 443/tcp, for 30m", "ports 1000-2000/tcp+udp", "all ports, for 2s": for the audit. */
void ts_scope_describe(const struct ts_scope *s, char *out, size_t size);

/* Time left, "1h2m3s" ("0s" when none), followed by " left". */
void ts_scope_format_left(long seconds, char *out, size_t size);

/* One line of live.scoped: ADDR PROTO PORTS EXPIRES (docs/bundle.md). */
struct ts_scoped_entry {
	char addr[TS_ADDR_STRLEN]; /* canonical address or network */
	unsigned proto;            /* TS_PROTO_TCP or TS_PROTO_UDP */
	uint16_t port_lo, port_hi;
	time_t expires;            /* absolute (seconds since the epoch), 0: never */
};

/* Parse and check a line; the address comes out canonical. */
int ts_scoped_parse(const char *line, struct ts_scoped_entry *e, struct ts_error *err);

/* Enough for an entry's line. */
#define TS_SCOPED_LINE_LEN (TS_ADDR_STRLEN + 48)
/* The canonical line of an entry (no newline). */
void ts_scoped_format(const struct ts_scoped_entry *e, char out[TS_SCOPED_LINE_LEN]);

/* One line of live.scoped_domains or profile.scoped_domains: DOMAIN PROTO PORTS EXPIRES. */
struct ts_scoped_domain {
	char domain[TS_DOMAIN_BUFLEN]; /* normalised */
	unsigned proto;
	uint16_t port_lo, port_hi;
	time_t expires;
};

/* Parse and check a line; the domain comes out normalised. */
int ts_scoped_domain_parse(const char *line, struct ts_scoped_domain *e, struct ts_error *err);

#define TS_SCOPED_DOMAIN_LINE_LEN (TS_DOMAIN_BUFLEN + 48)
/* The canonical line of an entry (no newline). */
void ts_scoped_domain_format(const struct ts_scoped_domain *e,
			     char out[TS_SCOPED_DOMAIN_LINE_LEN]);

/* Same address, protocol and ports: a new allow of the one replaces the other. */
bool ts_scoped_same_key(const struct ts_scoped_entry *a, const struct ts_scoped_entry *b);

/* "tcp" or "udp". */
const char *ts_proto_name(unsigned proto);

/* Ports lo..hi (0-65535) of one address and protocol, living until end (greater: longer). */
struct ts_port_piece {
	uint32_t lo, hi;
	long long end;
};

/*
 * The kernel's concatenated interval sets take no two overlapping
 * elements: the disjoint pieces covering in[0..n), each living as long as
 * the longest piece covering it, neighbours of one end joined, in port
 * order. out holds 2n. Returns their number.
 */
size_t ts_port_pieces_disjoint(const struct ts_port_piece *in, size_t n,
			       struct ts_port_piece *out);

#endif
