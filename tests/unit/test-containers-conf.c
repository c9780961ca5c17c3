/* SPDX-License-Identifier: Apache-2.0 */
/* Adding our hooks directory to containers.conf [engine] hooks_dir. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "base/util.h"
#include "config/containers_conf.h"

#define DIR "/home/u/.local/share/containers/oci/hooks.d"

/* The array podman would use without the key, then dir. */
#define NEW_ARRAY(key, dir, nl)                                                                    \
	key " = [" nl "  \"/usr/share/containers/oci/hooks.d\"," nl                                \
	"  \"/etc/containers/oci/hooks.d\"," nl "  \"" dir "\"," nl "]" nl
#define NEW_KEY NEW_ARRAY("hooks_dir", DIR, "\n")

/* text + dir gives expected; adding again changes nothing; dir is then listed. */
static void assert_added_dir(const char *text, const char *dir, const char *expected)
{
	struct ts_error err = { 0 };
	char *out = NULL, *again = NULL;
	bool changed = false;

	if (ts_containers_conf_add_hooks_dir(text, dir, &out, &changed, &err) != 0)
		fail_msg("add failed: %s", err.message);
	assert_true(changed);
	assert_string_equal(out, expected);
	assert_false(text && ts_containers_conf_has_hooks_dir(text, dir));
	assert_true(ts_containers_conf_has_hooks_dir(out, dir));

	changed = true;
	if (ts_containers_conf_add_hooks_dir(out, dir, &again, &changed, &err) != 0)
		fail_msg("second add failed: %s", err.message);
	assert_false(changed);
	assert_string_equal(again, expected);
	free(again);
	free(out);
}

static void assert_added(const char *text, const char *expected)
{
	assert_added_dir(text, DIR, expected);
}

static void assert_unchanged(const char *text, const char *dir)
{
	struct ts_error err = { 0 };
	char *out = NULL;
	bool changed = true;

	if (ts_containers_conf_add_hooks_dir(text, dir, &out, &changed, &err) != 0)
		fail_msg("add failed: %s", err.message);
	assert_false(changed);
	assert_string_equal(out, text);
	assert_true(ts_containers_conf_has_hooks_dir(text, dir));
	free(out);
}

/* The exact message; nothing written; the text counts as not listing DIR. */
static void assert_add_error_dir(const char *text, const char *dir, const char *message)
{
	struct ts_error err = { 0 };
	char *out = (char *)"untouched";
	bool changed = true;

	assert_int_equal(ts_containers_conf_add_hooks_dir(text, dir, &out, &changed, &err), -EINVAL);
	assert_int_equal(err.code, EINVAL);
	assert_string_equal(err.message, message);
	assert_null(out);
	assert_false(changed);
}

static void assert_add_error(const char *text, const char *message)
{
	assert_add_error_dir(text, DIR, message);
	assert_false(ts_containers_conf_has_hooks_dir(text, DIR));
	assert_false(ts_containers_conf_has_hooks_dir(text, "/a"));
}

static void test_no_file(void **state)
{
	(void)state;
	assert_added(NULL, "[engine]\n" NEW_KEY);
	assert_added("", "[engine]\n" NEW_KEY);
	assert_false(ts_containers_conf_has_hooks_dir(NULL, DIR));
	assert_false(ts_containers_conf_has_hooks_dir("", DIR));
}

static void test_no_engine_table(void **state)
{
	(void)state;
	const char *text = "[containers]\n"
			   "default_ulimits = [\n"
			   "  \"nofile=1024:1024\",\n"
			   "  \"nproc=1000:1000\",\n"
			   "]\n"
			   "\n"
			   "[network]\n"
			   "network_backend = \"cni\"\n";
	char *expected = ts_xasprintf("%s\n[engine]\n%s", text, NEW_KEY);
	assert_added(text, expected);
	free(expected);

	/* No newline at the end; a blank line already there; comments only. */
	assert_added("[network]\nnetwork_backend = \"cni\"",
		     "[network]\nnetwork_backend = \"cni\"\n\n[engine]\n" NEW_KEY);
	assert_added("[network]\n\n", "[network]\n\n[engine]\n" NEW_KEY);
	assert_added("# my settings\n", "# my settings\n\n[engine]\n" NEW_KEY);
	assert_added("\n", "\n[engine]\n" NEW_KEY);
}

