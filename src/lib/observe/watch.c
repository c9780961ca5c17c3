/* SPDX-License-Identifier: Apache-2.0 */
#include <jansson.h>
#include <poll.h>
#include <time.h>

#include "base/domain.h"
#include "base/tail.h"
#include "base/util.h"
#include "bundle/audit.h"
#include "bundle/bundle.h"
#include "bundle/shield.h"
#include "bundle/state.h"
#include "container/locate.h"
#include "container/procid.h"
#include "dns/dnscache.h"
#include "dns/dnslog.h"
#include "observe/nflog.h"
#include "observe/nflog_reader.h"
#include "observe/watch.h"

/* How often the log files are looked at, and the allowed domains re-read. */
#define FILE_POLL_MS 200
#define DOMAINS_RELOAD_MS 1000

char *ts_watch_event_json(const struct ts_watch_event *ev)
{
	json_t *o = json_object();
	const char *strings[][2] = {
		{ "ts", ev->ts }, { "source", ev->source }, { "action", ev->action },
		{ "container", ev->container }, { "domain", ev->domain },
		{ "query_type", ev->query_type }, { "dest", ev->dest },
	};
	for (size_t i = 0; i < ARRAY_SIZE(strings); i++)
		if (strings[i][1] && *strings[i][1])
			json_object_set_new(o, strings[i][0], json_string(strings[i][1]));
	if (ev->port)
		json_object_set_new(o, "port", json_integer(ev->port));
	if (ev->proto)
		json_object_set_new(o, "proto", json_integer(ev->proto));
	if (ev->detail && *ev->detail)
		json_object_set_new(o, "detail", json_string(ev->detail));
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	char *line = text ? ts_xasprintf("%s\n", text) : NULL;
	free(text);
	return line;
}

struct watch {
	const struct ts_shield *s;
	ts_watch_emit emit;
	void *arg;
	int stop;
	struct ts_dnscache names;
	struct ts_strv allowed;  /* merged allowed domains, wildcards stripped */
	double allowed_at;
	bool strict_forwarder;   /* shield tier, strict: the forwarder logs each refusal itself */
};

