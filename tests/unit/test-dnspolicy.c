/* SPDX-License-Identifier: Apache-2.0 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <time.h>

#include "base/util.h"
#include "dns/dnsdomains.h"
#include "dns/dnspolicy.h"
#include "test-helpers.h"

static void test_policy_names(void **state)
{
	(void)state;
	enum ts_dns_policy p;
	assert_int_equal(ts_dns_policy_parse("strict", &p), 0);
	assert_int_equal(p, TS_DNS_POLICY_STRICT);
	assert_int_equal(ts_dns_policy_parse("open", &p), 0);
	assert_int_equal(p, TS_DNS_POLICY_OPEN);
	assert_string_equal(ts_dns_policy_name(p), "open");
	assert_int_equal(ts_dns_policy_parse("Strict", &p), -EINVAL);
	assert_int_equal(ts_dns_policy_parse("", &p), -EINVAL);
	assert_int_equal(ts_dns_policy_parse(NULL, &p), -EINVAL);
}

static void test_decisions(void **state)
{
	(void)state;
	struct ts_dns_domains d = { TS_STRV_INIT, TS_STRV_INIT, false };
	ts_strv_push(&d.allowed, "github.com");
	ts_strv_push(&d.allowed, "*.pypi.org");
	ts_strv_push(&d.denied, "gist.github.com");

	assert_true(ts_dns_name_allowed(&d, "github.com"));
	assert_true(ts_dns_name_allowed(&d, "api.github.com"));
	assert_true(ts_dns_name_allowed(&d, "pypi.org"));
	assert_true(ts_dns_name_allowed(&d, "files.pypi.org"));
	/* Look-alikes, parents, the root. */
	assert_false(ts_dns_name_allowed(&d, "evilgithub.com"));
	assert_false(ts_dns_name_allowed(&d, "github.com.evil.test"));
	assert_false(ts_dns_name_allowed(&d, "com"));
	assert_false(ts_dns_name_allowed(&d, ""));
	/* A denied domain takes its subdomains with it. */
	assert_false(ts_dns_name_allowed(&d, "gist.github.com"));
	assert_false(ts_dns_name_allowed(&d, "x.gist.github.com"));

	assert_int_equal(ts_dns_decide(TS_DNS_POLICY_STRICT, &d, "api.github.com"), TS_DNS_LEARN);
	assert_int_equal(ts_dns_decide(TS_DNS_POLICY_OPEN, &d, "api.github.com"), TS_DNS_LEARN);
	assert_int_equal(ts_dns_decide(TS_DNS_POLICY_STRICT, &d, "secret.exfil.test"), TS_DNS_REFUSE);
	assert_int_equal(ts_dns_decide(TS_DNS_POLICY_OPEN, &d, "secret.exfil.test"), TS_DNS_FORWARD);
	assert_int_equal(ts_dns_decide(TS_DNS_POLICY_STRICT, &d, "gist.github.com"), TS_DNS_REFUSE);
	/* A block refuses every name, allowed ones too, whatever the policy. */
	d.blocked = true;
	assert_int_equal(ts_dns_decide(TS_DNS_POLICY_STRICT, &d, "api.github.com"), TS_DNS_REFUSE);
	assert_int_equal(ts_dns_decide(TS_DNS_POLICY_OPEN, &d, "api.github.com"), TS_DNS_REFUSE);
	assert_int_equal(ts_dns_decide(TS_DNS_POLICY_OPEN, &d, "secret.exfil.test"), TS_DNS_REFUSE);
	d.blocked = false;
	ts_dns_domains_clear(&d);
	/* Nothing allowed: everything refused. */
	assert_int_equal(ts_dns_decide(TS_DNS_POLICY_STRICT, &d, "github.com"), TS_DNS_REFUSE);
}

/* A question only for a name nobody decided on, that an operator could allow. */
static void test_undecided(void **state)
{
	(void)state;
	struct ts_dns_domains d = { TS_STRV_INIT, TS_STRV_INIT, false };
	ts_strv_push(&d.allowed, "github.com");
	ts_strv_push(&d.denied, "gist.github.com");
	ts_strv_push(&d.denied, "evil.test");
	assert_true(ts_dns_name_undecided(&d, "example.com"));
	assert_true(ts_dns_name_undecided(&d, "a.b.example.com"));
	assert_false(ts_dns_name_undecided(&d, "github.com"));
	assert_false(ts_dns_name_undecided(&d, "api.github.com"));
	assert_false(ts_dns_name_undecided(&d, "gist.github.com"));
	assert_false(ts_dns_name_undecided(&d, "x.gist.github.com"));
	assert_false(ts_dns_name_undecided(&d, "evil.test"));
	assert_false(ts_dns_name_undecided(&d, "secret.evil.test"));
	/* The root, a single label, what allow would not take. */
	assert_false(ts_dns_name_undecided(&d, ""));
	assert_false(ts_dns_name_undecided(&d, NULL));
	assert_false(ts_dns_name_undecided(&d, "localhost"));
	assert_false(ts_dns_name_undecided(&d, "_dmarc.example.com"));
	assert_false(ts_dns_name_undecided(&d, "example.c0m"));
	d.blocked = true;
	assert_false(ts_dns_name_undecided(&d, "example.com"));
	ts_dns_domains_clear(&d);
}