static void test_engine_without_hooks_dir(void **state)
{
	(void)state;
	/* Right after the header, which may carry blanks and a comment. */
	assert_added("[containers]\n"
		     "hooks_dir = [\"/not/podmans\"]\n"
		     "\n"
		     "  [ engine ]  # the engine\n"
		     "runtime = \"runc\"\n"
		     "\n"
		     "[network]\n",
		     "[containers]\n"
		     "hooks_dir = [\"/not/podmans\"]\n"
		     "\n"
		     "  [ engine ]  # the engine\n" NEW_KEY
		     "runtime = \"runc\"\n"
		     "\n"
		     "[network]\n");
	assert_added("[engine]", "[engine]\n" NEW_KEY);
	assert_added("[\"engine\"]\n", "[\"engine\"]\n" NEW_KEY);
	/* Sub-tables of engine are other tables. */
	assert_added("[engine]\n"
		     "[engine.runtimes]\n"
		     "hooks_dir = [\"/not/podmans\"]\n",
		     "[engine]\n" NEW_KEY
		     "[engine.runtimes]\n"
		     "hooks_dir = [\"/not/podmans\"]\n");
	assert_false(ts_containers_conf_has_hooks_dir("[containers]\nhooks_dir = [\"/a\"]\n", "/a"));
}

static void test_dir_is_a_default(void **state)
{
	(void)state;
	/* Listed once, where podman's default order has it. */
	assert_added_dir("[engine]\n", TS_HOOKS_DIR_DEFAULT_ETC,
			 "[engine]\n"
			 "hooks_dir = [\n"
			 "  \"/usr/share/containers/oci/hooks.d\",\n"
			 "  \"/etc/containers/oci/hooks.d\",\n"
			 "]\n");
}

static void test_single_line_arrays(void **state)
{
	(void)state;
	assert_added("[engine]\nhooks_dir = [\"/a\"]\n",
		     "[engine]\nhooks_dir = [\"/a\", \"" DIR "\"]\n");
	assert_added("[engine]\nhooks_dir = [ '/a', \"/b\" ]  # mine\nx = 1\n",
		     "[engine]\nhooks_dir = [ '/a', \"/b\", \"" DIR "\" ]  # mine\nx = 1\n");
	assert_added("[engine]\nhooks_dir = [\"/a\",]\n",
		     "[engine]\nhooks_dir = [\"/a\", \"" DIR "\",]\n");
	assert_added("[engine]\nhooks_dir = [\"/a\" , ]",
		     "[engine]\nhooks_dir = [\"/a\" , \"" DIR "\", ]");
	assert_added("[engine]\nhooks_dir = []\n", "[engine]\nhooks_dir = [\"" DIR "\"]\n");
	assert_added("[engine]\nhooks_dir=[  ]# none\n", "[engine]\nhooks_dir=[\"" DIR "\"]# none\n");
	assert_added("[engine]\n\"hooks_dir\" = ['/a']\n",
		     "[engine]\n\"hooks_dir\" = ['/a', \"" DIR "\"]\n");
}

