/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers shared by every module: cleanup attributes, error setting. */
#ifndef TS_UTIL_H
#define TS_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <terok-shield/terok-shield.h>

#define TS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p) { free(*(void **)p); }
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

/* Hand ownership out of a cleanup variable. */
#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -1; _fd; })

/*
 * Record an error and return -abs(code) so callers can write
 * `return ts_error_set(err, EINVAL, "...")`. err may be NULL.
 */
int ts_error_set(struct ts_error *err, int code, const char *fmt, ...) TS_PRINTF(3, 4);

/* Prefix an existing error message with more context ("file: " + message). */
int ts_error_prefix(struct ts_error *err, int code, const char *fmt, ...) TS_PRINTF(3, 4);

/* Remove leading and trailing ASCII whitespace in place; returns s. */
char *ts_strip(char *s);

/* true when s starts with prefix. */
static inline bool ts_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* malloc that aborts on exhaustion: the tool cannot do anything useful then. */
void *ts_xmalloc(size_t n);
void *ts_xrealloc(void *p, size_t n);
char *ts_xstrdup(const char *s);
char *ts_xasprintf(const char *fmt, ...) TS_PRINTF(1, 2);

/* base + "/" + rel, newly allocated, without doubling the slash when base ends in one. */
char *ts_path_join(const char *base, const char *rel);

#endif
