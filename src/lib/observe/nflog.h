/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NFLOG messages (log prefixes and group 100: docs/ruleset.md; action
 * names: docs/cli.md, watch): one netlink message from an NFLOG socket
 * in, the shield's verdict and the packet's destination out. Pure: no I/O, no allocation; the socket
 * lives in nflog_reader.c. Everything in a message comes from the kernel,
 * but the packet inside was built by the container, so every length is
 * checked before it is used.
 *
 * The attribute walk is our own, not libmnl's (which the socket side
 * uses): a bad attribute length must reject the whole message, where
 * mnl_attr_parse stops early and keeps what it saw; headers are copied
 * out with memcpy, so the buffer needs no alignment (libmnl casts); and
 * every byte read is in code the fuzzer instruments.
 */
#ifndef TS_NFLOG_H
#define TS_NFLOG_H

#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"

enum ts_nflog_action {
	TS_NFLOG_OTHER,   /* no prefix of ours */
	TS_NFLOG_DENIED,  /* "TEROK_SHIELD_DENIED: "  -> "blocked_connection" */
	TS_NFLOG_ALLOWED, /* "TEROK_SHIELD_ALLOWED: " -> "allowed_connection" */
	TS_NFLOG_PRIVATE, /* "TEROK_SHIELD_PRIVATE: " -> "private_range" */
	TS_NFLOG_BYPASS,  /* "TEROK_SHIELD_BYPASS: "  -> "bypass_connection" */
	TS_NFLOG_QUEUED,  /* "TEROK_SHIELD_QUEUED: "  -> "queued_connection" */
	TS_NFLOG_BLOCKED, /* "TEROK_SHIELD_BLOCKED: " -> "blocked_connection" (the block ruleset) */
};

struct ts_nflog_event {
	enum ts_nflog_action action;
	int family;                /* AF_INET or AF_INET6 */
	char dest[TS_ADDR_STRLEN]; /* destination address, canonical text */
	uint8_t proto;             /* IP protocol number (after IPv6 extension headers) */
	uint16_t port;             /* destination port for TCP, UDP, UDP-Lite, SCTP, DCCP; else 0 */
	uint8_t icmp6_type;        /* ICMPv6 message type; 0 (reserved) for other protocols or
				    * when the ICMPv6 header was cut off */
};

/*
 * One netlink message as read from an NFLOG socket (struct nlmsghdr
 * included, len bytes; bytes after nlmsg_len are ignored). Returns 1 and
 * fills ev for an NFULNL_MSG_PACKET of ours with a parseable IPv4/IPv6
 * payload; 0 for anything else (other message types, unknown prefix,
 * truncated or malformed data), leaving ev untouched. Never reads outside
 * buf, never crashes; buf needs no particular alignment.
 *
 * A payload cut short by the copy range still yields an event as long as
 * the IP header is whole; the port is then 0 when the transport header
 * was cut off. Non-first fragments carry no transport header: port 0.
 */
int ts_nflog_parse(const void *buf, size_t len, struct ts_nflog_event *ev);

/* The watch action name ("blocked_connection", ...); "other" for TS_NFLOG_OTHER. */
const char *ts_nflog_action_name(enum ts_nflog_action a);

#endif
