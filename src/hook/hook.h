/* SPDX-License-Identifier: Apache-2.0 */
/* The two stages of the OCI hook (docs/cli.md, the OCI hook). */
#ifndef TS_HOOK_H
#define TS_HOOK_H

struct ts_error;
struct ts_oci_state;

/*
 * Shield the container before it runs: join its network namespace, apply
 * ruleset.nft in one transaction, add gateways, verify, start dnsmasq.
 * Any error means the container must not start.
 */
int hook_create_runtime(const struct ts_oci_state *st, struct ts_error *err);

/*
 * Shield tier only: start terok-shield-dns from the namespace the hook
 * runs in (never the container's) and wait until it is ready. Any error
 * means the container must not start.
 */
int hook_start_forwarder(const struct ts_oci_state *st, struct ts_error *err);

/* Stop our dnsmasq. Errors are reported but never fail the stop. */
int hook_poststop(const struct ts_oci_state *st, struct ts_error *err);

#endif
