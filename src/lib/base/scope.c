/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/domain.h"
#include "base/port.h"
#include "base/scope.h"
#include "base/util.h"

const char *ts_proto_name(unsigned proto)
{
	return proto == TS_PROTO_UDP ? "udp" : "tcp";
}

int ts_scope_parse_ports(const char *text, uint16_t *lo, uint16_t *hi, struct ts_error *err)
{
	const char *dash = text ? strchr(text, '-') : NULL;
	size_t first = dash ? (size_t)(dash - text) : (text ? strlen(text) : 0);
	if (!text || !ts_port_parse(text, first, lo) ||
	    (dash && !ts_port_parse(dash + 1, strlen(dash + 1), hi)))
		return ts_error_set(err, EINVAL, "invalid port '%.40s': a port 1-65535 or a "
				    "range P-Q", text ? text : "");
	if (!dash)
		*hi = *lo;
	if (*lo > *hi)
		return ts_error_set(err, EINVAL, "invalid port range '%.40s': %u is above %u", text,
				    *lo, *hi);
	return 0;
}

int ts_scope_parse_proto(const char *text, unsigned *proto, struct ts_error *err)
{
	if (text && strcmp(text, "tcp") == 0)
		*proto = TS_PROTO_TCP;
	else if (text && strcmp(text, "udp") == 0)
		*proto = TS_PROTO_UDP;
	else
		return ts_error_set(err, EINVAL, "invalid protocol '%.40s': tcp or udp",
				    text ? text : "");
	return 0;
}

int ts_scope_parse_duration(const char *text, long *seconds, struct ts_error *err)
{
	static const char units[] = "smhd";
	static const long unit_seconds[] = { 1, 60, 3600, 86400 };
	size_t digits = text ? strspn(text, "0123456789") : 0;
	const char *unit = digits ? strchr(units, text[digits]) : NULL;
	if (!unit || !*unit || text[digits + 1] != '\0' || digits > 8)
		return ts_error_set(err, EINVAL, "invalid duration '%.40s': a number and s, m, h "
				    "or d (30m, 2h)", text ? text : "");
	long n = strtol(text, NULL, 10) * unit_seconds[unit - units];
	if (n < 1 || n > TS_SCOPE_MAX_SECONDS)
		return ts_error_set(err, EINVAL, "invalid duration '%.40s': from 1s up to 365d", text);
	*seconds = n;
	return 0;
}

bool ts_scope_is_narrow(const struct ts_scope *s)
{
	return s->seconds > 0 || s->port_lo != 0 || s->port_hi != 65535 ||
	       s->protos != (TS_PROTO_TCP | TS_PROTO_UDP);
}

/* The largest unit that divides the duration: 1800 is "30m". */
static void format_duration(long seconds, char *out, size_t size)
{
	static const char units[] = "dhms";
	static const long unit_seconds[] = { 86400, 3600, 60, 1 };
	size_t i = 0;
	while (seconds % unit_seconds[i])
		i++;
	snprintf(out, size, "%ld%c", seconds / unit_seconds[i], units[i]);
}

void ts_scope_describe(const struct ts_scope *s, char *out, size_t size)
{
	const char *protos = s->protos == TS_PROTO_TCP ? "tcp"
			     : s->protos == TS_PROTO_UDP ? "udp" : "tcp+udp";
	char ports[48], duration[32] = "";
	if (s->port_lo == 0 && s->port_hi == 65535)
		snprintf(ports, sizeof(ports), "all ports/%s", protos);
	else if (s->port_lo == s->port_hi)
		snprintf(ports, sizeof(ports), "port %u/%s", s->port_lo, protos);
	else
		snprintf(ports, sizeof(ports), "ports %u-%u/%s", s->port_lo, s->port_hi, protos);
	if (s->seconds > 0)
		format_duration(s->seconds, duration, sizeof(duration));
	snprintf(out, size, "%s%s%s", ports, *duration ? ", for " : "", duration);
}

void ts_scope_format_left(long seconds, char *out, size_t size)
{
	if (seconds < 0)
		seconds = 0;
	long h = seconds / 3600, m = seconds / 60 % 60, s = seconds % 60;
	int n = 0;
	if (h)
		n += snprintf(out + n, size - (size_t)n, "%ldh", h);
	if (m && (size_t)n < size)
		n += snprintf(out + n, size - (size_t)n, "%ldm", m);
	if ((s || (!h && !m)) && (size_t)n < size)
		n += snprintf(out + n, size - (size_t)n, "%lds", s);
	if ((size_t)n < size)
		snprintf(out + n, size - (size_t)n, " left");
}

/* Split a line into exactly n words separated by single spaces. */
static bool split_words(const char *line, char words[][TS_ADDR_STRLEN], size_t n)
{
	const char *p = line;
	for (size_t i = 0; i < n; i++) {
		size_t len = strcspn(p, " ");
		if (len == 0 || len >= TS_ADDR_STRLEN)
			return false;
		memcpy(words[i], p, len);
		words[i][len] = '\0';
		p += len;
		if (i + 1 < n && *p++ != ' ')
			return false;
	}
	return *p == '\0';
}

