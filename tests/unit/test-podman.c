/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `podman info -f json` parsing. Fixtures:
 *   podman-info-4.3-rootless.json   captured from Debian 12's podman 4.3.1
 *   podman-info-5.2-*.json          written by hand after podman 5's
 *     libpod/define/info.go (HostInfo field order and JSON names; the
 *     slirp4netns object is always present, "executable" empty when the
 *     helper is missing) and libpod/info.go (rootlessNetworkCmd is
 *     config.Network.DefaultRootlessNetworkCmd, reported rootful or not;
 *     added by containers/podman PR #22177, so podman 5.0 lacks it), with
 *     values from a published podman 5.2.3 `podman info` on Fedora 40.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "container/podman.h"
#include "test-helpers.h"

/* text with the first occurrence of from replaced by to (which must occur). */
static char *replaced(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	if (!at)
		fail_msg("fixture has no '%s'", from);
	return ts_xasprintf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

static void assert_info(const char *json, const char *version, bool rootless, enum ts_net_mode mode)
{
	struct ts_podman_info info;
	struct ts_error err = { 0 };

	if (ts_podman_info_parse(json, &info, &err) != 0)
		fail_msg("parse failed: %s", err.message);
	assert_string_equal(info.version, version);
	assert_int_equal(info.rootless, rootless);
	assert_int_equal(info.mode, mode);
	ts_podman_info_clear(&info);
	assert_null(info.version);
}

/* The exact message, and nothing left behind in info. */
static void assert_parse_error(const char *json, const char *message)
{
	struct ts_podman_info info;
	struct ts_error err = { 0 };

	assert_int_equal(ts_podman_info_parse(json, &info, &err), -EPROTO);
	assert_int_equal(err.code, EPROTO);
	assert_string_equal(err.message, message);
	assert_null(info.version);
	ts_podman_info_clear(&info);
}

static void test_mode_tables(void **state)
{
	(void)state;
	assert_string_equal(ts_net_mode_name(TS_NET_SLIRP4NETNS), "slirp4netns");
	assert_string_equal(ts_net_mode_name(TS_NET_PASTA), "pasta");
	assert_string_equal(ts_net_mode_dns(TS_NET_SLIRP4NETNS), "10.0.2.3");
	assert_string_equal(ts_net_mode_dns(TS_NET_PASTA), "169.254.1.1");
	assert_string_equal(ts_net_mode_gateway(TS_NET_SLIRP4NETNS), "10.0.2.2");
	assert_null(ts_net_mode_gateway(TS_NET_PASTA));
}

static void test_fixture_podman4_rootless(void **state)
{
	(void)state;
	char *json = read_fixture("podman-info-4.3-rootless.json");
	assert_info(json, "4.3.1", true, TS_NET_SLIRP4NETNS);
	free(json);
}

static void test_fixture_podman5_rootless_pasta(void **state)
{
	(void)state;
	char *json = read_fixture("podman-info-5.2-rootless-pasta.json");
	assert_info(json, "5.2.3", true, TS_NET_PASTA);
	free(json);
}

static void test_fixture_podman5_rootful(void **state)
{
	(void)state;
	/* slirp4netns is installed there, but the reported command wins. */
	char *json = read_fixture("podman-info-5.2-rootful.json");
	assert_info(json, "5.2.3", false, TS_NET_PASTA);
	free(json);
}

static void test_fixture_unknown_network_cmd(void **state)
{
	(void)state;
	char *json = read_fixture("podman-info-5.2-unknown-network-cmd.json");
	assert_parse_error(json, "podman info: unsupported rootless network command 'vpnkit' "
				 "(terok-shield knows slirp4netns and pasta)");
	free(json);
}

static void test_network_cmd_slirp4netns(void **state)
{
	(void)state;
	char *json = read_fixture("podman-info-5.2-rootless-pasta.json");
	char *slirp = replaced(json, "\"rootlessNetworkCmd\": \"pasta\"",
			       "\"rootlessNetworkCmd\": \"slirp4netns\"");
	assert_info(slirp, "5.2.3", true, TS_NET_SLIRP4NETNS);
	free(slirp);
	free(json);
}

static void test_podman4_fallback(void **state)
{
	(void)state;
	char *json = read_fixture("podman-info-4.3-rootless.json");
	/* No slirp4netns helper found: podman 4 reports an empty executable. */
	char *empty = replaced(json, "\"executable\": \"/usr/bin/slirp4netns\"", "\"executable\": \"\"");
	assert_info(empty, "4.3.1", true, TS_NET_PASTA);
	/* Or no slirp4netns object at all. */
	char *absent = replaced(json, "\"slirp4netns\": {", "\"slirp4netns-gone\": {");
	assert_info(absent, "4.3.1", true, TS_NET_PASTA);
	char *no_exe = replaced(json, "\"executable\": \"/usr/bin/slirp4netns\",", "");
	assert_info(no_exe, "4.3.1", true, TS_NET_PASTA);
	free(no_exe);
	free(absent);
	free(empty);
	free(json);
}

static void test_podman50_without_network_cmd(void **state)
{
	(void)state;
	/* podman 5.0 had no rootlessNetworkCmd but defaulted to pasta, slirp4netns installed or not. */
	char *json = read_fixture("podman-info-5.2-rootless-pasta.json");
	char *v50 = replaced(json, "\"rootlessNetworkCmd\": \"pasta\",", "");
	assert_info(v50, "5.2.3", true, TS_NET_PASTA);
	char *with_slirp = replaced(v50, "\"executable\": \"\"", "\"executable\": \"/usr/bin/slirp4netns\"");
	assert_info(with_slirp, "5.2.3", true, TS_NET_PASTA);
	free(with_slirp);
	free(v50);
	free(json);
}

static void test_minimal_documents(void **state)
{
	(void)state;
	assert_info("{\"version\": {\"Version\": \"5.3.0-dev\"}, "
		    "\"host\": {\"security\": {\"rootless\": true}, \"rootlessNetworkCmd\": \"pasta\"}}",
		    "5.3.0-dev", true, TS_NET_PASTA);
	assert_info("{\"version\": {\"Version\": \"4.9.4-rhel\"}, \"host\": {\"security\": "
		    "{\"rootless\": false}, \"slirp4netns\": {\"executable\": \"/usr/bin/slirp4netns\"}}}",
		    "4.9.4-rhel", false, TS_NET_SLIRP4NETNS);
}

/* jansson words its own messages; only our part is pinned. */
static void assert_bad_json(const char *json)
{
	struct ts_podman_info info;
	struct ts_error err = { 0 };

	assert_int_equal(ts_podman_info_parse(json, &info, &err), -EPROTO);
	if (!ts_startswith(err.message, "podman info: invalid JSON: "))
		fail_msg("unexpected message: %s", err.message);
	assert_null(info.version);
}

static void test_bad_json(void **state)
{
	(void)state;
	assert_bad_json("");
	assert_bad_json("{\"version\": ");
	assert_bad_json("{\"host\": {}, \"host\": {}}");
	/* Whatever podman printed before the JSON is not skipped over. */
	assert_bad_json("WARN[0000] something\n{}");
	assert_parse_error("[]", "podman info: not a JSON object");
	assert_bad_json("\"5.2.3\"");
}

static void test_missing_and_mistyped_fields(void **state)
{
	(void)state;
	const char *sec = "\"security\": {\"rootless\": true}";
	struct {
		const char *json;
		const char *message;
	} cases[] = {
		{ "{}", "podman info: version.Version is missing" },
		{ "{\"version\": \"5.2.3\"}", "podman info: version.Version is missing" },
		{ "{\"version\": {\"Version\": 5}}", "podman info: version.Version is not a version" },
		{ "{\"version\": {\"Version\": \"\"}}", "podman info: version.Version is not a version" },
		{ "{\"version\": {\"Version\": \"5.2.3 $(id)\"}}",
		  "podman info: version.Version is not a version" },
		{ "{\"version\": {\"Version\": \"v5\"}}", "podman info: version.Version is not a version" },
		{ "{\"version\": {\"Version\": \"5.2.3\"}}", "podman info: host is missing or not an object" },
		{ "{\"version\": {\"Version\": \"5.2.3\"}, \"host\": []}",
		  "podman info: host is missing or not an object" },
		{ "{\"version\": {\"Version\": \"5.2.3\"}, \"host\": {}}",
		  "podman info: host.security.rootless is missing" },
		{ "{\"version\": {\"Version\": \"5.2.3\"}, \"host\": {\"security\": {\"rootless\": \"true\"}}}",
		  "podman info: host.security.rootless is not a boolean" },
		{ NULL, "podman info: host.rootlessNetworkCmd is not a string" },
		{ NULL, "podman info: unsupported rootless network command '' "
			"(terok-shield knows slirp4netns and pasta)" },
		{ NULL, "podman info: unsupported rootless network command 'Pasta' "
			"(terok-shield knows slirp4netns and pasta)" },
		{ NULL, "podman info: unsupported rootless network command 'pasta?rm -rf /' "
			"(terok-shield knows slirp4netns and pasta)" },
		{ NULL, "podman info: unsupported rootless network command "
			"'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' (terok-shield knows slirp4netns and pasta)" },
		{ NULL, "podman info: host.slirp4netns is not an object" },
		{ NULL, "podman info: host.slirp4netns.executable is not a string" },
	};
	const char *host_tails[] = {
		"\"rootlessNetworkCmd\": null",
		"\"rootlessNetworkCmd\": \"\"",
		"\"rootlessNetworkCmd\": \"Pasta\"",
		"\"rootlessNetworkCmd\": \"pasta\\nrm -rf /\"",
		"\"rootlessNetworkCmd\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
		"\"slirp4netns\": \"/usr/bin/slirp4netns\"",
		"\"slirp4netns\": {\"executable\": true}",
	};
	size_t tail = 0;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *json = NULL;
		if (!cases[i].json)
			json = ts_xasprintf("{\"version\": {\"Version\": \"5.2.3\"}, \"host\": {%s, %s}}", sec,
					    host_tails[tail++]);
		assert_parse_error(json ? json : cases[i].json, cases[i].message);
		free(json);
	}
	assert_int_equal(tail, ARRAY_SIZE(host_tails));
}

static void test_clear_is_idempotent(void **state)
{
	(void)state;
	struct ts_podman_info info = { 0 };
	ts_podman_info_clear(&info);
	ts_podman_info_clear(&info);
	assert_null(info.version);
}

/* A PATH holding only a fake `podman` script (or nothing), for the read path. */
struct fake_path {
	char *dir;
	char *saved;
};

static void fake_path_enter(struct fake_path *fp, const char *script)
{
	fp->dir = scratch_dir();
	assert_non_null(fp->dir);
	if (script) {
		write_text(fp->dir, "podman", script);
		char *path = ts_xasprintf("%s/podman", fp->dir);
		assert_int_equal(chmod(path, 0755), 0);
		free(path);
	}
	const char *old = getenv("PATH");
	fp->saved = old ? ts_xstrdup(old) : NULL;
	setenv("PATH", fp->dir, 1);
}

static void fake_path_leave(struct fake_path *fp)
{
	if (fp->saved)
		setenv("PATH", fp->saved, 1);
	else
		unsetenv("PATH");
	free(fp->saved);
	scratch_remove(fp->dir);
}

static void test_read_not_installed(void **state)
{
	(void)state;
	struct fake_path fp;
	struct ts_podman_info info;
	struct ts_error err = { 0 };

	fake_path_enter(&fp, NULL);
	int r = ts_podman_info_read(&info, &err);
	fake_path_leave(&fp);
	assert_int_equal(r, -ENOENT);
	assert_string_equal(err.message, "podman: not found");
	assert_null(info.version);
}

static void test_read_fake_podman(void **state)
{
	(void)state;
	const char *dir = getenv("TS_TEST_FIXTURES");
	assert_non_null(dir);
	/* Checks its arguments, so the command line is part of what is tested. */
	char *script = ts_xasprintf("#!/bin/sh\n"
				    "[ \"$*\" = \"info -f json\" ] || exit 9\n"
				    "exec /bin/cat '%s/podman-info-5.2-rootless-pasta.json'\n",
				    dir);
	struct fake_path fp;
	struct ts_podman_info info;
	struct ts_error err = { 0 };

	fake_path_enter(&fp, script);
	int r = ts_podman_info_read(&info, &err);
	fake_path_leave(&fp);
	free(script);
	if (r != 0)
		fail_msg("read failed: %s", err.message);
	assert_string_equal(info.version, "5.2.3");
	assert_true(info.rootless);
	assert_int_equal(info.mode, TS_NET_PASTA);
	ts_podman_info_clear(&info);
}

static void test_read_failing_podman(void **state)
{
	(void)state;
	struct fake_path fp;
	struct ts_podman_info info;
	struct ts_error err = { 0 };

	fake_path_enter(&fp, "#!/bin/sh\necho '{\"partial\": ' \nexit 125\n");
	int r = ts_podman_info_read(&info, &err);
	fake_path_leave(&fp);
	assert_int_equal(r, -EIO);
	assert_string_equal(err.message, "podman info exited with status 125");
	assert_null(info.version);

	/* podman's own words: its error lines, logrus lines reduced to their msg. */
	fake_path_enter(&fp, "#!/bin/sh\n"
			     "echo 'time=\"2026-12-05T08:44:06Z\" level=warning msg=\"\\\"/\\\" is not a shared mount\"' >&2\n"
			     "echo 'time=\"2026-12-05T08:44:06Z\" level=error msg=\"invalid configuration: the specified mapping 1000:65536 in \\\"/etc/subuid\\\" includes the user UID\"' >&2\n"
			     "exit 1\n");
	r = ts_podman_info_read(&info, &err);
	fake_path_leave(&fp);
	assert_int_equal(r, -EIO);
	assert_string_equal(err.message, "podman info exited with status 1: invalid configuration: the "
					 "specified mapping 1000:65536 in \"/etc/subuid\" includes the user UID");

	fake_path_enter(&fp, "#!/bin/sh\necho 'not json'\n");
	r = ts_podman_info_read(&info, &err);
	fake_path_leave(&fp);
	assert_int_equal(r, -EPROTO);
	assert_null(info.version);
}

static void test_failed_message(void **state)
{
	(void)state;
	struct ts_error err = { 0 };
	/* No stderr: just the status. */
	assert_int_equal(ts_podman_failed(&err, "podman info", 125, NULL), -EIO);
	assert_string_equal(err.message, "podman info exited with status 125");
	ts_podman_failed(&err, "podman info", 125, " \n\n");
	assert_string_equal(err.message, "podman info exited with status 125");
	/* Error lines win over the lines before them; at most three. */
	ts_podman_failed(&err, "podman info", 125,
			 "WARN[0000] noise\nError: one\nError: two\nError: three\nError: four\n");
	assert_string_equal(err.message,
			    "podman info exited with status 125: Error: one | Error: two | Error: three");
	/* No error line: the first lines, whatever they are. */
	ts_podman_failed(&err, "podman info", 2, "usage: something\n\nsee --help\n");
	assert_string_equal(err.message, "podman info exited with status 2: usage: something | see --help");
	/* Control bytes never reach the message; long lines are cut. */
	ts_podman_failed(&err, "podman info", 1, "Error: a\tb\x1b[31mred\r\n");
	assert_string_equal(err.message, "podman info exited with status 1: Error: a?b?[31mred?");
	char long_line[1000];
	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	ts_podman_failed(&err, "podman info", 1, long_line);
	assert_true(strlen(err.message) < 300);
	/* A logrus line whose msg has no closing quote still ends. */
	ts_podman_failed(&err, "podman info", 1, "level=error msg=\"cut short");
	assert_string_equal(err.message, "podman info exited with status 1: cut short");
}

/* The real podman, when this machine has one. */
static void test_read_real_podman(void **state)
{
	(void)state;
	struct ts_error err = { 0 };
	char *version = NULL;
	int r = ts_podman_version(&version, &err);
	if (r == -ENOENT)
		TS_SKIP_TEST("podman is not installed");
	if (r != 0)
		fail_msg("podman --version: %s", err.message);

	struct ts_podman_info info;
	r = ts_podman_info_read(&info, &err);
	if (r != 0)
		fail_msg("podman info: %s", err.message);
	assert_string_equal(info.version, version);
	/* podman runs rootless exactly when it is not started as root. */
	assert_int_equal(info.rootless, geteuid() != 0);
	assert_true(info.mode == TS_NET_SLIRP4NETNS || info.mode == TS_NET_PASTA);
	ts_podman_info_clear(&info);
	free(version);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_tables),
		cmocka_unit_test(test_failed_message),
		cmocka_unit_test(test_fixture_podman4_rootless),
		cmocka_unit_test(test_fixture_podman5_rootless_pasta),
		cmocka_unit_test(test_fixture_podman5_rootful),
		cmocka_unit_test(test_fixture_unknown_network_cmd),
		cmocka_unit_test(test_network_cmd_slirp4netns),
		cmocka_unit_test(test_podman4_fallback),
		cmocka_unit_test(test_podman50_without_network_cmd),
		cmocka_unit_test(test_minimal_documents),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_missing_and_mistyped_fields),
		cmocka_unit_test(test_clear_is_idempotent),
		cmocka_unit_test(test_read_not_installed),
		cmocka_unit_test(test_read_fake_podman),
		cmocka_unit_test(test_read_failing_podman),
		cmocka_unit_test(test_read_real_podman),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
