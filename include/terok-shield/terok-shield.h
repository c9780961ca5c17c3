/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libterok-shield — per-container default-deny egress firewall for
 * rootless Podman. Link with `pkg-config --cflags --libs libterok-shield`.
 *
 * Conventions:
 * - Functions return 0 (or a documented non-negative value) on success
 *   and a negative errno on failure. When a `struct ts_error *` is passed
 *   (it may be NULL) it receives the errno and a one-line, human-readable
 *   message naming what was wrong; after a success its content means
 *   nothing.
 * - Invalid input (names, targets, configuration) is refused before any
 *   file, ruleset or process is touched.
 * - The library never prints and never exits. Strings it returns are
 *   owned by the caller and released with free(); string lists
 *   (NULL-terminated `char **`) with ts_string_list_free(). Pointers to
 *   `const char` it returns are static or live as long as the object they
 *   came from.
 * - Calls that reach a running container fork a short-lived helper
 *   process (which joins the container's namespaces) and wait for it; do
 *   not reap unknown children with wait(-1) meanwhile, and leave SIGCHLD
 *   at its default disposition.
 * - The library is not thread-safe: call it from one thread at a time.
 * - Directories follow terok-shield(1): the config root is
 *   $TEROK_SHIELD_CONFIG_DIR, else $XDG_CONFIG_HOME/terok/shield, else
 *   ~/.config/terok/shield; the state root $TEROK_SHIELD_STATE_DIR, else
 *   $XDG_STATE_HOME/terok/shield, else ~/.local/state/terok/shield.
 */
#ifndef TEROK_SHIELD_H
#define TEROK_SHIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TS_EXPORT __attribute__((visibility("default")))

/* Version of the per-container state bundle layout. */
#define TS_BUNDLE_VERSION 4

#define TS_ERROR_MESSAGE_MAX 512

/* Error object: errno-style code plus a formatted message. */
struct ts_error {
	int code;
	char message[TS_ERROR_MESSAGE_MAX];
};

/* Library version, "X.Y.Z" (static). Never fails. */
TS_EXPORT const char *ts_version(void);

/* Which ruleset to generate. */
enum ts_ruleset_mode {
	TS_RULESET_UP,          /* default-deny (DENIED terminal rule) */
	TS_RULESET_INTERACTIVE, /* default-deny (QUEUED terminal rule) */
	TS_RULESET_DOWN,        /* bypass, private ranges still refused */
	TS_RULESET_DOWN_ALL,    /* bypass, private ranges allowed too */
	TS_RULESET_BLOCK,       /* emergency stop: loopback only, DNS on loopback refused too */
};

/*
 * How the container reaches the host's loopback ports (docs/ruleset.md):
 * only that mode's rules are emitted.
 */
enum ts_network_mode {
	TS_NETWORK_AUTO,        /* from the DNS address: pasta's (169.254.1.1) is pasta, any other slirp4netns */
	TS_NETWORK_SLIRP4NETNS, /* through the gateway (the gateway_v4/v6 sets) */
	TS_NETWORK_PASTA,       /* through pasta's host-loopback address 169.254.1.2 */
};

/* Inputs of the ruleset generator. All values are validated. */
struct ts_ruleset_params {
	enum ts_ruleset_mode mode;
	const char *dns;                 /* upstream DNS address (IPv4 or IPv6) */
	const uint16_t *loopback_ports;  /* ports reachable on the host loopback */
	size_t n_loopback_ports;
	bool dnsmasq_tier;               /* declare and accept dns_v4/dns_v6 */
	enum ts_network_mode network;    /* 0 (AUTO): inferred from dns */
	bool shield_tier;                /* strict DNS: no DNS server accepted (only the
					    forwarder on loopback), dns_v4/dns_v6 declared
					    timeout-only and accepted */
};

/*
 * Generate the nft script that replaces the terok_shield table in one
 * transaction; pure, no I/O. On success *out is a newly
 * allocated string (free()). -EINVAL: an invalid DNS address, port,
 * mode or network mode, named in err; *out is then untouched.
 */
TS_EXPORT int ts_ruleset_generate(const struct ts_ruleset_params *params, char **out,
				  struct ts_error *err);

/* Live shield state, as classified from the table's JSON listing. */
enum ts_shield_state {
	TS_STATE_UP,
	TS_STATE_DOWN,
	TS_STATE_DOWN_ALL,
	TS_STATE_INACTIVE,
	TS_STATE_ERROR,
	TS_STATE_BLOCK,   /* the block ruleset: loopback only */
};

/*
 * "up", "down", "down_all", "inactive", "error", "block" (static); "error"
 * for an unknown value.
 */
TS_EXPORT const char *ts_shield_state_name(enum ts_shield_state state);

/*
 * Classify libnftables' JSON listing of the table, as
 * `nft -j -t -p list table inet terok_shield` prints it (-t, set elements
 * left out, and -p, protocols as numbers, are optional). NULL or blank: no table, TS_STATE_INACTIVE. Anything
 * else that is not such a listing, the text form of `nft list table`
 * included, is TS_STATE_ERROR. Never fails.
 */
TS_EXPORT enum ts_shield_state ts_shield_state_classify(const char *listing);

/* ---- Embedding: prepare and control shielded containers ---- */

/* Release a NULL-terminated string list the library returned (NULL is fine). */
TS_EXPORT void ts_string_list_free(char **list);

/* Where configuration and state live. NULL members, or a NULL pointer: the defaults above. */
struct ts_roots {
	const char *config_root;  /* holds config.yml and profiles/ */
	const char *state_root;   /* holds containers/<name>/ */
};

/*
 * Prepare container `name` as `terok-shield prepare` does (terok-shield(1)):
 * load config.yml, read `podman info` once, compose the profiles, write
 * the container's state bundle (<state root>/containers/<name>, mode
 * 0700) and return the arguments to put between `podman run` and the
 * caller's own options and image.
 *
 * name:        ^[A-Za-z0-9][A-Za-z0-9_.-]*$, at most 255 characters.
 * profiles:    NULL-terminated profile names; NULL or empty: the
 *              default_profiles of config.yml.
 * interactive: queue blocked connections for a verdict (also when
 *              config.yml says `interactive: true`).
 * podman_args: receives a newly allocated NULL-terminated list
 *              (ts_string_list_free()).
 * warnings:    optional; receives one "DOMAIN: reason" line per profile
 *              domain that did not resolve and was skipped (static DNS
 *              tier), possibly an empty list.
 *
 * Errors (outputs untouched, nothing written): -EINVAL an invalid name,
 * profile name or config.yml; -ENOENT an unknown profile, or podman not
 * installed; -EBUSY a container of that name runs (change it live
 * instead) or podman still has one (podman run would refuse the name);
 * -EPERM podman runs rootful, e.g. for root (only rootless containers
 * are shielded); another negative errno when the global hook
 * is not installed (run `terok-shield setup`), podman's network mode is
 * unsupported or the bundle cannot be written.
 */
TS_EXPORT int ts_prepare_container(const struct ts_roots *roots, const char *name,
				   const char *const *profiles, bool interactive,
				   char ***podman_args, char ***warnings, struct ts_error *err);

/* A prepared container, opened by name. Opaque. */
struct ts_shielded;

/*
 * Open prepared container `name`: validates the name, finds its state
 * bundle and loads config.yml (for the audit setting). On success *out is
 * a new handle to release with ts_shielded_close(). -EINVAL: invalid name
 * or config.yml; -ENOENT: the container was never prepared.
 */
TS_EXPORT int ts_shielded_open(const struct ts_roots *roots, const char *name,
			       struct ts_shielded **out, struct ts_error *err);

/* Release a handle (NULL is fine). The container itself is not touched. */
TS_EXPORT void ts_shielded_close(struct ts_shielded *s);

/* The container's name and its state directory, valid until ts_shielded_close(). */
TS_EXPORT const char *ts_shielded_name(const struct ts_shielded *s);
TS_EXPORT const char *ts_shielded_state_dir(const struct ts_shielded *s);

/*
 * Let the container reach target: an IP address, a CIDR
 * network or a domain (resolved to all its A and AAAA addresses). The
 * bundle keeps it for the container's next starts; a running container
 * gets it at once, in one nft transaction; an earlier deny is lifted.
 * ips (optional) receives the canonical addresses the target stood for.
 * Returns 1 when the running container got the change, 0 when it is
 * only saved (the container is not running), or a negative errno:
 * -EINVAL an invalid target, another errno when a domain does not
 * resolve or the container's rules cannot be changed. On error nothing
 * changed.
 */
TS_EXPORT int ts_shielded_allow(const struct ts_shielded *s, const char *target, char ***ips,
				struct ts_error *err);

/*
 * Refuse target at once, even when DNS hands the address out
 * again for an allowed domain. Same target forms, outputs and return
 * values as ts_shielded_allow().
 */
TS_EXPORT int ts_shielded_deny(const struct ts_shielded *s, const char *target, char ***ips,
			       struct ts_error *err);

/*
 * Put the running container's shield back (up) or lift it (down; with
 * all, private ranges are let through too), each in one nft transaction,
 * then verified. 0 on success; a negative errno when the
 * container does not run or the new table fails verification.
 */
TS_EXPORT int ts_shielded_up(const struct ts_shielded *s, struct ts_error *err);
TS_EXPORT int ts_shielded_down(const struct ts_shielded *s, bool all, struct ts_error *err);

/*
 * Block the running container as `terok-shield block` does: only its
 * loopback stays open (no DNS, no allowlist, no bypass; open connections
 * are cut), in one nft transaction, then verified. The bundle records the
 * block, so a restart applies it again, until ts_shielded_up() lifts it;
 * ts_shielded_down() refuses a blocked container (-EPERM). 0 on success; a
 * negative errno when the container does not run (-ESRCH, nothing
 * changed) or the new table fails verification.
 */
TS_EXPORT int ts_shielded_block(const struct ts_shielded *s, struct ts_error *err);

/*
 * The container's live shield state: TS_STATE_INACTIVE when it
 * does not run or has no table. rules (optional) receives the live table
 * as `nft list table` prints it (free()), or NULL when there is none.
 * 0 on success, or a negative errno when its namespace cannot be read.
 */
TS_EXPORT int ts_shielded_state(const struct ts_shielded *s, enum ts_shield_state *state,
				char **rules, struct ts_error *err);

/*
 * Resolve the container's profile domains again into profile.allowed
 *; a resolution younger than an hour is reused unless force.
 * ips (optional) receives what profile.allowed now holds. Returns the
 * number of addresses, or a negative errno. The container gets them at
 * its next start.
 */
TS_EXPORT int ts_shielded_resolve(const struct ts_shielded *s, bool force, char ***ips,
				  struct ts_error *err);

/*
 * Forget container `name` as `terok-shield forget` does: remove its state
 * bundle (<state root>/containers/<name>) with every allow, deny and its
 * audit log, so a new container of the name starts from nothing. Symbolic
 * links are removed, never followed; the bundle itself must be a real
 * directory owned by the caller. Not audited: the audit log is part of
 * what is removed.
 *
 * Errors (nothing removed): -EINVAL an invalid name; -ENOENT the name was
 * never prepared; -EBUSY the container runs, or podman still has a
 * container of that name (it needs the bundle to start: remove it first);
 * another negative errno when the bundle is not a directory of the caller's
 * or cannot be removed.
 */
TS_EXPORT int ts_forget_container(const struct ts_roots *roots, const char *name,
				  struct ts_error *err);

/* ---- One host's view: every prepared container ---- */

/* Whether podman runs the container, has it stopped, or no longer has it. */
enum ts_container_state {
	TS_CONTAINER_RUNNING, /* running (or paused): its shield is in force */
	TS_CONTAINER_STOPPED, /* podman has it, not running */
	TS_CONTAINER_GONE,    /* podman no longer has it: a stale bundle (see ts_forget_container) */
};

/* "running", "stopped", "gone" (static); "gone" for an unknown value. */
TS_EXPORT const char *ts_container_state_name(enum ts_container_state state);

/*
 * Entries of one kind (allows or denies) that allow and deny added and
 * that are in force: for a running container now, otherwise at its next
 * start. Profile entries are not counted.
 */
struct ts_entry_counts {
	size_t plain;  /* addresses and domains: live.allowed + live.domains; deny.list + denied.domains (+ live.denied while running) */
	size_t scoped; /* allows limited to a protocol or ports, for good (live.scoped) */
	size_t timed;  /* allows with an expiry still ahead (live.scoped) */
};

/* One prepared container, as `terok-shield list` shows it. */
struct ts_listed {
	char *name;
	enum ts_container_state container;
	enum ts_shield_state shield;  /* TS_STATE_INACTIVE unless running; TS_STATE_ERROR for a broken bundle */
	char *dns_tier;               /* dns.tier: "shield", "dnsmasq", "dig", "getent"; NULL when unknown */
	const char *dns_policy;       /* "open" (static): every name is forwarded; NULL when unknown */
	char **profiles;              /* the profile names prepare composed (NULL-terminated, never NULL) */
	struct ts_entry_counts allows, denies;
	char *error;                  /* why the bundle could not be read (shield TS_STATE_ERROR), else NULL */
};

/*
 * Every prepared container (each bundle under <state root>/containers),
 * sorted by name: *list receives a new array of *n entries to release with
 * ts_listed_free(). podman is asked once for the whole list (not at all
 * when there is no bundle); the shield state of each running container is
 * read as ts_shielded_state() reads it (when container.pid records its
 * start: podman is not asked for its PID). A bundle that cannot be read,
 * or a container podman runs without a recorded start, is listed with
 * shield TS_STATE_ERROR and the reason in error; neither fails the list.
 * Entries whose names no container can have are skipped. No podman
 * installed: every bundle is TS_CONTAINER_GONE. Errors: a negative
 * errno when the state root cannot be read or podman fails (its message
 * quoted); then *list and *n are untouched.
 */
TS_EXPORT int ts_list_containers(const struct ts_roots *roots, struct ts_listed **list, size_t *n,
				 struct ts_error *err);

/* Release what ts_list_containers() returned (NULL is fine). */
TS_EXPORT void ts_listed_free(struct ts_listed *list, size_t n);

/* ---- Traffic counters: what a container actually reaches or knocks at ---- */

/* Which rule answered a destination's traffic. */
enum ts_traffic_verdict {
	TS_TRAFFIC_ALLOWED, /* the allow, dns or scoped sets let it out */
	TS_TRAFFIC_DENIED,  /* deny.list or a live deny refused it */
	TS_TRAFFIC_REFUSED, /* the default deny (private ranges and the terminal rule) refused it */
};

/* "allowed", "denied", "refused" (static); "refused" for an unknown value. */
TS_EXPORT const char *ts_traffic_verdict_name(enum ts_traffic_verdict verdict);

/* One destination's counters since its set element was made (docs/ruleset.md, counters). */
struct ts_traffic {
	char *destination; /* an address, network or range; a scoped allow's adds "tcp 443" */
	const char *set;   /* "allow", "dns", "scoped", "deny" or "refused" (static) */
	enum ts_traffic_verdict verdict;
	uint64_t packets;  /* packets the container sent there */
	uint64_t bytes;    /* their size, IP headers included */
	char *domain;      /* the name DNS last answered with this address, or NULL */
};

/*
 * The running container's counters: *list receives a new array of *n
 * destinations that saw traffic, most bytes first (then most packets,
 * then by destination), to release with ts_traffic_free(); the domains
 * come from the container's DNS log (the names `watch` shows). Returns 1
 * with the counters; 0, with an empty list, when the live table has none
 * (a table made before counters existed: ts_shielded_up() adds them);
 * -ESRCH when the container does not run; another negative errno when
 * its table cannot be read (none at all: -ENOENT).
 */
TS_EXPORT int ts_shielded_stats(const struct ts_shielded *s, struct ts_traffic **list, size_t *n,
				struct ts_error *err);

/* Release what ts_shielded_stats() returned (NULL is fine). */
TS_EXPORT void ts_traffic_free(struct ts_traffic *list, size_t n);

#ifdef __cplusplus
}
#endif

#endif
