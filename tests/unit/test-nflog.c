/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdint.h>

#include "base/util.h"
#include "nft/nft_names.h"
#include "observe/nflog.h"

/* ---- building messages by hand, the way the kernel lays them out ---- */

struct msg {
	uint8_t buf[8192];
	size_t len;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* nlmsghdr + nfgenmsg; attributes follow with msg_attr, then msg_end. */
static void msg_begin(struct msg *m, uint16_t type, uint8_t family)
{
	memset(m, 0, sizeof(*m));
	struct nlmsghdr nlh = { .nlmsg_type = type };
	struct nfgenmsg nfg = { .nfgen_family = family, .version = NFNETLINK_V0,
				.res_id = htons(TS_NFLOG_GROUP) };
	memcpy(m->buf, &nlh, sizeof(nlh));
	memcpy(m->buf + NLMSG_HDRLEN, &nfg, sizeof(nfg));
	m->len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nfg));
}

static void msg_attr(struct msg *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr nla = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type };
	assert_true(m->len + NLA_ALIGN(NLA_HDRLEN + len) <= sizeof(m->buf));
	memcpy(m->buf + m->len, &nla, sizeof(nla));
	memcpy(m->buf + m->len + NLA_HDRLEN, data, len);
	m->len += NLA_ALIGN(NLA_HDRLEN + len);
}

static void msg_end(struct msg *m)
{
	uint32_t len = (uint32_t)m->len;
	memcpy(m->buf, &len, sizeof(len)); /* nlmsg_len comes first */
}

/* What the kernel puts before the prefix: the hardware protocol and the hook. */
static void msg_packet_hdr(struct msg *m, int family)
{
	uint8_t hdr[4] = { 0 };
	put16(hdr, family == AF_INET ? 0x0800 : 0x86dd);
	hdr[2] = 3; /* NF_INET_LOCAL_OUT */
	msg_attr(m, NFULA_PACKET_HDR, hdr, sizeof(hdr));
}

/* A whole NFLOG packet message: prefix (NUL included) and payload. */
static void msg_packet(struct msg *m, int family, const char *prefix, const uint8_t *payload,
		       size_t payload_len)
{
	msg_begin(m, (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET, (uint8_t)family);
	msg_packet_hdr(m, family);
	msg_attr(m, NFULA_PREFIX, prefix, strlen(prefix) + 1);
	uint32_t mark = 0;
	msg_attr(m, NFULA_MARK, &mark, sizeof(mark));
	msg_attr(m, NFULA_PAYLOAD, payload, payload_len);
	msg_end(m);
}

/* An IPv4 header with ihl_words*4 bytes (options zero-filled), then an L4 header carrying port. */
static size_t ipv4_packet(uint8_t *p, const char *dst, uint8_t proto, uint16_t port,
			  unsigned ihl_words, uint16_t frag)
{
	size_t ihl = ihl_words * 4, total = ihl + 20;
	memset(p, 0, total);
	p[0] = (uint8_t)(0x40 | ihl_words);
	put16(p + 2, (uint16_t)total);
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	assert_int_equal(inet_pton(AF_INET, "192.0.2.100", p + 12), 1);
	assert_int_equal(inet_pton(AF_INET, dst, p + 16), 1);
	put16(p + ihl, 40000);
	put16(p + ihl + 2, port);
	return total;
}

/* An IPv6 header, the given extension headers (first_next names the first), then L4 carrying port. */
static size_t ipv6_packet(uint8_t *p, const char *dst, uint8_t first_next, const uint8_t *ext,
			  size_t ext_len, uint16_t port)
{
	size_t total = 40 + ext_len + 20;
	memset(p, 0, total);
	p[0] = 0x60;
	put16(p + 4, (uint16_t)(total - 40));
	p[6] = first_next;
	p[7] = 64;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::100", p + 8), 1);
	assert_int_equal(inet_pton(AF_INET6, dst, p + 24), 1);
	if (ext_len)
		memcpy(p + 40, ext, ext_len);
	put16(p + 40 + ext_len, 40000);
	put16(p + 40 + ext_len + 2, port);
	return total;
}

/* Parse from a heap copy of exactly len bytes, so ASan sees any read past the end. */
static int parse_exact(const void *data, size_t len, struct ts_nflog_event *ev)
{
	uint8_t *copy = malloc(len ? len : 1);
	assert_non_null(copy);
	memcpy(copy, data, len);
	int r = ts_nflog_parse(copy, len, ev);
	free(copy);
	return r;
}

static void expect_event(const struct msg *m, enum ts_nflog_action action, int family,
			 const char *dest, uint8_t proto, uint16_t port)
{
	struct ts_nflog_event ev;
	memset(&ev, 0xa5, sizeof(ev));
	assert_int_equal(parse_exact(m->buf, m->len, &ev), 1);
	assert_int_equal(ev.action, action);
	assert_int_equal(ev.family, family);
	assert_string_equal(ev.dest, dest);
	assert_int_equal(ev.proto, proto);
	assert_int_equal(ev.port, port);
	if (proto != IPPROTO_ICMPV6)
		assert_int_equal(ev.icmp6_type, 0);
}

static void expect_nothing(const struct msg *m)
{
	struct ts_nflog_event ev, untouched;
	memset(&ev, 0x5a, sizeof(ev));
	untouched = ev;
	assert_int_equal(parse_exact(m->buf, m->len, &ev), 0);
	assert_memory_equal(&ev, &untouched, sizeof(ev));
}

/* ---- tests ---- */

static void test_prefixes(void **state)
{
	(void)state;
	static const struct {
		const char *prefix;
		enum ts_nflog_action action;
		const char *name;
	} cases[] = {
		{ TS_PREFIX_DENIED, TS_NFLOG_DENIED, "blocked_connection" },
		{ TS_PREFIX_ALLOWED, TS_NFLOG_ALLOWED, "allowed_connection" },
		{ TS_PREFIX_PRIVATE, TS_NFLOG_PRIVATE, "private_range" },
		{ TS_PREFIX_BYPASS, TS_NFLOG_BYPASS, "bypass_connection" },
		{ TS_PREFIX_QUEUED, TS_NFLOG_QUEUED, "queued_connection" },
		{ TS_PREFIX_BLOCKED, TS_NFLOG_BLOCKED, "blocked_connection" },
	};
	uint8_t pkt[128];
	size_t n = ipv4_packet(pkt, "203.0.113.7", IPPROTO_TCP, 443, 5, 0);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct msg m;
		msg_packet(&m, AF_INET, cases[i].prefix, pkt, n);
		expect_event(&m, cases[i].action, AF_INET, "203.0.113.7", IPPROTO_TCP, 443);
		assert_string_equal(ts_nflog_action_name(cases[i].action), cases[i].name);
	}
	assert_string_equal(ts_nflog_action_name(TS_NFLOG_OTHER), "other");
	assert_string_equal(ts_nflog_action_name((enum ts_nflog_action)99), "other");
}

