/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv4/IPv6 addresses and CIDR networks: strict parsing and canonical
 * text (IPv6 compressed lowercase, host bits cleared, a full-length
 * prefix written as a bare address). Depends on libc only.
 */
#ifndef TS_ADDR_H
#define TS_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct ts_error;

/* Enough for "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128". */
#define TS_ADDR_STRLEN 64

struct ts_addr {
	int family;        /* AF_INET or AF_INET6 */
	uint8_t bytes[16]; /* network byte order; host bits cleared */
	unsigned prefix;   /* 0..32 or 0..128 */
};

/* Parse "ADDR" or "ADDR/PREFIX". Host bits are cleared. */
int ts_addr_parse(const char *text, struct ts_addr *out, struct ts_error *err);

/* Canonical text of a parsed address. */
void ts_addr_format(const struct ts_addr *a, char out[TS_ADDR_STRLEN]);

/* Parse and write the canonical text in one step. */
int ts_addr_canonicalize(const char *text, char out[TS_ADDR_STRLEN], struct ts_error *err);

static inline unsigned ts_addr_max_prefix(const struct ts_addr *a)
{
	return a->family == AF_INET6 ? 128 : 32;
}

/* true when a (all of it) lies inside net. Families must match. */
bool ts_addr_contains(const struct ts_addr *net, const struct ts_addr *a);

/* true when a and b share addresses: one lies inside the other. */
bool ts_addr_overlaps(const struct ts_addr *a, const struct ts_addr *b);

/* Inside one of the private ranges the shield rejects (docs/ruleset.md). */
bool ts_addr_is_private(const struct ts_addr *a);

/* A network wider than /16 (IPv4) or /48 (IPv6): worth an audit note. */
bool ts_addr_is_wide(const struct ts_addr *a);

/* The private ranges, canonical, in ruleset order. NULL-terminated. */
extern const char *const ts_private_ranges[];

#endif
