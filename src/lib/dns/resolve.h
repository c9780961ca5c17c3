/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Static DNS tier (docs/cli.md): every name resolved at once with c-ares.
 *
 * Plain DNS, like the `dig` the tier is named after: A and AAAA queries
 * to the nameservers of /etc/resolv.conf, no /etc/hosts and no search
 * list (profile names are fully qualified). All queries of a call are in
 * flight together, so a call takes about as long as its slowest answer.
 */
#ifndef TS_RESOLVE_H
#define TS_RESOLVE_H

#include <stddef.h>

#include "base/strv.h"

struct ts_error;

/*
 * Resolve every name at once (A and AAAA for each) with c-ares, using the
 * host's resolver configuration (/etc/resolv.conf), each query limited to
 * timeout_ms. A leading "*." is stripped before resolving. Appends the
 * canonical addresses (ts_addr_canonicalize) to *ips, de-duplicated, in
 * the order of names (A answers before AAAA for a name); appends to
 * *unresolved one "NAME: reason" entry per name that yielded no address
 * at all. Returns 0 even when some or all names fail; < 0 only when the
 * resolver cannot run (c-ares init failure, bad arguments).
 *
 * Names are validated with ts_domain_normalize first; an invalid one goes
 * to *unresolved and is never sent. Names that normalise to the same
 * domain ("Example.com", "*.example.com") are looked up once and reported
 * once, under the first spelling. Addresses already in *ips are not added
 * again. Nothing is appended when the call fails.
 */
int ts_resolve_all(const char *const *names, size_t n, int timeout_ms, struct ts_strv *ips,
		   struct ts_strv *unresolved, struct ts_error *err);

/*
 * ts_resolve_all against explicit servers instead of the nameservers of
 * /etc/resolv.conf: servers is a c-ares CSV list ("127.0.0.1:5353,[::1]:53").
 * For tests, which cannot own port 53 of the host.
 */
int ts_resolve_all_at(const char *servers, const char *const *names, size_t n, int timeout_ms,
		      struct ts_strv *ips, struct ts_strv *unresolved, struct ts_error *err);

#endif
