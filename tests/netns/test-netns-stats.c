/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root only: the counters (docs/ruleset.md#counters) through the real CLI
 * on a shielded "container" namespace wired to a "world" (harness.h,
 * shielded.h):
 *
 * - `stats` counts exactly what the test sends to an allowed, a denied and
 *   a refused destination, and TCP traffic past a connection's first packet;
 *   the domain comes from the DNS log;
 * - the refused set stops at its size under a flood of distinct
 *   destinations, and a destination it no longer records is still refused;
 * - `metrics` is valid OpenMetrics (a strict parser below);
 * - a table made before counters reads as "no counters, run up" until `up`;
 * - hostile names and bad usage are refused.
 *
 * Every packet stays between the two namespaces the harness creates; the
 * flood's destinations are refused inside the container's namespace.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "harness.h"
#include "shielded.h"
#include "test-helpers.h"

#define NAME SHIELDED_NAME
#define DENIED_IP "198.51.100.77"
#define UDP_PORT 9999
#define PAYLOAD 100
#define IP_UDP_HEADERS 28 /* what the element counters add to each datagram's payload */
#define REFUSED_SIZE 1024 /* TS_REFUSED_SET_SIZE */
#define FLOOD 1100

static int setup(void **state)
{
	return shielded_cmocka_setup(state, 0);
}

/* The DNS log names the allowed address, as the dnsmasq tier's would. */
static void write_dns_log(struct shielded *f)
{
	static const char line[] = "Dec  6 05:00:00 dnsmasq[1]: reply allowed.test is " H_ALLOWED_IP
				   "\n";
	_cleanup_free_ char *log = ts_xasprintf("%s/dnsmasq.log", f->state_dir);
	assert_int_equal(ts_file_write_atomic(log, line, strlen(line), 0600, NULL), 0);
}

/* Send n datagrams of PAYLOAD bytes from the container to addr. */
static void send_udp(struct shielded *f, const char *addr, int n)
{
	int fd = harness_socket(&f->h, f->h.container, AF_INET, SOCK_DGRAM);
	assert_true(fd >= 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(UDP_PORT) };
	assert_int_equal(inet_pton(AF_INET, addr, &sa.sin_addr), 1);
	char payload[PAYLOAD] = { 0 };
	for (int i = 0; i < n; i++)
		/* A refused datagram may report the previous one's ICMP error: sent anyway. */
		(void)sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
}

/* `stats NAME --json`, which must succeed with one JSON object. */
static json_t *stats_json(struct shielded *f)
{
	/* A full refused set lists past a pipe's capacity: read while it runs. */
	static const char *const args[] = { "stats", NAME, "--json", NULL };
	struct cli_run r;
	cli_run_start(f, &r, false, false, args);
	double deadline = harness_now_ms() + 60000;
	if (!harness_drain(r.out_fd, &r.out, deadline) || !harness_drain(r.err_fd, &r.err, deadline) ||
	    !cli_run_reap(&r, deadline))
		fail_msg("stats did not finish");
	if (r.status != 0)
		fail_msg("stats exited %d: %s", r.status, r.err);
	json_error_t jerr;
	json_t *v = json_loads(r.out, 0, &jerr);
	if (!json_is_object(v))
		fail_msg("stats --json: invalid JSON (%s): '%s'", jerr.text, r.out);
	cli_run_clear(&r);
	return v;
}

/* The destination's entry of a stats object with this verdict, or NULL. */
static json_t *entry(json_t *stats, const char *destination, const char *verdict)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(stats, "destinations"), i, e)
		if (strcmp(json_string_value(json_object_get(e, "destination")), destination) == 0 &&
		    strcmp(json_string_value(json_object_get(e, "verdict")), verdict) == 0)
			return e;
	return NULL;
}

static long long count(json_t *e, const char *key)
{
	return e ? (long long)json_integer_value(json_object_get(e, key)) : 0;
}

static void count_udp(struct shielded *f, const char *addr, const char *verdict, int n)
{
	json_t *before = stats_json(f);
	long long p0 = count(entry(before, addr, verdict), "packets");
	long long b0 = count(entry(before, addr, verdict), "bytes");
	send_udp(f, addr, n);
	json_t *after = stats_json(f);
	json_t *e = entry(after, addr, verdict);
	if (!e)
		fail_msg("no %s entry for %s", verdict, addr);
	assert_int_equal(count(e, "packets") - p0, n);
	assert_int_equal(count(e, "bytes") - b0, (long long)n * (PAYLOAD + IP_UDP_HEADERS));
	json_decref(before);
	json_decref(after);
}

