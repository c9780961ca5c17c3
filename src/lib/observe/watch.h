/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `watch` (docs/cli.md): one stream of JSON-line events from the container's
 * dnsmasq query log, its audit log and its NFLOG group, multiplexed by one
 * poll loop. NFLOG destinations get the domain dnsmasq last answered with.
 */
#ifndef TS_WATCH_H
#define TS_WATCH_H

struct ts_error;
struct ts_shield;

struct ts_watch_event {
	const char *ts;          /* "2026-11-24T10:00:00+00:00" */
	const char *source;      /* "dns", "audit" or "nflog" */
	const char *action;
	const char *container;
	const char *domain;      /* optional fields: NULL or "" are left out */
	const char *query_type;
	const char *dest;
	int port;                /* 0: left out */
	int proto;               /* IP protocol number; 0: left out */
	const char *detail;
};

/* One compact JSON object and a newline (newly allocated). */
char *ts_watch_event_json(const struct ts_watch_event *ev);

/* Receives each event line; a non-zero return ends the watch (e.g. stdout closed). */
typedef int (*ts_watch_emit)(const char *line, void *arg);

/*
 * Stream events until stop_fd becomes readable or emit asks to stop.
 * NFLOG events come only while the container runs (its socket is opened
 * at the start); *lost (optional) counts kernel buffer overflows, each
 * losing events.
 */
int ts_watch_run(const struct ts_shield *s, int stop_fd, ts_watch_emit emit, void *arg,
		 unsigned *lost, struct ts_error *err);

#endif
