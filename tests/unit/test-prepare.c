/* SPDX-License-Identifier: Apache-2.0 */
/*
 * prepare and the static resolution shared with `resolve` (docs/cli.md),
 * without root, podman or DNS: the podman facts are filled in
 * by hand, profiles hold only addresses, HOME is a scratch directory with
 * the global hook installed by ts_setup_user.
 *
 * The DNS tier is chosen the way a user chooses it, through config.yml's
 * dns_tier: auto (the default, which is the shield tier), dig (static)
 * or dnsmasq. The dnsmasq tier needs this machine's dnsmasq with nftset;
 * without one its tests are left out of the plan with a "# skipped" line
 * saying why. (The static tier's prepare with real resolution is covered
 * by tests/netns/test-resolve-cmd.sh.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "base/strbuf.h"
#include "base/strv.h"
#include "base/util.h"
#include "bundle/bundle.h"
#include "bundle/state.h"
#include "config/config.h"
#include "config/hooks.h"
#include "config/setup.h"
#include "container/podman.h"
#include "container/procid.h"
#include "control/prepare.h"
#include "control/resolve_bundle.h"
#include "dns/dnsmasq.h"
#include "test-helpers.h"

static char *root;         /* everything the tests make lives here */
static char *home;         /* $HOME: holds the global user hook install */
static char *config_root;  /* user profiles */
static char *global_dir;   /* $HOME/.local/share/containers/oci/hooks.d */
static char *path_real;    /* PATH with the podman stand-in in front */
static unsigned n_state_roots;
static char *podman_dir;     /* the podman stand-in: calls (its log), containers/NAME */

/* config.yml's dns_tier for the next prepare: auto (default), dig, dnsmasq. */
enum tier { TIER_DEFAULT, TIER_STATIC, TIER_DNSMASQ };
static enum ts_dns_tier_choice tier_choice = TS_DNS_TIER_AUTO;

static void assert_contains(const char *haystack, const char *needle)
{
	if (!haystack || !strstr(haystack, needle))
		fail_msg("expected to find '%s' in:\n%s", needle, haystack ? haystack : "(null)");
}

static void assert_not_contains(const char *haystack, const char *needle)
{
	if (haystack && strstr(haystack, needle))
		fail_msg("did not expect '%s' in:\n%s", needle, haystack);
}

static void make_dir(const char *path)
{
	char *cmd = ts_xasprintf("mkdir -p '%s'", path);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void write_script(const char *dir, const char *name, const char *text)
{
	write_text(dir, name, text);
	char *p = ts_xasprintf("%s/%s", dir, name);
	assert_int_equal(chmod(p, 0755), 0);
	free(p);
}

static bool exists(const char *dir, const char *name)
{
	char *p = ts_xasprintf("%s/%s", dir, name);
	struct stat st;
	bool ok = lstat(p, &st) == 0;
	free(p);
	return ok;
}

static void use_tier(enum tier t)
{
	tier_choice = t == TIER_STATIC ? TS_DNS_TIER_DIG
		    : t == TIER_DNSMASQ ? TS_DNS_TIER_DNSMASQ : TS_DNS_TIER_AUTO;
}

/* The dns.tier prepare writes for t: auto is the shield tier. */
static const char *tier_name(enum tier t)
{
	return t == TIER_STATIC ? "dig" : t == TIER_DNSMASQ ? "dnsmasq" : "shield";
}

/* A fresh state root under the scratch directory. */
static char *new_state_root(void)
{
	char *dir = ts_xasprintf("%s/state-%u", root, ++n_state_roots);
	make_dir(dir);
	return dir;
}

/* ---- snapshot of a directory tree: names, types, modes, contents, link targets ---- */

static struct ts_strv snap_lines;
static size_t snap_prefix;

static int snap_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)flag;
	(void)ftw;
	const char *rel = path + snap_prefix;
	char *line;
	if (S_ISLNK(st->st_mode)) {
		char target[4096];
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		target[n < 0 ? 0 : n] = '\0';
		line = ts_xasprintf("%s l -> %s", rel, target);
	} else if (S_ISREG(st->st_mode)) {
		char *dir = ts_xstrdup(path);
		char *slash = strrchr(dir, '/');
		*slash = '\0';
		char *content = read_text(dir, slash + 1);
		/* One line per entry: newlines in the content shown as "\\n". */
		struct ts_strbuf esc = TS_STRBUF_INIT;
		for (const char *c = content ? content : "?"; *c; c++)
			ts_strbuf_puts(&esc, *c == '\n' ? "\\n" : (char[]){ *c, 0 });
		char *escaped = ts_strbuf_take(&esc);
		line = ts_xasprintf("%s f %04o [%s]", rel, st->st_mode & 07777, escaped);
		free(escaped);
		free(content);
		free(dir);
	} else {
		line = ts_xasprintf("%s %c %04o", rel, S_ISDIR(st->st_mode) ? 'd' : '?',
				    st->st_mode & 07777);
	}
	ts_strv_push_take(&snap_lines, line);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *snapshot(const char *dir)
{
	snap_lines = (struct ts_strv)TS_STRV_INIT;
	snap_prefix = strlen(dir);
	nftw(dir, snap_entry, 16, FTW_PHYS);
	if (snap_lines.n)
		qsort(snap_lines.items, snap_lines.n, sizeof(char *), cmp_str);
	char *text = ts_strv_join(&snap_lines, "\n");
	ts_strv_clear(&snap_lines);
	return text;
}

/* Entries only in a ("- ") or only in b ("+ "). */
static char *snapshot_diff(const char *a, const char *b)
{
	struct ts_strv lines[2] = { TS_STRV_INIT, TS_STRV_INIT }, out = TS_STRV_INIT;
	const char *texts[] = { a, b };
	for (int side = 0; side < 2; side++) {
		char *copy = ts_xstrdup(texts[side]);
		char *save = NULL;
		for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
			ts_strv_push(&lines[side], l);
		free(copy);
	}
	for (int side = 0; side < 2; side++)
		for (size_t i = 0; i < lines[side].n; i++)
			if (!ts_strv_contains(&lines[1 - side], lines[side].items[i]))
				ts_strv_push_take(&out, ts_xasprintf("%s %.100s", side ? "+" : "-",
								     lines[side].items[i]));
	char *text = ts_strv_join(&out, "\n");
	ts_strv_clear(&out);
	ts_strv_clear(&lines[0]);
	ts_strv_clear(&lines[1]);
	return text;
}

/* ---- fixtures ---- */

