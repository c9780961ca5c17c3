/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "dbus-test.h"
#include "test-helpers.h"

extern char **environ;

static pid_t daemon_pid;
static char *address;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* Read what fd holds now (non-blocking) into b. */
static void take(int fd, struct ts_strbuf *b)
{
	char chunk[4096];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		ts_strbuf_append(b, chunk, (size_t)n);
}

/*
 * Start argv with stdout and stderr on non-blocking pipes (either NULL:
 * /dev/null), nothing else inherited.
 */
static pid_t spawn(const char *const argv[], char **const env, int *out_fd, int *err_fd)
{
	int fds[2][2] = { { -1, -1 }, { -1, -1 } };
	int *want[2] = { out_fd, err_fd };
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	for (int i = 0; i < 2; i++) {
		if (want[i] && pipe2(fds[i], O_CLOEXEC) == 0) {
			posix_spawn_file_actions_adddup2(&fa, fds[i][1], i + 1);
		} else {
			posix_spawn_file_actions_addopen(&fa, i + 1, "/dev/null", O_WRONLY, 0);
		}
	}
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	pid_t pid;
	int r = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, env ? env : environ);
	posix_spawn_file_actions_destroy(&fa);
	for (int i = 0; i < 2; i++) {
		if (fds[i][1] >= 0)
			close(fds[i][1]);
		if (want[i]) {
			*want[i] = fds[i][0];
			if (fds[i][0] >= 0)
				fcntl(fds[i][0], F_SETFL, O_NONBLOCK);
		}
	}
	return r == 0 ? pid : -1;
}

bool dbus_daemon_start(const char *dir, const char **why)
{
	static char reason[256];
	_cleanup_free_ char *conf = ts_xasprintf("%s/bus.conf", dir);
	_cleanup_free_ char *text = ts_xasprintf(
		"<busconfig>\n"
		"  <type>session</type>\n"
		"  <listen>unix:path=%s/bus</listen>\n"
		"  <auth>EXTERNAL</auth>\n"
		"  <policy context=\"default\">\n"
		"    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
		"    <allow eavesdrop=\"true\"/>\n"
		"    <allow own=\"*\"/>\n"
		"  </policy>\n"
		"</busconfig>\n", dir);
	FILE *f = fopen(conf, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		*why = "cannot write the bus configuration";
		return false;
	}
	_cleanup_free_ char *conf_arg = ts_xasprintf("--config-file=%s", conf);
	const char *const argv[] = { "dbus-daemon", conf_arg, "--nofork", "--print-address=1", NULL };
	int out = -1;
	daemon_pid = spawn(argv, NULL, &out, NULL);
	if (daemon_pid < 0) {
		snprintf(reason, sizeof(reason), "dbus-daemon is not installed");
		*why = reason;
		daemon_pid = 0;
		return false;
	}
	/* It prints its address once it listens. */
	struct ts_strbuf b = TS_STRBUF_INIT;
	double deadline = now_ms() + 5000;
	while (!(b.data && strchr(b.data, '\n')) && now_ms() < deadline) {
		struct pollfd p = { .fd = out, .events = POLLIN };
		poll(&p, 1, 100);
		take(out, &b);
	}
	close(out);
	char *text_out = ts_strbuf_take(&b);
	char *nl = strchr(text_out, '\n');
	if (!nl) {
		free(text_out);
		dbus_daemon_stop();
		*why = "dbus-daemon did not start";
		return false;
	}
	*nl = '\0';
	address = text_out;
	setenv("DBUS_SESSION_BUS_ADDRESS", address, 1);
	return true;
}

void dbus_daemon_stop(void)
{
	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		waitpid(daemon_pid, NULL, 0);
	}
	daemon_pid = 0;
	free(address);
	address = NULL;
}

const char *dbus_address(void)
{
	return address;
}

sd_bus *dbus_connect(sd_event *ev)
{
	sd_bus *bus = NULL;
	if (sd_bus_new(&bus) < 0 || sd_bus_set_address(bus, address) < 0 ||
	    sd_bus_set_bus_client(bus, 1) < 0 || sd_bus_start(bus) < 0)
		abort();
	if (ev && sd_bus_attach_event(bus, ev, 0) < 0)
		abort();
	return bus;
}

static char *suite_dir;

bool dbus_suite_start(void)
{
	const char *why = NULL;
	suite_dir = scratch_dir();
	if (suite_dir && dbus_daemon_start(suite_dir, &why))
		return true;
	printf("1..0 # SKIP %s\n", why ? why : "no scratch directory");
	scratch_remove(suite_dir);
	suite_dir = NULL;
	return false;
}

