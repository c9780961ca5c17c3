/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Root only: hostile input against a shielded "container" (netns harness,
 * harness.h) through the real CLI. Every case must be refused with one
 * "terok-shield: " line and change nothing, which is measured: every file
 * of the bundle (name and bytes) and the live table, before and after. The
 * packets then still do what the shield said they would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "bundle/bundle.h"
#include "harness.h"
#include "run-cli.h"
#include "shielded.h"
#include "test-helpers.h"

#define NAME SHIELDED_NAME

static int setup(void **state)
{
	return shielded_cmocka_setup(state, 0);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every bundle file by name and content, then the live table. */
static char *snapshot(struct shielded *f)
{
	struct ts_strbuf b = TS_STRBUF_INIT;
	char *names[64];
	size_t n = 0;
	DIR *d = opendir(f->state_dir);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d)) && n < ARRAY_SIZE(names);)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			names[n++] = ts_xstrdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		char *text = read_text(f->state_dir, names[i]);
		ts_strbuf_printf(&b, "== %s\n%s\n", names[i], text ? text : "(unreadable)");
		free(text);
		free(names[i]);
	}
	char *table = harness_list_table(&f->h, f->h.container);
	assert_non_null(table);
	ts_strbuf_printf(&b, "== live table\n%s", table);
	free(table);
	return ts_strbuf_take(&b);
}

/* args refused (exit 1 or 2, one terok-shield: line, no output), nothing changed. */
static void assert_refused_unchanged(struct shielded *f, const char *const args[], const char *what)
{
	char *before = snapshot(f);
	char *out = NULL, *err = NULL;
	int rc = run_cli(getenv("TS_TEST_CLI"), f->h.state_root, f->env, args, &out, &err);
	if (rc != 1 && rc != 2)
		fail_msg("%s: exit %d (stderr: %s)", what, rc, err);
	/* One line; a usage error (2) may add the pointer to --help. */
	const char *second = strchr(err, '\n');
	second = second ? second + 1 : err + strlen(err);
	if (!ts_startswith(err, "terok-shield: ") ||
	    (*second && !(rc == 2 && ts_startswith(second, "Try 'terok-shield "))))
		fail_msg("%s: stderr is not one terok-shield: line: '%s'", what, err);
	/* A message about an option names the option given, not another argument. */
	const char *option = strstr(err, "option '");
	if (option && option[strlen("option '")] != '-')
		fail_msg("%s: the message names the wrong argument: '%s'", what, err);
	if (*out)
		fail_msg("%s: printed '%s'", what, out);
	char *after = snapshot(f);
	if (strcmp(before, after) != 0)
		fail_msg("%s changed the bundle or the live table:\n%s\n---- after ----\n%s", what, before,
			 after);
	free(before);
	free(after);
	free(out);
	free(err);
}

static void assert_shield_holds(struct shielded *f)
{
	assert_int_equal(harness_connect(&f->h, H_ALLOWED_IP, H_TCP_PORT, 3000, NULL), 0);
	assert_int_equal(harness_connect(&f->h, H_OTHER_IP, H_TCP_PORT, 3000, NULL), EHOSTUNREACH);
}

/* Targets carrying nft syntax, or not an address at all. */
static void test_hostile_targets(void **state)
{
	struct shielded *f = *state;
	char *huge = calloc(1, 100001);
	memset(huge, '1', 100000);
	const char *const targets[] = {
		"1.2.3.4 }; flush ruleset; {", "1.2.3.4; flush ruleset", "1.2.3.4\nflush ruleset",
		"{ 1.2.3.4 }", "@allow_v4", "1.2.3.4 accept", "0.0.0.0/0 } }", "0x01020304", "1.2.3",
		"1.2.3.4/33", "::/129", "1.2.3.4%lo", "fe80::1%eth0", "exa mple.com", "*", "-1.2.3.4",
		"", " ", "1.2.3.4/", "/8", huge,
	};
	static const char *const cmds[] = { "allow", "deny" };
	for (size_t c = 0; c < ARRAY_SIZE(cmds); c++)
		for (size_t t = 0; t < ARRAY_SIZE(targets); t++) {
			const char *const args[] = { cmds[c], NAME, targets[t], NULL };
			char *what = ts_xasprintf("%s '%.40s'", cmds[c], targets[t]);
			assert_refused_unchanged(f, args, what);
			free(what);
		}
	free(huge);
	assert_shield_holds(f);
}

/* Names that are not the container's, however close: its shield is never touched. */
static void test_hostile_names(void **state)
{
	struct shielded *f = *state;
	const char *const names[] = { "../" NAME, NAME "/../" NAME, NAME "/", "./" NAME, NAME "\n",
				      "-" NAME, ".." , "containers/" NAME, NAME " ", "" };
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const char *const cmds[][4] = {
			{ "allow", names[i], H_OTHER_IP, NULL }, { "deny", names[i], H_ALLOWED_IP, NULL },
			{ "down", names[i], NULL, NULL },        { "up", names[i], NULL, NULL },
			{ "rules", names[i], NULL, NULL },       { "block", names[i], NULL, NULL },
		};
		for (size_t c = 0; c < ARRAY_SIZE(cmds); c++) {
			char *what = ts_xasprintf("%s '%s'", cmds[c][0], names[i]);
			assert_refused_unchanged(f, cmds[c], what);
			free(what);
		}
	}
	assert_shield_holds(f);
}

/*
 * Bundle files whose values reach nft text, edited by hand into nft
 * syntax: up, allow and down refuse them and leave the live table alone.
 */
static void test_hostile_bundle_values(void **state)
{
	struct shielded *f = *state;
	static const struct {
		const char *file, *text;
	} edits[] = {
		{ "live.allowed", "198.51.100.20 }; flush ruleset; add table inet x {\n" },
		{ "profile.allowed", "0.0.0.0/0 } ; flush ruleset\n" },
		{ "deny.list", "1.2.3.4 }\n" },
		{ "upstream.dns", "10.0.2.3 accept; flush ruleset\n" },
		{ "gateway", "10.0.2.2 } ; flush ruleset\n" },
		{ "loopback_ports", "80 accept\n" },
		{ "loopback_ports", "0\n" },
		{ "loopback_ports", "70000\n" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(edits); i++) {
		char *saved = read_text(f->state_dir, edits[i].file);
		write_text(f->state_dir, edits[i].file, edits[i].text);
		const char *const cmds[][4] = { { "up", NAME, NULL, NULL },
						{ "down", NAME, NULL, NULL },
						{ "block", NAME, NULL, NULL },
						{ "allow", NAME, "203.0.113.99", NULL } };
		for (size_t c = 0; c < ARRAY_SIZE(cmds); c++) {
			char *what = ts_xasprintf("%s with %s '%s'", cmds[c][0], edits[i].file,
						  edits[i].text);
			what[strcspn(what, "\n")] = '\0';
			assert_refused_unchanged(f, cmds[c], what);
			free(what);
		}
		/* block refused: no record of a block was left behind either. */
		char *marker = ts_xasprintf("%s/blocked", f->state_dir);
		if (access(marker, F_OK) == 0)
			fail_msg("block with %s left a block record", edits[i].file);
		free(marker);
		write_text(f->state_dir, edits[i].file, saved ? saved : "");
		free(saved);
	}
	assert_shield_holds(f);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, shielded_cmocka_teardown)

int main(void)
{
	if (!shielded_suite_runnable())
		return 0;
	const struct CMUnitTest tests[] = {
		T(test_hostile_targets),
		T(test_hostile_names),
		T(test_hostile_bundle_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
