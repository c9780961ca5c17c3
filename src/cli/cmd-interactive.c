/* SPDX-License-Identifier: Apache-2.0 */
/* interactive: an operator's allow/deny for each refused connection (docs/interactive.md). */
#include <getopt.h>
#include <stdio.h>

#include "base/scope.h"
#include "base/util.h"
#include "bundle/shield.h"
#include "cli.h"
#include "control/interactive.h"

static const char usage[] =
	"Usage: terok-shield interactive NAME [--raw]\n"
	"\n"
	"Ask about every connection interactive container NAME makes to a\n"
	"destination it may not reach (one question per destination), and apply\n"
	"each answer at once: allow puts the address (and the domain, in the\n"
	"dnsmasq tier) on the allowlist, deny on the denylist, both kept for its\n"
	"next starts. Destinations in private ranges are asked about too, marked\n"
	"(private). Ends at end of input, on SIGINT or SIGTERM, or when the\n"
	"container stops.\n"
	"\n"
	"  --raw       JSON lines instead of prompts: prints {\"type\":\"pending\",...}\n"
	"              (with \"private\":true for a private destination)\n"
	"              and {\"type\":\"verdict_applied\",...}, reads\n"
	"              {\"type\":\"verdict\",\"id\":N,\"action\":\"accept\"|\"deny\"}\n"
	"  -h, --help  print this help\n"
	"\n"
	"Prompts take a or allow, d or deny (any case) for the oldest question.\n";

struct session {
	struct ts_interactive *it;
	uint64_t prompted; /* human mode: id of the question on screen, 0: none */
};

/* Output that nobody reads any more ends the session. */
static void out(const char *text)
{
	if (fputs(text, stdout) < 0 || fflush(stdout) != 0)
		cli_request_stop();
}

static void on_notice(const char *message, void *arg)
{
	(void)arg;
	fprintf(stderr, "terok-shield: %s\n", message);
}

/* "203.0.113.7 (example.com) :443", "10.1.2.3 :8080 (private)", "example.com (DNS lookup)" */
static char *describe(const struct ts_pending *p)
{
	if (!*p->dest)
		return ts_xasprintf("%s (DNS lookup)", p->domain);
	char port[16] = "";
	if (p->port)
		snprintf(port, sizeof(port), " :%u", p->port);
	return ts_xasprintf("%s%s%s%s%s%s", p->dest, *p->domain ? " (" : "", p->domain,
			    *p->domain ? ")" : "", port, p->private_range ? " (private)" : "");
}

/* ---- human mode ---- */

static void prompt_oldest(struct session *se)
{
	const struct ts_pending *p = ts_interactive_oldest(se->it);
	se->prompted = p ? p->id : 0;
	if (!p)
		return;
	_cleanup_free_ char *what = describe(p);
	_cleanup_free_ char *line = ts_xasprintf("[BLOCKED] %s — allow/deny? ", what);
	out(line);
}

static void human_pending(const struct ts_pending *p, void *arg)
{
	(void)p;
	struct session *se = arg;
	if (!se->prompted)
		prompt_oldest(se);
}

static void human_line(const char *line, size_t len, void *arg)
{
	struct session *se = arg;
	_cleanup_free_ char *text = strndup(line, len);
	struct ts_verdict v = { .id = se->prompted };
	if (!se->prompted) {
		if (*ts_strip(text))
			out("Nothing is waiting for an answer.\n");
		return;
	}
	if (ts_verdict_answer_parse(text, &v, NULL) < 0) {
		out("Answer a (allow; a port, a 30m, a port 30m) or d (deny).\n");
		prompt_oldest(se);
		return;
	}
	_cleanup_pending_ struct ts_pending p = { .ips = TS_STRV_INIT };
	struct ts_error err = { 0 };
	_cleanup_strv_ struct ts_strv warnings = TS_STRV_INIT;
	enum ts_verdict_action a = v.action;
	int r = ts_interactive_verdict(se->it, &v, &p, &warnings, &err);
	cli_print_warnings(&warnings);
	_cleanup_free_ char *what = describe(&p);
	if (r == 0) {
		/* A scoped or timed accept says what it reached: "(port 80/tcp, for 30m)". */
		char detail[96] = "";
		struct ts_scope scope;
		if (a == TS_VERDICT_ACCEPT && (v.port_scope || v.seconds > 0) &&
		    ts_interactive_verdict_scope(&v, &p, &scope, NULL) == 0) {
			char text[80];
			ts_scope_describe(&scope, text, sizeof(text));
			snprintf(detail, sizeof(detail), " (%s)", text);
		}
		_cleanup_free_ char *said = ts_xasprintf(
			"%s %s%s\n", a == TS_VERDICT_ACCEPT ? "✓ allowed" : "✗ denied", what, detail);
		out(said);
	} else {
		fprintf(stderr, "terok-shield: could not %s %s: %s\n",
			a == TS_VERDICT_ACCEPT ? "allow" : "deny", what, err.message);
	}
	prompt_oldest(se);
}

