/* SPDX-License-Identifier: Apache-2.0 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strset.h"
#include "base/util.h"

/* FNV-1a: short keys, no adversarial pressure worth a keyed hash here. */
static size_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return (size_t)h;
}

static size_t find_slot(const struct ts_strset *set, const char *s)
{
	size_t i = hash(s) & (set->cap - 1);
	while (set->slots[i] && strcmp(set->slots[i], s) != 0)
		i = (i + 1) & (set->cap - 1);
	return i;
}

static void grow(struct ts_strset *set)
{
	struct ts_strset bigger = { NULL, set->cap ? set->cap * 2 : 64, 0 };
	bigger.slots = calloc(bigger.cap, sizeof(char *));
	if (!bigger.slots)
		abort();
	for (size_t i = 0; i < set->cap; i++)
		if (set->slots[i])
			bigger.slots[find_slot(&bigger, set->slots[i])] = set->slots[i];
	bigger.n = set->n;
	free(set->slots);
	*set = bigger;
}

bool ts_strset_add(struct ts_strset *set, const char *s)
{
	if ((set->n + 1) * 2 > set->cap)
		grow(set);
	size_t i = find_slot(set, s);
	if (set->slots[i])
		return false;
	set->slots[i] = s;
	set->n++;
	return true;
}

bool ts_strset_contains(const struct ts_strset *set, const char *s)
{
	return set->cap && set->slots[find_slot(set, s)];
}

void ts_strset_clear(struct ts_strset *set)
{
	free(set->slots);
	*set = (struct ts_strset)TS_STRSET_INIT;
}
