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

/*
 * A program that travels with this one (the hook's terok-shield-dns):
 * the file next to this program's own binary (/proc/self/exe: the build
 * tree, libexecdir, or the hooks directory `setup` copied both into),
 * else libexecdir's. Never a PATH lookup. The file used must be a regular
 * executable file that neither group nor others can write; -ENOENT names
 * every place looked at, -EPERM a file that is there but unsafe.
 */
int ts_companion_program(const char *name, char **out, struct ts_error *err);

/* 1: path is a regular executable file neither group nor others can write; 0: nothing there; -EPERM (err set): anything else. */
int ts_program_usable(const char *path, struct ts_error *err);

/* name next to the file at path (newly allocated): dir/name for dir/x, name for x. */
char *ts_path_sibling(const char *path, const char *name);

#endif
