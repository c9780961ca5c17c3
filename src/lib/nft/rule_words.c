/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>

#include "base/util.h"
#include "nft/rule_words.h"

/* The default burst nft leaves out of `limit` (5 packets). */
#define DEFAULT_BURST 5

static void push(struct ts_strv *w, const char *s)
{
	ts_strv_push(w, s);
}

static void pushf(struct ts_strv *w, const char *fmt, ...) TS_PRINTF(2, 3);
static void pushf(struct ts_strv *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	ts_strv_push_take(w, s);
}

/* Every key and scalar of a value, depth first: verdict keys stay words of their own. */
static void generic(const json_t *v, struct ts_strv *w)
{
	const char *key;
	const json_t *item;
	size_t i;
	if (!v)
		return;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, key, item) {
			push(w, key);
			generic(item, w);
		}
		break;
	case JSON_ARRAY:
		json_array_foreach(v, i, item)
			generic(item, w);
		break;
	case JSON_STRING:
		push(w, json_string_value(v));
		break;
	case JSON_INTEGER:
		pushf(w, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		pushf(w, "%g", json_real_value(v));
		break;
	case JSON_TRUE:
		push(w, "true");
		break;
	case JSON_FALSE:
		push(w, "false");
		break;
	case JSON_NULL:
		break;
	}
}

/* An object's only key and its value, or NULL. */
static const char *only_key(const json_t *v, const json_t **value)
{
	if (!json_is_object(v) || json_object_size(v) != 1)
		return NULL;
	void *it = json_object_iter((json_t *)v);
	*value = json_object_iter_value(it);
	return json_object_iter_key(it);
}

static const char *str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* A value rendered as one word ("10.0.0.0/8", "22-80", "\"lo\"" when quoted). */
static char *one_word(const json_t *v, bool quote);

static void join_into(const struct ts_strv *parts, const char *sep, struct ts_strv *w)
{
	ts_strv_push_take(w, ts_strv_join(parts, sep));
}

static void value_words(const json_t *v, bool quote, struct ts_strv *w)
{
	const json_t *inner;
	const char *kind = only_key(v, &inner);
	size_t i;
	const json_t *item;
	if (json_is_string(v)) {
		if (quote)
			pushf(w, "\"%s\"", json_string_value(v));
		else
			push(w, json_string_value(v));
	} else if (json_is_array(v)) {
		/* A flag list (ct state established,related): one comma-joined word. */
		_cleanup_strv_ struct ts_strv parts = TS_STRV_INIT;
		json_array_foreach(v, i, item)
			ts_strv_push_take(&parts, one_word(item, quote));
		join_into(&parts, ",", w);
	} else if (kind && strcmp(kind, "set") == 0 && json_is_array(inner)) {
		/* An anonymous set: "{ a, b }" as nft prints it. */
		push(w, "{");
		size_t n = json_array_size(inner);
		json_array_foreach(inner, i, item) {
			_cleanup_free_ char *word = one_word(item, quote);
			pushf(w, "%s%s", word, i + 1 < n ? "," : "");
		}
		push(w, "}");
	} else if (kind && strcmp(kind, "prefix") == 0 && str(inner, "addr") &&
		   json_is_integer(json_object_get(inner, "len"))) {
		pushf(w, "%s/%" JSON_INTEGER_FORMAT, str(inner, "addr"),
		      json_integer_value(json_object_get(inner, "len")));
	} else if (kind && strcmp(kind, "range") == 0 && json_array_size(inner) == 2) {
		_cleanup_free_ char *lo = one_word(json_array_get(inner, 0), quote);
		_cleanup_free_ char *hi = one_word(json_array_get(inner, 1), quote);
		pushf(w, "%s-%s", lo, hi);
	} else {
		generic(v, w);
	}
}

static char *one_word(const json_t *v, bool quote)
{
	_cleanup_strv_ struct ts_strv parts = TS_STRV_INIT;
	value_words(v, quote, &parts);
	return ts_strv_join(&parts, " ");
}

/* Meta keys nft prints without "meta". */
static bool bare_meta_key(const char *key)
{
	static const char *const bare[] = { "iifname", "oifname", "iif", "oif", "iiftype",
					    "oiftype", "mark", "skuid", "skgid", NULL };
	for (const char *const *b = bare; *b; b++)
		if (strcmp(*b, key) == 0)
			return true;
	return false;
}

/* The left side of a match; *names_interface: its values are interface names (quoted). */
static void selector_words(const json_t *e, struct ts_strv *w, bool *names_interface)
{
	const json_t *inner;
	const char *kind = only_key(e, &inner);
	*names_interface = false;
	if (kind && strcmp(kind, "payload") == 0 && str(inner, "protocol") && str(inner, "field") &&
	    json_object_size(inner) == 2) {
		push(w, str(inner, "protocol"));
		push(w, str(inner, "field"));
	} else if (kind && strcmp(kind, "meta") == 0 && str(inner, "key") &&
		   json_object_size(inner) == 1) {
		const char *key = str(inner, "key");
		*names_interface = strcmp(key, "iifname") == 0 || strcmp(key, "oifname") == 0;
		if (!bare_meta_key(key))
			push(w, "meta");
		push(w, key);
	} else if (kind && strcmp(kind, "ct") == 0 && str(inner, "key") &&
		   json_object_size(inner) == 1) {
		push(w, "ct");
		push(w, str(inner, "key"));
	} else if (kind && strcmp(kind, "concat") == 0 && json_array_size(inner) > 1) {
		/* A concatenation (ip daddr . meta l4proto . th dport): its parts, "." between. */
		size_t i;
		const json_t *part;
		bool interface;
		json_array_foreach(inner, i, part) {
			if (i)
				push(w, ".");
			selector_words(part, w, &interface);
		}
		*names_interface = false;
	} else {
		generic(e, w);
	}
}

