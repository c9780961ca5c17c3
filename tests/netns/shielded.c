/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/util.h"
#include "bundle/bundle.h"
#include "container/procid.h"
#include "dns/dnsmasq.h"
#include "shielded.h"
#include "test-helpers.h"

/* ---- the bundle ---- */

char *shielded_container_dir(struct shielded *f, const char *name)
{
	char *containers = ts_xasprintf("%s/containers", f->h.state_root);
	if (mkdir(containers, 0700) < 0 && errno != EEXIST)
		abort();
	free(containers);
	char *dir = ts_xasprintf("%s/containers/%s", f->h.state_root, name);
	if (mkdir(dir, 0700) < 0)
		abort();
	return dir;
}

void shielded_write_bundle(const char *state_dir, const char *profile_allowed)
{
	write_text(state_dir, "upstream.dns", H_DNS "\n");
	char *tier = read_text(state_dir, "dns.tier");
	if (!tier)
		write_text(state_dir, "dns.tier", "dig\n");
	free(tier);
	write_text(state_dir, "gateway", H_GATEWAY "\n");
	write_text(state_dir, "loopback_ports", "");
	write_text(state_dir, "profiles", "dev-standard\n");
	write_text(state_dir, "profile.allowed", profile_allowed);
	struct ts_error err = { 0 };
	if (ts_bundle_write_ruleset(state_dir, &err) < 0)
		fail_msg("ruleset: %s", err.message);
}

static int run_hook(struct shielded *f, const char *tier)
{
	char *json = harness_oci_state(f->h.container, f->state_dir, "terok.shield.dns_tier", tier);
	char *errors = NULL;
	int rc = harness_run_hook(&f->h, "createRuntime", json, &errors);
	if (rc != 0)
		fprintf(stderr, "# hook exited %d: %s", rc, errors ? errors : "");
	free(errors);
	free(json);
	return rc;
}

int shielded_hook(struct shielded *f)
{
	char *tier = read_text(f->state_dir, "dns.tier");
	int rc = run_hook(f, tier && strncmp(tier, "dnsmasq", 7) == 0 ? "dnsmasq" : "dig");
	free(tier);
	return rc;
}

int shielded_setup(struct shielded *f, unsigned variant)
{
	*f = (struct shielded){ 0 };
	if (harness_full(&f->h) < 0)
		goto fail;
	f->config_dir = ts_xasprintf("%s/config", f->h.scratch);
	if (mkdir(f->config_dir, 0700) < 0)
		goto fail;
	f->env = harness_cli_env(f->config_dir);
	f->state_dir = shielded_container_dir(f, SHIELDED_NAME);
	if (variant & SHIELDED_INTERACTIVE)
		write_text(f->state_dir, "interactive", "nflog\n");
	if (variant & SHIELDED_DNSMASQ) {
		write_text(f->state_dir, "dns.tier", "dnsmasq\n");
		write_text(f->state_dir, "profile.domains", H_DOMAIN_ALLOWED "\n");
	}
	shielded_write_bundle(f->state_dir, H_ALLOWED_IP "\n");
	if (variant & SHIELDED_DNSMASQ) {
		struct ts_error err = { 0 };
		if (ts_bundle_write_dnsmasq_conf(f->state_dir, &err) < 0)
			fail_msg("dnsmasq.conf: %s", err.message);
	}
	if (shielded_hook(f) == 0)
		return 0;
fail:
	shielded_teardown(f);
	return -1;
}

void shielded_teardown(struct shielded *f)
{
	/* A dnsmasq the hook or the CLI started is a daemon: it would keep the namespace alive. */
	if (f->state_dir)
		ts_dnsmasq_stop(f->state_dir, true, NULL);
	while (f->n_kept > 0)
		close(f->kept[--f->n_kept]);
	harness_down(&f->h);
	free(f->state_dir);
	free(f->config_dir);
	harness_cli_env_free(f->env);
	*f = (struct shielded){ 0 };
}

bool shielded_suite_runnable(void)
{
	const char *why;
	if (!harness_supported(&why)) {
		printf("1..0 # SKIP %s\n", why);
		return false;
	}
	if (!getenv("TS_TEST_CLI") || !getenv("TS_TEST_HOOK")) {
		printf("1..0 # SKIP TS_TEST_CLI and TS_TEST_HOOK must name the binaries\n");
		return false;
	}
	return true;
}

