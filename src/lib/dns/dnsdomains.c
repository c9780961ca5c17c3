/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>

#include "base/domain.h"
#include "base/fileio.h"
#include "base/util.h"
#include "bundle/state.h"
#include "dns/dnsdomains.h"

void ts_dns_domain_files_init(struct ts_dns_domain_files *f, const char *state_dir)
{
	memset(f, 0, sizeof(*f));
	f->inotify = -1;
	f->profile = ts_path_profile_domains(state_dir);
	f->live = ts_path_live_domains(state_dir);
	f->denied = ts_path_denied_domains(state_dir);
	f->profile_scoped = ts_path_profile_scoped_domains(state_dir);
	f->live_scoped = ts_path_live_scoped_domains(state_dir);
	f->profile_fixed = ts_path_profile_scoped(state_dir);
	f->live_fixed = ts_path_live_scoped(state_dir);
	f->blocked = ts_path_blocked(state_dir);
}

static void scoped_domains_clear(struct ts_dns_scoped_domains *s)
{
	free(s->items);
	free(s->fixed);
	*s = (struct ts_dns_scoped_domains){ 0 };
}

void ts_dns_domain_files_clear(struct ts_dns_domain_files *f)
{
	free(f->profile);
	free(f->live);
	free(f->denied);
	free(f->profile_scoped);
	free(f->live_scoped);
	free(f->profile_fixed);
	free(f->live_fixed);
	free(f->blocked);
	closep(&f->inotify);
	ts_dns_domains_clear(&f->domains);
	ts_strv_clear(&f->whole);
	scoped_domains_clear(&f->scoped);
	memset(f, 0, sizeof(*f));
	f->inotify = -1;
}

int ts_dns_domain_files_watch(const char *state_dir, struct ts_error *err)
{
	_cleanup_close_ int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (fd < 0)
		return ts_error_set(err, errno, "inotify: %s", strerror(errno));
	if (inotify_add_watch(fd, state_dir,
			      IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
				      IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF) < 0)
		return ts_error_set(err, errno, "inotify %s: %s", state_dir, strerror(errno));
	return TAKE_FD(fd);
}

/* Whether anything happened in the bundle since the last look (drains the queue). */
static bool bundle_touched(int fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool touched = false;
	/* An error other than "nothing queued" (an overflow, say) counts as a change. */
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			touched = true;
			continue;
		}
		return touched || (n < 0 && errno != EAGAIN);
	}
}

/* A missing file is all zeroes, so its appearance is a change too. */
static void file_stat(const char *path, struct stat *st)
{
	if (stat(path, st) < 0)
		memset(st, 0, sizeof(*st));
}

static bool same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* The valid domains of path, normalised, appended to out. */
static int read_domains(const char *path, struct ts_strv *out, struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;
	int r = ts_file_read_lines(path, &lines, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < lines.n; i++) {
		char d[TS_DOMAIN_BUFLEN];
		if (ts_domain_normalize(lines.items[i], d, NULL) == 0 && !ts_strv_contains(out, d))
			ts_strv_push(out, d);
	}
	return 0;
}

static void note_expiry(struct ts_dns_scoped_domains *s, time_t expires)
{
	if (expires && (!s->next_expiry || expires < s->next_expiry))
		s->next_expiry = expires;
}

/* The valid scoped address lines of path not ended at now, appended to out's fixed entries. */
static int read_fixed(const char *path, time_t now, struct ts_dns_scoped_domains *out,
		      struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;
	int r = ts_file_read_lines(path, &lines, err);
	if (r < 0 || lines.n == 0)
		return r;
	out->fixed = ts_xrealloc(out->fixed, (out->n_fixed + lines.n) * sizeof(*out->fixed));
	for (size_t i = 0; i < lines.n; i++) {
		struct ts_scoped_entry *e = &out->fixed[out->n_fixed];
		if (ts_scoped_parse(lines.items[i], e, NULL) < 0 || (e->expires && e->expires <= now))
			continue;
		out->n_fixed++;
		note_expiry(out, e->expires);
	}
	return 0;
}

