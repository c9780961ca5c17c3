/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A DNS server with fixed answers for the strict DNS forwarder's tests
 * and bench, run in a network namespace the test made. It records every
 * query it receives, so a test can prove a name never reached it.
 *
 * Answers (class IN):
 *   allowed.test        A 203.0.113.20, TTL 100000 (above the upper bound)
 *   short.allowed.test  A 203.0.113.21, TTL 5 (below the lower bound)
 *   late.allowed.test   A 203.0.113.22, TTL 300, one second late (UDP)
 *   v6.allowed.test     AAAA 2001:db8::20, TTL 300
 *   www.cname.test      CNAME mid.cname.test (TTL 600), CNAME edge.cdn.test
 *                       (TTL 600), A 203.0.113.30 (TTL 600)
 *   big.allowed.test    40 A records 203.0.113.101-140, TTL 300: over UDP
 *                       only a truncated answer (TC), in full over TCP
 *   slow.allowed.test   never answered
 *   nN.bulk.test        A 100.64.N/256.N%256 (N < 65536), TTL 300: a new
 *                       address for every name
 *   any other name      A 198.51.100.30, TTL 300; no AAAA
 */
#ifndef TS_FAKE_UPSTREAM_H
#define TS_FAKE_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FAKE_UPSTREAM_ADDR "192.0.2.53"

/*
 * Serve on FAKE_UPSTREAM_ADDR:53 (UDP and TCP) inside ns_pid's network
 * namespace, which must hold that address. Each query appends
 * "NAME TYPE udp|tcp len=BYTES flags=HHHH\n" to log_path (NULL: no
 * record), a query it cannot read as "(unparsed) - udp|tcp len=…". Returns the
 * server's pid (it dies with the caller), or -1.
 */
pid_t fake_upstream_start(pid_t ns_pid, const char *log_path);

/* Whether the server's record at log_path holds needle (false when there is no record yet). */
bool fake_upstream_saw(const char *log_path, const char *needle);

/*
 * A standard query (recursion desired, class IN) for name and qtype with
 * id, written to q (room for 12 + strlen(name) + 6 bytes). Returns its length.
 */
size_t fake_query_build(uint8_t *q, uint16_t id, const char *name, uint16_t qtype);

/*
 * A "runtime" namespace of our own (lo up, FAKE_UPSTREAM_ADDR on lo),
 * held by a parked process that dies with the caller. Returns its pid.
 */
pid_t fake_runtime_park(void);

/*
 * Fork and exec argv inside runtime's network namespace and a mount
 * namespace of its own where resolv_conf is bind-mounted over
 * /etc/resolv.conf (as `ip netns exec` does), stderr to stderr_path (NULL:
 * inherited), every descriptor above 2 but keep_fd closed. Returns its pid.
 */
pid_t fake_runtime_spawn(pid_t runtime, const char *resolv_conf, const char *const *argv,
			 const char *stderr_path, int keep_fd);

/* How many queries for name of type ("A", "AAAA", …) the record at log_path holds, UDP or TCP. */
int fake_upstream_count(const char *log_path, const char *name, const char *type);

#endif
