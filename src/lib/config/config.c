/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.yml is read with libyaml's event API: every event is checked as
 * it arrives, so the first unexpected one ends the parse, and nothing the
 * file contains (aliases, deep nesting, unknown subtrees) is ever walked
 * or skipped over.
 */
#include <yaml.h>

#include "base/fileio.h"
#include "base/port.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "config/config.h"

/* How much of a value or key is quoted back in a message. */
#define QUOTE_MAX 64

struct parser {
	yaml_parser_t yaml;
	const char *path;
	const char *text;
	size_t len;
	struct ts_error *err;
};

struct key {
	const char *name;
	int (*parse)(struct parser *p, const yaml_event_t *value, struct ts_config *c);
};

struct mapping {
	const char *prefix; /* for messages: "audit: ", or "" at the top level */
	const struct key *keys;
	size_t n_keys;
};

#define _cleanup_event_ _cleanup_(yaml_event_delete)

void ts_config_init(struct ts_config *c)
{
	*c = (struct ts_config){
		.mode = TS_MODE_AUTO,
		.default_profiles = TS_STRV_INIT,
		.audit_enabled = true,
	};
	ts_strv_push(&c->default_profiles, TS_DEFAULT_PROFILE);
}

void ts_config_clear(struct ts_config *c)
{
	ts_strv_clear(&c->default_profiles);
	free(c->loopback_ports);
	*c = (struct ts_config){ .default_profiles = TS_STRV_INIT };
}

const char *ts_mode_name(enum ts_mode mode)
{
	return mode == TS_MODE_HOOK ? "hook" : "auto";
}

static const char *scalar(const yaml_event_t *ev)
{
	return (const char *)ev->data.scalar.value;
}

/* Scalars may hold NUL bytes ("\0" escapes), so compare with the length. */
static bool scalar_is(const yaml_event_t *ev, const char *s)
{
	size_t n = strlen(s);
	return ev->type == YAML_SCALAR_EVENT && ev->data.scalar.length == n &&
	       memcmp(scalar(ev), s, n) == 0;
}