int dbus_suite_teardown(void **state)
{
	(void)state;
	dbus_daemon_stop();
	scratch_remove(suite_dir);
	suite_dir = NULL;
	return 0;
}

static int on_signal(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	(void)error;
	struct ts_strv *out = userdata;
	const char *member = sd_bus_message_get_member(m);
	struct ts_strbuf b = TS_STRBUF_INIT;
	ts_strbuf_printf(&b, "%s %s", sd_bus_message_get_path(m), member);
	const char *sig = sd_bus_message_get_signature(m, true);
	for (const char *t = sig; *t; t++) {
		int r;
		if (*t == 's') {
			const char *s;
			r = sd_bus_message_read_basic(m, 's', &s);
			if (r > 0)
				ts_strbuf_printf(&b, "|%s", s);
		} else if (*t == 'q') {
			uint16_t q;
			r = sd_bus_message_read_basic(m, 'q', &q);
			if (r > 0)
				ts_strbuf_printf(&b, "|%u", q);
		} else if (*t == 'b') {
			int v;
			r = sd_bus_message_read_basic(m, 'b', &v);
			if (r > 0)
				ts_strbuf_printf(&b, "|%s", v ? "true" : "false");
		} else {
			r = -EINVAL;
			ts_strbuf_printf(&b, "|<unexpected type %c>", *t);
		}
		if (r <= 0)
			break;
	}
	ts_strv_push_take(out, ts_strbuf_take(&b));
	return 0;
}

void dbus_record_signals(sd_bus *client, struct ts_strv *out)
{
	if (sd_bus_match_signal(client, NULL, NULL, NULL, "org.terok.Shield1", NULL, on_signal,
				out) < 0)
		abort();
}

bool dbus_pump_until(sd_event *ev, bool (*pred)(void *arg), void *arg, int timeout_ms)
{
	double deadline = now_ms() + timeout_ms;
	while (!pred(arg) && now_ms() < deadline)
		sd_event_run(ev, 20 * 1000);
	return pred(arg);
}

void dbus_pump(sd_event *ev, int ms)
{
	double deadline = now_ms() + ms;
	while (now_ms() < deadline)
		sd_event_run(ev, 20 * 1000);
}

int dbus_run(sd_event *ev, const char *const argv[], char **const env, char **out, char **errors,
	     int timeout_ms)
{
	int out_fd = -1, err_fd = -1;
	pid_t pid = spawn(argv, env, &out_fd, &err_fd);
	if (pid < 0)
		return -1;
	struct ts_strbuf ob = TS_STRBUF_INIT, eb = TS_STRBUF_INIT;
	double deadline = now_ms() + timeout_ms;
	int status = -1;
	for (;;) {
		take(out_fd, &ob);
		take(err_fd, &eb);
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			status = -1;
			break;
		}
		if (ev)
			sd_event_run(ev, 5 * 1000);
		else
			usleep(5000);
	}
	take(out_fd, &ob);
	take(err_fd, &eb);
	close(out_fd);
	close(err_fd);
	char *o = ts_strbuf_take(&ob), *e = ts_strbuf_take(&eb);
	if (out)
		*out = o;
	else
		free(o);
	if (errors)
		*errors = e;
	else
		free(e);
	if (status == -1)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int busctl_v(sd_event *ev, char **out, char **errors, va_list ap)
{
	const char *argv[32];
	size_t n = 0;
	_cleanup_free_ char *addr = ts_xasprintf("--address=%s", address);
	argv[n++] = "busctl";
	argv[n++] = addr;
	const char *a;
	while ((a = va_arg(ap, const char *)) && n < ARRAY_SIZE(argv) - 1)
		argv[n++] = a;
	argv[n] = NULL;
	return dbus_run(ev, argv, NULL, out, errors, 10000);
}

int busctl(sd_event *ev, char **out, ...)
{
	va_list ap;
	va_start(ap, out);
	char *errors = NULL;
	int r = busctl_v(ev, out, &errors, ap);
	va_end(ap);
	if (r != 0 && errors && *errors)
		fprintf(stderr, "# busctl: %s", errors);
	free(errors);
	return r;
}

int busctl_errors(sd_event *ev, char **errors, ...)
{
	va_list ap;
	va_start(ap, errors);
	char *out = NULL;
	int r = busctl_v(ev, &out, errors, ap);
	va_end(ap);
	free(out);
	return r;
}
