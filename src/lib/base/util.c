/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <stdarg.h>

#include "base/util.h"

/*
 * Messages quote outside values: a newline or an escape sequence in one
 * must not break the one-line error (or a terminal). Control bytes become '?'.
 */
static void one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

int ts_error_set(struct ts_error *err, int code, const char *fmt, ...)
{
	if (code < 0)
		code = -code;
	if (code == 0)
		code = EINVAL;
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
		one_line(err->message);
		err->code = code;
	}
	return -code;
}

int ts_error_prefix(struct ts_error *err, int code, const char *fmt, ...)
{
	if (code < 0)
		code = -code;
	if (code == 0)
		code = err && err->code ? err->code : EINVAL;
	if (err) {
		char prefix[TS_ERROR_MESSAGE_MAX];
		char old[TS_ERROR_MESSAGE_MAX];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(prefix, sizeof(prefix), fmt, ap);
		va_end(ap);
		memcpy(old, err->message, sizeof(old));
		/* Bounded so the result always fits: context first, then the cause. */
		snprintf(err->message, sizeof(err->message), "%.200s: %.300s", prefix, old);
		one_line(err->message);
		err->code = code;
	}
	return -code;
}

char *ts_strip(char *s)
{
	char *end;
	while (*s && isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return s;
}

void *ts_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

void *ts_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

char *ts_xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		abort();
	return p;
}

char *ts_xasprintf(const char *fmt, ...)
{
	char *out;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&out, fmt, ap);
	va_end(ap);
	if (r < 0)
		abort();
	return out;
}

char *ts_path_join(const char *base, const char *rel)
{
	size_t n = strlen(base);
	while (n > 1 && base[n - 1] == '/')
		n--;
	bool slash = n > 0 && base[n - 1] == '/';
	return ts_xasprintf("%.*s%s%s", (int)n, base, slash ? "" : "/", rel);
}
