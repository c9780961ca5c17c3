/* SPDX-License-Identifier: Apache-2.0 */
/*
 * list (docs/cli.md): every prepared container of a state root, what its
 * bundle says and what state it and its shield are in, with one podman
 * call for the whole list.
 */
#ifndef TS_INVENTORY_H
#define TS_INVENTORY_H

#include <stddef.h>

#include <terok-shield/terok-shield.h>

#include "base/util.h"

struct ts_inventory {
	struct ts_listed *items; /* sorted by name */
	size_t n;
};

/*
 * One entry per bundle under <state_root>/containers whose name a
 * container can have (other entries are skipped). A bundle that cannot
 * be read becomes an entry with shield TS_STATE_ERROR and its error, so
 * only a state root that cannot be read, or podman failing, fails the
 * whole list. No bundle: an empty list, and podman is not asked.
 */
int ts_inventory_read(const char *state_root, struct ts_inventory *out, struct ts_error *err);

void ts_listed_clear(struct ts_listed *e);
void ts_inventory_clear(struct ts_inventory *inv);
#define _cleanup_inventory_ _cleanup_(ts_inventory_clear)

#endif
