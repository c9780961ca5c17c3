/* SPDX-License-Identifier: Apache-2.0 */
/* Growable, NULL-terminated vector of owned strings. */
#ifndef TS_STRV_H
#define TS_STRV_H

#include <stdbool.h>
#include <stddef.h>

struct ts_strv {
	char **items; /* NULL-terminated when n > 0 */
	size_t n;
	size_t cap;
};

#define TS_STRV_INIT { NULL, 0, 0 }

/* Append a copy of s. */
void ts_strv_push(struct ts_strv *v, const char *s);
/* Append s, taking ownership. */
void ts_strv_push_take(struct ts_strv *v, char *s);
/* Linear search; fine for the short lists it is used on. */
/* Push a copy of every item of src. */
void ts_strv_push_all(struct ts_strv *v, const struct ts_strv *src);
bool ts_strv_contains(const struct ts_strv *v, const char *s);
void ts_strv_clear(struct ts_strv *v);
static inline void ts_strv_clearp(struct ts_strv *v) { ts_strv_clear(v); }
#define _cleanup_strv_ __attribute__((cleanup(ts_strv_clearp)))

/* Join with sep into a newly allocated string. */
char *ts_strv_join(const struct ts_strv *v, const char *sep);

#endif