static void test_foreign_prefixes(void **state)
{
	(void)state;
	uint8_t pkt[128];
	size_t n = ipv4_packet(pkt, "203.0.113.7", IPPROTO_TCP, 443, 5, 0);
	const char *foreign[] = {
		"", "TEROK_SHIELD_DENIED:", "TEROK_SHIELD_DENIED:  ", "terok_shield_denied: ",
		"TEROK_SHIELD_DENIED: x", "XTEROK_SHIELD_DENIED: ", "TEROK_SHIELD_", "OTHER: ",
	};
	for (size_t i = 0; i < ARRAY_SIZE(foreign); i++) {
		struct msg m;
		msg_packet(&m, AF_INET, foreign[i], pkt, n);
		expect_nothing(&m);
	}

	/* The prefix without its NUL, and with bytes after the NUL. */
	struct msg m;
	msg_begin(&m, (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET, AF_INET);
	msg_attr(&m, NFULA_PREFIX, TS_PREFIX_DENIED, strlen(TS_PREFIX_DENIED));
	msg_attr(&m, NFULA_PAYLOAD, pkt, n);
	msg_end(&m);
	expect_nothing(&m);

	char trailing[64];
	memcpy(trailing, TS_PREFIX_DENIED "\0junk", sizeof(TS_PREFIX_DENIED) + 5);
	msg_begin(&m, (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET, AF_INET);
	msg_attr(&m, NFULA_PREFIX, trailing, sizeof(TS_PREFIX_DENIED) + 5);
	msg_attr(&m, NFULA_PAYLOAD, pkt, n);
	msg_end(&m);
	expect_nothing(&m);
}

static void test_ipv4_protocols(void **state)
{
	(void)state;
	uint8_t pkt[128];
	struct msg m;
	static const struct {
		uint8_t proto;
		uint16_t want_port;
	} cases[] = {
		{ IPPROTO_TCP, 8443 },  { IPPROTO_UDP, 8443 }, { IPPROTO_UDPLITE, 8443 },
		{ IPPROTO_SCTP, 8443 }, { IPPROTO_DCCP, 8443 }, { IPPROTO_ICMP, 0 },
		{ IPPROTO_GRE, 0 },     { IPPROTO_RAW, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t n = ipv4_packet(pkt, "198.51.100.9", cases[i].proto, 8443, 5, 0);
		msg_packet(&m, AF_INET, TS_PREFIX_DENIED, pkt, n);
		expect_event(&m, TS_NFLOG_DENIED, AF_INET, "198.51.100.9", cases[i].proto,
			     cases[i].want_port);
	}
}

static void test_ipv4_options(void **state)
{
	(void)state;
	uint8_t pkt[128];
	struct msg m;
	/* IHL 15: 40 bytes of options before the UDP header. */
	size_t n = ipv4_packet(pkt, "192.0.2.7", IPPROTO_UDP, 53, 15, 0);
	pkt[20] = 0x94; /* router alert, so the option bytes are not all zero */
	pkt[21] = 4;
	msg_packet(&m, AF_INET, TS_PREFIX_ALLOWED, pkt, n);
	expect_event(&m, TS_NFLOG_ALLOWED, AF_INET, "192.0.2.7", IPPROTO_UDP, 53);

	/* IHL below 5 and IHL past the captured bytes are malformed. */
	for (unsigned ihl = 0; ihl < 5; ihl++) {
		n = ipv4_packet(pkt, "192.0.2.7", IPPROTO_UDP, 53, 5, 0);
		pkt[0] = (uint8_t)(0x40 | ihl);
		msg_packet(&m, AF_INET, TS_PREFIX_DENIED, pkt, n);
		expect_nothing(&m);
	}
	n = ipv4_packet(pkt, "192.0.2.7", IPPROTO_UDP, 53, 15, 0);
	msg_packet(&m, AF_INET, TS_PREFIX_DENIED, pkt, 59);
	expect_nothing(&m);
}

static void test_ipv4_fragments(void **state)
{
	(void)state;
	uint8_t pkt[128];
	struct msg m;
	/* First fragment (MF set, offset 0): the UDP header is there. */
	size_t n = ipv4_packet(pkt, "192.0.2.8", IPPROTO_UDP, 9999, 5, 0x2000);
	msg_packet(&m, AF_INET, TS_PREFIX_DENIED, pkt, n);
	expect_event(&m, TS_NFLOG_DENIED, AF_INET, "192.0.2.8", IPPROTO_UDP, 9999);
	/* DF alone is no fragment. */
	n = ipv4_packet(pkt, "192.0.2.8", IPPROTO_UDP, 9999, 5, 0x4000);
	msg_packet(&m, AF_INET, TS_PREFIX_DENIED, pkt, n);
	expect_event(&m, TS_NFLOG_DENIED, AF_INET, "192.0.2.8", IPPROTO_UDP, 9999);
	/* Later fragments, with or without MF: the bytes where a port would be are data. */
	static const uint16_t later[] = { 0x2001, 0x00b9, 0x1fff, 0x3000 };
	for (size_t i = 0; i < ARRAY_SIZE(later); i++) {
		n = ipv4_packet(pkt, "192.0.2.8", IPPROTO_UDP, 9999, 5, later[i]);
		msg_packet(&m, AF_INET, TS_PREFIX_DENIED, pkt, n);
		expect_event(&m, TS_NFLOG_DENIED, AF_INET, "192.0.2.8", IPPROTO_UDP, 0);
	}
}

static void test_ipv4_lengths(void **state)
{
	(void)state;
	uint8_t pkt[128];
	struct msg m;
	size_t n = ipv4_packet(pkt, "192.0.2.9", IPPROTO_TCP, 22, 5, 0);

	/* Cut by the copy range after the ports: total length says more, the port is still there. */
	msg_packet(&m, AF_INET, TS_PREFIX_DENIED, pkt, 24);
	expect_event(&m, TS_NFLOG_DENIED, AF_INET, "192.0.2.9", IPPROTO_TCP, 22);
	/* Cut inside the port: still an event, port unknown. */
	msg_packet(&m, AF_INET, TS_PREFIX_DENIED, pkt, 23);
	expect_event(&m, TS_NFLOG_DENIED, AF_INET, "192.0.2.9", IPPROTO_TCP, 0);
	/* Bytes past the total length are padding, not a transport header. */
	put16(pkt + 2, 22);
	msg_packet(&m, AF_INET, TS_PREFIX_DENIED, pkt, n);
	expect_event(&m, TS_NFLOG_DENIED, AF_INET, "192.0.2.9", IPPROTO_TCP, 0);
	/* A total length shorter than the header is malformed. */
	put16(pkt + 2, 19);
	msg_packet(&m, AF_INET, TS_PREFIX_DENIED, pkt, n);
	expect_nothing(&m);
	/* 0 (BIG TCP GSO): go by the captured length. */
	put16(pkt + 2, 0);
	msg_packet(&m, AF_INET, TS_PREFIX_DENIED, pkt, n);
	expect_event(&m, TS_NFLOG_DENIED, AF_INET, "192.0.2.9", IPPROTO_TCP, 22);
}

static void test_ip_version(void **state)
{
	(void)state;
	uint8_t pkt[128];
	struct msg m;
	size_t n = ipv4_packet(pkt, "192.0.2.9", IPPROTO_TCP, 22, 5, 0);
	static const uint8_t bad[] = { 0x05, 0x55, 0x75, 0xf5 };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		pkt[0] = bad[i];
		msg_packet(&m, AF_UNSPEC, TS_PREFIX_DENIED, pkt, n);
		expect_nothing(&m);
	}
	/* An empty payload. */
	msg_packet(&m, AF_INET, TS_PREFIX_DENIED, pkt, 0);
	expect_nothing(&m);
}

static void test_ipv6_protocols(void **state)
{
	(void)state;
	uint8_t pkt[256];
	struct msg m;
	size_t n = ipv6_packet(pkt, "2001:DB8:0:0::7", IPPROTO_TCP, NULL, 0, 443);
	msg_packet(&m, AF_INET6, TS_PREFIX_DENIED, pkt, n);
	expect_event(&m, TS_NFLOG_DENIED, AF_INET6, "2001:db8::7", IPPROTO_TCP, 443);

	n = ipv6_packet(pkt, "2606:50c0::1", IPPROTO_UDP, NULL, 0, 53);
	msg_packet(&m, AF_INET6, TS_PREFIX_ALLOWED, pkt, n);
	expect_event(&m, TS_NFLOG_ALLOWED, AF_INET6, "2606:50c0::1", IPPROTO_UDP, 53);

	n = ipv6_packet(pkt, "fe80::1", IPPROTO_ICMPV6, NULL, 0, 1234);
	msg_packet(&m, AF_INET6, TS_PREFIX_PRIVATE, pkt, n);
	expect_event(&m, TS_NFLOG_PRIVATE, AF_INET6, "fe80::1", IPPROTO_ICMPV6, 0);

	/* "No next header" and ESP end the walk. */
	n = ipv6_packet(pkt, "2001:db8::7", IPPROTO_NONE, NULL, 0, 443);
	msg_packet(&m, AF_INET6, TS_PREFIX_DENIED, pkt, n);
	expect_event(&m, TS_NFLOG_DENIED, AF_INET6, "2001:db8::7", IPPROTO_NONE, 0);
	n = ipv6_packet(pkt, "2001:db8::7", IPPROTO_ESP, NULL, 0, 443);
	msg_packet(&m, AF_INET6, TS_PREFIX_DENIED, pkt, n);
	expect_event(&m, TS_NFLOG_DENIED, AF_INET6, "2001:db8::7", IPPROTO_ESP, 0);

	/* An IPv4-mapped destination is written the canonical way. */
	n = ipv6_packet(pkt, "::ffff:192.0.2.1", IPPROTO_TCP, NULL, 0, 80);
	msg_packet(&m, AF_INET6, TS_PREFIX_DENIED, pkt, n);
	expect_event(&m, TS_NFLOG_DENIED, AF_INET6, "::ffff:192.0.2.1", IPPROTO_TCP, 80);
}

/* The ICMPv6 type, after extension headers too; 0 when its byte was not captured. */
static void test_icmp6_type(void **state)
{
	(void)state;
	uint8_t pkt[256];
	struct msg m;
	struct ts_nflog_event ev;
	size_t n = ipv6_packet(pkt, "fe80::1", IPPROTO_ICMPV6, NULL, 0, 0);
	pkt[40] = 135; /* neighbour solicitation */
	msg_packet(&m, AF_INET6, TS_PREFIX_PRIVATE, pkt, n);
	assert_int_equal(parse_exact(m.buf, m.len, &ev), 1);
	assert_int_equal(ev.icmp6_type, 135);
	/* Cut right after the IPv6 header: no type. */
	msg_packet(&m, AF_INET6, TS_PREFIX_PRIVATE, pkt, 40);
	assert_int_equal(parse_exact(m.buf, m.len, &ev), 1);
	assert_int_equal(ev.proto, IPPROTO_ICMPV6);
	assert_int_equal(ev.icmp6_type, 0);
	/* Behind a destination-options header. */
	const uint8_t dstopts[] = { IPPROTO_ICMPV6, 0, 1, 4, 0, 0, 0, 0 };
	n = ipv6_packet(pkt, "fe80::1", IPPROTO_DSTOPTS, dstopts, sizeof(dstopts), 0);
	pkt[40 + sizeof(dstopts)] = 136;
	msg_packet(&m, AF_INET6, TS_PREFIX_PRIVATE, pkt, n);
	assert_int_equal(parse_exact(m.buf, m.len, &ev), 1);
	assert_int_equal(ev.icmp6_type, 136);
	/* Not ICMPv6: 0 whatever the first transport byte. */
	n = ipv6_packet(pkt, "fe80::1", IPPROTO_UDP, NULL, 0, 0);
	pkt[40] = 135;
	msg_packet(&m, AF_INET6, TS_PREFIX_PRIVATE, pkt, n);
	assert_int_equal(parse_exact(m.buf, m.len, &ev), 1);
	assert_int_equal(ev.icmp6_type, 0);
	n = ipv4_packet(pkt, "10.0.0.1", IPPROTO_ICMP, 0, 5, 0);
	pkt[20] = 135;
	msg_packet(&m, AF_INET, TS_PREFIX_PRIVATE, pkt, n);
	assert_int_equal(parse_exact(m.buf, m.len, &ev), 1);
	assert_int_equal(ev.icmp6_type, 0);
}

static void test_ipv6_extension_headers(void **state)
{
	(void)state;
	uint8_t pkt[512];
	struct msg m;

	/* Hop-by-hop (8 bytes, router alert) then fragment (first, MF) then UDP. */
	const uint8_t hbh_frag[] = {
		IPPROTO_FRAGMENT, 0, 5, 2, 0, 0, 1, 0,   /* HBH: next, len 0, RA option, PadN */
		IPPROTO_UDP, 0, 0x00, 0x01, 0, 0, 0, 42, /* fragment: offset 0, M=1 */
	};
	size_t n = ipv6_packet(pkt, "2001:db8::5", IPPROTO_HOPOPTS, hbh_frag, sizeof(hbh_frag), 5353);
	msg_packet(&m, AF_INET6, TS_PREFIX_DENIED, pkt, n);
	expect_event(&m, TS_NFLOG_DENIED, AF_INET6, "2001:db8::5", IPPROTO_UDP, 5353);

	/* The same but a later fragment: no port. */
	uint8_t later[sizeof(hbh_frag)];
	memcpy(later, hbh_frag, sizeof(later));
	later[10] = 0x05;
	later[11] = 0xa8; /* offset 181 * 8 */
	n = ipv6_packet(pkt, "2001:db8::5", IPPROTO_HOPOPTS, later, sizeof(later), 5353);
	msg_packet(&m, AF_INET6, TS_PREFIX_DENIED, pkt, n);
	expect_event(&m, TS_NFLOG_DENIED, AF_INET6, "2001:db8::5", IPPROTO_UDP, 0);

	/* Hop-by-hop, routing (24 bytes), destination options, AH (16 bytes), then TCP. */
	uint8_t chain[8 + 24 + 8 + 16] = { 0 };
	chain[0] = IPPROTO_ROUTING;
	chain[8] = IPPROTO_DSTOPTS;
	chain[9] = 2;
	chain[32] = IPPROTO_AH;
	chain[40] = IPPROTO_TCP;
	chain[41] = 2; /* (2 + 2) * 4 = 16 bytes */
	n = ipv6_packet(pkt, "2001:db8::6", IPPROTO_HOPOPTS, chain, sizeof(chain), 993);
	msg_packet(&m, AF_INET6, TS_PREFIX_BYPASS, pkt, n);
	expect_event(&m, TS_NFLOG_BYPASS, AF_INET6, "2001:db8::6", IPPROTO_TCP, 993);

	/* An extension header whose length runs past the packet. */
	uint8_t runaway[8] = { IPPROTO_TCP, 10 };
	n = ipv6_packet(pkt, "2001:db8::6", IPPROTO_DSTOPTS, runaway, sizeof(runaway), 993);
	msg_packet(&m, AF_INET6, TS_PREFIX_DENIED, pkt, n);
	expect_nothing(&m);

	/* A chain of 40 hop-by-hop headers is walked and bounded by the packet. */
	uint8_t many[40 * 8] = { 0 };
	for (size_t i = 0; i < 40; i++)
		many[i * 8] = i == 39 ? IPPROTO_SCTP : IPPROTO_DSTOPTS;
	n = ipv6_packet(pkt, "2001:db8::6", IPPROTO_DSTOPTS, many, sizeof(many), 36412);
	msg_packet(&m, AF_INET6, TS_PREFIX_QUEUED, pkt, n);
	expect_event(&m, TS_NFLOG_QUEUED, AF_INET6, "2001:db8::6", IPPROTO_SCTP, 36412);

	/* Payload length 0 (jumbogram): the captured bytes decide. */
	n = ipv6_packet(pkt, "2001:db8::6", IPPROTO_TCP, NULL, 0, 80);
	put16(pkt + 4, 0);
	msg_packet(&m, AF_INET6, TS_PREFIX_DENIED, pkt, n);
	expect_event(&m, TS_NFLOG_DENIED, AF_INET6, "2001:db8::6", IPPROTO_TCP, 80);
	/* A payload length shorter than the capture hides the extra bytes. */
	put16(pkt + 4, 3);
	msg_packet(&m, AF_INET6, TS_PREFIX_DENIED, pkt, n);
	expect_event(&m, TS_NFLOG_DENIED, AF_INET6, "2001:db8::6", IPPROTO_TCP, 0);
}

/*
 * Every prefix length of every payload, and every prefix of the whole
 * message: never a read past the end (ASan), an event exactly when the IP
 * header chain is whole.
 */
static void test_truncation(void **state)
{
	(void)state;
	uint8_t v4[128], v4opt[128], v6[512];
	const uint8_t ext[] = { IPPROTO_FRAGMENT, 0, 1, 4, 0, 0, 0, 0, IPPROTO_TCP, 0, 0, 0, 0, 0, 0, 1 };
	const struct {
		const uint8_t *pkt;
		size_t len, l3_len;
		int family;
	} cases[] = {
		{ v4, ipv4_packet(v4, "192.0.2.1", IPPROTO_UDP, 53, 5, 0), 20, AF_INET },
		{ v4opt, ipv4_packet(v4opt, "192.0.2.1", IPPROTO_TCP, 53, 9, 0), 36, AF_INET },
		{ v6, ipv6_packet(v6, "2001:db8::1", IPPROTO_HOPOPTS, ext, sizeof(ext), 53), 56, AF_INET6 },
	};
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		for (size_t cut = 0; cut <= cases[c].len; cut++) {
			struct msg m;
			struct ts_nflog_event ev;
			msg_packet(&m, cases[c].family, TS_PREFIX_DENIED, cases[c].pkt, cut);
			int r = parse_exact(m.buf, m.len, &ev);
			if (r != (cut >= cases[c].l3_len))
				fail_msg("case %zu cut at %zu: got %d", c, cut, r);
			if (r == 1)
				assert_int_equal(ev.port, cut >= cases[c].l3_len + 4 ? 53 : 0);
		}
		struct msg whole;
		msg_packet(&whole, cases[c].family, TS_PREFIX_DENIED, cases[c].pkt, cases[c].len);
		for (size_t len = 0; len < whole.len; len++) {
			struct ts_nflog_event ev;
			if (parse_exact(whole.buf, len, &ev) != 0)
				fail_msg("case %zu: message cut at %zu of %zu accepted", c, len, whole.len);
		}
		struct ts_nflog_event ev;
		assert_int_equal(parse_exact(whole.buf, whole.len, &ev), 1);
	}
}

static void test_message_types(void **state)
{
	(void)state;
	uint8_t pkt[128];
	size_t n = ipv4_packet(pkt, "192.0.2.1", IPPROTO_UDP, 53, 5, 0);
	static const uint16_t types[] = {
		(NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG, (NFNL_SUBSYS_QUEUE << 8) | 0,
		NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, 0,
	};
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		struct msg m;
		msg_packet(&m, AF_INET, TS_PREFIX_DENIED, pkt, n);
		memcpy(m.buf + offsetof(struct nlmsghdr, nlmsg_type), &types[i], sizeof(types[i]));
		expect_nothing(&m);
	}
	/* An nfnetlink version we do not know. */
	struct msg m;
	msg_packet(&m, AF_INET, TS_PREFIX_DENIED, pkt, n);
	m.buf[NLMSG_HDRLEN + 1] = 1;
	expect_nothing(&m);
	/* The kernel's family and the packet's disagree. */
	msg_packet(&m, AF_INET6, TS_PREFIX_DENIED, pkt, n);
	expect_nothing(&m);
	/* No family in the header: the packet decides. */
	msg_packet(&m, AF_UNSPEC, TS_PREFIX_DENIED, pkt, n);
	expect_event(&m, TS_NFLOG_DENIED, AF_INET, "192.0.2.1", IPPROTO_UDP, 53);
	/* NULL buffer. */
	struct ts_nflog_event ev;
	assert_int_equal(ts_nflog_parse(NULL, 100, &ev), 0);
}

static void test_missing_attributes(void **state)
{
	(void)state;
	uint8_t pkt[128];
	size_t n = ipv4_packet(pkt, "192.0.2.1", IPPROTO_UDP, 53, 5, 0);
	const uint16_t ulog_packet = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET;
	struct msg m;

	msg_begin(&m, ulog_packet, AF_INET);
	msg_packet_hdr(&m, AF_INET);
	msg_attr(&m, NFULA_PAYLOAD, pkt, n);
	msg_end(&m);
	expect_nothing(&m);

	msg_begin(&m, ulog_packet, AF_INET);
	msg_packet_hdr(&m, AF_INET);
	msg_attr(&m, NFULA_PREFIX, TS_PREFIX_DENIED, sizeof(TS_PREFIX_DENIED));
	msg_end(&m);
	expect_nothing(&m);

	msg_begin(&m, ulog_packet, AF_INET);
	msg_end(&m);
	expect_nothing(&m);

	/* Two prefixes or two payloads: which one would be the truth? */
	msg_begin(&m, ulog_packet, AF_INET);
	msg_attr(&m, NFULA_PREFIX, TS_PREFIX_ALLOWED, sizeof(TS_PREFIX_ALLOWED));
	msg_attr(&m, NFULA_PREFIX, TS_PREFIX_DENIED, sizeof(TS_PREFIX_DENIED));
	msg_attr(&m, NFULA_PAYLOAD, pkt, n);
	msg_end(&m);
	expect_nothing(&m);
	msg_begin(&m, ulog_packet, AF_INET);
	msg_attr(&m, NFULA_PREFIX, TS_PREFIX_DENIED, sizeof(TS_PREFIX_DENIED));
	msg_attr(&m, NFULA_PAYLOAD, pkt, n);
	msg_attr(&m, NFULA_PAYLOAD, pkt, n);
	msg_end(&m);
	expect_nothing(&m);

	/* Attribute order does not matter; flag bits in the type are masked. */
	msg_begin(&m, ulog_packet, AF_INET);
	msg_attr(&m, NFULA_PAYLOAD | NLA_F_NET_BYTEORDER, pkt, n);
	msg_attr(&m, NFULA_PREFIX, TS_PREFIX_DENIED, sizeof(TS_PREFIX_DENIED));
	msg_end(&m);
	expect_event(&m, TS_NFLOG_DENIED, AF_INET, "192.0.2.1", IPPROTO_UDP, 53);
}

static void set_u16(struct msg *m, size_t off, uint16_t v)
{
	memcpy(m->buf + off, &v, sizeof(v));
}

static void set_nlmsg_len(struct msg *m, uint32_t v)
{
	memcpy(m->buf, &v, sizeof(v));
}

static void test_bogus_lengths(void **state)
{
	(void)state;
	uint8_t pkt[128];
	size_t n = ipv4_packet(pkt, "192.0.2.1", IPPROTO_UDP, 53, 5, 0);
	struct msg m;
	const size_t first_attr = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct nfgenmsg));

	/* nla_len 0..3 (would loop or underflow), and past the message. */
	static const uint16_t bad_attr_len[] = { 0, 1, 2, 3, 0xffff, 9 };
	for (size_t i = 0; i < ARRAY_SIZE(bad_attr_len); i++) {
		msg_packet(&m, AF_INET, TS_PREFIX_DENIED, pkt, n);
		if (bad_attr_len[i] == 9) {
			/* The payload (last) attribute claims one byte more than the message holds. */
			size_t payload_off = m.len - NLA_ALIGN(NLA_HDRLEN + n);
			set_u16(&m, payload_off, (uint16_t)(m.len - payload_off + 1));
		} else {
			set_u16(&m, first_attr, bad_attr_len[i]);
		}
		expect_nothing(&m);
	}

	/* nlmsg_len larger than the buffer, smaller than the headers, 0. */
	static const uint32_t bad_nlmsg_len[] = { 0, 1, 16, 19, 0xffffffff };
	for (size_t i = 0; i < ARRAY_SIZE(bad_nlmsg_len); i++) {
		msg_packet(&m, AF_INET, TS_PREFIX_DENIED, pkt, n);
		set_nlmsg_len(&m, bad_nlmsg_len[i]);
		expect_nothing(&m);
	}
	msg_packet(&m, AF_INET, TS_PREFIX_DENIED, pkt, n);
	set_nlmsg_len(&m, (uint32_t)m.len + 1);
	expect_nothing(&m);

	/* 1-3 stray bytes after the last attribute are no attribute. */
	for (size_t extra = 1; extra < 4; extra++) {
		msg_packet(&m, AF_INET, TS_PREFIX_DENIED, pkt, n);
		m.len = NLA_ALIGN(m.len) + extra;
		msg_end(&m);
		expect_nothing(&m);
	}

	/* nlmsg_len shorter than the buffer: what follows (the next message) is not read. */
	msg_packet(&m, AF_INET, TS_PREFIX_DENIED, pkt, n);
	size_t one = m.len;
	memset(m.buf + one, 0xff, 64);
	m.len = one + 64;
	expect_event(&m, TS_NFLOG_DENIED, AF_INET, "192.0.2.1", IPPROTO_UDP, 53);

	/* The final attribute's padding left off: still whole. */
	uint8_t odd[128] = { 0 };
	size_t odd_len = ipv4_packet(odd, "192.0.2.1", IPPROTO_UDP, 53, 5, 0) + 1;
	put16(odd + 2, (uint16_t)odd_len);
	msg_packet(&m, AF_INET, TS_PREFIX_DENIED, odd, odd_len);
	m.len -= NLA_ALIGN(NLA_HDRLEN + odd_len) - (NLA_HDRLEN + odd_len);
	msg_end(&m);
	expect_event(&m, TS_NFLOG_DENIED, AF_INET, "192.0.2.1", IPPROTO_UDP, 53);
}

