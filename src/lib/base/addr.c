/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "base/addr.h"
#include "base/util.h"

const char *const ts_private_ranges[] = {
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
	"fc00::/7",   "fe80::/10",     NULL,
};

/* inet_pton accepts nothing odd for IPv6; for IPv4 also refuse leading zeros (octal ambiguity). */
static bool ipv4_text_is_strict(const char *s)
{
	int digits = 0;
	for (const char *p = s;; p++) {
		if (*p == '.' || *p == '\0') {
			if (digits == 0)
				return false;
			if (*p == '\0')
				return true;
			digits = 0;
			continue;
		}
		if (digits == 1 && p[-1] == '0')
			return false;
		digits++;
	}
}

/* A prefix length 0-max in plain decimal (no sign, no leading zero); false for anything else. */
static bool parse_prefix(const char *s, unsigned max, unsigned *out)
{
	if (!*s || strlen(s) > 3 || (s[0] == '0' && s[1]))
		return false;
	unsigned v = 0;
	for (const char *p = s; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return false;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

static void clear_host_bits(struct ts_addr *a)
{
	unsigned total = ts_addr_max_prefix(a) / 8;
	for (unsigned i = 0; i < total; i++) {
		unsigned bit = i * 8;
		if (bit >= a->prefix)
			a->bytes[i] = 0;
		else if (bit + 8 > a->prefix)
			a->bytes[i] &= (uint8_t)(0xff << (8 - (a->prefix - bit)));
	}
}

int ts_addr_parse(const char *text, struct ts_addr *out, struct ts_error *err)
{
	char buf[TS_ADDR_STRLEN];
	if (!text || !*text)
		return ts_error_set(err, EINVAL, "empty address");
	if (strlen(text) >= sizeof(buf))
		return ts_error_set(err, EINVAL, "not an IP address or network: '%.40s…'", text);
	strcpy(buf, text);

	char *slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';

	struct ts_addr a = { 0 };
	if (strchr(buf, ':')) {
		a.family = AF_INET6;
		if (inet_pton(AF_INET6, buf, a.bytes) != 1)
			return ts_error_set(err, EINVAL, "not an IP address or network: '%s'", text);
	} else {
		a.family = AF_INET;
		if (!ipv4_text_is_strict(buf) || inet_pton(AF_INET, buf, a.bytes) != 1)
			return ts_error_set(err, EINVAL, "not an IP address or network: '%s'", text);
	}
	a.prefix = ts_addr_max_prefix(&a);
	if (slash && !parse_prefix(slash + 1, a.prefix, &a.prefix))
		return ts_error_set(err, EINVAL, "invalid prefix length in '%s' (0-%u)", text,
				    ts_addr_max_prefix(&a));
	clear_host_bits(&a);
	*out = a;
	return 0;
}

void ts_addr_format(const struct ts_addr *a, char out[TS_ADDR_STRLEN])
{
	inet_ntop(a->family, a->bytes, out, TS_ADDR_STRLEN);
	if (a->prefix != ts_addr_max_prefix(a)) {
		size_t len = strlen(out);
		snprintf(out + len, TS_ADDR_STRLEN - len, "/%u", a->prefix);
	}
}

int ts_addr_canonicalize(const char *text, char out[TS_ADDR_STRLEN], struct ts_error *err)
{
	struct ts_addr a;
	int r = ts_addr_parse(text, &a, err);
	if (r < 0)
		return r;
	ts_addr_format(&a, out);
	return 0;
}

bool ts_addr_contains(const struct ts_addr *net, const struct ts_addr *a)
{
	if (net->family != a->family || a->prefix < net->prefix)
		return false;
	struct ts_addr masked = *a;
	masked.prefix = net->prefix;
	clear_host_bits(&masked);
	return memcmp(masked.bytes, net->bytes, sizeof(net->bytes)) == 0;
}

bool ts_addr_overlaps(const struct ts_addr *a, const struct ts_addr *b)
{
	return ts_addr_contains(a, b) || ts_addr_contains(b, a);
}

bool ts_addr_is_private(const struct ts_addr *a)
{
	for (size_t i = 0; ts_private_ranges[i]; i++) {
		struct ts_addr net;
		if (ts_addr_parse(ts_private_ranges[i], &net, NULL) == 0 && ts_addr_contains(&net, a))
			return true;
	}
	return false;
}

bool ts_addr_is_wide(const struct ts_addr *a)
{
	return a->prefix < (a->family == AF_INET ? 16u : 48u);
}
