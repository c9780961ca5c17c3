/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-container state bundle (docs/bundle.md, layout version 4). This is
 * the only place that knows where files live inside a state_dir: one path
 * function per file. Returned paths are newly allocated.
 */
#ifndef TS_STATE_H
#define TS_STATE_H

#include <stdbool.h>

#include "base/strv.h"

struct ts_error;

char *ts_path_hooks_dir(const char *state_dir);
char *ts_path_hook_json(const char *state_dir, const char *stage);
char *ts_path_hook_entrypoint(const char *state_dir);
char *ts_path_ruleset(const char *state_dir);
char *ts_path_gateway(const char *state_dir);
char *ts_path_gateway_v6(const char *state_dir);
char *ts_path_upstream_dns(const char *state_dir);
char *ts_path_dns_tier(const char *state_dir);
char *ts_path_profile_allowed(const char *state_dir);
char *ts_path_profile_domains(const char *state_dir);
char *ts_path_live_allowed(const char *state_dir);
char *ts_path_live_domains(const char *state_dir);
char *ts_path_deny_list(const char *state_dir);
char *ts_path_denied_domains(const char *state_dir);
char *ts_path_dnsmasq_conf(const char *state_dir);
char *ts_path_dnsmasq_pid(const char *state_dir);
char *ts_path_dnsmasq_log(const char *state_dir);
char *ts_path_resolv_conf(const char *state_dir);
char *ts_path_interactive(const char *state_dir);
char *ts_path_container_id(const char *state_dir);
char *ts_path_container_pid(const char *state_dir);
char *ts_path_audit(const char *state_dir);
char *ts_path_hook_error_log(const char *state_dir);
/* Added to the layout: serialises read-modify-write sequences. */
char *ts_path_lock(const char *state_dir);
/* Added: the profile names prepare composed, one per line (resolve reuses them). */
char *ts_path_profiles(const char *state_dir);
/*
 * Added: denies of this run that deny.list does not keep (docs/cli.md), so
 * the live deny sets always equal what the files say; the hook empties it
 * at every start.
 */
char *ts_path_live_denied(const char *state_dir);
/* Added: the loopback ports prepare allowed, one per line (regenerating the ruleset needs them). */
char *ts_path_loopback_ports(const char *state_dir);
/*
 * Added: "slirp4netns" or "pasta", how the container reaches the host's
 * loopback (docs/bundle.md); older bundles lack it (inferred from upstream.dns).
 */
char *ts_path_network_mode(const char *state_dir);
/*
 * Added: present while the container is blocked (docs/bundle.md): written
 * by `block`, removed by `up`; the hook applies the block ruleset while it
 * exists.
 */
char *ts_path_blocked(const char *state_dir);
/*
 * Added: scoped and timed allows, "ADDRESS PROTO PORTS EXPIRES" per line
 * (docs/bundle.md); live.allowed keeps the plain, permanent ones.
 */
char *ts_path_live_scoped(const char *state_dir);
/* Added: the profiles' scoped entries (live.scoped's format, never expiring). */
char *ts_path_profile_scoped(const char *state_dir);
/*
 * Added (shield tier): scoped domains, "DOMAIN PROTO PORTS EXPIRES" per
 * line: the profiles' (never expiring) and allow DOMAIN --port/--for's.
 */
char *ts_path_profile_scoped_domains(const char *state_dir);
char *ts_path_live_scoped_domains(const char *state_dir);
/* Added: "strict" or "open", the shield tier's DNS policy; absent: strict. */
char *ts_path_dns_policy(const char *state_dir);
/*
 * Added: the running terok-shield-dns of the shield tier, as the hook
 * started it: its PID and start time (container/procid.h format).
 */
char *ts_path_dns_forwarder(const char *state_dir);

/*
 * An existing state_dir the hook may use: a real directory (not a
 * symlink) owned by us and closed to everyone else (mode 0700 or tighter).
 */
int ts_state_dir_check(const char *state_dir, struct ts_error *err);

/*
 * Create state_dir and hooks/ with mode 0700. A wider state_dir is
 * tightened, with a warning (bundle/audit.h) "STATE_DIR had mode 0755;
 * restricted it to 0700" added to warnings (when not NULL).
 */
int ts_ensure_state_dirs(const char *state_dir, struct ts_strv *warnings, struct ts_error *err);

/*
 * The readers below append to out (normally empty) and follow docs/bundle.md
 * exactly: lines stripped, blank lines skipped, missing files empty.
 */
/* profile.allowed then live.allowed, duplicates removed, first wins. */
int ts_read_allowed_ips(const char *state_dir, struct ts_strv *out, struct ts_error *err);
/* deny.list (a set; returned in file order without duplicates). */
int ts_read_denied_ips(const char *state_dir, struct ts_strv *out, struct ts_error *err);
/* (profile then live, duplicates dropped) minus denied, order kept: pure. */
void ts_effective_ips(const struct ts_strv *profile, const struct ts_strv *live,
		      const struct ts_strv *denied, struct ts_strv *out);
/* allowed minus denied, order kept. */
int ts_read_effective_ips(const char *state_dir, struct ts_strv *out, struct ts_error *err);
/* Trimmed content of `interactive`; *out NULL when missing or empty. */
int ts_read_interactive_tier(const char *state_dir, char **out, struct ts_error *err);
/* Whether the bundle records a block: anything at `blocked` counts (fail closed). */
int ts_read_blocked(const char *state_dir, bool *blocked, struct ts_error *err);

#endif