/* The buffer needs no alignment. */
static void test_unaligned(void **state)
{
	(void)state;
	uint8_t pkt[128];
	size_t n = ipv4_packet(pkt, "192.0.2.1", IPPROTO_TCP, 80, 5, 0);
	struct msg m;
	msg_packet(&m, AF_INET, TS_PREFIX_DENIED, pkt, n);
	uint8_t *shifted = malloc(m.len + 1);
	assert_non_null(shifted);
	memcpy(shifted + 1, m.buf, m.len);
	struct ts_nflog_event ev;
	assert_int_equal(ts_nflog_parse(shifted + 1, m.len, &ev), 1);
	assert_int_equal(ev.port, 80);
	free(shifted);
}

/*
 * Messages read from a kernel (6.18) NFLOG socket in a scratch netns with
 * the log rules of docs/ruleset.md: a denied UDP datagram to 192.0.2.7:5353, a
 * denied TCP SYN to [2001:db8::9]:8443, and an MLD report (hop-by-hop
 * router alert, then ICMPv6) that hit the terminal rule.
 */
static const uint8_t kernel_udp4[] = {
	0x78, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x02, 0x00, 0x00, 0x64, 0x08, 0x00, 0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x1a, 0x00,
	0x0a, 0x00, 0x54, 0x45, 0x52, 0x4f, 0x4b, 0x5f, 0x53, 0x48, 0x49, 0x45, 0x4c, 0x44, 0x5f,
	0x44, 0x45, 0x4e, 0x49, 0x45, 0x44, 0x3a, 0x20, 0x00, 0x00, 0x00, 0x08, 0x00, 0x05, 0x00,
	0x00, 0x00, 0x00, 0x03, 0x08, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x0e,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x25, 0x00, 0x09, 0x00, 0x45, 0x00, 0x00, 0x21, 0xa4, 0xd6,
	0x40, 0x00, 0x40, 0x11, 0x11, 0x8a, 0xc0, 0x00, 0x02, 0x64, 0xc0, 0x00, 0x02, 0x07, 0xc7,
	0xfa, 0x14, 0xe9, 0x00, 0x0d, 0x84, 0x8a, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00, 0x00, 0x00,
};

