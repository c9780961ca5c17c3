/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DNS tier a new container gets (docs/bundle.md, dns.tier) from the
 * config's or the command line's choice: shield (terok-shield-dns),
 * dnsmasq, or dig (static).
 */
#ifndef TS_DNSTIER_H
#define TS_DNSTIER_H

#include "config/config.h"

struct ts_error;

/*
 * The TS_TIER_* name for choice: auto is shield (the strict forwarder,
 * the default for new containers); dnsmasq and dig only when asked for.
 * -ENOTSUP: dnsmasq was asked for but is missing or lacks nftset.
 */
int ts_dns_tier_pick(enum ts_dns_tier_choice choice, const char **tier, struct ts_error *err);

#endif
