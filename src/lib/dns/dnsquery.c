/* SPDX-License-Identifier: Apache-2.0 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dns/dnsquery.h"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static bool label_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

/* The question name at msg[*off], lower-cased into name; *off moves past it. */
static int read_name(const uint8_t *msg, size_t len, size_t *off, char name[TS_DOMAIN_BUFLEN])
{
	size_t p = *off, n = 0;
	for (;;) {
		if (p >= len)
			return TS_DNS_FORMERR;
		uint8_t l = msg[p++];
		if (l == 0)
			break;
		/* A compression pointer (or the reserved 01/10 forms) has no place in a query's only name. */
		if (l > 63)
			return TS_DNS_FORMERR;
		if (p + l > len)
			return TS_DNS_FORMERR;
		if (n + (n ? 1 : 0) + l > TS_DOMAIN_MAX)
			return TS_DNS_REFUSED;
		if (n)
			name[n++] = '.';
		for (uint8_t i = 0; i < l; i++) {
			uint8_t c = msg[p + i];
			if (!label_char(c))
				return TS_DNS_REFUSED;
			name[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
		}
		p += l;
	}
	name[n] = '\0';
	*off = p;
	return 0;
}

/*
 * What follows the question at msg[off]: nothing, or (arcount 1) one
 * EDNS OPT record that ends the message: root name, TYPE 41, CLASS the
 * UDP size, TTL the extended rcode, version and flags, RDLEN and RDATA.
 */
static int read_additional(const uint8_t *msg, size_t len, size_t off, struct ts_dns_question *q)
{
	q->udp_size = 512;
	if (get16(msg + 10) == 0)
		return off == len ? 0 : TS_DNS_FORMERR;
	if (off + 11 > len || msg[off] != 0 || get16(msg + off + 1) != 41 ||
	    off + 11 + get16(msg + off + 9) != len)
		return TS_DNS_FORMERR;
	size_t size = get16(msg + off + 3);
	q->udp_size = size < 512 ? 512 : size > 4096 ? 4096 : size;
	q->edns = true;
	q->dnssec_ok = (msg[off + 7] & 0x80) != 0;
	return 0;
}

int ts_dnsquery_parse(const uint8_t *msg, size_t len, struct ts_dns_question *q)
{
	memset(q, 0, sizeof(*q));
	if (!msg || len < TS_DNS_HEADER_LEN)
		return -1;
	q->id = get16(msg);
	uint8_t flags = msg[2];
	if (flags & 0x80) /* QR: a response sent to us is no query */
		return TS_DNS_FORMERR;
	if (((flags >> 3) & 0x0f) != 0)
		return TS_DNS_NOTIMP;
	if (get16(msg + 4) != 1 || get16(msg + 6) != 0 || get16(msg + 8) != 0 || get16(msg + 10) > 1)
		return TS_DNS_FORMERR;

	size_t off = TS_DNS_HEADER_LEN;
	char name[TS_DOMAIN_BUFLEN];
	int r = read_name(msg, len, &off, name);
	if (r)
		return r;
	if (off + 4 > len)
		return TS_DNS_FORMERR;
	uint16_t qtype = get16(msg + off), qclass = get16(msg + off + 2);
	off += 4;
	/* Only from here on may an answer echo the question. */
	strcpy(q->name, name);
	q->qtype = qtype;
	q->qclass = qclass;
	q->end = off;
	r = read_additional(msg, len, off, q);
	if (r)
		return r;
	if (qclass != TS_DNS_CLASS_IN)
		return TS_DNS_REFUSED;
	if (qtype == 0 || qtype == 251 || qtype == 252) /* reserved, IXFR, AXFR */
		return TS_DNS_REFUSED;
	return 0;
}

size_t ts_dnsquery_answer(const uint8_t *msg, const struct ts_dns_question *q,
			  enum ts_dns_rcode rcode, uint8_t *out)
{
	size_t qlen = q->end > TS_DNS_HEADER_LEN ? q->end - TS_DNS_HEADER_LEN : 0;
	memset(out, 0, TS_DNS_HEADER_LEN);
	out[0] = msg[0];
	out[1] = msg[1];
	out[2] = (uint8_t)(0x80 | (msg[2] & 0x79)); /* QR, opcode and RD copied */
	out[3] = (uint8_t)(0x80 | (rcode & 0x0f)); /* RA */
	if (qlen) {
		out[5] = 1;
		memcpy(out + TS_DNS_HEADER_LEN, msg + TS_DNS_HEADER_LEN, qlen);
	}
	return TS_DNS_HEADER_LEN + qlen;
}

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

size_t ts_dnsquery_rebuild(const uint8_t *msg, const struct ts_dns_question *q, uint8_t *out)
{
	memset(out, 0, TS_DNS_HEADER_LEN);
	put16(out, q->id);
	out[2] = 0x01; /* RD */
	put16(out + 4, 1);
	put16(out + 10, q->edns ? 1 : 0);
	size_t n = q->end - TS_DNS_HEADER_LEN;
	memcpy(out + TS_DNS_HEADER_LEN, msg + TS_DNS_HEADER_LEN, n);
	/* Label lengths are at most 63, below 'A': only the name's letters change. */
	for (size_t i = TS_DNS_HEADER_LEN; i < q->end - 4; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			out[i] = (uint8_t)(out[i] - 'A' + 'a');
	n += TS_DNS_HEADER_LEN;
	if (q->edns) {
		uint8_t *opt = out + n;
		memset(opt, 0, 11);
		put16(opt + 1, 41);
		put16(opt + 3, q->udp_size);
		opt[7] = q->dnssec_ok ? 0x80 : 0;
		n += 11;
	}
	return n;
}

const char *ts_dns_type_name(uint16_t qtype, char *buf)
{
	if (qtype == TS_DNS_TYPE_A)
		return strcpy(buf, "A");
	if (qtype == TS_DNS_TYPE_AAAA)
		return strcpy(buf, "AAAA");
	snprintf(buf, 12, "TYPE%u", qtype);
	return buf;
}
