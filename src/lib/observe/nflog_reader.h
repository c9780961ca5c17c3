/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The NFLOG socket of a container (docs/cli.md, watch): made inside the
 * container's network namespace, bound to the shield's log group, and read
 * from anywhere. Config requests, their acks and the walk over the
 * messages of a datagram use libmnl; parsing a message is nflog.h's.
 */
#ifndef TS_NFLOG_READER_H
#define TS_NFLOG_READER_H

struct ts_error;
struct ts_nflog_event;
struct ts_proc_identity;

/* Bytes of each logged packet the kernel copies to us: enough for the IP and L4 headers. */
#define TS_NFLOG_COPY_RANGE 160

/* A socket receiving group 100 of the container's namespace (close it when done). */
int ts_nflog_open(const struct ts_proc_identity *id, int *fd, struct ts_error *err);

typedef void (*ts_nflog_cb)(const struct ts_nflog_event *ev, void *arg);

/*
 * Read what is waiting (without blocking, at most a bounded number of
 * datagrams) and call cb for every event of ours. Returns the number of
 * events, or a negative errno. Events lost to a full socket buffer are
 * skipped (*lost, optional, counts the overflows).
 */
int ts_nflog_read(int fd, ts_nflog_cb cb, void *arg, unsigned *lost, struct ts_error *err);

#endif
