/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Profiles: parsing, name validation, lookup with user overrides, listing
 * and composition. The bundled profiles are read from the source tree,
 * named by $TS_TEST_PROFILES_DIR (set by meson).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "base/fileio.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "config/profiles.h"

static const char *bundled_dir;

static const char *const bundled_names[] = {
	"base", "dev-node", "dev-python", "dev-standard", "nvidia-hpc",
};

/* A temporary config root with an empty profiles/ directory. */
struct fixture {
	char root[64];
	char profiles[128];
};

static void write_file(const char *dir, const char *name, const char *content)
{
	_cleanup_free_ char *path = ts_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(content, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	struct fixture *fx = ts_xmalloc(sizeof(*fx));
	snprintf(fx->root, sizeof(fx->root), "/tmp/test-profiles.XXXXXX");
	if (!mkdtemp(fx->root)) {
		free(fx);
		return -1;
	}
	snprintf(fx->profiles, sizeof(fx->profiles), "%s/profiles", fx->root);
	if (mkdir(fx->profiles, 0700) < 0) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	int r = nftw(fx->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return r;
}

static void assert_strv(const struct ts_strv *v, const char *const *want, size_t n)
{
	assert_int_equal(v->n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(v->items[i], want[i]);
}

static void test_parse_comments_blank_crlf(void **state)
{
	(void)state;
	_cleanup_strv_ struct ts_strv v = TS_STRV_INIT;
	struct ts_error err = { 0 };
	const char *text = "# header comment\n"
			   "\n"
			   "example.com\r\n"
			   "  api.example.com   # trailing comment\r\n"
			   "\t \r\n"
			   "#192.0.2.1\n"
			   "198.51.100.7"; /* no final newline */
	static const char *const want[] = { "example.com", "api.example.com", "198.51.100.7" };

	assert_int_equal(ts_profile_parse("p.txt", text, &v, &err), 0);
	assert_strv(&v, want, ARRAY_SIZE(want));
}

static void test_parse_canonicalises(void **state)
{
	(void)state;
	_cleanup_strv_ struct ts_strv v = TS_STRV_INIT;
	struct ts_error err = { 0 };
	const char *text = "10.1.2.3/8\n"
			   "192.0.2.9/32\n"
			   "2001:DB8::1/32\n"
			   "2001:db8:0:0:0:0:0:1\n"
			   "API.GitHub.COM.\n"
			   "*.Docs.Example.ORG\n"
			   "example.com\n"
			   "example.com\n";
	static const char *const want[] = {
		"10.0.0.0/8",      "192.0.2.9",         "2001:db8::/32",
		"2001:db8::1",     "api.github.com",    "*.docs.example.org",
		"example.com",     "example.com", /* parse keeps duplicates */
	};

	assert_int_equal(ts_profile_parse("p.txt", text, &v, &err), 0);
	assert_strv(&v, want, ARRAY_SIZE(want));
}

static void test_parse_appends(void **state)
{
	(void)state;
	_cleanup_strv_ struct ts_strv v = TS_STRV_INIT;
	static const char *const want[] = { "first.example", "second.example" };

	ts_strv_push(&v, "first.example");
	assert_int_equal(ts_profile_parse("p.txt", "Second.Example\n", &v, NULL), 0);
	assert_strv(&v, want, ARRAY_SIZE(want));
}

static void test_parse_empty(void **state)
{
	(void)state;
	_cleanup_strv_ struct ts_strv v = TS_STRV_INIT;

	assert_int_equal(ts_profile_parse("p.txt", "", &v, NULL), 0);
	assert_int_equal(ts_profile_parse("p.txt", "# only\n\n   # comments\n\n", &v, NULL), 0);
	assert_int_equal(v.n, 0);
}

static void expect_parse_error(const char *text, const char *message)
{
	_cleanup_strv_ struct ts_strv v = TS_STRV_INIT;
	struct ts_error err = { 0 };

	ts_strv_push(&v, "kept.example");
	assert_int_equal(ts_profile_parse("/etc/p.txt", text, &v, &err), -EINVAL);
	assert_int_equal(err.code, EINVAL);
	assert_string_equal(err.message, message);
	/* All or nothing: nothing from the failing text was appended. */
	assert_int_equal(v.n, 1);
	assert_string_equal(v.items[0], "kept.example");
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_parse_error("ok.example\n\nnot_a_domain!  # why\n",
			   "/etc/p.txt:3: not a domain, IP address or network: 'not_a_domain!'");
	expect_parse_error("localhost\n",
			   "/etc/p.txt:1: not a domain, IP address or network: 'localhost'");
	expect_parse_error("a.example\r\n300.1.2.3\r\n",
			   "/etc/p.txt:2: not a domain, IP address or network: '300.1.2.3'");
	expect_parse_error("10.0.0.0/33\n",
			   "/etc/p.txt:1: not a domain, IP address or network: '10.0.0.0/33'");
	expect_parse_error("2001:db8::g\n",
			   "/etc/p.txt:1: not a domain, IP address or network: '2001:db8::g'");
	expect_parse_error("two words.example\n",
			   "/etc/p.txt:1: not a domain, IP address or network: 'two'");
	expect_parse_error("a.example words.example\n",
			   "/etc/p.txt:1: scope 'words.example' (PORT or P-Q, /tcp or /udp for one "
			   "protocol only): invalid port 'words.example': a port 1-65535 or a range P-Q");
	expect_parse_error("example.c0m\n",
			   "/etc/p.txt:1: not a domain, IP address or network: 'example.c0m'");
	expect_parse_error("\xff\xfe.example\n",
			   "/etc/p.txt:1: not a domain, IP address or network: '\xff\xfe.example'");
}

static void test_parse_long_line(void **state)
{
	(void)state;
	_cleanup_strv_ struct ts_strv v = TS_STRV_INIT;
	_cleanup_strbuf_ struct ts_strbuf b = TS_STRBUF_INIT;
	struct ts_error err = { 0 };
	char line[1026];

	/* Exactly 1024 bytes is allowed. */
	memset(line, ' ', 1024);
	memcpy(line, "a.example #", 11);
	line[1024] = '\0';
	ts_strbuf_printf(&b, "b.example\n%s\n", line);
	assert_int_equal(ts_profile_parse("p.txt", b.data, &v, &err), 0);
	assert_int_equal(v.n, 2);

	/* One more byte is not. */
	ts_strbuf_clear(&b);
	line[1024] = ' ';
	line[1025] = '\0';
	ts_strbuf_printf(&b, "b.example\n%s\n", line);
	assert_int_equal(ts_profile_parse("p.txt", b.data, &v, &err), -EINVAL);
	assert_string_equal(err.message, "p.txt:2: line longer than 1024 bytes");
	assert_int_equal(v.n, 2);
}

static void test_parse_scoped(void **state)
{
	(void)state;
	_cleanup_strv_ struct ts_strv v = TS_STRV_INIT;
	struct ts_error err = { 0 };
	const char *text = "GitHub.com 443/tcp\n"
			   "10.1.2.3/8\t8000-8080/udp  # a range\n"
			   "example.org 53\n"
			   "2001:DB8::1 22-22/tcp\n"
			   "*.Docs.Example.ORG 443\r\n";
	static const char *const want[] = {
		"github.com 443/tcp", "10.0.0.0/8 8000-8080/udp", "example.org 53",
		"2001:db8::1 22/tcp", "*.docs.example.org 443",
	};

	assert_int_equal(ts_profile_parse("p.txt", text, &v, &err), 0);
	assert_strv(&v, want, ARRAY_SIZE(want));
}

static void test_parse_scope_errors(void **state)
{
	(void)state;
	expect_parse_error("ok.example\ngithub.com 0\n",
			   "/etc/p.txt:2: scope '0' (PORT or P-Q, /tcp or /udp for one protocol "
			   "only): invalid port '0': a port 1-65535 or a range P-Q");
	expect_parse_error("github.com 70000/tcp\n",
			   "/etc/p.txt:1: scope '70000/tcp' (PORT or P-Q, /tcp or /udp for one "
			   "protocol only): invalid port '70000': a port 1-65535 or a range P-Q");
	expect_parse_error("github.com 1-2-3\n",
			   "/etc/p.txt:1: scope '1-2-3' (PORT or P-Q, /tcp or /udp for one protocol "
			   "only): invalid port '1-2-3': a port 1-65535 or a range P-Q");
	expect_parse_error("github.com 9-8\n",
			   "/etc/p.txt:1: scope '9-8' (PORT or P-Q, /tcp or /udp for one protocol "
			   "only): invalid port range '9-8': 9 is above 8");
	expect_parse_error("github.com 443/icmp\n",
			   "/etc/p.txt:1: scope '443/icmp' (PORT or P-Q, /tcp or /udp for one "
			   "protocol only): invalid protocol 'icmp': tcp or udp");
	expect_parse_error("github.com 443/TCP\n",
			   "/etc/p.txt:1: scope '443/TCP' (PORT or P-Q, /tcp or /udp for one "
			   "protocol only): invalid protocol 'TCP': tcp or udp");
	expect_parse_error("github.com 443/tcp/udp\n",
			   "/etc/p.txt:1: scope '443/tcp/udp' (PORT or P-Q, /tcp or /udp for one "
			   "protocol only): invalid protocol 'tcp/udp': tcp or udp");
	expect_parse_error("github.com 443 tcp\n",
			   "/etc/p.txt:1: 'github.com 443 tcp': a line is one domain, IP address or "
			   "network and at most one scope (443/tcp)");
	expect_parse_error("github.com 30m\n",
			   "/etc/p.txt:1: scope '30m' (PORT or P-Q, /tcp or /udp for one protocol "
			   "only): invalid port '30m': a port 1-65535 or a range P-Q");
	expect_parse_error("bad_name! 443/tcp\n",
			   "/etc/p.txt:1: not a domain, IP address or network: 'bad_name!'");
}

static void test_entry_split(void **state)
{
	(void)state;
	char target[256];
	struct ts_scope s;

	assert_int_equal(ts_profile_entry_split("github.com", target, sizeof(target), &s), 0);
	assert_string_equal(target, "github.com");
	assert_int_equal(s.protos, TS_PROTO_TCP | TS_PROTO_UDP);
	assert_int_equal(s.port_lo, 0);
	assert_int_equal(s.port_hi, 65535);

	assert_int_equal(ts_profile_entry_split("github.com 443/tcp", target, sizeof(target), &s), 1);
	assert_string_equal(target, "github.com");
	assert_int_equal(s.protos, TS_PROTO_TCP);
	assert_int_equal(s.port_lo, 443);
	assert_int_equal(s.port_hi, 443);
	assert_int_equal(s.seconds, 0);

	assert_int_equal(ts_profile_entry_split("10.0.0.0/8 8000-8080", target, sizeof(target), &s), 1);
	assert_string_equal(target, "10.0.0.0/8");
	assert_int_equal(s.protos, TS_PROTO_TCP | TS_PROTO_UDP);
	assert_int_equal(s.port_lo, 8000);
	assert_int_equal(s.port_hi, 8080);

	assert_int_equal(ts_profile_entry_split("x.example 0", target, sizeof(target), &s), -EINVAL);
	assert_int_equal(ts_profile_entry_split("x.example", target, 4, &s), -EINVAL);
}

static void test_name_validate(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "../x", "a/b", ".hidden", "a..b", "..", "/abs", "sp ace", "semi;colon", "tab\t",
	};
	struct ts_error err = { 0 };
	char longest[66];

	assert_int_equal(ts_profile_name_validate("dev-standard", &err), 0);
	assert_int_equal(ts_profile_name_validate("my_profile.v2", &err), 0);
	assert_int_equal(ts_profile_name_validate("X", &err), 0);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(ts_profile_name_validate(bad[i], &err), -EINVAL);
		assert_int_equal(err.code, EINVAL);
	}
	assert_int_equal(ts_profile_name_validate(NULL, NULL), -EINVAL);

	memset(longest, 'a', 64);
	longest[64] = '\0';
	assert_int_equal(ts_profile_name_validate(longest, &err), 0);
	longest[64] = 'a';
	longest[65] = '\0';
	assert_int_equal(ts_profile_name_validate(longest, &err), -EINVAL);

	assert_int_equal(ts_profile_name_validate("../x", &err), -EINVAL);
	assert_string_equal(err.message,
			    "invalid profile name '../x': must not start with '.' or contain '..'");
	assert_int_equal(ts_profile_name_validate("a/b", &err), -EINVAL);
	assert_string_equal(err.message, "invalid profile name 'a/b': only letters, digits, '_', "
					 "'.' and '-' are allowed");
}

static void test_bundled_dir_from_env(void **state)
{
	(void)state;
	assert_string_equal(ts_profiles_bundled_dir(), bundled_dir);
}

static void test_find_user_overrides_bundled(void **state)
{
	struct fixture *fx = *state;
	_cleanup_free_ char *bundled = NULL;
	_cleanup_free_ char *user = NULL;
	_cleanup_free_ char *want_bundled = ts_xasprintf("%s/base.txt", bundled_dir);
	_cleanup_free_ char *want_user = ts_xasprintf("%s/base.txt", fx->profiles);
	struct ts_error err = { 0 };
	bool is_user = true;

	assert_int_equal(ts_profile_find(fx->root, "base", &bundled, &is_user, &err), 0);
	assert_string_equal(bundled, want_bundled);
	assert_false(is_user);

	write_file(fx->profiles, "base.txt", "mine.example\n");
	assert_int_equal(ts_profile_find(fx->root, "base", &user, &is_user, &err), 0);
	assert_string_equal(user, want_user);
	assert_true(is_user);

	/* And composition uses the override's contents, not the bundled ones. */
	_cleanup_strv_ struct ts_strv names = TS_STRV_INIT;
	_cleanup_strv_ struct ts_strv entries = TS_STRV_INIT;
	static const char *const expect[] = { "mine.example" };
	ts_strv_push(&names, "base");
	assert_int_equal(ts_profiles_compose(fx->root, &names, &entries, &err), 0);
	assert_strv(&entries, expect, ARRAY_SIZE(expect));
}

static void test_find_unknown_lists_available(void **state)
{
	struct fixture *fx = *state;
	char *path = NULL;
	struct ts_error err = { 0 };

	write_file(fx->profiles, "zz-mine.txt", "a.example\n");
	write_file(fx->profiles, "dev-node.txt", "b.example\n");
	assert_int_equal(ts_profile_find(fx->root, "nope", &path, NULL, &err), -ENOENT);
	assert_null(path);
	assert_int_equal(err.code, ENOENT);
	assert_string_equal(err.message, "unknown profile 'nope' (available: base, dev-node, "
					 "dev-python, dev-standard, nvidia-hpc, zz-mine)");
}

static void test_find_invalid_name(void **state)
{
	struct fixture *fx = *state;
	char *path = NULL;
	struct ts_error err = { 0 };

	/* A traversal must be rejected even when its target exists. */
	write_file(fx->root, "x.txt", "a.example\n");
	assert_int_equal(ts_profile_find(fx->root, "../x", &path, NULL, &err), -EINVAL);
	assert_null(path);
	assert_int_equal(ts_profile_find(fx->root, "", &path, NULL, &err), -EINVAL);
	assert_string_equal(err.message, "empty profile name");
}

static void test_list_sorted_unique(void **state)
{
	struct fixture *fx = *state;
	_cleanup_strv_ struct ts_strv names = TS_STRV_INIT;
	struct ts_error err = { 0 };
	static const char *const want[] = {
		"aa-first", "base", "dev-node", "dev-python", "dev-standard", "nvidia-hpc", "zz-last",
	};

	write_file(fx->profiles, "zz-last.txt", "");
	write_file(fx->profiles, "base.txt", "");      /* also bundled: listed once */
	write_file(fx->profiles, "aa-first.txt", "");
	write_file(fx->profiles, ".hidden.txt", "");   /* invalid name: skipped */
	write_file(fx->profiles, "notes.md", "");      /* not a profile */
	write_file(fx->profiles, ".txt", "");          /* empty name */
	_cleanup_free_ char *subdir = ts_xasprintf("%s/dir.txt", fx->profiles);
	assert_int_equal(mkdir(subdir, 0700), 0);      /* a directory is no profile */

	assert_int_equal(ts_profiles_list(fx->root, &names, &err), 0);
	assert_strv(&names, want, ARRAY_SIZE(want));
}

static void test_list_without_user_dir(void **state)
{
	struct fixture *fx = *state;
	_cleanup_strv_ struct ts_strv names = TS_STRV_INIT;
	_cleanup_free_ char *missing = ts_xasprintf("%s/does-not-exist", fx->root);
	struct ts_error err = { 0 };

	assert_int_equal(ts_profiles_list(missing, &names, &err), 0);
	assert_strv(&names, bundled_names, ARRAY_SIZE(bundled_names));
}

static void test_compose_order_and_dedupe(void **state)
{
	struct fixture *fx = *state;
	_cleanup_strv_ struct ts_strv names = TS_STRV_INIT;
	_cleanup_strv_ struct ts_strv entries = TS_STRV_INIT;
	struct ts_error err = { 0 };
	static const char *const want[] = {
		"pre.example",  "b.example", "a.example", "10.0.0.0/8",
		"c.example",    "d.example",
	};

	write_file(fx->profiles, "one.txt", "b.example\nA.example\nb.example\n10.9.9.9/8\n");
	write_file(fx->profiles, "two.txt", "c.example\na.example.\n10.0.0.0/8\npre.example\n"
					    "d.example\n");
	ts_strv_push(&names, "one");
	ts_strv_push(&names, "two");
	ts_strv_push(&entries, "pre.example");

	assert_int_equal(ts_profiles_compose(fx->root, &names, &entries, &err), 0);
	assert_strv(&entries, want, ARRAY_SIZE(want));

	/* The other order puts two's entries first. */
	static const char *const want_rev[] = {
		"c.example", "a.example", "10.0.0.0/8", "pre.example", "d.example", "b.example",
	};
	_cleanup_strv_ struct ts_strv rev_names = TS_STRV_INIT;
	_cleanup_strv_ struct ts_strv rev = TS_STRV_INIT;
	ts_strv_push(&rev_names, "two");
	ts_strv_push(&rev_names, "one");
	assert_int_equal(ts_profiles_compose(fx->root, &rev_names, &rev, &err), 0);
	assert_strv(&rev, want_rev, ARRAY_SIZE(want_rev));
}

static void test_compose_many_entries(void **state)
{
	struct fixture *fx = *state;
	_cleanup_strbuf_ struct ts_strbuf b = TS_STRBUF_INIT;
	_cleanup_strv_ struct ts_strv names = TS_STRV_INIT;
	_cleanup_strv_ struct ts_strv entries = TS_STRV_INIT;
	struct ts_error err = { 0 };
	const unsigned n = 30000;

	/* Every entry twice, the second time upper-cased: 30000 unique survive. */
	for (unsigned i = 0; i < n; i++)
		ts_strbuf_printf(&b, "h%u.example\n", i);
	for (unsigned i = 0; i < n; i++)
		ts_strbuf_printf(&b, "H%u.EXAMPLE\n", i);
	write_file(fx->profiles, "big.txt", b.data);
	ts_strv_push(&names, "big");
	ts_strv_push(&names, "big");

	assert_int_equal(ts_profiles_compose(fx->root, &names, &entries, &err), 0);
	assert_int_equal(entries.n, n);
	assert_string_equal(entries.items[0], "h0.example");
	assert_string_equal(entries.items[n - 1], "h29999.example");
}

static void test_compose_errors(void **state)
{
	struct fixture *fx = *state;
	_cleanup_strv_ struct ts_strv names = TS_STRV_INIT;
	_cleanup_strv_ struct ts_strv entries = TS_STRV_INIT;
	_cleanup_free_ char *want = NULL;
	struct ts_error err = { 0 };

	write_file(fx->profiles, "broken.txt", "good.example\n# fine\nbad..example\n");
	ts_strv_push(&names, "dev-node");
	ts_strv_push(&names, "broken");
	assert_int_equal(ts_profiles_compose(fx->root, &names, &entries, &err), -EINVAL);
	want = ts_xasprintf("%s/broken.txt:3: not a domain, IP address or network: 'bad..example'",
			    fx->profiles);
	assert_string_equal(err.message, want);
	assert_int_equal(entries.n, 0); /* nothing from dev-node leaked out */

	ts_strv_clear(&names);
	ts_strv_push(&names, "base");
	ts_strv_push(&names, "missing");
	assert_int_equal(ts_profiles_compose(fx->root, &names, &entries, &err), -ENOENT);
	assert_string_equal(err.message, "unknown profile 'missing' (available: base, broken, "
					 "dev-node, dev-python, dev-standard, nvidia-hpc)");
	assert_int_equal(entries.n, 0);
}

static void test_symlinked_user_profile_refused(void **state)
{
	struct fixture *fx = *state;
	_cleanup_strv_ struct ts_strv names = TS_STRV_INIT;
	_cleanup_strv_ struct ts_strv entries = TS_STRV_INIT;
	_cleanup_free_ char *target = ts_xasprintf("%s/elsewhere.txt", fx->root);
	_cleanup_free_ char *link = ts_xasprintf("%s/base.txt", fx->profiles);
	struct ts_error err = { 0 };

	write_file(fx->root, "elsewhere.txt", "evil.example\n");
	assert_int_equal(symlink(target, link), 0);
	ts_strv_push(&names, "base");

	/* Refused outright: no silent fallback to the bundled "base" either. */
	assert_int_equal(ts_profiles_compose(fx->root, &names, &entries, &err), -ELOOP);
	assert_non_null(strstr(err.message, link));
	assert_non_null(strstr(err.message, "symbolic link"));
	assert_int_equal(entries.n, 0);
}

/* Guards the shipped data: every bundled profile parses and is non-empty. */
static void test_bundled_profiles_parse(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		const char *sample;
	} expect[] = {
		{ "base", "a.root-servers.net" },
		{ "dev-node", "registry.yarnpkg.com" },
		{ "dev-python", "*.readthedocs.io" },
		{ "dev-standard", "github.com" },
		{ "nvidia-hpc", "nvcr.io" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(expect); i++) {
		_cleanup_strv_ struct ts_strv names = TS_STRV_INIT;
		_cleanup_strv_ struct ts_strv entries = TS_STRV_INIT;
		_cleanup_strv_ struct ts_strv raw = TS_STRV_INIT;
		_cleanup_free_ char *path = NULL;
		_cleanup_free_ char *text = NULL;
		struct ts_error err = { 0 };
		bool is_user = true;

		assert_int_equal(ts_profile_find(NULL, expect[i].name, &path, &is_user, &err), 0);
		assert_false(is_user);
		assert_int_equal(ts_file_read(path, &text, NULL, &err), 0);
		if (ts_profile_parse(path, text, &raw, &err) < 0)
			fail_msg("%s", err.message);
		assert_true(raw.n > 0);
		/* No accidental duplicates inside one shipped file. */
		ts_strv_push(&names, expect[i].name);
		assert_int_equal(ts_profiles_compose(NULL, &names, &entries, &err), 0);
		assert_int_equal(entries.n, raw.n);
		assert_true(ts_strv_contains(&entries, expect[i].sample));
	}

	/* All together: the full set composes cleanly. */
	_cleanup_strv_ struct ts_strv all = TS_STRV_INIT;
	_cleanup_strv_ struct ts_strv entries = TS_STRV_INIT;
	for (size_t i = 0; i < ARRAY_SIZE(bundled_names); i++)
		ts_strv_push(&all, bundled_names[i]);
	assert_int_equal(ts_profiles_compose(NULL, &all, &entries, NULL), 0);
	assert_true(entries.n > 50);
}

int main(void)
{
	/* Must be set before the first ts_profiles_bundled_dir(), which caches. */
	bundled_dir = getenv("TS_TEST_PROFILES_DIR");
	if (!bundled_dir || bundled_dir[0] != '/') {
		fprintf(stderr, "TS_TEST_PROFILES_DIR must name the source tree's data/profiles\n");
		return 1;
	}
	setenv("TEROK_SHIELD_PROFILES_DIR", bundled_dir, 1);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_comments_blank_crlf),
		cmocka_unit_test(test_parse_canonicalises),
		cmocka_unit_test(test_parse_appends),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_long_line),
		cmocka_unit_test(test_parse_scoped),
		cmocka_unit_test(test_parse_scope_errors),
		cmocka_unit_test(test_entry_split),
		cmocka_unit_test(test_name_validate),
		cmocka_unit_test(test_bundled_dir_from_env),
		cmocka_unit_test_setup_teardown(test_find_user_overrides_bundled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_unknown_lists_available, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_invalid_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_sorted_unique, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_without_user_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compose_order_and_dedupe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compose_many_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compose_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinked_user_profile_refused, setup, teardown),
		cmocka_unit_test(test_bundled_profiles_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
