/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "base/util.h"
#include "container/nsexec.h"
#include "container/procid.h"
#include "nft/nft_names.h"
#include "observe/nflog.h"
#include "observe/nflog_reader.h"

/* Socket buffer: a flood of refused connections must not overflow it at once. */
#define RCVBUF (4 * 1024 * 1024)
/* recv calls per ts_nflog_read: the caller's loop comes back for the rest. */
#define READS_PER_CALL 64

/* Room for one config request: headers and three small attributes. */
#define CONFIG_BUF 256

/*
 * Netlink messages and acks go through libmnl; the socket itself does not
 * (no struct mnl_socket): it is made in a short-lived helper inside the
 * container's namespace and handed over as a bare descriptor.
 */

/* An NFULNL_MSG_CONFIG request for our group, asking for an ack. */
static struct nlmsghdr *config_request(char *buf, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	struct nfgenmsg *nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(TS_NFLOG_GROUP);
	return nlh;
}

static int put_attr(struct nlmsghdr *nlh, uint16_t type, size_t len, const void *data,
		    struct ts_error *err)
{
	if (!mnl_attr_put_check(nlh, CONFIG_BUF, type, len, data))
		return ts_error_set(err, EMSGSIZE, "NFLOG config: attribute %u does not fit", type);
	return 0;
}

/* The ack, or the error the kernel answered with (errno set, as libmnl's own handler does). */
static int on_ack(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct nlmsgerr))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	errno = e->error < 0 ? -e->error : e->error;
	return e->error == 0 ? MNL_CB_STOP : MNL_CB_ERROR;
}

/*
 * Control messages while an ack is awaited: only the ack ends the wait.
 * Packets logged meanwhile are data messages (skipped); a batch of them
 * ends with NLMSG_DONE, which libmnl's defaults would take for the end.
 */
static mnl_cb_t ack_callbacks[NLMSG_MIN_TYPE] = { [NLMSG_ERROR] = on_ack };

/* Wait for the kernel's answer to request seq from portid's socket. */
static int wait_ack(int fd, uint32_t seq, uint32_t portid, struct ts_error *err)
{
	char buf[8192];
	for (int tries = 0; tries < 64; tries++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EINTR || errno == ENOBUFS))
			continue;
		if (n < 0)
			return ts_error_set(err, errno, "NFLOG config: %s", strerror(errno));
		int r = mnl_cb_run2(buf, (size_t)n, seq, portid, NULL, NULL, ack_callbacks,
				    ARRAY_SIZE(ack_callbacks));
		if (r == MNL_CB_STOP)
			return 0;
		if (r == MNL_CB_OK)
			continue;
		/* The kernel answers EPERM (older: EBUSY) when another socket has the group. */
		if (errno == EBUSY || errno == EPERM)
			return ts_error_set(err, EBUSY,
					    "NFLOG group %d is taken in the container's namespace "
					    "(another watch or interactive session?)",
					    TS_NFLOG_GROUP);
		return ts_error_set(err, errno, "NFLOG config: %s", strerror(errno));
	}
	return ts_error_set(err, EPROTO, "NFLOG config: no answer from the kernel");
}

/* Send one config request and wait for its ack. */
static int configure(int fd, const struct nlmsghdr *nlh, uint32_t portid, struct ts_error *err)
{
	if (send(fd, nlh, nlh->nlmsg_len, 0) < 0)
		return ts_error_set(err, errno, "NFLOG config: %s", strerror(errno));
	return wait_ack(fd, nlh->nlmsg_seq, portid, err);
}

/* Bind group 100, then ask for whole headers, each packet delivered at once. */
static int bind_group(int fd, uint32_t portid, struct ts_error *err)
{
	_Alignas(struct nlmsghdr) char bind_buf[CONFIG_BUF] = { 0 };
	_Alignas(struct nlmsghdr) char mode_buf[CONFIG_BUF] = { 0 };
	struct nlmsghdr *bind_req = config_request(bind_buf, 1);
	struct nfulnl_msg_config_cmd bind_cmd = { .command = NFULNL_CFG_CMD_BIND };
	/* The default batches up to a second; a threshold and timeout of 1 deliver at once. */
	struct nfulnl_msg_config_mode mode = { .copy_range = htonl(TS_NFLOG_COPY_RANGE),
					       .copy_mode = NFULNL_COPY_PACKET };
	uint32_t one = htonl(1);
	struct nlmsghdr *mode_req = config_request(mode_buf, 2);
	const struct {
		struct nlmsghdr *req;
		uint16_t type;
		size_t len;
		const void *data;
	} attrs[] = {
		{ bind_req, NFULA_CFG_CMD, sizeof(bind_cmd), &bind_cmd },
		{ mode_req, NFULA_CFG_MODE, sizeof(mode), &mode },
		{ mode_req, NFULA_CFG_QTHRESH, sizeof(one), &one },
		{ mode_req, NFULA_CFG_TIMEOUT, sizeof(one), &one },
	};
	for (size_t i = 0; i < ARRAY_SIZE(attrs); i++) {
		int r = put_attr(attrs[i].req, attrs[i].type, attrs[i].len, attrs[i].data, err);
		if (r < 0)
			return r;
	}
	int r = configure(fd, bind_req, portid, err);
	if (r < 0)
		return r;
	return configure(fd, mode_req, portid, err);
}

/* Runs in the helper, inside the container's namespace. */
static int make_nflog_socket(void *arg, struct ts_error *err)
{
	(void)arg;
	_cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0)
		return ts_error_set(err, errno, "NFLOG socket: %s", strerror(errno));
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };
	socklen_t local_len = sizeof(local);
	int size = RCVBUF;
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&local, &local_len) < 0)
		return ts_error_set(err, errno, "NFLOG bind: %s", strerror(errno));
	/* FORCE needs CAP_NET_ADMIN over the host; rootless, the plain request is capped at rmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	int r = bind_group(fd, local.nl_pid, err);
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
		for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(h, left);
		     h = mnl_nlmsg_next(h, &left)) {
			struct ts_nflog_event ev;
			if (ts_nflog_parse(h, h->nlmsg_len, &ev) == 1) {
				cb(&ev, arg);
				events++;
			}
		}
	}
	return events;
}
