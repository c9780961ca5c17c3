/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "base/addr.h"
#include "nft/nft_names.h"
#include "observe/nflog.h"

/* Why the walk is hand-rolled: nflog.h. */

static const struct {
	const char *prefix;
	enum ts_nflog_action action;
} prefixes[] = {
	{ TS_PREFIX_DENIED, TS_NFLOG_DENIED },   { TS_PREFIX_ALLOWED, TS_NFLOG_ALLOWED },
	{ TS_PREFIX_PRIVATE, TS_NFLOG_PRIVATE }, { TS_PREFIX_BYPASS, TS_NFLOG_BYPASS },
	{ TS_PREFIX_QUEUED, TS_NFLOG_QUEUED },   { TS_PREFIX_BLOCKED, TS_NFLOG_BLOCKED },
};

const char *ts_nflog_action_name(enum ts_nflog_action a)
{
	switch (a) {
	case TS_NFLOG_DENIED:
	case TS_NFLOG_BLOCKED:
		return "blocked_connection";
	case TS_NFLOG_ALLOWED:
		return "allowed_connection";
	case TS_NFLOG_PRIVATE:
		return "private_range";
	case TS_NFLOG_BYPASS:
		return "bypass_connection";
	case TS_NFLOG_QUEUED:
		return "queued_connection";
	case TS_NFLOG_OTHER:
		break;
	}
	return "other";
}

/* Packet fields are big-endian whatever the host. */
static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

struct nflog_attrs {
	const uint8_t *prefix, *payload;
	size_t prefix_len, payload_len;
};

