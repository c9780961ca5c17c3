/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Default-gateway discovery from /proc/PID/net/route and ipv6_route, the
 * kernel's routing tables as seen inside the container's network namespace.
 */
#ifndef TS_GATEWAY_H
#define TS_GATEWAY_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/addr.h"

struct ts_error;

/*
 * The gateway of the lowest-metric default route in the text of
 * /proc/net/route (IPv4) or /proc/net/ipv6_route (IPv6), formatted
 * canonically into out. Returns true when one was found; malformed lines
 * are skipped.
 */
bool ts_gateway_parse_route_v4(const char *text, char out[TS_ADDR_STRLEN]);
bool ts_gateway_parse_route_v6(const char *text, char out[TS_ADDR_STRLEN]);

/*
 * Discover both gateways of pid's network namespace. A family without a
 * default route yields an empty string: finding nothing is not an error
 * (the network may not be configured yet). Errors only when the routing
 * tables cannot be read at all.
 */
int ts_gateway_discover(pid_t pid, char v4[TS_ADDR_STRLEN], char v6[TS_ADDR_STRLEN],
			struct ts_error *err);

#endif
