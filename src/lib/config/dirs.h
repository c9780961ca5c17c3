/* SPDX-License-Identifier: Apache-2.0 */
/* Where configuration and state live (docs/cli.md), and where our programs are. */
#ifndef TS_DIRS_H
#define TS_DIRS_H

#include <stdbool.h>

struct ts_error;

/*
 * Config root: $TEROK_SHIELD_CONFIG_DIR, else $XDG_CONFIG_HOME/terok/shield,
 * else $HOME/.config/terok/shield. Relative XDG values are ignored (XDG
 * Base Directory spec); a relative TEROK_SHIELD_CONFIG_DIR is an error.
 */
int ts_config_root(char **out, struct ts_error *err);

/*
 * State root: flag (--state-dir) if non-NULL, else $TEROK_SHIELD_STATE_DIR,
 * else $XDG_STATE_HOME/terok/shield, else $HOME/.local/state/terok/shield.
 * Relative flag / TEROK_SHIELD_STATE_DIR values are made absolute against
 * the working directory.
 */
int ts_state_root(const char *flag, char **out, struct ts_error *err);

/*
 * Whether this program runs from the build tree (tests, uninstalled
 * runs): it then uses the source tree's profiles and the built hook.
 */
bool ts_running_from_build_tree(void);

/* This program's path (/proc/self/exe), newly allocated; NULL when unreadable. */
char *ts_self_exe(void);

/* A helper program of ours: the build tree's when running from it, else libexecdir's (newly allocated). */
char *ts_libexec_program(const char *name);

#endif
