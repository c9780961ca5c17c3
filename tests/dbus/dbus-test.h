/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the D-Bus tests: a private dbus-daemon started by the test,
 * connections to it, real clients (busctl, gdbus) run while the test's
 * own event loop keeps serving, and signals recorded by a listening
 * connection.
 */
#ifndef TS_DBUS_TEST_H
#define TS_DBUS_TEST_H

#include <stdbool.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "base/strv.h"

/*
 * Start a dbus-daemon on a socket in dir (its own config, no service
 * activation) and set DBUS_SESSION_BUS_ADDRESS to it. false when it
 * cannot run; *why says why.
 */
bool dbus_daemon_start(const char *dir, const char **why);
/* Kill exactly the daemon dbus_daemon_start started. */
void dbus_daemon_stop(void);
/* Its address. */
const char *dbus_address(void);

/*
 * For a suite's main: the daemon in a scratch directory of its own. false
 * (after printing the TAP skip line with the reason) when it cannot run.
 */
bool dbus_suite_start(void);
/* cmocka group teardown: stop that daemon and remove its directory. */
int dbus_suite_teardown(void **state);

/* A new client connection to the private bus, attached to ev (may be NULL). */
sd_bus *dbus_connect(sd_event *ev);

/*
 * Listen on client for every org.terok.Shield1 signal; each arrives in
 * out as "SENDER_PATH Member|arg|arg|...", numbers in decimal and
 * booleans as true/false.
 */
void dbus_record_signals(sd_bus *client, struct ts_strv *out);

/* Run ev until pred(arg) holds or timeout_ms passes; returns pred's last value. */
bool dbus_pump_until(sd_event *ev, bool (*pred)(void *arg), void *arg, int timeout_ms);
/* Run ev for ms milliseconds. */
void dbus_pump(sd_event *ev, int ms);

/*
 * Run argv (PATH searched) with env (NULL: ours) while ev keeps running;
 * stdout and stderr are captured (each optional). Returns the exit code,
 * 128 + signal, or -1 when it did not end within timeout_ms (then killed).
 */
int dbus_run(sd_event *ev, const char *const argv[], char **const env, char **out, char **errors,
	     int timeout_ms);

/* `busctl --address=ADDR ARGS...` through dbus_run; output in *out. */
int busctl(sd_event *ev, char **out, ...) __attribute__((sentinel));
/* The same, for a call that should fail: its exit status, *errors its stderr. */
int busctl_errors(sd_event *ev, char **errors, ...) __attribute__((sentinel));

#endif
