/* SPDX-License-Identifier: Apache-2.0 */
/* A container's live shield state, read inside its namespace (status, rules). */
#ifndef TS_LIVE_STATE_H
#define TS_LIVE_STATE_H

#include <terok-shield/terok-shield.h>

struct ts_error;
struct ts_shield;

/*
 * The live state; inactive when the container does not run or has no
 * table. listing (optional): the full table, NULL when there is none.
 */
int ts_live_state(const struct ts_shield *s, enum ts_shield_state *state, char **listing,
		  struct ts_error *err);

#endif
