/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stats and metrics (docs/cli.md): a running container's per-destination
 * counters, read inside its namespace, named from its DNS log.
 */
#ifndef TS_STATS_H
#define TS_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include <terok-shield/terok-shield.h>

#include "base/util.h"

struct ts_shield;

struct ts_stats {
	enum ts_shield_state state;
	bool counters; /* the live table counts (a table made before counters did not) */
	struct ts_traffic *items; /* sorted: most bytes first */
	size_t n;
};

/*
 * The counters of the running container: -ESRCH (with a message) when it
 * does not run, -ENOENT when it has no shield table. Without counters,
 * counters is false and the list empty.
 */
int ts_live_stats(const struct ts_shield *s, struct ts_stats *out, struct ts_error *err);

void ts_stats_clear(struct ts_stats *st);
#define _cleanup_stats_ _cleanup_(ts_stats_clear)

#endif
