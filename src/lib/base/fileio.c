/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sys/stat.h>

#include "base/fileio.h"
#include "base/strbuf.h"
#include "base/util.h"

/* Open an existing regular file for reading, refusing symlinks and FIFOs. */
static int open_regular(const char *path, int flags, struct ts_error *err)
{
	/* O_NONBLOCK: opening a FIFO planted in place of a file must not hang. */
	int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ELOOP)
			return ts_error_set(err, ELOOP, "%s: is a symbolic link; refusing to follow it", path);
		return ts_error_set(err, errno, "%s: %s", path, strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ts_error_set(err, EINVAL, "%s: not a regular file", path);
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

/*
 * A NUL (e.g. the zero-filled tail a crash can leave in an appended file)
 * would end C-string splitting early and hide every line after it.
 */
static void nul_to_newline(char *data, size_t len)
{
	for (char *p = memchr(data, '\0', len); p; p = memchr(p, '\0', len - (size_t)(p - data)))
		*p = '\n';
}

static int read_all(int fd, const char *path, char **out, size_t *len, struct ts_error *err)
{
	_cleanup_strbuf_ struct ts_strbuf b = TS_STRBUF_INIT;
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ts_error_set(err, errno, "%s: read failed: %s", path, strerror(errno));
		if (n == 0)
			break;
		if (b.len + (size_t)n > TS_FILE_MAX_SIZE)
			return ts_error_set(err, EFBIG, "%s: larger than %u bytes", path, TS_FILE_MAX_SIZE);
		ts_strbuf_append(&b, chunk, (size_t)n);
	}
	if (len)
		*len = b.len;
	*out = ts_strbuf_take(&b);
	return 0;
}

int ts_file_read(const char *path, char **out, size_t *len, struct ts_error *err)
{
	_cleanup_close_ int fd = open_regular(path, O_RDONLY, err);
	if (fd < 0)
		return fd;
	return read_all(fd, path, out, len, err);
}

int ts_file_read_lines(const char *path, struct ts_strv *out, struct ts_error *err)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0;
	int r = ts_file_read(path, &data, &len, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	nul_to_newline(data, len);
	char *save = NULL;
	for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *s = ts_strip(line);
		if (*s)
			ts_strv_push(out, s);
	}
	return 0;
}

int ts_fd_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ts_fd_read_exact(int fd, void *data, size_t len)
{
	char *p = data;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Make a rename durable: without this a crash can bring the old file back. */
static int sync_dir(const char *dir, struct ts_error *err)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		return ts_error_set(err, errno, "%s: cannot sync directory: %s", dir, strerror(errno));
	return 0;
}

/* The temporary file's mode and content, synced when durable; 0 or a negative errno. */
static int fill_temp(int fd, const char *data, size_t len, mode_t mode, bool durable)
{
	if (fchmod(fd, mode) < 0)
		return -errno;
	int r = ts_fd_write_all(fd, data, len);
	if (r < 0)
		return r;
	return durable && fsync(fd) < 0 ? -errno : 0;
}

/* Write data to a new temporary file next to path (synced when durable); *tmp names it. */
static int write_temp(const char *path, const char *data, size_t len, mode_t mode, bool durable,
		      char tmp[PATH_MAX], struct ts_error *err)
{
	_cleanup_free_ char *dir_copy = ts_xstrdup(path);
	_cleanup_free_ char *base_copy = ts_xstrdup(path);
	const char *dir = dirname(dir_copy);
	const char *base = basename(base_copy);
	if (snprintf(tmp, PATH_MAX, "%s/.%s.XXXXXX", dir, base) >= PATH_MAX)
		return ts_error_set(err, ENAMETOOLONG, "%s: path too long", path);
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return ts_error_set(err, errno, "%s: cannot create temporary file: %s", path,
				    strerror(errno));
	int r = fill_temp(fd, data, len, mode, durable);
	if (r < 0) {
		unlink(tmp);
		return ts_error_set(err, -r, "%s: write failed: %s", path, strerror(-r));
	}
	return 0;
}

static int write_atomic(const char *path, const char *data, size_t len, mode_t mode, bool durable,
			struct ts_error *err)
{
	char tmp[PATH_MAX];
	int r = write_temp(path, data, len, mode, durable, tmp, err);
	if (r < 0)
		return r;
	if (rename(tmp, path) < 0) {
		r = -errno;
		unlink(tmp);
		return ts_error_set(err, -r, "%s: write failed: %s", path, strerror(-r));
	}
	_cleanup_free_ char *dir_copy = ts_xstrdup(path);
	return durable ? sync_dir(dirname(dir_copy), err) : 0;
}

int ts_file_write_atomic(const char *path, const char *data, size_t len, mode_t mode,
			 struct ts_error *err)
{
	return write_atomic(path, data, len, mode, true, err);
}

int ts_file_write_ephemeral(const char *path, const char *data, size_t len, mode_t mode,
			    struct ts_error *err)
{
	return write_atomic(path, data, len, mode, false, err);
}

