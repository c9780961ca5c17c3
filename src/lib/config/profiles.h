/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Profiles (docs/cli.md): plain-text allowlists, one domain or IP/CIDR per
 * line, optionally followed by a scope (443, 443/tcp, 8000-8080/udp), '#' comments. User profiles in <config_root>/profiles/NAME.txt
 * override bundled ones of the same name.
 */
#ifndef TS_PROFILES_H
#define TS_PROFILES_H

#include <stdbool.h>

#include "base/scope.h"
#include "base/strv.h"

struct ts_error;

/* Non-empty, at most 64 chars, [A-Za-z0-9_.-], no leading '.', no '/' or "..". */
int ts_profile_name_validate(const char *name, struct ts_error *err);

/*
 * Directory of the bundled profiles: $TEROK_SHIELD_PROFILES_DIR when set,
 * the source tree's data/profiles when running from the build tree, else
 * the installed datadir. Returns a static string.
 */
const char *ts_profiles_bundled_dir(void);

/*
 * Parse profile text into entries (canonical IPs/CIDRs and normalised
 * domains, in order, duplicates kept), each followed by its canonical scope
 * when the line has one: "github.com 443/tcp", "10.0.0.0/8 8000-8080"
 * (no protocol: TCP and UDP). `path` is used in messages:
 * "PATH:LINE: not a domain, IP address or network: 'x'".
 */
int ts_profile_parse(const char *path, const char *text, struct ts_strv *entries,
		     struct ts_error *err);

/*
 * A composed entry's target (into target, size bytes) and scope (for
 * good: seconds 0). Returns 1 when the entry is scoped, 0 when it is a
 * whole address or domain (TS_SCOPE_WHOLE), -EINVAL when not an entry.
 */
int ts_profile_entry_split(const char *entry, char *target, size_t size, struct ts_scope *scope);

/* Locate NAME: user override first, then bundled. -ENOENT: unknown profile. */
int ts_profile_find(const char *config_root, const char *name, char **path, bool *is_user,
		    struct ts_error *err);

/* Names of all available profiles (bundled and user), sorted, unique. */
int ts_profiles_list(const char *config_root, struct ts_strv *names, struct ts_error *err);

/* Load and compose profiles in order; the first occurrence of an entry wins. */
int ts_profiles_compose(const char *config_root, const struct ts_strv *names,
			struct ts_strv *entries, struct ts_error *err);

/*
 * The default_profiles of config.yml as prepare would compose them: every
 * profile found and readable. The error names config.yml and the key:
 * "<config_root>/config.yml: default_profiles: unknown profile 'x' ...".
 */
int ts_default_profiles_check(const char *config_root, const struct ts_strv *names,
			      struct ts_error *err);

#endif
