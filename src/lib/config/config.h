/* SPDX-License-Identifier: Apache-2.0 */
/* config.yml (docs/cli.md): parsed with libyaml, every error names file and key. */
#ifndef TS_CONFIG_H
#define TS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strv.h"
#include "base/util.h"

struct ts_error;

#define TS_CONFIG_FILE "config.yml"
#define TS_DEFAULT_PROFILE "dev-standard"

enum ts_mode {
	TS_MODE_AUTO,
	TS_MODE_HOOK,
};

/* dns_tier: which resolver a new container gets (docs/bundle.md, dns.tier). */
enum ts_dns_tier_choice {
	TS_DNS_TIER_AUTO,    /* the default tier */
	TS_DNS_TIER_SHIELD,  /* terok-shield-dns, the strict forwarder */
	TS_DNS_TIER_DNSMASQ,
	TS_DNS_TIER_DIG,     /* static: names resolved once at prepare */
};

struct ts_config {
	enum ts_mode mode;                /* default auto */
	struct ts_strv default_profiles;  /* default [dev-standard] */
	uint16_t *loopback_ports;         /* default none */
	size_t n_loopback_ports;
	bool interactive;                 /* default false */
	bool audit_enabled;               /* default true */
	enum ts_dns_tier_choice dns_tier; /* default auto */
	bool dns_open;                    /* dns_policy: open; default strict (false) */
};

/* Fill c with the defaults. */
void ts_config_init(struct ts_config *c);
void ts_config_clear(struct ts_config *c);
#define _cleanup_config_ _cleanup_(ts_config_clear)

/* "auto", "shield", "dnsmasq", "dig"; -EINVAL for anything else. */
int ts_dns_tier_choice_parse(const char *word, enum ts_dns_tier_choice *out);

/* "auto" / "hook". */
const char *ts_mode_name(enum ts_mode mode);

/*
 * Parse YAML text. `path` is used only in messages. On error c is left
 * cleared (defaults) and err names the file, the key and what was
 * expected, e.g. "/x/config.yml: loopback_ports[0]: expected a port
 * number 1-65535, got '70000'".
 */
int ts_config_parse(const char *path, const char *text, size_t len, struct ts_config *c,
		    struct ts_error *err);

/*
 * Load <config_root>/config.yml; a missing file means defaults. Like
 * ts_config_parse, c is output only (it is initialised here); release it
 * with ts_config_clear whatever the result.
 */
int ts_config_load(const char *config_root, struct ts_config *c, struct ts_error *err);

#endif