static int fixture_setup(void)
{
	root = scratch_dir();
	if (!root)
		return -1;
	const char *profiles = getenv("TS_TEST_PROFILES_DIR");
	if (!profiles)
		return -1;
	setenv("TEROK_SHIELD_PROFILES_DIR", profiles, 1);
	unsetenv("TEROK_SHIELD_CONFIG_DIR");
	unsetenv("TEROK_SHIELD_STATE_DIR");

	home = ts_xasprintf("%s/home", root);
	char *xdg = ts_xasprintf("%s/xdg-config", root);
	make_dir(home);
	setenv("HOME", home, 1);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	free(xdg);
	global_dir = ts_xasprintf("%s/.local/share/containers/oci/hooks.d", home);

	/* The hook to install: a stand-in that answers --version like the real one. */
	write_script(root, "hook-source",
		     "#!/bin/sh\n[ \"$1\" = --version ] && echo 'terok-shield-hook 0.1.0' && exit 0\nexit 1\n");
	char *hook = ts_xasprintf("%s/hook-source", root);
	setenv("TEROK_SHIELD_HOOK", hook, 1);
	free(hook);
	/* podman would read only this file; the test must never edit a real one. */
	unsetenv("CONTAINERS_CONF");
	int rc;

	config_root = ts_xasprintf("%s/config", root);
	char *pdir = ts_xasprintf("%s/profiles", config_root);
	make_dir(pdir);
	write_text(pdir, "ip1.txt", "192.0.2.1\n198.51.100.0/24\n");
	write_text(pdir, "ip2.txt", "# only addresses\n203.0.113.7\n2001:DB8:0::5\n");
	write_text(pdir, "mixed.txt", "192.0.2.1\nExample.Test\n*.wild.test\n");
	write_text(pdir, "resolveme.txt", "192.0.2.50\n");
	write_text(pdir, "scoped.txt", "192.0.2.9 443/tcp\nExample.Test 8000-8080\nwhole.test\n");
	free(pdir);

	/*
	 * A podman stand-in in front of every PATH: prepare asks podman whether
	 * a container of the name exists (never the machine's podman, which
	 * runs rootful here). It logs its calls; containers/NAME holding
	 * "running" or "stopped" is a container it has; with
	 * FAKE_PODMAN_FAILS set it fails as podman does, message on stderr.
	 */
	podman_dir = scratch_dir();
	if (!podman_dir)
		return -1;
	char *podman_containers = ts_xasprintf("%s/containers", podman_dir);
	make_dir(podman_containers);
	free(podman_containers);
	char *podman_script = ts_xasprintf(
		"#!/bin/sh\n"
		"echo \"$*\" >> '%s/calls'\n"
		"if [ -n \"${FAKE_PODMAN_FAILS:-}\" ]; then\n"
		"  echo 'Error: cannot set up namespace using \"/usr/bin/newuidmap\": exit status 1' >&2\n"
		"  exit 125\n"
		"fi\n"
		"case \"$1 $2\" in\n"
		"'container exists') [ -f '%s/containers/'\"$3\" ] ;;\n"
		"'container inspect') [ \"$(cat '%s/containers/'\"$5\")\" = running ] && echo true || echo false ;;\n"
		"*) echo \"fake podman: $*\" >&2; exit 125 ;;\n"
		"esac\n",
		podman_dir, podman_dir, podman_dir);
	char *bin_podman = ts_xasprintf("%s/bin", podman_dir);
	make_dir(bin_podman);
	write_script(bin_podman, "podman", podman_script);
	free(podman_script);
	const char *path = getenv("PATH");
	path_real = ts_xasprintf("%s:%s", bin_podman, path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	free(bin_podman);
	setenv("PATH", path_real, 1);

	/* The global hook prepare depends on. */
	char *setup_root = ts_xasprintf("%s/setup-state", root);
	struct ts_setup_report rep;
	struct ts_error err = { 0 };
	rc = ts_setup_user(setup_root, &rep, &err);
	free(setup_root);
	if (rc < 0) {
		fprintf(stderr, "ts_setup_user: %s\n", err.message);
		return -1;
	}
	ts_setup_report_clear(&rep);
	return 0;
}

static void fixture_teardown(void)
{
	setenv("PATH", path_real, 1);
	scratch_remove(root);
	scratch_remove(podman_dir);
	free(home);
	free(config_root);
	free(global_dir);
	free(path_real);
}

/* ---- calling prepare ---- */

struct req {
	const char *state_root;
	const char *name;
	const char *const *profiles; /* NULL-terminated, NULL for the config default */
	bool interactive;
	bool config_interactive;
	enum ts_net_mode mode;
	bool privileged;
	const uint16_t *ports;
	size_t n_ports;
	const char *const *default_profiles; /* NULL-terminated; NULL: keep dev-standard */
	bool audit_disabled;
	enum ts_dns_tier_choice dns_tier; /* config dns_tier; default auto */
	bool config_dns_open;             /* config dns_policy: open */
	const char *dns_policy;           /* the request's --dns-policy, or NULL */
};

static int call_prepare(const struct req *q, struct ts_prepared *out, struct ts_error *err)
{
	struct ts_config config;
	ts_config_init(&config);
	if (q->n_ports) {
		config.loopback_ports = ts_xmalloc(q->n_ports * sizeof(uint16_t));
		memcpy(config.loopback_ports, q->ports, q->n_ports * sizeof(uint16_t));
		config.n_loopback_ports = q->n_ports;
	}
	if (q->default_profiles) {
		ts_strv_clear(&config.default_profiles);
		for (const char *const *p = q->default_profiles; *p; p++)
			ts_strv_push(&config.default_profiles, *p);
	}
	config.interactive = q->config_interactive;
	config.audit_enabled = !q->audit_disabled;
	config.dns_tier = q->dns_tier != TS_DNS_TIER_AUTO ? q->dns_tier : tier_choice;
	config.dns_open = q->config_dns_open;
	struct ts_strv profiles = TS_STRV_INIT;
	for (const char *const *p = q->profiles; p && *p; p++)
		ts_strv_push(&profiles, *p);
	char version[] = "4.3.1";
	struct ts_podman_info podman = { .version = version, .rootless = !q->privileged,
					 .mode = q->mode };
	struct ts_prepare_request req = {
		.name = q->name,
		.state_root = q->state_root,
		.config_root = config_root,
		.config = &config,
		.profiles = &profiles,
		.interactive = q->interactive,
		.podman = &podman,
		.privileged = q->privileged,
		.dns_policy = q->dns_policy,
	};
	*err = (struct ts_error){ 0 };
	int r = ts_prepare(&req, out, err);
	ts_strv_clear(&profiles);
	ts_config_clear(&config);
	return r;
}

static void prepare_ok(const struct req *q, struct ts_prepared *out)
{
	struct ts_error err;
	if (call_prepare(q, out, &err) < 0)
		fail_msg("ts_prepare(%s): %s", q->name, err.message);
}

/* What prepare must hand podman (docs/cli.md, prepare and run), built independently. */
static void expected_args(const struct req *q, const char *state_dir, const char *tier,
			  const char *profiles_joined, const char *ports_joined, bool interactive,
			  struct ts_strv *want)
{
	ts_strv_push(want, "--name");
	ts_strv_push(want, q->name);
	if (!q->privileged) {
		ts_strv_push(want, "--network");
		if (q->mode == TS_NET_SLIRP4NETNS) {
			ts_strv_push(want, "slirp4netns:allow_host_loopback=true");
			ts_strv_push(want, "--add-host");
			ts_strv_push(want, "host.containers.internal:10.0.2.2");
		} else {
			ts_strv_push(want, "pasta:--map-host-loopback,169.254.1.2");
			ts_strv_push(want, "--add-host");
			ts_strv_push(want, "host.containers.internal:169.254.1.2");
		}
	}
	if (strcmp(tier, "dig") != 0) { /* a resolver of ours on the container's loopback */
		ts_strv_push(want, "--volume");
		ts_strv_push_take(want, ts_xasprintf("%s/resolv.conf:/etc/resolv.conf:ro,Z", state_dir));
	}
	const char *dns = q->mode == TS_NET_SLIRP4NETNS ? "10.0.2.3" : "169.254.1.1";
	char *ann[] = {
		ts_xasprintf("terok.shield.profiles=%s", profiles_joined),
		ts_xasprintf("terok.shield.name=%s", q->name),
		ts_xasprintf("terok.shield.state_dir=%s", state_dir),
		ts_xasprintf("terok.shield.loopback_ports=%s", ports_joined),
		ts_xasprintf("terok.shield.version=4"),
		ts_xasprintf("terok.shield.audit_enabled=%s", q->audit_disabled ? "false" : "true"),
		ts_xasprintf("terok.shield.upstream_dns=%s", dns),
		ts_xasprintf("terok.shield.dns_tier=%s", tier),
		ts_xasprintf("terok.shield.interactive=%s", interactive ? "true" : "false"),
	};
	for (size_t i = 0; i < ARRAY_SIZE(ann); i++) {
		ts_strv_push(want, "--annotation");
		ts_strv_push_take(want, ann[i]);
	}
	ts_strv_push(want, "--cap-drop");
	ts_strv_push(want, "NET_ADMIN");
	ts_strv_push(want, "--cap-drop");
	ts_strv_push(want, "NET_RAW");
	/* Podman's own hook dirs that exist on this machine, then ours, last. */
	const char *system_dirs[] = { "/usr/share/containers/oci/hooks.d", "/etc/containers/oci/hooks.d" };
	struct stat st;
	for (size_t i = 0; i < ARRAY_SIZE(system_dirs); i++) {
		if (stat(system_dirs[i], &st) == 0) {
			ts_strv_push(want, "--hooks-dir");
			ts_strv_push(want, system_dirs[i]);
		}
	}
	ts_strv_push(want, "--hooks-dir");
	ts_strv_push(want, global_dir);
}

static void assert_args(const struct ts_strv *got, const struct ts_strv *want)
{
	char *g = ts_strv_join(got, " | ");
	char *w = ts_strv_join(want, " | ");
	if (strcmp(g, w) != 0)
		fail_msg("podman args differ:\n got: %s\nwant: %s", g, w);
	free(g);
	free(w);
}

static char *bundle_file(const char *state_dir, const char *name)
{
	return read_text(state_dir, name);
}

static void assert_file(const char *state_dir, const char *name, const char *want)
{
	char *got = bundle_file(state_dir, name);
	if (!got)
		fail_msg("%s/%s is missing", state_dir, name);
	if (strcmp(got, want) != 0)
		fail_msg("%s/%s:\n got: [%s]\nwant: [%s]", state_dir, name, got, want);
	free(got);
}

static void assert_ruleset_matches_bundle(const char *state_dir)
{
	char *script = NULL;
	struct ts_error err = { 0 };
	if (ts_bundle_up_script(state_dir, &script, &err) < 0)
		fail_msg("ts_bundle_up_script: %s", err.message);
	assert_file(state_dir, "ruleset.nft", script);
	free(script);
}

static void assert_private_dir(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		fail_msg("%s: %s", path, strerror(errno));
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
}

/* The two descriptors in hooks/ run <state_dir>/terok-shield-hook. */
static void assert_bundle_hooks(const char *state_dir, const char *state_root)
{
	char *hooks = ts_xasprintf("%s/hooks", state_dir);
	assert_private_dir(hooks);
	char *entry = ts_xasprintf("%s/terok-shield-hook", state_dir);
	const char *stages[] = { "createRuntime", "poststop" };
	for (size_t i = 0; i < ARRAY_SIZE(stages); i++) {
		char *name = ts_xasprintf("terok-shield-%s.json", stages[i]);
		char *text = read_text(hooks, name);
		if (!text)
			fail_msg("%s/%s missing", hooks, name);
		json_t *doc = json_loads(text, 0, NULL);
		assert_non_null(doc);
		json_t *hook = json_object_get(doc, "hook");
		assert_string_equal(json_string_value(json_object_get(hook, "path")), entry);
		assert_string_equal(json_string_value(json_array_get(json_object_get(hook, "args"), 1)),
				    stages[i]);
		assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "stages"), 0)),
				    stages[i]);
		json_t *env = json_object_get(hook, "env");
		char *want_env = ts_xasprintf("TEROK_SHIELD_STATE_DIR=%s", state_root);
		bool found = false;
		for (size_t k = 0; k < json_array_size(env); k++)
			found |= strcmp(json_string_value(json_array_get(env, k)), want_env) == 0;
		assert_true(found);
		free(want_env);
		json_decref(doc);
		free(text);
		free(name);
	}
	/* The entrypoint is a link to the global hook (which is executable). */
	struct stat st;
	assert_int_equal(lstat(entry, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	char target[4096];
	ssize_t n = readlink(entry, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	char *want = ts_xasprintf("%s/terok-shield-hook", global_dir);
	assert_string_equal(target, want);
	assert_int_equal(access(entry, X_OK), 0);
	free(want);
	free(entry);
	free(hooks);
}

/* ---- tests ---- */

/* A full prepare in a tier (*state), slirp4netns, with ports. */
static void test_prepare_bundle(void **state)
{
	enum tier t = (enum tier)(intptr_t)*state;
	use_tier(t);
	const char *tier = tier_name(t);
	bool dnsmasq = t == TIER_DNSMASQ, shield = t == TIER_DEFAULT;
	char *sroot = new_state_root();
	const char *profiles[] = { "ip1", "ip2", NULL };
	const uint16_t ports[] = { 8080, 9418 };
	struct req q = { .state_root = sroot, .name = "web-1", .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS, .ports = ports, .n_ports = 2 };
	struct ts_prepared out;
	prepare_ok(&q, &out);

	char *sd = ts_xasprintf("%s/containers/web-1", sroot);
	assert_string_equal(out.state_dir, sd);
	assert_string_equal(out.dns_tier, tier);
	assert_int_equal(out.unresolved.n, 0);
	assert_private_dir(sd);
	assert_bundle_hooks(sd, sroot);

	assert_file(sd, "upstream.dns", "10.0.2.3\n");
	assert_file(sd, "gateway", "10.0.2.2\n");
	char *tier_line = ts_xasprintf("%s\n", tier);
	assert_file(sd, "dns.tier", tier_line);
	free(tier_line);
	assert_file(sd, "profiles", "ip1\nip2\n");
	assert_file(sd, "loopback_ports", "8080\n9418\n");
	assert_file(sd, "network.mode", "slirp4netns\n");
	assert_file(sd, "dns.policy", "strict\n");
	/* Composed in order, addresses canonical. */
	assert_file(sd, "profile.allowed", "192.0.2.1\n198.51.100.0/24\n203.0.113.7\n2001:db8::5\n");
	assert_false(exists(sd, "interactive"));
	assert_false(exists(sd, "gateway_v6"));
	if (dnsmasq) {
		assert_file(sd, "resolv.conf", "nameserver 127.0.0.1\noptions ndots:0\n");
		assert_file(sd, "profile.domains", "");
		char *conf = bundle_file(sd, "dnsmasq.conf");
		assert_contains(conf, "\nserver=10.0.2.3\n");
		assert_not_contains(conf, "nftset=");
		free(conf);
	} else if (shield) {
		assert_file(sd, "resolv.conf", "nameserver 127.0.0.1\noptions ndots:0\n");
		assert_file(sd, "profile.domains", "");
		assert_false(exists(sd, "dnsmasq.conf"));
	} else {
		assert_false(exists(sd, "resolv.conf"));
		assert_false(exists(sd, "dnsmasq.conf"));
		assert_false(exists(sd, "profile.domains"));
	}
	assert_ruleset_matches_bundle(sd);
	char *ruleset = bundle_file(sd, "ruleset.nft");
	assert_contains(ruleset, "add element inet terok_shield allow_v4 { 192.0.2.1, 198.51.100.0/24, 203.0.113.7 }\n");
	assert_contains(ruleset, "add element inet terok_shield allow_v6 { 2001:db8::5 }\n");
	assert_contains(ruleset, "add element inet terok_shield gateway_v4 { 10.0.2.2 }\n");
	assert_contains(ruleset, "tcp dport 9418 ip daddr @gateway_v4 accept");
	assert_contains(ruleset, "TEROK_SHIELD_DENIED");
	assert_not_contains(ruleset, "TEROK_SHIELD_QUEUED");
	if (dnsmasq || shield)
		assert_contains(ruleset, "set dns_v4");
	else
		assert_not_contains(ruleset, "dns_v4");
	/* The shield tier accepts no DNS server: its only resolver is on loopback. */
	if (shield)
		assert_not_contains(ruleset, "dport 53");
	else
		assert_contains(ruleset, "udp dport 53 ip daddr 10.0.2.3 accept");
	free(ruleset);

	struct ts_strv want = TS_STRV_INIT;
	expected_args(&q, sd, tier, "ip1:ip2", "8080:9418", false, &want);
	assert_args(&out.podman_args, &want);
	ts_strv_clear(&want);

	ts_prepared_clear(&out);
	free(sd);
	free(sroot);
}

/* The bundle in a dnsmasq tier carries the profile's domains, not their addresses. */
static void test_prepare_dnsmasq_domains(void **state)
{
	(void)state;
	use_tier(TIER_DNSMASQ);
	char *sroot = new_state_root();
	const char *profiles[] = { "mixed", NULL };
	struct req q = { .state_root = sroot, .name = "dom", .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS };
	struct ts_prepared out;
	prepare_ok(&q, &out);
	assert_file(out.state_dir, "profile.domains", "example.test\n*.wild.test\n");
	assert_file(out.state_dir, "profile.allowed", "192.0.2.1\n");
	assert_file(out.state_dir, "loopback_ports", "");
	char *conf = bundle_file(out.state_dir, "dnsmasq.conf");
	assert_contains(conf, "nftset=/example.test/4#inet#terok_shield#dns_v4,6#inet#terok_shield#dns_v6\n");
	assert_contains(conf, "nftset=/wild.test/4#inet#terok_shield#dns_v4,6#inet#terok_shield#dns_v6\n");
	free(conf);
	struct ts_strv want = TS_STRV_INIT;
	expected_args(&q, out.state_dir, "dnsmasq", "mixed", "", false, &want);
	assert_args(&out.podman_args, &want);
	ts_strv_clear(&want);
	ts_prepared_clear(&out);
	free(sroot);
}

/*
 * The shield tier (config dns_tier): terok-shield-dns on the container's
 * loopback is its only resolver, so the ruleset accepts no DNS server;
 * domains stay domains, the policy is the request's, else the config's.
 */
static void test_prepare_shield(void **state)
{
	(void)state;
	use_tier(TIER_DEFAULT);
	char *sroot = new_state_root();
	const char *profiles[] = { "mixed", NULL };
	struct req q = { .state_root = sroot, .name = "sh", .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS, .dns_tier = TS_DNS_TIER_SHIELD,
			 .config_dns_open = true };
	struct ts_prepared out;
	prepare_ok(&q, &out);
	const char *sd = out.state_dir;
	assert_string_equal(out.dns_tier, "shield");
	assert_file(sd, "dns.tier", "shield\n");
	assert_file(sd, "dns.policy", "open\n");
	assert_file(sd, "resolv.conf", "nameserver 127.0.0.1\noptions ndots:0\n");
	assert_file(sd, "profile.domains", "example.test\n*.wild.test\n");
	assert_file(sd, "profile.allowed", "192.0.2.1\n");
	assert_false(exists(sd, "dnsmasq.conf"));
	assert_ruleset_matches_bundle(sd);
	char *ruleset = bundle_file(sd, "ruleset.nft");
	assert_not_contains(ruleset, "dport 53");
	assert_contains(ruleset, "set dns_v4 { type ipv4_addr; flags timeout; counter; timeout 30m; }");
	free(ruleset);
	struct ts_strv want = TS_STRV_INIT;
	expected_args(&q, sd, "shield", "mixed", "", false, &want);
	assert_args(&out.podman_args, &want);
	ts_strv_clear(&want);
	ts_prepared_clear(&out);

	/* The request's policy wins; a bad one is refused before anything changes. */
	q.dns_policy = "strict";
	prepare_ok(&q, &out);
	assert_file(out.state_dir, "dns.policy", "strict\n");
	ts_prepared_clear(&out);
	q.dns_policy = "lax";
	struct ts_error err;
	assert_int_equal(call_prepare(&q, &out, &err), -EINVAL);
	assert_contains(err.message, "DNS policy: expected strict or open, not 'lax'");

	/* Back to the static tier (addresses only: no name is resolved here): its files go. */
	const char *ips[] = { "ip1", NULL };
	q.profiles = ips;
	q.dns_policy = NULL;
	q.dns_tier = TS_DNS_TIER_DIG;
	prepare_ok(&q, &out);
	assert_file(out.state_dir, "dns.tier", "dig\n");
	assert_false(exists(out.state_dir, "resolv.conf"));
	assert_false(exists(out.state_dir, "profile.domains"));
	ts_prepared_clear(&out);
	free(sroot);
}

/*
 * Scoped profile lines in the shield tier: an address to profile.scoped, a
 * domain to profile.scoped_domains for the forwarder (nothing resolved),
 * both never expiring; whole entries where they always go.
 */
static void test_prepare_shield_scoped(void **state)
{
	(void)state;
	use_tier(TIER_DEFAULT);
	char *sroot = new_state_root();
	const char *profiles[] = { "scoped", NULL };
	struct req q = { .state_root = sroot, .name = "shs", .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS, .dns_tier = TS_DNS_TIER_SHIELD };
	struct ts_prepared out;
	prepare_ok(&q, &out);
	const char *sd = out.state_dir;
	assert_file(sd, "profile.scoped", "192.0.2.9 tcp 443 -\n");
	assert_file(sd, "profile.scoped_domains",
		    "example.test tcp 8000-8080 -\nexample.test udp 8000-8080 -\n");
	assert_file(sd, "profile.domains", "whole.test\n");
	assert_file(sd, "profile.allowed", "");
	ts_prepared_clear(&out);
	free(sroot);
}

static void test_prepare_pasta(void **state)
{
	(void)state;
	/* The static tier: its ruleset accepts the network's DNS server, which differs by network. */
	use_tier(TIER_STATIC);
	const char *tier = tier_name(TIER_STATIC);
	char *sroot = new_state_root();
	const char *profiles[] = { "ip2", NULL };
	const uint16_t ports[] = { 3000 };
	/* First slirp4netns (writes gateway), then pasta: the gateway goes. */
	struct req q = { .state_root = sroot, .name = "p", .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS, .ports = ports, .n_ports = 1,
			 .audit_disabled = true };
	struct ts_prepared out;
	prepare_ok(&q, &out);
	assert_true(exists(out.state_dir, "gateway"));
	ts_prepared_clear(&out);

	q.mode = TS_NET_PASTA;
	prepare_ok(&q, &out);
	assert_file(out.state_dir, "upstream.dns", "169.254.1.1\n");
	assert_false(exists(out.state_dir, "gateway"));
	assert_ruleset_matches_bundle(out.state_dir);
	char *ruleset = bundle_file(out.state_dir, "ruleset.nft");
	assert_contains(ruleset, "udp dport 53 ip daddr 169.254.1.1 accept");
	assert_contains(ruleset, "tcp dport 3000 ip daddr 169.254.1.2 accept");
	assert_not_contains(ruleset, "add element inet terok_shield gateway");
	/* pasta's loopback rule only: pasta has no host gateway. */
	assert_file(out.state_dir, "network.mode", "pasta\n");
	assert_not_contains(ruleset, "@gateway_v4 accept");
	free(ruleset);
	struct ts_strv want = TS_STRV_INIT;
	expected_args(&q, out.state_dir, tier, "ip2", "3000", false, &want);
	assert_args(&out.podman_args, &want);
	ts_strv_clear(&want);
	ts_prepared_clear(&out);
	free(sroot);
	use_tier(TIER_DEFAULT);
}

/* As root podman picks the network: no network arguments at all. */
static void test_prepare_privileged(void **state)
{
	(void)state;
	use_tier(TIER_DEFAULT);
	const char *tier = tier_name(TIER_DEFAULT);
	char *sroot = new_state_root();
	const char *profiles[] = { "ip1", NULL };
	struct req q = { .state_root = sroot, .name = "rootful", .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS, .privileged = true };
	struct ts_prepared out;
	prepare_ok(&q, &out);
	struct ts_strv want = TS_STRV_INIT;
	expected_args(&q, out.state_dir, tier, "ip1", "", false, &want);
	assert_args(&out.podman_args, &want);
	for (size_t i = 0; i < out.podman_args.n; i++) {
		assert_string_not_equal(out.podman_args.items[i], "--network");
		assert_string_not_equal(out.podman_args.items[i], "--add-host");
	}
	/* podman's bridge reaches the host through its gateway, whatever rootless podman would use. */
	assert_file(out.state_dir, "network.mode", "slirp4netns\n");
	ts_prepared_clear(&out);
	q.mode = TS_NET_PASTA;
	prepare_ok(&q, &out);
	assert_file(out.state_dir, "network.mode", "slirp4netns\n");
	ts_strv_clear(&want);
	ts_prepared_clear(&out);
	free(sroot);
}

static void test_interactive_marker(void **state)
{
	(void)state;
	use_tier(TIER_DEFAULT);
	const char *tier = tier_name(TIER_DEFAULT);
	char *sroot = new_state_root();
	const char *profiles[] = { "ip1", NULL };
	struct req q = { .state_root = sroot, .name = "i", .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS, .interactive = true };
	struct ts_prepared out;
	prepare_ok(&q, &out);
	assert_file(out.state_dir, "interactive", "nflog\n");
	char *ruleset = bundle_file(out.state_dir, "ruleset.nft");
	assert_contains(ruleset, "TEROK_SHIELD_QUEUED");
	free(ruleset);
	struct ts_strv want = TS_STRV_INIT;
	expected_args(&q, out.state_dir, tier, "ip1", "", true, &want);
	assert_args(&out.podman_args, &want);
	ts_strv_clear(&want);
	ts_prepared_clear(&out);

	/* Not interactive any more: the marker goes, the ruleset follows. */
	q.interactive = false;
	prepare_ok(&q, &out);
	assert_false(exists(out.state_dir, "interactive"));
	ruleset = bundle_file(out.state_dir, "ruleset.nft");
	assert_not_contains(ruleset, "TEROK_SHIELD_QUEUED");
	free(ruleset);
	expected_args(&q, out.state_dir, tier, "ip1", "", false, &want);
	assert_args(&out.podman_args, &want);
	ts_strv_clear(&want);
	ts_prepared_clear(&out);

	/* config.yml's interactive: true is enough. */
	q.config_interactive = true;
	prepare_ok(&q, &out);
	assert_file(out.state_dir, "interactive", "nflog\n");
	expected_args(&q, out.state_dir, tier, "ip1", "", true, &want);
	assert_args(&out.podman_args, &want);
	ts_strv_clear(&want);
	ts_prepared_clear(&out);
	free(sroot);
}

/* No profiles asked for: config's default_profiles. */
static void test_default_profiles(void **state)
{
	(void)state;
	use_tier(TIER_DEFAULT);
	const char *tier = tier_name(TIER_DEFAULT);
	char *sroot = new_state_root();
	const char *defaults[] = { "ip2", "ip1", NULL };
	struct req q = { .state_root = sroot, .name = "d", .mode = TS_NET_SLIRP4NETNS,
			 .default_profiles = defaults };
	struct ts_prepared out;
	prepare_ok(&q, &out);
	assert_file(out.state_dir, "profiles", "ip2\nip1\n");
	assert_file(out.state_dir, "profile.allowed", "203.0.113.7\n2001:db8::5\n192.0.2.1\n198.51.100.0/24\n");
	struct ts_strv want = TS_STRV_INIT;
	expected_args(&q, out.state_dir, tier, "ip2:ip1", "", false, &want);
	assert_args(&out.podman_args, &want);
	ts_strv_clear(&want);
	ts_prepared_clear(&out);
	free(sroot);
}

/* Tier in *state. Same request twice: same args, byte-identical bundle. */
static void test_idempotent(void **state)
{
	enum tier t = (enum tier)(intptr_t)*state;
	use_tier(t);
	char *sroot = new_state_root();
	const char *profiles[] = { "ip1", "ip2", NULL };
	const uint16_t ports[] = { 8080 };
	struct req q = { .state_root = sroot, .name = "same", .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS, .ports = ports, .n_ports = 1, .interactive = true };
	struct ts_prepared a, b;
	prepare_ok(&q, &a);
	char *before = snapshot(sroot);
	prepare_ok(&q, &b);
	char *after = snapshot(sroot);
	if (strcmp(before, after) != 0) {
		char *diff = snapshot_diff(before, after);
		fail_msg("second prepare changed the bundle:\n%s", diff);
	}
	assert_args(&b.podman_args, &a.podman_args);
	/* The global install is untouched by prepare. */
	assert_contains(before, "/containers/same/terok-shield-hook l -> ");
	free(before);
	free(after);
	ts_prepared_clear(&a);
	ts_prepared_clear(&b);
	free(sroot);
}

/* Tier in *state. Other profiles: profile.allowed, profiles, ruleset rewritten at once. */
static void test_profiles_change(void **state)
{
	enum tier t = (enum tier)(intptr_t)*state;
	use_tier(t);
	char *sroot = new_state_root();
	const char *first[] = { "ip1", NULL };
	const char *second[] = { "ip2", NULL };
	struct req q = { .state_root = sroot, .name = "chg", .profiles = first,
			 .mode = TS_NET_SLIRP4NETNS };
	struct ts_prepared out;
	prepare_ok(&q, &out);
	assert_file(out.state_dir, "profile.allowed", "192.0.2.1\n198.51.100.0/24\n");
	ts_prepared_clear(&out);

	q.profiles = second;
	prepare_ok(&q, &out);
	assert_file(out.state_dir, "profiles", "ip2\n");
	assert_file(out.state_dir, "profile.allowed", "203.0.113.7\n2001:db8::5\n");
	assert_ruleset_matches_bundle(out.state_dir);
	char *ruleset = bundle_file(out.state_dir, "ruleset.nft");
	assert_not_contains(ruleset, "192.0.2.1");
	assert_contains(ruleset, "203.0.113.7");
	free(ruleset);
	struct ts_strv want = TS_STRV_INIT;
	expected_args(&q, out.state_dir, tier_name(t), "ip2", "", false, &want);
	assert_args(&out.podman_args, &want);
	ts_strv_clear(&want);
	ts_prepared_clear(&out);
	free(sroot);
}

/* Switching tiers removes the other tier's files and puts them back. */
static void test_tier_switch(void **state)
{
	(void)state;
	char *sroot = new_state_root();
	const char *profiles[] = { "ip1", NULL };
	struct req q = { .state_root = sroot, .name = "sw", .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS };
	struct ts_prepared out;
	use_tier(TIER_DNSMASQ);
	prepare_ok(&q, &out);
	assert_true(exists(out.state_dir, "dnsmasq.conf"));
	assert_true(exists(out.state_dir, "resolv.conf"));
	assert_true(exists(out.state_dir, "profile.domains"));
	ts_prepared_clear(&out);

	use_tier(TIER_STATIC);
	prepare_ok(&q, &out);
	assert_string_equal(out.dns_tier, "dig");
	assert_file(out.state_dir, "dns.tier", "dig\n");
	assert_false(exists(out.state_dir, "dnsmasq.conf"));
	assert_false(exists(out.state_dir, "resolv.conf"));
	assert_false(exists(out.state_dir, "profile.domains"));
	assert_file(out.state_dir, "profile.allowed", "192.0.2.1\n198.51.100.0/24\n");
	assert_ruleset_matches_bundle(out.state_dir);
	char *ruleset = bundle_file(out.state_dir, "ruleset.nft");
	assert_not_contains(ruleset, "dns_v4");
	free(ruleset);
	struct ts_strv want = TS_STRV_INIT;
	expected_args(&q, out.state_dir, "dig", "ip1", "", false, &want);
	assert_args(&out.podman_args, &want);
	ts_strv_clear(&want);
	ts_prepared_clear(&out);

	use_tier(TIER_DNSMASQ);
	prepare_ok(&q, &out);
	assert_string_equal(out.dns_tier, "dnsmasq");
	assert_true(exists(out.state_dir, "dnsmasq.conf"));
	assert_file(out.state_dir, "resolv.conf", "nameserver 127.0.0.1\noptions ndots:0\n");
	ruleset = bundle_file(out.state_dir, "ruleset.nft");
	assert_contains(ruleset, "set dns_v4");
	free(ruleset);
	ts_prepared_clear(&out);
	free(sroot);
}

/* A failing prepare: non-zero, message containing `needle`, nothing under root changed. */
static void assert_prepare_refused(const struct req *q, const char *needle)
{
	char *before = snapshot(root);
	struct ts_prepared out;
	struct ts_error err;
	int r = call_prepare(q, &out, &err);
	if (r >= 0)
		fail_msg("prepare of '%s' succeeded", q->name);
	assert_null(out.state_dir);
	assert_int_equal(out.podman_args.n, 0);
	assert_contains(err.message, needle);
	char *after = snapshot(root);
	if (strcmp(before, after) != 0) {
		char *diff = snapshot_diff(before, after);
		fail_msg("failed prepare (%s) changed files:\n%s", err.message, diff);
	}
	free(before);
	free(after);
}

static void test_refused_inputs(void **state)
{
	(void)state;
	use_tier(TIER_DEFAULT);
	char *sroot = new_state_root();
	const char *bad_profile[] = { "ip1", "../x", NULL };
	const char *slash_profile[] = { "a/b", NULL };
	const char *empty_profile[] = { "", NULL };
	const char *ok_profile[] = { "ip1", NULL };
	struct req q = { .state_root = sroot, .mode = TS_NET_SLIRP4NETNS };

	q.name = "c";
	q.profiles = bad_profile;
	assert_prepare_refused(&q, "invalid profile name '../x'");
	q.profiles = slash_profile;
	assert_prepare_refused(&q, "invalid profile name 'a/b'");
	q.profiles = empty_profile;
	assert_prepare_refused(&q, "empty profile name");

	q.profiles = ok_profile;
	char long_name[300];
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	const char *bad_names[] = { "../x", "a/b", "-rf", ".hidden", "", "a\nb", "a b", long_name };
	for (size_t i = 0; i < ARRAY_SIZE(bad_names); i++) {
		q.name = bad_names[i];
		assert_prepare_refused(&q, "invalid container name");
	}

	/* podman <= 4.9 would split the state_dir annotation at the comma. */
	char *comma_root = ts_xasprintf("%s/st,ate", root);
	make_dir(comma_root);
	q.state_root = comma_root;
	q.name = "c";
	assert_prepare_refused(&q, "comma");
	free(comma_root);
	/* ...and --volume SRC:DST:OPTS would split it at a colon. */
	char *colon_root = ts_xasprintf("%s/st:ate", root);
	make_dir(colon_root);
	q.state_root = colon_root;
	assert_prepare_refused(&q, "colon");
	free(colon_root);
	free(sroot);
}

/* The global hook is missing (another HOME) or stale: prepare says to run setup. */
static void test_refused_without_global_hook(void **state)
{
	(void)state;
	use_tier(TIER_DEFAULT);
	char *sroot = new_state_root();
	const char *profiles[] = { "ip1", NULL };
	struct req q = { .state_root = sroot, .name = "nohook", .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS };

	char *other_home = ts_xasprintf("%s/home-without-hook", root);
	make_dir(other_home);
	setenv("HOME", other_home, 1);
	bool stale;
	if (ts_hooks_detect(&stale) != TS_HOOKS_NOT_INSTALLED) {
		/* Hooks installed system-wide on this machine: prepare would rightly find them. */
		print_message("# skipped the missing-hook case: %s has terok-shield hooks\n",
			      TS_HOOK_SYSTEM_DIR);
	} else {
		assert_prepare_refused(&q, "terok-shield setup");
	}
	setenv("HOME", home, 1);

	/* A global hook that is no longer executable is stale. */
	char *hook = ts_xasprintf("%s/terok-shield-hook", global_dir);
	assert_int_equal(chmod(hook, 0644), 0);
	assert_prepare_refused(&q, "terok-shield setup");
	assert_int_equal(chmod(hook, 0755), 0);
	free(hook);
	free(other_home);
	free(sroot);
}

/*
 * docs/cli.md: "Bad input gets a clear error and changes nothing." (At 933144b
 * an unknown profile was noticed only after the state dir, the hook link,
 * the descriptors and the settings had been written.)
 */
static void test_unknown_profile_creates_nothing(void **state)
{
	(void)state;
	use_tier(TIER_DEFAULT);
	char *sroot = new_state_root();
	const char *profiles[] = { "ip1", "nope", NULL };
	struct req q = { .state_root = sroot, .name = "unknown", .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS };
	assert_prepare_refused(&q, "unknown profile 'nope'");
	free(sroot);
}

/* Same on a bundle that exists: a refused re-prepare must not half-rewrite it. */
static void test_unknown_profile_keeps_bundle(void **state)
{
	(void)state;
	use_tier(TIER_DEFAULT);
	char *sroot = new_state_root();
	const char *good[] = { "ip1", NULL };
	const char *bad[] = { "ip1", "nope", NULL };
	struct req q = { .state_root = sroot, .name = "kept", .profiles = good,
			 .mode = TS_NET_SLIRP4NETNS };
	struct ts_prepared out;
	prepare_ok(&q, &out);
	ts_prepared_clear(&out);
	q.profiles = bad;
	q.mode = TS_NET_PASTA;
	q.interactive = true;
	assert_prepare_refused(&q, "unknown profile 'nope'");
	free(sroot);
}

/* The error names the profile. */
static void test_unknown_profile_message(void **state)
{
	(void)state;
	use_tier(TIER_DEFAULT);
	char *sroot = new_state_root();
	const char *profiles[] = { "nope", NULL };
	struct req q = { .state_root = sroot, .name = "msg", .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS };
	struct ts_prepared out;
	struct ts_error err;
	assert_true(call_prepare(&q, &out, &err) < 0);
	assert_contains(err.message, "unknown profile 'nope'");
	assert_null(out.state_dir);
	free(sroot);
}

/* A state dir that is a symbolic link is refused; nothing is written through it. */
static void test_state_dir_symlink(void **state)
{
	(void)state;
	use_tier(TIER_DEFAULT);
	char *sroot = new_state_root();
	char *target = ts_xasprintf("%s/elsewhere", sroot);
	char *containers = ts_xasprintf("%s/containers", sroot);
	char *link = ts_xasprintf("%s/containers/evil", sroot);
	make_dir(target);
	make_dir(containers);
	assert_int_equal(chmod(target, 0700), 0);
	assert_int_equal(symlink(target, link), 0);
	const char *profiles[] = { "ip1", NULL };
	struct req q = { .state_root = sroot, .name = "evil", .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS };
	assert_prepare_refused(&q, link);
	free(target);
	free(containers);
	free(link);
	free(sroot);
}

/* An existing state dir open to others is closed (0700); hooks/ too. */
static void test_state_dir_tightened(void **state)
{
	(void)state;
	use_tier(TIER_DEFAULT);
	char *sroot = new_state_root();
	char *sd = ts_xasprintf("%s/containers/wide", sroot);
	char *hooks = ts_xasprintf("%s/hooks", sd);
	make_dir(hooks);
	assert_int_equal(chmod(sd, 0755), 0);
	assert_int_equal(chmod(hooks, 0777), 0);
	const char *profiles[] = { "ip1", NULL };
	struct req q = { .state_root = sroot, .name = "wide", .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS };
	struct ts_prepared out;
	prepare_ok(&q, &out);
	assert_private_dir(sd);
	assert_private_dir(hooks);
	ts_prepared_clear(&out);
	free(hooks);
	free(sd);
	free(sroot);
}

/* Bundle files that became symbolic links are replaced, never written through. */
static void test_bundle_file_symlinks(void **state)
{
	(void)state;
	use_tier(TIER_DEFAULT);
	char *sroot = new_state_root();
	const char *profiles[] = { "ip1", NULL };
	struct req q = { .state_root = sroot, .name = "links", .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS };
	struct ts_prepared out;
	prepare_ok(&q, &out);
	char *sd = ts_xstrdup(out.state_dir);
	ts_prepared_clear(&out);
	write_text(sroot, "victim", "victim\n");
	char *victim = ts_xasprintf("%s/victim", sroot);
	const char *files[] = { "profile.allowed", "upstream.dns", "ruleset.nft", "gateway", "profiles" };
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char *p = ts_xasprintf("%s/%s", sd, files[i]);
		assert_int_equal(unlink(p), 0);
		assert_int_equal(symlink(victim, p), 0);
		free(p);
	}
	prepare_ok(&q, &out);
	ts_prepared_clear(&out);
	char *text = read_text(sroot, "victim");
	assert_string_equal(text, "victim\n");
	free(text);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char *p = ts_xasprintf("%s/%s", sd, files[i]);
		struct stat st;
		assert_int_equal(lstat(p, &st), 0);
		if (!S_ISREG(st.st_mode))
			fail_msg("%s is still not a regular file", p);
		free(p);
	}
	assert_file(sd, "profile.allowed", "192.0.2.1\n198.51.100.0/24\n");
	assert_ruleset_matches_bundle(sd);
	free(victim);
	free(sd);
	free(sroot);
}

