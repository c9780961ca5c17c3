/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A shielded harness container (harness.h) and the real CLI binary
 * ($TS_TEST_CLI) run against it: the fixture the live, watch, interactive
 * and D-Bus suites share. The bundle is what prepare leaves for the
 * emulated slirp4netns network; the hook shields the container and writes
 * container.pid, which the CLI uses to find it (podman never sees these
 * containers; its `podman inspect` fallback finds nothing).
 */
#ifndef TS_NETNS_SHIELDED_H
#define TS_NETNS_SHIELDED_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/strv.h"
#include "harness.h"

#define SHIELDED_NAME "ctest" /* harness_oci_state names every container so */
#define SHIELDED_MAX_ARGS 16

/* Bundle variants (combinable). */
enum {
	SHIELDED_INTERACTIVE = 1 << 0, /* the interactive marker: QUEUED terminal rule */
	SHIELDED_DNSMASQ = 1 << 1,     /* dnsmasq tier, H_DOMAIN_ALLOWED in profile.domains */
};

struct shielded {
	struct harness h;
	char *state_dir;  /* <state_root>/containers/ctest */
	char *config_dir; /* TEROK_SHIELD_CONFIG_DIR of every CLI run */
	char **env;       /* the CLI's environment */
	int kept[64];     /* sockets of the test, closed by the teardown even after a failure */
	int n_kept;
};

/*
 * The full harness topology, a bundle with H_ALLOWED_IP in profile.allowed,
 * and the hook's createRuntime run on it. 0 on success; on failure
 * everything is torn down again.
 */
int shielded_setup(struct shielded *f, unsigned variant);
/* Stop the container's dnsmasq (a daemon would keep the namespace alive) and the harness. */
void shielded_teardown(struct shielded *f);

/* cmocka's setup and teardown around the above: *state is a struct shielded. */
int shielded_cmocka_setup(void **state, unsigned variant);
int shielded_cmocka_teardown(void **state);

/* Keep socket fd (failing the test when it is < 0) until the teardown; returns it. */
int shielded_keep(struct shielded *f, int fd);

/*
 * The netlink port id that has bound NFLOG group 100 in the container's
 * namespace and configured it to deliver every packet at once (flush
 * timeout 1); 0 when none has yet.
 */
unsigned shielded_nflog_portid(struct shielded *f);

/* A new, empty state_dir for container name under the state root. */
char *shielded_container_dir(struct shielded *f, const char *name);
/* The bundle files of the variant's tier and network, then ruleset.nft. */
void shielded_write_bundle(const char *state_dir, const char *profile_allowed);
/* Run the hook's createRuntime again; its exit status. */
int shielded_hook(struct shielded *f);

/*
 * Whether the suite can run here: root with network namespaces and the
 * binaries named by TS_TEST_CLI and TS_TEST_HOOK. Otherwise prints the
 * TAP skip line with the reason and returns false.
 */
bool shielded_suite_runnable(void);

/*
 * A prepared container name (optionally interactive) whose process ran
 * once and has exited: its container.pid names a dead process. Returns its
 * state_dir.
 */
char *shielded_gone(struct shielded *f, const char *name, bool interactive);

/* ---- "changes nothing": the bundle files and the live table, before and after ---- */

#define SHIELDED_SNAPSHOT_FILES 8
struct shielded_snapshot {
	char *files[SHIELDED_SNAPSHOT_FILES];
	char *table;
};

void shielded_snapshot(struct shielded *f, struct shielded_snapshot *s);
void shielded_snapshot_clear(struct shielded_snapshot *s);
/* Fails the test, naming what changed, unless a and b are the same. */
void shielded_assert_unchanged(const struct shielded_snapshot *a,
			       const struct shielded_snapshot *b, const char *what);
/* Take a snapshot now and assert it is before's (then clear before). */
void shielded_assert_unchanged_since(struct shielded *f, struct shielded_snapshot *before,
				     const char *what);

/* ---- one CLI process ---- */

struct cli_run {
	pid_t pid;
	int in_fd;          /* write end of its stdin, or -1 (stdin is /dev/null) */
	int out_fd, err_fd; /* read ends of its stdout and stderr */
	int status;         /* exit code, 128+signal, or -1 */
	bool held_open;     /* it exited, but something it started kept stdout or stderr open */
	char *out, *err;
};

/*
 * Start `terok-shield --state-dir ROOT args...` with stdout and stderr on
 * pipes, and stdin on a pipe when with_stdin. With world set it runs in the
 * world namespace resolving through the world's DNS server (a mount
 * namespace of its own with /etc/resolv.conf bound over): only then may a
 * test name a domain, and no query leaves the machine.
 */
void cli_run_start(struct shielded *f, struct cli_run *r, bool world, bool with_stdin,
		   const char *const *args);
/* Wait for the exit (at most until deadline_ms; -1: no limit). False when it did not exit. */
bool cli_run_reap(struct cli_run *r, double deadline_ms);
/* Wait for the exit, then read its outputs (a few lines: far below a pipe's capacity). */
void cli_run_wait(struct cli_run *r);
void cli_run_clear(struct cli_run *r);

/* Run the CLI to the end (arguments NULL-terminated); 125 when its pipes stayed open. */
int shielded_cli(struct shielded *f, struct cli_run *r, ...);

/* The CLI must succeed and print exactly expect on stdout (NULL: anything). */
#define SHIELDED_CLI_OK(f, expect, ...)                                                        \
	do {                                                                                   \
		struct cli_run r_;                                                             \
		const char *expect_ = (expect);                                                \
		int rc_ = shielded_cli((f), &r_, __VA_ARGS__, (const char *)NULL);             \
		if (rc_ != 0)                                                                  \
			fail_msg("terok-shield %s exited %d: %s", #__VA_ARGS__, rc_, r_.err);  \
		if (expect_ && strcmp(r_.out, expect_) != 0)                                   \
			fail_msg("terok-shield %s printed '%s', expected '%s'", #__VA_ARGS__,  \
				 r_.out, expect_);                                             \
		cli_run_clear(&r_);                                                            \
	} while (0)
/* The same from the world namespace. */
int shielded_cli_world(struct shielded *f, struct cli_run *r, ...);

/* ---- a long-running CLI process read line by line ---- */

struct cli_stream {
	struct cli_run r;
	char buf[1 << 16];
	size_t len;
	bool eof;
	struct ts_strv lines; /* every line read, for failure messages */
};

/* Start it (stdout non-blocking for cli_stream_line). */
struct cli_stream *cli_stream_start(struct shielded *f, bool with_stdin, const char *const *args);
/* The next complete line (newly allocated), or NULL at the deadline or at EOF. */
char *cli_stream_line(struct cli_stream *s, double deadline_ms);
/* What it wrote on stderr so far (without waiting), newly allocated. */
char *cli_stream_stderr(struct cli_stream *s);
/* Every line and its stderr so far, for a failure message. */
char *cli_stream_transcript(struct cli_stream *s);
/* Write text to its stdin; false when that failed. */
bool cli_stream_send(struct cli_stream *s, const char *text);
/* SIGKILL it if it still runs, reap it, free everything. */
void cli_stream_free(struct cli_stream *s);

#endif
