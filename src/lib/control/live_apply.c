/* SPDX-License-Identifier: Apache-2.0 */
#include "base/strbuf.h"
#include "bundle/scoped.h"
#include "control/live_apply.h"
#include "dns/dnsmasq.h"
#include "nft/listing.h"
#include "nft/nft.h"
#include "nft/ruleset.h"
#include "nft/verify.h"

void ts_live_apply_clear(struct ts_live_apply *a)
{
	ts_strv_clear(&a->allow);
	ts_strv_clear(&a->deny);
	ts_strv_clear(&a->scoped);
	ts_strv_clear(&a->gateways);
}

static int elements(struct ts_strbuf *b, enum ts_nft_set set, const struct ts_strv *v,
		    struct ts_error *err)
{
	return v->n ? ts_ruleset_elements(set, true, (const char *const *)v->items, v->n, b, err) : 0;
}

/* The scoped sets refilled with what remains of each timed entry at a->now. */
static int scoped_elements(const struct ts_live_apply *a, struct ts_strbuf *b,
			   struct ts_error *err)
{
	if (!a->rules && !a->scoped_changed && a->scoped.n == 0)
		return 0;
	int r = a->rules ? 0 : ts_ruleset_flush(TS_SET_SCOPED, b, err);
	return r < 0 ? r : ts_scoped_elements(&a->scoped, a->now, b, err);
}

/* The whole table and its elements, or the sets flushed and refilled. */
static int build_script(const struct ts_live_apply *a, struct ts_strbuf *b, struct ts_error *err)
{
	int r = 0;
	if (a->rules)
		ts_strbuf_puts(b, a->rules);
	else
		r = ts_ruleset_flush(TS_SET_ALLOW, b, err);
	if (r == 0)
		r = elements(b, TS_SET_ALLOW, &a->allow, err);
	if (r == 0 && !a->rules)
		r = ts_ruleset_flush(TS_SET_DENY, b, err);
	if (r == 0)
		r = elements(b, TS_SET_DENY, &a->deny, err);
	if (r == 0 && a->rules)
		r = elements(b, TS_SET_GATEWAY, &a->gateways, err);
	if (r == 0)
		r = scoped_elements(a, b, err);
	return r;
}

/* The one place the live table is read back to check a replacement. */
static int verify(struct ts_nft *nft, enum ts_live_verify mode, struct ts_error *err)
{
	if (mode == TS_LIVE_VERIFY_NONE)
		return 0;
	_cleanup_free_ char *listing = NULL;
	int r = ts_nft_list_json(nft, &listing, err);
	if (r < 0)
		return r;
	switch (mode) {
	case TS_LIVE_VERIFY_UP:
		r = ts_verify_up(listing, err);
		return r < 0 ? r : ts_verify_counters(listing, err);
	case TS_LIVE_VERIFY_BLOCK:
		return ts_verify_block(listing, err);
	default:
		return ts_verify_down(listing, mode == TS_LIVE_VERIFY_DOWN_ALL, err);
	}
}

/* dnsmasq reads nftset= only at start (SIGHUP reloads hosts files, not the config). */
static int restart_dnsmasq(const char *state_dir, pid_t container, struct ts_error *err)
{
	pid_t pid;
	if (ts_dnsmasq_pid(state_dir, &pid, NULL) < 0)
		return ts_error_set(err, ESRCH,
				    "the container's dnsmasq is not running (missing or stale "
				    "dnsmasq.pid), so its DNS is broken; restart the container to recover");
	return ts_dnsmasq_start(state_dir, container, &pid, err);
}

/* A sets-only change failed: say whether the table is gone or is not the shield's. */
static int sets_failed(struct ts_nft *nft, int r, struct ts_error *err)
{
	_cleanup_free_ char *table = NULL;
	if (ts_nft_list(nft, true, &table, NULL) == 0 && !table)
		return ts_error_set(err, ENOENT, "the container has no shield table; "
				    "'terok-shield up' puts it back");
	return ts_error_prefix(err, r, "the container's table is not the shield's (state "
			       "error); 'terok-shield up' replaces it");
}

int ts_live_apply_in_container(struct ts_nft *nft, void *arg, char **output, struct ts_error *err)
{
	const struct ts_live_apply *a = arg;
	_cleanup_strbuf_ struct ts_strbuf script = TS_STRBUF_INIT;
	int r = build_script(a, &script, err);
	if (r == 0)
		r = ts_nft_exec(nft, script.data, NULL, err);
	if (r < 0 && !a->rules)
		return sets_failed(nft, r, err);
	if (r == 0)
		r = verify(nft, a->verify, err);
	if (r < 0 || !a->dnsmasq_for)
		return r;
	/* Whatever dnsmasq does now, the sets already changed: the caller must know. */
	*output = ts_xstrdup("sets changed");
	return restart_dnsmasq(a->dnsmasq_for, a->container, err);
}