/* ---- ts_resolve_bundle ---- */

static time_t mtime_of(const char *dir, const char *name)
{
	char *p = ts_xasprintf("%s/%s", dir, name);
	struct stat st;
	assert_int_equal(lstat(p, &st), 0);
	free(p);
	return st.st_mtime;
}

static void age_file(const char *dir, const char *name, time_t seconds)
{
	char *p = ts_xasprintf("%s/%s", dir, name);
	struct timeval tv[2];
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= seconds;
	tv[1] = tv[0];
	assert_int_equal(utimes(p, tv), 0);
	free(p);
}

static void resolve_ok(const char *sd, bool force, struct ts_resolved *res)
{
	struct ts_error err = { 0 };
	if (ts_resolve_bundle(sd, config_root, force, res, &err) < 0)
		fail_msg("ts_resolve_bundle: %s", err.message);
}

/* A bundle in the static tier (config dns_tier: dig; address-only profiles need no DNS). */
static char *static_bundle(const char *sroot, const char *name, const char *const *profiles)
{
	use_tier(TIER_STATIC);
	struct req q = { .state_root = sroot, .name = name, .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS };
	struct ts_prepared out;
	prepare_ok(&q, &out);
	char *sd = ts_xstrdup(out.state_dir);
	ts_prepared_clear(&out);
	assert_file(sd, "dns.tier", "dig\n");
	use_tier(TIER_DEFAULT);
	return sd;
}

