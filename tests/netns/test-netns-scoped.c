/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root only: scoped and timed allows (docs/cli.md, allow) through the real
 * CLI binary against a shielded "container" namespace (shielded.h). The
 * world namespace serves TCP on H_TCP_PORT and H_LOOPBACK_PORT of every
 * address, so one host has two servers: a scoped allow must reach the one
 * and not the other. Assertions are about packets, live.scoped, the live
 * scoped sets and the audit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>

#include "base/strv.h"
#include "base/util.h"
#include "harness.h"
#include "shielded.h"
#include "test-helpers.h"

#define NAME SHIELDED_NAME
#define PORT_ALLOWED H_LOOPBACK_PORT /* served by the world on every address */
#define PORT_OTHER H_TCP_PORT
#define PROMPT_MS 1000

static int setup(void **state)
{
	return shielded_cmocka_setup(state, 0);
}

/* Run the CLI; its exit code, stdout and stderr in r (clear it after). */
#define CLI(f, r, ...) shielded_cli((f), (r), __VA_ARGS__, (const char *)NULL)

#define CLI_OK(f, ...)                                                                          \
	do {                                                                                    \
		struct cli_run r_;                                                              \
		int rc_ = CLI((f), &r_, __VA_ARGS__);                                           \
		if (rc_ != 0)                                                                   \
			fail_msg("terok-shield %s exited %d: %s", #__VA_ARGS__, rc_, r_.err);   \
		cli_run_clear(&r_);                                                             \
	} while (0)

static void assert_refused(struct shielded *f, const char *addr, uint16_t port)
{
	double ms = 0;
	int r = harness_connect(&f->h, addr, port, 3000, &ms);
	if (r != EHOSTUNREACH)
		fail_msg("connect %s:%u: expected EHOSTUNREACH, got %s", addr, port,
			 r ? strerror(r) : "a connection");
	if (ms >= PROMPT_MS)
		fail_msg("refusal of %s:%u took %.0f ms", addr, port, ms);
}

static void assert_reachable(struct shielded *f, const char *addr, uint16_t port)
{
	int r = harness_connect(&f->h, addr, port, 3000, NULL);
	if (r != 0)
		fail_msg("connect %s:%u: %s", addr, port, strerror(r));
}

/* live.scoped's lines. */
static void scoped_lines(struct shielded *f, struct ts_strv *out)
{
	char *text = read_text(f->state_dir, "live.scoped");
	char *save = NULL;
	for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save))
		ts_strv_push(out, l);
	free(text);
}

/* The one live.scoped line starting with prefix; fails unless there is exactly one. */
static char *scoped_line(struct shielded *f, const char *prefix)
{
	struct ts_strv v = TS_STRV_INIT;
	scoped_lines(f, &v);
	char *found = NULL;
	for (size_t i = 0; i < v.n; i++)
		if (strncmp(v.items[i], prefix, strlen(prefix)) == 0) {
			if (found)
				fail_msg("two live.scoped lines start with '%s'", prefix);
			found = ts_xstrdup(v.items[i]);
		}
	char *all = ts_strv_join(&v, " | ");
	if (!found)
		fail_msg("no live.scoped line starts with '%s': [%s]", prefix, all ? all : "");
	free(all);
	ts_strv_clear(&v);
	return found;
}

static size_t scoped_count(struct shielded *f)
{
	struct ts_strv v = TS_STRV_INIT;
	scoped_lines(f, &v);
	size_t n = v.n;
	ts_strv_clear(&v);
	return n;
}

/* The scoped_v4 set's part of the live listing (elements with their timeouts). */
static char *scoped_set(struct shielded *f)
{
	char *listing = harness_list_table(&f->h, f->h.container);
	assert_non_null(listing);
	const char *start = strstr(listing, "set scoped_v4 {");
	if (!start)
		fail_msg("no scoped_v4 set in the table:\n%s", listing);
	const char *end = strstr(start, "\n\t}");
	assert_non_null(end);
	char *set = strndup(start, (size_t)(end - start));
	free(listing);
	return set;
}

