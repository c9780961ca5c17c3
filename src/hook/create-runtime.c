/* SPDX-License-Identifier: Apache-2.0 */
/*
 * createRuntime (docs/cli.md, the OCI hook): shield the container before it runs. Every
 * failure returns an error, and the hook's non-zero exit makes the
 * runtime refuse to start the container.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "base/fileio.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "base/vmchild.h"
#include "bundle/audit.h"
#include "bundle/bundle.h"
#include "bundle/lock.h"
#include "bundle/scoped.h"
#include "bundle/state.h"
#include "container/gateway.h"
#include "container/netns.h"
#include "container/oci.h"
#include "container/procid.h"
#include "dns/dnsmasq.h"
#include "hook.h"
#include "nft/listing.h"
#include "nft/nft.h"
#include "nft/nft_names.h"
#include "nft/ruleset.h"
#include "nft/verify.h"

/* What the hook writes describes this run of the container: atomic, not synced. */
static int write_file(const char *path, const char *text, struct ts_error *err)
{
	return ts_file_write_ephemeral(path, text, strlen(text), 0600, err);
}

static int write_container_id(const struct ts_oci_state *st, struct ts_error *err)
{
	_cleanup_free_ char *path = ts_path_container_id(st->state_dir);
	_cleanup_free_ char *text = ts_xasprintf("%.*s\n", TS_SHORT_ID_LEN, st->id);
	return write_file(path, text, err);
}

static int write_container_pid(const char *state_dir, const struct ts_proc_identity *id,
			       struct ts_error *err)
{
	_cleanup_free_ char *path = ts_path_container_pid(state_dir);
	_cleanup_free_ char *text = ts_proc_identity_format(id);
	return write_file(path, text, err);
}

/* A new run starts with what deny.list keeps; this-run-only denies end with the last run. */
static int forget_live_denies(const char *state_dir, struct ts_error *err)
{
	_cleanup_free_ char *path = ts_path_live_denied(state_dir);
	if (unlink(path) < 0 && errno != ENOENT)
		return ts_error_set(err, errno, "%s: cannot remove: %s", path, strerror(errno));
	return 0;
}

/* Add-element commands for the discovered gateways (empty strings: none found). */
static int gateway_elements(const char *v4, const char *v6, struct ts_strbuf *script,
			    struct ts_error *err)
{
	const char *found[2];
	size_t n = 0;
	if (v4[0])
		found[n++] = v4;
	if (v6[0])
		found[n++] = v6;
	return n ? ts_ruleset_elements(TS_SET_GATEWAY, true, found, n, script, err) : 0;
}

static int write_gateways(const char *state_dir, const char *v4, const char *v6,
			  struct ts_error *err)
{
	int r = 0;
	if (v4[0]) {
		_cleanup_free_ char *path = ts_path_gateway(state_dir);
		_cleanup_free_ char *text = ts_xasprintf("%s\n", v4);
		r = write_file(path, text, err);
	}
	if (r == 0 && v6[0]) {
		_cleanup_free_ char *path = ts_path_gateway_v6(state_dir);
		_cleanup_free_ char *text = ts_xasprintf("%s\n", v6);
		r = write_file(path, text, err);
	}
	return r;
}

/*
 * The kernel holds a table that fails the invariants: replace it with a
 * plain default-deny one so nothing leaks while the runtime tears the
 * container down. Its DNS rule names loopback, which rule 1 already
 * accepts: nothing else gets through. Reports the outcome in err.
 */
static int lock_down(struct ts_nft *nft, int r, struct ts_error *err)
{
	struct ts_ruleset_params p = { .mode = TS_RULESET_UP, .dns = "127.0.0.1" };
	_cleanup_free_ char *script = NULL;
	struct ts_error why = { 0 };
	if (ts_ruleset_generate(&p, &script, &why) == 0 && ts_nft_exec(nft, script, NULL, &why) == 0)
		return ts_error_prefix(err, r, "live ruleset failed verification (locked down)");
	return ts_error_prefix(err, r, "live ruleset failed verification (lock-down failed too: %s)",
			       why.message);
}

