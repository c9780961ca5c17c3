/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root-only network-namespace harness (docs/environment.md). A "container" namespace
 * emulates slirp4netns (10.0.2.100/24, gateway 10.0.2.2, DNS 10.0.2.3) and
 * is wired by a veth pair to a "world" namespace that owns every test
 * address, runs TCP servers on them and a dnsmasq with fixed answers.
 *
 * Namespaces are held only by processes this harness forks, each with
 * PR_SET_PDEATHSIG: they vanish when the test ends, even when it crashes.
 * The one exception, a dnsmasq the hook daemonised, is stopped by the
 * test's teardown, or after a crash by the next harness start. No named
 * namespace, mount or interface is left on the host. Traffic never leaves
 * the two namespaces.
 */
#ifndef TS_NETNS_HARNESS_H
#define TS_NETNS_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* The emulated slirp4netns network. */
#define H_CONTAINER_ADDR "10.0.2.100"
#define H_GATEWAY "10.0.2.2"
#define H_DNS "10.0.2.3"

/* Test servers in the world namespace (TEST-NET and a private range). */
#define H_ALLOWED_IP "203.0.113.10"   /* put in the allow set by the tests */
#define H_OTHER_IP "198.51.100.20"    /* never allowed */
#define H_PRIVATE_IP "10.99.0.5"      /* private range */
#define H_ROGUE_DNS "198.51.100.53"   /* a DNS server that is not the upstream */
#define H_DOMAIN_ALLOWED "allowed.test"
#define H_DOMAIN_ALLOWED_IP "203.0.113.20"
#define H_DOMAIN_OTHER "blocked.test"
#define H_DOMAIN_OTHER_IP "198.51.100.30"
#define H_TCP_PORT 80
/* Ports the world also serves on the gateway: one a loopback port of the bundle, one not. */
#define H_LOOPBACK_PORT 8080
#define H_OTHER_LOOPBACK_PORT 8081

struct harness {
	pid_t container;   /* parked process: the container's init */
	pid_t world;       /* parked process holding the world namespace */
	pid_t world_dns;   /* dnsmasq in the world, answering on H_DNS and H_ROGUE_DNS */
	pid_t world_tcp;   /* accepts and closes TCP connections on every world address */
	pid_t extra[8];    /* bystanders */
	int n_extra;
	int host_netns;    /* fd of the namespace the test started in */
	char *scratch;     /* scratch directory */
	char *state_root;  /* <scratch>/state: TEROK_SHIELD_STATE_DIR of every hook run */
};

/* Whether the harness can run here (root with network namespaces); else *why is set. */
bool harness_supported(const char **why);

/* Container namespace only: no world, no servers. 0 on success. */
int harness_bare(struct harness *h);

/* The full topology. 0 on success. */
int harness_full(struct harness *h);

/* Kill every process the harness started and remove the scratch directory. */
void harness_down(struct harness *h);

/* In a forked child: die with parent (the test process), however it ends. */
void harness_die_with_parent(pid_t parent);

/* Enter pid's network namespace; 0 or -1. */
int harness_join(pid_t pid);

/*
 * Fork a child that dies with the caller, runs prepare(arg) (nonzero: it
 * exits), tells the caller it is ready and runs serve(arg), which never
 * returns. Returns the child's pid once it is ready, or -1.
 */
pid_t harness_fork_ready(int (*prepare)(void *), void (*serve)(void *), void *arg);

/* A process parked in a new network namespace, with lo up (it dies with the caller); or -1. */
pid_t harness_park(void);

/* Run argv inside pid's network namespace and return its exit status. */
int harness_ns_run(pid_t pid, const char *const argv[]);

/* A socket created inside pid's network namespace (usable from anywhere). */
int harness_socket(struct harness *h, pid_t pid, int domain, int type);

/* The same with a protocol (a raw socket's); errno is the socket call's. */
int harness_socket_proto(struct harness *h, pid_t pid, int domain, int type, int protocol);

/*
 * Connect the non-blocking socket fd to sa, giving up after timeout_ms: 0
 * or the errno it ended with (ETIMEDOUT: no answer). fd stays open.
 */
int harness_connect_socket(int fd, const struct sockaddr *sa, socklen_t len, int timeout_ms,
			   double *elapsed_ms);

/*
 * TCP connect from the container to addr:port, giving up after timeout_ms.
 * Returns 0 when connected, else the errno the attempt ended with
 * (ETIMEDOUT when nothing answered). *elapsed_ms (optional) is the time taken.
 */
int harness_connect(struct harness *h, const char *addr, uint16_t port, int timeout_ms,
		    double *elapsed_ms);

/*
 * Query an A record from the container over UDP at server:53. Returns the
 * number of addresses written to ips (up to max, each a string of at most
 * 16 bytes), or -errno (-ETIMEDOUT when nothing answered).
 */
int harness_dns_query(struct harness *h, const char *server, const char *name, char ips[][16],
		      int max);

/*
 * Run the hook binary ($TS_TEST_HOOK) as a runtime does: stage as the
 * argument, the OCI state on stdin, only the descriptor's environment (no
 * PATH) plus TEROK_SHIELD_STATE_DIR=<state_root>, stdout and stderr on
 * pipes. Returns its exit status, or 125 when the pipes stayed open after
 * it exited (runc would hang on them); *stderr_text (optional) receives
 * its stderr.
 */
int harness_run_hook(struct harness *h, const char *stage, const char *json, char **stderr_text);

/*
 * An environment for running the CLI: the test's own without the shield's
 * and XDG's variables, plus TEROK_SHIELD_CONFIG_DIR=config_dir. Free it
 * with harness_cli_env_free.
 */
char **harness_cli_env(const char *config_dir);
void harness_cli_env_free(char **env);

/* The same, started inside ns_pid's network namespace. */
int harness_run_hook_in(struct harness *h, pid_t ns_pid, const char *stage, const char *json,
			char **stderr_text);

/*
 * An OCI state with the annotations prepare writes and the harness's
 * bundle (its config.json); pid <= 0 leaves "pid"
 * out. One annotation may be overridden: key with value, or removed with
 * value NULL (key NULL: none).
 */
char *harness_oci_state(pid_t pid, const char *state_dir, const char *key, const char *value);

/*
 * The capability list (JSON strings, comma-separated) the container's OCI
 * config.json grants; the harness starts with network-free defaults.
 */
void harness_set_container_caps(const char *caps);

/* A fresh state_dir (0700) under the state root for container name. */
char *harness_state_dir(struct harness *h, const char *name);

/*
 * The live terok_shield table in pid's namespace (full listing), or NULL.
 * Counters read zero, so listings compare by rules and elements (a stray
 * packet, say an IPv6 announcement, must not make two equal tables differ).
 */
char *harness_list_table(struct harness *h, pid_t pid);

/* The same as the verifier reads it: libnftables' terse JSON (nft/listing.h), or NULL. */
char *harness_list_json(struct harness *h, pid_t pid);

/* Run an nft script inside pid's namespace; 0 on success. */
int harness_nft(struct harness *h, pid_t pid, const char *script);

/* A process of our own (sleep) with nothing to do with the shield; killed by harness_down. */
pid_t harness_bystander(struct harness *h);

/*
 * Read fd to EOF into *text (always set), giving up at deadline_ms (on
 * harness_now_ms's clock); false when EOF never came. fd < 0: empty, EOF.
 */
bool harness_drain(int fd, char **text, double deadline_ms);

/* Whether pid is gone (ESRCH) within two seconds. */
bool harness_wait_gone(pid_t pid);

/* Milliseconds on the monotonic clock. */
double harness_now_ms(void);

#endif