static const uint8_t kernel_tcp6[] = {
	0xa4, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0a, 0x00, 0x00, 0x64, 0x08, 0x00, 0x01, 0x00, 0x86, 0xdd, 0x03, 0x00, 0x1a, 0x00,
	0x0a, 0x00, 0x54, 0x45, 0x52, 0x4f, 0x4b, 0x5f, 0x53, 0x48, 0x49, 0x45, 0x4c, 0x44, 0x5f,
	0x44, 0x45, 0x4e, 0x49, 0x45, 0x44, 0x3a, 0x20, 0x00, 0x00, 0x00, 0x08, 0x00, 0x05, 0x00,
	0x00, 0x00, 0x00, 0x03, 0x08, 0x00, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x00, 0x0e,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x54, 0x00, 0x09, 0x00, 0x60, 0x04, 0x2e, 0x11, 0x00, 0x28,
	0x06, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x09, 0xec, 0x30, 0x20, 0xfb, 0xab, 0xd6, 0xef, 0x83, 0x00, 0x00, 0x00,
	0x00, 0xa0, 0x02, 0xfb, 0x40, 0x5c, 0xa9, 0x00, 0x00, 0x02, 0x04, 0x05, 0x3c, 0x04, 0x02,
	0x08, 0x0a, 0x77, 0x73, 0x58, 0xc5, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x0a,
};

