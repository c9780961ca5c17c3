/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The forwarder's loop: queries from the container's 127.0.0.1:53 (UDP
 * and TCP), the policy's decision (forward, refuse, or in an interactive
 * container hold for a verdict: hold.h), c-ares towards the upstream of
 * our own namespace, learned addresses into dns_v4/dns_v6 before the
 * answer is released.
 */
#include <ares.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <time.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "dns.h"
#include "dns/dnsanswer.h"
#include "dns/dnsdomains.h"
#include "dns/dnslearned.h"
#include "dns/dnsquery.h"
#include "hold.h"
#include "dns/dnsscope.h"
#include "nft/nft.h"
#include "pending.h"
#include "tcp_client.h"

struct forwarder {
	const struct dns_options *o;
	struct dns_endpoints *e;
	ares_channel ch;
	struct ts_dns_domain_files files;
	struct tcp_client clients[DNS_MAX_TCP_CLIENTS];
	size_t inflight;
	struct ts_dns_learned learned;
	struct dns_hold held; /* interactive: queries waiting for a verdict (hold.h) */
};

static volatile sig_atomic_t stop_requested, forget_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* SIGHUP: the sets were replaced (the ruleset applied again); learn everything anew. */
static void on_hup(int sig)
{
	(void)sig;
	forget_requested = 1;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One line of the query log, in the form the dns log follower reads (dns/dnslog.h). */
static void log_line(struct forwarder *f, const char *fmt, ...) TS_PRINTF(2, 3);
static void log_line(struct forwarder *f, const char *fmt, ...)
{
	if (f->e->log < 0)
		return;
	char line[512];
	time_t t = time(NULL);
	struct tm tm;
	size_t n = strftime(line, sizeof(line), "%b %e %H:%M:%S ", localtime_r(&t, &tm));
	n += (size_t)snprintf(line + n, sizeof(line) - n, "terok-shield-dns[%d]: ", (int)getpid());
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	n = k < 0 ? n : n + (size_t)k >= sizeof(line) - 1 ? sizeof(line) - 2 : n + (size_t)k;
	line[n++] = '\n';
	/* A failed log write never stops resolution. */
	if (write(f->e->log, line, n) < 0)
		return;
}

static const char *peer_text(const struct sockaddr_storage *ss, char buf[INET6_ADDRSTRLEN])
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
	if (ss->ss_family != AF_INET || !inet_ntop(AF_INET, &in->sin_addr, buf, INET6_ADDRSTRLEN))
		strcpy(buf, "127.0.0.1");
	return buf;
}

/* Send an answer to where its query came from; a UDP answer too big for the client is truncated (TC). */
static void deliver(struct forwarder *f, struct pending *p, const uint8_t *msg, size_t len)
{
	if (p->slot >= 0) {
		struct tcp_client *c = &f->clients[p->slot];
		if (c->fd >= 0 && c->gen == p->gen)
			tcp_client_queue(c, msg, len);
		return;
	}
	uint8_t tc[sizeof(p->head)];
	if (len > p->q.udp_size) {
		len = ts_dnsquery_answer(p->head, &p->q, TS_DNS_NOERROR, tc);
		tc[2] |= 0x02;
		msg = tc;
	}
	sendto(f->e->udp, msg, len, MSG_DONTWAIT, (struct sockaddr *)&p->peer, p->peer_len);
}

static void answer_locally(struct forwarder *f, struct pending *p, enum ts_dns_rcode rcode)
{
	uint8_t out[sizeof(p->head)];
	size_t len = ts_dnsquery_answer(p->head, &p->q, rcode, out);
	deliver(f, p, out, len);
}

/*
 * Add the answer's addresses with their timeouts in one transaction, done
 * before the answer leaves. Addresses whose elements already outlive this
 * answer (noted within the margin of their last update) need none.
 */
