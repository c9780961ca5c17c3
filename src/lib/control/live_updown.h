/* SPDX-License-Identifier: Apache-2.0 */
/*
 * up, down and block (docs/cli.md): the running container's whole table
 * replaced in one nft transaction, under the bundle lock, then verified.
 */
#ifndef TS_LIVE_UPDOWN_H
#define TS_LIVE_UPDOWN_H

#include <stdbool.h>

#include "base/strv.h"

struct ts_error;
struct ts_shield;

/*
 * up: the default-deny (or interactive) ruleset with the bundle's sets
 * (and the end of a block);
 * down: bypass, private ranges still refused unless all. -ESRCH when the
 * container does not run. An audit line not written is a warning (bundle/audit.h).
 */
int ts_live_up(const struct ts_shield *s, struct ts_strv *warnings, struct ts_error *err);
int ts_live_down(const struct ts_shield *s, bool all, struct ts_strv *warnings,
		 struct ts_error *err);

/*
 * block: loopback only (docs/ruleset.md), recorded in the bundle
 * (`blocked`) so the hook applies it again at the next start; up lifts
 * it, down refuses a blocked container (-EPERM). -ESRCH, nothing
 * changed, when the container does not run.
 */
int ts_live_block(const struct ts_shield *s, struct ts_strv *warnings, struct ts_error *err);

#endif
