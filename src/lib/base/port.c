/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "base/port.h"
#include "base/util.h"

bool ts_port_parse(const char *s, size_t len, uint16_t *out)
{
	unsigned port = 0;

	if (len == 0 || len > 5 || s[0] == '0')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		port = port * 10 + (unsigned)(s[i] - '0');
	}
	if (port > 65535)
		return false;
	*out = (uint16_t)port;
	return true;
}

int ts_parse_port_list(const char *text, uint16_t **ports, size_t *n, struct ts_error *err)
{
	*ports = NULL;
	*n = 0;
	if (!*text)
		return 0;
	uint16_t *list = ts_xmalloc((strlen(text) / 2 + 1) * sizeof(*list));
	size_t count = 0;
	for (const char *p = text;;) {
		size_t len = strcspn(p, ":");
		uint16_t port;
		if (!ts_port_parse(p, len, &port)) {
			free(list);
			return ts_error_set(err, EINVAL, "invalid port '%.*s' in '%.64s' (1-65535)",
					    (int)(len > 16 ? 16 : len), p, text);
		}
		bool seen = false;
		for (size_t i = 0; i < count; i++)
			seen |= list[i] == port;
		if (!seen)
			list[count++] = port;
		if (!p[len])
			break;
		p += len + 1;
	}
	*ports = list;
	*n = count;
	return 0;
}