static int verify_live(struct ts_nft *nft, bool blocked, struct ts_error *err)
{
	_cleanup_free_ char *listing = NULL;
	int r = ts_nft_list_json(nft, &listing, err);
	if (r < 0)
		return lock_down(nft, r, err);
	if (!listing)
		return lock_down(nft, ts_error_set(err, EPROTO, "the terok_shield table is missing"),
				 err);
	r = blocked ? ts_verify_block(listing, err) : ts_verify_up(listing, err);
	return r < 0 ? lock_down(nft, r, err) : 0;
}

/*
 * ruleset.nft and the discovered gateways in one transaction, then the
 * live check. Runs inside the container's namespace, so the routing table
 * read is that namespace's (/proc/self, not the PID that may be recycled).
 */
static int apply_ruleset(const char *state_dir, const char *ruleset, bool blocked,
			 struct ts_nft *nft, struct ts_error *err)
{
	/* Not finding a gateway (the network may come up later) is fine. */
	char v4[TS_ADDR_STRLEN] = "", v6[TS_ADDR_STRLEN] = "";
	if (ts_gateway_discover(getpid(), v4, v6, NULL) < 0)
		v4[0] = v6[0] = '\0';

	struct ts_strbuf script = TS_STRBUF_INIT;
	ts_strbuf_puts(&script, ruleset);
	ts_strbuf_puts(&script, "\n");
	int r = gateway_elements(v4, v6, &script, err);
	if (r == 0)
		r = ts_nft_exec(nft, script.data, NULL, err);
	ts_strbuf_clear(&script);
	if (r < 0)
		return ts_error_prefix(err, r, "ruleset.nft was not applied");
	r = verify_live(nft, blocked, err);
	return r < 0 ? r : write_gateways(state_dir, v4, v6, err);
}

/* dnsmasq.conf present: the dnsmasq tier. Only a regular file counts. */
static int dnsmasq_configured(const struct ts_oci_state *st, bool *configured,
			      struct ts_error *err)
{
	_cleanup_free_ char *conf = ts_path_dnsmasq_conf(st->state_dir);
	struct stat s;
	*configured = lstat(conf, &s) == 0;
	if (*configured && !S_ISREG(s.st_mode))
		return ts_error_set(err, EINVAL, "%s: not a regular file", conf);
	if (!*configured && st->dns_tier && strcmp(st->dns_tier, TS_TIER_DNSMASQ) == 0)
		return ts_error_set(err, ENOENT,
				    "DNS tier is dnsmasq but %s is missing: the container would have "
				    "no DNS; run 'terok-shield prepare' again",
				    conf);
	return 0;
}

static int start_dnsmasq(const struct ts_oci_state *st, struct ts_error *err)
{
	bool configured;
	int r = dnsmasq_configured(st, &configured, err);
	if (r < 0 || !configured)
		return r;
	pid_t pid;
	return ts_dnsmasq_start(st->state_dir, st->pid, &pid, err);
}

/* Inside the container's namespace, holding the bundle lock. */
static int shield(const struct ts_oci_state *st, const char *ruleset, bool blocked,
		  struct ts_error *err)
{
	struct ts_proc_identity id;
	int r = ts_netns_join_pid(st->pid, &id, err);
	if (r < 0)
		return ts_error_prefix(err, r, "container process");
	r = write_container_pid(st->state_dir, &id, err);
	if (r < 0)
		return r;
	/* Opened after joining: the socket stays bound to the namespace it was made in. */
	struct ts_nft *nft = NULL;
	r = ts_nft_open(&nft, err);
	if (r < 0)
		return r;
	r = apply_ruleset(st->state_dir, ruleset, blocked, nft, err);
	if (r == 0)
		r = start_dnsmasq(st, err);
	ts_nft_leave(nft);
	return r;
}

