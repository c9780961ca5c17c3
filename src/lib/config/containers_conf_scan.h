/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where containers.conf sets [engine] hooks_dir, or where it could: found
 * by following the whole file as TOML (strings, multi-line strings,
 * arrays, inline tables, comments), so an edit can splice text at those
 * offsets and keep every other byte.
 */
#ifndef TS_CONTAINERS_CONF_SCAN_H
#define TS_CONTAINERS_CONF_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "base/strv.h"
#include "base/util.h"

struct ts_error;

/* Offsets into the text; a line is counted from 1. */
struct ts_hooks_site {
	bool engine;          /* an [engine] header */
	size_t engine_end;    /* just past its line */
	bool root_engine;     /* top-level dotted `engine.x = …` keys instead */
	size_t root_engine_end; /* just past the last such line */
	bool found;           /* hooks_dir is set */
	unsigned line;        /* the line of its key */
	size_t key_start;     /* start of that line */
	size_t open, close;   /* its '[' and ']' */
	size_t last_start, last_end; /* the last entry, when there is one */
	size_t comma_end;     /* just past a comma after the last entry; 0 when none */
	struct ts_strv values; /* the entries, decoded */
};

/*
 * Scan text (NULL: empty) into *site (output only; release it with
 * ts_hooks_site_clear whatever the result). -EINVAL with "containers.conf
 * line N: ..." for TOML this scanner cannot follow, and for a hooks_dir
 * that is not an array of one-line strings: what it does not understand
 * is never rewritten.
 */
int ts_hooks_site_scan(const char *text, struct ts_hooks_site *site, struct ts_error *err);
void ts_hooks_site_clear(struct ts_hooks_site *site);
#define _cleanup_hooks_site_ _cleanup_(ts_hooks_site_clear)

/* "/a/b/" and "/a/b" name the same directory. */
bool ts_hooks_dir_same(const char *a, const char *b);

/* Whether hooks_dir is set and lists dir. */
bool ts_hooks_site_lists(const struct ts_hooks_site *site, const char *dir);

#endif
