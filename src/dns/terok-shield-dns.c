/* SPDX-License-Identifier: Apache-2.0 */
/*
 * terok-shield-dns (doc/terok-shield-dns.8.scd): a container's only
 * resolver. It listens on 127.0.0.1:53 inside the container's network
 * namespace and asks the upstream from the namespace it was started in,
 * so the container has no path to any resolver but this one; names that
 * are not allowed are refused (strict) and never leave the machine.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "base/util.h"
#include "dns.h"

static const char usage[] =
	"Usage: terok-shield-dns --pid PID --state-dir DIR [--policy strict|open]\n"
	"                        [--query-log] [--ready-fd N]\n"
	"\n"
	"The per-container DNS forwarder of terok-shield (started by its hook).\n"
	"  --pid PID         the container's init process (as container.pid records it)\n"
	"  --state-dir DIR   the container's state bundle\n"
	"  --policy POLICY   strict (default): refuse names outside the allowed domains;\n"
	"                    open: forward every name, learn addresses of allowed ones\n"
	"  --query-log       log every query to the bundle's dnsmasq.log\n"
	"  --ready-fd N      write \"ready\" to descriptor N once the sockets are bound\n";

static int fail(const char *fmt, const char *arg)
{
	fputs("terok-shield-dns: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n", stderr);
	return 2;
}

/* A decimal in [min, max]; false for anything else. */
static bool parse_number(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max || s[0] == '+' || s[0] == ' ')
		return false;
	*out = v;
	return true;
}

static int parse_args(int argc, char **argv, struct dns_options *o)
{
	enum { OPT_PID = 1, OPT_STATE_DIR, OPT_POLICY, OPT_QUERY_LOG, OPT_READY_FD };
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, OPT_PID },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "policy", required_argument, NULL, OPT_POLICY },
		{ "query-log", no_argument, NULL, OPT_QUERY_LOG },
		{ "ready-fd", required_argument, NULL, OPT_READY_FD },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	*o = (struct dns_options){ .policy = TS_DNS_POLICY_STRICT, .ready_fd = -1 };
	long v;
	int opt;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_PID:
			if (!parse_number(optarg, 2, INT_MAX, &v))
				return fail("--pid: not a process id: '%s'", optarg);
			o->pid = (pid_t)v;
			break;
		case OPT_STATE_DIR:
			if (optarg[0] != '/')
				return fail("--state-dir: not an absolute path: '%s'", optarg);
			o->state_dir = optarg;
			break;
		case OPT_POLICY:
			if (ts_dns_policy_parse(optarg, &o->policy) < 0)
				return fail("--policy: expected strict or open, not '%s'", optarg);
			break;
		case OPT_QUERY_LOG:
			o->query_log = true;
			break;
		case OPT_READY_FD:
			if (!parse_number(optarg, 3, INT_MAX, &v))
				return fail("--ready-fd: not a descriptor above 2: '%s'", optarg);
			o->ready_fd = (int)v;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case ':':
			return fail("%s needs a value", argv[optind - 1]);
		default:
			return fail("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return fail("unexpected argument '%s'", argv[optind]);
	if (!o->pid || !o->state_dir)
		return fail("%s", "--pid and --state-dir are required (see --help)");
	struct stat st;
	if (o->ready_fd >= 0 && fstat(o->ready_fd, &st) < 0) {
		fprintf(stderr, "terok-shield-dns: --ready-fd: descriptor %d is not open\n", o->ready_fd);
		return 2;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct dns_options o;
	int code = parse_args(argc, argv, &o);
	if (code >= 0)
		return code;

	struct ts_error err = { 0 };
	struct dns_endpoints e;
	int r = dns_setup(&o, &e, &err);
	if (r == 0)
		r = dns_drop_privileges(&err);
	if (r == 0)
		r = dns_serve(&o, &e, &err);
	dns_endpoints_close(&e);
	if (r < 0) {
		fprintf(stderr, "terok-shield-dns: %s\n", err.message);
		return 1;
	}
	return 0;
}
