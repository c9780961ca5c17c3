/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"

static void reserve(struct ts_strbuf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p)
		abort();
	b->data = p;
	b->cap = cap;
}

void ts_strbuf_append(struct ts_strbuf *b, const char *s, size_t n)
{
	reserve(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void ts_strbuf_puts(struct ts_strbuf *b, const char *s)
{
	ts_strbuf_append(b, s, strlen(s));
}

void ts_strbuf_printf(struct ts_strbuf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if ((size_t)n < sizeof(small)) {
		ts_strbuf_append(b, small, (size_t)n);
		return;
	}
	reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *ts_strbuf_take(struct ts_strbuf *b)
{
	char *s = b->data;
	if (!s) {
		s = malloc(1);
		if (!s)
			abort();
		s[0] = '\0';
	}
	*b = (struct ts_strbuf)TS_STRBUF_INIT;
	return s;
}

void ts_strbuf_clear(struct ts_strbuf *b)
{
	free(b->data);
	*b = (struct ts_strbuf)TS_STRBUF_INIT;
}