/* ---- raw mode (docs/interactive.md) ---- */

static void raw_pending(const struct ts_pending *p, void *arg)
{
	(void)arg;
	_cleanup_free_ char *line = ts_verdict_pending_line(p->id, p->dest, p->port, p->proto,
							     p->domain, p->private_range);
	out(line);
}

static void raw_line(const char *line, size_t len, void *arg)
{
	struct session *se = arg;
	struct ts_verdict v;
	struct ts_error err = { 0 };
	if (ts_verdict_parse(line, len, &v, &err) < 0) {
		fprintf(stderr, "terok-shield: ignored an input line: %s\n", err.message);
		return;
	}
	_cleanup_pending_ struct ts_pending p = { .ips = TS_STRV_INIT };
	_cleanup_strv_ struct ts_strv warnings = TS_STRV_INIT;
	int r = ts_interactive_verdict(se->it, &v, &p, &warnings, &err);
	cli_print_warnings(&warnings);
	if (r == -ENOENT) {
		fprintf(stderr, "terok-shield: ignored a verdict: %s\n", err.message);
		return;
	}
	if (r < 0)
		fprintf(stderr, "terok-shield: verdict %llu failed (still pending): %s\n",
			(unsigned long long)v.id, err.message);
	_cleanup_free_ char *applied = ts_verdict_applied_line(v.id, p.dest, v.action, r == 0);
	out(applied);
}

static const struct ts_interactive_ops human_ops = {
	.pending = human_pending, .line = human_line, .notice = on_notice,
};
static const struct ts_interactive_ops raw_ops = {
	.pending = raw_pending, .line = raw_line, .notice = on_notice,
};

static bool parse_args(int argc, char **argv, bool *raw, int *code)
{
	static const struct option options[] = {
		{ "raw", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		if (opt != 'r')
			return cli_handle_common_opt(opt, argv, "interactive", usage, code);
		*raw = true;
	}
	if (optind + 1 == argc)
		return false;
	*code = cli_usage_error("interactive", "expected one container NAME");
	return true;
}

static int run_session(const struct ts_shield *s, bool raw, int stop_fd, struct ts_error *err)
{
	struct session se = { 0 };
	int r = ts_interactive_open(s, &se.it, err);
	if (r < 0)
		return r;
	if (!raw)
		fprintf(stderr, "Questions about %s's refused connections follow; Ctrl-C ends.\n",
			s->name);
	enum ts_interactive_end end = TS_INTERACTIVE_EOF;
	r = ts_interactive_run(se.it, STDIN_FILENO, stop_fd, raw ? &raw_ops : &human_ops, &se, &end,
			       err);
	ts_interactive_free(se.it);
	if (r < 0)
		return r;
	if (end == TS_INTERACTIVE_GONE)
		fprintf(stderr, "terok-shield: container %s stopped; the session ends\n", s->name);
	if (!raw && se.prompted)
		out("\n");
	return 0;
}

int interactive_main(int argc, char **argv, struct cli *cli)
{
	bool raw = false;
	int code;
	if (parse_args(argc, argv, &raw, &code))
		return code;
	int stop_fd = cli_stop_fd();
	if (stop_fd < 0)
		return cli_error("pipe: %s", strerror(errno));
	struct ts_error err = { 0 };
	_cleanup_shield_ struct ts_shield s = { 0 };
	if (ts_bundle_open(cli->state_root, argv[optind], cli->config.audit_enabled, &s, &err) < 0)
		return cli_fail(&err);
	/* An interrupted session ends quietly, whatever it was doing. */
	if (run_session(&s, raw, stop_fd, &err) < 0 && !cli_stop_requested())
		return cli_fail(&err);
	return 0;
}
