/* SPDX-License-Identifier: Apache-2.0 */
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>

#include "base/process.h"
#include "base/tail.h"
#include "base/util.h"
#include "bundle/bundle.h"
#include "bundle/shield.h"
#include "bundle/state.h"
#include "container/locate.h"
#include "container/procid.h"
#include "control/interactive.h"
#include "control/live_change.h"
#include "dns/dnscache.h"
#include "dns/dnslog.h"
#include "observe/nflog.h"
#include "observe/nflog_reader.h"

/* How often the dnsmasq log is looked at for names. */
#define DNS_POLL_MS 200

struct ts_interactive {
	const struct ts_shield *s;
	int nflog;            /* group 100 in the container's namespace */
	int pidfd;            /* the container's init: readable once it exits */
	bool dns_log;         /* a query log to follow: dnsmasq or terok-shield-dns */
	bool replaying;       /* reading the log's past: names only, no questions */
	struct ts_tail dns;   /* the query log (dnsmasq.log), for names */
	struct ts_dnscache names;
	struct ts_pending pending[TS_INTERACTIVE_MAX_PENDING];
	size_t n_pending;
	uint64_t next_id;
	bool full_noticed;    /* a dropped destination was reported since the list was last full */
	char in[TS_VERDICT_LINE_MAX + 1];
	size_t in_len;
	bool in_oversized;    /* the current input line is too long: skip it to its newline */
	const struct ts_interactive_ops *ops;
	void *arg;
};

void ts_pending_clear(struct ts_pending *p)
{
	ts_strv_clear(&p->ips);
	*p = (struct ts_pending){ .ips = TS_STRV_INIT };
}

static void pending_copy(struct ts_pending *to, const struct ts_pending *from)
{
	*to = *from;
	to->ips = (struct ts_strv)TS_STRV_INIT;
	ts_strv_push_all(&to->ips, &from->ips);
}