static int learn(struct forwarder *f, struct pending *p, const uint8_t *answer, size_t len)
{
	struct ts_dns_addr addrs[TS_DNS_LEARN_MAX];
	size_t n = ts_dnsanswer_addresses(answer, len, p->q.qtype, addrs, TS_DNS_LEARN_MAX);
	if (n == 0)
		return 0;
	uint64_t now = (uint64_t)now_ms();
	_cleanup_strbuf_ struct ts_strbuf s = TS_STRBUF_INIT;
	/* A name only scoped domains allow: its addresses with their scopes, for as long as they last. */
	_cleanup_(ts_dns_scoped_batch_clear) struct ts_dns_scoped_batch scoped = { .n = 0 };
	bool whole = ts_dns_learn_whole(&f->files, p->q.name);
	if (!whole)
		ts_dns_scoped_batch_make(&f->files.scoped, p->q.name, addrs, n, time(NULL), now,
					 &f->learned, &scoped);
	for (size_t i = 0; whole && i < n; i++) {
		if (ts_dns_learned_covers(&f->learned, addrs[i].addr, now, addrs[i].ttl) ||
		    ts_dns_addr_repeated(addrs, i))
			continue;
		const char *set = addrs[i].v6 ? "dns_v6" : "dns_v4";
		unsigned t = ts_dns_learn_timeout(addrs[i].ttl);
		ts_strbuf_printf(&s, "add element inet terok_shield %s { %s timeout %us }\n", set,
				 addrs[i].addr, t);
		/*
		 * An element we know is there keeps its old timeout on kernels that do
		 * not update it on add: delete and add it again in the same
		 * transaction. (A delete costs nft a lookup, so new elements go without.)
		 */
		if (ts_dns_learned_present(&f->learned, addrs[i].addr, now))
			ts_strbuf_printf(&s,
					 "delete element inet terok_shield %s { %s }\n"
					 "add element inet terok_shield %s { %s timeout %us }\n",
					 set, addrs[i].addr, set, addrs[i].addr, t);
	}
	const struct ts_strbuf *cmds = whole ? &s : &scoped.nft;
	struct ts_error err = { 0 };
	if (cmds->len && ts_nft_exec(f->e->nft, cmds->data, NULL, &err) < 0) {
		fprintf(stderr, "terok-shield-dns: %s: cannot learn its addresses: %s\n", p->q.name,
			err.message);
		return -1;
	}
	ts_dns_scoped_batch_noted(&scoped, &f->learned, now);
	for (size_t i = 0; i < n; i++) {
		if (whole && !ts_dns_learned_covers(&f->learned, addrs[i].addr, now, addrs[i].ttl))
			ts_dns_learned_note(&f->learned, addrs[i].addr, now,
					    ts_dns_learn_timeout(addrs[i].ttl));
		log_line(f, "reply %s is %s", p->q.name, addrs[i].addr);
	}
	return 0;
}

/*
 * Bring the allowed domains up to date. Called after a batch of queries
 * was taken from its socket and before any of it is decided, and before
 * a batch of answers is: a change made before a query was sent or its
 * answer came is then always seen by that query.
 */
static void refresh_domains(struct forwarder *f)
{
	bool changed;
	struct ts_error err = { 0 };
	if (ts_dns_domain_files_refresh(&f->files, &changed, &err) < 0)
		fprintf(stderr, "terok-shield-dns: %s (no domain is allowed until it is read)\n",
			err.message);
}

static void refuse(struct forwarder *f, struct pending *p)
{
	char type[12];
	log_line(f, "refused[%s] %s (not an allowed domain)", ts_dns_type_name(p->q.qtype, type),
		 p->q.name[0] ? p->q.name : ".");
	answer_locally(f, p, TS_DNS_REFUSED);
	free(p);
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	(void)timeouts;
	struct pending *p = arg;
	struct forwarder *f = p->f;
	f->inflight--;
	if (status == ARES_EDESTRUCTION) {
		free(p);
		return;
	}
	if (status != ARES_SUCCESS || !abuf || alen < TS_DNS_HEADER_LEN) {
		answer_locally(f, p, TS_DNS_SERVFAIL);
		free(p);
		return;
	}
	_cleanup_free_ uint8_t *msg = ts_xmalloc((size_t)alen);
	memcpy(msg, abuf, (size_t)alen);
	/* c-ares sent it with an id of its own: the client gets its own back. */
	msg[0] = (uint8_t)(p->q.id >> 8);
	msg[1] = (uint8_t)p->q.id;
	/* A deny made while the query was upstream holds for its answer too (read_answers). */
	p->action = ts_dns_decide(f->o->policy, &f->files.domains, p->q.name);
	if (p->action == TS_DNS_REFUSE) {
		refuse(f, p);
		return;
	}
	if (p->action == TS_DNS_LEARN && learn(f, p, msg, (size_t)alen) < 0)
		answer_locally(f, p, TS_DNS_SERVFAIL); /* an answer the firewall would not honour */
	else
		deliver(f, p, msg, (size_t)alen);
	free(p);
}