/* The valid scoped domain lines of path not ended at now, appended to out. */
static int read_scoped(const char *path, time_t now, struct ts_dns_scoped_domains *out,
		       struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;
	int r = ts_file_read_lines(path, &lines, err);
	if (r < 0 || lines.n == 0)
		return r;
	out->items = ts_xrealloc(out->items, (out->n + lines.n) * sizeof(*out->items));
	for (size_t i = 0; i < lines.n; i++) {
		struct ts_scoped_domain *e = &out->items[out->n];
		if (ts_scoped_domain_parse(lines.items[i], e, NULL) < 0 ||
		    (e->expires && e->expires <= now))
			continue;
		out->n++;
		note_expiry(out, e->expires);
	}
	return 0;
}

/* Every file read again: the allowed names are the whole ones and the scoped ones. */
static int read_all(struct ts_dns_domain_files *f, struct ts_dns_domains *d,
		    struct ts_strv *whole, struct ts_dns_scoped_domains *scoped,
		    struct ts_error *err)
{
	time_t now = time(NULL);
	int r = read_domains(f->profile, whole, err);
	if (r >= 0)
		r = read_domains(f->live, whole, err);
	if (r >= 0)
		r = read_domains(f->denied, &d->denied, err);
	if (r >= 0)
		r = read_scoped(f->profile_scoped, now, scoped, err);
	if (r >= 0)
		r = read_scoped(f->live_scoped, now, scoped, err);
	if (r >= 0)
		r = read_fixed(f->profile_fixed, now, scoped, err);
	if (r >= 0)
		r = read_fixed(f->live_fixed, now, scoped, err);
	if (r < 0)
		return r;
	ts_strv_push_all(&d->allowed, whole);
	for (size_t i = 0; i < scoped->n; i++)
		if (!ts_strv_contains(&d->allowed, scoped->items[i].domain))
			ts_strv_push(&d->allowed, scoped->items[i].domain);
	return 0;
}

/* A scoped domain in force at the last read has ended since. */
static bool scoped_ended(const struct ts_dns_domain_files *f)
{
	return f->scoped.next_expiry && time(NULL) >= f->scoped.next_expiry;
}

int ts_dns_domain_files_refresh(struct ts_dns_domain_files *f, bool *changed,
				struct ts_error *err)
{
	if (f->loaded && f->inotify >= 0 && !scoped_ended(f) && !bundle_touched(f->inotify)) {
		*changed = false;
		return 0;
	}
	struct stat now[TS_DNS_DOMAIN_FILES];
	file_stat(f->profile, &now[0]);
	file_stat(f->live, &now[1]);
	file_stat(f->denied, &now[2]);
	file_stat(f->profile_scoped, &now[4]);
	file_stat(f->live_scoped, &now[5]);
	file_stat(f->profile_fixed, &now[6]);
	file_stat(f->live_fixed, &now[7]);
	/* lstat: a block record counts whatever it is, a dangling link included. */
	bool blocked = lstat(f->blocked, &now[3]) == 0 || errno != ENOENT;
	if (!blocked)
		memset(&now[3], 0, sizeof(now[3]));
	*changed = !f->loaded || scoped_ended(f);
	for (size_t i = 0; i < TS_DNS_DOMAIN_FILES; i++)
		*changed = *changed || !same_stat(&now[i], &f->seen[i]);
	if (!*changed)
		return 0;

	struct ts_dns_domains d = { TS_STRV_INIT, TS_STRV_INIT, blocked };
	struct ts_strv whole = TS_STRV_INIT;
	struct ts_dns_scoped_domains scoped = { 0 };
	int r = read_all(f, &d, &whole, &scoped, err);
	ts_dns_domains_clear(&f->domains);
	ts_strv_clear(&f->whole);
	scoped_domains_clear(&f->scoped);
	if (r < 0) {
		/* Fail closed and try again next time. */
		ts_dns_domains_clear(&d);
		ts_strv_clear(&whole);
		scoped_domains_clear(&scoped);
		f->domains.blocked = blocked;
		f->loaded = false;
		return r;
	}
	f->domains = d;
	f->whole = whole;
	f->scoped = scoped;
	memcpy(f->seen, now, sizeof(now));
	f->loaded = true;
	return 0;
}
