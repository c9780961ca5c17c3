/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libterok-shield — per-container default-deny egress firewall for
 * rootless Podman.
 *
 * Conventions: functions return 0 (or a non-negative count) on success
 * and a negative errno on failure; when a `struct ts_error *` is passed
 * (it may be NULL) it receives the errno and a one-line, human-readable
 * message. The library never prints. Strings it returns are owned by the
 * caller and released with free().
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

/* Version of the per-container state bundle layout (SPEC 1.1). */
#define TS_BUNDLE_VERSION 4

#define TS_ERROR_MESSAGE_MAX 512

/* Error object: errno-style code plus a formatted message. */
struct ts_error {
	int code;
	char message[TS_ERROR_MESSAGE_MAX];
};

/* Library version, "X.Y.Z". */
TS_EXPORT const char *ts_version(void);

/* Which ruleset to generate. */
enum ts_ruleset_mode {
	TS_RULESET_UP,          /* default-deny (DENIED terminal rule) */
	TS_RULESET_INTERACTIVE, /* default-deny (QUEUED terminal rule) */
	TS_RULESET_DOWN,        /* bypass, private ranges still refused */
	TS_RULESET_DOWN_ALL,    /* bypass, private ranges allowed too */
};

/* Inputs of the ruleset generator. All values are validated. */
struct ts_ruleset_params {
	enum ts_ruleset_mode mode;
	const char *dns;                 /* upstream DNS address (IPv4 or IPv6) */
	const uint16_t *loopback_ports;  /* ports reachable on the host loopback */
	size_t n_loopback_ports;
	bool dnsmasq_tier;               /* declare and accept dns_v4/dns_v6 */
};

/*
 * Generate the nft script that replaces the terok_shield table in one
 * transaction. *out is a newly allocated string.
 */
TS_EXPORT int ts_ruleset_generate(const struct ts_ruleset_params *params, char **out,
				  struct ts_error *err);

/* Live shield state, as classified from `nft list table inet terok_shield`. */
enum ts_shield_state {
	TS_STATE_UP,
	TS_STATE_DOWN,
	TS_STATE_DOWN_ALL,
	TS_STATE_INACTIVE,
	TS_STATE_ERROR,
};

/* "up", "down", "down_all", "inactive", "error". */
TS_EXPORT const char *ts_shield_state_name(enum ts_shield_state state);

/*
 * Classify a listing of the table (NULL or empty: no table). Never fails.
 */
TS_EXPORT enum ts_shield_state ts_shield_state_classify(const char *listing);

#ifdef __cplusplus
}
#endif

#endif