static bool audit_has(struct shielded *f, const char *action, const char *detail)
{
	char *text = read_text(f->state_dir, "audit.jsonl");
	char *a = ts_xasprintf("\"action\":\"%s\"", action);
	bool found = false;
	char *save = NULL;
	for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l && !found;
	     l = strtok_r(NULL, "\n", &save))
		found = strstr(l, a) && (!detail || strstr(l, detail));
	free(a);
	free(text);
	return found;
}

/* ---- a port of a host ---- */

static void test_scoped_port(void **state)
{
	struct shielded *f = *state;
	struct cli_run r;
	assert_refused(f, H_OTHER_IP, PORT_ALLOWED);
	assert_int_equal(CLI(f, &r, "allow", NAME, H_OTHER_IP, "--port", "8080", "--proto", "tcp"), 0);
	assert_string_equal(r.out, "Allowed " H_OTHER_IP " -> " H_OTHER_IP " for " NAME
				   " (port 8080/tcp)\n");
	cli_run_clear(&r);
	assert_reachable(f, H_OTHER_IP, PORT_ALLOWED);
	assert_refused(f, H_OTHER_IP, PORT_OTHER);
	free(scoped_line(f, H_OTHER_IP " tcp 8080 -"));
	assert_int_equal(scoped_count(f), 1);
	char *live = read_text(f->state_dir, "live.allowed");
	assert_true(!live || !strstr(live, H_OTHER_IP));
	free(live);
	assert_true(audit_has(f, "allowed", "port 8080/tcp"));
	/* A restart keeps it, and still only that port. */
	assert_int_equal(shielded_hook(f), 0);
	assert_reachable(f, H_OTHER_IP, PORT_ALLOWED);
	assert_refused(f, H_OTHER_IP, PORT_OTHER);
	/* A range without --proto: TCP and UDP, two lines. */
	CLI_OK(f, "allow", NAME, H_DOMAIN_OTHER_IP, "--port", "79-81");
	free(scoped_line(f, H_DOMAIN_OTHER_IP " tcp 79-81 -"));
	free(scoped_line(f, H_DOMAIN_OTHER_IP " udp 79-81 -"));
	assert_reachable(f, H_DOMAIN_OTHER_IP, PORT_OTHER);
	assert_refused(f, H_DOMAIN_OTHER_IP, PORT_ALLOWED);
}

/* ---- for a while ---- */

static void test_timed_allow_ends(void **state)
{
	struct shielded *f = *state;
	CLI_OK(f, "allow", NAME, H_OTHER_IP, "--for", "2s");
	time_t allowed_at = time(NULL);
	/* A timed whole-address allow: every port, both protocols, in the scoped set. */
	free(scoped_line(f, H_OTHER_IP " tcp 0-65535 "));
	free(scoped_line(f, H_OTHER_IP " udp 0-65535 "));
	assert_true(audit_has(f, "allowed", "all ports/tcp+udp, for 2s"));
	assert_reachable(f, H_OTHER_IP, PORT_OTHER);
	assert_reachable(f, H_OTHER_IP, PORT_ALLOWED);
	/* The kernel ends it with no command running. */
	while (time(NULL) < allowed_at + 3)
		usleep(100 * 1000);
	assert_refused(f, H_OTHER_IP, PORT_OTHER);
	/* The next apply drops it from the file and audits it. */
	CLI_OK(f, "up", NAME);
	assert_int_equal(scoped_count(f), 0);
	assert_true(audit_has(f, "expired", "all ports/tcp"));
	assert_refused(f, H_OTHER_IP, PORT_OTHER);
}

/* ---- a restart keeps the time that remains ---- */

