/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>

#include "base/tail.h"
#include "base/util.h"
#include "bundle/shield.h"
#include "bundle/state.h"
#include "container/locate.h"
#include "container/nsexec.h"
#include "container/procid.h"
#include "control/stats.h"
#include "dns/dnscache.h"
#include "dns/dnslog.h"
#include "nft/counters.h"
#include "nft/listing.h"
#include "nft/nft.h"
#include "nft/verify.h"

/*
 * In the helper: the state and whether the table counts on the first
 * line ("STATE COUNTERS"), then, when it counts, the listing with the
 * set elements (one snapshot of the counters).
 */
static int counters_in_container(struct ts_nft *nft, void *arg, char **output,
				 struct ts_error *err)
{
	(void)arg;
	_cleanup_free_ char *terse = NULL, *full = NULL;
	int r = ts_nft_list_json(nft, &terse, err);
	if (r < 0)
		return r;
	if (!terse)
		return ts_error_set(err, ENOENT, "the container has no shield table; "
				    "'terok-shield up' puts it back");
	bool counters = ts_verify_counters(terse, NULL) == 0;
	if (counters)
		r = ts_nft_list_elements_json(nft, &full, err);
	if (r < 0)
		return r;
	*output = ts_xasprintf("%d %d\n%s", (int)ts_verify_classify(terse), counters,
			       full ? full : "");
	return 0;
}

static void on_dns_line(const char *line, void *arg)
{
	struct ts_dnslog_line l;
	if (ts_dnslog_parse(line, &l) == 1 && l.kind == TS_DNSLOG_ANSWER)
		ts_dnscache_put(arg, l.addr, l.name);
}

/* The address a destination starts with ("192.0.2.7", of "192.0.2.7 tcp 443" too). */
static void address_of(const char *destination, char out[TS_ADDR_STRLEN])
{
	size_t len = strcspn(destination, " ");
	snprintf(out, TS_ADDR_STRLEN, "%.*s", (int)(len < TS_ADDR_STRLEN ? len : 0), destination);
}

/* The names the container's DNS log last gave each address (watch's cache, from the start). */
static void name_destinations(const struct ts_shield *s, struct ts_traffic *items, size_t n)
{
	struct ts_dnscache names;
	ts_dnscache_init(&names);
	_cleanup_free_ char *path = ts_path_dnsmasq_log(s->state_dir);
	_cleanup_tail_ struct ts_tail log;
	ts_tail_init(&log, path, false);
	do
		ts_tail_poll(&log, on_dns_line, &names);
	while (log.more);
	for (size_t i = 0; i < n; i++) {
		char addr[TS_ADDR_STRLEN];
		address_of(items[i].destination, addr);
		const char *name = ts_dnscache_get(&names, addr);
		if (name)
			items[i].domain = ts_xstrdup(name);
	}
	ts_dnscache_clear(&names);
}

int ts_live_stats(const struct ts_shield *s, struct ts_stats *out, struct ts_error *err)
{
	*out = (struct ts_stats){ .state = TS_STATE_INACTIVE };
	struct ts_proc_identity id;
	_cleanup_free_ char *answer = NULL;
	int r = ts_container_require_running(s->state_dir, s->name, &id, err);
	if (r >= 0)
		r = ts_in_container(&id, counters_in_container, NULL, &answer, err);
	if (r < 0)
		return r;
	int state, counters, used = 0;
	if (!answer || sscanf(answer, "%d %d\n%n", &state, &counters, &used) != 2 || used == 0 ||
	    state < TS_STATE_UP || state > TS_STATE_BLOCK)
		return ts_error_set(err, EPROTO, "no answer from the container's namespace");
	out->state = (enum ts_shield_state)state;
	out->counters = counters != 0;
	if (!out->counters)
		return 0;
	r = ts_nft_counters_parse(answer + used, &out->items, &out->n, err);
	if (r < 0)
		return r;
	name_destinations(s, out->items, out->n);
	ts_traffic_sort(out->items, out->n);
	return 0;
}

void ts_stats_clear(struct ts_stats *st)
{
	ts_traffic_list_free(st->items, st->n);
	*st = (struct ts_stats){ 0 };
}