static void test_resolve_bundle(void **state)
{
	(void)state;
	char *pdir = ts_xasprintf("%s/profiles", config_root);
	write_text(pdir, "resolveme.txt", "192.0.2.50\n");
	/* Profile files older than any resolution below. */
	age_file(pdir, "resolveme.txt", 7200);
	age_file(pdir, "ip2.txt", 7200);
	char *sroot = new_state_root();
	const char *profiles[] = { "resolveme", "ip2", NULL };
	char *sd = static_bundle(sroot, "res", profiles);

	struct ts_resolved res;
	resolve_ok(sd, true, &res);
	assert_false(res.reused);
	assert_int_equal(res.n_ips, 3);
	assert_int_equal(res.ips.n, 3);
	assert_string_equal(res.ips.items[0], "192.0.2.50");
	assert_string_equal(res.ips.items[1], "203.0.113.7");
	assert_string_equal(res.ips.items[2], "2001:db8::5");
	assert_int_equal(res.unresolved.n, 0);
	assert_file(sd, "profile.allowed", "192.0.2.50\n203.0.113.7\n2001:db8::5\n");
	assert_ruleset_matches_bundle(sd);
	ts_resolved_clear(&res);

	/* Within the hour, same profiles: kept, file untouched. */
	age_file(sd, "profile.allowed", 60);
	time_t before = mtime_of(sd, "profile.allowed");
	resolve_ok(sd, false, &res);
	assert_true(res.reused);
	assert_int_equal(res.n_ips, 3);
	assert_int_equal(res.ips.n, 3);
	assert_string_equal(res.ips.items[0], "192.0.2.50");
	assert_string_equal(res.ips.items[2], "2001:db8::5");
	assert_int_equal(mtime_of(sd, "profile.allowed"), before);
	ts_resolved_clear(&res);

	/* --force: resolved again although fresh. */
	resolve_ok(sd, true, &res);
	assert_false(res.reused);
	assert_int_equal(res.n_ips, 3);
	assert_true(mtime_of(sd, "profile.allowed") > before);
	ts_resolved_clear(&res);

	/* Older than an hour: resolved again without --force. */
	age_file(sd, "profile.allowed", 3600 + 60);
	resolve_ok(sd, false, &res);
	assert_false(res.reused);
	assert_int_equal(res.n_ips, 3);
	assert_file(sd, "profile.allowed", "192.0.2.50\n203.0.113.7\n2001:db8::5\n");
	ts_resolved_clear(&res);

	free(sd);
	free(sroot);
	free(pdir);
}