static void test_restart_keeps_remaining_time(void **state)
{
	struct shielded *f = *state;
	CLI_OK(f, "allow", NAME, H_OTHER_IP, "--port", "8080", "--proto", "tcp", "--for", "1h");
	char *before = scoped_line(f, H_OTHER_IP " tcp 8080 ");
	long expires = atol(strrchr(before, ' ') + 1);
	long left = expires - (long)time(NULL);
	assert_true(left > 3500 && left <= 3600);
	/* An entry that ended while the container was stopped is dropped by the hook. */
	char *with_old = ts_xasprintf("%s\n" H_DOMAIN_OTHER_IP " tcp 80 %ld\n", before,
				      (long)time(NULL) - 10);
	write_text(f->state_dir, "live.scoped", with_old);
	free(with_old);
	sleep(2);
	assert_int_equal(shielded_hook(f), 0);
	char *after = scoped_line(f, H_OTHER_IP " tcp 8080 ");
	assert_string_equal(before, after);
	assert_int_equal(scoped_count(f), 1);
	assert_true(audit_has(f, "expired", "port 80/tcp"));
	char *set = scoped_set(f);
	/* "timeout 3598s" or so: the time left, not the hour again. */
	const char *t = strstr(set, "timeout ");
	if (!t)
		fail_msg("no timeout in %s", set);
	assert_null(strstr(set, "timeout 1h"));
	assert_null(strstr(set, H_DOMAIN_OTHER_IP));
	free(set);
	assert_reachable(f, H_OTHER_IP, PORT_ALLOWED);
	assert_refused(f, H_DOMAIN_OTHER_IP, PORT_OTHER);
	free(before);
	free(after);
}

/* ---- rules shows the scope and the time left ---- */

static void test_rules_shows_scope(void **state)
{
	struct shielded *f = *state;
	CLI_OK(f, "allow", NAME, H_OTHER_IP, "--port", "8080", "--proto", "tcp", "--for", "1h");
	CLI_OK(f, "allow", NAME, H_DOMAIN_OTHER_IP, "--port", "80", "--proto", "udp");
	struct cli_run r;
	assert_int_equal(CLI(f, &r, "rules", NAME), 0);
	const char *sec = strstr(r.out, "Scoped allows:\n");
	/* An hour, or a second or so less. */
	if (!sec || (!strstr(sec, "  " H_OTHER_IP " port 8080/tcp, 59m") &&
		     !strstr(sec, "  " H_OTHER_IP " port 8080/tcp, 1h left\n")) ||
	    !strstr(sec, "  " H_DOMAIN_OTHER_IP " port 80/udp, for good\n"))
		fail_msg("rules printed:\n%s", sec ? sec : r.out + (strlen(r.out) > 600 ? strlen(r.out) - 600 : 0));
	/* The live table shows the element with its timeout too. */
	/* The element with its counter (docs/ruleset.md#counters), then its timeout. */
	const char *el = strstr(r.out, H_OTHER_IP " . tcp . 8080 counter packets ");
	assert_non_null(el);
	const char *timeout = strstr(el, " timeout ");
	assert_true(timeout && timeout < el + strcspn(el, ",}\n"));
	cli_run_clear(&r);
	assert_int_equal(CLI(f, &r, "rules", NAME, "--json"), 0);
	json_t *j = json_loads(r.out, 0, NULL);
	assert_non_null(j);
	json_t *a = json_object_get(j, "scoped");
	assert_int_equal(json_array_size(a), 2);
	json_t *timed = json_array_get(a, 0), *scoped = json_array_get(a, 1);
	assert_string_equal(json_string_value(json_object_get(timed, "address")), H_OTHER_IP);
	assert_string_equal(json_string_value(json_object_get(timed, "proto")), "tcp");
	assert_string_equal(json_string_value(json_object_get(timed, "ports")), "8080");
	json_int_t left = json_integer_value(json_object_get(timed, "remaining"));
	assert_true(left > 3500 && left <= 3600);
	assert_true(json_is_null(json_object_get(scoped, "expires")));
	assert_true(json_is_null(json_object_get(scoped, "remaining")));
	json_decref(j);
	cli_run_clear(&r);
}

/* ---- deny ends every scoped and timed allow of the address ---- */

