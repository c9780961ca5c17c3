/* SPDX-License-Identifier: Apache-2.0 */
#include "base/strbuf.h"
#include "base/strv.h"
#include "base/util.h"

void ts_strv_push_take(struct ts_strv *v, char *s)
{
	if (v->n + 2 > v->cap) {
		v->cap = v->cap ? v->cap * 2 : 8;
		v->items = ts_xrealloc(v->items, v->cap * sizeof(char *));
	}
	v->items[v->n++] = s;
	v->items[v->n] = NULL;
}

void ts_strv_push(struct ts_strv *v, const char *s)
{
	ts_strv_push_take(v, ts_xstrdup(s));
}

bool ts_strv_contains(const struct ts_strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->items[i], s) == 0)
			return true;
	return false;
}

void ts_strv_clear(struct ts_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->items[i]);
	free(v->items);
	*v = (struct ts_strv)TS_STRV_INIT;
}

char *ts_strv_join(const struct ts_strv *v, const char *sep)
{
	struct ts_strbuf b = TS_STRBUF_INIT;
	for (size_t i = 0; i < v->n; i++) {
		if (i)
			ts_strbuf_puts(&b, sep);
		ts_strbuf_puts(&b, v->items[i]);
	}
	return ts_strbuf_take(&b);
}

void ts_strv_push_all(struct ts_strv *v, const struct ts_strv *src)
{
	for (size_t i = 0; i < src->n; i++)
		ts_strv_push(v, src->items[i]);
}