/* Upstream with c-ares; SERVFAIL when too many queries are in flight. */
static void forward(struct forwarder *f, struct pending *p, const uint8_t *msg, size_t len)
{
	if (f->inflight >= DNS_MAX_INFLIGHT) {
		answer_locally(f, p, TS_DNS_SERVFAIL);
		free(p);
		return;
	}
	f->inflight++;
	ares_send(f->ch, msg, (int)len, on_answer, p);
}

/*
 * A name nobody decided on, in an interactive container: held until a
 * verdict (hold.h); the first query for the name asks the session, through
 * the query log (docs/interactive.md).
 */
static void hold(struct forwarder *f, struct pending *p, const uint8_t *msg, size_t len)
{
	char type[12];
	switch (dns_hold_add(&f->held, p, msg, len, now_ms())) {
	case DNS_HOLD_FIRST:
		log_line(f, "held[%s] %s (waiting for a verdict)", ts_dns_type_name(p->q.qtype, type),
			 p->q.name);
		break;
	case DNS_HOLD_JOINED:
		break;
	case DNS_HOLD_REPEAT:
		free(p); /* the held one's answer serves it */
		break;
	case DNS_HOLD_FULL:
		refuse(f, p);
		break;
	}
}

/*
 * The held queries, with the domains brought up to date: an allowed
 * name's are forwarded, a denied name's refused, and so is every query
 * that waited its longest.
 */
static void settle_held(struct forwarder *f)
{
	if (!f->held.n)
		return;
	refresh_domains(f);
	double now = now_ms();
	for (size_t i = 0; i < f->held.n;) {
		struct pending *p = f->held.q[i].p;
		p->action = ts_dns_decide(f->o->policy, &f->files.domains, p->q.name);
		bool waits = p->action == TS_DNS_REFUSE &&
			     ts_dns_name_undecided(&f->files.domains, p->q.name);
		if (waits && !dns_hold_expired(&f->held, i, now)) {
			i++;
			continue;
		}
		struct dns_held e;
		dns_hold_take(&f->held, i, &e);
		if (p->action == TS_DNS_REFUSE)
			refuse(f, p);
		else
			forward(f, p, e.msg, e.len);
		free(e.msg);
	}
}

/* One query from a client (the domains refreshed since it arrived): answered locally, held or forwarded. */
static void handle_query(struct forwarder *f, const uint8_t *msg, size_t len, int slot,
			 const struct sockaddr_storage *peer, socklen_t peer_len)
{
	struct pending *p = ts_xmalloc(sizeof(*p));
	memset(p, 0, sizeof(*p));
	p->f = f;
	p->slot = slot;
	p->gen = slot >= 0 ? f->clients[slot].gen : 0;
	if (peer)
		memcpy(&p->peer, peer, peer_len);
	p->peer_len = peer_len;

	int rc = ts_dnsquery_parse(msg, len, &p->q);
	if (rc < 0) {
		free(p);
		return;
	}
	memcpy(p->head, msg, p->q.end > 0 ? p->q.end : TS_DNS_HEADER_LEN);
	if (p->q.end == 0)
		p->q.udp_size = 512;
	if (rc > 0) {
		answer_locally(f, p, (enum ts_dns_rcode)rc);
		free(p);
		return;
	}

	char type[12], from[INET6_ADDRSTRLEN];
	const char *name = p->q.name[0] ? p->q.name : ".";
	log_line(f, "query[%s] %s from %s", ts_dns_type_name(p->q.qtype, type), name,
		 peer_text(&p->peer, from));

	/* Upstream gets a query of our own making, never the client's bytes (dnsquery.h). */
	uint8_t query[TS_DNS_QUERY_MAX];
	size_t query_len = ts_dnsquery_rebuild(msg, &p->q, query);
	p->action = ts_dns_decide(f->o->policy, &f->files.domains, p->q.name);
	if (p->action != TS_DNS_REFUSE)
		forward(f, p, query, query_len);
	else if (f->e->ask && ts_dns_name_undecided(&f->files.domains, p->q.name))
		hold(f, p, query, query_len);
	else
		refuse(f, p);
}

/* Queries taken per round: TCP clients and answers are served under a flood too. */
#define UDP_BATCH 64
/* A bigger query is cut short (MSG_TRUNC) and refused as malformed. */
#define UDP_QUERY_MAX 4096

