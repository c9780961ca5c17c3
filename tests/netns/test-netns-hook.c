/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root only: the OCI hook against a "container" network namespace wired
 * to a "world" of test servers (harness.h). Every assertion is about what
 * packets do, what the hook leaves in the live table and in the bundle,
 * and its exit code and error log. Each test builds its own namespaces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/process.h"
#include "base/util.h"
#include "bundle/dnsmasq_conf.h"
#include "bundle/state.h"
#include "container/procid.h"
#include "dns/dnsmasq.h"
#include "harness.h"
#include "nft/ruleset.h"
#include "nft/verify.h"
#include "test-helpers.h"

struct fixture {
	struct harness h;
	char *state_dir;
};

/* Refusals must be prompt: the reject rule answers at once, a drop would time out. */
#define PROMPT_MS 1000

/* ruleset.nft as prepare writes it for slirp4netns: rules, allowed IPs, and the gateway unless left out. */
static void write_ruleset_with(const char *state_dir, const struct ts_ruleset_params *p,
			       const char *allowed_ip, const char *gateway_ip)
{
	struct ts_error err = { 0 };
	char *rules = NULL;
	if (ts_ruleset_generate(p, &rules, &err) < 0)
		fail_msg("generate: %s", err.message);
	struct ts_strbuf b = TS_STRBUF_INIT;
	ts_strbuf_puts(&b, rules);
	const char *allow[] = { allowed_ip };
	const char *gateway[] = { gateway_ip };
	if (ts_ruleset_elements(TS_SET_ALLOW, true, allow, 1, &b, &err) < 0 ||
	    (gateway_ip && ts_ruleset_elements(TS_SET_GATEWAY, true, gateway, 1, &b, &err) < 0))
		fail_msg("elements: %s", err.message);
	write_text(state_dir, "ruleset.nft", b.data);
	ts_strbuf_clear(&b);
	free(rules);
}

static void write_ruleset(const char *state_dir, bool dnsmasq_tier, const char *allowed_ip)
{
	struct ts_ruleset_params p = { .mode = TS_RULESET_UP, .dns = H_DNS, .dnsmasq_tier = dnsmasq_tier };
	write_ruleset_with(state_dir, &p, allowed_ip, H_GATEWAY);
}

static void write_dnsmasq_conf(const char *state_dir)
{
	struct ts_error err = { 0 };
	char *pid = ts_path_dnsmasq_pid(state_dir), *log = ts_path_dnsmasq_log(state_dir);
	const char *domains[] = { H_DOMAIN_ALLOWED };
	char *conf = NULL;
	if (ts_dnsmasq_config(H_DNS, pid, log, domains, 1, &conf, &err) < 0)
		fail_msg("dnsmasq config: %s", err.message);
	write_text(state_dir, "dnsmasq.conf", conf);
	free(conf);
	free(pid);
	free(log);
}

static int hook(struct fixture *f, const char *stage, const char *key, const char *value)
{
	char *json = harness_oci_state(f->h.container, f->state_dir, key, value);
	char *errors = NULL;
	int rc = harness_run_hook(&f->h, stage, json, &errors);
	if (rc != 0 && errors)
		fprintf(stderr, "# hook %s exited %d: %s", stage, rc, errors);
	free(errors);
	free(json);
	return rc;
}

static int teardown(void **state);

/* cmocka skips the teardown of a failed setup: clean up here instead. */
static int setup_failed(void **state)
{
	teardown(state);
	return -1;
}

static int setup_world(void **state, bool dnsmasq_tier)
{
	struct fixture *f = calloc(1, sizeof(*f));
	*state = f;
	if (harness_full(&f->h) < 0)
		return setup_failed(state);
	f->state_dir = harness_state_dir(&f->h, "ctest");
	write_ruleset(f->state_dir, dnsmasq_tier, H_ALLOWED_IP);
	if (dnsmasq_tier)
		write_dnsmasq_conf(f->state_dir);
	return hook(f, "createRuntime", NULL, NULL) == 0 ? 0 : setup_failed(state);
}

static int setup_static(void **state)
{
	return setup_world(state, false);
}

static int setup_dnsmasq(void **state)
{
	return setup_world(state, true);
}

static int setup_bare(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	*state = f;
	if (harness_bare(&f->h) < 0)
		return setup_failed(state);
	f->state_dir = harness_state_dir(&f->h, "ctest");
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	/* Our dnsmasq is a daemon, not a child: it would keep the namespace alive. */
	if (f->state_dir)
		ts_dnsmasq_stop(f->state_dir, true, NULL);
	harness_down(&f->h);
	free(f->state_dir);
	free(f);
	return 0;
}

static char *bundle_file(struct fixture *f, const char *name)
{
	return read_text(f->state_dir, name);
}

