/* SPDX-License-Identifier: Apache-2.0 */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "base/fileio.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "container/netns.h"
#include "container/nsexec.h"
#include "container/procid.h"
#include "nft/nft.h"

/* What the helper sends back: result, error, then the output's length and bytes. */
struct report {
	int result;
	struct ts_error err;
	size_t output_len;
};

static void helper(int fd, const struct ts_proc_identity *id, ts_nsexec_fn fn, void *arg)
{
	struct report rep = { 0 };
	_cleanup_free_ char *output = NULL;
	struct ts_nft *nft = NULL;
	/*
	 * Nothing of the caller's stays open here: a long-running caller's
	 * NFLOG socket or pipes would otherwise outlive it in this helper and
	 * in the holder that releases libnftables' socket.
	 */
	if (fd > 3)
		close_range(3, (unsigned)fd - 1, 0);
	close_range((unsigned)fd + 1, ~0U, 0);
	rep.result = ts_netns_enter_container(id, &rep.err);
	if (rep.result == 0)
		rep.result = ts_nft_open(&nft, &rep.err);
	if (rep.result == 0)
		rep.result = fn(nft, arg, &output, &rep.err);
	rep.output_len = output ? strlen(output) : 0;
	bool sent = ts_fd_write_all(fd, &rep, sizeof(rep)) == 0 &&
		    ts_fd_write_all(fd, output, rep.output_len) == 0;
	close(fd);
	/* The caller has its answer; the socket's slow release happens off its path. */
	ts_nft_leave(nft);
	_exit(sent ? 0 : 1);
}

/*
 * Helpers that sent their answer but had not exited yet: reaped on a later
 * call, so a caller never waits for one to finish tearing down.
 */
static pid_t unreaped[64];

static void reap_finished(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(unreaped); i++)
		if (unreaped[i] > 0 && waitpid(unreaped[i], NULL, WNOHANG) != 0)
			unreaped[i] = 0;
}

static void reap_later(pid_t pid)
{
	if (waitpid(pid, NULL, WNOHANG) != 0)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(unreaped); i++)
		if (unreaped[i] == 0) {
			unreaped[i] = pid;
			return;
		}
	waitpid(pid, NULL, 0);
}

int ts_nsexec_start(const struct ts_proc_identity *id, ts_nsexec_fn fn, void *arg,
		    struct ts_nsexec *job, struct ts_error *err)
{
	reap_finished();
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return ts_error_set(err, errno, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return ts_error_set(err, e, "fork: %s", strerror(e));
	}
	if (pid == 0) {
		close(pipefd[0]);
		helper(pipefd[1], id, fn, arg);
	}
	close(pipefd[1]);
	*job = (struct ts_nsexec){ .pid = pid, .fd = pipefd[0] };
	return 0;
}

int ts_nsexec_finish(struct ts_nsexec *job, char **output, struct ts_error *err)
{
	struct report rep;
	bool got = ts_fd_read_exact(job->fd, &rep, sizeof(rep)) == 0;
	_cleanup_free_ char *text = got && rep.output_len < (1u << 30) ? ts_xmalloc(rep.output_len + 1) : NULL;
	got = got && text && ts_fd_read_exact(job->fd, text, rep.output_len) == 0;
	close(job->fd);
	reap_later(job->pid);
	*job = (struct ts_nsexec){ .pid = -1, .fd = -1 };
	if (!got)
		return ts_error_set(err, EIO, "the helper in the container's namespace died without an answer");
	text[rep.output_len] = '\0';
	if (output)
		*output = rep.output_len ? TAKE_PTR(text) : NULL;
	if (rep.result < 0 && err)
		*err = rep.err;
	return rep.result < 0 ? rep.result : 0;
}

int ts_in_container(const struct ts_proc_identity *id, ts_nsexec_fn fn, void *arg, char **output,
		    struct ts_error *err)
{
	struct ts_nsexec job;
	int r = ts_nsexec_start(id, fn, arg, &job, err);
	return r < 0 ? r : ts_nsexec_finish(&job, output, err);
}

/* ---- a socket made inside the namespace, handed back ---- */

static void socket_helper(int channel, const struct ts_proc_identity *id, ts_nsexec_socket_fn make,
			  void *arg)
{
	struct report rep = { 0 };
	int made = -1;
	rep.result = ts_netns_enter_container(id, &rep.err);
	if (rep.result == 0)
		rep.result = made = make(arg, &rep.err);
	struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control = { 0 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (made >= 0) {
		rep.result = 0;
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &made, sizeof(int));
	}
	_exit(sendmsg(channel, &msg, 0) == (ssize_t)sizeof(rep) ? 0 : 1);
}

int ts_container_socket(const struct ts_proc_identity *id, ts_nsexec_socket_fn make, void *arg,
			int *fd, struct ts_error *err)
{
	int pair[2];
	/* SEQPACKET: the report and its descriptor arrive whole, in one read. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		return ts_error_set(err, errno, "socketpair: %s", strerror(errno));
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(pair[0]);
		socket_helper(pair[1], id, make, arg);
	}
	close(pair[1]);
	if (pid < 0) {
		close(pair[0]);
		return ts_error_set(err, errno, "fork: %s", strerror(errno));
	}
	struct report rep;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = &rep, .iov_len = sizeof(rep) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			      .msg_controllen = sizeof(control.buf) };
	ssize_t n;
	while ((n = recvmsg(pair[0], &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	close(pair[0]);
	waitpid(pid, NULL, 0);
	if (n != (ssize_t)sizeof(rep))
		return ts_error_set(err, EIO, "the helper in the container's namespace died without an answer");
	if (rep.result < 0) {
		if (err)
			*err = rep.err;
		return rep.result;
	}
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if ((msg.msg_flags & MSG_CTRUNC) || !c || c->cmsg_level != SOL_SOCKET ||
	    c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
		return ts_error_set(err, EIO, "the helper sent no socket");
	memcpy(fd, CMSG_DATA(c), sizeof(int));
	return 0;
}
