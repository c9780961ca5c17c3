/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Children that share our memory. Such a child costs no copy of our
 * address space, neither made nor torn down, yet it is a process of its
 * own: a namespace it joins is not ours.
 */
#ifndef TS_VMCHILD_H
#define TS_VMCHILD_H

#include <stdbool.h>

struct ts_error;

/*
 * Whether a child may share our memory here: valgrind cannot run one, and
 * AddressSanitizer's per-thread state would be shared with it.
 */
bool ts_vm_child_allowed(void);

/*
 * Run fn(arg, err) in a child while we wait, as vfork does: one sharing
 * our memory where ts_vm_child_allowed(), else a forked one (then only
 * what fn returns and writes to its err comes back). fn must not return
 * to us by other means (no longjmp) and ends nothing but itself. Returns
 * fn's result, or -errno when the child could not run or did not finish.
 */
int ts_vm_child_run(int (*fn)(void *arg, struct ts_error *err), void *arg, struct ts_error *err);

#endif
