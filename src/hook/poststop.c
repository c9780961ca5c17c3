/* SPDX-License-Identifier: Apache-2.0 */
#include "audit.h"
#include "dnsmasq.h"
#include "hook.h"
#include "oci.h"
#include "util.h"

int hook_poststop(const struct ts_oci_state *st, struct ts_error *err)
{
	int r = ts_dnsmasq_stop(st->state_dir, false, err);
	ts_audit_log(st->audit_enabled, st->state_dir, st->name ? st->name : st->id, "teardown",
		     NULL, r == 1 ? "container stopped; dnsmasq stopped" : "container stopped");
	return r < 0 ? r : 0;
}