static void test_multi_line_arrays(void **state)
{
	(void)state;
	assert_added("[engine]\n"
		     "hooks_dir = [\n"
		     "    \"/usr/share/containers/oci/hooks.d\", # vendor\n"
		     "    # \"/disabled\",\n"
		     "    '/etc/containers/oci/hooks.d',\n"
		     "]\n"
		     "cgroup_manager = \"cgroupfs\"\n",
		     "[engine]\n"
		     "hooks_dir = [\n"
		     "    \"/usr/share/containers/oci/hooks.d\", # vendor\n"
		     "    # \"/disabled\",\n"
		     "    '/etc/containers/oci/hooks.d',\n"
		     "    \"" DIR "\",\n"
		     "]\n"
		     "cgroup_manager = \"cgroupfs\"\n");
	/* No trailing comma: one is added, the new entry goes without. */
	assert_added("[engine]\n"
		     "hooks_dir = [\n"
		     "\t\"/a\",\n"
		     "\t\"/b\"  # last\n"
		     "]\n",
		     "[engine]\n"
		     "hooks_dir = [\n"
		     "\t\"/a\",\n"
		     "\t\"/b\",  # last\n"
		     "\t\"" DIR "\"\n"
		     "]\n");
	/* Closing bracket right after the last entry. */
	assert_added("[engine]\n"
		     "hooks_dir = [\"/a\",\n"
		     "             \"/b\"]\n",
		     "[engine]\n"
		     "hooks_dir = [\"/a\",\n"
		     "             \"/b\", \"" DIR "\"]\n");
	/* Entries on the key's line, bracket below. */
	assert_added("[engine]\n"
		     "  hooks_dir = [\"/a\", \"/b\",\n"
		     "  ]\n",
		     "[engine]\n"
		     "  hooks_dir = [\"/a\", \"/b\",\n"
		     "    \"" DIR "\",\n"
		     "  ]\n");
	/* Empty, with a comment inside. */
	assert_added("[engine]\n"
		     "  hooks_dir = [ # nothing yet\n"
		     "    # \"/x\",\n"
		     "  ]\n",
		     "[engine]\n"
		     "  hooks_dir = [ # nothing yet\n"
		     "    # \"/x\",\n"
		     "    \"" DIR "\",\n"
		     "  ]\n");
	/* The comma on a line of its own. */
	assert_added("[engine]\n"
		     "hooks_dir = [\n"
		     "  \"/a\"\n"
		     "  , # odd\n"
		     "]\n",
		     "[engine]\n"
		     "hooks_dir = [\n"
		     "  \"/a\"\n"
		     "  , # odd\n"
		     "  \"" DIR "\",\n"
		     "]\n");
}

static void test_quoting(void **state)
{
	(void)state;
	/* Already there, however it was spelled. */
	assert_unchanged("[engine]\nhooks_dir = [\"/x/\\\"q\\\"/h\\\\d\"]\n", "/x/\"q\"/h\\d");
	assert_unchanged("[engine]\nhooks_dir = ['/x/\"q\"/h\\d']\n", "/x/\"q\"/h\\d");
	assert_unchanged("[engine]\nhooks_dir = [\"/h\\u006Fme/\\U0000006A\"]\n", "/home/j");
	assert_unchanged("[engine]\nhooks_dir = [\"/h\\u00e9\"]\n", "/h\xc3\xa9");
	assert_unchanged("[engine]\nhooks_dir = [\"" DIR "/\"]\n", DIR);
	assert_unchanged("[engine]\nhooks_dir = [\"" DIR "\"]\n", DIR "//");
	assert_unchanged("[engine]\nhooks_dir = [\"/\"]\n", "/");
	/* A trailing slash is not the whole name. */
	assert_added_dir("[engine]\nhooks_dir = [\"/a\"]\n", "/a/b",
			 "[engine]\nhooks_dir = [\"/a\", \"/a/b\"]\n");
	/* Written escaped. */
	assert_added_dir("[engine]\nhooks_dir = []\n", "/x/\"q\"/h\\d",
			 "[engine]\nhooks_dir = [\"/x/\\\"q\\\"/h\\\\d\"]\n");
	assert_added_dir("", "/home/j\xc3\xbcrgen/hooks",
			 "[engine]\n" NEW_ARRAY("hooks_dir", "/home/j\xc3\xbcrgen/hooks", "\n"));
	assert_added_dir("[engine]\nhooks_dir = []\n", "/\xe2\x82\xac/\xf0\x9f\x98\x80/\xf4\x8f\xbf\xbf",
			 "[engine]\nhooks_dir = [\"/\xe2\x82\xac/\xf0\x9f\x98\x80/\xf4\x8f\xbf\xbf\"]\n");
}

static void test_bad_dirs(void **state)
{
	(void)state;
	assert_add_error_dir("", "relative/hooks.d",
			     "hooks directory 'relative/hooks.d' is not an absolute path");
	assert_add_error_dir("", "", "hooks directory '' is not an absolute path");
	assert_add_error_dir("", "/a\nb", "hooks directory contains a control character");
	assert_add_error_dir("", "/a\tb", "hooks directory contains a control character");
	assert_add_error_dir("", "/a\x7f", "hooks directory contains a control character");
	assert_add_error_dir("", "/a\xff", "hooks directory is not valid UTF-8");
	assert_add_error_dir("", "/a\xc3", "hooks directory is not valid UTF-8");
	assert_add_error_dir("", "/a\xc0\xaf", "hooks directory is not valid UTF-8");
	assert_add_error_dir("", "/a\xe0\x80\xaf", "hooks directory is not valid UTF-8");
	assert_add_error_dir("", "/a\xed\xa0\x80", "hooks directory is not valid UTF-8");
	assert_add_error_dir("", "/a\xf4\x90\x80\x80", "hooks directory is not valid UTF-8");
	assert_add_error_dir("", "/a\xf5\x80\x80\x80", "hooks directory is not valid UTF-8");
}