static bool is_plain(const yaml_event_t *ev)
{
	return ev->type == YAML_SCALAR_EVENT && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static bool is_null(const yaml_event_t *ev)
{
	return is_plain(ev) && (ev->data.scalar.length == 0 || scalar_is(ev, "~") ||
				scalar_is(ev, "null") || scalar_is(ev, "Null") || scalar_is(ev, "NULL"));
}

/* Quote file content back on one line: control bytes become '?', long text is cut. */
static const char *printable(const char *s, size_t len, char buf[static QUOTE_MAX + 4])
{
	size_t n = len < QUOTE_MAX ? len : QUOTE_MAX;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		buf[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	strcpy(buf + n, len > n ? "..." : "");
	return buf;
}

/* What a value is, for "expected X, got Y". */
static const char *describe(const yaml_event_t *ev, char *buf, size_t size)
{
	char q[QUOTE_MAX + 4];

	if (ev->type == YAML_SEQUENCE_START_EVENT)
		return "a list";
	if (ev->type == YAML_MAPPING_START_EVENT)
		return "a mapping";
	if (is_null(ev))
		return "nothing";
	printable(scalar(ev), ev->data.scalar.length, q);
	snprintf(buf, size, is_plain(ev) ? "'%s'" : "the quoted string \"%s\"", q);
	return buf;
}

static int expected(struct parser *p, const char *key, const char *what, const yaml_event_t *got)
{
	char buf[QUOTE_MAX + 32];

	return ts_error_set(p->err, EINVAL, "%s: %s: expected %s, got %s", p->path, key, what,
			    describe(got, buf, sizeof(buf)));
}

/* libyaml counts lines from 0; reader errors only carry a byte offset. */
static size_t error_line(const struct parser *p)
{
	size_t line = 1;

	if (p->yaml.error != YAML_READER_ERROR)
		return p->yaml.problem_mark.line + 1;
	for (size_t i = 0; i < p->yaml.problem_offset && i < p->len; i++)
		line += p->text[i] == '\n';
	return line;
}

static int syntax_error(struct parser *p)
{
	const yaml_parser_t *y = &p->yaml;

	if (y->error == YAML_MEMORY_ERROR)
		return ts_error_set(p->err, ENOMEM, "%s: out of memory", p->path);
	/* The context often points at the real culprit, lines before the problem. */
	if (y->context)
		return ts_error_set(p->err, EINVAL, "%s:%zu: invalid YAML: %s (%s at line %zu)",
				    p->path, error_line(p), y->problem ? y->problem : "syntax error",
				    y->context, y->context_mark.line + 1);
	return ts_error_set(p->err, EINVAL, "%s:%zu: invalid YAML: %s", p->path, error_line(p),
			    y->problem ? y->problem : "syntax error");
}

static const yaml_char_t *event_tag(const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return ev->data.scalar.tag;
	case YAML_SEQUENCE_START_EVENT:
		return ev->data.sequence_start.tag;
	case YAML_MAPPING_START_EVENT:
		return ev->data.mapping_start.tag;
	default:
		return NULL;
	}
}

/*
 * Aliases could make one node stand for many and tags could turn a quoted
 * string into a number; config.yml needs neither, so both are refused.
 */
static int next_event(struct parser *p, yaml_event_t *ev)
{
	yaml_event_delete(ev);
	if (!yaml_parser_parse(&p->yaml, ev))
		return syntax_error(p);
	if (ev->type == YAML_ALIAS_EVENT)
		return ts_error_set(p->err, EINVAL, "%s:%zu: YAML aliases are not supported", p->path,
				    ev->start_mark.line + 1);
	if (event_tag(ev))
		return ts_error_set(p->err, EINVAL, "%s:%zu: YAML tags are not supported", p->path,
				    ev->start_mark.line + 1);
	return 0;
}

static int parse_bool(struct parser *p, const char *key, const yaml_event_t *v, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE" };
	static const char *const no[] = { "false", "False", "FALSE" };

	for (size_t i = 0; is_plain(v) && i < ARRAY_SIZE(yes); i++) {
		if (scalar_is(v, yes[i]) || scalar_is(v, no[i])) {
			*out = scalar_is(v, yes[i]);
			return 0;
		}
	}
	return expected(p, key, "true or false", v);
}

/* A quoted "80" is a string, not a port. */
static int parse_port(struct parser *p, const char *key, const yaml_event_t *v, uint16_t *out)
{
	if (!is_plain(v) || !ts_port_parse(scalar(v), v->data.scalar.length, out))
		return expected(p, key, "a port number 1-65535", v);
	return 0;
}

static int parse_mode(struct parser *p, const yaml_event_t *v, struct ts_config *c)
{
	if (scalar_is(v, "auto"))
		c->mode = TS_MODE_AUTO;
	else if (scalar_is(v, "hook"))
		c->mode = TS_MODE_HOOK;
	else
		return expected(p, "mode", "'auto' or 'hook'", v);
	return 0;
}

static const char *const dns_tier_words[] = {
	[TS_DNS_TIER_AUTO] = "auto",
	[TS_DNS_TIER_SHIELD] = "shield",
	[TS_DNS_TIER_DNSMASQ] = "dnsmasq",
	[TS_DNS_TIER_DIG] = "dig",
};

int ts_dns_tier_choice_parse(const char *word, enum ts_dns_tier_choice *out)
{
	for (size_t i = 0; word && i < ARRAY_SIZE(dns_tier_words); i++)
		if (strcmp(word, dns_tier_words[i]) == 0) {
			*out = (enum ts_dns_tier_choice)i;
			return 0;
		}
	return -EINVAL;
}

static int parse_dns_tier(struct parser *p, const yaml_event_t *v, struct ts_config *c)
{
	for (size_t i = 0; is_plain(v) && i < ARRAY_SIZE(dns_tier_words); i++)
		if (scalar_is(v, dns_tier_words[i])) {
			c->dns_tier = (enum ts_dns_tier_choice)i;
			return 0;
		}
	return expected(p, "dns_tier", "'auto', 'shield', 'dnsmasq' or 'dig'", v);
}

static int parse_dns_policy(struct parser *p, const yaml_event_t *v, struct ts_config *c)
{
	if (is_plain(v) && (scalar_is(v, "strict") || scalar_is(v, "open"))) {
		c->dns_open = scalar_is(v, "open");
		return 0;
	}
	return expected(p, "dns_policy", "'strict' or 'open'", v);
}

/* Full validation is the profiles module's job; this keeps out paths and junk. */
static int check_profile_name(struct parser *p, const char *key, const yaml_event_t *v)
{
	char q[QUOTE_MAX + 4];

	if (v->type != YAML_SCALAR_EVENT)
		return expected(p, key, "a profile name", v);
	const char *s = scalar(v);
	size_t len = v->data.scalar.length;
	if (len == 0 || is_null(v))
		return ts_error_set(p->err, EINVAL, "%s: %s: expected a non-empty profile name",
				    p->path, key);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '/' ||
		    (s[i] == '.' && i + 1 < len && s[i + 1] == '.'))
			return ts_error_set(p->err, EINVAL,
					    "%s: %s: invalid profile name '%s': must not contain '/', '..' or control characters",
					    p->path, key, printable(s, len, q));
	return 0;
}