/* Exactly what the test sends is counted, per verdict; TCP past the first packet too. */
static void test_counts(void **state)
{
	struct shielded *f = *state;
	SHIELDED_CLI_OK(f, NULL, "deny", NAME, DENIED_IP);
	write_dns_log(f);

	json_t *st = stats_json(f);
	assert_string_equal(json_string_value(json_object_get(st, "state")), "up");
	assert_true(json_is_true(json_object_get(st, "counters")));
	json_decref(st);

	count_udp(f, H_ALLOWED_IP, "allowed", 5);
	count_udp(f, H_ALLOWED_IP, "allowed", 7); /* and again: counts add up */
	count_udp(f, DENIED_IP, "denied", 3);
	count_udp(f, H_OTHER_IP, "refused", 4);
	count_udp(f, H_PRIVATE_IP, "refused", 2);

	/* TCP: the handshake's last ACK and the FIN are established traffic, counted too. */
	json_t *before = stats_json(f);
	assert_int_equal(harness_connect(&f->h, H_ALLOWED_IP, H_TCP_PORT, 2000, NULL), 0);
	json_t *after = stats_json(f);
	long long grew = count(entry(after, H_ALLOWED_IP, "allowed"), "packets") -
			 count(entry(before, H_ALLOWED_IP, "allowed"), "packets");
	if (grew < 2)
		fail_msg("a TCP connection added %lld packets, expected its SYN and more", grew);

	json_t *allowed = entry(after, H_ALLOWED_IP, "allowed");
	assert_string_equal(json_string_value(json_object_get(allowed, "domain")), "allowed.test");
	assert_string_equal(json_string_value(json_object_get(allowed, "set")), "allow");
	assert_true(json_is_null(json_object_get(entry(after, H_OTHER_IP, "refused"), "domain")));
	/* Sorted by traffic: the allowed address, with the most bytes, first. */
	json_t *first = json_array_get(json_object_get(after, "destinations"), 0);
	assert_string_equal(json_string_value(json_object_get(first, "destination")), H_ALLOWED_IP);
	json_decref(before);
	json_decref(after);

	/* The text form: a header and one line per destination. */
	struct cli_run r;
	assert_int_equal(shielded_cli(f, &r, "stats", NAME, (const char *)NULL), 0);
	assert_non_null(strstr(r.out, "VERDICT"));
	assert_non_null(strstr(r.out, "allowed.test"));
	assert_non_null(strstr(r.out, "refused"));
	cli_run_clear(&r);
}

/* A flood of distinct destinations fills the refused set to its size, no further. */
static void test_refused_bounded(void **state)
{
	struct shielded *f = *state;
	int fd = harness_socket(&f->h, f->h.container, AF_INET, SOCK_DGRAM);
	assert_true(fd >= 0);
	char payload[8] = { 0 };
	for (int i = 0; i < FLOOD; i++) {
		/* 198.18.0.0/15, the benchmarking range: refused before it leaves the namespace. */
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(UDP_PORT),
					  .sin_addr.s_addr = htonl(0xC6120000u + 1 + (uint32_t)i) };
		(void)sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&sa, sizeof(sa));
	}
	close(fd);
	json_t *st = stats_json(f);
	size_t refused = 0, i;
	json_t *e;
	json_array_foreach(json_object_get(st, "destinations"), i, e)
		refused += strcmp(json_string_value(json_object_get(e, "verdict")), "refused") == 0;
	assert_int_equal(refused, REFUSED_SIZE);
	json_decref(st);
	/* A destination the full set cannot record is refused all the same, at once. */
	double ms = 0;
	int r = harness_connect(&f->h, "198.19.200.1", H_TCP_PORT, 2000, &ms);
	if (r != EHOSTUNREACH && r != ECONNREFUSED && r != EACCES)
		fail_msg("a connection past the full refused set ended with %s", strerror(r));
	/* Stats still answers, with the set as full as before. */
	st = stats_json(f);
	assert_true(json_array_size(json_object_get(st, "destinations")) >= REFUSED_SIZE);
	json_decref(st);
}

/* ---- a strict OpenMetrics text parser (the subset the shield writes) ---- */

struct family {
	char name[128];
	char type[16];
	bool help, unit, samples;
};

static bool label_value_ok(const char **p)
{
	for (; **p && **p != '"'; (*p)++)
		if (**p == '\\') {
			(*p)++;
			if (**p != '\\' && **p != '"' && **p != 'n')
				return false;
		} else if (**p == '\n') {
			return false;
		}
	return **p == '"';
}