static void assert_refused(struct fixture *f, const char *addr, uint16_t port)
{
	double ms = 0;
	int r = harness_connect(&f->h, addr, port, 3000, &ms);
	if (r != EHOSTUNREACH)
		fail_msg("connect %s:%u: expected EHOSTUNREACH (admin-prohibited), got %s", addr, port,
			 r ? strerror(r) : "a connection");
	if (ms >= PROMPT_MS)
		fail_msg("refusal of %s took %.0f ms", addr, ms);
}

static void assert_reachable(struct fixture *f, const char *addr, uint16_t port)
{
	int r = harness_connect(&f->h, addr, port, 3000, NULL);
	if (r != 0)
		fail_msg("connect %s:%u: %s", addr, port, strerror(r));
}

static enum ts_shield_state live_state(struct fixture *f)
{
	char *listing = harness_list_json(&f->h, f->h.container);
	enum ts_shield_state s = ts_shield_state_classify(listing);
	free(listing);
	return s;
}

static void assert_verified_up(struct fixture *f)
{
	char *json = harness_list_json(&f->h, f->h.container);
	struct ts_error err = { 0 };
	if (ts_verify_up(json, &err) != 0)
		fail_msg("%s", err.message);
	free(json);
}

static void assert_log_has(const char *dir, const char *needle)
{
	char *log = read_text(dir, "hook-error.log");
	if (!log || !strstr(log, needle))
		fail_msg("%s/hook-error.log lacks '%s': %s", dir, needle, log ? log : "(missing)");
	free(log);
}

static void assert_no_table(struct fixture *f)
{
	char *listing = harness_list_table(&f->h, f->h.container);
	if (listing)
		fail_msg("a table was left behind:\n%s", listing);
}

/* ---- the shield at work (static tier) ---- */

static void test_records_container(void **state)
{
	struct fixture *f = *state;
	char *id = bundle_file(f, "container.id");
	assert_non_null(id);
	assert_string_equal(id, "0123456789ab\n");

	char *pid_text = bundle_file(f, "container.pid");
	assert_non_null(pid_text);
	struct ts_proc_identity recorded, live;
	assert_int_equal(ts_proc_identity_parse(pid_text, &recorded, NULL), 0);
	assert_int_equal(ts_proc_identity_read(f->h.container, &live, NULL), 0);
	assert_int_equal(recorded.pid, live.pid);
	assert_true(recorded.start_time == live.start_time);
	assert_true(recorded.netns_ino == live.netns_ino);

	char *gateway = bundle_file(f, "gateway");
	assert_non_null(gateway);
	assert_string_equal(gateway, H_GATEWAY "\n");

	char *audit = bundle_file(f, "audit.jsonl");
	assert_non_null(audit);
	assert_non_null(strstr(audit, "\"action\":\"setup\""));
	assert_int_equal(live_state(f), TS_STATE_UP);
	free(id);
	free(pid_text);
	free(gateway);
	free(audit);
}

static void test_loopback_works(void **state)
{
	struct fixture *f = *state;
	int fd = harness_socket(&f->h, f->h.container, AF_INET, SOCK_STREAM);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(8080) };
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_reachable(f, "127.0.0.1", 8080);
	close(fd);
}

static void test_allowed_ip_reachable(void **state)
{
	assert_reachable(*state, H_ALLOWED_IP, H_TCP_PORT);
}

static void test_other_ip_refused(void **state)
{
	assert_refused(*state, H_OTHER_IP, H_TCP_PORT);
}

static void test_private_range_refused(void **state)
{
	assert_refused(*state, H_PRIVATE_IP, H_TCP_PORT);
}

static void test_dns_only_to_upstream(void **state)
{
	struct fixture *f = *state;
	char ips[4][16];
	assert_int_equal(harness_dns_query(&f->h, H_DNS, H_DOMAIN_ALLOWED, ips, 4), 1);
	assert_string_equal(ips[0], H_DOMAIN_ALLOWED_IP);
	/* Another server answers this query when unshielded (see the harness's readiness check). */
	/* The reject drops the datagram on its way out: send fails at once. */
	assert_int_equal(harness_dns_query(&f->h, H_ROGUE_DNS, H_DOMAIN_ALLOWED, ips, 4), -EPERM);
	assert_refused(f, H_ROGUE_DNS, 53);
}

static void test_rerun_keeps_one_copy(void **state)
{
	struct fixture *f = *state;
	char *first = harness_list_table(&f->h, f->h.container);
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 0);
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 0);
	char *again = harness_list_table(&f->h, f->h.container);
	assert_non_null(first);
	assert_non_null(again);
	assert_string_equal(first, again);
	/* One table, one loopback rule, one allowed element. */
	const char *p = again;
	int n = 0;
	while ((p = strstr(p, "oifname \"lo\" accept")))
		n++, p++;
	assert_int_equal(n, 1);
	free(first);
	free(again);
}

