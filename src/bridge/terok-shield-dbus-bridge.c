/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The D-Bus bridge program (docs/interactive.md), run by `terok-shield dbus-bridge
 * NAME` (which checks NAME and execs this): a program of its own so that
 * only the bridge loads libsystemd, not every terok-shield command.
 *
 * Usage (not for people): terok-shield-dbus-bridge CLI STATE_ROOT NAME,
 * CLI being the terok-shield that runs the interactive session.
 */
#include <signal.h>
#include <stdio.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "base/util.h"
#include "bridge/bridge.h"
#include "bundle/shield.h"
#include "cli.h"

struct bridge_run {
	const char *name;
	sd_event *event;
	int session_status; /* -1 while the session runs */
};

static void log_line(const char *message, void *userdata)
{
	const struct bridge_run *run = userdata;
	fprintf(stderr, "terok-shield: dbus-bridge %s: %s\n", run->name, message);
}

static void session_ended(struct ts_bridge *b, int status, void *userdata)
{
	(void)b;
	struct bridge_run *run = userdata;
	run->session_status = status;
	sd_event_exit(run->event, CLI_EXIT_ERROR);
}

/* Own the container's bus name and serve until a stop or the session's end. */
static int serve_named(sd_bus *bus, struct ts_bridge *b, struct bridge_run *run)
{
	struct ts_error err = { 0 };
	const char *bus_name = ts_bridge_get_bus_name(b);
	int r = sd_bus_request_name(bus, bus_name, 0);
	if (r == -EEXIST)
		return cli_error("cannot own %s: another bridge serves %s", bus_name, run->name);
	if (r < 0)
		return cli_error("cannot own %s: %s", bus_name, strerror(-r));
	int code;
	if (ts_bridge_start(b, &err) < 0) {
		code = cli_fail(&err);
	} else {
		r = sd_event_loop(run->event);
		if (r < 0)
			code = cli_error("event loop: %s", strerror(-r));
		else if (run->session_status >= 0)
			code = cli_error("the interactive session of %s ended (status %d)", run->name,
					 run->session_status);
		else
			code = r;
		ts_bridge_stop(b);
	}
	sd_bus_release_name(bus, bus_name);
	return code;
}

static int serve(const char *cli_path, const char *state_root, const char *state_dir,
		 struct bridge_run *run)
{
	const char *const argv[] = { cli_path, "--state-dir", state_root, "interactive", run->name,
				     "--raw", NULL };
	const struct ts_bridge_options opts = {
		.child_argv = argv,
		.log = log_line,
		.child_exited = session_ended,
		.userdata = run,
	};

	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	int r = sd_bus_open_user(&bus);
	if (r < 0)
		return cli_error("cannot connect to the session bus: %s", strerror(-r));
	r = sd_bus_attach_event(bus, run->event, SD_EVENT_PRIORITY_NORMAL);
	if (r < 0)
		return cli_error("cannot attach to the session bus: %s", strerror(-r));
	/* container.id is read here: without it nothing is requested, exported or run. */
	struct ts_error err = { 0 };
	_cleanup_(ts_bridge_freep) struct ts_bridge *b = NULL;
	if (ts_bridge_new(state_dir, run->name, bus, &opts, &b, &err) < 0)
		return cli_fail(&err);
	return serve_named(bus, b, run);
}

static int on_stop_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	(void)si; (void)userdata;
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

/* An event loop that ends on SIGINT or SIGTERM. */
static int new_event_loop(sd_event **event)
{
	/* sd-event takes SIGINT and SIGTERM through a signalfd: they must be blocked. */
	sigset_t stops;
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	sigprocmask(SIG_BLOCK, &stops, NULL);
	int r = sd_event_new(event);
	if (r < 0)
		return r;
	r = sd_event_add_signal(*event, NULL, SIGINT, on_stop_signal, NULL);
	if (r < 0)
		return r;
	return sd_event_add_signal(*event, NULL, SIGTERM, on_stop_signal, NULL);
}

int main(int argc, char **argv)
{
	if (argc != 4 || argv[1][0] != '/')
		return cli_error("terok-shield-dbus-bridge is run by 'terok-shield dbus-bridge NAME'");
	const char *cli_path = argv[1], *state_root = argv[2];
	struct ts_error err = { 0 };
	_cleanup_shield_ struct ts_shield s = { 0 };
	if (ts_bundle_open(state_root, argv[3], false, &s, &err) < 0)
		return cli_fail(&err);
	signal(SIGPIPE, SIG_IGN);

	struct bridge_run run = { .name = s.name, .session_status = -1 };
	int r = new_event_loop(&run.event);
	int code = r < 0 ? cli_error("event loop: %s", strerror(-r))
			 : serve(cli_path, state_root, s.state_dir, &run);
	sd_event_unref(run.event);
	return code;
}