/* "-" (never) or the decimal seconds since the epoch, no sign or leading zero. */
static bool parse_expiry(const char *w, time_t *out)
{
	if (strcmp(w, "-") == 0) {
		*out = 0;
		return true;
	}
	size_t len = strlen(w);
	if (len == 0 || len > 12 || strspn(w, "0123456789") != len || w[0] == '0')
		return false;
	*out = (time_t)strtoll(w, NULL, 10);
	return true;
}

/* PROTO PORTS EXPIRES, the words after a line's target. */
static int parse_tail(char w[][TS_ADDR_STRLEN], unsigned *proto, uint16_t *lo, uint16_t *hi,
		      time_t *expires, struct ts_error *err)
{
	int r = 0;
	if (strcmp(w[1], "0-65535") == 0) {
		*lo = 0;
		*hi = 65535;
	} else {
		r = ts_scope_parse_ports(w[1], lo, hi, err);
	}
	if (r == 0)
		r = ts_scope_parse_proto(w[0], proto, err);
	if (r == 0 && !parse_expiry(w[2], expires))
		r = ts_error_set(err, EINVAL, "invalid expiry '%.20s': '-' or seconds since the "
				 "epoch", w[2]);
	return r;
}

int ts_scoped_parse(const char *line, struct ts_scoped_entry *e, struct ts_error *err)
{
	char w[4][TS_ADDR_STRLEN];
	*e = (struct ts_scoped_entry){ 0 };
	if (!split_words(line, w, 4))
		return ts_error_set(err, EINVAL, "not 'ADDRESS PROTO PORTS EXPIRES': '%.80s'", line);
	int r = ts_addr_canonicalize(w[0], e->addr, err);
	if (r == 0)
		r = parse_tail(w + 1, &e->proto, &e->port_lo, &e->port_hi, &e->expires, err);
	return r < 0 ? ts_error_prefix(err, r, "'%.80s'", line) : 0;
}

int ts_scoped_domain_parse(const char *line, struct ts_scoped_domain *e, struct ts_error *err)
{
	char w[3][TS_ADDR_STRLEN];
	*e = (struct ts_scoped_domain){ 0 };
	const char *space = strchr(line, ' ');
	size_t len = space ? (size_t)(space - line) : 0;
	char domain[TS_DOMAIN_BUFLEN];
	if (!space || len == 0 || len >= sizeof(domain) || !split_words(space + 1, w, 3))
		return ts_error_set(err, EINVAL, "not 'DOMAIN PROTO PORTS EXPIRES': '%.80s'", line);
	memcpy(domain, line, len);
	domain[len] = '\0';
	int r = ts_domain_normalize(domain, e->domain, err);
	if (r == 0)
		r = parse_tail(w, &e->proto, &e->port_lo, &e->port_hi, &e->expires, err);
	return r < 0 ? ts_error_prefix(err, r, "'%.80s'", line) : 0;
}

/* TARGET PROTO PORTS EXPIRES. */
static void format_line(const char *target, unsigned proto, uint16_t lo, uint16_t hi,
			time_t expires, char *out, size_t size)
{
	char expiry[24] = "-";
	if (expires > 0)
		snprintf(expiry, sizeof(expiry), "%" PRId64, (int64_t)expires);
	if (lo == hi)
		snprintf(out, size, "%s %s %u %s", target, ts_proto_name(proto), lo, expiry);
	else
		snprintf(out, size, "%s %s %u-%u %s", target, ts_proto_name(proto), lo, hi, expiry);
}

void ts_scoped_format(const struct ts_scoped_entry *e, char out[TS_SCOPED_LINE_LEN])
{
	format_line(e->addr, e->proto, e->port_lo, e->port_hi, e->expires, out, TS_SCOPED_LINE_LEN);
}

void ts_scoped_domain_format(const struct ts_scoped_domain *e,
			     char out[TS_SCOPED_DOMAIN_LINE_LEN])
{
	format_line(e->domain, e->proto, e->port_lo, e->port_hi, e->expires, out,
		    TS_SCOPED_DOMAIN_LINE_LEN);
}

bool ts_scoped_same_key(const struct ts_scoped_entry *a, const struct ts_scoped_entry *b)
{
	return strcmp(a->addr, b->addr) == 0 && a->proto == b->proto && a->port_lo == b->port_lo &&
	       a->port_hi == b->port_hi;
}

static int u32_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
	return a < b ? -1 : a > b;
}

size_t ts_port_pieces_disjoint(const struct ts_port_piece *in, size_t n,
			       struct ts_port_piece *out)
{
	uint32_t *points = ts_xmalloc(2 * n * sizeof(*points) + 1);
	for (size_t i = 0; i < n; i++) {
		points[2 * i] = in[i].lo;
		points[2 * i + 1] = in[i].hi + 1;
	}
	qsort(points, 2 * n, sizeof(*points), u32_cmp);
	size_t m = 0;
	for (size_t k = 0; k + 1 < 2 * n; k++) {
		uint32_t from = points[k], to = points[k + 1];
		if (from == to)
			continue;
		bool covered = false;
		long long end = 0;
		for (size_t i = 0; i < n; i++)
			if (in[i].lo <= from && from <= in[i].hi && (!covered || in[i].end > end)) {
				end = in[i].end;
				covered = true;
			}
		if (!covered)
			continue;
		if (m && out[m - 1].hi + 1 == from && out[m - 1].end == end)
			out[m - 1].hi = to - 1;
		else
			out[m++] = (struct ts_port_piece){ from, to - 1, end };
	}
	free(points);
	return m;
}
