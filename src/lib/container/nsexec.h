/* SPDX-License-Identifier: Apache-2.0 */
/*
 * nftables work inside a running container's network namespace, from the
 * CLI (docs/cli.md): a forked helper joins the namespace (and, rootless, the
 * user namespace owning it), runs the callback with a libnftables session
 * there, and reports back through a pipe. The caller's process never
 * changes namespace.
 */
#ifndef TS_NSEXEC_H
#define TS_NSEXEC_H

struct ts_error;
struct ts_nft;
struct ts_proc_identity;

/*
 * Runs in the helper. *output (optional, newly allocated) travels back to
 * the caller; so does err. Returns 0 or a negative errno.
 */
typedef int (*ts_nsexec_fn)(struct ts_nft *nft, void *arg, char **output, struct ts_error *err);

/* A helper at work. */
struct ts_nsexec {
	int pid;
	int fd;
};

/* Start fn in the container's namespace; the caller may work meanwhile. */
int ts_nsexec_start(const struct ts_proc_identity *id, ts_nsexec_fn fn, void *arg,
		    struct ts_nsexec *job, struct ts_error *err);

/*
 * Wait for the helper's answer: fn's result, err, and *output (optional;
 * what fn produced, also when it failed; NULL when it produced nothing).
 */
int ts_nsexec_finish(struct ts_nsexec *job, char **output, struct ts_error *err);

/* Run fn in the container's namespace; *output (optional) receives what fn produced. */
int ts_in_container(const struct ts_proc_identity *id, ts_nsexec_fn fn, void *arg, char **output,
		    struct ts_error *err);

/* Runs in the helper: make a socket (bound to the namespace it is made in) and return its fd. */
typedef int (*ts_nsexec_socket_fn)(void *arg, struct ts_error *err);

/*
 * A socket made inside the container's namespace and handed back
 * (SCM_RIGHTS): netlink sockets stay bound to the namespace they were
 * created in, so the caller can use it from anywhere.
 */
int ts_container_socket(const struct ts_proc_identity *id, ts_nsexec_socket_fn make, void *arg,
			int *fd, struct ts_error *err);

#endif
