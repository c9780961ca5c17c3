/* SPDX-License-Identifier: Apache-2.0 */
/*
 * setup --user (docs/cli.md) into a scratch HOME and XDG_CONFIG_HOME: the
 * hook copy, the descriptors, the containers.conf edit, idempotence.
 * setup --root is never run for real here (it would write
 * /usr/share/containers/oci/hooks.d); only its refusal without root is
 * checked, from a child that has dropped root first.

 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "base/util.h"
#include "config/containers_conf.h"
#include "config/hooks.h"
#include "config/setup.h"
#include "test-helpers.h"

struct fixture {
	char *root;
	char *home;
	char *xdg;
	char *hook_src;   /* what TEROK_SHIELD_HOOK points at */
	char *hooks_dir;  /* $HOME/.local/share/containers/oci/hooks.d */
	char *conf_dir;   /* $XDG_CONFIG_HOME/containers */
	char *state_root;
};

static void make_dir(const char *path)
{
	char *cmd = ts_xasprintf("mkdir -p '%s'", path);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void assert_contains(const char *haystack, const char *needle)
{
	if (!haystack || !strstr(haystack, needle))
		fail_msg("expected to find '%s' in:\n%s", needle, haystack ? haystack : "(null)");
}

/* A stand-in hook: answers --version like the real one; `tag` makes builds differ. */
static void write_hook_stub(const char *path, const char *tag)
{
	FILE *fp = fopen(path, "w");
	if (!fp)
		abort();
	fprintf(fp, "#!/bin/sh\n# %s\n[ \"$1\" = --version ] && echo 'terok-shield-hook 0.1.0' && exit 0\n"
		    "exit 1\n", tag);
	fclose(fp);
	chmod(path, 0755);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->root = scratch_dir();
	if (!f->root)
		return -1;
	f->home = ts_xasprintf("%s/home", f->root);
	f->xdg = ts_xasprintf("%s/xdg", f->root);
	f->hook_src = ts_xasprintf("%s/hook-source", f->root);
	f->hooks_dir = ts_xasprintf("%s/.local/share/containers/oci/hooks.d", f->home);
	f->conf_dir = ts_xasprintf("%s/containers", f->xdg);
	f->state_root = ts_xasprintf("%s/state", f->root);
	char *cmd = ts_xasprintf("mkdir -p '%s'", f->home);
	int rc = system(cmd);
	free(cmd);
	if (rc != 0)
		return -1;
	write_hook_stub(f->hook_src, "build 1");
	/* podman would read only this file; the test must never edit a real one. */
	unsetenv("CONTAINERS_CONF");
	setenv("HOME", f->home, 1);
	setenv("XDG_CONFIG_HOME", f->xdg, 1);
	setenv("TEROK_SHIELD_HOOK", f->hook_src, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	scratch_remove(f->root);
	free(f->home);
	free(f->xdg);
	free(f->hook_src);
	free(f->hooks_dir);
	free(f->conf_dir);
	free(f->state_root);
	free(f);
	return 0;
}

static char *read_path(const char *path)
{
	char *copy = ts_xstrdup(path);
	char *slash = strrchr(copy, '/');
	*slash = '\0';
	char *text = read_text(copy, slash + 1);
	free(copy);
	return text;
}

/* Whole file bytes (binary safe); *len set. */
static unsigned char *read_bytes(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	unsigned char *buf = malloc(1 << 24);
	*len = fread(buf, 1, 1 << 24, fp);
	fclose(fp);
	return buf;
}

static void assert_same_bytes(const char *a, const char *b)
{
	size_t la = 0, lb = 0;
	unsigned char *ba = read_bytes(a, &la), *bb = read_bytes(b, &lb);
	assert_non_null(ba);
	assert_non_null(bb);
	assert_true(la > 0);
	assert_int_equal(la, lb);
	assert_memory_equal(ba, bb, la);
	free(ba);
	free(bb);
}

static int setup_user(const struct fixture *f, struct ts_setup_report *rep, struct ts_error *err)
{
	*err = (struct ts_error){ 0 };
	return ts_setup_user(f->state_root, rep, err);
}

static void setup_user_ok(const struct fixture *f, struct ts_setup_report *rep)
{
	struct ts_error err;
	if (setup_user(f, rep, &err) < 0)
		fail_msg("ts_setup_user: %s", err.message);
}

/* The hook copy and both descriptors in f->hooks_dir. */
static void assert_installed(const struct fixture *f)
{
	char *hook = ts_xasprintf("%s/terok-shield-hook", f->hooks_dir);
	struct stat st;
	assert_int_equal(lstat(hook, &st), 0);
	assert_true(S_ISREG(st.st_mode)); /* a copy, not a link to the build tree */
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_same_bytes(hook, f->hook_src);

	const char *stages[] = { "createRuntime", "poststop" };
	for (size_t i = 0; i < ARRAY_SIZE(stages); i++) {
		char *path = ts_xasprintf("%s/terok-shield-%s.json", f->hooks_dir, stages[i]);
		char *text = read_path(path);
		if (!text)
			fail_msg("%s missing", path);
		json_error_t jerr;
		json_t *doc = json_loads(text, 0, &jerr);
		if (!doc)
			fail_msg("%s: not JSON: %s", path, jerr.text);
		assert_string_equal(json_string_value(json_object_get(doc, "version")), "1.0.0");
		json_t *h = json_object_get(doc, "hook");
		assert_string_equal(json_string_value(json_object_get(h, "path")), hook);
		json_t *args = json_object_get(h, "args");
		assert_int_equal(json_array_size(args), 2);
		assert_string_equal(json_string_value(json_array_get(args, 0)), "terok-shield-hook");
		assert_string_equal(json_string_value(json_array_get(args, 1)), stages[i]);
		json_t *env = json_object_get(h, "env");
		assert_int_equal(json_array_size(env), 2);
		assert_string_equal(json_string_value(json_array_get(env, 0)),
				    "TEROK_SHIELD_BUNDLE_VERSION=4");
		char *want = ts_xasprintf("TEROK_SHIELD_STATE_DIR=%s", f->state_root);
		assert_string_equal(json_string_value(json_array_get(env, 1)), want);
		free(want);
		json_t *when = json_object_get(json_object_get(doc, "when"), "annotations");
		assert_string_equal(json_string_value(json_object_get(when, "terok.shield.profiles")), ".*");
		assert_string_equal(json_string_value(json_array_get(json_object_get(doc, "stages"), 0)),
				    stages[i]);
		assert_int_equal(lstat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0644);
		json_decref(doc);
		free(text);
		free(path);
	}
	bool stale = true;
	assert_int_equal(ts_hooks_detect(&stale), TS_HOOKS_GLOBAL_USER);
	assert_false(stale);
	free(hook);
}

/* ---- tests ---- */

static void test_fresh_home(void **state)
{
	struct fixture *f = *state;
	struct ts_setup_report rep;
	setup_user_ok(f, &rep);
	assert_string_equal(rep.hooks_dir, f->hooks_dir);
	char *conf = ts_xasprintf("%s/containers.conf", f->conf_dir);
	assert_string_equal(rep.containers_conf, conf);
	assert_true(rep.conf_changed);
	assert_installed(f);

	/* A new hooks_dir keeps podman's defaults, then ours. */
	char *text = read_path(conf);
	assert_non_null(text);
	assert_contains(text, "[engine]");
	assert_contains(text, "\"/usr/share/containers/oci/hooks.d\"");
	assert_contains(text, "\"/etc/containers/oci/hooks.d\"");
	char *quoted = ts_xasprintf("\"%s\"", f->hooks_dir);
	assert_contains(text, quoted);
	assert_true(strstr(text, "/etc/containers/oci/hooks.d") < strstr(text, quoted));
	assert_true(ts_containers_conf_has_hooks_dir(text, f->hooks_dir));
	free(quoted);
	free(text);
	free(conf);
	ts_setup_report_clear(&rep);
}

/*
 * The terok-shield-dns beside the hook source goes next to the installed
 * hook, so the hook runs the forwarder built with it; none there: an
 * older copy goes (the hook then looks in libexecdir); one others can
 * write: refused.
 */
static void test_forwarder_beside_hook(void **state)
{
	struct fixture *f = *state;
	char *source = ts_xasprintf("%s/terok-shield-dns", f->root);
	char *installed = ts_xasprintf("%s/terok-shield-dns", f->hooks_dir);
	write_hook_stub(source, "forwarder 1");
	struct ts_setup_report rep;
	setup_user_ok(f, &rep);
	assert_non_null(rep.forwarder);
	assert_string_equal(rep.forwarder, installed);
	assert_same_bytes(source, installed);
	struct stat st;
	assert_int_equal(stat(installed, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	ts_setup_report_clear(&rep);

	unlink(source);
	setup_user_ok(f, &rep);
	assert_null(rep.forwarder);
	assert_int_equal(access(installed, F_OK), -1);
	ts_setup_report_clear(&rep);

	write_hook_stub(source, "forwarder 2");
	chmod(source, 0777);
	struct ts_error err = { 0 };
	assert_int_equal(ts_setup_user(f->state_root, &rep, &err), -EPERM);
	assert_contains(err.message, "writable by others");
	assert_int_equal(access(installed, F_OK), -1);
	free(source);
	free(installed);
}

/* Without XDG_CONFIG_HOME (or with a relative one): ~/.config. */
static void test_default_config_home(void **state)
{
	struct fixture *f = *state;
	const char *values[] = { NULL, "relative/xdg" };
	for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
		if (values[i])
			setenv("XDG_CONFIG_HOME", values[i], 1);
		else
			unsetenv("XDG_CONFIG_HOME");
		struct ts_setup_report rep;
		setup_user_ok(f, &rep);
		char *conf = ts_xasprintf("%s/.config/containers/containers.conf", f->home);
		assert_string_equal(rep.containers_conf, conf);
		char *text = read_path(conf);
		assert_non_null(text);
		assert_true(ts_containers_conf_has_hooks_dir(text, f->hooks_dir));
		/* Only the first run adds the directory. */
		assert_int_equal(rep.conf_changed, i == 0);
		free(text);
		free(conf);
		ts_setup_report_clear(&rep);
	}
	struct stat st;
	assert_int_equal(stat("relative", &st) < 0 && errno == ENOENT, 1);
}

static const char existing_conf[] =
	"# my settings\n"
	"[containers]\n"
	"default_ulimits = [\n"
	"  \"nofile=1024:1024\",\n"
	"  \"nproc=1000:1000\",\n"
	"]\n"
	"\n"
	"[engine]\n"
	"runtime = \"runc\"   # crun fails here\n"
	"hooks_dir = [\"/opt/other/hooks.d\"]\n"
	"\n"
	"[network]\n"
	"network_backend = \"cni\"\n";

static void test_keeps_existing_content(void **state)
{
	struct fixture *f = *state;
	make_dir(f->conf_dir);
	write_text(f->conf_dir, "containers.conf", existing_conf);
	char *conf = ts_xasprintf("%s/containers.conf", f->conf_dir);
	assert_int_equal(chmod(conf, 0600), 0);

	struct ts_setup_report rep;
	setup_user_ok(f, &rep);
	assert_true(rep.conf_changed);
	char *text = read_path(conf);
	assert_true(ts_containers_conf_has_hooks_dir(text, f->hooks_dir));
	assert_true(ts_containers_conf_has_hooks_dir(text, "/opt/other/hooks.d"));
	/* Every line but hooks_dir's, byte for byte and in order. */
	const char *before = "# my settings\n[containers]\ndefault_ulimits = [\n"
			     "  \"nofile=1024:1024\",\n  \"nproc=1000:1000\",\n]\n\n[engine]\n"
			     "runtime = \"runc\"   # crun fails here\n";
	const char *after = "\n[network]\nnetwork_backend = \"cni\"\n";
	assert_true(ts_startswith(text, before));
	assert_true(strlen(text) > strlen(after));
	assert_string_equal(text + strlen(text) - strlen(after), after);
	/* Existing entries are kept, podman's defaults are not added when the key is set. */
	assert_true(strstr(text, "/opt/other/hooks.d") < strstr(text, f->hooks_dir));
	struct stat st;
	assert_int_equal(stat(conf, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	free(text);
	free(conf);
	ts_setup_report_clear(&rep);
}

/* A second setup: nothing to add, containers.conf not even rewritten. */
static void test_idempotent(void **state)
{
	struct fixture *f = *state;
	make_dir(f->conf_dir);
	write_text(f->conf_dir, "containers.conf", existing_conf);
	char *conf = ts_xasprintf("%s/containers.conf", f->conf_dir);
	struct ts_setup_report rep;
	setup_user_ok(f, &rep);
	assert_true(rep.conf_changed);
	ts_setup_report_clear(&rep);
	char *first = read_path(conf);
	struct stat st1, st2;
	assert_int_equal(stat(conf, &st1), 0);
	char *desc = ts_xasprintf("%s/terok-shield-createRuntime.json", f->hooks_dir);
	char *desc_first = read_path(desc);

	setup_user_ok(f, &rep);
	assert_false(rep.conf_changed);
	char *second = read_path(conf);
	assert_string_equal(second, first);
	assert_int_equal(stat(conf, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino); /* not replaced */
	char *desc_second = read_path(desc);
	assert_string_equal(desc_second, desc_first);
	assert_installed(f);
	ts_setup_report_clear(&rep);
	free(first);
	free(second);
	free(desc);
	free(desc_first);
	free(desc_second);
	free(conf);
}

/* Running setup again after an upgrade replaces the hook and refreshes stale descriptors. */
static void test_upgrade(void **state)
{
	struct fixture *f = *state;
	struct ts_setup_report rep;
	setup_user_ok(f, &rep);
	ts_setup_report_clear(&rep);

	/* A descriptor of another bundle version, and a new hook build. */
	char *text = ts_hook_descriptor("poststop", "/old/terok-shield-hook", NULL);
	char *old = strstr(text, "VERSION=4");
	old[8] = '3';
	write_text(f->hooks_dir, "terok-shield-poststop.json", text);
	free(text);
	bool stale = false;
	assert_int_equal(ts_hooks_detect(&stale), TS_HOOKS_GLOBAL_USER);
	assert_true(stale);
	write_hook_stub(f->hook_src, "build 2");

	setup_user_ok(f, &rep);
	assert_false(rep.conf_changed);
	assert_installed(f);
	ts_setup_report_clear(&rep);
}

/* hooks_dir this editor does not understand: refused, file untouched. */
static void test_unparsable_hooks_dir(void **state)
{
	struct fixture *f = *state;
	const char *texts[] = {
		"[engine]\nhooks_dir = \"/opt/hooks.d\"\n",
		"[engine]\nhooks_dir = [\"/a\", [\"/b\"]]\n",
		"[engine]\nhooks_dir = [\"/a\"]\nhooks_dir = [\"/b\"]\n",
		"[engine.hooks_dir]\nx = 1\n",
	};
	make_dir(f->conf_dir);
	char *conf = ts_xasprintf("%s/containers.conf", f->conf_dir);
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		write_text(f->conf_dir, "containers.conf", texts[i]);
		struct stat st1, st2;
		assert_int_equal(stat(conf, &st1), 0);
		struct ts_setup_report rep;
		struct ts_error err;
		int r = setup_user(f, &rep, &err);
		if (r >= 0)
			fail_msg("accepted containers.conf:\n%s", texts[i]);
		assert_contains(err.message, conf);
		assert_contains(err.message, "line");
		assert_null(rep.hooks_dir);
		assert_null(rep.containers_conf);
		char *after = read_path(conf);
		assert_string_equal(after, texts[i]);
		assert_int_equal(stat(conf, &st2), 0);
		assert_int_equal(st1.st_ino, st2.st_ino);
		free(after);
	}
	free(conf);
}

/*
 * docs/cli.md ("bad input ... changes nothing"): a setup refused because of
 * containers.conf must not leave the hook installed, or ts_hooks_detect
 * (check-environment, prepare) would see a healthy install podman never
 * runs, and a restarted container would start without its hook.
 */
static void test_unparsable_installs_nothing(void **state)
{
	struct fixture *f = *state;
	make_dir(f->conf_dir);
	write_text(f->conf_dir, "containers.conf", "[engine]\nhooks_dir = \"/opt/hooks.d\"\n");
	struct ts_setup_report rep;
	struct ts_error err;
	assert_true(setup_user(f, &rep, &err) < 0);
	bool stale;
	enum ts_hooks_install where = ts_hooks_detect(&stale);
	if (where == TS_HOOKS_GLOBAL_USER)
		fail_msg("a refused setup left a global-user install behind in %s", f->hooks_dir);
	struct stat st;
	char *hook = ts_xasprintf("%s/terok-shield-hook", f->hooks_dir);
	assert_int_not_equal(lstat(hook, &st), 0);
	free(hook);
}

/* TEROK_SHIELD_HOOK naming something else: refused, nothing installed, conf untouched. */
static void test_not_a_hook(void **state)
{
	struct fixture *f = *state;
	setenv("TEROK_SHIELD_HOOK", "/bin/true", 1);
	struct ts_setup_report rep;
	struct ts_error err;
	assert_true(setup_user(f, &rep, &err) < 0);
	assert_contains(err.message, "/bin/true");
	assert_null(rep.hooks_dir);
	struct stat st;
	char *hook = ts_xasprintf("%s/terok-shield-hook", f->hooks_dir);
	char *conf = ts_xasprintf("%s/containers.conf", f->conf_dir);
	assert_int_not_equal(lstat(hook, &st), 0);
	assert_int_not_equal(lstat(conf, &st), 0);
	free(hook);
	free(conf);
}

/* $CONTAINERS_CONF (podman then reads only it) is the file setup edits. */
static void test_containers_conf_env(void **state)
{
	struct fixture *f = *state;
	char *forced = ts_xasprintf("%s/elsewhere/podman.conf", f->root);
	setenv("CONTAINERS_CONF", forced, 1);
	struct ts_setup_report rep;
	setup_user_ok(f, &rep);
	unsetenv("CONTAINERS_CONF");
	assert_string_equal(rep.containers_conf, forced);
	assert_true(rep.conf_changed);
	char *text = read_path(forced);
	assert_non_null(text);
	assert_true(ts_containers_conf_has_hooks_dir(text, f->hooks_dir));
	char *usual = ts_xasprintf("%s/containers.conf", f->conf_dir);
	struct stat st;
	assert_int_not_equal(lstat(usual, &st), 0);
	free(usual);
	free(text);
	free(forced);
	ts_setup_report_clear(&rep);
}

/* Descriptors podman would not run (hooks_dir no longer lists the directory) are no install. */
static void test_detect_needs_hooks_dir(void **state)
{
	struct fixture *f = *state;
	struct ts_setup_report rep;
	setup_user_ok(f, &rep);
	ts_setup_report_clear(&rep);
	write_text(f->conf_dir, "containers.conf", "[engine]\nhooks_dir = [\"/opt/other\"]\n");
	bool stale;
	assert_int_not_equal(ts_hooks_detect(&stale), TS_HOOKS_GLOBAL_USER);
	/* setup puts it back. */
	setup_user_ok(f, &rep);
	assert_true(rep.conf_changed);
	assert_installed(f);
	ts_setup_report_clear(&rep);
}

static void test_missing_hook_source(void **state)
{
	struct fixture *f = *state;
	char *missing = ts_xasprintf("%s/no-such-hook", f->root);
	setenv("TEROK_SHIELD_HOOK", missing, 1);
	struct ts_setup_report rep;
	struct ts_error err;
	assert_true(setup_user(f, &rep, &err) < 0);
	assert_contains(err.message, "hook executable");
	assert_null(rep.hooks_dir);
	/* containers.conf is not touched when the install fails. */
	char *conf = ts_xasprintf("%s/containers.conf", f->conf_dir);
	struct stat st;
	assert_int_not_equal(stat(conf, &st), 0);
	bool stale;
	assert_int_not_equal(ts_hooks_detect(&stale), TS_HOOKS_GLOBAL_USER);
	free(conf);
	free(missing);
}

static void test_home_not_absolute(void **state)
{
	struct fixture *f = *state;
	const char *values[] = { NULL, "relative/home" };
	for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
		if (values[i])
			setenv("HOME", values[i], 1);
		else
			unsetenv("HOME");
		struct ts_setup_report rep;
		struct ts_error err;
		assert_true(setup_user(f, &rep, &err) < 0);
		assert_contains(err.message, "HOME");
		assert_null(rep.hooks_dir);
	}
	setenv("HOME", f->home, 1);
}

/*
 * setup --root without root refuses before touching anything. Run from a
 * child that has given up root, so even a broken check could not write the
 * system directory.
 */
static void test_root_refused_without_root(void **state)
{
	struct fixture *f = *state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
			_exit(77);
		struct ts_setup_report rep;
		struct ts_error err = { 0 };
		int r = ts_setup_root(f->state_root, &rep, &err);
		bool ok = r == -EPERM && strstr(err.message, "setup --user") && rep.hooks_dir == NULL;
		_exit(ok ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		fail_msg("could not drop root to test the refusal");
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh_home, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_config_home, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forwarder_beside_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keeps_existing_content, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unparsable_hooks_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_hook_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_home_not_absolute, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_refused_without_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unparsable_installs_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_containers_conf_env, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detect_needs_hooks_dir, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
