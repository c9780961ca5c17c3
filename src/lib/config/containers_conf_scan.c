/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A TOML scanner that follows the whole file (strings, multi-line strings,
 * arrays, inline tables, comments) only to find out where [engine]
 * hooks_dir is, so the editor (containers_conf.c) can splice text at those
 * offsets.
 */
#include <stdarg.h>
#include <stdint.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "config/containers_conf_scan.h"

/* Arrays and inline tables nest; a hostile file must not exhaust the stack. */
#define MAX_DEPTH 64

struct scanner {
	const char *s;
	size_t len;
	size_t pos;
	struct ts_error *err;
};

static unsigned line_of(const struct scanner *sc, size_t at)
{
	unsigned line = 1;
	for (size_t i = 0; i < at && i < sc->len; i++)
		line += sc->s[i] == '\n';
	return line;
}

static int fail_at(struct scanner *sc, size_t at, const char *fmt, ...) TS_PRINTF(3, 4);
static int fail_at(struct scanner *sc, size_t at, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return ts_error_set(sc->err, EINVAL, "containers.conf line %u: %s", line_of(sc, at), what);
}

static char peek_at(const struct scanner *sc, size_t off)
{
	return sc->pos + off < sc->len ? sc->s[sc->pos + off] : '\0';
}

static char peek(const struct scanner *sc)
{
	return peek_at(sc, 0);
}

static bool starts(const struct scanner *sc, const char *lit)
{
	size_t n = strlen(lit);
	return sc->len - sc->pos >= n && memcmp(sc->s + sc->pos, lit, n) == 0;
}

static void skip_blank(struct scanner *sc)
{
	while (peek(sc) == ' ' || peek(sc) == '\t')
		sc->pos++;
}

static bool at_eol(const struct scanner *sc)
{
	return sc->pos >= sc->len || peek(sc) == '\n' || (peek(sc) == '\r' && peek_at(sc, 1) == '\n');
}

static void skip_comment(struct scanner *sc)
{
	if (peek(sc) == '#')
		while (!at_eol(sc))
			sc->pos++;
}

static int eat_eol(struct scanner *sc)
{
	if (peek(sc) == '\n')
		sc->pos++;
	else if (peek(sc) == '\r' && peek_at(sc, 1) == '\n')
		sc->pos += 2;
	else if (sc->pos < sc->len)
		return fail_at(sc, sc->pos, "unexpected text after the end of a value or header");
	return 0;
}

/* Blanks, comments and line breaks: what may separate array items. */
static int skip_space(struct scanner *sc)
{
	for (;;) {
		skip_blank(sc);
		skip_comment(sc);
		if (sc->pos >= sc->len || !at_eol(sc))
			return 0;
		int r = eat_eol(sc);
		if (r < 0)
			return r;
	}
}