static void test_rerun_replaces_tampered_table(void **state)
{
	struct fixture *f = *state;
	char *original = harness_list_table(&f->h, f->h.container);
	assert_int_equal(harness_nft(&f->h, f->h.container,
				     "insert rule inet terok_shield output ip daddr " H_OTHER_IP " accept"),
			 0);
	assert_reachable(f, H_OTHER_IP, H_TCP_PORT);
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 0);
	char *now = harness_list_table(&f->h, f->h.container);
	assert_string_equal(original, now);
	assert_refused(f, H_OTHER_IP, H_TCP_PORT);
	free(original);
	free(now);
}

static void test_gateway_discovered(void **state)
{
	struct fixture *f = *state;
	/* The bundle names no gateway: the hook finds it in the namespace's routing table. */
	struct ts_ruleset_params p = { .mode = TS_RULESET_UP, .dns = H_DNS };
	write_ruleset_with(f->state_dir, &p, H_ALLOWED_IP, NULL);
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 0);
	char *listing = harness_list_table(&f->h, f->h.container);
	const char *set = strstr(listing, "set gateway_v4");
	assert_non_null(set);
	const char *element = strstr(set, H_GATEWAY);
	const char *next_set = strstr(set + 1, "set ");
	assert_true(element && (!next_set || element < next_set));
	free(listing);
}

static void test_loopback_port_only(void **state)
{
	struct fixture *f = *state;
	const uint16_t ports[] = { H_LOOPBACK_PORT };
	struct ts_ruleset_params p = { .mode = TS_RULESET_UP, .dns = H_DNS, .loopback_ports = ports,
				       .n_loopback_ports = 1 };
	write_ruleset_with(f->state_dir, &p, H_ALLOWED_IP, H_GATEWAY);
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 0);
	assert_reachable(f, H_GATEWAY, H_LOOPBACK_PORT);
	assert_refused(f, H_GATEWAY, H_OTHER_LOOPBACK_PORT);
}

/* The private-range rules refuse on their own, without the terminal rule behind them. */
static void test_private_rule_alone(void **state)
{
	struct fixture *f = *state;
	struct ts_ruleset_params p = { .mode = TS_RULESET_UP, .dns = H_DNS };
	char *rules = NULL;
	assert_int_equal(ts_ruleset_generate(&p, &rules, NULL), 0);
	char *terminal = strstr(rules, "\t\treject with icmpx admin-prohibited\n\t}");
	assert_non_null(terminal);
	memmove(terminal, terminal + strlen("\t\treject with icmpx admin-prohibited\n"),
		strlen(terminal + strlen("\t\treject with icmpx admin-prohibited\n")) + 1);
	assert_int_equal(harness_nft(&f->h, f->h.container, rules), 0);
	assert_refused(f, H_PRIVATE_IP, H_TCP_PORT);
	/* Without the terminal reject a public address is only dropped by the policy. */
	int r = harness_connect(&f->h, H_OTHER_IP, H_TCP_PORT, 300, NULL);
	assert_true(r != 0 && r != EHOSTUNREACH);
	free(rules);
}

static void test_refuses_own_namespace(void **state)
{
	struct fixture *f = *state;
	/* The hook runs in the container's namespace and is told to shield it: host networking. */
	char *json = harness_oci_state(f->h.container, f->state_dir, NULL, NULL);
	char *before = harness_list_table(&f->h, f->h.container);
	assert_int_equal(harness_run_hook_in(&f->h, f->h.container, "createRuntime", json, NULL), 1);
	assert_log_has(f->state_dir, "own network namespace");
	char *after = harness_list_table(&f->h, f->h.container);
	assert_string_equal(before, after);
	free(before);
	free(after);
	free(json);
}

/* ---- dnsmasq tier ---- */

static void test_dnsmasq_started_in_container(void **state)
{
	struct fixture *f = *state;
	pid_t pid;
	assert_int_equal(ts_dnsmasq_pid(f->state_dir, &pid, NULL), 0);
	struct ts_proc_identity dns, container;
	assert_int_equal(ts_proc_identity_read(pid, &dns, NULL), 0);
	assert_int_equal(ts_proc_identity_read(f->h.container, &container, NULL), 0);
	assert_true(dns.netns_ino == container.netns_ino);
}

static void test_allowed_domain_learned(void **state)
{
	struct fixture *f = *state;
	assert_refused(f, H_DOMAIN_ALLOWED_IP, H_TCP_PORT);
	char ips[4][16];
	assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", H_DOMAIN_ALLOWED, ips, 4), 1);
	assert_string_equal(ips[0], H_DOMAIN_ALLOWED_IP);
	char *listing = harness_list_table(&f->h, f->h.container);
	const char *dns_set = strstr(listing, "set dns_v4");
	assert_non_null(dns_set);
	/* In dns_v4 itself (refused_v4 holds it too, from the refusal above). */
	const char *element = strstr(dns_set, H_DOMAIN_ALLOWED_IP);
	assert_true(element && element < strstr(dns_set, "\n\t}"));
	free(listing);
	assert_reachable(f, H_DOMAIN_ALLOWED_IP, H_TCP_PORT);
}

