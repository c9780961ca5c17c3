/* SPDX-License-Identifier: Apache-2.0 */
/* poststop (docs/cli.md, the OCI hook): stop our dnsmasq or terok-shield-dns; never fails the stop. */
#include "base/util.h"
#include "bundle/audit.h"
#include "bundle/lock.h"
#include "bundle/state.h"
#include "container/oci.h"
#include "dns/dnsmasq.h"
#include "dns/forwarder.h"
#include "hook.h"

int hook_poststop(const struct ts_oci_state *st, struct ts_error *err)
{
	/* Under the lock: a concurrent start must not lose its fresh PID file to us. */
	_cleanup_close_ int lock = ts_bundle_lock(st->state_dir, err);
	if (lock < 0)
		return lock;
	int r = ts_dnsmasq_stop(st->state_dir, false, err);
	struct ts_error ferr = { 0 };
	int f = ts_forwarder_stop(st->state_dir, false, &ferr);
	const char *note = r == 1 ? "container stopped; dnsmasq stopped"
			 : f == 1 ? "container stopped; terok-shield-dns stopped" : "container stopped";
	ts_audit_log(st->audit_enabled, st->state_dir, st->name ? st->name : st->id, "teardown",
		     NULL, note, NULL);
	if (r == 0 && f < 0)
		*err = ferr, r = f;
	return r < 0 ? r : 0;
}