static void put_utf8(struct ts_strbuf *out, uint32_t c)
{
	char b[4];
	size_t n;
	if (c < 0x80) {
		b[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		b[0] = (char)(0xc0 | (c >> 6));
		b[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		b[0] = (char)(0xe0 | (c >> 12));
		b[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		b[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (c >> 18));
		b[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		b[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	if (out)
		ts_strbuf_append(out, b, n);
}

static int hex_escape(struct scanner *sc, size_t digits, struct ts_strbuf *out)
{
	size_t at = sc->pos - 2;
	uint32_t c = 0;
	for (size_t i = 0; i < digits; i++) {
		char h = peek(sc);
		int v = h >= '0' && h <= '9' ? h - '0'
			: h >= 'a' && h <= 'f' ? h - 'a' + 10
			: h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
		if (v < 0)
			return fail_at(sc, at, "malformed escape in a string");
		c = c * 16 + (uint32_t)v;
		sc->pos++;
	}
	/* A NUL would cut the C string short and fake a match. */
	if (c == 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return fail_at(sc, at, "unsupported character escape in a string");
	put_utf8(out, c);
	return 0;
}

static bool control(char c)
{
	return ((unsigned char)c < 0x20 && c != '\t') || c == 0x7f;
}

/* Take the next character of the one-line string that began at start. */
static int string_char(struct scanner *sc, size_t start, char *c)
{
	*c = peek(sc);
	if (sc->pos >= sc->len || *c == '\n' || *c == '\r')
		return fail_at(sc, start, "unterminated string");
	if (control(*c))
		return fail_at(sc, start, "control character in a string");
	sc->pos++;
	return 0;
}

/* The escape after a backslash in a basic string, decoded into out (when not NULL). */
static int scan_escape(struct scanner *sc, size_t start, struct ts_strbuf *out)
{
	char e = peek(sc);
	sc->pos++;
	const char *plain = NULL;
	switch (e) {
	case 'b': plain = "\b"; break;
	case 't': plain = "\t"; break;
	case 'n': plain = "\n"; break;
	case 'f': plain = "\f"; break;
	case 'r': plain = "\r"; break;
	case 'e': plain = "\033"; break;
	case '"': plain = "\""; break;
	case '\\': plain = "\\"; break;
	case 'x': return hex_escape(sc, 2, out);
	case 'u': return hex_escape(sc, 4, out);
	case 'U': return hex_escape(sc, 8, out);
	default: return fail_at(sc, start, "invalid escape in a string");
	}
	if (out)
		ts_strbuf_puts(out, plain);
	return 0;
}

/* A one-line "basic string" (escapes decoded) or 'literal string', into out (when not NULL). */
static int scan_string(struct scanner *sc, struct ts_strbuf *out)
{
	char quote = peek(sc);
	size_t start = sc->pos++;
	for (;;) {
		char c;
		int r = string_char(sc, start, &c);
		if (r < 0)
			return r;
		if (c == quote)
			return 0;
		if (quote == '"' && c == '\\') {
			r = scan_escape(sc, start, out);
			if (r < 0)
				return r;
		} else if (out) {
			ts_strbuf_append(out, &c, 1);
		}
	}
}

/* """…""" or '''…''': skipped, never needed decoded. */
static int scan_multiline(struct scanner *sc, char quote)
{
	size_t start = sc->pos;
	char delim[4] = { quote, quote, quote, '\0' };
	sc->pos += 3;
	for (;;) {
		if (sc->pos >= sc->len)
			return fail_at(sc, start, "unterminated multi-line string");
		if (quote == '"' && peek(sc) == '\\') {
			sc->pos += 2;
			continue;
		}
		if (starts(sc, delim)) {
			sc->pos += 3;
			/* Up to two quotes may sit right before the closing delimiter. */
			for (int i = 0; i < 2 && peek(sc) == quote; i++)
				sc->pos++;
			return 0;
		}
		sc->pos++;
	}
}

static bool bare_key_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* A key, dotted or not, each part decoded into path. */
static int scan_key(struct scanner *sc, struct ts_strv *path)
{
	for (;;) {
		struct ts_strbuf part _cleanup_strbuf_ = TS_STRBUF_INIT;
		int r = 0;
		skip_blank(sc);
		if (peek(sc) == '"' || peek(sc) == '\'')
			r = scan_string(sc, &part);
		else {
			size_t start = sc->pos;
			while (bare_key_char(peek(sc)))
				sc->pos++;
			if (sc->pos == start)
				return fail_at(sc, start, "expected a key");
			ts_strbuf_append(&part, sc->s + start, sc->pos - start);
		}
		if (r < 0)
			return r;
		ts_strv_push_take(path, ts_strbuf_take(&part));
		skip_blank(sc);
		if (peek(sc) != '.')
			return 0;
		sc->pos++;
	}
}

/* `key =` up to its value, the key decoded into path. */
static int scan_key_eq(struct scanner *sc, struct ts_strv *path)
{
	int r = scan_key(sc, path);
	if (r < 0)
		return r;
	if (peek(sc) != '=')
		return fail_at(sc, sc->pos, "expected '=' after a key");
	sc->pos++;
	skip_blank(sc);
	return 0;
}

static int skip_value(struct scanner *sc, int depth);

/* `key = value`, an element of an inline table. */
static int skip_table_entry(struct scanner *sc, int depth)
{
	_cleanup_strv_ struct ts_strv key = TS_STRV_INIT;
	int r = scan_key_eq(sc, &key);
	return r < 0 ? r : skip_value(sc, depth);
}

/*
 * [ v, … ] or { k = v, … }: elements separated by commas, newlines and a
 * trailing comma tolerated (TOML 1.1 for inline tables).
 */
static int skip_list(struct scanner *sc, int depth, char close, const char *what,
		     int (*element)(struct scanner *sc, int depth))
{
	size_t start = sc->pos++;
	for (;;) {
		int r = skip_space(sc);
		if (r < 0)
			return r;
		if (peek(sc) == close) {
			sc->pos++;
			return 0;
		}
		if (sc->pos >= sc->len)
			return fail_at(sc, start, "unterminated %s", what);
		r = element(sc, depth + 1);
		if (r < 0)
			return r;
		r = skip_space(sc);
		if (r < 0)
			return r;
		if (sc->pos >= sc->len)
			return fail_at(sc, start, "unterminated %s", what);
		if (peek(sc) == ',')
			sc->pos++;
		else if (peek(sc) != close)
			return fail_at(sc, sc->pos, "expected ',' or '%c' in an %s", close, what);
	}
}

static bool scalar_char(char c)
{
	return bare_key_char(c) || c == '+' || c == '.' || c == ':';
}

/* Numbers, booleans, dates: their exact shape does not matter here. */
static int skip_scalar(struct scanner *sc)
{
	size_t start = sc->pos;
	while (scalar_char(peek(sc)))
		sc->pos++;
	if (sc->pos == start)
		return fail_at(sc, start, "expected a value");
	/* "1979-05-27 07:32:00": a date and a time may be split by a space. */
	if (sc->pos - start == 10 && sc->s[start + 4] == '-' && sc->s[start + 7] == '-' &&
	    peek(sc) == ' ' && peek_at(sc, 1) >= '0' && peek_at(sc, 1) <= '9') {
		sc->pos++;
		while (scalar_char(peek(sc)))
			sc->pos++;
	}
	return 0;
}

static int skip_value(struct scanner *sc, int depth)
{
	if (depth > MAX_DEPTH)
		return fail_at(sc, sc->pos, "values nested too deeply");
	switch (peek(sc)) {
	case '"':
		return starts(sc, "\"\"\"") ? scan_multiline(sc, '"') : scan_string(sc, NULL);
	case '\'':
		return starts(sc, "'''") ? scan_multiline(sc, '\'') : scan_string(sc, NULL);
	case '[':
		return skip_list(sc, depth, ']', "array", skip_value);
	case '{':
		return skip_list(sc, depth, '}', "inline table", skip_table_entry);
	default:
		return skip_scalar(sc);
	}
}

#define NOT_UNDERSTOOD "not an array of strings; edit it by hand"

/* The hooks_dir value: an array of single-line strings, positions recorded. */
static int scan_hooks(struct scanner *sc, struct ts_hooks_site *site)
{
	if (peek(sc) != '[')
		return fail_at(sc, sc->pos, "[engine] hooks_dir is %s, " NOT_UNDERSTOOD,
			       peek(sc) == '"' || peek(sc) == '\'' ? "a string" : "a single value");
	site->open = sc->pos++;
	for (;;) {
		int r = skip_space(sc);
		if (r < 0)
			return r;
		if (sc->pos >= sc->len)
			return fail_at(sc, site->open, "unterminated array");
		if (peek(sc) == ']') {
			site->close = sc->pos++;
			return 0;
		}
		struct ts_strbuf value _cleanup_strbuf_ = TS_STRBUF_INIT;
		size_t start = sc->pos;
		if ((peek(sc) == '"' && !starts(sc, "\"\"\"")) ||
		    (peek(sc) == '\'' && !starts(sc, "'''")))
			r = scan_string(sc, &value);
		else
			return fail_at(sc, start, "[engine] hooks_dir has an entry that is not a "
				       "one-line string: " NOT_UNDERSTOOD);
		if (r < 0)
			return r;
		ts_strv_push_take(&site->values, ts_strbuf_take(&value));
		site->last_start = start;
		site->last_end = sc->pos;
		site->comma_end = 0;
		r = skip_space(sc);
		if (r < 0)
			return r;
		if (sc->pos >= sc->len)
			return fail_at(sc, site->open, "unterminated array");
		if (peek(sc) == ',')
			site->comma_end = ++sc->pos;
		else if (peek(sc) != ']')
			return fail_at(sc, sc->pos, "expected ',' or ']' in an array");
	}
}

static bool is_engine(const char *part)
{
	return strcmp(part, "engine") == 0;
}

/* [table] or [[table]]; returns the new current table in table. */
static int scan_header(struct scanner *sc, struct ts_strv *table, bool *array,
		       struct ts_hooks_site *site, bool *engine_here)
{
	size_t start = sc->pos++;
	*array = peek(sc) == '[';
	if (*array)
		sc->pos++;
	ts_strv_clear(table);
	int r = scan_key(sc, table);
	if (r < 0)
		return r;
	if (peek(sc) != ']' || (*array && peek_at(sc, 1) != ']'))
		return fail_at(sc, start, "malformed table header");
	sc->pos += *array ? 2 : 1;

	if (!is_engine(table->items[0]))
		return 0;
	if (table->n >= 2 && strcmp(table->items[1], "hooks_dir") == 0)
		return fail_at(sc, start, "[engine] hooks_dir is a table, " NOT_UNDERSTOOD);
	if (table->n > 1)
		return 0;
	if (*array)
		return fail_at(sc, start, "[[engine]] is an array of tables; edit hooks_dir by hand");
	if (site->engine)
		return fail_at(sc, start, "a second [engine] table");
	site->engine = *engine_here = true;
	return 0;
}

/* key = value; hooks_dir in the engine table gets the close look. */
static int scan_keyval(struct scanner *sc, const struct ts_strv *table, bool array,
		       size_t line_start, struct ts_hooks_site *site, bool *root_engine_here)
{
	_cleanup_strv_ struct ts_strv key = TS_STRV_INIT;
	size_t start = sc->pos;
	int r = scan_key_eq(sc, &key);
	if (r < 0)
		return r;

	/* The key relative to the engine table, when it is in there at all. */
	char **rel = NULL;
	size_t nrel = 0;
	if (table->n == 0 && is_engine(key.items[0])) {
		rel = key.items + 1;
		nrel = key.n - 1;
		*root_engine_here = true;
	} else if (table->n == 1 && !array && is_engine(table->items[0])) {
		rel = key.items;
		nrel = key.n;
	}
	if (!rel)
		return skip_value(sc, 0);
	if (nrel == 0)
		return fail_at(sc, start, "engine is set as one value, not a table; "
			       "edit hooks_dir by hand");
	if (strcmp(rel[0], "hooks_dir") != 0)
		return skip_value(sc, 0);
	if (nrel > 1)
		return fail_at(sc, start, "[engine] hooks_dir is a table, " NOT_UNDERSTOOD);
	if (site->found)
		return fail_at(sc, start, "[engine] hooks_dir is set twice (first on line %u)",
			       site->line);
	site->found = true;
	site->line = line_of(sc, start);
	site->key_start = line_start;
	return scan_hooks(sc, site);
}

static int scan_document(struct scanner *sc, struct ts_hooks_site *site)
{
	_cleanup_strv_ struct ts_strv table = TS_STRV_INIT;
	bool array = false;

	if (starts(sc, "\xef\xbb\xbf"))
		sc->pos = 3;
	while (sc->pos < sc->len) {
		size_t line_start = sc->pos;
		bool engine_here = false, root_engine_here = false;
		int r = 0;
		skip_blank(sc);
		if (peek(sc) == '[')
			r = scan_header(sc, &table, &array, site, &engine_here);
		else if (peek(sc) != '#' && !at_eol(sc))
			r = scan_keyval(sc, &table, array, line_start, site, &root_engine_here);
		if (r < 0)
			return r;
		skip_blank(sc);
		skip_comment(sc);
		r = eat_eol(sc);
		if (r < 0)
			return r;
		if (engine_here)
			site->engine_end = sc->pos;
		if (root_engine_here) {
			site->root_engine = true;
			site->root_engine_end = sc->pos;
		}
	}
	return 0;
}

bool ts_hooks_dir_same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	while (la > 1 && a[la - 1] == '/')
		la--;
	while (lb > 1 && b[lb - 1] == '/')
		lb--;
	return la == lb && memcmp(a, b, la) == 0;
}

bool ts_hooks_site_lists(const struct ts_hooks_site *site, const char *dir)
{
	for (size_t i = 0; site->found && i < site->values.n; i++)
		if (ts_hooks_dir_same(site->values.items[i], dir))
			return true;
	return false;
}

int ts_hooks_site_scan(const char *text, struct ts_hooks_site *site, struct ts_error *err)
{
	*site = (struct ts_hooks_site){ .values = TS_STRV_INIT };
	struct scanner sc = { .s = text ? text : "", .len = text ? strlen(text) : 0, .err = err };
	return scan_document(&sc, site);
}

void ts_hooks_site_clear(struct ts_hooks_site *site)
{
	ts_strv_clear(&site->values);
}
