/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lines of the per-container dnsmasq log (log-queries, log-facility=FILE;
 * docs/cli.md, watch), which terok-shield-dns writes in the same form:
 * queries for watch's blocked_query events, answers for the IP -> name
 * cache that names NFLOG destinations. Pure, libc only.
 *
 * The names in the log come from the container's own queries, so a line
 * is recognised only when every part of it is what dnsmasq writes
 * (checked against dnsmasq 2.90): a name that is not a valid domain, an
 * answer that is not a bare address, or trailing text makes it OTHER.
 */
#ifndef TS_DNSLOG_H
#define TS_DNSLOG_H

#include "base/addr.h"
#include "base/domain.h"

enum ts_dnslog_kind {
	TS_DNSLOG_OTHER,
	TS_DNSLOG_QUERY,
	TS_DNSLOG_ANSWER,
	TS_DNSLOG_REFUSED,
	TS_DNSLOG_HELD,
};

struct ts_dnslog_line {
	enum ts_dnslog_kind kind;
	char name[TS_DOMAIN_BUFLEN]; /* normalised domain */
	char qtype[12];              /* QUERY: "A" or "AAAA"; REFUSED, HELD: also "TYPEn" (n: 0-65535) */
	char addr[TS_ADDR_STRLEN];   /* ANSWER: canonical address */
};

/*
 * Parse one line (without its newline). Returns 1 when recognised, else 0
 * (out then holds kind TS_DNSLOG_OTHER and empty strings).
 *
 * Recognised, after "[<pri>]" and any timestamp, "dnsmasq[PID]: " (or
 * "terok-shield-dns[PID]: ", the strict forwarder's query log) and the
 * optional log-queries=extra/proto serial ("[TCP |UDP ]N [ADDR/PORT ]"):
 *   query[A] NAME from ADDR           QUERY  (A and AAAA only)
 *   query[AAAA] NAME from ADDR        QUERY
 *   reply NAME is ADDR                ANSWER (also cached, cached-stale;
 *                                             " (DNSSEC signed)" allowed)
 *   refused[TYPE] NAME (not an allowed domain)
 *                                     REFUSED (terok-shield-dns, strict:
 *                                             answered locally, any query
 *                                             type: A, AAAA or TYPEn)
 *   held[TYPE] NAME (waiting for a verdict)
 *                                     HELD (terok-shield-dns, strict and
 *                                             interactive: a name nobody
 *                                             decided on, held for an
 *                                             operator's verdict)
 * Everything else (forwarded, config, /etc/hosts, NXDOMAIN, NODATA,
 * <CNAME>, other query types, wildcard or invalid names) is OTHER.
 */
int ts_dnslog_parse(const char *line, struct ts_dnslog_line *out);

#endif
