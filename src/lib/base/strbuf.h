/* SPDX-License-Identifier: Apache-2.0 */
/* Growable text buffer, always NUL-terminated. Depends on libc only. */
#ifndef TS_STRBUF_H
#define TS_STRBUF_H

#include <stddef.h>

struct ts_strbuf {
	char *data;
	size_t len;
	size_t cap;
};

#define TS_STRBUF_INIT { NULL, 0, 0 }

void ts_strbuf_append(struct ts_strbuf *b, const char *s, size_t n);
void ts_strbuf_puts(struct ts_strbuf *b, const char *s);
void ts_strbuf_printf(struct ts_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Return the contents (never NULL) and reset the buffer. */
char *ts_strbuf_take(struct ts_strbuf *b);
void ts_strbuf_clear(struct ts_strbuf *b);
#define _cleanup_strbuf_ __attribute__((cleanup(ts_strbuf_clear)))

#endif
