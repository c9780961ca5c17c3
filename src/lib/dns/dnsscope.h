/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What terok-shield-dns learns for a name that only scoped domains allow
 * (docs/security.md, shield tier): every address of the answer goes to
 * scoped_v4/scoped_v6 once per scope of each scoped domain covering the
 * name, as ADDR . PROTO . PORTS with timeout min(the address's learn
 * timeout, what remains of the allow), unless a scoped address entry
 * (profile.scoped, live.scoped) already covers some of those ports of the
 * address: the kernel takes no overlapping element. For the same reason
 * an address's pieces that overlap (two scopes, or what was learned
 * before) are replaced by disjoint ones, each as long as its longest cover. A name a whole allow
 * covers (profile.domains, live.domains) is learned whole, into dns_v4/dns_v6.
 * Pure: the caller runs the commands and then notes what was added.
 */
#ifndef TS_DNSSCOPE_H
#define TS_DNSSCOPE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "base/strbuf.h"
#include "dns/dnsanswer.h"
#include "dns/dnsdomains.h"
#include "dns/dnslearned.h"

/* More elements than this from one answer are not learned (the first ones are). */
#define TS_DNS_SCOPED_MAX 128

/* The commands for one answer and the elements they add (keys as the learned table notes them). */
struct ts_dns_scoped_batch {
	struct ts_strbuf nft;
	size_t n;
	struct {
		char key[TS_ADDR_STRLEN]; /* "ADDR PROTO PORTS" */
		uint32_t timeout;
	} added[TS_DNS_SCOPED_MAX];
	size_t n_removed;
	char removed[TS_DNS_SCOPED_MAX][TS_ADDR_STRLEN]; /* keys deleted and not added again */
};

void ts_dns_scoped_batch_clear(struct ts_dns_scoped_batch *b);

/* Whether name is learned whole: a whole allowed domain covers it. */
bool ts_dns_learn_whole(const struct ts_dns_domain_files *f, const char *name);

/*
 * The add-element commands for addrs[0..n) of an answer to name, at now
 * (wall clock, for the allows' ends) and now_ms (the learned table's
 * clock): elements the table says outlive the answer need none; one it
 * says is present is deleted and added again (its timeout renewed).
 */
void ts_dns_scoped_batch_make(const struct ts_dns_scoped_domains *s, const char *name,
			      const struct ts_dns_addr *addrs, size_t n, time_t now,
			      uint64_t now_ms, const struct ts_dns_learned *l,
			      struct ts_dns_scoped_batch *b);

/* Note the batch's elements in the learned table, once its commands ran. */
void ts_dns_scoped_batch_noted(const struct ts_dns_scoped_batch *b, struct ts_dns_learned *l,
			       uint64_t now_ms);

#endif
