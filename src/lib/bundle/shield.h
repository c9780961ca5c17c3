/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A prepared container, as every command that reads or changes it opens
 * it: its validated name and its state_dir, checked like the hook checks
 * it (a real directory closed to others).
 */
#ifndef TS_SHIELD_H
#define TS_SHIELD_H

#include <stdbool.h>

#include "base/util.h"

struct ts_error;

struct ts_shield {
	char *name;
	char *state_dir;
	bool audit;     /* write audit entries */
};

/*
 * Open the bundle of prepared container name: the name validated, its
 * state_dir present and closed to others. *s is output only.
 */
int ts_bundle_open(const char *state_root, const char *name, bool audit, struct ts_shield *s,
		   struct ts_error *err);
void ts_bundle_close(struct ts_shield *s);
#define _cleanup_shield_ _cleanup_(ts_bundle_close)

#endif