static void notice(struct ts_interactive *it, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void notice(struct ts_interactive *it, const char *fmt, ...)
{
	if (!it->ops->notice)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *text = NULL;
	if (vasprintf(&text, fmt, ap) >= 0)
		it->ops->notice(text, it->arg);
	va_end(ap);
	free(text);
}

static void on_dns_line(const char *line, void *arg);

/* ---- opening ---- */

static int require_interactive(const struct ts_shield *s, bool *dns_log,
			       struct ts_error *err)
{
	_cleanup_bundle_settings_ struct ts_bundle_settings set = { 0 };
	int r = ts_bundle_settings_read(s->state_dir, &set, err);
	if (r < 0)
		return r;
	*dns_log = set.dnsmasq_tier || set.shield_tier;
	if (!set.interactive)
		return ts_error_set(err, EINVAL, "container '%s' is not interactive; prepare it with "
				    "'terok-shield prepare %s --interactive'", s->name, s->name);
	return 0;
}

/* A pidfd of the container's init, taken before its identity is checked again. */
static int open_init(const struct ts_proc_identity *id, const char *name, int *pidfd,
		     struct ts_error *err)
{
	*pidfd = ts_pidfd_open(id->pid);
	if (*pidfd < 0 && errno != ESRCH)
		return ts_error_set(err, errno, "pidfd_open: %s", strerror(errno));
	if (*pidfd >= 0 && ts_proc_identity_is_live(id))
		return 0;
	return ts_error_set(err, ESRCH, "container '%s' is not running", name);
}

int ts_interactive_open(const struct ts_shield *s, struct ts_interactive **out,
			struct ts_error *err)
{
	*out = NULL;
	bool dns_log = false;
	int r = require_interactive(s, &dns_log, err);
	if (r < 0)
		return r;
	struct ts_proc_identity id;
	r = ts_container_require_running(s->state_dir, s->name, &id, err);
	if (r < 0)
		return r;
	_cleanup_(ts_interactive_freep) struct ts_interactive *it = calloc(1, sizeof(*it));
	if (!it)
		abort();
	*it = (struct ts_interactive){ .s = s, .nflog = -1, .pidfd = -1,
				       .dns_log = dns_log, .next_id = 1 };
	r = open_init(&id, s->name, &it->pidfd, err);
	if (r < 0)
		return r;
	/* From the start of the log: names handed out before the session began count too. */
	_cleanup_free_ char *log = ts_path_dnsmasq_log(s->state_dir);
	ts_tail_init(&it->dns, log, false);
	ts_dnscache_init(&it->names);
	/*
	 * The log's past is read now, before NFLOG is bound (which tells a
	 * client the session is ready): queries held before the session began
	 * were answered long ago (terok-shield-dns holds for seconds), no question.
	 */
	it->replaying = true;
	if (it->dns_log)
		while (ts_tail_poll(&it->dns, on_dns_line, it) > 0 || it->dns.more)
			;
	it->replaying = false;
	r = ts_nflog_open(&id, &it->nflog, err);
	if (r < 0)
		return r;
	*out = TAKE_PTR(it);
	return 0;
}

void ts_interactive_free(struct ts_interactive *it)
{
	if (!it)
		return;
	if (it->nflog >= 0)
		close(it->nflog);
	if (it->pidfd >= 0)
		close(it->pidfd);
	if (it->names.slots) {
		ts_tail_clear(&it->dns);
		ts_dnscache_clear(&it->names);
	}
	for (size_t i = 0; i < it->n_pending; i++)
		ts_pending_clear(&it->pending[i]);
	free(it);
}

/* ---- pending entries ---- */

static struct ts_pending *find_destination(struct ts_interactive *it, const char *dest,
					   const char *domain)
{
	for (size_t i = 0; i < it->n_pending; i++) {
		struct ts_pending *p = &it->pending[i];
		if ((*domain && strcmp(p->domain, domain) == 0) || ts_strv_contains(&p->ips, dest))
			return p;
	}
	return NULL;
}

/* ff02::/16: the container's own IPv6 housekeeping (MLD, router solicitations). */
static bool link_local_multicast(const char *dest)
{
	struct ts_addr a;
	return ts_addr_parse(dest, &a, NULL) == 0 && a.family == AF_INET6 && a.bytes[0] == 0xff &&
	       a.bytes[1] == 0x02;
}

/*
 * Neighbour discovery (RFC 4861: router solicitation and advertisement,
 * neighbour solicitation and advertisement, redirect), whose unicast
 * messages go to link-local addresses, a private range. The ruleset
 * accepts the real ones (hop limit 255) before any log rule; none is a
 * question for an operator whatever the ruleset does with it.
 */
static bool neighbour_discovery(const struct ts_nflog_event *ev)
{
	return ev->family == AF_INET6 && ev->proto == IPPROTO_ICMPV6 && ev->icmp6_type >= 133 &&
	       ev->icmp6_type <= 137;
}

static bool asks_about(const struct ts_nflog_event *ev)
{
	if (ev->action != TS_NFLOG_QUEUED && ev->action != TS_NFLOG_PRIVATE)
		return false;
	return !link_local_multicast(ev->dest) && !neighbour_discovery(ev);
}

/* A new entry with the next id, or NULL (and a notice, once) when the list is full. */
static struct ts_pending *new_entry(struct ts_interactive *it, const char *what)
{
	if (it->n_pending == TS_INTERACTIVE_MAX_PENDING) {
		if (!it->full_noticed)
			notice(it, "%d destinations already wait for a verdict; %s and others are "
			       "refused without a question until some are answered",
			       TS_INTERACTIVE_MAX_PENDING, what);
		it->full_noticed = true;
		return NULL;
	}
	struct ts_pending *p = &it->pending[it->n_pending++];
	*p = (struct ts_pending){ .id = it->next_id++, .ips = TS_STRV_INIT };
	return p;
}

static void on_nflog(const struct ts_nflog_event *ev, void *arg)
{
	struct ts_interactive *it = arg;
	if (!asks_about(ev))
		return;
	const char *domain = ts_dnscache_get(&it->names, ev->dest);
	domain = domain ? domain : "";
	struct ts_pending *known = find_destination(it, ev->dest, domain);
	if (known) {
		if (!ts_strv_contains(&known->ips, ev->dest) &&
		    known->ips.n < TS_INTERACTIVE_MAX_IPS)
			ts_strv_push(&known->ips, ev->dest);
		return;
	}
	struct ts_pending *p = new_entry(it, ev->dest);
	if (!p)
		return;
	p->port = ev->port;
	p->proto = ev->proto;
	p->private_range = ev->action == TS_NFLOG_PRIVATE;
	snprintf(p->dest, sizeof(p->dest), "%s", ev->dest);
	snprintf(p->domain, sizeof(p->domain), "%s", domain);
	ts_strv_push(&p->ips, ev->dest);
	it->ops->pending(p, it->arg);
}

/*
 * The forwarder holds a query for a name nobody decided on (shield tier,
 * strict): a question about the name itself, with no address yet. One
 * per name; a name that already waits (asked by DNS, or a refused
 * connection's) is not asked again.
 */
static void on_held_name(struct ts_interactive *it, const char *name)
{
	if (find_destination(it, "", name))
		return;
	struct ts_pending *p = new_entry(it, name);
	if (!p)
		return;
	p->port = 53;
	p->proto = IPPROTO_UDP;
	snprintf(p->domain, sizeof(p->domain), "%s", name);
	it->ops->pending(p, it->arg);
}

const struct ts_pending *ts_interactive_oldest(const struct ts_interactive *it)
{
	return it->n_pending ? &it->pending[0] : NULL;
}

int ts_interactive_verdict_scope(const struct ts_verdict *v, const struct ts_pending *e,
			 struct ts_scope *scope, struct ts_error *err)
{
	*scope = TS_SCOPE_WHOLE;
	scope->seconds = v->seconds;
	if (!v->port_scope)
		return 0;
	if (!e->port || (e->proto != IPPROTO_TCP && e->proto != IPPROTO_UDP))
		return ts_error_set(err, EINVAL, "the refused connection to %s has no TCP or UDP port "
				    "to scope the allow to", e->dest);
	scope->protos = e->proto == IPPROTO_TCP ? TS_PROTO_TCP : TS_PROTO_UDP;
	scope->port_lo = scope->port_hi = e->port;
	return 0;
}

int ts_interactive_verdict(struct ts_interactive *it, const struct ts_verdict *v,
			   struct ts_pending *p, struct ts_strv *warnings, struct ts_error *err)
{
	uint64_t id = v->id;
	enum ts_verdict_action a = v->action;
	size_t i = 0;
	while (i < it->n_pending && it->pending[i].id != id)
		i++;
	if (i == it->n_pending)
		return ts_error_set(err, ENOENT, "no pending connection has id %llu",
				    (unsigned long long)id);
	struct ts_pending *e = &it->pending[i];
	pending_copy(p, e);
	_cleanup_change_ struct ts_change change = { 0 };
	struct ts_scope scope;
	/*
	 * A looked-up name: 'for' makes it a timed domain allow, as
	 * `allow NAME DOMAIN --for` does; its port 53 is the lookup's, not one
	 * its connections use, so there is no port to scope it to.
	 */
	if (!*e->dest && a == TS_VERDICT_ACCEPT && v->port_scope)
		return ts_error_set(err, EINVAL, "%s is a name the container looked up: its port 53 "
				    "is the lookup's, not its connections', so 'scope' has no "
				    "port to keep; accept it whole or with 'for', or deny it",
				    e->domain);
	int r = ts_interactive_verdict_scope(v, e, &scope, err);
	if (r < 0)
		return r;
	r = ts_live_verdict_scoped(it->s, &e->ips, e->domain, a == TS_VERDICT_ACCEPT, &scope,
				   &change, err);
	if (warnings)
		ts_strv_push_all(warnings, &change.warnings);
	if (r < 0)
		return r;
	ts_pending_clear(e);
	memmove(e, e + 1, (it->n_pending - i - 1) * sizeof(*e));
	it->n_pending--;
	it->full_noticed = false;
	return 0;
}

/* ---- input ---- */

static void on_dns_line(const char *line, void *arg)
{
	struct ts_interactive *it = arg;
	struct ts_dnslog_line l;
	if (ts_dnslog_parse(line, &l) != 1)
		return;
	if (l.kind == TS_DNSLOG_ANSWER)
		ts_dnscache_put(&it->names, l.addr, l.name);
	else if (l.kind == TS_DNSLOG_HELD && !it->replaying)
		on_held_name(it, l.name);
}

/* Complete lines of it->in go to ops->line; a line too long is reported and skipped. */
static void take_lines(struct ts_interactive *it)
{
	size_t start = 0;
	for (char *nl; (nl = memchr(it->in + start, '\n', it->in_len - start));) {
		size_t len = (size_t)(nl - (it->in + start));
		if (it->in_oversized)
			it->in_oversized = false;
		else
			it->ops->line(it->in + start, len, it->arg);
		start += len + 1;
	}
	memmove(it->in, it->in + start, it->in_len - start);
	it->in_len -= start;
	if (it->in_len == sizeof(it->in)) {
		if (!it->in_oversized)
			notice(it, "ignored an input line longer than %d bytes", TS_VERDICT_LINE_MAX);
		it->in_oversized = true;
		it->in_len = 0;
	}
}

/* 1 at end of input, 0 when more may come, or a negative errno. */
static int read_input(struct ts_interactive *it, int fd, struct ts_error *err)
{
	ssize_t n = read(fd, it->in + it->in_len, sizeof(it->in) - it->in_len);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n < 0)
		return ts_error_set(err, errno, "reading input: %s", strerror(errno));
	if (n == 0) {
		/* A last line without its newline still counts. */
		if (it->in_len && !it->in_oversized)
			it->ops->line(it->in, it->in_len, it->arg);
		it->in_len = 0;
		return 1;
	}
	it->in_len += (size_t)n;
	take_lines(it);
	return 0;
}

