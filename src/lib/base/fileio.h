/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File access for the state bundle and configuration. Every open refuses
 * to follow a symlink in the last path component and accepts only regular
 * files; every replacement is atomic (temp file + fsync + rename in the
 * same directory).
 */
#ifndef TS_FILEIO_H
#define TS_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "base/strv.h"

struct ts_error;

/* Largest file the tool reads whole. */
#define TS_FILE_MAX_SIZE (16u * 1024u * 1024u)

/* Write all of data to fd (retrying short writes and EINTR): 0, or a negative errno (-EIO: nothing written). */
int ts_fd_write_all(int fd, const void *data, size_t len);
/* Read exactly len bytes: 0, or a negative errno (-EIO: end of file first). */
int ts_fd_read_exact(int fd, void *data, size_t len);

/* Read a whole file (NUL-terminated). -ENOENT when it does not exist. */
int ts_file_read(const char *path, char **out, size_t *len, struct ts_error *err);

/*
 * Read a file as lines, each stripped of surrounding whitespace, blank
 * lines skipped. A missing file yields an empty list and returns 0.
 */
int ts_file_read_lines(const char *path, struct ts_strv *out, struct ts_error *err);

/* Replace path atomically with data. */
int ts_file_write_atomic(const char *path, const char *data, size_t len, mode_t mode,
			 struct ts_error *err);

/*
 * Replace path atomically but without waiting for the disk: for files that
 * describe the running container (container.pid, gateway) and are
 * rewritten at its next start, so a crash can never make them matter.
 */
int ts_file_write_ephemeral(const char *path, const char *data, size_t len, mode_t mode,
			    struct ts_error *err);

/* Write lines (each followed by '\n') atomically. */
int ts_file_write_lines(const char *path, const struct ts_strv *lines, mode_t mode,
			struct ts_error *err);

/*
 * Several files of one directory replaced together: each is written and
 * synced to a temporary file as it is added; commit renames them in the
 * order added and syncs the directory once. A failure drops the files not
 * yet renamed (each file is always either old or new).
 */
#define TS_FILE_BATCH_MAX 8
struct ts_file_batch {
	size_t n;
	char *path[TS_FILE_BATCH_MAX];
	char *tmp[TS_FILE_BATCH_MAX];
};

int ts_file_batch_add(struct ts_file_batch *b, const char *path, const char *data, size_t len,
		      mode_t mode, struct ts_error *err);
int ts_file_batch_add_lines(struct ts_file_batch *b, const char *path,
			    const struct ts_strv *lines, mode_t mode, struct ts_error *err);
int ts_file_batch_commit(struct ts_file_batch *b, struct ts_error *err);
/* Drop what was added and not committed (safe to call after commit). */
void ts_file_batch_abort(struct ts_file_batch *b);

/* Append data with a single write(2) so concurrent appenders never interleave. */
int ts_file_append(const char *path, const char *data, size_t len, mode_t mode,
		   struct ts_error *err);

/*
 * The last n non-empty lines of a file, oldest first, read backwards from
 * the end so a long file costs only what is returned. Missing file: empty.
 */
int ts_file_tail_lines(const char *path, size_t n, struct ts_strv *out, struct ts_error *err);

/* Create every missing parent directory of path (not path itself) with mode. */
int ts_mkdir_parents(const char *path, mode_t mode, struct ts_error *err);

#endif
