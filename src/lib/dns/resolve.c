/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ares.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>

#include "base/addr.h"
#include "base/domain.h"
#include "base/strset.h"
#include "base/util.h"
#include "dns/resolve.h"

/*
 * Two attempts per server. c-ares doubles the wait for the second, so a
 * first wait of a third of timeout_ms lets both fit in it.
 */
#define TRIES 2
/* Answers to hundreds of queries arrive together: room for a burst. */
#define RCVBUF_BYTES (1 << 20)
/* Longest shown spelling of a rejected name. */
#define SHOWN_NAME_MAX 64

enum { FAM_A, FAM_AAAA, N_FAM };

struct resolver;

struct query {
	struct resolver *res;
	int fam;
	int status;
	struct ts_strv addrs; /* canonical, in answer order */
};

struct lookup {
	const char *input;           /* the caller's spelling */
	char name[TS_DOMAIN_BUFLEN]; /* normalised, "*." stripped */
	bool invalid;                /* never sent */
	bool repeat;                 /* an earlier name is the same domain */
	struct query q[N_FAM];
};

struct resolver {
	ares_channel channel;
	struct pollfd *fds; /* the sockets c-ares wants watched */
	size_t n_fds, cap_fds;
	struct pollfd *polled; /* copy handed to poll(): callbacks edit fds */
	size_t cap_polled;
	size_t pending; /* queries without an answer yet */
};

static uint64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* c-ares reports each socket it opens, changes or closes (readable = writable = 0). */
static void on_socket(void *data, ares_socket_t fd, int readable, int writable)
{
	struct resolver *r = data;
	size_t i;
	for (i = 0; i < r->n_fds && r->fds[i].fd != fd; i++)
		;
	if (!readable && !writable) {
		if (i < r->n_fds)
			r->fds[i] = r->fds[--r->n_fds];
		return;
	}
	if (i == r->n_fds) {
		if (r->n_fds == r->cap_fds) {
			r->cap_fds = r->cap_fds ? r->cap_fds * 2 : 8;
			r->fds = ts_xrealloc(r->fds, r->cap_fds * sizeof(*r->fds));
		}
		r->n_fds++;
	}
	r->fds[i] = (struct pollfd){
		.fd = fd,
		.events = (short)((readable ? POLLIN : 0) | (writable ? POLLOUT : 0)),
	};
}

/* The canonical addresses of an A or AAAA answer into q->addrs. */
static int collect(struct query *q, const unsigned char *abuf, int alen)
{
	struct hostent *host = NULL;
	int status = q->fam == FAM_A ? ares_parse_a_reply(abuf, alen, &host, NULL, NULL)
				     : ares_parse_aaaa_reply(abuf, alen, &host, NULL, NULL);
	if (status != ARES_SUCCESS)
		return status;
	for (char **a = host->h_addr_list; a && *a; a++) {
		char text[INET6_ADDRSTRLEN], canon[TS_ADDR_STRLEN];
		if (inet_ntop(host->h_addrtype, *a, text, sizeof(text)) &&
		    ts_addr_canonicalize(text, canon, NULL) == 0)
			ts_strv_push(&q->addrs, canon);
	}
	ares_free_hostent(host);
	return q->addrs.n > 0 ? ARES_SUCCESS : ARES_ENODATA;
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct query *q = arg;
	(void)timeouts;
	q->res->pending--;
	q->status = status == ARES_SUCCESS ? collect(q, abuf, alen) : status;
}

static int channel_open(struct resolver *r, const char *servers, int timeout_ms, int flags,
			struct ts_error *err)
{
	struct ares_options o = {
		.flags = flags,
		.timeout = timeout_ms / 3 > 0 ? timeout_ms / 3 : 1,
		.tries = TRIES,
		.socket_receive_buffer_size = RCVBUF_BYTES,
		.sock_state_cb = on_socket,
		.sock_state_cb_data = r,
	};
	int optmask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_SOCK_RCVBUF |
		      ARES_OPT_SOCK_STATE_CB;
	int status = ares_init_options(&r->channel, &o, optmask);
	if (status != ARES_SUCCESS) {
		r->channel = NULL;
		return ts_error_set(err, status == ARES_ENOMEM ? ENOMEM : EIO,
				    "cannot set up the DNS resolver: %s", ares_strerror(status));
	}
	if (servers) {
		status = ares_set_servers_ports_csv(r->channel, servers);
		if (status != ARES_SUCCESS)
			return ts_error_set(err, EINVAL, "bad DNS server list '%s': %s", servers,
					    ares_strerror(status));
	}
	return 0;
}

static size_t count_servers(ares_channel channel)
{
	struct ares_addr_port_node *list = NULL;
	size_t n = 0;
	if (ares_get_servers_ports(channel, &list) != ARES_SUCCESS)
		return 0;
	for (struct ares_addr_port_node *s = list; s; s = s->next)
		n++;
	ares_free_data(list);
	return n;
}