static void match_words(const json_t *m, struct ts_strv *w)
{
	const char *op = str(m, "op");
	bool quote;
	selector_words(json_object_get(m, "left"), w, &quote);
	/* nft prints equality and flag membership without an operator. */
	if (!op || (strcmp(op, "==") != 0 && strcmp(op, "in") != 0))
		push(w, op ? op : "?");
	value_words(json_object_get(m, "right"), quote, w);
}

/* Keys of obj other than the named ones, as "key value" words (an unusual option shows). */
static void other_keys(const json_t *obj, const char *const *known, struct ts_strv *w)
{
	const char *key;
	const json_t *item;
	json_object_foreach((json_t *)obj, key, item) {
		bool seen = false;
		for (const char *const *k = known; *k && !seen; k++)
			seen = strcmp(*k, key) == 0;
		if (!seen) {
			push(w, key);
			generic(item, w);
		}
	}
}

static void log_words(const json_t *log, struct ts_strv *w)
{
	static const char *const known[] = { "prefix", "group", NULL };
	push(w, "log");
	if (str(log, "prefix")) {
		push(w, "prefix");
		pushf(w, "\"%s\"", str(log, "prefix"));
	}
	json_t *group = json_object_get(log, "group");
	if (group) {
		push(w, "group");
		generic(group, w);
	}
	if (json_is_object(log))
		other_keys(log, known, w);
}

static void counter_words(const json_t *c, struct ts_strv *w)
{
	static const char *const known[] = { "packets", "bytes", NULL };
	push(w, "counter");
	if (json_is_object(c) && json_object_get(c, "packets") && json_object_get(c, "bytes")) {
		push(w, "packets");
		generic(json_object_get(c, "packets"), w);
		push(w, "bytes");
		generic(json_object_get(c, "bytes"), w);
		other_keys(c, known, w);
	} else {
		/* A named counter ("counter name X"): not a shape the shield writes. */
		push(w, "name");
		generic(c, w);
	}
}

static void reject_words(const json_t *r, struct ts_strv *w)
{
	static const char *const known[] = { "type", "expr", NULL };
	push(w, "reject");
	if (!json_is_object(r))
		return;
	if (str(r, "type")) {
		push(w, "with");
		push(w, str(r, "type"));
	}
	if (json_object_get(r, "expr"))
		generic(json_object_get(r, "expr"), w);
	other_keys(r, known, w);
}

static void limit_words(const json_t *l, struct ts_strv *w)
{
	static const char *const known[] = { "rate", "per", "burst", "inv", NULL };
	push(w, "limit");
	push(w, "rate");
	if (json_is_true(json_object_get(l, "inv")))
		push(w, "over");
	json_t *rate = json_object_get(l, "rate"), *burst = json_object_get(l, "burst");
	if (json_is_integer(rate) && str(l, "per"))
		pushf(w, "%" JSON_INTEGER_FORMAT "/%s", json_integer_value(rate), str(l, "per"));
	else
		generic(rate, w);
	if (burst && !(json_is_integer(burst) && json_integer_value(burst) == DEFAULT_BURST)) {
		push(w, "burst");
		generic(burst, w);
		push(w, "packets");
	}
	if (json_is_object(l))
		other_keys(l, known, w);
}

/* A set update from the packet path: "update @refused_v4 { ip daddr }". */
static void set_update_words(const json_t *u, struct ts_strv *w)
{
	static const char *const known[] = { "op", "elem", "set", NULL };
	bool quote;
	push(w, str(u, "op"));
	push(w, str(u, "set"));
	push(w, "{");
	selector_words(json_object_get(u, "elem"), w, &quote);
	push(w, "}");
	other_keys(u, known, w);
}

static void statement_words(const json_t *s, struct ts_strv *w)
{
	const json_t *v;
	const char *kind = only_key(s, &v);
	if (!kind) {
		push(w, "?");
		generic(s, w);
	} else if (strcmp(kind, "match") == 0 && json_is_object(v)) {
		match_words(v, w);
	} else if (strcmp(kind, "log") == 0) {
		log_words(v, w);
	} else if (strcmp(kind, "counter") == 0) {
		counter_words(v, w);
	} else if (strcmp(kind, "reject") == 0) {
		reject_words(v, w);
	} else if (strcmp(kind, "limit") == 0 && json_is_object(v)) {
		limit_words(v, w);
	} else if (strcmp(kind, "set") == 0 && str(v, "op") && str(v, "set") &&
		   json_object_get(v, "elem")) {
		set_update_words(v, w);
	} else if ((strcmp(kind, "jump") == 0 || strcmp(kind, "goto") == 0) && str(v, "target")) {
		push(w, kind);
		push(w, str(v, "target"));
	} else {
		/* accept, drop, queue num 0, and everything the shield never writes. */
		push(w, kind);
		generic(v, w);
	}
}

void ts_rule_words(const json_t *rule, struct ts_strv *words)
{
	size_t i;
	const json_t *s;
	json_array_foreach(json_object_get(rule, "expr"), i, s)
		statement_words(s, words);
	const char *comment = str(rule, "comment");
	if (comment) {
		push(words, "comment");
		pushf(words, "\"%s\"", comment);
	}
}