/* A profile edited after the last resolution is read again, --force or not. */
static void test_resolve_bundle_profile_edited(void **state)
{
	(void)state;
	char *pdir = ts_xasprintf("%s/profiles", config_root);
	write_text(pdir, "edited.txt", "192.0.2.60\n");
	age_file(pdir, "edited.txt", 7200);
	char *sroot = new_state_root();
	const char *profiles[] = { "edited", NULL };
	char *sd = static_bundle(sroot, "edit", profiles);
	struct ts_resolved res;
	resolve_ok(sd, true, &res);
	ts_resolved_clear(&res);
	age_file(sd, "profile.allowed", 600);

	write_text(pdir, "edited.txt", "192.0.2.60\n192.0.2.61\n");
	resolve_ok(sd, false, &res);
	assert_false(res.reused);
	assert_int_equal(res.n_ips, 2);
	assert_file(sd, "profile.allowed", "192.0.2.60\n192.0.2.61\n");
	char *ruleset = bundle_file(sd, "ruleset.nft");
	assert_contains(ruleset, "add element inet terok_shield allow_v4 { 192.0.2.60, 192.0.2.61 }\n");
	free(ruleset);
	ts_resolved_clear(&res);
	free(sd);
	free(sroot);
	free(pdir);
}

/* In the dnsmasq tier nothing is reused: raw IPs only, domains to profile.domains, dnsmasq.conf rewritten. */
static void test_resolve_bundle_dnsmasq(void **state)
{
	(void)state;
	char *sroot = new_state_root();
	const char *profiles[] = { "ip1", NULL };
	char *sd = static_bundle(sroot, "resd", profiles);
	/* Made a dnsmasq-tier bundle for the mixed profile (no resolution happens there). */
	write_text(sd, "dns.tier", "dnsmasq\n");
	write_text(sd, "profiles", "mixed\n");
	struct ts_resolved res;
	resolve_ok(sd, false, &res);
	assert_false(res.reused);
	assert_int_equal(res.n_ips, 1);
	assert_string_equal(res.ips.items[0], "192.0.2.1");
	assert_int_equal(res.unresolved.n, 0);
	assert_file(sd, "profile.allowed", "192.0.2.1\n");
	assert_file(sd, "profile.domains", "example.test\n*.wild.test\n");
	char *conf = bundle_file(sd, "dnsmasq.conf");
	assert_contains(conf, "nftset=/example.test/4#inet#terok_shield#dns_v4,6#inet#terok_shield#dns_v6\n");
	assert_contains(conf, "nftset=/wild.test/");
	free(conf);
	assert_ruleset_matches_bundle(sd);
	char *ruleset = bundle_file(sd, "ruleset.nft");
	assert_contains(ruleset, "set dns_v4");
	free(ruleset);
	ts_resolved_clear(&res);

	/* Again: still resolved (nothing to reuse in this tier). */
	resolve_ok(sd, false, &res);
	assert_false(res.reused);
	ts_resolved_clear(&res);
	free(sd);
	free(sroot);
}

