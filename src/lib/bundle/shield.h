/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A prepared container, as every command that reads or changes it opens
 * it: its validated name and its state_dir, checked like the hook checks
 * it (a real directory closed to others).
 */
#ifndef TS_SHIELD_H
#define TS_SHIELD_H

#include <stdbool.h>

struct ts_error;

struct ts_shield {
	char *name;
	char *state_dir;
	bool audit;     /* write audit entries */
};

/* A prepared container: name validated, its state_dir present. */
int ts_shield_open(const char *state_root, const char *name, bool audit, struct ts_shield *s,
		   struct ts_error *err);
void ts_shield_close(struct ts_shield *s);

#endif