/*
 * c-ares moves on to the next server after a SERVFAIL or REFUSED answer,
 * and once it runs out reports only "could not contact" (1.18). Worth it
 * with several servers; with one, take the answer as it is, so the reason
 * a name failed is the server's.
 */
static int resolver_open(struct resolver *r, const char *servers, int timeout_ms,
			 struct ts_error *err)
{
	int ret = channel_open(r, servers, timeout_ms, 0, err);
	if (ret < 0 || count_servers(r->channel) > 1)
		return ret;
	ares_destroy(r->channel);
	return channel_open(r, servers, timeout_ms, ARES_FLAG_NOCHECKRESP, err);
}

/* Wait for every answer, or until deadline: then the rest is cancelled. */
static int wait_answers(struct resolver *r, uint64_t deadline, struct ts_error *err)
{
	while (r->pending > 0) {
		uint64_t now = now_ms();
		if (now >= deadline) {
			ares_cancel(r->channel); /* their callbacks run now, with ARES_ECANCELLED */
			break;
		}
		uint64_t left = deadline - now;
		struct timeval tv, max = {
			.tv_sec = (time_t)(left / 1000),
			.tv_usec = (suseconds_t)(left % 1000) * 1000,
		};
		struct timeval *next = ares_timeout(r->channel, &max, &tv);
		int64_t wait_ms = (int64_t)next->tv_sec * 1000 + (next->tv_usec + 999) / 1000;
		int wait = wait_ms < INT_MAX ? (int)wait_ms : INT_MAX;

		if (r->n_fds > r->cap_polled) {
			r->cap_polled = r->n_fds;
			r->polled = ts_xrealloc(r->polled, r->cap_polled * sizeof(*r->polled));
		}
		size_t n = r->n_fds;
		if (n > 0)
			memcpy(r->polled, r->fds, n * sizeof(*r->polled));
		int ready = poll(r->polled, n, wait);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			return ts_error_set(err, errno, "waiting for DNS answers: %s", strerror(errno));
		}
		if (ready == 0) {
			ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timeouts */
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			short ev = r->polled[i].revents;
			if (!ev)
				continue;
			ares_socket_t fd = r->polled[i].fd;
			ares_process_fd(r->channel, ev & (POLLIN | POLLERR | POLLHUP) ? fd : ARES_SOCKET_BAD,
					ev & POLLOUT ? fd : ARES_SOCKET_BAD);
		}
	}
	return 0;
}

/* Send both queries of every lookup, then wait: all of them are in flight together. */
static int run_queries(struct lookup *lookups, size_t n, const char *servers, int timeout_ms,
		       struct ts_error *err)
{
	struct resolver r = { 0 };
	uint64_t deadline = now_ms() + (uint64_t)timeout_ms;
	int status = ares_library_init(ARES_LIB_INIT_ALL);
	if (status != ARES_SUCCESS)
		return ts_error_set(err, EIO, "cannot set up c-ares: %s", ares_strerror(status));
	int ret = resolver_open(&r, servers, timeout_ms, err);
	for (size_t i = 0; ret == 0 && i < n; i++) {
		if (lookups[i].invalid || lookups[i].repeat)
			continue;
		for (int fam = 0; fam < N_FAM; fam++) {
			struct query *q = &lookups[i].q[fam];
			q->res = &r;
			q->fam = fam;
			r.pending++; /* before: a callback may run inside ares_query */
			ares_query(r.channel, lookups[i].name, ns_c_in, fam == FAM_A ? ns_t_a : ns_t_aaaa,
				   on_answer, q);
		}
	}
	if (ret == 0)
		ret = wait_answers(&r, deadline, err);
	if (r.channel)
		ares_destroy(r.channel); /* callbacks of what is left run now, with ARES_EDESTRUCTION */
	ares_library_cleanup();
	free(r.fds);
	free(r.polled);
	return ret;
}

static const char *family_reason(int status)
{
	switch (status) {
	case ARES_ENODATA:
		return "no records";
	case ARES_ENOTFOUND:
		return "no such domain (NXDOMAIN)";
	case ARES_ETIMEOUT:
	case ARES_ECANCELLED:
		return "timed out";
	case ARES_ESERVFAIL:
		return "DNS server failure (SERVFAIL)";
	case ARES_EREFUSED:
		return "refused by the DNS server";
	case ARES_ECONNREFUSED:
		/* also what c-ares reports when every server failed or refused */
		return "no usable answer from the DNS servers";
	default:
		return ares_strerror(status);
	}
}