static void test_deny_clears_scoped(void **state)
{
	struct shielded *f = *state;
	CLI_OK(f, "allow", NAME, H_OTHER_IP, "--port", "8080");
	CLI_OK(f, "allow", NAME, H_OTHER_IP, "--for", "1h");
	CLI_OK(f, "allow", NAME, H_DOMAIN_OTHER_IP, "--port", "80", "--proto", "tcp");
	assert_int_equal(scoped_count(f), 5);
	assert_reachable(f, H_OTHER_IP, PORT_OTHER);
	CLI_OK(f, "deny", NAME, H_OTHER_IP);
	assert_int_equal(scoped_count(f), 1);
	free(scoped_line(f, H_DOMAIN_OTHER_IP " tcp 80 -"));
	char *set = scoped_set(f);
	assert_null(strstr(set, H_OTHER_IP));
	assert_non_null(strstr(set, H_DOMAIN_OTHER_IP));
	free(set);
	assert_refused(f, H_OTHER_IP, PORT_OTHER);
	assert_refused(f, H_OTHER_IP, PORT_ALLOWED);
	assert_reachable(f, H_DOMAIN_OTHER_IP, PORT_OTHER);
	/* Allowing it again (scoped) lifts the deny. */
	CLI_OK(f, "allow", NAME, H_OTHER_IP, "--port", "8080", "--proto", "tcp");
	assert_reachable(f, H_OTHER_IP, PORT_ALLOWED);
	assert_refused(f, H_OTHER_IP, PORT_OTHER);
}

/*
 * A scoped allow of an address denied over a whole allow (here the
 * profile's) would lift the deny and reopen every port: refused, saying
 * so, nothing changed; allowing it whole still works.
 */
static void test_scoped_does_not_reopen_denied(void **state)
{
	struct shielded *f = *state;
	CLI_OK(f, "deny", NAME, H_ALLOWED_IP);
	assert_refused(f, H_ALLOWED_IP, PORT_OTHER);
	struct shielded_snapshot before;
	shielded_snapshot(f, &before);
	struct cli_run r;
	int rc = CLI(f, &r, "allow", NAME, H_ALLOWED_IP, "--port", "8080", "--for", "1h");
	if (rc != 1 || !strstr(r.err, H_ALLOWED_IP " is denied over the profile's " H_ALLOWED_IP) ||
	    !strstr(r.err, "reopen every port"))
		fail_msg("scoped allow of a denied profile address: exit %d, '%s'", rc, r.err);
	cli_run_clear(&r);
	shielded_assert_unchanged_since(f, &before, "a scoped allow that would reopen a deny");
	assert_refused(f, H_ALLOWED_IP, PORT_OTHER);
	assert_refused(f, H_ALLOWED_IP, PORT_ALLOWED);
	CLI_OK(f, "allow", NAME, H_ALLOWED_IP);
	assert_reachable(f, H_ALLOWED_IP, PORT_OTHER);
}

/* ---- hostile values change nothing ---- */

static void test_hostile_values(void **state)
{
	struct shielded *f = *state;
	static const char *const bad[][2] = {
		{ "--port", "0" },     { "--port", "70000" }, { "--port", "1-2-3" },
		{ "--port", "90-80" }, { "--port", "+80" },   { "--port", "" },
		{ "--proto", "icmp" }, { "--proto", "TCP" },  { "--for", "5x" },
		{ "--for", "0s" },     { "--for", "-5m" },    { "--for", "400d" },
		{ "--for", "30" },     { "--bogus", "1" },
	};
	CLI_OK(f, "allow", NAME, H_OTHER_IP, "--port", "8080");
	struct shielded_snapshot before;
	shielded_snapshot(f, &before);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cli_run r;
		int rc = CLI(f, &r, "allow", NAME, H_DOMAIN_OTHER_IP, bad[i][0], bad[i][1]);
		if (rc != 2 || !strstr(r.err, "terok-shield allow"))
			fail_msg("allow %s '%s': exit %d, '%s'", bad[i][0], bad[i][1], rc, r.err);
		cli_run_clear(&r);
	}
	struct cli_run r;
	assert_int_equal(CLI(f, &r, "allow", NAME, H_DOMAIN_OTHER_IP, "--port"), 2);
	cli_run_clear(&r);
	assert_int_equal(CLI(f, &r, "deny", NAME, H_DOMAIN_OTHER_IP, "--port", "80"), 2);
	cli_run_clear(&r);
	shielded_assert_unchanged_since(f, &before, "hostile scope values");
	assert_refused(f, H_DOMAIN_OTHER_IP, PORT_OTHER);
}

