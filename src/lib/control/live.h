/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Live control of a prepared container (docs/cli.md): allow, deny and
 * verdicts (live_change.h), up, down and block (live_updown.h), state and rules
 * (live_state.h). Bundle files change under the bundle lock and
 * ruleset.nft is regenerated, so a restart keeps every change; when the
 * container runs, its sets or its whole table change in one nft
 * transaction inside its namespace (live_apply.h), still under the lock,
 * so concurrent changes never lose an entry and files and live sets agree.
 *
 * The parts: live_target (what a change is about), live_lists (the
 * bundle's list files in memory and written back), live_apply (the work
 * inside the namespace), live_change (the transaction), live_updown and
 * live_state. Callers outside control/ include this header; it brings
 * the handle every command opens (bundle/shield.h) along.
 */
#ifndef TS_LIVE_H
#define TS_LIVE_H

#include "bundle/shield.h"
#include "control/live_change.h"
#include "control/live_state.h"
#include "control/live_updown.h"

#endif