int ts_interactive_run(struct ts_interactive *it, int in_fd, int stop_fd,
		       const struct ts_interactive_ops *ops, void *arg,
		       enum ts_interactive_end *end, struct ts_error *err)
{
	it->ops = ops;
	it->arg = arg;
	unsigned lost = 0, reported = 0;
	for (;;) {
		struct pollfd pfd[] = {
			{ .fd = stop_fd, .events = POLLIN },
			{ .fd = it->pidfd, .events = POLLIN },
			{ .fd = it->nflog, .events = POLLIN },
			{ .fd = in_fd, .events = POLLIN },
		};
		int timeout = !it->dns_log ? -1 : (it->dns.more ? 0 : DNS_POLL_MS);
		int n = poll(pfd, ARRAY_SIZE(pfd), timeout);
		if (n < 0 && errno != EINTR)
			return ts_error_set(err, errno, "poll: %s", strerror(errno));
		if (n > 0 && pfd[0].revents) {
			*end = TS_INTERACTIVE_STOPPED;
			return 0;
		}
		/* Names first: a refused connection right after its query gets its domain. */
		if (it->dns_log)
			ts_tail_poll(&it->dns, on_dns_line, it);
		if (n > 0 && pfd[2].revents) {
			int r = ts_nflog_read(it->nflog, on_nflog, it, &lost, err);
			if (r < 0)
				return r;
			if (lost != reported)
				notice(it, "the kernel log overflowed; some refused connections were "
				       "not seen");
			reported = lost;
		}
		if (n > 0 && pfd[1].revents) {
			*end = TS_INTERACTIVE_GONE;
			return 0;
		}
		if (n > 0 && pfd[3].revents) {
			int r = read_input(it, in_fd, err);
			if (r < 0)
				return r;
			if (r == 1) {
				*end = TS_INTERACTIVE_EOF;
				return 0;
			}
		}
	}
}