/*
 * shield() in a child, so this process never leaves the namespace it was
 * started in: rootless, that namespace belongs to the machine's user
 * namespace and a hook that joined the container's could not return to it
 * (setns: EPERM), yet the shield tier's forwarder must start from it. The
 * child shares our memory (a forked one's copy-on-write faults and
 * teardown cost the hook about 2 ms).
 */
struct shield_job {
	const struct ts_oci_state *st;
	const char *ruleset;
	bool blocked;
};

static int shield_job_run(void *arg, struct ts_error *err)
{
	const struct shield_job *job = arg;
	return shield(job->st, job->ruleset, job->blocked, err);
}

/*
 * ruleset.nft, then profile.scoped's entries and live.scoped's with the
 * time that remains now (those that ended while the container was stopped
 * leave the file); or,
 * while the bundle records a block, the block script built from the
 * bundle: `block` writes its record before ruleset.nft, so only the record
 * is sure to be current (bundle.h).
 */
static int read_ruleset(const char *state_dir, bool blocked, char **ruleset,
			struct ts_strv *expired, struct ts_error *err)
{
	if (blocked)
		return ts_bundle_up_script(state_dir, ruleset, err);
	_cleanup_free_ char *path = ts_path_ruleset(state_dir);
	_cleanup_free_ char *text = NULL;
	int r = ts_file_read(path, &text, NULL, err);
	if (r < 0)
		return r;
	_cleanup_strv_ struct ts_strv kept = TS_STRV_INIT;
	time_t now = time(NULL);
	r = ts_scoped_set_content(state_dir, now, &kept, expired, err);
	if (r < 0)
		return r;
	struct ts_strbuf script = TS_STRBUF_INIT;
	ts_strbuf_puts(&script, text);
	ts_strbuf_puts(&script, "\n");
	r = ts_scoped_elements(&kept, now, &script, err);
	if (r < 0) {
		ts_strbuf_clear(&script);
		return r;
	}
	*ruleset = ts_strbuf_take(&script);
	return 0;
}

int hook_create_runtime(const struct ts_oci_state *st, struct ts_error *err)
{
	if (st->pid <= 0)
		return ts_error_set(err, EINVAL, "OCI state has no container pid");
	int r = ts_state_dir_check(st->state_dir, err);
	if (r == 0)
		r = ts_oci_bundle_check_caps(st->bundle, err);
	if (r < 0)
		return r;
	/* A concurrent allow/deny must not interleave with the table replacement. */
	_cleanup_close_ int lock = ts_bundle_lock(st->state_dir, err);
	if (lock < 0)
		return lock;
	r = write_container_id(st, err);
	if (r == 0)
		r = forget_live_denies(st->state_dir, err);
	if (r < 0)
		return r;

	bool blocked;
	_cleanup_free_ char *ruleset = NULL;
	_cleanup_strv_ struct ts_strv expired = TS_STRV_INIT;
	r = ts_read_blocked(st->state_dir, &blocked, err);
	if (r == 0)
		r = read_ruleset(st->state_dir, blocked, &ruleset, &expired, err);
	/* What ended has left live.scoped already: audited whatever happens next. */
	ts_scoped_audit_expired(st->audit_enabled, st->state_dir, st->name ? st->name : st->id,
				&expired, NULL);
	if (r < 0)
		return ts_error_prefix(err, r, "cannot read the ruleset");
	/* This process stays where the hook runs: the forwarder's upstream side starts from here. */
	struct shield_job job = { .st = st, .ruleset = ruleset, .blocked = blocked };
	r = ts_vm_child_run(shield_job_run, &job, err);
	if (r == 0)
		r = hook_start_forwarder(st, err);
	if (r < 0)
		return r;
	ts_audit_log(st->audit_enabled, st->state_dir, st->name ? st->name : st->id, "setup", NULL,
		     blocked ? "block applied at createRuntime (the bundle records a block)"
			     : "shield applied at createRuntime",
		     NULL);
	return 0;
}