char *shielded_gone(struct shielded *f, const char *name, bool interactive)
{
	char *dir = shielded_container_dir(f, name);
	if (interactive)
		write_text(dir, "interactive", "nflog\n");
	shielded_write_bundle(dir, H_ALLOWED_IP "\n");
	pid_t pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	struct ts_proc_identity id;
	assert_int_equal(ts_proc_identity_read(pid, &id, NULL), 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	char *text = ts_proc_identity_format(&id);
	write_text(dir, "container.pid", text);
	free(text);
	return dir;
}

/* ---- snapshots ---- */

static const char *const snapshot_files[SHIELDED_SNAPSHOT_FILES] = {
	"live.allowed", "deny.list", "live.domains", "denied.domains", "dnsmasq.conf",
	"ruleset.nft", "audit.jsonl", "live.scoped",
};

/*
 * Counter values blanked: the container's kernel sends packets of its own
 * (IPv6 router solicitations, MLD reports) that the terminal rule counts
 * at any moment. Everything else of the listing must stay byte-identical.
 */
static void blank_counters(char *listing)
{
	static const char *const words[] = { "packets ", "bytes " };
	for (size_t w = 0; w < ARRAY_SIZE(words); w++)
		for (char *p = listing; (p = strstr(p, words[w]));) {
			p += strlen(words[w]);
			size_t digits = strspn(p, "0123456789");
			if (digits == 0)
				continue;
			*p = '#';
			memmove(p + 1, p + digits, strlen(p + digits) + 1);
		}
}

/* The refused sets' elements left out: the packet path fills them (docs/ruleset.md#counters). */
static void drop_refused_elements(char *listing)
{
	for (char *p = listing; (p = strstr(p, "\tset refused_v"));) {
		char *end = strstr(p, "\n\t}"), *el = strstr(p, "\t\telements = {");
		char *close = el ? strstr(el, "}\n") : NULL;
		if (end && el && close && el < end)
			memmove(el, close + 2, strlen(close + 2) + 1);
		p++;
	}
}

void shielded_snapshot(struct shielded *f, struct shielded_snapshot *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(snapshot_files); i++)
		s->files[i] = read_text(f->state_dir, snapshot_files[i]);
	s->table = harness_list_table(&f->h, f->h.container);
	assert_non_null(s->table);
	blank_counters(s->table);
	drop_refused_elements(s->table);
}

void shielded_snapshot_clear(struct shielded_snapshot *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(snapshot_files); i++)
		free(s->files[i]);
	free(s->table);
}

void shielded_assert_unchanged(const struct shielded_snapshot *a,
			       const struct shielded_snapshot *b, const char *what)
{
	for (size_t i = 0; i < ARRAY_SIZE(snapshot_files); i++)
		if ((a->files[i] == NULL) != (b->files[i] == NULL) ||
		    (a->files[i] && strcmp(a->files[i], b->files[i]) != 0))
			fail_msg("%s changed %s", what, snapshot_files[i]);
	if (strcmp(a->table, b->table) != 0)
		fail_msg("%s changed the live table:\n%s\n----\n%s", what, a->table, b->table);
}

void shielded_assert_unchanged_since(struct shielded *f, struct shielded_snapshot *before,
				     const char *what)
{
	struct shielded_snapshot after;
	shielded_snapshot(f, &after);
	shielded_assert_unchanged(before, &after, what);
	shielded_snapshot_clear(before);
	shielded_snapshot_clear(&after);
}

int shielded_cmocka_setup(void **state, unsigned variant)
{
	struct shielded *f = calloc(1, sizeof(*f));
	*state = f;
	if (shielded_setup(f, variant) == 0)
		return 0;
	free(f);
	*state = NULL;
	return -1;
}

int shielded_cmocka_teardown(void **state)
{
	if (*state)
		shielded_teardown(*state);
	free(*state);
	return 0;
}

