/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "nflog.h"
#include "nflog_reader.h"
#include "nft_names.h"
#include "nsexec.h"
#include "procid.h"
#include "util.h"

/* Socket buffer: a flood of refused connections must not overflow it at once. */
#define RCVBUF (4 * 1024 * 1024)
/* recv calls per ts_nflog_read: the caller's loop comes back for the rest. */
#define READS_PER_CALL 64

struct config_request {
	struct nlmsghdr nlh;
	struct nfgenmsg nfg;
	char attrs[32];
};

static void add_attr(struct config_request *req, uint16_t type, const void *data, uint16_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)req + NLMSG_ALIGN(req->nlh.nlmsg_len));
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, data, len);
	req->nlh.nlmsg_len = NLMSG_ALIGN(req->nlh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/*
 * NLMSG_OK with a signed remainder: a last message whose length runs past
 * the data (or an unaligned tail) ends the walk instead of wrapping around.
 */
static bool msg_ok(const struct nlmsghdr *h, int left)
{
	return left >= (int)sizeof(*h) && h->nlmsg_len >= sizeof(*h) && (long)h->nlmsg_len <= left;
}

/* Wait for the kernel's answer to request seq, skipping anything else that arrives first. */
static int wait_ack(int fd, uint32_t seq, struct ts_error *err)
{
	char buf[8192];
	for (int tries = 0; tries < 64; tries++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EINTR || errno == ENOBUFS))
			continue;
		if (n < 0)
			return ts_error_set(err, errno, "NFLOG config: %s", strerror(errno));
		int left = (int)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; msg_ok(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_seq != seq ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				continue;
			const struct nlmsgerr *e = NLMSG_DATA(h);
			/* The kernel answers EPERM (older: EBUSY) when another socket has the group. */
			if (e->error == -EBUSY || e->error == -EPERM)
				return ts_error_set(err, EBUSY,
						    "NFLOG group %d is taken in the container's namespace "
						    "(another watch or interactive session?)",
						    TS_NFLOG_GROUP);
			if (e->error < 0)
				return ts_error_set(err, -e->error, "NFLOG config: %s", strerror(-e->error));
			return 0;
		}
	}
	return ts_error_set(err, EPROTO, "NFLOG config: no answer from the kernel");
}

/* Send one NFULNL config message for our group and wait for its ack. */
static int configure(int fd, struct config_request *req, uint32_t seq, struct ts_error *err)
{
	req->nlh.nlmsg_seq = seq;
	if (send(fd, req, req->nlh.nlmsg_len, 0) < 0)
		return ts_error_set(err, errno, "NFLOG config: %s", strerror(errno));
	return wait_ack(fd, seq, err);
}

static struct config_request config_request(void)
{
	return (struct config_request){
		.nlh = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct nfgenmsg)),
			 .nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK },
		.nfg = { .nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0,
			 .res_id = htons(TS_NFLOG_GROUP) },
	};
}

/* Runs in the helper, inside the container's namespace. */
static int make_nflog_socket(void *arg, struct ts_error *err)
{
	(void)arg;
	_cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0)
		return ts_error_set(err, errno, "NFLOG socket: %s", strerror(errno));
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };
	int size = RCVBUF;
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0)
		return ts_error_set(err, errno, "NFLOG bind: %s", strerror(errno));
	/* FORCE needs CAP_NET_ADMIN over the host; rootless, the plain request is capped at rmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));

	struct nfulnl_msg_config_cmd bind_cmd = { .command = NFULNL_CFG_CMD_BIND };
	struct config_request bind_req = config_request();
	add_attr(&bind_req, NFULA_CFG_CMD, &bind_cmd, sizeof(bind_cmd));
	/* Whole packets' headers, each delivered at once (the default batches up to a second). */
	struct nfulnl_msg_config_mode mode = { .copy_range = htonl(TS_NFLOG_COPY_RANGE),
					       .copy_mode = NFULNL_COPY_PACKET };
	uint32_t one = htonl(1);
	struct config_request mode_req = config_request();
	add_attr(&mode_req, NFULA_CFG_MODE, &mode, sizeof(mode));
	add_attr(&mode_req, NFULA_CFG_QTHRESH, &one, sizeof(one));
	add_attr(&mode_req, NFULA_CFG_TIMEOUT, &one, sizeof(one));
	int r = configure(fd, &bind_req, 1, err);
	if (r == 0)
		r = configure(fd, &mode_req, 2, err);
	return r < 0 ? r : TAKE_FD(fd);
}

int ts_nflog_open(const struct ts_proc_identity *id, int *fd, struct ts_error *err)
{
	return ts_container_socket(id, make_nflog_socket, NULL, fd, err);
}

int ts_nflog_read(int fd, ts_nflog_cb cb, void *arg, unsigned *lost, struct ts_error *err)
{
	const size_t size = 256 * 1024;
	_cleanup_free_ char *buf = ts_xmalloc(size);
	int events = 0;
	/* Bounded, so a flood cannot keep the caller from its other work (and from stopping). */
	for (int reads = 0; reads < READS_PER_CALL; reads++) {
		struct sockaddr_nl from;
		socklen_t from_len = sizeof(from);
		ssize_t n = recvfrom(fd, buf, size, MSG_DONTWAIT, (struct sockaddr *)&from, &from_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			if (lost)
				(*lost)++;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return ts_error_set(err, errno, "NFLOG read: %s", strerror(errno));
		if (from.nl_pid != 0)
			continue; /* only the kernel speaks on this socket */
		int left = (int)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; msg_ok(h, left); h = NLMSG_NEXT(h, left)) {
			struct ts_nflog_event ev;
			if (ts_nflog_parse(h, h->nlmsg_len, &ev) == 1) {
				cb(&ev, arg);
				events++;
			}
		}
	}
	return events;
}