static void test_other_tables_untouched(void **state)
{
	(void)state;
	assert_added("# containers.conf\n"
		     "[containers]\n"
		     "hooks_dir = [\"/containers/table\"]\n"
		     "env = { a = \"]\", b = [1, 2], c = { d = '[engine]' } }\n"
		     "stamp = 1979-05-27 07:32:00Z\n"
		     "big = +1_000.5e3\n"
		     "\n"
		     "[engine]\n"
		     "hooks_dir = [\"/a\"]\n"
		     "\n"
		     "[engine.runtimes]\n"
		     "runc = [\"/usr/bin/runc\"]\n"
		     "\n"
		     "[[network.extra]]\n"
		     "hooks_dir = [\"/network\"]\n",
		     "# containers.conf\n"
		     "[containers]\n"
		     "hooks_dir = [\"/containers/table\"]\n"
		     "env = { a = \"]\", b = [1, 2], c = { d = '[engine]' } }\n"
		     "stamp = 1979-05-27 07:32:00Z\n"
		     "big = +1_000.5e3\n"
		     "\n"
		     "[engine]\n"
		     "hooks_dir = [\"/a\", \"" DIR "\"]\n"
		     "\n"
		     "[engine.runtimes]\n"
		     "runc = [\"/usr/bin/runc\"]\n"
		     "\n"
		     "[[network.extra]]\n"
		     "hooks_dir = [\"/network\"]\n");
	assert_false(ts_containers_conf_has_hooks_dir("[engine]\n[containers]\nhooks_dir = [\"/a\"]\n",
						      "/a"));
}

static void test_strings_that_look_like_tables(void **state)
{
	(void)state;
	const char *text = "[containers]\n"
			   "annotation = \"\"\"\n"
			   "[engine]\n"
			   "hooks_dir = [\"/trap\"]\\\n"
			   "\"\"\"\"\"\n"
			   "label = '''\n"
			   "[engine]'''\n"
			   "quoted = \"[engine] \\\" # not a comment\"\n";
	char *expected = ts_xasprintf("%s\n[engine]\n%s", text, NEW_KEY);
	assert_added(text, expected);
	assert_false(ts_containers_conf_has_hooks_dir(text, "/trap"));
	free(expected);
}

static void test_dotted_keys(void **state)
{
	(void)state;
	assert_added("engine.hooks_dir = [\"/a\"]\n\n[network]\n",
		     "engine.hooks_dir = [\"/a\", \"" DIR "\"]\n\n[network]\n");
	assert_added("engine . \"hooks_dir\" = [\"/a\"]\n",
		     "engine . \"hooks_dir\" = [\"/a\", \"" DIR "\"]\n");
	/* engine defined by dotted keys: a new dotted key next to them. */
	assert_added("engine.cgroup_manager = \"cgroupfs\"\n"
		     "engine.runtime = \"runc\" # comment\n"
		     "other = 1\n"
		     "\n"
		     "[network]\n"
		     "x = 1\n",
		     "engine.cgroup_manager = \"cgroupfs\"\n"
		     "engine.runtime = \"runc\" # comment\n"
		     NEW_ARRAY("engine.hooks_dir", DIR, "\n")
		     "other = 1\n"
		     "\n"
		     "[network]\n"
		     "x = 1\n");
	assert_true(ts_containers_conf_has_hooks_dir("engine.hooks_dir = ['/a']", "/a"));
	/* A dotted key in another table is that table's. */
	assert_false(ts_containers_conf_has_hooks_dir("[x]\nengine.hooks_dir = ['/a']", "/a"));
}

