/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "base/fileio.h"
#include "base/util.h"
#include "bundle/audit.h"
#include "bundle/scoped.h"
#include "bundle/state.h"
#include "nft/ruleset.h"

int ts_scoped_check_lines(const char *path, struct ts_strv *lines, struct ts_error *err)
{
	for (size_t i = 0; i < lines->n; i++) {
		struct ts_scoped_entry e;
		int r = ts_scoped_parse(lines->items[i], &e, err);
		if (r < 0)
			return ts_error_prefix(err, r, "%s, line %zu", path, i + 1);
		char canonical[TS_SCOPED_LINE_LEN];
		ts_scoped_format(&e, canonical);
		free(lines->items[i]);
		lines->items[i] = ts_xstrdup(canonical);
	}
	return 0;
}

static int read_checked(char *(*path_fn)(const char *), const char *state_dir,
			struct ts_strv *out, struct ts_error *err)
{
	_cleanup_free_ char *path = path_fn(state_dir);
	_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;
	int r = ts_file_read_lines(path, &lines, err);
	if (r == 0)
		r = ts_scoped_check_lines(path, &lines, err);
	if (r == 0)
		ts_strv_push_all(out, &lines);
	return r;
}

int ts_scoped_read(const char *state_dir, struct ts_strv *out, struct ts_error *err)
{
	return read_checked(ts_path_live_scoped, state_dir, out, err);
}

int ts_scoped_read_profile(const char *state_dir, struct ts_strv *out, struct ts_error *err)
{
	return read_checked(ts_path_profile_scoped, state_dir, out, err);
}

int ts_scoped_domains_read(const char *state_dir, bool profile, struct ts_strv *out,
			   struct ts_error *err)
{
	_cleanup_free_ char *path = profile ? ts_path_profile_scoped_domains(state_dir)
					    : ts_path_live_scoped_domains(state_dir);
	_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;
	int r = ts_file_read_lines(path, &lines, err);
	for (size_t i = 0; r == 0 && i < lines.n; i++) {
		struct ts_scoped_domain e;
		r = ts_scoped_domain_parse(lines.items[i], &e, err);
		if (r < 0)
			return ts_error_prefix(err, r, "%s, line %zu", path, i + 1);
	}
	if (r == 0)
		ts_strv_push_all(out, &lines);
	return r;
}

int ts_scoped_read_all(const char *state_dir, struct ts_strv *out, struct ts_error *err)
{
	int r = ts_scoped_read_profile(state_dir, out, err);
	return r < 0 ? r : ts_scoped_read(state_dir, out, err);
}

/* A checked line, its address parsed once. */
struct parsed_line {
	struct ts_scoped_entry e;
	struct ts_addr a;
	const char *line;
};

/* The lines of v that parse; *n how many. */
static struct parsed_line *parse_lines(const struct ts_strv *v, size_t *n)
{
	struct parsed_line *p = ts_xmalloc((v->n + 1) * sizeof(*p));
	*n = 0;
	for (size_t i = 0; i < v->n; i++)
		if (ts_scoped_parse(v->items[i], &p[*n].e, NULL) == 0 &&
		    ts_addr_parse(p[*n].e.addr, &p[*n].a, NULL) == 0)
			p[(*n)++].line = v->items[i];
	return p;
}

static bool entries_overlap(const struct parsed_line *x, const struct parsed_line *y)
{
	return x->e.proto == y->e.proto && x->e.port_lo <= y->e.port_hi &&
	       y->e.port_lo <= x->e.port_hi && strcmp(x->e.addr, y->e.addr) != 0 &&
	       ts_addr_overlaps(&x->a, &y->a);
}

bool ts_scoped_find_overlap(const struct ts_strv *a, const struct ts_strv *b, const char **x,
			    const char **y)
{
	size_t na, nb;
	_cleanup_free_ struct parsed_line *pa = parse_lines(a, &na);
	_cleanup_free_ struct parsed_line *pb = parse_lines(b, &nb);
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			if (entries_overlap(&pa[i], &pb[j])) {
				*x = pa[i].line;
				*y = pb[j].line;
				return true;
			}
	return false;
}

bool ts_scoped_line_expired(const char *line, time_t now)
{
	struct ts_scoped_entry e;
	return ts_scoped_parse(line, &e, NULL) == 0 && e.expires > 0 && e.expires <= now;
}

int ts_scoped_load_pruned(const char *state_dir, time_t now, struct ts_strv *kept,
			  struct ts_strv *expired, struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;
	int r = ts_scoped_read(state_dir, &lines, err);
	if (r < 0)
		return r;
	size_t went = 0;
	for (size_t i = 0; i < lines.n; i++) {
		bool gone = ts_scoped_line_expired(lines.items[i], now);
		ts_strv_push(gone ? expired : kept, lines.items[i]);
		went += gone;
	}
	if (went == 0)
		return 0;
	_cleanup_free_ char *path = ts_path_live_scoped(state_dir);
	return ts_file_write_lines(path, kept, 0600, err);
}

int ts_scoped_set_content(const char *state_dir, time_t now, struct ts_strv *out,
			  struct ts_strv *expired, struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv kept = TS_STRV_INIT;
	int r = ts_scoped_read_profile(state_dir, out, err);
	if (r == 0)
		r = ts_scoped_load_pruned(state_dir, now, &kept, expired, err);
	if (r < 0)
		return r;
	ts_strv_push_all(out, &kept);
	/* Hand-edited files: said plainly here rather than as nft's "File exists". */
	const char *x, *y;
	if (ts_scoped_find_overlap(out, out, &x, &y))
		return ts_error_set(err, EEXIST, "scoped entries '%s' and '%s' (profile.scoped, "
				    "live.scoped) overlap: a host inside a network on a shared "
				    "port, which the scoped sets cannot hold", x, y);
	return 0;
}

int ts_scoped_elements(const struct ts_strv *lines, time_t now, struct ts_strbuf *out,
		       struct ts_error *err)
{
	if (lines->n == 0)
		return 0;
	struct ts_scoped_entry *entries = calloc(lines->n, sizeof(*entries));
	if (!entries)
		return ts_error_set(err, ENOMEM, "out of memory");
	int r = 0;
	for (size_t i = 0; i < lines->n && r == 0; i++)
		r = ts_scoped_parse(lines->items[i], &entries[i], err);
	if (r == 0)
		r = ts_ruleset_scoped_elements(entries, lines->n, now, out, err);
	free(entries);
	return r;
}

void ts_scoped_audit_expired(bool enabled, const char *state_dir, const char *name,
			     const struct ts_strv *expired, struct ts_strv *warnings)
{
	for (size_t i = 0; i < expired->n; i++) {
		struct ts_scoped_entry e;
		if (ts_scoped_parse(expired->items[i], &e, NULL) < 0)
			continue;
		struct ts_scope s = { e.proto, e.port_lo, e.port_hi, 0 };
		char detail[96];
		ts_scope_describe(&s, detail, sizeof(detail));
		if (ts_audit_log(enabled, state_dir, name, "expired", e.addr, detail, warnings) < 0)
			return;
	}
}