static void test_other_domain_stays_refused(void **state)
{
	struct fixture *f = *state;
	char ips[4][16];
	/* dnsmasq forwards the query and answers, but learns nothing from it. */
	assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", H_DOMAIN_OTHER, ips, 4), 1);
	assert_string_equal(ips[0], H_DOMAIN_OTHER_IP);
	char *listing = harness_list_table(&f->h, f->h.container);
	assert_null(strstr(listing, H_DOMAIN_OTHER_IP));
	free(listing);
	assert_refused(f, H_DOMAIN_OTHER_IP, H_TCP_PORT);
}

static void test_rerun_replaces_dnsmasq(void **state)
{
	struct fixture *f = *state;
	pid_t before, after;
	assert_int_equal(ts_dnsmasq_pid(f->state_dir, &before, NULL), 0);
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 0);
	assert_int_equal(ts_dnsmasq_pid(f->state_dir, &after, NULL), 0);
	assert_int_not_equal(before, after);
	assert_true(harness_wait_gone(before));
	char ips[4][16];
	assert_int_equal(harness_dns_query(&f->h, "127.0.0.1", H_DOMAIN_ALLOWED, ips, 4), 1);
}

static void test_dnsmasq_without_pid_file(void **state)
{
	struct fixture *f = *state;
	/* dnsmasq starts but writes its PID elsewhere: fail, and leave no dnsmasq behind. */
	char *conf = read_text(f->state_dir, "dnsmasq.conf");
	char *elsewhere = ts_xasprintf("pid-file=%s/elsewhere.pid", f->h.scratch);
	char *p = strstr(conf, "pid-file=");
	assert_non_null(p);
	char *edited = ts_xasprintf("%.*s%s%s", (int)(p - conf), conf, elsewhere, p + strcspn(p, "\n"));
	write_text(f->state_dir, "dnsmasq.conf", edited);
	pid_t old;
	assert_int_equal(ts_dnsmasq_pid(f->state_dir, &old, NULL), 0);
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 1);
	assert_log_has(f->state_dir, "never named it");
	assert_true(harness_wait_gone(old));
	char *stray_pid = read_text(f->h.scratch, "elsewhere.pid");
	assert_non_null(stray_pid);
	assert_true(harness_wait_gone((pid_t)atoi(stray_pid)));
	free(stray_pid);
	free(conf);
	free(elsewhere);
	free(edited);
}

/* poststop does not run on every way a container ends: dnsmasq follows the container anyway. */
static void test_dnsmasq_follows_container(void **state)
{
	struct fixture *f = *state;
	pid_t pid;
	assert_int_equal(ts_dnsmasq_pid(f->state_dir, &pid, NULL), 0);
	kill(f->h.container, SIGKILL);
	waitpid(f->h.container, NULL, 0);
	f->h.container = -1;
	assert_true(harness_wait_gone(pid));
}

static void test_poststop_stops_dnsmasq(void **state)
{
	struct fixture *f = *state;
	pid_t pid;
	assert_int_equal(ts_dnsmasq_pid(f->state_dir, &pid, NULL), 0);
	assert_int_equal(hook(f, "poststop", NULL, NULL), 0);
	assert_true(harness_wait_gone(pid));
	char *pid_file = bundle_file(f, "dnsmasq.pid");
	assert_null(pid_file);
	char *audit = bundle_file(f, "audit.jsonl");
	assert_non_null(strstr(audit, "\"action\":\"teardown\""));
	free(audit);
}

static void test_poststop_spares_other_process(void **state)
{
	struct fixture *f = *state;
	pid_t ours;
	assert_int_equal(ts_dnsmasq_pid(f->state_dir, &ours, NULL), 0);
	/* The PID file now names a live process that is not our dnsmasq. */
	pid_t bystander = harness_bystander(&f->h);
	char text[32];
	snprintf(text, sizeof(text), "%d\n", (int)bystander);
	write_text(f->state_dir, "dnsmasq.pid", text);
	assert_int_equal(hook(f, "poststop", NULL, NULL), 0);
	usleep(50000);
	assert_int_equal(kill(bystander, 0), 0);
	assert_int_equal(waitpid(bystander, NULL, WNOHANG), 0);
	char *pid_file = bundle_file(f, "dnsmasq.pid");
	assert_null(pid_file);
	/* A dnsmasq, but with another configuration: the world's DNS server. */
	snprintf(text, sizeof(text), "%d\n", (int)f->h.world_dns);
	write_text(f->state_dir, "dnsmasq.pid", text);
	assert_int_equal(hook(f, "poststop", NULL, NULL), 0);
	usleep(50000);
	assert_int_equal(waitpid(f->h.world_dns, NULL, WNOHANG), 0);
	char ips[4][16];
	assert_int_equal(harness_dns_query(&f->h, H_DNS, H_DOMAIN_ALLOWED, ips, 4), 1);
	/* Teardown still finds nothing to stop through the PID file: stop ours directly. */
	kill(ours, SIGTERM);
	assert_true(harness_wait_gone(ours));
}

/* ---- fail closed (docs/security.md): non-zero exit, a logged reason, no half-applied rules ---- */