/* A live.scoped line that is not one is refused, naming the file and the line. */
static void test_invalid_file(void **state)
{
	struct shielded *f = *state;
	write_text(f->state_dir, "live.scoped", H_OTHER_IP " tcp 8080 -\n" H_OTHER_IP " tcp 0 -\n");
	struct cli_run r;
	assert_int_not_equal(CLI(f, &r, "allow", NAME, H_DOMAIN_OTHER_IP, "--port", "80"), 0);
	if (!strstr(r.err, "live.scoped, line 2"))
		fail_msg("unexpected message: %s", r.err);
	cli_run_clear(&r);
	assert_int_not_equal(shielded_hook(f), 0);
}

/*
 * Hand-edited live.scoped: an end years away is applied as 365 days; a
 * host inside a network on a shared port fails the hook and `up` saying
 * so, and what had ended is audited though the hook failed.
 */
static void test_hand_edited_limits(void **state)
{
	struct shielded *f = *state;
	write_text(f->state_dir, "live.scoped", H_OTHER_IP " tcp 8080 999999999999\n");
	assert_int_equal(shielded_hook(f), 0);
	assert_reachable(f, H_OTHER_IP, PORT_ALLOWED);
	char *set = scoped_set(f);
	assert_non_null(strstr(set, "timeout 365d"));
	free(set);

	char *text = ts_xasprintf("198.51.100.0/24 tcp 8080 -\n" H_OTHER_IP " tcp 8080 -\n"
				  H_DOMAIN_OTHER_IP " tcp 80 %ld\n", (long)time(NULL) - 10);
	write_text(f->state_dir, "live.scoped", text);
	free(text);
	assert_int_not_equal(shielded_hook(f), 0);
	assert_true(audit_has(f, "expired", "port 80/tcp"));
	assert_int_equal(scoped_count(f), 2);
	struct cli_run r;
	assert_int_equal(CLI(f, &r, "up", NAME), 1);
	if (!strstr(r.err, "scoped entries '198.51.100.0/24 tcp 8080 -' and '" H_OTHER_IP
			   " tcp 8080 -' (profile.scoped, live.scoped) overlap"))
		fail_msg("up with overlapping entries: '%s'", r.err);
	cli_run_clear(&r);
}

/* ---- profile lines with a scope ---- */

