/* SPDX-License-Identifier: Apache-2.0 */
/* containers.conf: adding our hooks directory to hooks_dir (docs/cli.md, setup). */
#ifndef TS_CONTAINERS_CONF_H
#define TS_CONTAINERS_CONF_H

#include <stdbool.h>

struct ts_error;

/* podman's hooks_dir when containers.conf does not set it. */
#define TS_HOOKS_DIR_DEFAULT_USR "/usr/share/containers/oci/hooks.d"
#define TS_HOOKS_DIR_DEFAULT_ETC "/etc/containers/oci/hooks.d"

/*
 * containers.conf text with dir added to [engine] hooks_dir, every other
 * line kept byte for byte. text NULL or "" means the file does not exist.
 * When hooks_dir is not set, podman's default applies, which setting the
 * key would silently drop: the new array starts with the defaults
 * ("/usr/share/containers/oci/hooks.d", "/etc/containers/oci/hooks.d"),
 * then dir. *changed false (and *out a copy) when dir is already listed.
 * A hooks_dir this editor cannot understand (not an array of strings, e.g.
 * a bare string or a nested structure) is an error that says which line;
 * never rewrite what you did not understand.
 *
 * dir must be absolute and free of control characters (-EINVAL otherwise).
 * Entries match ignoring trailing slashes. The rest of the file must be
 * TOML this scanner can follow (-EINVAL naming the line otherwise).
 */
int ts_containers_conf_add_hooks_dir(const char *text, const char *dir, char **out, bool *changed,
				     struct ts_error *err);

/* Whether dir appears in [engine] hooks_dir (false when unset or unparsable). */
bool ts_containers_conf_has_hooks_dir(const char *text, const char *dir);

#endif