static void test_fail_malformed_json(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(harness_run_hook(&f->h, "createRuntime", "{\"id\": \"abc\", ", NULL), 1);
	assert_log_has(f->h.state_root, "OCI state");
	assert_no_table(f);
}

static void test_fail_state_dir_missing(void **state)
{
	struct fixture *f = *state;
	write_ruleset(f->state_dir, false, H_ALLOWED_IP);
	assert_int_equal(hook(f, "createRuntime", "terok.shield.state_dir", NULL), 1);
	assert_log_has(f->h.state_root, "state_dir");
	assert_no_table(f);
}

static void test_fail_state_dir_relative(void **state)
{
	struct fixture *f = *state;
	write_ruleset(f->state_dir, false, H_ALLOWED_IP);
	assert_int_equal(hook(f, "createRuntime", "terok.shield.state_dir", "state/ctest"), 1);
	assert_log_has(f->h.state_root, "absolute");
	assert_no_table(f);
}

static void test_fail_version_mismatch(void **state)
{
	struct fixture *f = *state;
	write_ruleset(f->state_dir, false, H_ALLOWED_IP);
	assert_int_equal(hook(f, "createRuntime", "terok.shield.version", "3"), 1);
	assert_log_has(f->state_dir, "bundle version mismatch");
	assert_no_table(f);
}

static void test_fail_ruleset_missing(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 1);
	assert_log_has(f->state_dir, "ruleset.nft");
	assert_no_table(f);
}

static void test_fail_ruleset_symlink(void **state)
{
	struct fixture *f = *state;
	write_ruleset(f->h.scratch, false, H_ALLOWED_IP);
	char target[4096], link[4096];
	snprintf(target, sizeof(target), "%s/ruleset.nft", f->h.scratch);
	snprintf(link, sizeof(link), "%s/ruleset.nft", f->state_dir);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 1);
	assert_log_has(f->state_dir, "symbolic link");
	assert_no_table(f);
}

static void test_fail_nft_rejects(void **state)
{
	struct fixture *f = *state;
	write_ruleset(f->state_dir, false, H_ALLOWED_IP);
	char *good = read_text(f->state_dir, "ruleset.nft");
	char *bad = ts_xasprintf("%sadd rule inet terok_shield output ip daddr 203.0.113.0/24 bogus\n", good);
	write_text(f->state_dir, "ruleset.nft", bad);
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 1);
	assert_log_has(f->state_dir, "ruleset.nft was not applied");
	assert_no_table(f);
	free(good);
	free(bad);
}

static void test_fail_nft_rejects_keeps_previous(void **state)
{
	struct fixture *f = *state;
	write_ruleset(f->state_dir, false, H_ALLOWED_IP);
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 0);
	char *before = harness_list_table(&f->h, f->h.container);
	/*
	 * A permissive table that parses and evaluates, but whose chains jump in
	 * a loop: the kernel refuses it while committing the batch (ELOOP), after
	 * the old table's deletion was already queued. All or nothing.
	 */
	write_text(f->state_dir, "ruleset.nft",
		   "table inet terok_shield\n"
		   "delete table inet terok_shield\n"
		   "table inet terok_shield {\n"
		   "\tchain output {\n"
		   "\t\ttype filter hook output priority filter; policy accept;\n"
		   "\t\tjump a\n"
		   "\t}\n"
		   "\tchain a {\n\t\tjump b\n\t}\n"
		   "\tchain b {\n\t\tjump a\n\t}\n"
		   "}\n");
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 1);
	assert_log_has(f->state_dir, "Too many links");
	char *after = harness_list_table(&f->h, f->h.container);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

static void test_fail_verification(void **state)
{
	struct fixture *f = *state;
	write_ruleset(f->state_dir, false, H_ALLOWED_IP);
	char *text = read_text(f->state_dir, "ruleset.nft");
	char *output_chain = strstr(text, "hook output priority filter; policy drop;");
	assert_non_null(output_chain);
	char *drop = strstr(output_chain, "policy drop");
	char *fixed = ts_xasprintf("%.*spolicy accept%s", (int)(drop - text), text,
				   drop + strlen("policy drop"));
	write_text(f->state_dir, "ruleset.nft", fixed);
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 1);
	assert_log_has(f->state_dir, "failed verification");
	/* Left locked down (every invariant holds, nothing allowed) while the runtime tears down. */
	char *listing = harness_list_table(&f->h, f->h.container);
	assert_non_null(listing);
	assert_verified_up(f);
	assert_null(strstr(listing, H_ALLOWED_IP));
	free(listing);
	free(text);
	free(fixed);
}

static void test_fail_state_dir_open_to_others(void **state)
{
	struct fixture *f = *state;
	write_ruleset(f->state_dir, false, H_ALLOWED_IP);
	assert_int_equal(chmod(f->state_dir, 0755), 0);
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 1);
	assert_log_has(f->state_dir, "lets others in");
	assert_no_table(f);
}

