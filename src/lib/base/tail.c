/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <sys/stat.h>

#include "base/tail.h"
#include "base/util.h"

static void reopen(struct ts_tail *t, bool from_end)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = open(t->path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	t->offset = 0;
	t->ino = 0;
	ts_strbuf_clear(&t->partial);
	struct stat st;
	if (t->fd < 0 || fstat(t->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (t->fd >= 0)
			close(t->fd);
		t->fd = -1;
		return;
	}
	t->ino = st.st_ino;
	t->offset = from_end ? st.st_size : 0;
}

void ts_tail_init(struct ts_tail *t, const char *path, bool from_end)
{
	*t = (struct ts_tail){ .path = ts_xstrdup(path), .fd = -1, .partial = TS_STRBUF_INIT };
	reopen(t, from_end);
}

void ts_tail_clear(struct ts_tail *t)
{
	if (t->fd >= 0)
		close(t->fd);
	free(t->path);
	ts_strbuf_clear(&t->partial);
	*t = (struct ts_tail){ .fd = -1 };
}

/* Pass on the complete lines of data, keeping an unfinished last one. */
static int split_lines(struct ts_tail *t, const char *data, size_t len, ts_tail_cb cb, void *arg)
{
	int lines = 0;
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;
		size_t room = t->partial.len < TS_TAIL_LINE_MAX ? TS_TAIL_LINE_MAX - t->partial.len : 0;
		ts_strbuf_append(&t->partial, data, n < room ? n : room);
		if (!nl)
			break;
		cb(t->partial.data ? t->partial.data : "", arg);
		lines++;
		t->partial.len = 0;
		if (t->partial.data)
			t->partial.data[0] = '\0';
		data = nl + 1;
		len -= n + 1;
	}
	return lines;
}

int ts_tail_poll(struct ts_tail *t, ts_tail_cb cb, void *arg)
{
	/* Rotated (another file at the path) or truncated: start over from its beginning. */
	struct stat st;
	bool present = lstat(t->path, &st) == 0 && S_ISREG(st.st_mode);
	if (present && (t->fd < 0 || st.st_ino != t->ino || st.st_size < t->offset))
		reopen(t, false);
	t->more = false;
	if (t->fd < 0)
		return 0;
	int lines = 0;
	char buf[65536];
	ssize_t n = 0;
	int reads = 0;
	/* At most 1 MiB a call: the caller's loop comes back for the rest (t->more). */
	for (; reads < 16 && (n = pread(t->fd, buf, sizeof(buf), t->offset)) > 0; reads++) {
		t->offset += n;
		lines += split_lines(t, buf, (size_t)n, cb, arg);
	}
	t->more = reads == 16;
	return lines;
}
