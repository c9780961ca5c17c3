/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <sys/stat.h>

#include "base/fileio.h"
#include "base/util.h"
#include "container/procid.h"

/* pid_max can be at most 2^22 on Linux. */
#define TS_PID_MAX 4194304

static int gone(struct ts_error *err, pid_t pid)
{
	return ts_error_set(err, ESRCH, "process %d does not exist", (int)pid);
}

int ts_proc_start_time(pid_t pid, unsigned long long *out, struct ts_error *err)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? gone(err, pid)
				       : ts_error_set(err, errno, "%s: %s", path, strerror(errno));
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return errno == ESRCH ? gone(err, pid)
				      : ts_error_set(err, errno, "%s: %s", path, strerror(errno));
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields resume after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return ts_error_set(err, EPROTO, "%s: unexpected format", path);
	p++;
	for (int field = 2; field < 22; field++) {
		p += strspn(p, " ");
		if (field < 21)
			p += strcspn(p, " ");
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(p, &end, 10);
	if (errno || end == p)
		return ts_error_set(err, EPROTO, "%s: no start time", path);
	*out = v;
	return 0;
}

int ts_proc_identity_read(pid_t pid, struct ts_proc_identity *id, struct ts_error *err)
{
	if (pid <= 0 || pid > TS_PID_MAX)
		return ts_error_set(err, EINVAL, "invalid PID %d", (int)pid);
	unsigned long long start;
	int r = ts_proc_start_time(pid, &start, err);
	if (r < 0)
		return r;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	struct stat st;
	if (stat(path, &st) < 0)
		return errno == ENOENT ? gone(err, pid)
				       : ts_error_set(err, errno, "%s: %s", path, strerror(errno));
	*id = (struct ts_proc_identity){ .pid = pid, .start_time = start, .netns_ino = st.st_ino };
	return 0;
}

char *ts_proc_identity_format(const struct ts_proc_identity *id)
{
	return ts_xasprintf("%d %llu %llu\n", (int)id->pid, id->start_time, id->netns_ino);
}

/* One unsigned decimal without sign or leading zeros (except "0"); advances *p. */
static bool parse_number(const char **p, unsigned long long *out)
{
	const char *s = *p;
	size_t digits = strspn(s, "0123456789");
	if (digits == 0 || digits > 20 || (digits > 1 && s[0] == '0'))
		return false;
	errno = 0;
	char *end;
	*out = strtoull(s, &end, 10);
	if (errno || end != s + digits)
		return false;
	*p = end;
	return true;
}

int ts_proc_identity_parse(const char *text, struct ts_proc_identity *id, struct ts_error *err)
{
	unsigned long long v[3];
	const char *p = text;
	for (int i = 0; i < 3; i++) {
		if (i > 0 && *p++ != ' ')
			goto bad;
		if (!parse_number(&p, &v[i]))
			goto bad;
	}
	if (*p == '\n')
		p++;
	if (*p != '\0' || v[0] == 0 || v[0] > TS_PID_MAX)
		goto bad;
	*id = (struct ts_proc_identity){ .pid = (pid_t)v[0], .start_time = v[1], .netns_ino = v[2] };
	return 0;
bad:
	return ts_error_set(err, EINVAL, "container.pid: expected 'PID STARTTIME NETNS_INODE'");
}

bool ts_proc_identity_is_live(const struct ts_proc_identity *id)
{
	struct ts_proc_identity now;
	return ts_proc_identity_read(id->pid, &now, NULL) == 0 && now.start_time == id->start_time &&
	       now.netns_ino == id->netns_ino;
}
