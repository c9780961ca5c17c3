/* SPDX-License-Identifier: Apache-2.0 */
/* OCI hook descriptors (docs/cli.md, setup) and where they are installed. */
#ifndef TS_HOOKS_H
#define TS_HOOKS_H

#include <stdbool.h>

#include "config/containers_conf.h"

struct ts_error;

#define TS_HOOK_SYSTEM_DIR TS_HOOKS_DIR_DEFAULT_USR
#define TS_HOOK_VERSION_ENV "TEROK_SHIELD_BUNDLE_VERSION"
/* Runtimes give hooks only the descriptor's environment: this is where the hook logs when a container's state_dir is unknown. */
#define TS_HOOK_STATE_ROOT_ENV "TEROK_SHIELD_STATE_DIR"

/* The stages the hook runs at. */
extern const char *const ts_hook_stages[]; /* NULL-terminated */

/*
 * Descriptor JSON for one stage, running hook_path; it carries the bundle
 * version (hook env TEROK_SHIELD_BUNDLE_VERSION) so stale hooks show, and
 * when state_root is non-NULL TEROK_SHIELD_STATE_DIR=<state_root>, where
 * the hook appends errors it cannot attribute to a container. NULL when a
 * path is not valid UTF-8 (JSON cannot carry it).
 */
char *ts_hook_descriptor(const char *stage, const char *hook_path, const char *state_root);

/* ~/.local/share/containers/oci/hooks.d */
int ts_hook_user_dir(char **out, struct ts_error *err);

enum ts_hooks_install {
	TS_HOOKS_NOT_INSTALLED,
	TS_HOOKS_GLOBAL_USER,
	TS_HOOKS_GLOBAL_SYSTEM,
};

/* "not-installed", "global-user", "global-system". */
const char *ts_hooks_install_name(enum ts_hooks_install where);

/* "ok", "setup-needed" (not installed) or "stale-hooks". */
const char *ts_hooks_health(enum ts_hooks_install where, bool stale);

/*
 * Where the descriptors are installed (user dir first; it counts only when
 * containers.conf's hooks_dir lists it, since podman would not run them
 * otherwise). *stale: a found descriptor names another bundle version or a
 * hook that is not executable.
 */
enum ts_hooks_install ts_hooks_detect(bool *stale);

/*
 * The hook binary to install: $TEROK_SHIELD_HOOK when set, the built one
 * when running from the build tree, else the installed one.
 */
const char *ts_hook_executable(void);

/* Directory of a global install (newly allocated); NULL when not installed. */
char *ts_hooks_dir(enum ts_hooks_install where);

/* The shield tier's forwarder, which the hook starts (doc/terok-shield-dns.8.scd). */
#define TS_FORWARDER_PROGRAM "terok-shield-dns"

/*
 * Install into dir (created if needed): a copy of the hook executable as
 * DIR/terok-shield-hook, a copy of the terok-shield-dns beside the hook
 * executable as DIR/terok-shield-dns (*forwarder: its path; NULL when
 * there is none to copy, and an older copy is removed), and one
 * descriptor per stage running the hook. Idempotent; every file is
 * replaced atomically.
 */
int ts_hooks_install(const char *dir, const char *state_root, char **forwarder,
		     struct ts_error *err);

/*
 * The bundle's own entrypoint and descriptors (docs/bundle.md): state_dir's
 * terok-shield-hook links to the hook of the global install in
 * global_dir, and hooks/ holds descriptors running it.
 */
int ts_hooks_write_bundle(const char *state_dir, const char *global_dir, const char *state_root,
			  struct ts_error *err);

/*
 * The user's containers.conf (newly allocated): $CONTAINERS_CONF when set
 * (podman then reads only it), else $XDG_CONFIG_HOME or ~/.config.
 */
int ts_user_containers_conf(char **out, struct ts_error *err);

#endif
