/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The containers.conf editor: the scan (containers_conf_scan.h) says where
 * [engine] hooks_dir is; the edit splices text at those offsets, so every
 * byte it did not need to touch stays as the user wrote it.
 */
#include "base/strbuf.h"
#include "base/util.h"
#include "config/containers_conf.h"
#include "config/containers_conf_scan.h"

/* Well-formed UTF-8: no overlong forms, surrogates or code points past U+10FFFF. */
static bool utf8_ok(const unsigned char *s)
{
	while (*s) {
		unsigned char c = *s++;
		size_t n = c < 0x80 ? 0 : c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2
			 : c >= 0xf0 && c <= 0xf4 ? 3 : 4;
		if (n == 4)
			return false;
		/* The second byte's range depends on the first. */
		unsigned char lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
		unsigned char hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
		for (size_t i = 0; i < n; i++, s++) {
			if (*s < (i == 0 ? lo : 0x80) || *s > (i == 0 ? hi : 0xbf))
				return false;
		}
	}
	return true;
}

static int check_dir(const char *dir, struct ts_error *err)
{
	if (dir[0] != '/')
		return ts_error_set(err, EINVAL, "hooks directory '%.200s' is not an absolute path", dir);
	for (const char *p = dir; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return ts_error_set(err, EINVAL, "hooks directory contains a control character");
	if (!utf8_ok((const unsigned char *)dir))
		return ts_error_set(err, EINVAL, "hooks directory is not valid UTF-8");
	return 0;
}

/* dir as a TOML basic string. */
static void put_quoted(struct ts_strbuf *b, const char *dir)
{
	ts_strbuf_puts(b, "\"");
	for (const char *p = dir; *p; p++) {
		if (*p == '"' || *p == '\\')
			ts_strbuf_puts(b, "\\");
		ts_strbuf_append(b, p, 1);
	}
	ts_strbuf_puts(b, "\"");
}

static bool same_line(const char *text, size_t a, size_t b)
{
	return !memchr(text + a, '\n', b - a);
}

/* Just past the end of the line holding at (or the end of the text). */
static size_t next_line(const char *text, size_t at)
{
	const char *nl = strchr(text + at, '\n');
	return nl ? (size_t)(nl - text) + 1 : strlen(text);
}

static size_t line_begin(const char *text, size_t at)
{
	while (at > 0 && text[at - 1] != '\n')
		at--;
	return at;
}

static size_t indent_len(const char *text, size_t line)
{
	return strspn(text + line, " \t");
}

/* Append text[from, to) and make sure it ends a line, when there is text at all. */
static void put_lines(struct ts_strbuf *b, const char *text, size_t from, size_t to, const char *nl)
{
	ts_strbuf_append(b, text + from, to - from);
	if (b->len > 0 && b->data[b->len - 1] != '\n')
		ts_strbuf_puts(b, nl);
}

/* Whether b ends with an empty line. */
static bool ends_blank(const struct ts_strbuf *b, const char *nl)
{
	size_t n = strlen(nl);
	return b->len == n || (b->len >= 2 * n && memcmp(b->data + b->len - 2 * n, nl, n) == 0 &&
					memcmp(b->data + b->len - n, nl, n) == 0);
}

/* A new hooks_dir key: podman's defaults first, since setting the key replaces them. */
static void put_new_key(struct ts_strbuf *b, const char *key, const char *dir, const char *nl)
{
	static const char *const defaults[] = { TS_HOOKS_DIR_DEFAULT_USR, TS_HOOKS_DIR_DEFAULT_ETC };
	ts_strbuf_printf(b, "%s = [%s", key, nl);
	for (size_t i = 0; i < ARRAY_SIZE(defaults); i++)
		if (!ts_hooks_dir_same(defaults[i], dir))
			ts_strbuf_printf(b, "  \"%s\",%s", defaults[i], nl);
	ts_strbuf_puts(b, "  ");
	put_quoted(b, dir);
	ts_strbuf_printf(b, ",%s]%s", nl, nl);
}

/* One more entry in an existing array, in the style the array already has. */
static void put_entry(struct ts_strbuf *b, const char *text, const struct ts_hooks_site *site,
		      const char *dir, const char *nl)
{
	size_t key_indent = indent_len(text, site->key_start);

	if (site->values.n == 0) {
		if (same_line(text, site->open, site->close)) {
			/* [] or [ ]: only blanks to lose. */
			ts_strbuf_append(b, text, site->open + 1);
			put_quoted(b, dir);
			ts_strbuf_puts(b, text + site->close);
			return;
		}
		/* [ … newline … ]: a line of its own before the closing bracket's line. */
		size_t at = line_begin(text, site->close);
		ts_strbuf_append(b, text, at);
		ts_strbuf_append(b, text + site->key_start, key_indent);
		ts_strbuf_puts(b, "  ");
		put_quoted(b, dir);
		ts_strbuf_printf(b, ",%s", nl);
		ts_strbuf_puts(b, text + at);
		return;
	}

	size_t tail = site->comma_end ? site->comma_end : site->last_end;
	if (same_line(text, tail, site->close)) {
		/* The closing bracket follows on the same line: stay on it. */
		ts_strbuf_append(b, text, tail);
		if (site->comma_end) {
			ts_strbuf_puts(b, " ");
			put_quoted(b, dir);
			ts_strbuf_puts(b, ",");
		} else {
			ts_strbuf_puts(b, ", ");
			put_quoted(b, dir);
		}
		ts_strbuf_puts(b, text + tail);
		return;
	}

	/* One entry per line: a new line after the last entry's, indented alike. */
	size_t at = next_line(text, tail); /* before the bracket's line, so a whole line */
	size_t last_line = line_begin(text, site->last_start);
	ts_strbuf_append(b, text, site->last_end);
	if (!site->comma_end)
		ts_strbuf_puts(b, ",");
	ts_strbuf_append(b, text + site->last_end, at - site->last_end);
	if (last_line + indent_len(text, last_line) == site->last_start) {
		ts_strbuf_append(b, text + last_line, indent_len(text, last_line));
	} else {
		ts_strbuf_append(b, text + site->key_start, key_indent);
		ts_strbuf_puts(b, "  ");
	}
	put_quoted(b, dir);
	ts_strbuf_puts(b, site->comma_end ? "," : "");
	ts_strbuf_puts(b, nl);
	ts_strbuf_puts(b, text + at);
}

int ts_containers_conf_add_hooks_dir(const char *text, const char *dir, char **out, bool *changed,
				     struct ts_error *err)
{
	*out = NULL;
	*changed = false;
	int r = check_dir(dir, err);
	if (r < 0)
		return r;
	if (!text)
		text = "";

	_cleanup_hooks_site_ struct ts_hooks_site site = { 0 };
	r = ts_hooks_site_scan(text, &site, err);
	if (r < 0)
		return r;
	if (ts_hooks_site_lists(&site, dir)) {
		*out = ts_xstrdup(text);
		return 0;
	}

	/* Lines we add end the way the file's lines do. */
	const char *first_nl = strchr(text, '\n');
	const char *nl = first_nl && first_nl > text && first_nl[-1] == '\r' ? "\r\n" : "\n";
	size_t len = strlen(text);
	struct ts_strbuf b = TS_STRBUF_INIT;

	if (site.found) {
		put_entry(&b, text, &site, dir, nl);
	} else if (site.engine || site.root_engine) {
		/* Right after the [engine] header, or after the last top-level engine.* key. */
		size_t at = site.engine ? site.engine_end : site.root_engine_end;
		put_lines(&b, text, 0, at, nl);
		put_new_key(&b, site.engine ? "hooks_dir" : "engine.hooks_dir", dir, nl);
		ts_strbuf_append(&b, text + at, len - at);
	} else {
		/* A new table at the end, after a blank line. */
		put_lines(&b, text, 0, len, nl);
		if (b.len > 0 && !ends_blank(&b, nl))
			ts_strbuf_puts(&b, nl);
		ts_strbuf_printf(&b, "[engine]%s", nl);
		put_new_key(&b, "hooks_dir", dir, nl);
	}
	*out = ts_strbuf_take(&b);
	*changed = true;
	return 0;
}

bool ts_containers_conf_has_hooks_dir(const char *text, const char *dir)
{
	_cleanup_hooks_site_ struct ts_hooks_site site = { 0 };
	return ts_hooks_site_scan(text, &site, NULL) >= 0 && ts_hooks_site_lists(&site, dir);
}