static void test_fail_dnsmasq_tier_without_conf(void **state)
{
	struct fixture *f = *state;
	write_ruleset(f->state_dir, true, H_ALLOWED_IP);
	assert_int_equal(hook(f, "createRuntime", "terok.shield.dns_tier", "dnsmasq"), 1);
	assert_log_has(f->state_dir, "would have no DNS");
}

static void test_fail_foreign_accept(void **state)
{
	struct fixture *f = *state;
	write_ruleset(f->state_dir, false, H_ALLOWED_IP);
	char *text = read_text(f->state_dir, "ruleset.nft");
	char *at = strstr(text, "\t\toifname \"lo\" accept\n");
	assert_non_null(at);
	char *edited = ts_xasprintf("%.*s\t\tmeta l4proto { tcp, udp } accept\n%s", (int)(at - text), text, at);
	write_text(f->state_dir, "ruleset.nft", edited);
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 1);
	assert_log_has(f->state_dir, "never writes");
	assert_log_has(f->state_dir, "locked down");
	char *listing = harness_list_table(&f->h, f->h.container);
	assert_verified_up(f);
	free(listing);
	free(text);
	free(edited);
}

static void test_fail_net_admin_kept(void **state)
{
	struct fixture *f = *state;
	write_ruleset(f->state_dir, false, H_ALLOWED_IP);
	/* What --privileged or --cap-add NET_ADMIN leaves in the OCI config. */
	harness_set_container_caps("\"CAP_CHOWN\", \"CAP_NET_ADMIN\"");
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 1);
	assert_log_has(f->state_dir, "keeps CAP_NET_ADMIN");
	assert_no_table(f);
	harness_set_container_caps("\"CAP_NET_RAW\"");
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 1);
	assert_log_has(f->state_dir, "keeps CAP_NET_RAW");
	assert_no_table(f);
}

static void test_fail_no_pid(void **state)
{
	struct fixture *f = *state;
	write_ruleset(f->state_dir, false, H_ALLOWED_IP);
	char *json = harness_oci_state(0, f->state_dir, NULL, NULL);
	assert_int_equal(harness_run_hook(&f->h, "createRuntime", json, NULL), 1);
	assert_log_has(f->state_dir, "no container pid");
	assert_no_table(f);
	free(json);
}

static void test_fail_pid_exited(void **state)
{
	struct fixture *f = *state;
	write_ruleset(f->state_dir, false, H_ALLOWED_IP);
	pid_t gone = fork();
	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	char *json = harness_oci_state(gone, f->state_dir, NULL, NULL);
	assert_int_equal(harness_run_hook(&f->h, "createRuntime", json, NULL), 1);
	assert_log_has(f->state_dir, "does not exist");
	assert_no_table(f);
	free(json);
}

static void test_fail_dnsmasq_does_not_start(void **state)
{
	struct fixture *f = *state;
	write_ruleset(f->state_dir, true, H_ALLOWED_IP);
	write_text(f->state_dir, "dnsmasq.conf", "port=53\nno-such-option=1\n");
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 1);
	assert_log_has(f->state_dir, "dnsmasq failed to start");
	/* The ruleset went in whole (one transaction): complete, never partial. */
	char *listing = harness_list_table(&f->h, f->h.container);
	assert_non_null(listing);
	assert_verified_up(f);
	free(listing);
}

/* ruleset.nft that cannot be read as a file: a directory, a FIFO, one past the size limit. */
static void test_fail_ruleset_unreadable(void **state)
{
	struct fixture *f = *state;
	char path[4096];
	snprintf(path, sizeof(path), "%s/ruleset.nft", f->state_dir);

	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 1);
	assert_log_has(f->state_dir, "not a regular file");
	assert_no_table(f);
	assert_int_equal(rmdir(path), 0);

	/* Opened without O_NONBLOCK this would hang the runtime forever. */
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 1);
	assert_no_table(f);
	assert_int_equal(unlink(path), 0);

	FILE *big = fopen(path, "w");
	assert_non_null(big);
	assert_int_equal(fseek(big, (long)TS_FILE_MAX_SIZE, SEEK_SET), 0);
	assert_int_equal(fputc('\n', big), '\n');
	assert_int_equal(fclose(big), 0);
	assert_int_equal(hook(f, "createRuntime", NULL, NULL), 1);
	assert_log_has(f->state_dir, "larger than");
	assert_no_table(f);
}

