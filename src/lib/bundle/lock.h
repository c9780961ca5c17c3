/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bundle lock (bundle.lock, docs/bundle.md): every read-modify-write
 * of a container's bundle, and every change of its live table, happens
 * while it is held, so concurrent commands and the hook never lose an entry.
 */
#ifndef TS_LOCK_H
#define TS_LOCK_H

struct ts_error;

/*
 * Take the lock (blocking flock on <state_dir>/bundle.lock, created 0600,
 * never through a symbolic link). Returns the descriptor that holds it:
 * closing it releases the lock (_cleanup_close_).
 */
int ts_bundle_lock(const char *state_dir, struct ts_error *err);

#endif