static const uint8_t kernel_mld_hbh[] = {
	0xac, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0a, 0x00, 0x00, 0x64, 0x08, 0x00, 0x01, 0x00, 0x86, 0xdd, 0x03, 0x00, 0x1a, 0x00,
	0x0a, 0x00, 0x54, 0x45, 0x52, 0x4f, 0x4b, 0x5f, 0x53, 0x48, 0x49, 0x45, 0x4c, 0x44, 0x5f,
	0x44, 0x45, 0x4e, 0x49, 0x45, 0x44, 0x3a, 0x20, 0x00, 0x00, 0x00, 0x08, 0x00, 0x05, 0x00,
	0x00, 0x00, 0x00, 0x03, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x38, 0x64, 0x00, 0x09,
	0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x38, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x16, 0x3a, 0x00, 0x05, 0x02,
	0x00, 0x00, 0x01, 0x00, 0x8f, 0x00, 0x87, 0x30, 0x00, 0x00, 0x00, 0x02, 0x04, 0x00, 0x00,
	0x00, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x00,
	0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0xff, 0xb4, 0xe4, 0x8b,
};

static void test_kernel_messages(void **state)
{
	(void)state;
	struct ts_nflog_event ev;
	assert_int_equal(parse_exact(kernel_udp4, sizeof(kernel_udp4), &ev), 1);
	assert_int_equal(ev.action, TS_NFLOG_DENIED);
	assert_int_equal(ev.family, AF_INET);
	assert_string_equal(ev.dest, "192.0.2.7");
	assert_int_equal(ev.proto, IPPROTO_UDP);
	assert_int_equal(ev.port, 5353);

	assert_int_equal(parse_exact(kernel_tcp6, sizeof(kernel_tcp6), &ev), 1);
	assert_int_equal(ev.action, TS_NFLOG_DENIED);
	assert_int_equal(ev.family, AF_INET6);
	assert_string_equal(ev.dest, "2001:db8::9");
	assert_int_equal(ev.proto, IPPROTO_TCP);
	assert_int_equal(ev.port, 8443);

	assert_int_equal(parse_exact(kernel_mld_hbh, sizeof(kernel_mld_hbh), &ev), 1);
	assert_int_equal(ev.family, AF_INET6);
	assert_string_equal(ev.dest, "ff02::16");
	assert_int_equal(ev.proto, IPPROTO_ICMPV6);
	assert_int_equal(ev.port, 0);
	assert_int_equal(ev.icmp6_type, 143); /* MLDv2 listener report */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_foreign_prefixes),
		cmocka_unit_test(test_ipv4_protocols),
		cmocka_unit_test(test_ipv4_options),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv4_lengths),
		cmocka_unit_test(test_ip_version),
		cmocka_unit_test(test_ipv6_protocols),
		cmocka_unit_test(test_icmp6_type),
		cmocka_unit_test(test_ipv6_extension_headers),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_message_types),
		cmocka_unit_test(test_missing_attributes),
		cmocka_unit_test(test_bogus_lengths),
		cmocka_unit_test(test_unaligned),
		cmocka_unit_test(test_kernel_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
