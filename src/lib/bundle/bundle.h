/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a prepared bundle says about its container (upstream DNS, DNS
 * tier, interactive marker, loopback ports, gateways, network mode), and the default-deny
 * ruleset built from it with the bundle's current allow and deny entries.
 * prepare writes that script to ruleset.nft; later changes regenerate it,
 * so the hook always re-applies what the bundle holds.
 */
#ifndef TS_BUNDLE_H
#define TS_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <terok-shield/terok-shield.h>

#include "base/strv.h"
#include "base/util.h"

struct ts_error;

struct ts_bundle_settings {
	char *upstream_dns;      /* upstream.dns */
	bool dnsmasq_tier;       /* dns.tier is "dnsmasq" */
	bool shield_tier;        /* dns.tier is "shield" (terok-shield-dns) */
	bool dns_open;           /* dns.policy is "open" (absent or "strict": false) */
	bool interactive;        /* interactive marker present ("nflog") */
	bool blocked;            /* `blocked` present: the block ruleset, until up */
	uint16_t *loopback_ports;
	size_t n_loopback_ports;
	char *gateway_v4;        /* gateway, NULL when absent */
	char *gateway_v6;        /* gateway_v6, NULL when absent */
	enum ts_network_mode network; /* network.mode; AUTO when absent (from upstream_dns) */
};

/* Read and validate the settings of a prepared bundle. */
int ts_bundle_settings_read(const char *state_dir, struct ts_bundle_settings *s,
			    struct ts_error *err);
void ts_bundle_settings_clear(struct ts_bundle_settings *s);
#define _cleanup_bundle_settings_ _cleanup_(ts_bundle_settings_clear)

/* The rules of the given mode (no elements) for the bundle's settings. */
int ts_bundle_rules(const struct ts_bundle_settings *s, enum ts_ruleset_mode mode, char **rules,
		    struct ts_error *err);

/* The settings' gateways (v4 then v6, those present), appended to out. */
void ts_bundle_gateways(const struct ts_bundle_settings *s, struct ts_strv *out);

/*
 * The script that replaces the table with the up (or interactive) ruleset
 * and fills it: effective IPs (allowed minus denied), deny entries,
 * gateways. One transaction. While the bundle records a block, the block
 * ruleset with the same sets instead.
 */
int ts_bundle_up_script(const char *state_dir, char **script, struct ts_error *err);

/*
 * The same script from settings and lists already in memory: allowed are
 * the effective IPs, denied the deny.list entries (state_dir only names
 * the bundle in messages).
 */
int ts_bundle_script(const char *state_dir, const struct ts_bundle_settings *s,
		     const struct ts_strv *allowed, const struct ts_strv *denied, char **script,
		     struct ts_error *err);

/* Write ts_bundle_up_script to ruleset.nft (atomically). */
int ts_bundle_write_ruleset(const char *state_dir, struct ts_error *err);

/*
 * Record a block (blocked=true) or lift it, with ruleset.nft to match.
 * The order keeps every crash point safe for the hook, which rebuilds the
 * block script itself while `blocked` exists: blocking writes `blocked`
 * first, lifting rewrites ruleset.nft first. s is the bundle's settings;
 * its blocked member is not used.
 */
int ts_bundle_record_block(const char *state_dir, const struct ts_bundle_settings *s,
			   bool blocked, struct ts_error *err);

/*
 * The domains dnsmasq adds answers for: (profile.domains + live.domains)
 * minus denied.domains, first occurrence kept. Appended to out.
 */
int ts_bundle_merged_domains(const char *state_dir, struct ts_strv *out, struct ts_error *err);

/* The same merge of lists already in memory, appended to out. */
void ts_merge_domains(const struct ts_strv *profile, const struct ts_strv *live,
		      const struct ts_strv *denied, struct ts_strv *out);

/* The text of dnsmasq.conf for upstream and these (merged) domains. */
int ts_bundle_dnsmasq_conf(const char *state_dir, const char *upstream,
			   const struct ts_strv *domains, char **text, struct ts_error *err);

/* Write dnsmasq.conf for the bundle's upstream DNS and merged domains. */
int ts_bundle_write_dnsmasq_conf(const char *state_dir, struct ts_error *err);

#endif
