/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What an allow, deny or verdict is about (docs/cli.md): an IP address, a
 * network or a domain, checked and made canonical before anything else
 * happens; a domain is resolved to all its A and AAAA addresses.
 */
#ifndef TS_LIVE_TARGET_H
#define TS_LIVE_TARGET_H

#include <stdbool.h>

#include "base/domain.h"
#include "base/scope.h"
#include "base/strv.h"
#include "base/util.h"

struct ts_error;

struct ts_live_target {
	char text[TS_DOMAIN_BUFLEN]; /* canonical address or normalised domain: what the audit names */
	bool is_domain;
	struct ts_strv ips;          /* the canonical addresses it stands for: at least one, but
	                                none for a looked-up name's verdict */
	struct ts_scope scope;       /* what an allow reaches: TS_SCOPE_WHOLE for a plain one */
};

/*
 * An operator's TARGET: an address or network as such, or a domain
 * resolved now. Invalid or unresolvable: an error, t empty.
 */
int ts_live_target_parse(const char *input, struct ts_live_target *t, struct ts_error *err);

/*
 * A verdict's target: exactly these addresses, nothing resolved; domain
 * (NULL or "" when unknown) is what dnsmasq answered with. A name the
 * container looked up (held by terok-shield-dns) has a domain and no address.
 */
int ts_live_target_exact(const struct ts_strv *ips, const char *domain, struct ts_live_target *t,
			 struct ts_error *err);

void ts_live_target_clear(struct ts_live_target *t);
#define _cleanup_live_target_ _cleanup_(ts_live_target_clear)

#endif
