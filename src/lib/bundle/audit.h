/* SPDX-License-Identifier: Apache-2.0 */
/* Per-container audit log (docs/bundle.md) and the `logs` reader. */
#ifndef TS_AUDIT_H
#define TS_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/strv.h"

struct ts_error;

/*
 * One compact JSON line (with trailing '\n'):
 * {"ts":"2026-11-24T10:00:00+00:00","container":"c","action":"setup","dest":"…","detail":"…"}
 * dest/detail omitted when NULL or empty; invalid UTF-8 bytes become
 * U+FFFD. Newly allocated; NULL only when the time cannot be formatted.
 */
char *ts_audit_format(time_t when, const char *container, const char *action, const char *dest,
		      const char *detail);

/*
 * Warnings, the convention of the whole library: what goes wrong without
 * failing the operation (an audit line that could not be written) is not
 * printed here (the library never prints) but added as one line of text,
 * without prefix or newline, to the `struct ts_strv warnings` of the
 * caller's result (ts_change, ts_prepared, ...). The CLI prints each line
 * as "terok-shield: warning: LINE" on stderr (cli_print_warnings); the
 * public API hands them to the embedder as a string list.
 */

/*
 * Append an entry to <state_dir>/audit.jsonl with a single write. Never
 * blocks and never fails the caller's operation: when the line cannot be
 * written it returns a negative errno and adds "audit log PATH not
 * written: REASON" to warnings (when not NULL), which the caller passes
 * on; a caller that holds warnings need not look at the return value.
 * Does nothing and returns 0 when !enabled.
 */
int ts_audit_log(bool enabled, const char *state_dir, const char *container, const char *action,
		 const char *dest, const char *detail, struct ts_strv *warnings);

/*
 * The last n entries (raw JSON lines, oldest first) of one container
 * (container non-NULL: <state_root>/containers/<container>/audit.jsonl)
 * or of all containers merged by "ts" (stable: equal timestamps keep
 * file order). Lines that are not JSON objects are skipped.
 */
int ts_logs_read(const char *state_root, const char *container, size_t n, struct ts_strv *lines,
		 struct ts_error *err);

#endif