static void test_resolve_bundle_unprepared(void **state)
{
	(void)state;
	char *dir = ts_xasprintf("%s/not-prepared", root);
	make_dir(dir);
	struct ts_resolved res;
	struct ts_error err = { 0 };
	assert_true(ts_resolve_bundle(dir, config_root, false, &res, &err) < 0);
	assert_contains(err.message, "prepare");
	ts_resolved_clear(&res);

	/* upstream.dns but no profiles file: also says to prepare. */
	write_text(dir, "upstream.dns", "10.0.2.3\n");
	err = (struct ts_error){ 0 };
	assert_true(ts_resolve_bundle(dir, config_root, false, &res, &err) < 0);
	assert_contains(err.message, "prepare");
	ts_resolved_clear(&res);
	free(dir);
}

/* ---- reusing a name: running, still in podman, gone (issue 15, items 7 and 8) ---- */

/* The podman stand-in's log of calls, "" when it was not called. */
static char *podman_calls(void)
{
	char *calls = read_text(podman_dir, "calls");
	return calls ? calls : ts_xstrdup("");
}

static void podman_has(const char *name, const char *state)
{
	char *dir = ts_xasprintf("%s/containers", podman_dir);
	char *path = ts_xasprintf("%s/%s", dir, name);
	if (state)
		write_text(dir, name, state);
	else
		unlink(path);
	free(path);
	free(dir);
}