int shielded_keep(struct shielded *f, int fd)
{
	if (fd < 0)
		fail_msg("socket: %s", strerror(errno));
	assert_true(f->n_kept < (int)(sizeof(f->kept) / sizeof(f->kept[0])));
	f->kept[f->n_kept++] = fd;
	return fd;
}

unsigned shielded_nflog_portid(struct shielded *f)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/net/netfilter/nfnetlink_log", (int)f->h.container);
	FILE *in = fopen(path, "r");
	if (!in)
		fail_msg("%s: %s", path, strerror(errno));
	/*
	 * Columns: group, port id, queue length, copy mode, copy range, flush
	 * timeout. Binding and configuring are two requests; until the second
	 * (flush timeout 1) is applied the kernel batches for up to a second,
	 * so a packet logged in between arrives late: ready means both.
	 */
	unsigned group, portid, qlen, mode, range, flush, bound = 0;
	char line[256];
	while (!bound && fgets(line, sizeof(line), in))
		if (sscanf(line, "%u %u %u %u %u %u", &group, &portid, &qlen, &mode, &range, &flush) == 6 &&
		    group == 100 && flush == 1)
			bound = portid;
	fclose(in);
	return bound;
}

/* ---- one CLI process ---- */

static void enter_world(struct shielded *f, const char *resolv_conf)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)f->h.world);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0 || unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(resolv_conf, "/etc/resolv.conf", NULL, MS_BIND, NULL) < 0)
		_exit(126);
	close(fd);
}

