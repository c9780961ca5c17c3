/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Following a growing log file line by line (tail -F): survives the file
 * being truncated, replaced (rotation) or not existing yet. Never follows
 * a symlink.
 */
#ifndef TS_TAIL_H
#define TS_TAIL_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/strbuf.h"

/* Longest line passed on; a longer one is cut to this length. */
#define TS_TAIL_LINE_MAX 16384

struct ts_tail {
	char *path;
	int fd;              /* -1 while the file is missing */
	ino_t ino;
	off_t offset;
	struct ts_strbuf partial; /* a line still being written */
	bool more;           /* the last poll stopped at its limit: more is waiting */
};

/* Start following path; from_end: only lines written from now on. */
void ts_tail_init(struct ts_tail *t, const char *path, bool from_end);
void ts_tail_clear(struct ts_tail *t);
#define _cleanup_tail_ __attribute__((cleanup(ts_tail_clear)))

typedef void (*ts_tail_cb)(const char *line, void *arg);

/* Call cb for every complete new line; returns how many. */
int ts_tail_poll(struct ts_tail *t, ts_tail_cb cb, void *arg);

#endif
