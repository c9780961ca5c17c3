/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <limits.h>

#include "base/fileio.h"
#include "base/util.h"
#include "container/gateway.h"

/* Route flags from <linux/route.h>. */
#define RTF_UP_FLAG 0x0001u
#define RTF_GATEWAY_FLAG 0x0002u

static bool usable(unsigned flags, const char *iface)
{
	return (flags & (RTF_UP_FLAG | RTF_GATEWAY_FLAG)) == (RTF_UP_FLAG | RTF_GATEWAY_FLAG) &&
	       strcmp(iface, "lo") != 0;
}

static void format_host(int family, const uint8_t *bytes, char out[TS_ADDR_STRLEN])
{
	struct ts_addr a = { .family = family, .prefix = family == AF_INET ? 32 : 128 };
	memcpy(a.bytes, bytes, family == AF_INET ? 4 : 16);
	ts_addr_format(&a, out);
}

bool ts_gateway_parse_route_v4(const char *text, char out[TS_ADDR_STRLEN])
{
	unsigned best_metric = UINT_MAX;
	bool found = false;
	_cleanup_free_ char *copy = ts_xstrdup(text);
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char iface[32];
		unsigned dest, gw, flags, metric, mask;
		int end = 0;
		if (sscanf(line, "%31s %8x %8x %4x %*d %*d %u %8x%n", iface, &dest, &gw, &flags,
			   &metric, &mask, &end) != 6 || end == 0)
			continue;
		if (dest != 0 || mask != 0 || gw == 0 || !usable(flags, iface))
			continue;
		if (found && metric >= best_metric)
			continue;
		/* The kernel prints the network-order word as a host integer. */
		uint8_t bytes[4];
		memcpy(bytes, &gw, sizeof(bytes));
		format_host(AF_INET, bytes, out);
		best_metric = metric;
		found = true;
	}
	return found;
}

static bool parse_hex128(const char *hex, uint8_t out[16])
{
	if (strlen(hex) != 32 || strspn(hex, "0123456789abcdefABCDEF") != 32)
		return false;
	for (int i = 0; i < 16; i++) {
		char byte[3] = { hex[2 * i], hex[2 * i + 1], '\0' };
		out[i] = (uint8_t)strtoul(byte, NULL, 16);
	}
	return true;
}

bool ts_gateway_parse_route_v6(const char *text, char out[TS_ADDR_STRLEN])
{
	static const uint8_t zero[16];
	unsigned best_metric = UINT_MAX;
	bool found = false;
	_cleanup_free_ char *copy = ts_xstrdup(text);
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char dest_hex[33], src_hex[33], hop_hex[33], iface[32];
		unsigned dest_len, src_len, metric, flags;
		uint8_t dest[16], hop[16];
		if (sscanf(line, "%32s %2x %32s %2x %32s %8x %*x %*x %8x %31s", dest_hex, &dest_len,
			   src_hex, &src_len, hop_hex, &metric, &flags, iface) != 8)
			continue;
		if (!parse_hex128(dest_hex, dest) || !parse_hex128(hop_hex, hop))
			continue;
		if (dest_len != 0 || memcmp(dest, zero, 16) != 0 || memcmp(hop, zero, 16) == 0 ||
		    !usable(flags, iface))
			continue;
		if (found && metric >= best_metric)
			continue;
		format_host(AF_INET6, hop, out);
		best_metric = metric;
		found = true;
	}
	return found;
}

/* A missing table (IPv6 disabled) reads as empty. */
static int read_table(pid_t pid, const char *name, char **text, struct ts_error *err)
{
	_cleanup_free_ char *path = ts_xasprintf("/proc/%d/net/%s", (int)pid, name);
	int r = ts_file_read(path, text, NULL, err);
	if (r == -ENOENT && strcmp(name, "ipv6_route") == 0) {
		*text = ts_xstrdup("");
		return 0;
	}
	return r < 0 ? ts_error_prefix(err, r, "gateway discovery") : 0;
}

int ts_gateway_discover(pid_t pid, char v4[TS_ADDR_STRLEN], char v6[TS_ADDR_STRLEN],
			struct ts_error *err)
{
	_cleanup_free_ char *route = NULL, *route6 = NULL;
	int r = read_table(pid, "route", &route, err);
	if (r < 0)
		return r;
	r = read_table(pid, "ipv6_route", &route6, err);
	if (r < 0)
		return r;
	if (!ts_gateway_parse_route_v4(route, v4))
		v4[0] = '\0';
	if (!ts_gateway_parse_route_v6(route6, v6))
		v6[0] = '\0';
	return 0;
}
