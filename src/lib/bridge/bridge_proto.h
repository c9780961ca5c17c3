/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the D-Bus bridge (bridge.h) says on both of its sides, without any
 * I/O: the D-Bus names, the interactive session's output lines it turns
 * into signals (both in docs/interactive.md), the request ids of Verdict
 * calls and the verdict lines it writes. Every value is validated here,
 * before it reaches a D-Bus message or the session's stdin.
 */
#ifndef TS_BRIDGE_PROTO_H
#define TS_BRIDGE_PROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "base/addr.h"
#include "base/domain.h"

struct ts_error;

#define TS_BRIDGE_INTERFACE "org.terok.Shield1"
#define TS_BRIDGE_OBJECT_PATH "/org/terok/Shield1"
#define TS_BRIDGE_BUS_NAME_PREFIX "org.terok.Shield1.Container_"

/* The interface element of the introspection data, exactly as docs/interactive.md writes it. */
extern const char ts_bridge_interface_xml[];

/* Longest short id accepted from container.id (the hook writes 12). */
#define TS_BRIDGE_SHORT_ID_MAX 64

/* A container.id value: 1-64 letters and digits (it becomes part of a bus name). */
int ts_bridge_short_id_validate(const char *short_id, struct ts_error *err);

/* org.terok.Shield1.Container_<short_id> (short_id validated by the caller). */
char *ts_bridge_bus_name_for(const char *short_id);

/* Packet ids are non-negative and fit in 18 decimal digits. */
#define TS_BRIDGE_ID_DIGITS 18

enum ts_bridge_event_type {
	TS_BRIDGE_PENDING,         /* {"type":"pending",...} -> ConnectionBlocked */
	TS_BRIDGE_VERDICT_APPLIED, /* {"type":"verdict_applied",...} -> VerdictApplied */
};

struct ts_bridge_event {
	enum ts_bridge_event_type type;
	int64_t id;
	char dest[TS_ADDR_STRLEN];       /* canonical address; "" for a looked-up name (domain set) */
	uint16_t port;                   /* pending: 0-65535 */
	uint16_t proto;                  /* pending: 0-255 */
	char domain[TS_DOMAIN_BUFLEN];   /* pending: "" when unknown */
	bool accept;                     /* verdict_applied: accept (else deny) */
	bool ok;                         /* verdict_applied */
};

/*
 * Parse one line the session printed (without its newline). Anything but
 * a well-formed pending or verdict_applied object is an error naming what
 * is wrong. A domain that is not a valid name is an error as well.
 */
int ts_bridge_event_parse(const char *line, struct ts_bridge_event *ev, struct ts_error *err);

/* "<container>:<id>" (newly allocated). */
char *ts_bridge_request_id(const char *container, int64_t id);

/*
 * The packet id of a Verdict's request_id, which must be exactly
 * "<container>:<decimal digits>" for this bridge's container.
 */
int ts_bridge_request_id_parse(const char *request_id, const char *container, int64_t *id,
			       struct ts_error *err);

/* "accept" -> true, "deny" -> false; anything else is an error. */
int ts_bridge_action_parse(const char *action, bool *accept, struct ts_error *err);

/* A Verdict's action string: the signature stays (ss) -> b, the string carries the scope. */
struct ts_bridge_action {
	bool accept;
	bool port;         /* accept:port…: only the refused connection's protocol and port */
	char duration[16]; /* accept…:30m: for this long (^[0-9]+[smhd]$), "" for good */
};

/*
 * "accept", "accept:30m", "accept:port", "accept:port:30m" or "deny"
 * (docs/interactive.md); anything else is an error.
 */
int ts_bridge_verdict_action_parse(const char *action, struct ts_bridge_action *out,
				   struct ts_error *err);

/*
 * {"type":"verdict","id":N,"action":"accept|deny"} (with "scope":"port"
 * and "for":DURATION when the action has them) and a newline (newly allocated).
 */
char *ts_bridge_verdict_line(int64_t id, const struct ts_bridge_action *a);

#endif
