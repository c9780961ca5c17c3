/* SPDX-License-Identifier: Apache-2.0 */
/* Where a container's bundle is: its validated name under the state root (docs/cli.md). */
#ifndef TS_LOCATION_H
#define TS_LOCATION_H

struct ts_error;

/* ^[A-Za-z0-9][A-Za-z0-9_.-]*$, at most 255 chars: names become directory names. */
int ts_container_name_validate(const char *name, struct ts_error *err);

/* <state_root>/containers: every bundle's parent (newly allocated). */
char *ts_containers_dir(const char *state_root);

/* <state_root>/containers/<name>, name validated. */
int ts_container_state_dir(const char *state_root, const char *name, char **out,
			   struct ts_error *err);

#endif
