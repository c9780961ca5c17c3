/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <systemd/sd-event.h>

#include "base/fileio.h"
#include "base/process.h"
#include "base/strv.h"
#include "base/util.h"
#include "bridge/bridge.h"
#include "bridge/bridge_proto.h"
#include "bundle/state.h"

/* Pending ids remembered at most; the oldest is forgotten first. */
#define PENDING_MAX 4096

struct ts_bridge {
	char *container;
	char *bus_name;
	struct ts_strv argv;
	struct ts_bridge_options opts;

	sd_bus *bus;
	sd_bus_slot *slot;          /* the exported object; NULL when not exported */
	sd_event_source *out_source;
	sd_event_source *exit_source;

	pid_t pid;                  /* 0: no session */
	int pidfd;
	int in_fd;                  /* socket: the session's stdin */
	int out_fd;                 /* pipe: the session's stdout */

	char line[TS_BRIDGE_LINE_MAX];
	size_t line_len;
	bool discarding;            /* inside an oversized line */

	int64_t *pending;           /* ids announced and not yet applied */
	size_t n_pending;

	struct ts_bridge *next;     /* every exported bridge of the process, oldest first */
};

/* Every exported bridge, so the handlers on one path agree on who takes a call. */
static struct ts_bridge *exported;
static pthread_mutex_t exported_lock = PTHREAD_MUTEX_INITIALIZER;

static void bridge_log(struct ts_bridge *b, const char *fmt, ...) TS_PRINTF(2, 3);
static void bridge_log(struct ts_bridge *b, const char *fmt, ...)
{
	if (!b->opts.log)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (msg)
		b->opts.log(msg, b->opts.userdata);
	free(msg);
}

static int read_short_id(const char *state_dir, char **out, struct ts_error *err)
{
	_cleanup_free_ char *path = ts_path_container_id(state_dir);
	char *text = NULL;
	int r = ts_file_read(path, &text, NULL, err);
	if (r == -ENOENT)
		return ts_error_set(err, ENOENT, "%s: missing (the container has not been started "
				    "with the shield yet)", path);
	if (r < 0)
		return r;
	ts_strip(text);
	if (ts_bridge_short_id_validate(text, err) < 0) {
		free(text);
		return ts_error_prefix(err, EINVAL, "%s", path);
	}
	*out = text;
	return 0;
}

int ts_bridge_new(const char *state_dir, const char *container, sd_bus *bus,
		  const struct ts_bridge_options *opts, struct ts_bridge **out, struct ts_error *err)
{
	if (!bus || !opts || !opts->child_argv || !opts->child_argv[0])
		return ts_error_set(err, EINVAL, "bridge: a bus and the session's command are required");
	_cleanup_free_ char *short_id = NULL;
	int r = read_short_id(state_dir, &short_id, err);
	if (r < 0)
		return r;
	struct ts_bridge *b = calloc(1, sizeof(*b));
	if (!b)
		abort();
	b->container = ts_xstrdup(container);
	b->bus_name = ts_bridge_bus_name_for(short_id);
	for (const char *const *a = opts->child_argv; *a; a++)
		ts_strv_push(&b->argv, *a);
	b->opts = *opts;
	b->opts.child_argv = NULL;
	b->bus = sd_bus_ref(bus);
	b->pidfd = b->in_fd = b->out_fd = -1;
	*out = b;
	return 0;
}

const char *ts_bridge_get_bus_name(const struct ts_bridge *b) { return b->bus_name; }
pid_t ts_bridge_child_pid(const struct ts_bridge *b) { return b->pid; }

/* ---- pending ids ---- */

static ssize_t pending_find(const struct ts_bridge *b, int64_t id)
{
	for (size_t i = 0; i < b->n_pending; i++)
		if (b->pending[i] == id)
			return (ssize_t)i;
	return -1;
}

static void pending_remove_at(struct ts_bridge *b, size_t i)
{
	memmove(&b->pending[i], &b->pending[i + 1], (b->n_pending - i - 1) * sizeof(*b->pending));
	b->n_pending--;
}

static void pending_add(struct ts_bridge *b, int64_t id)
{
	if (pending_find(b, id) >= 0)
		return;
	if (b->n_pending == PENDING_MAX)
		pending_remove_at(b, 0);
	if (!b->pending)
		b->pending = ts_xmalloc(PENDING_MAX * sizeof(*b->pending));
	b->pending[b->n_pending++] = id;
}