/* Why a lookup that yielded nothing failed: one reason, or one per family when they differ. */
static char *failure_reason(const struct lookup *l)
{
	int a = l->q[FAM_A].status, aaaa = l->q[FAM_AAAA].status;
	if (a == ARES_ENODATA && aaaa == ARES_ENODATA)
		return ts_xstrdup("no A or AAAA records");
	if (a == aaaa || (a == ARES_ETIMEOUT && aaaa == ARES_ECANCELLED) ||
	    (a == ARES_ECANCELLED && aaaa == ARES_ETIMEOUT))
		return ts_xstrdup(family_reason(a));
	return ts_xasprintf("A: %s; AAAA: %s", family_reason(a), family_reason(aaaa));
}

/* A rejected name as it may be printed: printable ASCII only, bounded. */
static void shown_name(const char *name, char out[SHOWN_NAME_MAX + 4])
{
	size_t i;
	for (i = 0; name[i] && i < SHOWN_NAME_MAX; i++)
		out[i] = name[i] > ' ' && name[i] < 0x7f ? name[i] : '?';
	strcpy(out + i, name[i] ? "…" : "");
}

static void report(const struct lookup *lookups, size_t n, struct ts_strv *ips,
		   struct ts_strv *unresolved)
{
	_cleanup_strset_ struct ts_strset seen = TS_STRSET_INIT;
	for (size_t i = 0; i < ips->n; i++)
		ts_strset_add(&seen, ips->items[i]);

	for (size_t i = 0; i < n; i++) {
		const struct lookup *l = &lookups[i];
		if (l->invalid) {
			char shown[SHOWN_NAME_MAX + 4];
			shown_name(l->input, shown);
			ts_strv_push_take(unresolved, ts_xasprintf("%s: not a valid domain name", shown));
			continue;
		}
		if (l->repeat)
			continue;
		if (l->q[FAM_A].addrs.n == 0 && l->q[FAM_AAAA].addrs.n == 0) {
			_cleanup_free_ char *why = failure_reason(l);
			ts_strv_push_take(unresolved, ts_xasprintf("%s: %s", l->input, why));
			continue;
		}
		for (int fam = 0; fam < N_FAM; fam++)
			for (size_t j = 0; j < l->q[fam].addrs.n; j++) {
				const char *addr = l->q[fam].addrs.items[j];
				if (ts_strset_contains(&seen, addr))
					continue;
				ts_strv_push(ips, addr);
				ts_strset_add(&seen, ips->items[ips->n - 1]);
			}
	}
}

/* The lookups of n names and the addresses they got. */
struct lookups {
	struct lookup *items;
	size_t n;
};

static void lookups_clear(struct lookups *l)
{
	for (size_t i = 0; l->items && i < l->n; i++)
		for (int fam = 0; fam < N_FAM; fam++)
			ts_strv_clear(&l->items[i].q[fam].addrs);
	free(l->items);
}

/* Validate every name; a domain seen before is looked up once. */
static void prepare(const char *const *names, size_t n, struct lookup *lookups)
{
	_cleanup_strset_ struct ts_strset domains = TS_STRSET_INIT;
	for (size_t i = 0; i < n; i++) {
		struct lookup *l = &lookups[i];
		char normal[TS_DOMAIN_BUFLEN];
		l->input = names[i];
		if (ts_domain_normalize(names[i], normal, NULL) < 0) {
			l->invalid = true;
			continue;
		}
		strcpy(l->name, ts_domain_strip_wildcard(normal));
		l->repeat = !ts_strset_add(&domains, l->name);
	}
}

int ts_resolve_all_at(const char *servers, const char *const *names, size_t n, int timeout_ms,
		      struct ts_strv *ips, struct ts_strv *unresolved, struct ts_error *err)
{
	if ((n > 0 && !names) || !ips || !unresolved)
		return ts_error_set(err, EINVAL, "resolve: missing argument");
	if (timeout_ms <= 0)
		return ts_error_set(err, EINVAL, "resolve: timeout must be positive, not %d ms", timeout_ms);
	for (size_t i = 0; i < n; i++)
		if (!names[i])
			return ts_error_set(err, EINVAL, "resolve: name %zu is NULL", i);
	if (n == 0)
		return 0;

	_cleanup_(lookups_clear) struct lookups l = { .items = calloc(n, sizeof(*l.items)), .n = n };
	if (!l.items)
		return ts_error_set(err, ENOMEM, "resolve: out of memory for %zu names", n);
	prepare(names, n, l.items);

	bool any = false;
	for (size_t i = 0; i < n && !any; i++)
		any = !l.items[i].invalid;
	/* Only invalid names: nothing to ask, so no resolver (and no resolv.conf) needed. */
	if (any) {
		int r = run_queries(l.items, n, servers, timeout_ms, err);
		if (r < 0)
			return r;
	}
	report(l.items, n, ips, unresolved);
	return 0;
}

int ts_resolve_all(const char *const *names, size_t n, int timeout_ms, struct ts_strv *ips,
		   struct ts_strv *unresolved, struct ts_error *err)
{
	return ts_resolve_all_at(NULL, names, n, timeout_ms, ips, unresolved, err);
}
