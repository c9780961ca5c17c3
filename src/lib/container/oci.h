/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI state the runtime hands a hook on stdin (id, pid, annotations)
 * and the terok.shield.* annotations (docs/bundle.md), parsed and validated
 * before anything reaches a path, nft text or a process argument.
 */
#ifndef TS_OCI_H
#define TS_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/strv.h"

struct ts_error;

#define TS_ANN_PREFIX "terok.shield."
#define TS_ANN_PROFILES TS_ANN_PREFIX "profiles"
#define TS_ANN_NAME TS_ANN_PREFIX "name"
#define TS_ANN_STATE_DIR TS_ANN_PREFIX "state_dir"
#define TS_ANN_LOOPBACK_PORTS TS_ANN_PREFIX "loopback_ports"
#define TS_ANN_VERSION TS_ANN_PREFIX "version"
#define TS_ANN_AUDIT_ENABLED TS_ANN_PREFIX "audit_enabled"
#define TS_ANN_UPSTREAM_DNS TS_ANN_PREFIX "upstream_dns"
#define TS_ANN_DNS_TIER TS_ANN_PREFIX "dns_tier"
#define TS_ANN_INTERACTIVE TS_ANN_PREFIX "interactive"

/* Length of the short container ID kept in container.id. */
#define TS_SHORT_ID_LEN 12

struct ts_oci_state {
	char *id;           /* container ID: [0-9a-zA-Z], at least 12 chars */
	char *bundle;       /* absolute OCI bundle directory; NULL if absent */
	pid_t pid;          /* 0 when the state has none (poststop) */
	char *state_dir;    /* absolute, from terok.shield.state_dir; NULL if absent */
	char *name;         /* validated container name; NULL if absent */
	int version;        /* terok.shield.version; -1 if absent */
	struct ts_strv profiles;
	uint16_t *loopback_ports;
	size_t n_loopback_ports;
	bool audit_enabled; /* default true */
	bool interactive;   /* default false */
	char *upstream_dns; /* canonical address; NULL if absent */
	char *dns_tier;     /* shield | dnsmasq | dig | getent; NULL if absent */
};

/*
 * Parse the OCI state JSON. Everything present is validated; which
 * annotations are required is the caller's decision (the stages differ).
 * On error st is left empty.
 */
int ts_oci_state_parse(const char *json, size_t len, struct ts_oci_state *st,
		       struct ts_error *err);
void ts_oci_state_clear(struct ts_oci_state *st);

/*
 * The container's OCI config (<bundle>/config.json) must grant no
 * CAP_NET_ADMIN or CAP_NET_RAW in any capability set: with either, the
 * container could rewrite or bypass its own firewall (--privileged puts
 * them back whatever --cap-drop said).
 */
int ts_oci_bundle_check_caps(const char *bundle, struct ts_error *err);


#endif