/* A first prepare has no bundle to protect: podman is not asked (it costs a process). */
static void test_first_prepare_asks_no_podman(void **state)
{
	(void)state;
	use_tier(TIER_DEFAULT);
	char *sroot = new_state_root();
	const char *profiles[] = { "ip1", NULL };
	struct req q = { .state_root = sroot, .name = "first", .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS };
	char *before = podman_calls();
	struct ts_prepared out;
	prepare_ok(&q, &out);
	char *after = podman_calls();
	assert_string_equal(after, before);
	ts_prepared_clear(&out);
	/* The second one is asked about. */
	prepare_ok(&q, &out);
	free(after);
	after = podman_calls();
	assert_contains(after + strlen(before), "container exists first\n");
	ts_prepared_clear(&out);
	free(before);
	free(after);
	free(sroot);
}

/* container.pid names a live process (this test's): refused at once, nothing rewritten. */
static void test_running_refused(void **state)
{
	(void)state;
	use_tier(TIER_DEFAULT);
	char *sroot = new_state_root();
	const char *profiles[] = { "ip1", NULL };
	struct req q = { .state_root = sroot, .name = "busy", .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS, .interactive = true };
	struct ts_prepared out;
	prepare_ok(&q, &out);
	struct ts_proc_identity self;
	assert_int_equal(ts_proc_identity_read(getpid(), &self, NULL), 0);
	char *pid_text = ts_proc_identity_format(&self);
	write_text(out.state_dir, "container.pid", pid_text);
	free(pid_text);
	ts_prepared_clear(&out);
	/* What the issue saw: the same name again without --interactive. */
	q.interactive = false;
	char *calls = podman_calls();
	assert_prepare_refused(&q, "container 'busy' is running");
	char *after = podman_calls();
	assert_string_equal(after, calls);
	struct ts_error err;
	assert_int_equal(call_prepare(&q, &out, &err), -EBUSY);
	assert_contains(err.message, "'terok-shield allow', 'deny', 'up' or 'down'");
	free(calls);
	free(after);
	free(sroot);
}

