/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Scoped domains of the shield tier: their lines, the forwarder's view of
 * the scoped domain files, and the scoped_v4/v6 elements learned for them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/util.h"
#include "dns/dnsdomains.h"
#include "dns/dnsscope.h"

static struct ts_dns_learned l;

static void test_line_parse_format(void **state)
{
	(void)state;
	struct ts_scoped_domain e;
	char out[TS_SCOPED_DOMAIN_LINE_LEN];
	assert_int_equal(ts_scoped_domain_parse("GitHub.com tcp 443 -", &e, NULL), 0);
	assert_string_equal(e.domain, "github.com");
	assert_int_equal(e.proto, TS_PROTO_TCP);
	assert_int_equal(e.port_lo, 443);
	assert_int_equal(e.expires, 0);
	ts_scoped_domain_format(&e, out);
	assert_string_equal(out, "github.com tcp 443 -");
	assert_int_equal(ts_scoped_domain_parse("*.example.org udp 8000-8080 1796500000", &e, NULL), 0);
	ts_scoped_domain_format(&e, out);
	assert_string_equal(out, "*.example.org udp 8000-8080 1796500000");
	static const char *const bad[] = {
		"", "github.com", "github.com tcp 443", "github.com tcp 0 -", "github.com icmp 1 -",
		"github.com tcp 443 0123", "not_a_domain tcp 443 -", "github.com  tcp 443 -",
		"192.0.2.1/33 tcp 443 -", "github.com tcp 443 - extra",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct ts_error err = { 0 };
		if (ts_scoped_domain_parse(bad[i], &e, &err) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
		assert_true(err.message[0] != '\0');
	}
}

/* A bundle directory with the domain files. */
struct fixture {
	char dir[64];
	struct ts_dns_domain_files f;
};

static int setup(void **state)
{
	struct fixture *fx = ts_xmalloc(sizeof(*fx));
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test-dnsscope.XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	ts_dns_domain_files_init(&fx->f, fx->dir);
	ts_dns_learned_clear(&l);
	*state = fx;
	return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	ts_dns_domain_files_clear(&fx->f);
	nftw(fx->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static void put(struct fixture *fx, const char *name, const char *text)
{
	_cleanup_free_ char *path = ts_xasprintf("%s/%s", fx->dir, name);
	assert_int_equal(ts_file_write_atomic(path, text, strlen(text), 0600, NULL), 0);
}

static void refresh(struct fixture *fx, bool want_changed)
{
	bool changed;
	struct ts_error err = { 0 };
	if (ts_dns_domain_files_refresh(&fx->f, &changed, &err) < 0)
		fail_msg("refresh: %s", err.message);
	assert_int_equal(changed, want_changed);
}

static void test_files(void **state)
{
	struct fixture *fx = *state;
	char *live = ts_xasprintf("scoped.test tcp 443 %lld\n"
				  "ended.test tcp 443 %lld\n"
				  "not a line\n",
				  (long long)time(NULL) + 3600, (long long)time(NULL) - 1);
	put(fx, "profile.domains", "whole.test\n");
	put(fx, "live.scoped_domains", live);
	put(fx, "profile.scoped_domains", "forever.test udp 53 -\n");
	put(fx, "profile.scoped", "192.0.2.0/24 udp 53 -\nnot a line\n");
	put(fx, "live.scoped", "192.0.2.9 tcp 22 1000\n"); /* ended long ago */
	free(live);
	refresh(fx, true);
	assert_int_equal(fx->f.scoped.n_fixed, 1);
	assert_string_equal(fx->f.scoped.fixed[0].addr, "192.0.2.0/24");
	/* Both kinds are allowed names; only the whole one is learned whole. */
	assert_true(ts_dns_name_allowed(&fx->f.domains, "www.whole.test"));
	assert_true(ts_dns_name_allowed(&fx->f.domains, "scoped.test"));
	assert_true(ts_dns_name_allowed(&fx->f.domains, "forever.test"));
	assert_false(ts_dns_name_allowed(&fx->f.domains, "ended.test"));
	assert_int_equal(fx->f.scoped.n, 2);
	assert_true(ts_dns_learn_whole(&fx->f, "www.whole.test"));
	assert_false(ts_dns_learn_whole(&fx->f, "scoped.test"));
	refresh(fx, false);
	/* A whole allow of the scoped name: learned whole from now on. */
	put(fx, "live.domains", "scoped.test\n");
	refresh(fx, true);
	assert_true(ts_dns_learn_whole(&fx->f, "api.scoped.test"));
}

static void test_scoped_domain_ends(void **state)
{
	struct fixture *fx = *state;
	/* Three seconds: a loaded machine may pass a second's boundary before the first refresh. */
	time_t ends = time(NULL) + 3;
	char *live = ts_xasprintf("soon.test tcp 443 %lld\n", (long long)ends);
	put(fx, "live.scoped_domains", live);
	free(live);
	refresh(fx, true);
	assert_true(ts_dns_name_allowed(&fx->f.domains, "soon.test"));
	/* No file changes when it ends: the refresh notices the time. */
	while (time(NULL) <= ends)
		usleep(100 * 1000);
	refresh(fx, true);
	assert_false(ts_dns_name_allowed(&fx->f.domains, "soon.test"));
	assert_int_equal(fx->f.scoped.n, 0);
}

static void test_batch(void **state)
{
	(void)state;
	time_t now = 1700000000;
	struct ts_scoped_domain items[] = {
		{ "scoped.test", TS_PROTO_TCP, 443, 443, now + 60 },   /* a minute left */
		{ "scoped.test", TS_PROTO_UDP, 8000, 8080, 0 },        /* for good */
		{ "other.test", TS_PROTO_TCP, 22, 22, 0 },
		{ "ended.test", TS_PROTO_TCP, 22, 22, now },
	};
	struct ts_dns_scoped_domains s = { .items = items, .n = ARRAY_SIZE(items),
					   .next_expiry = now + 60 };
	struct ts_dns_addr addrs[] = {
		{ "192.0.2.1", false, 300 },
		{ "2001:db8::1", true, 10 },
		{ "192.0.2.1", false, 300 }, /* repeated in the answer */
	};
	struct ts_dns_scoped_batch b = { .n = 0 };
	ts_dns_scoped_batch_make(&s, "www.scoped.test", addrs, ARRAY_SIZE(addrs), now, 1000, &l, &b);
	assert_string_equal(
		b.nft.data,
		"add element inet terok_shield scoped_v4 { 192.0.2.1 . tcp . 443 timeout 60s }\n"
		"add element inet terok_shield scoped_v4 { 192.0.2.1 . udp . 8000-8080 timeout 330s }\n"
		"add element inet terok_shield scoped_v6 { 2001:db8::1 . tcp . 443 timeout 35s }\n"
		"add element inet terok_shield scoped_v6 { 2001:db8::1 . udp . 8000-8080 timeout 35s }\n");
	assert_int_equal(b.n, 4);
	ts_dns_scoped_batch_noted(&b, &l, 1000);
	ts_dns_scoped_batch_clear(&b);

	/* The same answer again: what outlives it needs nothing; the capped one is renewed. */
	ts_dns_scoped_batch_make(&s, "scoped.test", addrs, 1, now + 1, 2000, &l, &b);
	assert_string_equal(
		b.nft.data,
		"delete element inet terok_shield scoped_v4 { 192.0.2.1 . tcp . 443 }\n"
		"add element inet terok_shield scoped_v4 { 192.0.2.1 . tcp . 443 timeout 59s }\n");
	ts_dns_scoped_batch_clear(&b);

	/* After the allow's end, and for names no scoped domain covers: nothing. */
	ts_dns_scoped_batch_make(&s, "ended.test", addrs, 1, now, 1000, &l, &b);
	assert_int_equal(b.n, 0);
	ts_dns_scoped_batch_make(&s, "scoped.test.evil", addrs, 1, now, 1000, &l, &b);
	ts_dns_scoped_batch_make(&s, "notscoped.test", addrs, 1, now, 1000, &l, &b);
	assert_int_equal(b.n, 0);
	assert_int_equal(b.nft.len, 0);
	ts_dns_scoped_batch_clear(&b);
}

/* A scoped address entry covering some of the ports: not learned again (the kernel takes no overlap). */
static void test_batch_fixed(void **state)
{
	(void)state;
	time_t now = 1700000000;
	struct ts_scoped_domain items[] = { { "scoped.test", TS_PROTO_UDP, 8000, 8080, 0 },
					    { "scoped.test", TS_PROTO_TCP, 443, 443, 0 } };
	struct ts_scoped_entry fixed[] = {
		{ "192.0.2.0/24", TS_PROTO_UDP, 8050, 9000, 0 }, /* overlaps udp 8000-8080 */
		{ "192.0.2.1", TS_PROTO_UDP, 443, 443, 0 },      /* other ports */
		{ "2001:db8::/32", TS_PROTO_TCP, 1, 442, 0 },    /* below 443 */
	};
	struct ts_dns_scoped_domains s = { .items = items, .n = ARRAY_SIZE(items),
					   .fixed = fixed, .n_fixed = ARRAY_SIZE(fixed) };
	struct ts_dns_addr addrs[] = { { "192.0.2.1", false, 300 }, { "2001:db8::1", true, 300 } };
	struct ts_dns_scoped_batch b = { .n = 0 };
	ts_dns_learned_clear(&l);
	ts_dns_scoped_batch_make(&s, "scoped.test", addrs, ARRAY_SIZE(addrs), now, 1000, &l, &b);
	assert_string_equal(
		b.nft.data,
		"add element inet terok_shield scoped_v4 { 192.0.2.1 . tcp . 443 timeout 330s }\n"
		"add element inet terok_shield scoped_v6 { 2001:db8::1 . tcp . 443 timeout 330s }\n"
		"add element inet terok_shield scoped_v6 { 2001:db8::1 . udp . 8000-8080 timeout 330s }\n");
	ts_dns_scoped_batch_clear(&b);
}

/*
 * Overlapping scopes of one address (the kernel takes no overlapping
 * elements): disjoint pieces, each as long as its longest cover; later,
 * a scope of another domain over what is there replaces those pieces.
 */
static void test_batch_overlap(void **state)
{
	(void)state;
	time_t now = 1700000000;
	struct ts_scoped_domain items[] = {
		{ "scoped.test", TS_PROTO_TCP, 0, 65535, now + 60 }, /* --for 1m */
		{ "scoped.test", TS_PROTO_TCP, 80, 80, 0 },          /* --port 80, for good */
		{ "cdn.test", TS_PROTO_TCP, 443, 8443, 0 },
	};
	struct ts_dns_scoped_domains s = { .items = items, .n = ARRAY_SIZE(items) };
	struct ts_dns_addr addrs[] = { { "192.0.2.1", false, 300 } };
	struct ts_dns_scoped_batch b = { .n = 0 };
	ts_dns_learned_clear(&l);
	ts_dns_scoped_batch_make(&s, "scoped.test", addrs, 1, now, 1000, &l, &b);
	assert_string_equal(
		b.nft.data,
		"add element inet terok_shield scoped_v4 { 192.0.2.1 . tcp . 0-79 timeout 60s }\n"
		"add element inet terok_shield scoped_v4 { 192.0.2.1 . tcp . 80 timeout 330s }\n"
		"add element inet terok_shield scoped_v4 { 192.0.2.1 . tcp . 81-65535 timeout 60s }\n");
	ts_dns_scoped_batch_noted(&b, &l, 1000);
	ts_dns_scoped_batch_clear(&b);
	/* Ten seconds on, cdn.test resolves to the same address. */
	ts_dns_scoped_batch_make(&s, "cdn.test", addrs, 1, now + 10, 11000, &l, &b);
	assert_string_equal(
		b.nft.data,
		"delete element inet terok_shield scoped_v4 { 192.0.2.1 . tcp . 0-79 }\n"
		"delete element inet terok_shield scoped_v4 { 192.0.2.1 . tcp . 80 }\n"
		"delete element inet terok_shield scoped_v4 { 192.0.2.1 . tcp . 81-65535 }\n"
		"add element inet terok_shield scoped_v4 { 192.0.2.1 . tcp . 0-79 timeout 50s }\n"
		"add element inet terok_shield scoped_v4 { 192.0.2.1 . tcp . 80 timeout 320s }\n"
		"add element inet terok_shield scoped_v4 { 192.0.2.1 . tcp . 81-442 timeout 50s }\n"
		"add element inet terok_shield scoped_v4 { 192.0.2.1 . tcp . 443-8443 timeout 330s }\n"
		"add element inet terok_shield scoped_v4 { 192.0.2.1 . tcp . 8444-65535 timeout 50s }\n");
	ts_dns_scoped_batch_noted(&b, &l, 11000);
	ts_dns_scoped_batch_clear(&b);
	/* What was deleted and not added again is forgotten; the new pieces are known. */
	assert_false(ts_dns_learned_present(&l, "192.0.2.1 tcp 81-65535", 11000));
	assert_true(ts_dns_learned_present(&l, "192.0.2.1 tcp 443-8443", 11000));
	/* The same answer again: nothing overlaps differently, nothing to do. */
	ts_dns_scoped_batch_make(&s, "cdn.test", addrs, 1, now + 11, 12000, &l, &b);
	assert_int_equal(b.n, 0);
	ts_dns_scoped_batch_clear(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line_parse_format),
		cmocka_unit_test_setup_teardown(test_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scoped_domain_ends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch, setup, teardown),
		cmocka_unit_test(test_batch_fixed),
		cmocka_unit_test(test_batch_overlap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
