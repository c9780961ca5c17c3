/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "base/fileio.h"
#include "base/util.h"
#include "bundle/state.h"
#include "container/netns.h"
#include "container/procid.h"
#include "dns/dnsdomains.h"
#include "dns.h"
#include "nft/nft.h"

/* The container's identity as the hook recorded it; it must be pid and alive. */
static int read_identity(const struct dns_options *o, struct ts_proc_identity *id,
			 struct ts_error *err)
{
	int r = ts_state_dir_check(o->state_dir, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *path = ts_path_container_pid(o->state_dir);
	_cleanup_free_ char *text = NULL;
	r = ts_file_read(path, &text, NULL, err);
	if (r < 0)
		return ts_error_prefix(err, r, "%s (written by the hook at createRuntime)", path);
	r = ts_proc_identity_parse(text, id, err);
	if (r < 0)
		return ts_error_prefix(err, r, "%s", path);
	if (id->pid != o->pid)
		return ts_error_set(err, ESRCH, "%s names process %d, not %d", path, (int)id->pid,
				    (int)o->pid);
	if (!ts_proc_identity_is_live(id))
		return ts_error_set(err, ESRCH, "process %d is no longer the container of %s",
				    (int)o->pid, o->state_dir);
	return 0;
}

static int bound_socket(int type, struct ts_error *err)
{
	_cleanup_close_ int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ts_error_set(err, errno, "socket: %s", strerror(errno));
	int one = 1;
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return ts_error_set(err, errno, "cannot bind 127.0.0.1:53/%s in the container: %s",
				    type == SOCK_STREAM ? "tcp" : "udp", strerror(errno));
	if (type == SOCK_STREAM && listen(fd, DNS_MAX_TCP_CLIENTS) < 0)
		return ts_error_set(err, errno, "listen: %s", strerror(errno));
	return TAKE_FD(fd);
}

/* In the container's namespace: the listening sockets and the nft context. */
static int make_in_container(struct dns_endpoints *e, struct ts_error *err)
{
	e->udp = bound_socket(SOCK_DGRAM, err);
	if (e->udp < 0)
		return e->udp;
	e->tcp = bound_socket(SOCK_STREAM, err);
	if (e->tcp < 0)
		return e->tcp;
	int r = ts_nft_open(&e->nft, err);
	if (r < 0)
		return r;
	/* A first command makes sure the context's netlink socket exists, bound here. */
	return ts_nft_exec(e->nft, "list set inet terok_shield dns_v4", NULL, err);
}

struct in_container {
	const struct ts_proc_identity *id;
	struct dns_endpoints *e;
	struct ts_error err;
	int r;
};

/* A thread's own network namespace is the container's; the process's never changes. */
static void *enter_and_make(void *arg)
{
	struct in_container *c = arg;
	c->r = ts_netns_enter_container(c->id, &c->err);
	if (c->r == 0)
		c->r = make_in_container(c->e, &c->err);
	return NULL;
}

/* The bundle's query log, appended to; like every bundle file no symlink, nothing but a regular file. */
static int open_log(const char *state_dir, struct ts_error *err)
{
	_cleanup_free_ char *path = ts_path_dnsmasq_log(state_dir);
	/* O_NONBLOCK: a FIFO planted there must not hang the open. */
	_cleanup_close_ int fd =
		open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	if (fd < 0)
		return ts_error_set(err, errno, "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0)
		return ts_error_set(err, errno, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return ts_error_set(err, EINVAL, "%s: not a regular file", path);
	return TAKE_FD(fd);
}

int dns_setup(const struct dns_options *o, struct dns_endpoints *e, struct ts_error *err)
{
	*e = (struct dns_endpoints){ .udp = -1, .tcp = -1, .pidfd = -1, .log = -1, .inotify = -1 };
	struct ts_proc_identity id;
	int r = read_identity(o, &id, err);
	if (r < 0)
		return r;
	e->pidfd = pidfd_open(o->pid, 0);
	if (e->pidfd < 0)
		return ts_error_set(err, errno, "pidfd_open %d: %s", (int)o->pid, strerror(errno));
	if (o->query_log) {
		e->log = open_log(o->state_dir, err);
		if (e->log < 0)
			return e->log;
	}
	/* The interactive marker is set by prepare: read once, it holds for the container's life. */
	_cleanup_free_ char *marker = NULL;
	r = ts_read_interactive_tier(o->state_dir, &marker, err);
	if (r < 0)
		return r;
	e->ask = marker && o->policy == TS_DNS_POLICY_STRICT;
	/* Without a watch (no inotify instances left), every query stats the domain files instead. */
	int watch = ts_dns_domain_files_watch(o->state_dir, NULL);
	e->inotify = watch >= 0 ? watch : -1;

	/*
	 * The container's side from a thread of its own that ends there: the
	 * upstream side must never live in the container, and rootless this
	 * process could not setns back to the machine's namespace (EPERM).
	 */
	struct in_container c = { .id = &id, .e = e };
	pthread_t thread;
	int t = pthread_create(&thread, NULL, enter_and_make, &c);
	if (t != 0)
		return ts_error_set(err, t, "pthread_create: %s", strerror(t));
	pthread_join(thread, NULL);
	if (c.r < 0) {
		if (err)
			*err = c.err;
		return c.r;
	}
	return 0;
}

void dns_endpoints_close(struct dns_endpoints *e)
{
	closep(&e->udp);
	closep(&e->tcp);
	closep(&e->pidfd);
	closep(&e->log);
	closep(&e->inotify);
	ts_nft_close(e->nft);
	*e = (struct dns_endpoints){ .udp = -1, .tcp = -1, .pidfd = -1, .log = -1, .inotify = -1 };
}

int dns_drop_privileges(struct ts_error *err)
{
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (cap != CAP_NET_ADMIN && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
		    errno != EINVAL)
			return ts_error_set(err, errno, "cannot drop capability %d: %s", cap,
					    strerror(errno));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return ts_error_set(err, errno, "cannot clear ambient capabilities: %s",
				    strerror(errno));
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };
	data[0].effective = data[0].permitted = 1u << CAP_NET_ADMIN;
	if (syscall(SYS_capset, &hdr, data) < 0)
		return ts_error_set(err, errno, "capset: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return ts_error_set(err, errno, "no_new_privs: %s", strerror(errno));
	return 0;
}