/* The attributes after nfgenmsg; false for a malformed message (a length that does not fit). */
static bool walk_attrs(const uint8_t *p, size_t len, struct nflog_attrs *a)
{
	while (len > 0) {
		struct nlattr nla;
		if (len < NLA_HDRLEN)
			return false;
		memcpy(&nla, p, sizeof(nla));
		if (nla.nla_len < NLA_HDRLEN || nla.nla_len > len)
			return false;

		const uint8_t *data = p + NLA_HDRLEN;
		size_t data_len = nla.nla_len - NLA_HDRLEN;
		switch (nla.nla_type & NLA_TYPE_MASK) {
		case NFULA_PREFIX:
			/* Two prefixes would make the verdict ambiguous. */
			if (a->prefix)
				return false;
			a->prefix = data;
			a->prefix_len = data_len;
			break;
		case NFULA_PAYLOAD:
			if (a->payload)
				return false;
			a->payload = data;
			a->payload_len = data_len;
			break;
		default:
			break;
		}

		/* The last attribute's padding may be left off. */
		size_t step = NLA_ALIGN((size_t)nla.nla_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return true;
}

/* nft hands the prefix over as written, trailing space and NUL included. */
static enum ts_nflog_action match_prefix(const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (len == strlen(prefixes[i].prefix) + 1 && memcmp(data, prefixes[i].prefix, len) == 0)
			return prefixes[i].action;
	return TS_NFLOG_OTHER;
}

static bool has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_UDPLITE ||
	       proto == IPPROTO_SCTP || proto == IPPROTO_DCCP;
}

/* All five keep the destination port in bytes 2-3 of their header. */
static uint16_t dest_port(uint8_t proto, const uint8_t *l4, size_t avail)
{
	if (!has_ports(proto) || avail < 4)
		return 0;
	return get_be16(l4 + 2);
}

static void set_dest(struct ts_nflog_event *e, int family, const uint8_t *bytes)
{
	struct ts_addr a = { .family = family };
	a.prefix = ts_addr_max_prefix(&a);
	memcpy(a.bytes, bytes, family == AF_INET ? 4 : 16);
	ts_addr_format(&a, e->dest);
	e->family = family;
}

static bool parse_ipv4(const uint8_t *p, size_t len, struct ts_nflog_event *e)
{
	if (len < 20)
		return false;
	size_t ihl = (size_t)(p[0] & 0x0f) * 4;
	size_t total = get_be16(p + 2);
	/* 0: a GSO packet over 64 KiB (BIG TCP); only the captured length tells. */
	if (total == 0)
		total = len;
	if (ihl < 20 || ihl > len || total < ihl)
		return false;
	/* The copy range may have cut the packet short; bytes past total are padding. */
	size_t end = total < len ? total : len;

	set_dest(e, AF_INET, p + 16);
	e->proto = p[9];
	bool first_fragment = (get_be16(p + 6) & 0x1fff) == 0;
	e->port = first_fragment ? dest_port(e->proto, p + ihl, end - ihl) : 0;
	return true;
}

/*
 * Walk the extension headers that sit between the IPv6 header and the
 * transport (RFC 8200 4.1; AH per RFC 4302). ESP, "no next header" and
 * anything else end the walk as the protocol. A chain that runs past the
 * packet is malformed: the protocol would be a guess.
 */
static bool parse_ipv6(const uint8_t *p, size_t len, struct ts_nflog_event *e)
{
	if (len < 40)
		return false;
	size_t payload = get_be16(p + 4);
	/* 0: a jumbogram or BIG TCP; only the captured length tells. */
	size_t end = payload == 0 || 40 + payload > len ? len : 40 + payload;

	set_dest(e, AF_INET6, p + 24);
	uint8_t next = p[6];
	size_t off = 40;
	for (;;) {
		size_t hdr_len;
		if (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_DSTOPTS) {
			if (end - off < 8)
				return false;
			hdr_len = ((size_t)p[off + 1] + 1) * 8;
		} else if (next == IPPROTO_AH) {
			if (end - off < 8)
				return false;
			hdr_len = ((size_t)p[off + 1] + 2) * 4;
		} else if (next == IPPROTO_FRAGMENT) {
			if (end - off < 8)
				return false;
			/* A later fragment holds no transport header, only data. */
			if ((get_be16(p + off + 2) & 0xfff8) != 0) {
				e->proto = p[off];
				e->port = 0;
				return true;
			}
			hdr_len = 8;
		} else {
			break;
		}
		if (hdr_len > end - off)
			return false;
		next = p[off];
		off += hdr_len;
	}
	e->proto = next;
	e->port = dest_port(next, p + off, end - off);
	if (next == IPPROTO_ICMPV6 && end - off >= 1)
		e->icmp6_type = p[off];
	return true;
}

static bool parse_ip(const uint8_t *p, size_t len, struct ts_nflog_event *e)
{
	if (len < 1)
		return false;
	switch (p[0] >> 4) {
	case 4:
		return parse_ipv4(p, len, e);
	case 6:
		return parse_ipv6(p, len, e);
	default:
		return false;
	}
}

int ts_nflog_parse(const void *buf, size_t len, struct ts_nflog_event *ev)
{
	const uint8_t *p = buf;
	const size_t attrs_off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));
	struct nlmsghdr nlh;
	struct nfgenmsg nfg;

	if (!p || len < attrs_off)
		return 0;
	memcpy(&nlh, p, sizeof(nlh));
	if (nlh.nlmsg_len < attrs_off || nlh.nlmsg_len > len)
		return 0;
	if (nlh.nlmsg_type != ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET))
		return 0;
	memcpy(&nfg, p + NLMSG_HDRLEN, sizeof(nfg));
	if (nfg.version != NFNETLINK_V0)
		return 0;

	struct nflog_attrs a = { 0 };
	if (!walk_attrs(p + attrs_off, nlh.nlmsg_len - attrs_off, &a))
		return 0;
	if (!a.prefix || !a.payload)
		return 0;

	struct ts_nflog_event e = { .action = match_prefix(a.prefix, a.prefix_len) };
	if (e.action == TS_NFLOG_OTHER)
		return 0;
	if (!parse_ip(a.payload, a.payload_len, &e))
		return 0;
	/* The kernel names the packet's family too; a disagreement is not a packet of ours. */
	if ((nfg.nfgen_family == AF_INET || nfg.nfgen_family == AF_INET6) && nfg.nfgen_family != e.family)
		return 0;
	*ev = e;
	return 1;
}
