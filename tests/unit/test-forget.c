/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forget: the state directory goes, whole, without following a link; a
 * refusal (running, still in podman, unknown, invalid, a link, too deep)
 * leaves everything as it was. podman is a stand-in on PATH.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sys/stat.h>

#include "base/util.h"
#include "container/procid.h"
#include "control/forget.h"
#include "test-helpers.h"

static char *root;       /* scratch: state/, outside/, podman/ */
static char *state_root; /* root/state */
static char *saved_path;

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* Every path under root with its type and, for files and links, what they hold. */
static char *listing(void)
{
	char *cmd = ts_xasprintf("cd '%s' && find . -printf '%%p %%y %%m %%l\\n' | LC_ALL=C sort && "
				 "find . -type f -exec cat {} +", root);
	FILE *p = popen(cmd, "r");
	free(cmd);
	assert_non_null(p);
	char *buf = calloc(1, 1 << 20);
	size_t n = fread(buf, 1, (1 << 20) - 1, p);
	buf[n] = '\0';
	pclose(p);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	root = scratch_dir();
	if (!root)
		return -1;
	state_root = ts_xasprintf("%s/state", root);
	shell_ok("mkdir -p '%s/containers' '%s/outside' '%s/podman/bin' '%s/podman/has'", state_root, root,
	   root, root);
	/* podman container exists NAME: yes when podman/has/NAME exists; inspect: stopped. */
	char *dir = ts_xasprintf("%s/podman/bin", root);
	char *script = ts_xasprintf("#!/bin/sh\n"
				    "case \"$1 $2\" in\n"
				    "'container exists') [ -e '%s/podman/has/'\"$3\" ] ;;\n"
				    "'container inspect') echo false ;;\n"
				    "*) exit 125 ;;\n"
				    "esac\n",
				    root);
	saved_path = fake_on_path(dir, "podman", script);
	free(script);
	free(dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	restore_path(saved_path);
	shell_ok("chmod -R u+rwX '%s'", root);
	scratch_remove(root);
	free(state_root);
	return 0;
}

/* A bundle as prepare and allow/deny leave it, plus links pointing out of it. */
static char *make_bundle(const char *name)
{
	char *sd = ts_xasprintf("%s/containers/%s", state_root, name);
	shell_ok("mkdir -p -m 0700 '%s/hooks' && cd '%s' && printf '203.0.113.9\\n2001:db8::9\\n' > live.allowed"
	   " && echo example.test > live.domains && echo 192.0.2.1 > deny.list"
	   " && echo '{}' > hooks/terok-shield-createRuntime.json && echo x > ruleset.nft"
	   " && echo block > blocked"
	   " && echo keep > '%s/outside/file' && ln -sf '%s/outside/file' audit.jsonl"
	   " && ln -sfn '%s/outside' hooks/outside-dir",
	   sd, sd, root, root, root);
	return sd;
}

static void assert_refused(const char *name, int code, const char *needle)
{
	char *before = listing();
	struct ts_forgotten gone;
	struct ts_error err = { 0 };
	int r = ts_forget(state_root, name, &gone, &err);
	if (r != -code)
		fail_msg("forget %s returned %d (%s), wanted %d", name, r, err.message, -code);
	if (!strstr(err.message, needle))
		fail_msg("'%s' not in: %s", needle, err.message);
	assert_null(gone.state_dir);
	char *after = listing();
	if (strcmp(before, after) != 0)
		fail_msg("a refused forget of %s changed files", name);
	free(before);
	free(after);
}

static void test_forget_removes_without_following(void **state)
{
	(void)state;
	char *sd = make_bundle("gone");
	struct ts_forgotten gone;
	struct ts_error err = { 0 };
	if (ts_forget(state_root, "gone", &gone, &err) < 0)
		fail_msg("forget: %s", err.message);
	assert_string_equal(gone.state_dir, sd);
	assert_int_equal(gone.kept.allows, 3);
	assert_int_equal(gone.kept.denies, 1);
	assert_true(gone.kept.blocked);
	assert_false(exists(sd));
	/* What the links pointed at is untouched. */
	char *outside = ts_xasprintf("%s/outside", root);
	char *text = read_text(outside, "file");
	assert_non_null(text);
	assert_string_equal(text, "keep\n");
	free(text);
	free(outside);
	ts_forgotten_clear(&gone);
	free(sd);
}

static void test_unknown_and_invalid(void **state)
{
	(void)state;
	assert_refused("never", ENOENT, "no container 'never' has been prepared");
	const char *bad[] = { "..", ".", "../state", "a/b", "-rf", "", "web x", "web\n" };
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_refused(bad[i], EINVAL, "invalid container name");
}

static void test_link_refused(void **state)
{
	(void)state;
	char *sd = make_bundle("real");
	shell_ok("ln -s '%s' '%s/containers/link'", sd, state_root);
	assert_refused("link", ELOOP, "is a symbolic link");
	shell_ok("echo not-a-dir > '%s/containers/plain'", state_root);
	assert_refused("plain", ENOTDIR, "is not a directory");
	shell_ok("rm -rf '%s/containers/link' '%s/containers/plain' '%s'", state_root, state_root, sd);
	free(sd);
}

/* container.pid describing a live process (this test's): the container runs. */
static void test_running_refused(void **state)
{
	(void)state;
	char *sd = make_bundle("busy");
	struct ts_proc_identity self;
	assert_int_equal(ts_proc_identity_read(getpid(), &self, NULL), 0);
	char *text = ts_proc_identity_format(&self);
	write_text(sd, "container.pid", text);
	free(text);
	assert_refused("busy", EBUSY, "container 'busy' is running");
	shell_ok("rm -rf '%s'", sd);
	free(sd);
}

static void test_podman_has_it_refused(void **state)
{
	(void)state;
	char *sd = make_bundle("stopped");
	shell_ok("touch '%s/podman/has/stopped'", root);
	assert_refused("stopped", EBUSY, "podman rm stopped");
	shell_ok("rm -rf '%s' '%s/podman/has/stopped'", sd, root);
	free(sd);
}

/* What would stop the removal halfway is found first: nothing removed. */
static void test_refused_before_removing(void **state)
{
	(void)state;
	char *sd = make_bundle("deep");
	shell_ok("mkdir -p '%s/a/b/c/d/e/f/g/h/i/j'", sd);
	assert_refused("deep", ELOOP, "nested too deep");
	shell_ok("rm -rf '%s'", sd);
	free(sd);
	if (geteuid() == 0)
		return; /* root may remove from a directory without write permission */
	sd = make_bundle("stuck");
	shell_ok("chmod 0500 '%s/hooks'", sd);
	assert_refused("stuck", EACCES, "cannot remove its entries");
	shell_ok("chmod 0700 '%s/hooks' && rm -rf '%s'", sd, sd);
	free(sd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forget_removes_without_following),
		cmocka_unit_test(test_unknown_and_invalid),
		cmocka_unit_test(test_link_refused),
		cmocka_unit_test(test_running_refused),
		cmocka_unit_test(test_podman_has_it_refused),
		cmocka_unit_test(test_refused_before_removing),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