/* profiles/scoped.txt of the CLI's config root, and the bundle composing it. */
static void use_profile(struct shielded *f, const char *text)
{
	char *dir = ts_xasprintf("%s/profiles", f->config_dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		fail_msg("mkdir %s: %s", dir, strerror(errno));
	write_text(dir, "scoped.txt", text);
	free(dir);
	write_text(f->state_dir, "profiles", "scoped\n");
}

static void test_profile_scoped(void **state)
{
	struct shielded *f = *state;
	use_profile(f, "# port 8080 of one host, port 80 of a domain's address\n"
		       H_OTHER_IP " 8080/tcp\n"
		       H_DOMAIN_OTHER "\t80/tcp  # resolved now\n");
	struct cli_run r;
	/* In the world, where H_DOMAIN_OTHER resolves (dig tier: resolved by the CLI). */
	if (shielded_cli_world(f, &r, "resolve", NAME, "--force", (const char *)NULL) != 0)
		fail_msg("resolve: %s", r.err);
	cli_run_clear(&r);
	char *lines = read_text(f->state_dir, "profile.scoped");
	assert_non_null(lines);
	assert_string_equal(lines, H_OTHER_IP " tcp 8080 -\n" H_DOMAIN_OTHER_IP " tcp 80 -\n");
	free(lines);
	char *allowed = read_text(f->state_dir, "profile.allowed");
	assert_true(!allowed || (!strstr(allowed, H_OTHER_IP) && !strstr(allowed, H_DOMAIN_OTHER_IP)));
	free(allowed);
	/* The hook installs them into the scoped sets: each its own port only. */
	assert_int_equal(shielded_hook(f), 0);
	assert_reachable(f, H_OTHER_IP, PORT_ALLOWED);
	assert_refused(f, H_OTHER_IP, PORT_OTHER);
	assert_reachable(f, H_DOMAIN_OTHER_IP, PORT_OTHER);
	assert_refused(f, H_DOMAIN_OTHER_IP, PORT_ALLOWED);
	assert_int_equal(scoped_count(f), 0);
	/* A live change refills the scoped sets: the profile's entries stay. */
	CLI_OK(f, "allow", NAME, H_ALLOWED_IP, "--port", "80", "--for", "1h");
	assert_reachable(f, H_OTHER_IP, PORT_ALLOWED);
	assert_reachable(f, H_DOMAIN_OTHER_IP, PORT_OTHER);
	assert_refused(f, H_DOMAIN_OTHER_IP, PORT_ALLOWED);
	CLI_OK(f, "up", NAME);
	assert_reachable(f, H_OTHER_IP, PORT_ALLOWED);
	assert_refused(f, H_OTHER_IP, PORT_OTHER);
	/* rules shows them, with their source. */
	assert_int_equal(CLI(f, &r, "rules", NAME), 0);
	assert_non_null(strstr(r.out, "  " H_OTHER_IP " port 8080/tcp, profile\n"));
	cli_run_clear(&r);
	assert_int_equal(CLI(f, &r, "rules", NAME, "--json"), 0);
	json_t *j = json_loads(r.out, 0, NULL);
	assert_non_null(j);
	json_t *a = json_object_get(j, "scoped");
	assert_int_equal(json_array_size(a), 4); /* two profile lines, then tcp and udp of the allow */
	json_t *first = json_array_get(a, 0), *last = json_array_get(a, 3);
	assert_string_equal(json_string_value(json_object_get(first, "address")), H_OTHER_IP);
	assert_string_equal(json_string_value(json_object_get(first, "source")), "profile");
	assert_true(json_is_null(json_object_get(first, "expires")));
	assert_string_equal(json_string_value(json_object_get(last, "source")), "live");
	json_decref(j);
	cli_run_clear(&r);
	/* A deny of a profile's scoped address persists, like any profile address's. */
	CLI_OK(f, "deny", NAME, H_OTHER_IP);
	assert_refused(f, H_OTHER_IP, PORT_ALLOWED);
	char *deny = read_text(f->state_dir, "deny.list");
	assert_true(deny && strstr(deny, H_OTHER_IP "\n"));
	free(deny);
}

/* Hostile profile lines: refused naming the file and line, nothing changed. */
static void test_profile_hostile_lines(void **state)
{
	struct shielded *f = *state;
	static const char *const bad[] = {
		H_OTHER_IP " 0\n",        H_OTHER_IP " 70000/tcp\n", H_OTHER_IP " 1-2-3\n",
		H_OTHER_IP " 90-80\n",    H_OTHER_IP " 80/icmp\n",   H_OTHER_IP " 80 tcp\n",
		H_OTHER_IP " 80/tcp;\n",  H_OTHER_IP " +80\n",       H_OTHER_IP " 30m\n",
		H_OTHER_IP " 80/TCP\n",   "bad_name! 80\n",           H_OTHER_IP " 80/\n",
	};
	use_profile(f, H_OTHER_IP " 8080/tcp\n");
	CLI_OK(f, "resolve", NAME, "--force");
	char *good = read_text(f->state_dir, "profile.scoped");
	struct shielded_snapshot before;
	shielded_snapshot(f, &before);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		char *text = ts_xasprintf("# fine\n" H_DOMAIN_OTHER_IP " 80\n%s", bad[i]);
		use_profile(f, text);
		free(text);
		struct cli_run r;
		int rc = CLI(f, &r, "resolve", NAME, "--force");
		if (rc != 1 || !strstr(r.err, "/profiles/scoped.txt:3: "))
			fail_msg("profile line '%s': exit %d, '%s'", bad[i], rc, r.err);
		cli_run_clear(&r);
		char *now = read_text(f->state_dir, "profile.scoped");
		assert_string_equal(now, good);
		free(now);
	}
	shielded_assert_unchanged_since(f, &before, "hostile profile lines");
	free(good);
	assert_refused(f, H_DOMAIN_OTHER_IP, PORT_OTHER);
	/* status reports a default profile with a bad line the same way. */
	write_text(f->config_dir, "config.yml", "default_profiles: [scoped]\n");
	struct cli_run r;
	assert_int_not_equal(CLI(f, &r, "status"), 0);
	if (!strstr(r.out, "scoped.txt:3: ") && !strstr(r.err, "scoped.txt:3: "))
		fail_msg("status: out '%s', err '%s'", r.out, r.err);
	cli_run_clear(&r);
}