/* ---- session output -> signals ---- */

static void emit(struct ts_bridge *b, const struct ts_bridge_event *ev)
{
	_cleanup_free_ char *request_id = ts_bridge_request_id(b->container, ev->id);
	int r;
	if (ev->type == TS_BRIDGE_PENDING) {
		pending_add(b, ev->id);
		r = sd_bus_emit_signal(b->bus, TS_BRIDGE_OBJECT_PATH, TS_BRIDGE_INTERFACE,
				       "ConnectionBlocked", "ssqqss", b->container, ev->dest, ev->port,
				       ev->proto, ev->domain, request_id);
	} else {
		ssize_t i = pending_find(b, ev->id);
		if (ev->ok && i >= 0)
			pending_remove_at(b, (size_t)i);
		r = sd_bus_emit_signal(b->bus, TS_BRIDGE_OBJECT_PATH, TS_BRIDGE_INTERFACE,
				       "VerdictApplied", "ssssb", b->container, ev->dest, request_id,
				       ev->accept ? "accept" : "deny", (int)ev->ok);
	}
	if (r < 0)
		bridge_log(b, "cannot send a signal for %s: %s", request_id, strerror(-r));
}

static void handle_line(struct ts_bridge *b, const char *line)
{
	struct ts_error err = { 0 };
	struct ts_bridge_event ev;
	if (ts_bridge_event_parse(line, &ev, &err) < 0) {
		bridge_log(b, "ignored a line from the interactive session: %s", err.message);
		return;
	}
	emit(b, &ev);
}

/* Split what arrived into lines; a line that outgrows the buffer is dropped whole. */
static void take_output(struct ts_bridge *b, const char *data, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t chunk = nl ? (size_t)(nl - data) : n;
		if (!b->discarding && b->line_len + chunk >= sizeof(b->line)) {
			bridge_log(b, "dropped a line from the interactive session longer than %d "
				   "bytes", TS_BRIDGE_LINE_MAX - 1);
			b->discarding = true;
		}
		if (!b->discarding) {
			memcpy(b->line + b->line_len, data, chunk);
			b->line_len += chunk;
		}
		if (!nl)
			return;
		if (!b->discarding) {
			b->line[b->line_len] = '\0';
			handle_line(b, b->line);
		}
		b->line_len = 0;
		b->discarding = false;
		data = nl + 1;
		n -= chunk + 1;
	}
}

static void close_output(struct ts_bridge *b)
{
	b->out_source = sd_event_source_disable_unref(b->out_source);
	closep(&b->out_fd);
	b->out_fd = -1;
	b->line_len = 0;
	b->discarding = false;
}

/*
 * Read what the pipe holds now (a pipe holds 64 KiB: the bounded loop
 * empties it); false at EOF or on an error.
 */
