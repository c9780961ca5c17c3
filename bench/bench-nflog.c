/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How many NFLOG events the shield's reader sustains, and how much memory
 * `watch` needs, while a container floods refused connections (issue 6).
 *
 * Root only; the full harness (tests/netns/harness.h): a "container"
 * namespace shielded by the real hook (dig tier, one profile IP), with
 * eth0 and a default route so its connections reach the output chain.
 * Flooders are processes inside the container namespace that open
 * non-blocking TCP connections to every address of 198.51.100.0/24 and
 * 203.0.113.0/24 but the allowed ones, round and round, and close each
 * at once: each SYN meets the terminal rule (log group 100, reject), so
 * one attempt is one NFLOG message. Nothing leaves the namespace: the
 * reject happens in the container's own output chain.
 *
 * Three phases, each FLOOD_S seconds of flood:
 *   1. the library reader in this process (ts_nflog_open with the
 *      container's identity, ts_nflog_read in a poll loop): events/s,
 *      overflows (ENOBUFS, from ts_nflog_read's lost counter), events
 *      missing against the attempts the flooders counted;
 *   2. `terok-shield watch NAME` as a child, its JSON lines counted here:
 *      lines/s, the overflows it reports on stderr, its peak RSS
 *      (ru_maxrss from wait4) and VmRSS sampled through the flood;
 *   3. the same watch fed a dnsmasq log flood (distinct query and reply
 *      lines appended to dnsmasq.log): blocked_query events/s, how fast it
 *      catches up with a backlog, and RSS idle, half way and at the end
 *      (the IP -> name cache is a fixed table: memory must stay flat).
 * CPU per event (getrusage, wait4) gives what one core could sustain when
 * the flooders, not the reader, are the limit (2 CPUs here).
 *
 * Figures only; never fails a build. Skips (exit 0) without root.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include "base/util.h"
#include "bundle/audit.h"
#include "bundle/bundle.h"
#include "container/procid.h"
#include "harness.h"
#include "observe/nflog.h"
#include "observe/nflog_reader.h"
#include "test-helpers.h"

#define NAME "ctest" /* the name harness_oci_state gives every container */
#define FLOOD_S 3.0
#define DRAIN_QUIET_MS 300 /* after the flood: read until nothing came for this long */
#define DNS_LINES 200000   /* query lines (and as many reply lines) in phase 3 */

extern char **environ;

static void die(const char *what)
{
	fprintf(stderr, "bench-nflog: %s\n", what);
	exit(1);
}

/* ---- the container ---- */

static char *shielded_bundle(struct harness *h)
{
	char *containers = ts_xasprintf("%s/containers", h->state_root);
	char *state_dir = ts_xasprintf("%s/" NAME, containers);
	if (mkdir(containers, 0700) < 0 || mkdir(state_dir, 0700) < 0)
		die("cannot create the state_dir");
	free(containers);
	write_text(state_dir, "upstream.dns", H_DNS "\n");
	write_text(state_dir, "dns.tier", "dig\n");
	write_text(state_dir, "gateway", H_GATEWAY "\n");
	write_text(state_dir, "loopback_ports", "");
	write_text(state_dir, "profiles", "dev-standard\n");
	write_text(state_dir, "profile.allowed", H_ALLOWED_IP "\n");
	struct ts_error err = { 0 };
	if (ts_bundle_write_ruleset(state_dir, &err) < 0) {
		fprintf(stderr, "bench-nflog: %s\n", err.message);
		exit(1);
	}
	char *json = harness_oci_state(h->container, state_dir, NULL, NULL);
	char *errors = NULL;
	if (harness_run_hook(h, "createRuntime", json, &errors) != 0) {
		fprintf(stderr, "bench-nflog: the hook failed: %s", errors ? errors : "\n");
		exit(1);
	}
	free(errors);
	free(json);
	return state_dir;
}

/* ---- flooders ---- */

struct flood {
	int n;
	pid_t pids[8];
	_Atomic unsigned long *attempts; /* shared with the flooders: one counter each */
};

static int flooders_wanted(void)
{
	const char *env = getenv("BENCH_NFLOG_FLOODERS");
	int n = env ? atoi(env) : (int)sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 8 ? 8 : n;
}

static void flooder(pid_t container, pid_t parent, int index, _Atomic unsigned long *count)
{
	harness_die_with_parent(parent);
	if (harness_join(container) < 0)
		_exit(126);
	/* Every refused TEST-NET address, each flooder starting elsewhere. */
	struct sockaddr_in targets[2 * 254];
	int n = 0;
	for (int net = 0; net < 2; net++)
		for (int host = 1; host <= 254; host++) {
			char addr[32];
			snprintf(addr, sizeof(addr), "%s.%d", net ? "203.0.113" : "198.51.100", host);
			if (!strcmp(addr, H_ALLOWED_IP) || !strcmp(addr, H_DOMAIN_ALLOWED_IP))
				continue;
			targets[n] = (struct sockaddr_in){ .sin_family = AF_INET,
							   .sin_port = htons(80) };
			inet_pton(AF_INET, addr, &targets[n].sin_addr);
			n++;
		}
	for (unsigned long i = (unsigned long)index * 97;; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		/* Counted first: a flooder killed here may have counted one it never sent. */
		atomic_fetch_add_explicit(count, 1, memory_order_relaxed);
		(void)connect(fd, (struct sockaddr *)&targets[i % (unsigned long)n],
			      sizeof(targets[0]));
		close(fd);
	}
}

static void flood_start(struct flood *fl, struct harness *h, int n)
{
	fl->n = n;
	for (int i = 0; i < n; i++)
		atomic_store(&fl->attempts[i], 0);
	pid_t parent = getpid();
	fflush(NULL);
	for (int i = 0; i < n; i++) {
		fl->pids[i] = fork();
		if (fl->pids[i] == 0)
			flooder(h->container, parent, i, &fl->attempts[i]);
		if (fl->pids[i] < 0)
			die("fork");
	}
}

/* Stop the flooders; the attempts they made. */
static unsigned long flood_stop(struct flood *fl)
{
	unsigned long total = 0;
	for (int i = 0; i < fl->n; i++) {
		kill(fl->pids[i], SIGKILL);
		waitpid(fl->pids[i], NULL, 0);
		total += atomic_load(&fl->attempts[i]);
	}
	return total;
}

/* ---- memory figures ---- */

/* A "Vm…:" line of /proc/PID/status in KiB (pid 0: this process), or -1. */
static long vm_kib(pid_t pid, const char *key)
{
	char path[64], line[256];
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	FILE *f = fopen(path, "r");
	long kib = -1;
	size_t klen = strlen(key);
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':')
			kib = atol(line + klen + 1);
	if (f)
		fclose(f);
	return kib;
}

static double cpu_s(const struct rusage *ru)
{
	return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6 +
	       (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
}

static double mib(long kib)
{
	return (double)kib / 1024.0;
}

/* 41000 -> "41,000" */
static const char *grouped(double v, char buf[32])
{
	char digits[32];
	snprintf(digits, sizeof(digits), "%.0f", v);
	size_t len = strlen(digits), o = 0;
	for (size_t i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* ---- phase 1: the library reader in this process ---- */

struct tally {
	unsigned long events, blocked, other;
};

static void count_event(const struct ts_nflog_event *e, void *arg)
{
	struct tally *t = arg;
	t->events++;
	if (e->action == TS_NFLOG_DENIED && e->proto == 6 && e->port == 80)
		t->blocked++;
	else
		t->other++; /* IPv6 housekeeping, say */
}

static void phase_library(struct harness *h, struct flood *fl)
{
	struct ts_proc_identity id;
	struct ts_error err = { 0 };
	if (ts_proc_identity_read(h->container, &id, &err) < 0)
		die("cannot read the container's identity");
	long hwm_before = vm_kib(0, "VmHWM");
	int fd = -1;
	if (ts_nflog_open(&id, &fd, &err) < 0) {
		fprintf(stderr, "bench-nflog: ts_nflog_open: %s\n", err.message);
		exit(1);
	}
	int rcvbuf = 0;
	socklen_t len = sizeof(rcvbuf);
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len);

	struct tally t = { 0 };
	unsigned lost = 0;
	flood_start(fl, h, flooders_wanted());
	struct rusage ru0, ru1;
	getrusage(RUSAGE_SELF, &ru0);
	double start = harness_now_ms(), end = start + FLOOD_S * 1000;
	while (harness_now_ms() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 20) > 0 && ts_nflog_read(fd, count_event, &t, &lost, &err) < 0) {
			fprintf(stderr, "bench-nflog: ts_nflog_read: %s\n", err.message);
			exit(1);
		}
	}
	getrusage(RUSAGE_SELF, &ru1);
	double cpu = cpu_s(&ru1) - cpu_s(&ru0);
	unsigned long at_end = t.events;
	unsigned lost_at_end = lost;
	unsigned long attempts = flood_stop(fl);
	double flood_s = (harness_now_ms() - start) / 1000.0;
	/* What was still queued when the flood stopped. */
	for (double quiet = harness_now_ms(); harness_now_ms() - quiet < DRAIN_QUIET_MS;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 50) > 0 && ts_nflog_read(fd, count_event, &t, &lost, &err) > 0)
			quiet = harness_now_ms();
	}
	long hwm_after = vm_kib(0, "VmHWM");
	close(fd);
	double secs = FLOOD_S;
	char a[32], b[32], c[32];
	printf("phase 1, library reader in-process (%d flooders, SO_RCVBUF %d KiB):\n", fl->n,
	       rcvbuf / 1024);
	printf("  NFLOG: %s events/s over %.1f s (%s events in the window), %u overflows "
	       "(ENOBUFS; %u during the window)\n",
	       grouped((double)at_end / secs, a), secs, grouped((double)at_end, b), lost, lost_at_end);
	long missing = (long)attempts - (long)t.blocked;
	printf("  flooders made %s attempts (%s/s); reader got %s blocked_connection "
	       "events in all, %lu other; %ld missing (%.2f%%; +-1 per flooder from the kill)\n",
	       grouped((double)attempts, a), grouped((double)attempts / flood_s, b),
	       grouped((double)t.blocked, c), t.other, missing,
	       attempts ? 100.0 * (double)missing / (double)attempts : 0.0);
	printf("  reader CPU: %.0f%% of one core, %.2f us per event -> ~%s events/s per core\n",
	       100.0 * cpu / secs, at_end ? 1e6 * cpu / (double)at_end : 0.0,
	       grouped(cpu > 0 ? (double)at_end / cpu : 0, c));
	printf("  this process: VmHWM %.1f MiB before the reader, %.1f MiB after (reader buffer "
	       "256 KiB per read)\n",
	       mib(hwm_before), mib(hwm_after));
}