void cli_run_start(struct shielded *f, struct cli_run *r, bool world, bool with_stdin,
		   const char *const *args)
{
	const char *cli = getenv("TS_TEST_CLI");
	assert_non_null(cli);
	*r = (struct cli_run){ .pid = -1, .in_fd = -1, .out_fd = -1, .err_fd = -1, .status = -1 };
	const char *argv[SHIELDED_MAX_ARGS + 4] = { "terok-shield", "--state-dir", f->h.state_root };
	int n = 3;
	for (int i = 0; args[i]; i++) {
		assert_true(i < SHIELDED_MAX_ARGS);
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	char *resolv = NULL;
	if (world) {
		write_text(f->h.scratch, "resolv.conf", "nameserver " H_DNS "\n");
		resolv = ts_xasprintf("%s/resolv.conf", f->h.scratch);
	}
	int in[2] = { -1, -1 }, out[2], errp[2];
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(errp, O_CLOEXEC), 0);
	if (with_stdin)
		assert_int_equal(pipe2(in, O_CLOEXEC), 0);
	fflush(NULL);
	r->pid = fork();
	if (r->pid == 0) {
		if (resolv)
			enter_world(f, resolv);
		int input = with_stdin ? in[0] : open("/dev/null", O_RDONLY);
		dup2(input, STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(errp[1], STDERR_FILENO);
		execve(cli, (char *const *)argv, f->env);
		_exit(127);
	}
	free(resolv);
	assert_true(r->pid > 0);
	close(out[1]);
	close(errp[1]);
	if (with_stdin)
		close(in[0]);
	r->in_fd = in[1];
	r->out_fd = out[0];
	r->err_fd = errp[0];
}

bool cli_run_reap(struct cli_run *r, double deadline_ms)
{
	for (;;) {
		int status;
		pid_t got = waitpid(r->pid, &status, deadline_ms < 0 ? 0 : WNOHANG);
		if (got == r->pid) {
			r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			r->pid = -1;
			return true;
		}
		if (got < 0 && errno != EINTR)
			return false;
		if (deadline_ms >= 0 && harness_now_ms() >= deadline_ms)
			return false;
		if (got == 0)
			usleep(2000);
	}
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void cli_run_wait(struct cli_run *r)
{
	close_fd(&r->in_fd);
	cli_run_reap(r, -1);
	double deadline = harness_now_ms() + 1000;
	bool closed = harness_drain(r->out_fd, &r->out, deadline);
	closed = harness_drain(r->err_fd, &r->err, deadline) && closed;
	r->held_open = !closed;
	close_fd(&r->out_fd);
	close_fd(&r->err_fd);
	if (r->held_open)
		fprintf(stderr, "# the CLI exited but its stdout/stderr stayed open\n");
}

void cli_run_clear(struct cli_run *r)
{
	close_fd(&r->in_fd);
	close_fd(&r->out_fd);
	close_fd(&r->err_fd);
	free(r->out);
	free(r->err);
	*r = (struct cli_run){ .pid = -1, .in_fd = -1, .out_fd = -1, .err_fd = -1 };
}

static int run_args(struct shielded *f, struct cli_run *r, bool world, va_list ap)
{
	const char *args[SHIELDED_MAX_ARGS + 1];
	int n = 0;
	for (const char *a; (a = va_arg(ap, const char *));) {
		assert_true(n < SHIELDED_MAX_ARGS);
		args[n++] = a;
	}
	args[n] = NULL;
	cli_run_start(f, r, world, false, args);
	cli_run_wait(r);
	/* Whoever runs `out=$(terok-shield …)` would hang: a failure whatever the exit code. */
	return r->held_open ? 125 : r->status;
}

int shielded_cli(struct shielded *f, struct cli_run *r, ...)
{
	va_list ap;
	va_start(ap, r);
	int rc = run_args(f, r, false, ap);
	va_end(ap);
	return rc;
}

int shielded_cli_world(struct shielded *f, struct cli_run *r, ...)
{
	va_list ap;
	va_start(ap, r);
	int rc = run_args(f, r, true, ap);
	va_end(ap);
	return rc;
}

/* ---- a long-running CLI process ---- */

struct cli_stream *cli_stream_start(struct shielded *f, bool with_stdin, const char *const *args)
{
	struct cli_stream *s = calloc(1, sizeof(*s));
	s->lines = (struct ts_strv)TS_STRV_INIT;
	cli_run_start(f, &s->r, false, with_stdin, args);
	fcntl(s->r.out_fd, F_SETFL, O_NONBLOCK);
	return s;
}

char *cli_stream_line(struct cli_stream *s, double deadline_ms)
{
	for (;;) {
		char *nl = memchr(s->buf, '\n', s->len);
		if (nl) {
			char *line = strndup(s->buf, (size_t)(nl - s->buf));
			size_t used = (size_t)(nl - s->buf) + 1;
			memmove(s->buf, s->buf + used, s->len - used);
			s->len -= used;
			ts_strv_push(&s->lines, line);
			return line;
		}
		if (s->eof)
			return NULL;
		if (s->len == sizeof(s->buf))
			fail_msg("the CLI printed a line longer than %zu bytes", sizeof(s->buf));
		ssize_t n = read(s->r.out_fd, s->buf + s->len, sizeof(s->buf) - s->len);
		if (n > 0) {
			s->len += (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			s->eof = true;
			continue;
		}
		int left = (int)(deadline_ms - harness_now_ms());
		struct pollfd p = { .fd = s->r.out_fd, .events = POLLIN };
		if (left <= 0)
			return NULL;
		poll(&p, 1, left);
	}
}

char *cli_stream_stderr(struct cli_stream *s)
{
	char *text = NULL;
	size_t size = 0;
	FILE *mem = open_memstream(&text, &size);
	if (s->r.err_fd >= 0) {
		fcntl(s->r.err_fd, F_SETFL, O_NONBLOCK);
		char buf[4096];
		ssize_t n;
		while ((n = read(s->r.err_fd, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, (size_t)n, mem);
	}
	fclose(mem);
	return text;
}

char *cli_stream_transcript(struct cli_stream *s)
{
	char *lines = ts_strv_join(&s->lines, "\n  ");
	char *err = cli_stream_stderr(s);
	char *text = ts_xasprintf("lines:\n  %s\nstderr: %s", lines ? lines : "", err ? err : "");
	free(lines);
	free(err);
	return text;
}

bool cli_stream_send(struct cli_stream *s, const char *text)
{
	size_t len = strlen(text);
	return s->r.in_fd >= 0 && write(s->r.in_fd, text, len) == (ssize_t)len;
}

void cli_stream_free(struct cli_stream *s)
{
	if (s->r.pid > 0) {
		kill(s->r.pid, SIGKILL);
		cli_run_reap(&s->r, -1);
	}
	cli_run_clear(&s->r);
	ts_strv_clear(&s->lines);
	free(s);
}
