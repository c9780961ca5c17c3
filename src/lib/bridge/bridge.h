/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The D-Bus bridge (docs/interactive.md): one container's interactive
 * session, `terok-shield interactive NAME --raw`, run as a child and
 * exposed as org.terok.Shield1 at /org/terok/Shield1 on a connection the
 * caller owns. The session's pending lines become ConnectionBlocked
 * signals, its verdict_applied lines VerdictApplied signals, and
 * Verdict(request_id, action) calls verdict lines on its stdin.
 *
 * The bridge never owns the connection or a bus name: the caller connects,
 * attaches the connection to an sd-event loop (the bridge reads the
 * child's output from that loop) and requests the container's well-known
 * name, org.terok.Shield1.Container_<short_id>, if it wants one.
 *
 * Several bridges on one connection (an orchestrator serving many
 * containers) all answer at /org/terok/Shield1, so the wire contract is
 * the same for every container. sd-bus would refuse a second vtable of
 * the same interface at one path, so each bridge registers a plain
 * message handler there and exactly one of them takes each call: a
 * Verdict goes to the bridge whose well-known name it was sent to, else
 * (sent to the unique name) to the bridge whose container its request_id
 * names, else to the oldest bridge, which answers false. Signals of all
 * of a connection's bridges come from that one connection: a client
 * listening to one container on a shared connection filters on the
 * `container` argument (match rule arg0='NAME').
 *
 * Not thread-safe per connection (sd-bus is not); bridges on different
 * connections may live in different threads.
 */
#ifndef TS_BRIDGE_H
#define TS_BRIDGE_H

#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

struct ts_error;
struct ts_bridge;

/* Longest line the session may print; longer ones are dropped with a message. */
#define TS_BRIDGE_LINE_MAX 65536

/* How long stop waits after SIGTERM before it sends SIGKILL. */
#define TS_BRIDGE_KILL_TIMEOUT_MS 5000

struct ts_bridge_options {
	/*
	 * The session's argv (copied): `<terok-shield> [--state-dir ROOT]
	 * interactive NAME --raw` in production, a scripted session in tests.
	 * argv[0] is searched in PATH when it has no slash.
	 */
	const char *const *child_argv;
	/* Optional: one line about a dropped session line or a refused verdict. */
	void (*log)(const char *message, void *userdata);
	/*
	 * Optional: the session ended on its own (not through stop); status is
	 * its exit code, or 128 + the signal that killed it. The bridge stays
	 * exported and answers every Verdict with false until it is stopped.
	 */
	void (*child_exited)(struct ts_bridge *b, int status, void *userdata);
	void *userdata;
};

/*
 * A bridge for container (its name) with bundle state_dir, serving on bus.
 * Reads and validates state_dir/container.id first: a missing or invalid
 * one fails here, before anything is exported or spawned. bus is
 * referenced, never closed by the bridge.
 */
int ts_bridge_new(const char *state_dir, const char *container, sd_bus *bus,
		  const struct ts_bridge_options *opts, struct ts_bridge **out, struct ts_error *err);

/* org.terok.Shield1.Container_<short_id>, the short id read from container.id. */
const char *ts_bridge_get_bus_name(const struct ts_bridge *b);

/* The session's PID while it runs, else 0. */
pid_t ts_bridge_child_pid(const struct ts_bridge *b);

/*
 * Export the interface at /org/terok/Shield1 and spawn the session. The
 * bus must be attached to an event loop. On failure nothing stays
 * exported or running.
 */
int ts_bridge_start(struct ts_bridge *b, struct ts_error *err);

/*
 * Send a verdict to the session: true when the line was written. False
 * (with a log line) when the session is not running, action is not
 * accept or deny, request_id is not "<container>:<digits>" for this
 * bridge's container, names no pending request, or the write fails.
 */
bool ts_bridge_submit_verdict(struct ts_bridge *b, const char *request_id, const char *action);

/*
 * End the session (SIGTERM, then SIGKILL after TS_BRIDGE_KILL_TIMEOUT_MS;
 * blocks until it is reaped) and unexport. Always unexports, whatever
 * state the bridge is in; calling it again does nothing.
 */
void ts_bridge_stop(struct ts_bridge *b);

/* Stop (if needed) and free; NULL is fine. */
void ts_bridge_free(struct ts_bridge *b);
static inline void ts_bridge_freep(struct ts_bridge **b) { ts_bridge_free(*b); }

#endif