/* ---- phases 2 and 3: terok-shield watch ---- */

struct watch_child {
	pid_t pid;
	int out;         /* its stdout */
	char *err_path;  /* its stderr */
	char buf[1 << 16];
	size_t len;
	long rss_min, rss_max; /* VmRSS samples, KiB */
};

static char **cli_env;

static void watch_spawn(struct watch_child *w, struct harness *h, const char *cli, int n)
{
	memset(w, 0, sizeof(*w));
	w->rss_min = -1;
	w->err_path = ts_xasprintf("%s/watch-%d.err", h->scratch, n);
	int out[2];
	if (pipe2(out, O_CLOEXEC) < 0)
		die("pipe");
	/* A big pipe: the watch should wait on the kernel, not on this reader. */
	fcntl(out[0], F_SETPIPE_SZ, 1 << 20);
	fflush(NULL);
	w->pid = fork();
	if (w->pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		int err = open(w->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(null, STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(err, STDERR_FILENO);
		const char *argv[] = { "terok-shield", "--state-dir", h->state_root, "watch", NAME, NULL };
		execve(cli, (char *const *)argv, cli_env);
		_exit(127);
	}
	close(out[1]);
	w->out = out[0];
	fcntl(w->out, F_SETFL, O_NONBLOCK);
}

/* Read what is there (waiting up to ms); count lines holding needle. Returns lines read. */
static unsigned long watch_read(struct watch_child *w, int ms, const char *needle,
				unsigned long *matched, char *probe_seen, const char *probe)
{
	struct pollfd p = { .fd = w->out, .events = POLLIN };
	if (poll(&p, 1, ms) <= 0)
		return 0;
	unsigned long lines = 0;
	for (;;) {
		ssize_t n = read(w->out, w->buf + w->len, sizeof(w->buf) - w->len);
		if (n <= 0)
			break;
		w->len += (size_t)n;
		char *start = w->buf, *nl;
		while ((nl = memchr(start, '\n', (size_t)(w->buf + w->len - start)))) {
			*nl = '\0';
			lines++;
			if (needle && strstr(start, needle))
				(*matched)++;
			if (probe && probe_seen && strstr(start, probe))
				*probe_seen = 1;
			start = nl + 1;
		}
		w->len = (size_t)(w->buf + w->len - start);
		memmove(w->buf, start, w->len);
	}
	return lines;
}

static void sample_rss(struct watch_child *w)
{
	long rss = vm_kib(w->pid, "VmRSS");
	if (rss < 0)
		return;
	if (w->rss_min < 0 || rss < w->rss_min)
		w->rss_min = rss;
	if (rss > w->rss_max)
		w->rss_max = rss;
}

/* Until the watch echoes an audit probe: from then on it follows NFLOG and the logs. */
static void watch_wait_ready(struct watch_child *w, const char *state_dir)
{
	char seen = 0;
	for (int i = 0; i < 100 && !seen; i++) {
		char detail[32];
		snprintf(detail, sizeof(detail), "bench probe %d", i);
		ts_audit_log(true, state_dir, NAME, "note", NULL, detail, NULL);
		unsigned long unused = 0;
		watch_read(w, 100, NULL, &unused, &seen, "bench probe");
	}
	if (!seen)
		die("watch never started following the audit log");
}

/* SIGTERM, wait; its peak RSS (KiB) and exit status; the overflow count it printed. */
static long watch_end(struct watch_child *w, int *status, double *stop_ms, unsigned *overflows,
		      double *cpu)
{
	double t0 = harness_now_ms();
	kill(w->pid, SIGTERM);
	struct rusage ru = { 0 };
	int st = 0;
	/* Keep its stdout drained: a full pipe must not be what it waits on. */
	for (;;) {
		pid_t got = wait4(w->pid, &st, WNOHANG, &ru);
		if (got == w->pid)
			break;
		unsigned long unused = 0;
		watch_read(w, 5, NULL, &unused, NULL, NULL);
		if (harness_now_ms() - t0 > 10000) {
			kill(w->pid, SIGKILL);
			wait4(w->pid, &st, 0, &ru);
			break;
		}
	}
	*stop_ms = harness_now_ms() - t0;
	*cpu = cpu_s(&ru);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	*overflows = 0;
	char *dir = ts_xstrdup(w->err_path), *slash = strrchr(dir, '/');
	*slash = '\0';
	char *text = read_text(dir, slash + 1);
	const char *o = text ? strstr(text, "overflowed ") : NULL;
	if (o)
		*overflows = (unsigned)strtoul(o + strlen("overflowed "), NULL, 10);
	if (text && *text)
		printf("  watch stderr: %s", text);
	free(text);
	free(dir);
	close(w->out);
	free(w->err_path);
	return ru.ru_maxrss;
}

static void phase_watch(struct harness *h, struct flood *fl, const char *cli, const char *state_dir)
{
	struct watch_child *w = calloc(1, sizeof(*w));
	watch_spawn(w, h, cli, 2);
	watch_wait_ready(w, state_dir);
	sample_rss(w);
	long rss_idle = w->rss_max;
	unsigned long blocked = 0, at_end = 0;
	flood_start(fl, h, flooders_wanted());
	double start = harness_now_ms(), end = start + FLOOD_S * 1000, next_sample = start;
	while (harness_now_ms() < end) {
		watch_read(w, 20, "\"blocked_connection\"", &blocked, NULL, NULL);
		if (harness_now_ms() >= next_sample) {
			sample_rss(w);
			next_sample += 250;
		}
	}
	at_end = blocked;
	unsigned long attempts = flood_stop(fl);
	for (double quiet = harness_now_ms(); harness_now_ms() - quiet < DRAIN_QUIET_MS;)
		if (watch_read(w, 50, "\"blocked_connection\"", &blocked, NULL, NULL) > 0)
			quiet = harness_now_ms();
	sample_rss(w);
	int status;
	double stop_ms;
	unsigned overflows;
	double cpu;
	long peak = watch_end(w, &status, &stop_ms, &overflows, &cpu);
	char a[32], b[32], c[32];
	printf("phase 2, terok-shield watch (%d flooders, JSON lines read here):\n", fl->n);
	printf("  NFLOG: %s events/s over %.1f s through watch, %u overflows reported; "
	       "%s attempts, %ld missing (%.2f%%)\n",
	       grouped((double)at_end / FLOOD_S, a), FLOOD_S, overflows,
	       grouped((double)attempts, b), (long)attempts - (long)blocked,
	       attempts ? 100.0 * (double)((long)attempts - (long)blocked) / (double)attempts : 0.0);
	printf("  watch CPU: %.2f s in all, %.2f us per event shown -> ~%s events/s per core\n", cpu,
	       blocked ? 1e6 * cpu / (double)blocked : 0.0,
	       grouped(cpu > 0 ? (double)blocked / cpu : 0, c));
	printf("  watch peak RSS %.1f MiB (ru_maxrss); VmRSS idle %.1f MiB, during the flood "
	       "%.1f-%.1f MiB; SIGTERM -> exit %d in %.1f ms\n",
	       mib(peak), mib(rss_idle), mib(w->rss_min), mib(w->rss_max), status, stop_ms);
	free(w);
}

/* Phase 3: a dnsmasq log flood of distinct names (queries become blocked_query events). */
static void phase_dnslog(struct harness *h, const char *cli, const char *state_dir)
{
	struct watch_child *w = calloc(1, sizeof(*w));
	watch_spawn(w, h, cli, 3);
	watch_wait_ready(w, state_dir);
	sample_rss(w);
	long rss_idle = w->rss_max;
	char *path = ts_xasprintf("%s/dnsmasq.log", state_dir);
	FILE *log = fopen(path, "a");
	if (!log)
		die("cannot open dnsmasq.log");
	unsigned long queries = 0;
	long rss_half = -1;
	double start = harness_now_ms();
	/* Written in slices, read in between: the watch polls the file every 200 ms. */
	for (int i = 0; i < DNS_LINES; i++) {
		fprintf(log, "Nov 24 10:00:00 dnsmasq[4242]: query[A] h%d.flood.test from 127.0.0.1\n", i);
		fprintf(log, "Nov 24 10:00:00 dnsmasq[4242]: reply h%d.flood.test is 198.51.%d.%d\n", i,
			(i / 250) % 250, 1 + i % 250);
		if (i % 5000 == 4999) {
			fflush(log);
			watch_read(w, 0, "\"blocked_query\"", &queries, NULL, NULL);
			sample_rss(w);
		}
		if (i == DNS_LINES / 2) {
			/* Half way, all read: the cache (4,096 slots) has long been full. */
			fflush(log);
			while (queries < (unsigned long)i + 1 && harness_now_ms() - start < 30000)
				watch_read(w, 50, "\"blocked_query\"", &queries, NULL, NULL);
			rss_half = vm_kib(w->pid, "VmRSS");
		}
	}
	fclose(log);
	double written = harness_now_ms();
	unsigned long queries_written = queries;
	for (double next_sample = 0; queries < DNS_LINES && harness_now_ms() - start < 60000;) {
		watch_read(w, 50, "\"blocked_query\"", &queries, NULL, NULL);
		if (harness_now_ms() >= next_sample) {
			sample_rss(w);
			next_sample = harness_now_ms() + 100;
		}
	}
	double secs = (harness_now_ms() - start) / 1000.0;
	double drain_s = (harness_now_ms() - written) / 1000.0;
	struct stat st;
	double log_mib = stat(path, &st) == 0 ? (double)st.st_size / 1048576.0 : 0;
	int status;
	double stop_ms;
	unsigned overflows;
	long rss_end = vm_kib(w->pid, "VmRSS");
	double cpu;
	long peak = watch_end(w, &status, &stop_ms, &overflows, &cpu);
	char a[32], b[32], c[32];
	printf("phase 3, terok-shield watch fed a dnsmasq log flood:\n");
	printf("  dnsmasq log: %s blocked_query events/s end to end (%s of %d distinct names in "
	       "%.2f s, writing included; %d distinct answers cached along); watch CPU %.2f us per "
	       "log line -> ~%s lines/s per core\n",
	       grouped((double)queries / secs, a), grouped((double)queries, b), DNS_LINES, secs,
	       DNS_LINES, 1e6 * cpu / (2.0 * DNS_LINES), grouped(cpu > 0 ? 2.0 * DNS_LINES / cpu : 0, c));
	printf("  backlog when the writer finished: %s queries (%.1f MiB of log), caught up "
	       "%.2f s later: %s events/s, %.1f MiB/s of log\n",
	       grouped((double)(DNS_LINES - queries_written), a),
	       log_mib * (double)(DNS_LINES - queries_written) / DNS_LINES, drain_s,
	       grouped((double)(DNS_LINES - queries_written) / drain_s, b),
	       log_mib * (double)(DNS_LINES - queries_written) / DNS_LINES / drain_s);
	printf("  watch peak RSS %.1f MiB (ru_maxrss); VmRSS idle %.1f MiB, half way %.1f MiB, at the "
	       "end %.1f MiB; exit %d\n",
	       mib(peak), mib(rss_idle), mib(rss_half), mib(rss_end), status);
	free(path);
	free(w);
}

int main(void)
{
	const char *why;
	if (!harness_supported(&why)) {
		printf("bench-nflog: skipped: %s\n", why);
		return 0;
	}
	if (!getenv("TS_TEST_HOOK"))
		setenv("TS_TEST_HOOK", TS_BENCH_HOOK, 1);
	const char *cli = getenv("TS_TEST_CLI") ? getenv("TS_TEST_CLI") : TS_BENCH_CLI;

	struct harness h;
	if (harness_full(&h) < 0) {
		harness_down(&h);
		printf("bench-nflog: skipped: cannot build the namespaces\n");
		return 0;
	}
	char *config_dir = ts_xasprintf("%s/config", h.scratch);
	if (mkdir(config_dir, 0700) < 0)
		die("cannot create the config dir");
	cli_env = harness_cli_env(config_dir);
	char *state_dir = shielded_bundle(&h);

	struct flood fl = { 0 };
	fl.attempts = mmap(NULL, 8 * sizeof(*fl.attempts), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fl.attempts == MAP_FAILED)
		die("mmap");

	printf("bench-nflog: %ld CPUs; flood of TCP connects to %d refused TEST-NET addresses, "
	       "%.1f s per phase\n",
	       sysconf(_SC_NPROCESSORS_ONLN), 2 * 254 - 2, FLOOD_S);
	phase_library(&h, &fl);
	phase_watch(&h, &fl, cli, state_dir);
	phase_dnslog(&h, cli, state_dir);

	munmap(fl.attempts, 8 * sizeof(*fl.attempts));
	free(state_dir);
	harness_cli_env_free(cli_env);
	harness_down(&h);
	free(config_dir);
	return 0;
}
