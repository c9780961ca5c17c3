/* SPDX-License-Identifier: Apache-2.0 */
/* Set of strings (open addressing) for de-duplicating long lists. */
#ifndef TS_STRSET_H
#define TS_STRSET_H

#include <stdbool.h>
#include <stddef.h>

struct ts_strset {
	const char **slots; /* borrowed pointers; the caller keeps strings alive */
	size_t cap;
	size_t n;
};

#define TS_STRSET_INIT { NULL, 0, 0 }

/* Insert s; returns false when it was already present. */
bool ts_strset_add(struct ts_strset *set, const char *s);
bool ts_strset_contains(const struct ts_strset *set, const char *s);
void ts_strset_clear(struct ts_strset *set);
#define _cleanup_strset_ __attribute__((cleanup(ts_strset_clear)))

#endif
