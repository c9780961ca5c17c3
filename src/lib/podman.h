/* SPDX-License-Identifier: Apache-2.0 */
/* What the tool needs to know from podman. */
#ifndef TS_PODMAN_H
#define TS_PODMAN_H

struct ts_error;

/* "4.3.1" from `podman --version`; -ENOENT when podman is not installed. */
int ts_podman_version(char **out, struct ts_error *err);

#endif