static void test_crlf(void **state)
{
	(void)state;
	assert_added("[engine]\r\nhooks_dir = [\r\n  \"/a\",\r\n]\r\n",
		     "[engine]\r\nhooks_dir = [\r\n  \"/a\",\r\n  \"" DIR "\",\r\n]\r\n");
	assert_added("[network]\r\nx = 1\r\n",
		     "[network]\r\nx = 1\r\n\r\n[engine]\r\n" NEW_ARRAY("hooks_dir", DIR, "\r\n"));
	assert_added("[engine]\r\n", "[engine]\r\n" NEW_ARRAY("hooks_dir", DIR, "\r\n"));
}

static void test_byte_order_mark(void **state)
{
	(void)state;
	assert_added("\xef\xbb\xbf[engine]\nhooks_dir = [\"/a\"]\n",
		     "\xef\xbb\xbf[engine]\nhooks_dir = [\"/a\", \"" DIR "\"]\n");
}

static void test_not_understood(void **state)
{
	(void)state;
	assert_add_error("[engine]\nhooks_dir = \"/a\"\n",
			 "containers.conf line 2: [engine] hooks_dir is a string, "
			 "not an array of strings; edit it by hand");
	assert_add_error("# c\n[engine]\nhooks_dir = '''/a'''\n",
			 "containers.conf line 3: [engine] hooks_dir is a string, "
			 "not an array of strings; edit it by hand");
	assert_add_error("[engine]\nhooks_dir = 5\n",
			 "containers.conf line 2: [engine] hooks_dir is a single value, "
			 "not an array of strings; edit it by hand");
	assert_add_error("[engine]\nhooks_dir = [[\"/a\"]]\n",
			 "containers.conf line 2: [engine] hooks_dir has an entry that is not a "
			 "one-line string: not an array of strings; edit it by hand");
	assert_add_error("[engine]\nhooks_dir = [\n  \"/a\",\n  { path = \"/b\" },\n]\n",
			 "containers.conf line 4: [engine] hooks_dir has an entry that is not a "
			 "one-line string: not an array of strings; edit it by hand");
	assert_add_error("[engine]\nhooks_dir = [\n  \"\"\"/a\"\"\",\n]\n",
			 "containers.conf line 3: [engine] hooks_dir has an entry that is not a "
			 "one-line string: not an array of strings; edit it by hand");
	assert_add_error("[engine]\nhooks_dir = [\"/a\", 1]\n",
			 "containers.conf line 2: [engine] hooks_dir has an entry that is not a "
			 "one-line string: not an array of strings; edit it by hand");
	assert_add_error("[engine.hooks_dir]\nx = [\"/a\"]\n",
			 "containers.conf line 1: [engine] hooks_dir is a table, "
			 "not an array of strings; edit it by hand");
	assert_add_error("[engine]\nhooks_dir.user = [\"/a\"]\n",
			 "containers.conf line 2: [engine] hooks_dir is a table, "
			 "not an array of strings; edit it by hand");
	assert_add_error("engine.hooks_dir.user = [\"/a\"]\n",
			 "containers.conf line 1: [engine] hooks_dir is a table, "
			 "not an array of strings; edit it by hand");
	assert_add_error("engine = { hooks_dir = [\"/a\"] }\n",
			 "containers.conf line 1: engine is set as one value, not a table; "
			 "edit hooks_dir by hand");
	assert_add_error("[[engine]]\nhooks_dir = [\"/a\"]\n",
			 "containers.conf line 1: [[engine]] is an array of tables; "
			 "edit hooks_dir by hand");
	assert_add_error("[engine]\nhooks_dir = [\"/a\"]\n\nhooks_dir = [\"/b\"]\n",
			 "containers.conf line 4: [engine] hooks_dir is set twice (first on line 2)");
	assert_add_error("[engine]\n[network]\n[engine]\n",
			 "containers.conf line 3: a second [engine] table");
}