static void test_files_follow_changes(void **state)
{
	(void)state;
	char *dir = scratch_dir();
	struct ts_dns_domain_files f;
	ts_dns_domain_files_init(&f, dir);
	bool changed;
	/* No files: nothing allowed, and nothing changes until one appears. */
	assert_int_equal(ts_dns_domain_files_refresh(&f, &changed, NULL), 0);
	assert_true(changed);
	assert_int_equal(f.domains.allowed.n, 0);
	assert_int_equal(ts_dns_domain_files_refresh(&f, &changed, NULL), 0);
	assert_false(changed);

	write_text(dir, "profile.domains", "GitHub.com.\nnot a domain\n\n*.pypi.org\n");
	write_text(dir, "live.domains", "github.com\nlater.test\n");
	assert_int_equal(ts_dns_domain_files_refresh(&f, &changed, NULL), 0);
	assert_true(changed);
	assert_int_equal(f.domains.allowed.n, 3);
	assert_string_equal(f.domains.allowed.items[0], "github.com");
	assert_string_equal(f.domains.allowed.items[1], "*.pypi.org");
	assert_string_equal(f.domains.allowed.items[2], "later.test");
	assert_true(ts_dns_name_allowed(&f.domains, "api.later.test"));

	/* A deny written the way the CLI writes (a new file renamed over): seen at once. */
	write_text(dir, "denied.domains.tmp", "later.test\n");
	char *from = ts_path_join(dir, "denied.domains.tmp"), *to = ts_path_join(dir, "denied.domains");
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(ts_dns_domain_files_refresh(&f, &changed, NULL), 0);
	assert_true(changed);
	assert_false(ts_dns_name_allowed(&f.domains, "api.later.test"));
	assert_int_equal(unlink(to), 0);
	assert_int_equal(ts_dns_domain_files_refresh(&f, &changed, NULL), 0);
	assert_true(changed);
	assert_true(ts_dns_name_allowed(&f.domains, "api.later.test"));

	/* Unreadable (a directory where a file belongs): fail closed, nothing allowed. */
	assert_int_equal(mkdir(to, 0700), 0);
	assert_true(ts_dns_domain_files_refresh(&f, &changed, NULL) < 0);
	assert_false(ts_dns_name_allowed(&f.domains, "github.com"));
	assert_int_equal(rmdir(to), 0);
	assert_int_equal(ts_dns_domain_files_refresh(&f, &changed, NULL), 0);
	assert_true(ts_dns_name_allowed(&f.domains, "github.com"));
	free(from);
	free(to);
	ts_dns_domain_files_clear(&f);
	scratch_remove(dir);
}

/* The same with a watch on the directory: a change is seen at once, no change costs no stat. */
static void test_watched_files(void **state)
{
	(void)state;
	char *dir = scratch_dir();
	struct ts_dns_domain_files f;
	ts_dns_domain_files_init(&f, dir);
	f.inotify = ts_dns_domain_files_watch(dir, NULL);
	assert_true(f.inotify >= 0);
	bool changed;
	write_text(dir, "profile.domains", "github.com\n");
	assert_int_equal(ts_dns_domain_files_refresh(&f, &changed, NULL), 0);
	assert_true(changed);
	assert_true(ts_dns_name_allowed(&f.domains, "api.github.com"));
	assert_int_equal(ts_dns_domain_files_refresh(&f, &changed, NULL), 0);
	assert_false(changed);
	/* Another file of the bundle changing makes it look, and find nothing new. */
	write_text(dir, "ruleset.nft", "x\n");
	assert_int_equal(ts_dns_domain_files_refresh(&f, &changed, NULL), 0);
	assert_false(changed);
	write_text(dir, "denied.domains.tmp", "api.github.com\n");
	char *from = ts_path_join(dir, "denied.domains.tmp"), *to = ts_path_join(dir, "denied.domains");
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(ts_dns_domain_files_refresh(&f, &changed, NULL), 0);
	assert_true(changed);
	assert_false(ts_dns_name_allowed(&f.domains, "api.github.com"));
	assert_true(ts_dns_name_allowed(&f.domains, "github.com"));
	/* A block record (even a dangling link) is seen at once, and so is its removal. */
	char *blocked = ts_path_join(dir, "blocked");
	assert_int_equal(symlink("/nonexistent-target", blocked), 0);
	assert_int_equal(ts_dns_domain_files_refresh(&f, &changed, NULL), 0);
	assert_true(changed);
	assert_true(f.domains.blocked);
	assert_int_equal(ts_dns_decide(TS_DNS_POLICY_OPEN, &f.domains, "github.com"), TS_DNS_REFUSE);
	assert_int_equal(unlink(blocked), 0);
	assert_int_equal(ts_dns_domain_files_refresh(&f, &changed, NULL), 0);
	assert_true(changed);
	assert_false(f.domains.blocked);
	assert_int_equal(ts_dns_decide(TS_DNS_POLICY_STRICT, &f.domains, "github.com"), TS_DNS_LEARN);
	free(blocked);
	assert_int_equal(ts_dns_domain_files_watch("/nonexistent-dir", NULL), -ENOENT);
	free(from);
	free(to);
	ts_dns_domain_files_clear(&f);
	scratch_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_names),
		cmocka_unit_test(test_decisions),
		cmocka_unit_test(test_undecided),
		cmocka_unit_test(test_files_follow_changes),
		cmocka_unit_test(test_watched_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