static bool read_output(struct ts_bridge *b)
{
	char chunk[16384];
	for (int i = 0; i < 16; i++) {
		ssize_t n = read(b->out_fd, chunk, sizeof(chunk));
		if (n > 0) {
			take_output(b, chunk, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		return false;
	}
	return true;
}

static int on_output(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	(void)s; (void)fd; (void)revents;
	struct ts_bridge *b = userdata;
	if (!read_output(b))
		close_output(b);
	return 0;
}

/* Wait for the session to end and return its status (exit code, or 128 + signal). */
static int reap(struct ts_bridge *b)
{
	int status = 0;
	while (waitpid(b->pid, &status, 0) < 0 && errno == EINTR)
		;
	b->pid = 0;
	b->exit_source = sd_event_source_disable_unref(b->exit_source);
	closep(&b->pidfd);
	b->pidfd = -1;
	closep(&b->in_fd);
	b->in_fd = -1;
	b->n_pending = 0;
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

static int on_session_exit(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	(void)s; (void)fd; (void)revents;
	struct ts_bridge *b = userdata;
	/* Whatever it printed before it ended still becomes signals. */
	if (b->out_fd >= 0) {
		read_output(b);
		close_output(b);
	}
	int status = reap(b);
	if (b->opts.child_exited)
		b->opts.child_exited(b, status, b->opts.userdata);
	return 0;
}

/* ---- the exported object ---- */

static const char introspection_head[] =
	"<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\"\n"
	" \"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">\n"
	"<node>\n"
	"<interface name=\"org.freedesktop.DBus.Peer\">\n"
	"  <method name=\"Ping\"/>\n"
	"  <method name=\"GetMachineId\">\n"
	"    <arg type=\"s\" name=\"machine_uuid\" direction=\"out\"/>\n"
	"  </method>\n"
	"</interface>\n"
	"<interface name=\"org.freedesktop.DBus.Introspectable\">\n"
	"  <method name=\"Introspect\">\n"
	"    <arg type=\"s\" name=\"xml_data\" direction=\"out\"/>\n"
	"  </method>\n"
	"</interface>\n";

/*
 * The bridge that takes a call on bus: the one owning the well-known name
 * it was sent to, else the one whose container the request_id names
 * (NULL: no request_id), else the oldest. Called with exported_lock held.
 */
static struct ts_bridge *route(sd_bus *bus, const char *destination, const char *request_id)
{
	struct ts_bridge *oldest = NULL, *by_container = NULL;
	for (struct ts_bridge *b = exported; b; b = b->next) {
		if (b->bus != bus)
			continue;
		if (destination && strcmp(destination, b->bus_name) == 0)
			return b;
		if (!oldest)
			oldest = b;
		const char *colon = request_id ? strchr(request_id, ':') : NULL;
		if (!by_container && colon && strlen(b->container) == (size_t)(colon - request_id) &&
		    strncmp(request_id, b->container, (size_t)(colon - request_id)) == 0)
			by_container = b;
	}
	return by_container ? by_container : oldest;
}

static bool takes_call(struct ts_bridge *b, sd_bus_message *m, const char *request_id)
{
	pthread_mutex_lock(&exported_lock);
	bool mine = route(b->bus, sd_bus_message_get_destination(m), request_id) == b;
	pthread_mutex_unlock(&exported_lock);
	return mine;
}

static int on_verdict(struct ts_bridge *b, sd_bus_message *m)
{
	const char *request_id, *action;
	int r = sd_bus_message_read(m, "ss", &request_id, &action);
	if (r < 0)
		return r; /* sd-bus answers InvalidArgs */
	if (!takes_call(b, m, request_id)) {
		sd_bus_message_rewind(m, true);
		return 0;
	}
	bool ok = ts_bridge_submit_verdict(b, request_id, action);
	return sd_bus_reply_method_return(m, "b", (int)ok);
}

static int on_introspect(struct ts_bridge *b, sd_bus_message *m)
{
	if (!takes_call(b, m, NULL))
		return 0;
	_cleanup_free_ char *xml = ts_xasprintf("%s%s</node>\n", introspection_head,
						ts_bridge_interface_xml);
	return sd_bus_reply_method_return(m, "s", xml);
}

static int on_message(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	(void)error;
	struct ts_bridge *b = userdata;
	if (sd_bus_message_is_method_call(m, TS_BRIDGE_INTERFACE, "Verdict"))
		return on_verdict(b, m);
	if (sd_bus_message_is_method_call(m, "org.freedesktop.DBus.Introspectable", "Introspect"))
		return on_introspect(b, m);
	return 0;
}

static void unexport(struct ts_bridge *b)
{
	if (!b->slot)
		return;
	pthread_mutex_lock(&exported_lock);
	for (struct ts_bridge **p = &exported; *p; p = &(*p)->next)
		if (*p == b) {
			*p = b->next;
			break;
		}
	b->next = NULL;
	pthread_mutex_unlock(&exported_lock);
	b->slot = sd_bus_slot_unref(b->slot);
}

static int export(struct ts_bridge *b, struct ts_error *err)
{
	int r = sd_bus_add_object(b->bus, &b->slot, TS_BRIDGE_OBJECT_PATH, on_message, b);
	if (r < 0)
		return ts_error_set(err, -r, "cannot export %s: %s", TS_BRIDGE_OBJECT_PATH,
				    strerror(-r));
	pthread_mutex_lock(&exported_lock);
	struct ts_bridge **p = &exported;
	while (*p)
		p = &(*p)->next;
	*p = b;
	pthread_mutex_unlock(&exported_lock);
	return 0;
}

/* ---- the session process ---- */

/*
 * stdin is one end of a socket pair, so a verdict written after the
 * session died fails with EPIPE instead of raising SIGPIPE in the caller.
 * stderr is shared with ours; the session starts with default signal
 * handling and nothing else inherited.
 */
static int spawn_session(struct ts_bridge *b, struct ts_error *err)
{
	int sv[2], out[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return ts_error_set(err, errno, "socketpair: %s", strerror(errno));
	if (pipe2(out, O_CLOEXEC) < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		return ts_error_set(err, e, "pipe: %s", strerror(e));
	}
	pid_t pid;
	int r = ts_spawn((const char *const *)b->argv.items,
			 (const int[3]){ sv[1], out[1], TS_SPAWN_INHERIT }, &pid, err);
	close(sv[1]);
	close(out[1]);
	if (r < 0) {
		close(sv[0]);
		close(out[0]);
		return r;
	}
	b->pid = pid;
	b->in_fd = sv[0];
	b->out_fd = out[0];
	b->pidfd = ts_pidfd_open(pid);
	if (b->pidfd < 0) {
		int e = errno;
		kill(pid, SIGKILL);
		reap(b);
		close_output(b);
		return ts_error_set(err, e, "pidfd_open: %s", strerror(e));
	}
	fcntl(b->out_fd, F_SETFL, O_NONBLOCK);
	return 0;
}

static int watch_session(struct ts_bridge *b, struct ts_error *err)
{
	sd_event *ev = sd_bus_get_event(b->bus);
	int r = sd_event_add_io(ev, &b->out_source, b->out_fd, EPOLLIN, on_output, b);
	if (r < 0)
		return ts_error_set(err, -r, "cannot watch the interactive session: %s", strerror(-r));
	r = sd_event_add_io(ev, &b->exit_source, b->pidfd, EPOLLIN, on_session_exit, b);
	if (r < 0)
		return ts_error_set(err, -r, "cannot watch the interactive session: %s", strerror(-r));
	return 0;
}

static int start_session(struct ts_bridge *b, struct ts_error *err)
{
	int r = spawn_session(b, err);
	if (r < 0)
		return r;
	return watch_session(b, err);
}

/* SIGTERM, SIGKILL after the timeout, then reap. */
static void end_session(struct ts_bridge *b)
{
	close_output(b);
	if (!b->pid)
		return;
	/* The pidfd becomes readable when the session has exited (it fails only if it already has). */
	ts_pidfd_signal(b->pidfd, SIGTERM);
	if (!ts_pidfd_wait(b->pidfd, TS_BRIDGE_KILL_TIMEOUT_MS))
		ts_pidfd_signal(b->pidfd, SIGKILL);
	reap(b);
}

int ts_bridge_start(struct ts_bridge *b, struct ts_error *err)
{
	if (b->slot)
		return ts_error_set(err, EALREADY, "the bridge for %s is already started", b->container);
	if (!sd_bus_get_event(b->bus))
		return ts_error_set(err, EINVAL, "the bus is not attached to an event loop");
	int r = export(b, err);
	if (r < 0)
		return r;
	r = start_session(b, err);
	/* Nothing stays exported or running after a failure. */
	if (r < 0)
		ts_bridge_stop(b);
	return r;
}

bool ts_bridge_submit_verdict(struct ts_bridge *b, const char *request_id, const char *action)
{
	struct ts_error err = { 0 };
	int64_t id;
	struct ts_bridge_action accept;
	if (!b->pid || b->in_fd < 0) {
		bridge_log(b, "verdict refused: the interactive session is not running");
		return false;
	}
	if (ts_bridge_verdict_action_parse(action, &accept, &err) < 0 ||
	    ts_bridge_request_id_parse(request_id, b->container, &id, &err) < 0) {
		bridge_log(b, "verdict refused: %s", err.message);
		return false;
	}
	if (pending_find(b, id) < 0) {
		bridge_log(b, "verdict refused: no pending request %s", request_id);
		return false;
	}
	_cleanup_free_ char *line = ts_bridge_verdict_line(id, &accept);
	size_t len = strlen(line);
	ssize_t n = send(b->in_fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n != (ssize_t)len) {
		bridge_log(b, "verdict refused: cannot write to the interactive session: %s",
			   n < 0 ? strerror(errno) : "short write");
		return false;
	}
	return true;
}

void ts_bridge_stop(struct ts_bridge *b)
{
	end_session(b);
	unexport(b);
}

void ts_bridge_free(struct ts_bridge *b)
{
	if (!b)
		return;
	ts_bridge_stop(b);
	sd_bus_unref(b->bus);
	ts_strv_clear(&b->argv);
	free(b->pending);
	free(b->container);
	free(b->bus_name);
	free(b);
}
