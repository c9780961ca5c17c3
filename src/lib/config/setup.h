/* SPDX-License-Identifier: Apache-2.0 */
/* setup (docs/cli.md): the global hook install podman keeps across restarts. */
#ifndef TS_SETUP_H
#define TS_SETUP_H

#include <stdbool.h>

#include "base/util.h"

struct ts_error;

struct ts_setup_report {
	char *hooks_dir;         /* where the hook and descriptors went */
	char *containers_conf;   /* the file edited (--user), else NULL */
	bool conf_changed;       /* hooks_dir gained our directory */
	char *forwarder;         /* terok-shield-dns copied next to the hook; NULL: none found */
};

/*
 * --user: install into ~/.local/share/containers/oci/hooks.d and add that
 * directory to hooks_dir in $XDG_CONFIG_HOME/containers/containers.conf
 * (default ~/.config), keeping its other entries. Idempotent.
 */
int ts_setup_user(const char *state_root, struct ts_setup_report *rep, struct ts_error *err);

/* --root: install into /usr/share/containers/oci/hooks.d, where podman looks by default. */
int ts_setup_root(const char *state_root, struct ts_setup_report *rep, struct ts_error *err);

void ts_setup_report_clear(struct ts_setup_report *rep);
#define _cleanup_setup_report_ _cleanup_(ts_setup_report_clear)

#endif
