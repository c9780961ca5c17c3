/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A change to a running container's table, made inside its network
 * namespace by the forked helper (container/nsexec.h): the allow and deny
 * sets get exactly what the bundle files say, or the whole table is
 * replaced and then verified; dnsmasq restarts when it must take new
 * domains.
 */
#ifndef TS_LIVE_APPLY_H
#define TS_LIVE_APPLY_H

#include <sys/types.h>
#include <time.h>

#include "base/strv.h"
#include "base/util.h"

struct ts_error;
struct ts_nft;

/* What the new table is checked against after a whole-table replacement (nft/verify.h). */
enum ts_live_verify { TS_LIVE_VERIFY_NONE, TS_LIVE_VERIFY_UP, TS_LIVE_VERIFY_DOWN,
		      TS_LIVE_VERIFY_DOWN_ALL, TS_LIVE_VERIFY_BLOCK };

/* One change, prepared from the bundle files before the helper forks. */
struct ts_live_apply {
	const char *rules;          /* whole-table script to replace the table, or NULL: sets only */
	struct ts_strv allow;       /* the allow sets' content: effective IPs */
	struct ts_strv deny;        /* the deny sets' content: deny.list and live.denied */
	struct ts_strv scoped;      /* the scoped sets' content: live.scoped's lines */
	time_t now;                 /* what the scoped entries' remaining time counts from */
	bool scoped_changed;        /* sets only: live.scoped changed (else its sets are left alone
				     * while it is empty: a table from before them has none) */
	struct ts_strv gateways;    /* with rules only */
	enum ts_live_verify verify;
	const char *dnsmasq_for;    /* state_dir whose dnsmasq must pick up new domains */
	pid_t container;            /* with dnsmasq_for: the container's init, for its watcher */
};

void ts_live_apply_clear(struct ts_live_apply *a);
#define _cleanup_live_apply_ _cleanup_(ts_live_apply_clear)

/*
 * The helper's work (a ts_nsexec_fn; arg: a struct ts_live_apply): one
 * nft transaction, the verification, the dnsmasq restart. *output is
 * "sets changed" once the sets changed and dnsmasq is restarted, so a
 * caller can tell that a failure left the sets changed.
 */
int ts_live_apply_in_container(struct ts_nft *nft, void *arg, char **output,
			       struct ts_error *err);

#endif