/* name{label="value",...} value: the labels (sorted keys not required) into *labels. */
static bool parse_sample(const char *line, char *name, size_t name_len, char *labels,
			 size_t labels_len, unsigned long long *value)
{
	size_t n = strspn(line, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:");
	if (n == 0 || n >= name_len || line[n] != '{')
		return false;
	snprintf(name, name_len, "%.*s", (int)n, line);
	const char *p = line + n + 1, *start = p;
	while (*p != '}') {
		size_t k = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		if (k == 0 || p[k] != '=' || p[k + 1] != '"')
			return false;
		p += k + 2;
		if (!label_value_ok(&p))
			return false;
		p++;
		if (*p == ',')
			p++;
		else if (*p != '}')
			return false;
	}
	snprintf(labels, labels_len, "%.*s", (int)(p - start), start);
	char *end;
	if (p[1] != ' ' || !(p[2] >= '0' && p[2] <= '9'))
		return false;
	*value = strtoull(p + 2, &end, 10);
	return *end == '\0';
}

static struct family *find_family(struct family *fam, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(fam[i].name, name) == 0)
			return &fam[i];
	return NULL;
}

/* Fails the test unless text is OpenMetrics; the number of samples. */
static size_t check_openmetrics(char *text)
{
	struct family fam[16];
	size_t n_fam = 0, samples = 0;
	struct family *current = NULL;
	bool eof = false;
	size_t len = strlen(text);
	if (len == 0 || text[len - 1] != '\n')
		fail_msg("metrics must end with a newline");
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		if (eof)
			fail_msg("text after # EOF: '%s'", line);
		char name[128], what[16], rest[256];
		if (strcmp(line, "# EOF") == 0) {
			eof = true;
		} else if (sscanf(line, "# TYPE %127s %15s", name, what) == 2) {
			if (find_family(fam, n_fam, name) || n_fam == 16)
				fail_msg("family %s declared twice", name);
			if (strcmp(what, "counter") != 0 && strcmp(what, "gauge") != 0)
				fail_msg("type %s", what);
			current = &fam[n_fam++];
			*current = (struct family){ 0 };
			snprintf(current->name, sizeof(current->name), "%s", name);
			snprintf(current->type, sizeof(current->type), "%s", what);
		} else if (sscanf(line, "# UNIT %127s %255s", name, rest) == 2) {
			size_t nl = strlen(name), ul = strlen(rest);
			if (!current || strcmp(current->name, name) != 0 || current->samples ||
			    nl <= ul || strcmp(name + nl - ul, rest) != 0 || name[nl - ul - 1] != '_')
				fail_msg("misplaced UNIT or name without its unit suffix: '%s'", line);
			current->unit = true;
		} else if (sscanf(line, "# HELP %127s", name) == 1) {
			if (!current || strcmp(current->name, name) != 0 || current->samples)
				fail_msg("misplaced HELP: '%s'", line);
			current->help = true;
		} else if (line[0] == '#') {
			fail_msg("unknown comment line '%s'", line);
		} else {
			char labels[1024];
			unsigned long long v;
			if (!parse_sample(line, name, sizeof(name), labels, sizeof(labels), &v))
				fail_msg("not a sample line: '%s'", line);
			_cleanup_free_ char *want = current ? ts_xasprintf(
				"%s%s", current->name, strcmp(current->type, "counter") == 0 ? "_total" : "")
							    : NULL;
			if (!want || strcmp(name, want) != 0)
				fail_msg("sample '%s' outside its family", line);
			current->samples = true;
			samples++;
		}
	}
	if (!eof)
		fail_msg("metrics do not end with # EOF");
	return samples;
}

static void test_metrics(void **state)
{
	struct shielded *f = *state;
	send_udp(f, H_ALLOWED_IP, 3);
	send_udp(f, H_OTHER_IP, 2);
	write_dns_log(f);
	struct cli_run r;
	int rc = shielded_cli(f, &r, "metrics", (const char *)NULL);
	if (rc != 0)
		fail_msg("metrics exited %d: %s", rc, r.err);
	assert_non_null(strstr(r.out, "terok_shield_destination_packets_total{container=\"" NAME
				      "\",destination=\"" H_ALLOWED_IP "\",domain=\"allowed.test\","
				      "verdict=\"allowed\"} 3\n"));
	assert_non_null(strstr(r.out, "terok_shield_destination_bytes_total{container=\"" NAME
				      "\",destination=\"" H_OTHER_IP "\",domain=\"\","
				      "verdict=\"refused\"} 256\n"));
	assert_non_null(strstr(r.out, "terok_shield_counters{container=\"" NAME "\"} 1\n"));
	/* Two destinations, two families, and the per-container gauge. */
	assert_int_equal(check_openmetrics(r.out), 5);
	cli_run_clear(&r);
}