/* podman still has the name: stopped, or running with a container.pid gone stale. */
static void test_podman_has_name_refused(void **state)
{
	(void)state;
	use_tier(TIER_DEFAULT);
	char *sroot = new_state_root();
	const char *profiles[] = { "ip1", NULL };
	struct req q = { .state_root = sroot, .name = "idle", .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS };
	struct ts_prepared out;
	prepare_ok(&q, &out);
	ts_prepared_clear(&out);
	podman_has("idle", "stopped");
	assert_prepare_refused(&q, "podman still has a container named 'idle' (not running)");
	assert_prepare_refused(&q, "'podman rm idle'");
	podman_has("idle", "running");
	assert_prepare_refused(&q, "container 'idle' is running");
	podman_has("idle", NULL);
	prepare_ok(&q, &out);
	ts_prepared_clear(&out);
	free(sroot);
}

/* A podman that fails is an error in podman's words, not a guess either way. */
static void test_podman_failure_quoted(void **state)
{
	(void)state;
	use_tier(TIER_DEFAULT);
	char *sroot = new_state_root();
	const char *profiles[] = { "ip1", NULL };
	struct req q = { .state_root = sroot, .name = "broken", .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS };
	struct ts_prepared out;
	prepare_ok(&q, &out);
	ts_prepared_clear(&out);
	setenv("FAKE_PODMAN_FAILS", "1", 1);
	assert_prepare_refused(&q, "podman container exists exited with status 125: Error: cannot set "
				   "up namespace using \"/usr/bin/newuidmap\": exit status 1");
	unsetenv("FAKE_PODMAN_FAILS");
	free(sroot);
}

/* The container is gone: prepare goes ahead, keeps the allows and denies, and counts them. */
static void test_gone_counts_kept(void **state)
{
	(void)state;
	use_tier(TIER_DEFAULT);
	char *sroot = new_state_root();
	const char *profiles[] = { "ip1", NULL };
	struct req q = { .state_root = sroot, .name = "reborn", .profiles = profiles,
			 .mode = TS_NET_SLIRP4NETNS };
	struct ts_prepared out;
	prepare_ok(&q, &out);
	assert_int_equal(out.kept.allows, 0);
	assert_int_equal(out.kept.denies, 0);
	write_text(out.state_dir, "live.allowed", "203.0.113.9\n\n2001:db8::9\n");
	write_text(out.state_dir, "live.domains", "example.test\n");
	write_text(out.state_dir, "deny.list", "192.0.2.1\n");
	char *sd = ts_xstrdup(out.state_dir);
	ts_prepared_clear(&out);
	prepare_ok(&q, &out);
	assert_int_equal(out.kept.allows, 3);
	assert_int_equal(out.kept.denies, 1);
	assert_file(sd, "live.allowed", "203.0.113.9\n\n2001:db8::9\n");
	ts_prepared_clear(&out);
	free(sd);
	free(sroot);
}

/* default_profiles naming a missing profile: the message names config.yml and the key. */
static void test_default_profiles_unknown(void **state)
{
	(void)state;
	use_tier(TIER_DEFAULT);
	char *sroot = new_state_root();
	const char *defaults[] = { "ip1", "nosuch", NULL };
	struct req q = { .state_root = sroot, .name = "dflt", .mode = TS_NET_SLIRP4NETNS,
			 .default_profiles = defaults };
	char *want = ts_xasprintf("%s/config.yml: default_profiles: unknown profile 'nosuch'",
				  config_root);
	assert_prepare_refused(&q, want);
	free(want);
	/* Profiles named on the command line do not need the defaults. */
	const char *named[] = { "ip1", NULL };
	q.profiles = named;
	struct ts_prepared out;
	prepare_ok(&q, &out);
	ts_prepared_clear(&out);
	free(sroot);
}

/* One named test per tier, so the TAP output tells them apart. */
#define TIER_VARIANT(fn, suffix, t)                              \
	static void fn##_##suffix(void **state)                  \
	{                                                        \
		void *tier = (void *)(intptr_t)(t);              \
		(void)state;                                     \
		fn(&tier);                                       \
	}
TIER_VARIANT(test_prepare_bundle, static, TIER_STATIC)
TIER_VARIANT(test_prepare_bundle, dnsmasq, TIER_DNSMASQ)
TIER_VARIANT(test_prepare_bundle, default, TIER_DEFAULT)
TIER_VARIANT(test_idempotent, default, TIER_DEFAULT)
TIER_VARIANT(test_profiles_change, default, TIER_DEFAULT)
TIER_VARIANT(test_idempotent, static, TIER_STATIC)
TIER_VARIANT(test_idempotent, dnsmasq, TIER_DNSMASQ)
TIER_VARIANT(test_profiles_change, static, TIER_STATIC)
TIER_VARIANT(test_profiles_change, dnsmasq, TIER_DNSMASQ)

int main(void)
{
	if (fixture_setup() < 0) {
		printf("Bail out! cannot set up the scratch home, profiles and global hook\n");
		scratch_remove(root);
		return 1;
	}
	bool machine_dnsmasq = ts_dnsmasq_has_nftset();
	struct CMUnitTest tests[64];
	size_t n = 0;
#define ADD(fn) (tests[n++] = (struct CMUnitTest)cmocka_unit_test(fn))
#define LEAVE_OUT(fn, why) printf("# skipped %s: %s\n", #fn, why)
	ADD(test_prepare_bundle_default);
	ADD(test_prepare_pasta);
	ADD(test_prepare_shield);
	ADD(test_prepare_shield_scoped);
	ADD(test_prepare_privileged);
	ADD(test_interactive_marker);
	ADD(test_default_profiles);
	ADD(test_idempotent_default);
	ADD(test_profiles_change_default);
	ADD(test_refused_inputs);
	ADD(test_refused_without_global_hook);
	ADD(test_unknown_profile_message);
	ADD(test_unknown_profile_creates_nothing);
	ADD(test_unknown_profile_keeps_bundle);
	ADD(test_state_dir_symlink);
	ADD(test_state_dir_tightened);
	ADD(test_bundle_file_symlinks);
	ADD(test_resolve_bundle);
	ADD(test_resolve_bundle_profile_edited);
	ADD(test_resolve_bundle_dnsmasq);
	ADD(test_resolve_bundle_unprepared);
	ADD(test_first_prepare_asks_no_podman);
	ADD(test_running_refused);
	ADD(test_podman_has_name_refused);
	ADD(test_podman_failure_quoted);
	ADD(test_gone_counts_kept);
	ADD(test_default_profiles_unknown);
	ADD(test_prepare_bundle_static);
	ADD(test_idempotent_static);
	ADD(test_profiles_change_static);
	if (machine_dnsmasq) {
		ADD(test_prepare_dnsmasq_domains);
		ADD(test_prepare_bundle_dnsmasq);
		ADD(test_idempotent_dnsmasq);
		ADD(test_profiles_change_dnsmasq);
		ADD(test_tier_switch);
	} else {
		const char *why = "no dnsmasq with nftset on this machine (config dns_tier: dnsmasq "
				  "is refused without one)";
		LEAVE_OUT(test_prepare_dnsmasq_domains, why);
		LEAVE_OUT(test_prepare_bundle_dnsmasq, why);
		LEAVE_OUT(test_idempotent_dnsmasq, why);
		LEAVE_OUT(test_profiles_change_dnsmasq, why);
		LEAVE_OUT(test_tier_switch, why);
	}
	fflush(stdout);
	int failed = _cmocka_run_group_tests("tests", tests, n, NULL, NULL);
	fixture_teardown();
	return failed;
}
