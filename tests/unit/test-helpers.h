/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the unit tests: scratch directories and small file helpers. */
#ifndef TS_TEST_HELPERS_H
#define TS_TEST_HELPERS_H

#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

/* A fresh directory under /tmp; remove with scratch_remove. */
static inline char *scratch_dir(void)
{
	char tmpl[] = "/tmp/ts-test-XXXXXX";
	char *dir = mkdtemp(tmpl);
	return dir ? strdup(dir) : NULL;
}

static inline void scratch_remove(char *dir)
{
	if (dir)
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

static inline void write_text(const char *dir, const char *name, const char *text)
{
	char path[8192];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

static inline char *read_text(const char *dir, const char *name)
{
	char path[8192];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = calloc(1, 1 << 20);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Run a shell command (printf format); one that fails ends the test run. */
__attribute__((format(printf, 1, 2))) static inline void shell_ok(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(cmd) || system(cmd) != 0) {
		fprintf(stderr, "command failed: %s\n", cmd);
		abort();
	}
}

/* The text of fixture name under $TS_TEST_FIXTURES; a missing one ends the test run. */
static inline char *read_fixture(const char *name)
{
	const char *dir = getenv("TS_TEST_FIXTURES");
	char *text = dir ? read_text(dir, name) : NULL;
	if (!text) {
		fprintf(stderr, "cannot read fixture %s (TS_TEST_FIXTURES=%s)\n", name,
			dir ? dir : "unset");
		abort();
	}
	return text;
}

/*
 * Install script as an executable dir/name and put dir first on PATH (a
 * fake podman, say). Returns the PATH before, for restore_path.
 */
static inline char *fake_on_path(const char *dir, const char *name, const char *script)
{
	char path[8192];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	write_text(dir, name, script);
	if (chmod(path, 0755) < 0)
		abort();
	const char *old = getenv("PATH");
	char *saved = strdup(old ? old : "/usr/bin:/bin");
	char *with_fake = malloc(strlen(dir) + strlen(saved) + 2);
	if (!saved || !with_fake)
		abort();
	sprintf(with_fake, "%s:%s", dir, saved);
	setenv("PATH", with_fake, 1);
	free(with_fake);
	return saved;
}

/* Put back the PATH fake_on_path saved, and free it. */
static inline void restore_path(char *saved)
{
	setenv("PATH", saved, 1);
	free(saved);
}

/*
 * End the running cmocka test as skipped for a missing prerequisite:
 * tests/summarize.py counts the "# skipped NAME: why" line as a skip and
 * not the test's "ok" (cmocka's skip() prints "not ok # SKIP", which meson
 * counts as a failure).
 */
#define TS_SKIP_TEST(why)                                                  \
	do {                                                               \
		printf("# skipped %s: %s\n", __func__, (why));            \
		return;                                                    \
	} while (0)

#endif
