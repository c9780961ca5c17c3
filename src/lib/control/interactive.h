/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The interactive session engine (docs/interactive.md): connections the
 * interactive ruleset refused, by its terminal rule (NFLOG prefix
 * TEROK_SHIELD_QUEUED) or by a private-range rule (TEROK_SHIELD_PRIVATE),
 * become pending entries, one per destination, that wait for an
 * operator's verdict; a verdict is applied to the sets and the bundle
 * files like allow/deny (live.h). The allow sets come before the
 * private-range rules (docs/ruleset.md), so an accepted private
 * destination is reachable too. The engine does no formatting: the CLI's
 * raw (JSON lines) and human modes, and anything else, choose the I/O
 * through the callbacks.
 */
#ifndef TS_INTERACTIVE_H
#define TS_INTERACTIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/addr.h"
#include "base/domain.h"
#include "base/strv.h"
#include "base/util.h"
#include "control/verdict.h"

struct ts_error;
struct ts_shield;
struct ts_interactive;

/* At most this many destinations wait at once; more are dropped (and said so). */
#define TS_INTERACTIVE_MAX_PENDING 256
/* Addresses remembered per destination (a domain may have several). */
#define TS_INTERACTIVE_MAX_IPS 16

struct ts_pending {
	uint64_t id;                   /* 1, 2, … in order of arrival */
	char dest[TS_ADDR_STRLEN];     /* the first address refused; "" for a looked-up name */
	uint16_t port;                 /* 0 when the protocol has none; 53 for a looked-up name */
	uint8_t proto;                 /* IP protocol number; 17 for a looked-up name */
	char domain[TS_DOMAIN_BUFLEN]; /* what dnsmasq answered with, "" when unknown; the
	                                  looked-up name, held by terok-shield-dns */
	bool private_range;            /* refused by a private-range rule, not the terminal one */
	struct ts_strv ips;            /* every address refused for it, dest first */
};

struct ts_interactive_ops {
	/* A destination waits for a verdict. */
	void (*pending)(const struct ts_pending *p, void *arg);
	/* One input line, without its newline (len <= TS_VERDICT_LINE_MAX). */
	void (*line)(const char *line, size_t len, void *arg);
	/* Something the operator should know (a dropped line or destination); one line, no newline. */
	void (*notice)(const char *message, void *arg);
};

/*
 * A session for a prepared, interactive, running container: its NFLOG
 * group bound inside the container's network namespace (one session or
 * watch per container at a time), the dnsmasq log followed for names and,
 * in the shield tier, for the names terok-shield-dns holds: each becomes an
 * entry with no address (docs/interactive.md, names the container looks up).
 */
int ts_interactive_open(const struct ts_shield *s, struct ts_interactive **out,
			struct ts_error *err);
void ts_interactive_free(struct ts_interactive *it);
static inline void ts_interactive_freep(struct ts_interactive **it) { ts_interactive_free(*it); }

enum ts_interactive_end {
	TS_INTERACTIVE_EOF,     /* input ended */
	TS_INTERACTIVE_STOPPED, /* stop_fd became readable */
	TS_INTERACTIVE_GONE,    /* the container stopped */
};

/*
 * Run until input ends, stop_fd is readable or the container stops,
 * calling ops (the line callback may call ts_interactive_verdict). Returns
 * 0 with *end set, or a negative errno on a failure of the session itself.
 */
int ts_interactive_run(struct ts_interactive *it, int in_fd, int stop_fd,
		       const struct ts_interactive_ops *ops, void *arg,
		       enum ts_interactive_end *end, struct ts_error *err);

/*
 * Apply verdict v to pending entry v->id: its addresses into the allow or
 * deny set and files, its domain (when known) into the domain files. A
 * looked-up name has no address: only its domain moves, and an accept with
 * a duration or a scope is -EINVAL. An
 * accept with a duration or the port scope is a scoped allow (live.scoped):
 * the port scope takes the refused connection's protocol and port (TCP or
 * UDP only; -EINVAL for a destination without a port). On
 * success the entry is gone; on failure it stays pending for a retry.
 * -ENOENT when no entry has that id. *p receives a copy of the entry
 * (clear it with ts_pending_clear) whenever it existed. An audit line not
 * written is a warning added to warnings (optional; bundle/audit.h).
 */
/*
 * What an accepted verdict v on entry e reaches: the whole address, or
 * the refused connection's protocol and port; for v->seconds (0: for good).
 * -EINVAL when the port scope is asked for a destination without a TCP or UDP port.
 */
struct ts_scope;
int ts_interactive_verdict_scope(const struct ts_verdict *v, const struct ts_pending *e,
				 struct ts_scope *scope, struct ts_error *err);

int ts_interactive_verdict(struct ts_interactive *it, const struct ts_verdict *v,
			   struct ts_pending *p, struct ts_strv *warnings, struct ts_error *err);

/* The oldest pending entry, or NULL. */
const struct ts_pending *ts_interactive_oldest(const struct ts_interactive *it);

void ts_pending_clear(struct ts_pending *p);
#define _cleanup_pending_ _cleanup_(ts_pending_clear)

#endif