static void test_broken_toml(void **state)
{
	(void)state;
	assert_add_error("[engine]\nhooks_dir = [\n  \"/a\",\n",
			 "containers.conf line 2: unterminated array");
	assert_add_error("[engine]\nhooks_dir = [\"/a]\n",
			 "containers.conf line 2: unterminated string");
	assert_add_error("[engine]\nhooks_dir = [\"/a\"] x\n",
			 "containers.conf line 2: unexpected text after the end of a value or header");
	assert_add_error("[engine]\nhooks_dir = [\"/a\" \"/b\"]\n",
			 "containers.conf line 2: expected ',' or ']' in an array");
	assert_add_error("[engine]\nhooks_dir\n", "containers.conf line 2: expected '=' after a key");
	assert_add_error("[engine]\nhooks_dir = [\"/a\\q\"]\n",
			 "containers.conf line 2: invalid escape in a string");
	assert_add_error("[engine]\nhooks_dir = [\"/a\\u0000\"]\n",
			 "containers.conf line 2: unsupported character escape in a string");
	assert_add_error("[engine]\nhooks_dir = [\"/a\\uD800\"]\n",
			 "containers.conf line 2: unsupported character escape in a string");
	assert_add_error("[engine]\nhooks_dir = [\"/a\\u12\"]\n",
			 "containers.conf line 2: malformed escape in a string");
	assert_add_error("[engine]\nhooks_dir = [\"/a\x01\"]\n",
			 "containers.conf line 2: control character in a string");
	assert_add_error("[engine\n", "containers.conf line 1: malformed table header");
	assert_add_error("[[engine]\n", "containers.conf line 1: malformed table header");
	assert_add_error("[]\n", "containers.conf line 1: expected a key");
	assert_add_error("= 1\n", "containers.conf line 1: expected a key");
	assert_add_error("x = \n", "containers.conf line 1: expected a value");
	assert_add_error("x = 1\ry = 2\n",
			 "containers.conf line 1: unexpected text after the end of a value or header");
	/* Broken elsewhere: still not edited. */
	assert_add_error("[containers]\nenv = [ \"a\" \"b\" ]\n[engine]\n",
			 "containers.conf line 2: expected ',' or ']' in an array");
	assert_add_error("[containers]\nx = \"\"\"never closed\n\n[engine]\n",
			 "containers.conf line 2: unterminated multi-line string");
	assert_add_error("[containers]\nx = { a = 1\n",
			 "containers.conf line 2: unterminated inline table");
	assert_add_error("[containers]\nx = { a = 1 b = 2 }\n",
			 "containers.conf line 2: expected ',' or '}' in an inline table");

	/* Deep nesting is refused, not recursed into. */
	char deep[400];
	size_t n = 0;
	n += (size_t)snprintf(deep, sizeof(deep), "x = ");
	for (int i = 0; i < 100; i++)
		deep[n++] = '[';
	deep[n] = '\0';
	assert_add_error(deep, "containers.conf line 1: values nested too deeply");
}

static void test_has_hooks_dir(void **state)
{
	(void)state;
	const char *text = "[engine]\nhooks_dir = [\"/a\", '/b/']\n";
	assert_true(ts_containers_conf_has_hooks_dir(text, "/a"));
	assert_true(ts_containers_conf_has_hooks_dir(text, "/a/"));
	assert_true(ts_containers_conf_has_hooks_dir(text, "/b"));
	assert_false(ts_containers_conf_has_hooks_dir(text, "/c"));
	assert_false(ts_containers_conf_has_hooks_dir(text, "/"));
	/* Unset: podman's defaults apply, but they are not listed. */
	assert_false(ts_containers_conf_has_hooks_dir("[engine]\n", TS_HOOKS_DIR_DEFAULT_USR));
	/* Unparsable: false rather than a guess. */
	assert_false(ts_containers_conf_has_hooks_dir("[engine]\nhooks_dir = [\"/a\"\n", "/a"));
	assert_false(ts_containers_conf_has_hooks_dir("[engine]\nhooks_dir = [\"/a\"]\nx = \"\n", "/a"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_file),
		cmocka_unit_test(test_no_engine_table),
		cmocka_unit_test(test_engine_without_hooks_dir),
		cmocka_unit_test(test_dir_is_a_default),
		cmocka_unit_test(test_single_line_arrays),
		cmocka_unit_test(test_multi_line_arrays),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_bad_dirs),
		cmocka_unit_test(test_other_tables_untouched),
		cmocka_unit_test(test_strings_that_look_like_tables),
		cmocka_unit_test(test_dotted_keys),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_byte_order_mark),
		cmocka_unit_test(test_not_understood),
		cmocka_unit_test(test_broken_toml),
		cmocka_unit_test(test_has_hooks_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
