/* SPDX-License-Identifier: Apache-2.0 */
/*
 * createRuntime, shield tier (docs/cli.md, the OCI hook): terok-shield-dns
 * becomes the container's only resolver. Started from the namespace the
 * hook runs in, after the ruleset is applied and verified; ready before
 * the hook returns, or the container does not start.
 */
#include <fcntl.h>
#include <stdio.h>

#include "base/util.h"
#include "base/fileio.h"
#include "base/strv.h"
#include "bundle/state.h"
#include "container/oci.h"
#include "dns/forwarder.h"
#include "hook.h"
#include "nft/nft_names.h"

/* The forwarder's stderr: appended to hook-error.log; read back for its reason when it fails. */
static int open_error_log(const char *state_dir)
{
	_cleanup_free_ char *path = ts_path_hook_error_log(state_dir);
	return open(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
}

/* The first line of a bundle file, or "" (missing or blank). */
static int first_line(const char *state_dir, char *(*path_fn)(const char *), char *out,
		      size_t size, struct ts_error *err)
{
	_cleanup_free_ char *path = path_fn(state_dir);
	_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;
	int r = ts_file_read_lines(path, &lines, err);
	if (r < 0)
		return r;
	snprintf(out, size, "%s", lines.n ? lines.items[0] : "");
	return 0;
}

/* Only the two files this needs: the hook shields bundles that hold little more than ruleset.nft. */
static int read_tier(const char *state_dir, bool *shield_tier, bool *open_policy,
		     struct ts_error *err)
{
	char tier[16], policy[16];
	int r = first_line(state_dir, ts_path_dns_tier, tier, sizeof(tier), err);
	if (r == 0)
		r = first_line(state_dir, ts_path_dns_policy, policy, sizeof(policy), err);
	if (r < 0)
		return r;
	*shield_tier = strcmp(tier, TS_TIER_SHIELD) == 0;
	if (*policy && strcmp(policy, "strict") != 0 && strcmp(policy, "open") != 0) {
		_cleanup_free_ char *path = ts_path_dns_policy(state_dir);
		return ts_error_set(err, EINVAL, "%s: unknown DNS policy '%s' (strict or open)", path,
				    policy);
	}
	*open_policy = strcmp(policy, "open") == 0;
	return 0;
}

int hook_start_forwarder(const struct ts_oci_state *st, struct ts_error *err)
{
	bool shield_tier = false, open_policy = false;
	int r = read_tier(st->state_dir, &shield_tier, &open_policy, err);
	if (r < 0)
		return r;
	bool annotated = st->dns_tier && strcmp(st->dns_tier, TS_TIER_SHIELD) == 0;
	if (!shield_tier) {
		if (annotated)
			return ts_error_set(err, ENOENT, "DNS tier is shield but the bundle's dns.tier "
					    "says otherwise: the container would have no DNS; run "
					    "'terok-shield prepare' again");
		return 0;
	}
	_cleanup_close_ int log = open_error_log(st->state_dir);
	pid_t pid;
	return ts_forwarder_start(st->state_dir, st->pid, open_policy, log, &pid, err);
}