/* dnsmasq.conf that is no regular file: refused, no dnsmasq started, the rules stay whole. */
static void test_fail_dnsmasq_conf_unreadable(void **state)
{
	struct fixture *f = *state;
	write_ruleset(f->state_dir, true, H_ALLOWED_IP);
	char path[4096];
	snprintf(path, sizeof(path), "%s/dnsmasq.conf", f->state_dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(hook(f, "createRuntime", "terok.shield.dns_tier", "dnsmasq"), 1);
	assert_log_has(f->state_dir, "dnsmasq.conf: not a regular file");
	assert_int_equal(rmdir(path), 0);

	/* A valid configuration elsewhere, reached through a symbolic link: not followed. */
	write_dnsmasq_conf(f->h.scratch);
	char target[4096];
	snprintf(target, sizeof(target), "%s/dnsmasq.conf", f->h.scratch);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(hook(f, "createRuntime", "terok.shield.dns_tier", "dnsmasq"), 1);
	assert_log_has(f->state_dir, "dnsmasq.conf: not a regular file");

	char *pid_file = bundle_file(f, "dnsmasq.pid");
	assert_null(pid_file);
	char *listing = harness_list_table(&f->h, f->h.container);
	assert_non_null(listing);
	assert_verified_up(f);
	free(listing);
}

/*
 * Run the hook with a stand-in for the system's dnsmasq: a private mount
 * namespace (in a child, so nothing else sees it) binds script over it.
 */
static int hook_with_dnsmasq(struct fixture *f, const char *script)
{
	char *program = ts_find_system_program("dnsmasq");
	if (!program)
		return -1;
	write_text(f->h.scratch, "fake-dnsmasq", script);
	char *fake = ts_xasprintf("%s/fake-dnsmasq", f->h.scratch);
	chmod(fake, 0755);
	fflush(NULL);
	pid_t child = fork();
	if (child == 0) {
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount(fake, program, NULL, MS_BIND, NULL) < 0)
			_exit(126);
		_exit(hook(f, "createRuntime", NULL, NULL));
	}
	int status = 0;
	waitpid(child, &status, 0);
	free(fake);
	free(program);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * A dnsmasq that reports success and names its daemon in the PID file, but
 * the daemon is already gone: the hook must notice, not start a container
 * without DNS. The rules stay whole (verified) for the teardown.
 */
static void test_fail_dnsmasq_exits_at_once(void **state)
{
	struct fixture *f = *state;
	write_ruleset(f->state_dir, true, H_ALLOWED_IP);
	write_dnsmasq_conf(f->state_dir);
	int rc = hook_with_dnsmasq(f, "#!/bin/sh\n"
				      "conf=${1#--conf-file=}\n"
				      "pidfile=$(/bin/sed -n 's/^pid-file=//p' \"$conf\")\n"
				      "/bin/sh -c 'exit 0' &\n"
				      "echo $! >\"$pidfile\"\n"
				      "wait\n"
				      "exit 0\n");
	if (rc == -1)
		TS_SKIP_TEST("no dnsmasq stand-in could be mounted here");
	assert_int_equal(rc, 1);
	assert_log_has(f->state_dir, "never named it");
	char *listing = harness_list_table(&f->h, f->h.container);
	assert_non_null(listing);
	assert_verified_up(f);
	free(listing);
}

/*
 * A process in the container's namespace that outlives the container's
 * init: the namespace can still be inspected after the init has gone.
 */
static pid_t hold_namespace(struct fixture *f)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)f->h.container);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (setns(fd, CLONE_NEWNET) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	close(fd);
	assert_true(pid > 0);
	return pid;
}

/*
 * Run the hook under strace, which holds the matching system call on
 * path (its when-th occurrence) for delay_ms while the test kills the
 * container: the container's init exits between two of the hook's checks.
 */
static int hook_killing_container_at(struct fixture *f, const char *path, int when, int delay_ms)
{
	char *strace = ts_find_system_program("strace");
	if (!strace)
		return -1;
	const char *real = getenv("TS_TEST_HOOK");
	/* LeakSanitizer stops the world with ptrace, which a traced process cannot: off in here. */
	char *wrapper = ts_xasprintf("#!/bin/sh\nASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}"
				     "detect_leaks=0\" exec %s -f -qq -o /dev/null -P %s -e trace=openat "
				     "-e inject=openat:delay_enter=%d000:when=%d %s \"$@\"\n",
				     strace, path, delay_ms, when, real);
	write_text(f->h.scratch, "hook-under-strace", wrapper);
	char *script = ts_xasprintf("%s/hook-under-strace", f->h.scratch);
	chmod(script, 0755);
	char *saved = ts_xstrdup(real);
	setenv("TS_TEST_HOOK", script, 1);

	/*
	 * The hook runs from a child while this process, the container's
	 * parent, kills and reaps it as a runtime's subreaper would at once (a
	 * zombie still shows the same start time and counts as present).
	 */
	char *json = harness_oci_state(f->h.container, f->state_dir, NULL, NULL);
	fflush(NULL);
	pid_t runner = fork();
	if (runner == 0)
		_exit(harness_run_hook(&f->h, "createRuntime", json, NULL));
	usleep((useconds_t)delay_ms * 1000 / 2);
	kill(f->h.container, SIGKILL);
	waitpid(f->h.container, NULL, 0);
	f->h.container = -1;
	int status = 0;
	waitpid(runner, &status, 0);
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : -2;
	setenv("TS_TEST_HOOK", saved, 1);
	free(saved);
	free(json);
	free(script);
	free(wrapper);
	free(strace);
	return rc;
}