static void watch_clear(struct watch *w)
{
	ts_dnscache_clear(&w->names);
	ts_strv_clear(&w->allowed);
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void utc_now(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%S+00:00", &tm))
		snprintf(out, 32, "unknown");
}

static void send_event(struct watch *w, const struct ts_watch_event *ev)
{
	_cleanup_free_ char *line = ts_watch_event_json(ev);
	if (line && !w->stop && w->emit(line, w->arg) != 0)
		w->stop = 1;
}

static void on_nflog(const struct ts_nflog_event *e, void *arg)
{
	struct watch *w = arg;
	char ts[32];
	utc_now(ts);
	struct ts_watch_event ev = {
		.ts = ts, .source = "nflog", .action = ts_nflog_action_name(e->action),
		.container = w->s->name, .domain = ts_dnscache_get(&w->names, e->dest),
		.dest = e->dest, .port = e->port, .proto = e->proto,
	};
	send_event(w, &ev);
}

static void reload_allowed(struct watch *w)
{
	if (now_ms() - w->allowed_at < DOMAINS_RELOAD_MS)
		return;
	_cleanup_strv_ struct ts_strv merged = TS_STRV_INIT;
	/* A list that cannot be read now keeps the last one read. */
	if (ts_bundle_merged_domains(w->s->state_dir, &merged, NULL) == 0) {
		ts_strv_clear(&w->allowed);
		for (size_t i = 0; i < merged.n; i++)
			ts_strv_push(&w->allowed, ts_domain_strip_wildcard(merged.items[i]));
	}
	w->allowed_at = now_ms();
}

static bool domain_allowed(const struct watch *w, const char *name)
{
	for (size_t i = 0; i < w->allowed.n; i++)
		if (ts_domain_matches(name, w->allowed.items[i]))
			return true;
	return false;
}

static void on_dns_line(const char *line, void *arg)
{
	struct watch *w = arg;
	struct ts_dnslog_line l;
	if (ts_dnslog_parse(line, &l) != 1)
		return;
	if (l.kind == TS_DNSLOG_ANSWER) {
		ts_dnscache_put(&w->names, l.addr, l.name);
		return;
	}
	/* A refusal is the forwarder's verdict, for any query type; its query line would repeat it. */
	if (l.kind == TS_DNSLOG_QUERY && w->strict_forwarder)
		return;
	/* A held query waits for a verdict: blocked only when refused, which is logged then. */
	if (l.kind == TS_DNSLOG_HELD)
		return;
	if (l.kind == TS_DNSLOG_QUERY) {
		reload_allowed(w);
		if (domain_allowed(w, l.name))
			return;
	}
	char ts[32];
	utc_now(ts);
	struct ts_watch_event ev = { .ts = ts, .source = "dns", .action = "blocked_query",
				     .container = w->s->name, .domain = l.name,
				     .query_type = l.qtype };
	send_event(w, &ev);
}

static const char *field(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void on_audit_line(const char *line, void *arg)
{
	struct watch *w = arg;
	json_t *o = json_loads(line, 0, NULL);
	if (!json_is_object(o) || !field(o, "action")) {
		json_decref(o);
		return;
	}
	char now[32];
	utc_now(now);
	struct ts_watch_event ev = { .ts = field(o, "ts") ? field(o, "ts") : now, .source = "audit",
				     .action = field(o, "action"), .container = w->s->name,
				     .dest = field(o, "dest"), .detail = field(o, "detail") };
	send_event(w, &ev);
	json_decref(o);
}

/* The NFLOG socket when the container runs (-1 when it does not). */
static int open_nflog(const struct ts_shield *s, int *fd, struct ts_error *err)
{
	struct ts_proc_identity id;
	*fd = -1;
	int r = ts_container_locate(s->state_dir, s->name, &id, err);
	return r <= 0 ? r : ts_nflog_open(&id, fd, err);
}

int ts_watch_run(const struct ts_shield *s, int stop_fd, ts_watch_emit emit, void *arg,
		 unsigned *lost, struct ts_error *err)
{
	_cleanup_(watch_clear) struct watch w = { .s = s, .emit = emit, .arg = arg,
						  .allowed = TS_STRV_INIT,
						  .allowed_at = -DOMAINS_RELOAD_MS };
	ts_dnscache_init(&w.names);
	_cleanup_bundle_settings_ struct ts_bundle_settings set = { 0 };
	/* An unreadable bundle leaves the query lines to tell what was blocked. */
	if (ts_bundle_settings_read(s->state_dir, &set, NULL) == 0)
		w.strict_forwarder = set.shield_tier && !set.dns_open;
	_cleanup_close_ int nflog = -1;
	int r = open_nflog(s, &nflog, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *audit_path = ts_path_audit(s->state_dir);
	_cleanup_free_ char *dns_path = ts_path_dnsmasq_log(s->state_dir);
	_cleanup_tail_ struct ts_tail audit, dns;
	ts_tail_init(&audit, audit_path, true);
	ts_tail_init(&dns, dns_path, true);

	while (!w.stop) {
		struct pollfd pfd[2] = { { .fd = stop_fd, .events = POLLIN },
					 { .fd = nflog, .events = POLLIN } };
		/* A log with a backlog is read again at once, not after the usual pause. */
		int n = poll(pfd, 2, audit.more || dns.more ? 0 : FILE_POLL_MS);
		if (n < 0 && errno != EINTR)
			return ts_error_set(err, errno, "poll: %s", strerror(errno));
		if (n > 0 && pfd[0].revents)
			return 0;
		/* Answers first: an NFLOG event right after a query gets its name. */
		ts_tail_poll(&dns, on_dns_line, &w);
		if (n > 0 && pfd[1].revents) {
			r = ts_nflog_read(nflog, on_nflog, &w, lost, err);
			if (r < 0)
				return r;
		}
		ts_tail_poll(&audit, on_audit_line, &w);
	}
	return 0;
}