static char *lines_text(const struct ts_strv *lines, size_t *len)
{
	struct ts_strbuf b = TS_STRBUF_INIT;
	for (size_t i = 0; i < lines->n; i++) {
		ts_strbuf_puts(&b, lines->items[i]);
		ts_strbuf_puts(&b, "\n");
	}
	*len = b.len;
	return b.data ? ts_strbuf_take(&b) : ts_xstrdup("");
}

int ts_file_write_lines(const char *path, const struct ts_strv *lines, mode_t mode,
			struct ts_error *err)
{
	size_t len;
	_cleanup_free_ char *text = lines_text(lines, &len);
	return ts_file_write_atomic(path, text, len, mode, err);
}

int ts_file_batch_add(struct ts_file_batch *b, const char *path, const char *data, size_t len,
		      mode_t mode, struct ts_error *err)
{
	if (b->n == TS_FILE_BATCH_MAX)
		return ts_error_set(err, E2BIG, "%s: too many files in one batch", path);
	char tmp[PATH_MAX];
	int r = write_temp(path, data, len, mode, true, tmp, err);
	if (r < 0)
		return r;
	b->path[b->n] = ts_xstrdup(path);
	b->tmp[b->n++] = ts_xstrdup(tmp);
	return 0;
}

int ts_file_batch_add_lines(struct ts_file_batch *b, const char *path,
			    const struct ts_strv *lines, mode_t mode, struct ts_error *err)
{
	size_t len;
	_cleanup_free_ char *text = lines_text(lines, &len);
	return ts_file_batch_add(b, path, text, len, mode, err);
}

/* Rename every temporary file into place, stopping at the first that fails. */
static int batch_rename(struct ts_file_batch *b, struct ts_error *err)
{
	for (size_t i = 0; i < b->n; i++) {
		if (rename(b->tmp[i], b->path[i]) < 0)
			return ts_error_set(err, errno, "%s: write failed: %s", b->path[i],
					    strerror(errno));
		free(b->tmp[i]);
		b->tmp[i] = NULL;
	}
	if (b->n == 0)
		return 0;
	_cleanup_free_ char *dir_copy = ts_xstrdup(b->path[0]);
	return sync_dir(dirname(dir_copy), err);
}

int ts_file_batch_commit(struct ts_file_batch *b, struct ts_error *err)
{
	int r = batch_rename(b, err);
	/* After a failed rename the rest are dropped here, not half-committed. */
	ts_file_batch_abort(b);
	return r;
}

void ts_file_batch_abort(struct ts_file_batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		if (b->tmp[i])
			unlink(b->tmp[i]);
		free(b->tmp[i]);
		free(b->path[i]);
	}
	*b = (struct ts_file_batch){ 0 };
}

int ts_file_append(const char *path, const char *data, size_t len, mode_t mode,
		   struct ts_error *err)
{
	_cleanup_close_ int fd =
		open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode);
	if (fd < 0)
		return ts_error_set(err, errno, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return ts_error_set(err, EINVAL, "%s: not a regular file", path);
	ssize_t n;
	do
		n = write(fd, data, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ts_error_set(err, errno, "%s: append failed: %s", path, strerror(errno));
	if ((size_t)n != len)
		return ts_error_set(err, EIO, "%s: short append", path);
	return 0;
}

int ts_file_tail_lines(const char *path, size_t n, struct ts_strv *out, struct ts_error *err)
{
	_cleanup_close_ int fd = open_regular(path, O_RDONLY, err);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	off_t end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		return ts_error_set(err, errno, "%s: %s", path, strerror(errno));

	/* Grow a window backwards from the end until it holds n+1 newlines. */
	size_t window = 65536;
	_cleanup_free_ char *buf = NULL;
	off_t start;
	for (;;) {
		start = end > (off_t)window ? end - (off_t)window : 0;
		size_t size = (size_t)(end - start);
		free(buf);
		buf = ts_xmalloc(size + 1);
		size_t got = 0;
		while (got < size) {
			ssize_t r = pread(fd, buf + got, size - got, start + (off_t)got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return ts_error_set(err, errno, "%s: read failed: %s", path, strerror(errno));
			if (r == 0)
				break;
			got += (size_t)r;
		}
		buf[got] = '\0';
		nul_to_newline(buf, got);
		size_t newlines = 0;
		for (size_t i = 0; i < got; i++)
			newlines += buf[i] == '\n';
		if (start == 0 || newlines > n || window >= TS_FILE_MAX_SIZE)
			break;
		window *= 4;
	}

	/* Drop a partial first line unless the window starts at the file start. */
	char *p = buf;
	if (start > 0) {
		char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : p + strlen(p);
	}
	_cleanup_strv_ struct ts_strv all = TS_STRV_INIT;
	char *save = NULL;
	for (char *line = strtok_r(p, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *s = ts_strip(line);
		if (*s)
			ts_strv_push(&all, s);
	}
	size_t first = all.n > n ? all.n - n : 0;
	for (size_t i = first; i < all.n; i++)
		ts_strv_push(out, all.items[i]);
	return 0;
}

int ts_mkdir_parents(const char *path, mode_t mode, struct ts_error *err)
{
	_cleanup_free_ char *copy = ts_xstrdup(path);
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return ts_error_set(err, errno, "%s: cannot create directory: %s", copy,
					    strerror(errno));
		*p = '/';
	}
	return 0;
}