static void read_udp(struct forwarder *f)
{
	static uint8_t bufs[UDP_BATCH][UDP_QUERY_MAX];
	static struct sockaddr_storage peers[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	struct mmsghdr msgs[UDP_BATCH];
	for (int i = 0; i < UDP_BATCH; i++) {
		iov[i] = (struct iovec){ .iov_base = bufs[i], .iov_len = sizeof(bufs[i]) };
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &peers[i],
							 .msg_namelen = sizeof(peers[i]),
							 .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	int n = recvmmsg(f->e->udp, msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return;
	refresh_domains(f);
	for (int i = 0; i < n; i++) {
		size_t len = msgs[i].msg_hdr.msg_flags & MSG_TRUNC ? 0 : msgs[i].msg_len;
		if (len == 0) /* cut short: answer FORMERR from the header it has */
			len = msgs[i].msg_len < TS_DNS_HEADER_LEN ? msgs[i].msg_len : TS_DNS_HEADER_LEN;
		handle_query(f, bufs[i], len, -1, &peers[i], msgs[i].msg_hdr.msg_namelen);
	}
}

static void read_tcp(struct forwarder *f, int slot)
{
	struct tcp_client *c = &f->clients[slot];
	ssize_t n = recv(c->fd, c->in + c->in_len, 2 + TS_DNS_MSG_MAX - c->in_len, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		c->dead = true;
		return;
	}
	if (n < 0)
		return;
	c->in_len += (size_t)n;
	refresh_domains(f);
	/*
	 * Every complete message in the buffer (clients may pipeline). Only a
	 * whole message counts as activity: a byte at a time cannot hold a slot.
	 */
	while (!c->dead && c->in_len >= 2) {
		size_t len = (size_t)c->in[0] << 8 | c->in[1];
		if (c->in_len < 2 + len)
			return;
		c->last_ms = now_ms();
		handle_query(f, c->in + 2, len, slot, NULL, 0);
		memmove(c->in, c->in + 2 + len, c->in_len - 2 - len);
		c->in_len -= 2 + len;
	}
}

static int ares_start(struct forwarder *f, struct ts_error *err)
{
	int r = ares_library_init(ARES_LIB_INIT_ALL);
	if (r != ARES_SUCCESS)
		return ts_error_set(err, EIO, "c-ares: %s", ares_strerror(r));
	struct ares_options opts = {
		/* Answers pass unchanged, errors too: the client decides what SERVFAIL means. */
		.flags = ARES_FLAG_NOCHECKRESP,
		.timeout = 1500,
		.tries = 2,
	};
	r = ares_init_options(&f->ch, &opts, ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
	if (r != ARES_SUCCESS)
		return ts_error_set(err, EIO, "c-ares: cannot read the resolver configuration: %s",
				    ares_strerror(r));
	return 0;
}

/*
 * The poll set: listening sockets, the container's pidfd, the bundle's
 * watch (-1 unless queries are held), clients, c-ares's sockets.
 */
#define POLL_FIXED 4
struct poll_set {
	struct pollfd fds[POLL_FIXED + DNS_MAX_TCP_CLIENTS + ARES_GETSOCK_MAXNUM];
	int slot[POLL_FIXED + DNS_MAX_TCP_CLIENTS + ARES_GETSOCK_MAXNUM]; /* client slot, or -1 */
	nfds_t n, first_ares;
};

static void poll_add(struct poll_set *ps, int fd, short events, int slot)
{
	ps->fds[ps->n] = (struct pollfd){ .fd = fd, .events = events };
	ps->slot[ps->n++] = slot;
}

/* Without a watch on the bundle, held queries look at the domain files this often. */
#define HELD_RECHECK_MS 100

static int poll_timeout(struct forwarder *f)
{
	struct timeval tv, max = { 1, 0 };
	struct timeval *t = ares_timeout(f->ch, &max, &tv);
	int ms = (int)(t->tv_sec * 1000 + t->tv_usec / 1000) + 1;
	int held = dns_hold_next_ms(&f->held, now_ms());
	if (held >= 0 && f->files.inotify < 0 && held > HELD_RECHECK_MS)
		held = HELD_RECHECK_MS;
	return held >= 0 && held < ms ? held : ms;
}

static void build_poll_set(struct forwarder *f, struct poll_set *ps, size_t n_clients)
{
	ps->n = 0;
	poll_add(ps, f->e->udp, POLLIN, -1);
	poll_add(ps, f->e->tcp, n_clients < DNS_MAX_TCP_CLIENTS ? POLLIN : 0, -1);
	poll_add(ps, f->e->pidfd, POLLIN, -1);
	poll_add(ps, f->held.n ? f->files.inotify : -1, POLLIN, -1);
	for (int i = 0; i < DNS_MAX_TCP_CLIENTS; i++)
		if (f->clients[i].fd >= 0)
			poll_add(ps, f->clients[i].fd,
				 (short)(POLLIN | (f->clients[i].out_len ? POLLOUT : 0)), i);
	ps->first_ares = ps->n;
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	/* c-ares's own ARES_GETSOCK_WRITABLE shifts a signed 1 into the sign bit: test the bits unsigned. */
	unsigned mask = (unsigned)ares_getsock(f->ch, socks, ARES_GETSOCK_MAXNUM);
	for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
		short ev = (short)((mask & (1u << i) ? POLLIN : 0) |
				   (mask & (1u << (i + ARES_GETSOCK_MAXNUM)) ? POLLOUT : 0));
		if (ev)
			poll_add(ps, socks[i], ev, -1);
	}
}

/*
 * What c-ares's sockets have: answers are decided again (on_answer) with
 * the domains brought up to date once for the whole batch.
 */
static void read_answers(struct forwarder *f, const struct poll_set *ps)
{
	bool refreshed = false;
	for (nfds_t i = ps->first_ares; i < ps->n; i++) {
		short ev = ps->fds[i].revents;
		if (!ev)
			continue;
		if (!refreshed && (ev & POLLIN)) {
			refresh_domains(f);
			refreshed = true;
		}
		ares_process_fd(f->ch, ev & (POLLIN | POLLERR | POLLHUP) ? ps->fds[i].fd : ARES_SOCKET_BAD,
				ev & POLLOUT ? ps->fds[i].fd : ARES_SOCKET_BAD);
	}
}

static int serve_loop(struct forwarder *f)
{
	struct poll_set ps;
	for (;;) {
		size_t n_clients = tcp_clients_sweep(f->clients, DNS_MAX_TCP_CLIENTS, now_ms());
		build_poll_set(f, &ps, n_clients);
		int r = poll(ps.fds, ps.n, poll_timeout(f));
		if (stop_requested)
			return 0;
		if (forget_requested) {
			forget_requested = 0;
			ts_dns_learned_clear(&f->learned);
		}
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0) {
			ares_process_fd(f->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
			settle_held(f);
			continue;
		}
		if (ps.fds[2].revents)
			return 0; /* the container is gone */
		read_answers(f, &ps);
		/* Timeouts of queries whose sockets stayed quiet. */
		ares_process_fd(f->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
		for (nfds_t i = POLL_FIXED; i < ps.first_ares; i++) {
			struct tcp_client *c = &f->clients[ps.slot[i]];
			if (c->fd != ps.fds[i].fd || c->dead)
				continue;
			if (ps.fds[i].revents & POLLOUT)
				tcp_client_flush(c);
			if (ps.fds[i].revents & (POLLIN | POLLHUP | POLLERR))
				read_tcp(f, ps.slot[i]);
		}
		if (ps.fds[0].revents & POLLIN)
			read_udp(f);
		if (ps.fds[1].revents & POLLIN)
			tcp_client_accept(f->clients, DNS_MAX_TCP_CLIENTS, f->e->tcp, now_ms());
		settle_held(f);
	}
}

int dns_serve(const struct dns_options *o, struct dns_endpoints *e, struct ts_error *err)
{
	/* Static: the learned table is too big for the stack, and there is one forwarder. */
	static struct forwarder f;
	memset(&f, 0, sizeof(f));
	f.o = o;
	f.e = e;
	for (int i = 0; i < DNS_MAX_TCP_CLIENTS; i++)
		f.clients[i].fd = -1;
	ts_dns_domain_files_init(&f.files, o->state_dir);
	f.files.inotify = TAKE_FD(e->inotify);

	struct sigaction sa = { .sa_handler = on_stop };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	struct sigaction hup = { .sa_handler = on_hup };
	sigaction(SIGHUP, &hup, NULL);
	signal(SIGPIPE, SIG_IGN);

	int r = ares_start(&f, err);
	if (r == 0) {
		refresh_domains(&f);
		if (o->ready_fd >= 0) {
			if (write(o->ready_fd, "ready\n", 6) != 6)
				r = ts_error_set(err, errno, "cannot write to --ready-fd: %s",
						 strerror(errno));
			close(o->ready_fd);
		}
		if (r == 0) {
			r = serve_loop(&f);
			if (r < 0)
				ts_error_set(err, -r, "poll: %s", strerror(-r));
		}
		ares_destroy(f.ch);
		ares_library_cleanup();
	}
	dns_hold_clear(&f.held);
	for (int i = 0; i < DNS_MAX_TCP_CLIENTS; i++)
		if (f.clients[i].fd >= 0)
			tcp_client_close(&f.clients[i]);
	ts_dns_domain_files_clear(&f.files);
	return r;
}