static int parse_profiles(struct parser *p, const yaml_event_t *v, struct ts_config *c)
{
	_cleanup_event_ yaml_event_t item = { 0 };
	char key[64];
	int r;

	if (v->type != YAML_SEQUENCE_START_EVENT)
		return expected(p, "default_profiles", "a list of profile names", v);
	/* The file's list replaces the default one. */
	ts_strv_clear(&c->default_profiles);
	for (size_t i = 0;; i++) {
		r = next_event(p, &item);
		if (r < 0)
			return r;
		if (item.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		snprintf(key, sizeof(key), "default_profiles[%zu]", i);
		r = check_profile_name(p, key, &item);
		if (r < 0)
			return r;
		ts_strv_push(&c->default_profiles, scalar(&item));
	}
}

/* Duplicates are dropped: the ruleset wants each port once. */
static void add_port(struct ts_config *c, uint8_t seen[static 65536 / 8], uint16_t port)
{
	if (seen[port / 8] & (1u << (port % 8)))
		return;
	seen[port / 8] |= (uint8_t)(1u << (port % 8));
	c->loopback_ports = ts_xrealloc(c->loopback_ports,
					(c->n_loopback_ports + 1) * sizeof(*c->loopback_ports));
	c->loopback_ports[c->n_loopback_ports++] = port;
}

static int parse_ports(struct parser *p, const yaml_event_t *v, struct ts_config *c)
{
	_cleanup_event_ yaml_event_t item = { 0 };
	uint8_t seen[65536 / 8] = { 0 };
	uint16_t port;
	char key[64];
	int r;

	if (v->type == YAML_SCALAR_EVENT) {
		r = parse_port(p, "loopback_ports", v, &port);
		if (r < 0)
			return r;
		add_port(c, seen, port);
		return 0;
	}
	if (v->type != YAML_SEQUENCE_START_EVENT)
		return expected(p, "loopback_ports", "a list of port numbers", v);
	for (size_t i = 0;; i++) {
		r = next_event(p, &item);
		if (r < 0)
			return r;
		if (item.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		snprintf(key, sizeof(key), "loopback_ports[%zu]", i);
		r = parse_port(p, key, &item, &port);
		if (r < 0)
			return r;
		add_port(c, seen, port);
	}
}

static int parse_interactive(struct parser *p, const yaml_event_t *v, struct ts_config *c)
{
	return parse_bool(p, "interactive", v, &c->interactive);
}

static int parse_audit_enabled(struct parser *p, const yaml_event_t *v, struct ts_config *c)
{
	return parse_bool(p, "audit.enabled", v, &c->audit_enabled);
}

static char *key_list(const struct mapping *m)
{
	struct ts_strbuf b = TS_STRBUF_INIT;

	for (size_t i = 0; i < m->n_keys; i++) {
		if (i)
			ts_strbuf_puts(&b, ", ");
		ts_strbuf_puts(&b, m->keys[i].name);
	}
	return ts_strbuf_take(&b);
}

static int unknown_key(struct parser *p, const struct mapping *m, const yaml_event_t *key)
{
	_cleanup_free_ char *names = key_list(m);
	char q[QUOTE_MAX + 4];

	return ts_error_set(p->err, EINVAL, "%s: %sunknown key '%s' (expected one of: %s)", p->path,
			    m->prefix, printable(scalar(key), key->data.scalar.length, q), names);
}

static int duplicate_key(struct parser *p, const struct mapping *m, const yaml_event_t *key)
{
	char q[QUOTE_MAX + 4];

	return ts_error_set(p->err, EINVAL, "%s: %sduplicate key '%s'", p->path, m->prefix,
			    printable(scalar(key), key->data.scalar.length, q));
}

/* Reads a block or flow mapping whose start event has been consumed. */
static int parse_mapping(struct parser *p, const struct mapping *m, struct ts_config *c)
{
	_cleanup_event_ yaml_event_t key = { 0 };
	_cleanup_event_ yaml_event_t value = { 0 };
	char buf[QUOTE_MAX + 32];
	unsigned seen = 0;
	int r;

	for (;;) {
		r = next_event(p, &key);
		if (r < 0)
			return r;
		if (key.type == YAML_MAPPING_END_EVENT)
			return 0;
		if (key.type != YAML_SCALAR_EVENT)
			return ts_error_set(p->err, EINVAL, "%s: %sexpected a key name, got %s",
					    p->path, m->prefix, describe(&key, buf, sizeof(buf)));

		size_t i = 0;
		while (i < m->n_keys && !scalar_is(&key, m->keys[i].name))
			i++;
		if (i == m->n_keys)
			return unknown_key(p, m, &key);
		if (seen & (1u << i))
			return duplicate_key(p, m, &key);
		seen |= 1u << i;

		r = next_event(p, &value);
		if (r < 0)
			return r;
		r = m->keys[i].parse(p, &value, c);
		if (r < 0)
			return r;
	}
}

static const struct key audit_keys[] = {
	{ "enabled", parse_audit_enabled },
};

static const struct mapping audit_mapping = { "audit: ", audit_keys, ARRAY_SIZE(audit_keys) };

static int parse_audit(struct parser *p, const yaml_event_t *v, struct ts_config *c)
{
	if (v->type != YAML_MAPPING_START_EVENT)
		return expected(p, "audit", "a mapping (enabled: true or false)", v);
	return parse_mapping(p, &audit_mapping, c);
}

static const struct key top_keys[] = {
	{ "mode", parse_mode },
	{ "default_profiles", parse_profiles },
	{ "loopback_ports", parse_ports },
	{ "interactive", parse_interactive },
	{ "dns_tier", parse_dns_tier },
	{ "dns_policy", parse_dns_policy },
	{ "audit", parse_audit },
};

static const struct mapping top_mapping = { "", top_keys, ARRAY_SIZE(top_keys) };

/* One document holding a mapping; an empty stream or a null document means defaults. */
static int parse_stream(struct parser *p, struct ts_config *c)
{
	_cleanup_event_ yaml_event_t ev = { 0 };
	char buf[QUOTE_MAX + 32];
	int r;

	r = next_event(p, &ev); /* stream start */
	if (r < 0)
		return r;
	r = next_event(p, &ev);
	if (r < 0 || ev.type == YAML_STREAM_END_EVENT)
		return r;
	r = next_event(p, &ev); /* the document's root node */
	if (r < 0)
		return r;
	if (ev.type == YAML_MAPPING_START_EVENT)
		r = parse_mapping(p, &top_mapping, c);
	else if (!is_null(&ev))
		r = ts_error_set(p->err, EINVAL, "%s: expected a mapping of settings, got %s",
				 p->path, describe(&ev, buf, sizeof(buf)));
	if (r < 0)
		return r;
	r = next_event(p, &ev); /* document end */
	if (r < 0)
		return r;
	r = next_event(p, &ev);
	if (r < 0)
		return r;
	if (ev.type != YAML_STREAM_END_EVENT)
		return ts_error_set(p->err, EINVAL, "%s:%zu: expected a single YAML document",
				    p->path, ev.start_mark.line + 1);
	return 0;
}

int ts_config_parse(const char *path, const char *text, size_t len, struct ts_config *c,
		    struct ts_error *err)
{
	struct parser p = { .path = path, .text = text, .len = len, .err = err };
	int r;

	ts_config_init(c);
	if (!yaml_parser_initialize(&p.yaml))
		return ts_error_set(err, ENOMEM, "%s: out of memory", path);
	yaml_parser_set_input_string(&p.yaml, (const unsigned char *)text, len);
	r = parse_stream(&p, c);
	yaml_parser_delete(&p.yaml);
	if (r < 0) {
		ts_config_clear(c);
		ts_config_init(c);
	}
	return r;
}

int ts_config_load(const char *config_root, struct ts_config *c, struct ts_error *err)
{
	_cleanup_free_ char *path = ts_xasprintf("%s/%s", config_root, TS_CONFIG_FILE);
	_cleanup_free_ char *text = NULL;
	struct ts_error read_err = { 0 };
	size_t len = 0;
	int r;

	r = ts_file_read(path, &text, &len, &read_err);
	if (r == -ENOENT) {
		ts_config_init(c);
		return 0;
	}
	if (r < 0) {
		ts_config_init(c);
		if (err)
			*err = read_err;
		return r;
	}
	return ts_config_parse(path, text, len, c, err);
}