/*
 * Profile scoped entries the kernel's sets cannot hold together (a host
 * inside a network on a shared port), among themselves or against
 * live.scoped: resolve refuses them, saying which, and changes nothing;
 * the hook still starts.
 */
static void test_profile_overlap_refused(void **state)
{
	struct shielded *f = *state;
	use_profile(f, "198.51.100.0/24 8080/tcp\n");
	CLI_OK(f, "resolve", NAME, "--force");
	struct shielded_snapshot before;
	shielded_snapshot(f, &before);
	use_profile(f, "198.51.100.0/24 8080/tcp\n" H_OTHER_IP " 8000-9000/tcp\n");
	struct cli_run r;
	int rc = CLI(f, &r, "resolve", NAME, "--force");
	if (rc != 1 || !strstr(r.err, "scoped entries '198.51.100.0/24 tcp 8080 -' and '" H_OTHER_IP
			       " tcp 8000-9000 -' overlap"))
		fail_msg("overlapping profile lines: exit %d, '%s'", rc, r.err);
	cli_run_clear(&r);
	shielded_assert_unchanged_since(f, &before, "overlapping profile entries");
	/* Against live.scoped: the profile's network over a live host allow. */
	use_profile(f, H_DOMAIN_OTHER_IP " 80/tcp\n");
	CLI_OK(f, "resolve", NAME, "--force");
	CLI_OK(f, "allow", NAME, H_OTHER_IP, "--port", "8080", "--proto", "tcp");
	shielded_snapshot(f, &before);
	use_profile(f, "198.51.100.0/24 8080/tcp\n");
	rc = CLI(f, &r, "resolve", NAME, "--force");
	if (rc != 1 || !strstr(r.err, "overlaps the scoped allow '" H_OTHER_IP " tcp 8080 -' (live.scoped)"))
		fail_msg("profile line over a live allow: exit %d, '%s'", rc, r.err);
	cli_run_clear(&r);
	shielded_assert_unchanged_since(f, &before, "a profile entry over a live allow");
	assert_int_equal(shielded_hook(f), 0);
	assert_reachable(f, H_OTHER_IP, PORT_ALLOWED);
	assert_reachable(f, H_DOMAIN_OTHER_IP, PORT_OTHER);
}

#define WITH(test) cmocka_unit_test_setup_teardown(test, setup, shielded_cmocka_teardown)

int main(void)
{
	if (!shielded_suite_runnable())
		return 0;
	const struct CMUnitTest tests[] = {
		WITH(test_scoped_port),
		WITH(test_timed_allow_ends),
		WITH(test_restart_keeps_remaining_time),
		WITH(test_rules_shows_scope),
		WITH(test_deny_clears_scoped),
		WITH(test_scoped_does_not_reopen_denied),
		WITH(test_hostile_values),
		WITH(test_invalid_file),
		WITH(test_hand_edited_limits),
		WITH(test_profile_scoped),
		WITH(test_profile_hostile_lines),
		WITH(test_profile_overlap_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