/* The parser above refuses what OpenMetrics refuses (it can fail). */
static void test_parser_strict(void **state)
{
	(void)state;
	static const char *const good = "# TYPE a_bytes counter\n# UNIT a_bytes bytes\n# HELP a_bytes x\n"
					"a_bytes_total{l=\"q\\\"\\\\\\n\"} 1\n# EOF\n";
	char *copy = ts_xstrdup(good);
	assert_int_equal(check_openmetrics(copy), 1);
	free(copy);
}

/* A table from before the counters: stats says so, `up` adds them. */
static void test_old_table(void **state)
{
	struct shielded *f = *state;
	struct ts_ruleset_params p = { .mode = TS_RULESET_UP, .dns = H_DNS };
	char *script = NULL;
	struct ts_error err = { 0 };
	assert_int_equal(ts_ruleset_generate(&p, &script, &err), 0);
	/* The first edition's table: no counter flag, no refused sets, no counting rules. */
	_cleanup_strbuf_ struct ts_strbuf old = TS_STRBUF_INIT;
	for (char *line = strtok(script, "\n"); line; line = strtok(NULL, "\n")) {
		if (strstr(line, "refused_v") || strstr(line, "ct state established,related ip"))
			continue;
		char *c = strstr(line, " counter;");
		if (c && strstr(line, "\tset "))
			memmove(c, c + strlen(" counter;"), strlen(c + strlen(" counter;")) + 1);
		ts_strbuf_printf(&old, "%s\n", line);
	}
	free(script);
	assert_int_equal(harness_nft(&f->h, f->h.container, old.data), 0);
	SHIELDED_CLI_OK(f, "up\n", "status", NAME);
	SHIELDED_CLI_OK(f, "no counters in the live table (made before counters existed); run "
			   "'terok-shield up " NAME "' to add them\n", "stats", NAME);
	json_t *st = stats_json(f);
	assert_true(json_is_false(json_object_get(st, "counters")));
	assert_int_equal(json_array_size(json_object_get(st, "destinations")), 0);
	json_decref(st);
	struct cli_run r;
	assert_int_equal(shielded_cli(f, &r, "metrics", (const char *)NULL), 0);
	assert_non_null(strstr(r.out, "terok_shield_counters{container=\"" NAME "\"} 0\n"));
	assert_non_null(strstr(r.err, "no counters"));
	cli_run_clear(&r);

	SHIELDED_CLI_OK(f, NULL, "up", NAME);
	send_udp(f, H_ALLOWED_IP, 2);
	st = stats_json(f);
	assert_true(json_is_true(json_object_get(st, "counters")));
	assert_int_equal(count(entry(st, H_ALLOWED_IP, "allowed"), "packets"), 2);
	json_decref(st);
}

/* Hostile names and bad usage: refused with a message, nothing read. */
static void test_refusals(void **state)
{
	struct shielded *f = *state;
	static const char *const hostile[] = { ("../" NAME), "a/b", "-x", "a b", "a\nb", "", ".x" };
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		struct cli_run r;
		int rc = shielded_cli(f, &r, "stats", hostile[i], (const char *)NULL);
		if (rc == 0 || r.out[0] != '\0' || r.err[0] == '\0')
			fail_msg("stats '%s' exited %d, printed '%s'", hostile[i], rc, r.out);
		cli_run_clear(&r);
	}
	struct cli_run r;
	assert_int_equal(shielded_cli(f, &r, "stats", (const char *)NULL), 2);
	cli_run_clear(&r);
	assert_int_equal(shielded_cli(f, &r, "stats", NAME, "extra", (const char *)NULL), 2);
	cli_run_clear(&r);
	assert_int_equal(shielded_cli(f, &r, "metrics", NAME, (const char *)NULL), 2);
	cli_run_clear(&r);
	assert_int_equal(shielded_cli(f, &r, "stats", "never-prepared", (const char *)NULL), 1);
	cli_run_clear(&r);
	/* A prepared container that does not run has no counters to read. */
	free(shielded_gone(f, "gone", false));
	assert_int_equal(shielded_cli(f, &r, "stats", "gone", (const char *)NULL), 1);
	assert_non_null(strstr(r.err, "not running"));
	cli_run_clear(&r);
}

int main(void)
{
	if (!shielded_suite_runnable())
		return 0;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counts, setup, shielded_cmocka_teardown),
		cmocka_unit_test_setup_teardown(test_refused_bounded, setup, shielded_cmocka_teardown),
		cmocka_unit_test(test_parser_strict),
		cmocka_unit_test_setup_teardown(test_metrics, setup, shielded_cmocka_teardown),
		cmocka_unit_test_setup_teardown(test_old_table, setup, shielded_cmocka_teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, shielded_cmocka_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