static void assert_pid_race_fails(struct fixture *f, const char *file, int when)
{
	write_ruleset(f->state_dir, false, H_ALLOWED_IP);
	pid_t holder = hold_namespace(f);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)f->h.container, file);
	int rc = hook_killing_container_at(f, path, when, 600);
	if (rc == -1) {
		kill(holder, SIGKILL);
		waitpid(holder, NULL, 0);
		TS_SKIP_TEST("strace cannot stop the hook at that call here");
	}
	assert_int_equal(rc, 1);
	assert_log_has(f->state_dir, "does not exist");
	/* The namespace outlived the container's init: nothing of the shield is in it. */
	char *listing = harness_list_table(&f->h, holder);
	if (listing)
		fail_msg("a table was left in the namespace:\n%s", listing);
	char *pid_file = bundle_file(f, "container.pid");
	assert_null(pid_file);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
}

/* The container's init exits after the hook checked it, before it opens its namespace. */
static void test_fail_pid_exits_before_open(void **state)
{
	assert_pid_race_fails(*state, "ns/net", 1);
}

/* ... or after the namespace was opened, before the hook confirmed it is still the same process. */
static void test_fail_pid_exits_after_open(void **state)
{
	assert_pid_race_fails(*state, "stat", 2);
}

static void test_poststop_never_fails(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(harness_run_hook(&f->h, "poststop", "not json", NULL), 0);
	assert_int_equal(hook(f, "poststop", "terok.shield.version", "3"), 0);
	assert_log_has(f->h.state_root, "OCI state");
}

static void test_bad_stage(void **state)
{
	struct fixture *f = *state;
	char *json = harness_oci_state(f->h.container, f->state_dir, NULL, NULL);
	assert_int_equal(harness_run_hook(&f->h, "prestart", json, NULL), 2);
	assert_no_table(f);
	free(json);
}

#define WITH(test, setup) cmocka_unit_test_setup_teardown(test, setup, teardown)

int main(void)
{
	const char *why;
	if (!harness_supported(&why)) {
		printf("1..0 # SKIP %s\n", why);
		return 0;
	}
	const struct CMUnitTest tests[] = {
		WITH(test_records_container, setup_static),
		WITH(test_loopback_works, setup_static),
		WITH(test_allowed_ip_reachable, setup_static),
		WITH(test_other_ip_refused, setup_static),
		WITH(test_private_range_refused, setup_static),
		WITH(test_dns_only_to_upstream, setup_static),
		WITH(test_rerun_keeps_one_copy, setup_static),
		WITH(test_rerun_replaces_tampered_table, setup_static),
		WITH(test_gateway_discovered, setup_static),
		WITH(test_loopback_port_only, setup_static),
		WITH(test_private_rule_alone, setup_static),
		WITH(test_refuses_own_namespace, setup_static),
		WITH(test_dnsmasq_started_in_container, setup_dnsmasq),
		WITH(test_allowed_domain_learned, setup_dnsmasq),
		WITH(test_other_domain_stays_refused, setup_dnsmasq),
		WITH(test_rerun_replaces_dnsmasq, setup_dnsmasq),
		WITH(test_dnsmasq_without_pid_file, setup_dnsmasq),
		WITH(test_dnsmasq_follows_container, setup_dnsmasq),
		WITH(test_poststop_stops_dnsmasq, setup_dnsmasq),
		WITH(test_poststop_spares_other_process, setup_dnsmasq),
		WITH(test_fail_malformed_json, setup_bare),
		WITH(test_fail_state_dir_missing, setup_bare),
		WITH(test_fail_state_dir_relative, setup_bare),
		WITH(test_fail_version_mismatch, setup_bare),
		WITH(test_fail_ruleset_missing, setup_bare),
		WITH(test_fail_ruleset_symlink, setup_bare),
		WITH(test_fail_nft_rejects, setup_bare),
		WITH(test_fail_nft_rejects_keeps_previous, setup_bare),
		WITH(test_fail_verification, setup_bare),
		WITH(test_fail_state_dir_open_to_others, setup_bare),
		WITH(test_fail_dnsmasq_tier_without_conf, setup_bare),
		WITH(test_fail_foreign_accept, setup_bare),
		WITH(test_fail_net_admin_kept, setup_bare),
		WITH(test_fail_no_pid, setup_bare),
		WITH(test_fail_pid_exited, setup_bare),
		WITH(test_fail_dnsmasq_does_not_start, setup_bare),
		WITH(test_fail_ruleset_unreadable, setup_bare),
		WITH(test_fail_dnsmasq_conf_unreadable, setup_bare),
		WITH(test_fail_dnsmasq_exits_at_once, setup_bare),
		WITH(test_fail_pid_exits_before_open, setup_bare),
		WITH(test_fail_pid_exits_after_open, setup_bare),
		WITH(test_poststop_never_fails, setup_bare),
		WITH(test_bad_stage, setup_bare),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
