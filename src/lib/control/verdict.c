/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <jansson.h>
#include <strings.h>

#include "base/scope.h"
#include "base/util.h"
#include "control/verdict.h"

/* "for" and "scope" of an accept; both optional. */
static int accept_scope(json_t *o, struct ts_verdict *v, struct ts_error *err)
{
	json_t *dur = json_object_get(o, "for"), *scope = json_object_get(o, "scope");
	if (v->action != TS_VERDICT_ACCEPT && (dur || scope))
		return ts_error_set(err, EINVAL, "\"for\" and \"scope\" go with \"accept\" only");
	if (dur && (!json_is_string(dur) ||
		    ts_scope_parse_duration(json_string_value(dur), &v->seconds, NULL) < 0))
		return ts_error_set(err, EINVAL, "\"for\" is not a duration such as \"30m\"");
	const char *word = json_string_value(scope);
	if (scope && (!word || (strcmp(word, "port") != 0 && strcmp(word, "address") != 0)))
		return ts_error_set(err, EINVAL, "\"scope\" is neither \"port\" nor \"address\"");
	v->port_scope = word && strcmp(word, "port") == 0;
	return 0;
}

/* The fields of a verdict object; -EINVAL naming the first that is wrong. */
static int verdict_fields(json_t *o, struct ts_verdict *v, struct ts_error *err)
{
	const char *type = json_string_value(json_object_get(o, "type"));
	json_t *id = json_object_get(o, "id");
	const char *action = json_string_value(json_object_get(o, "action"));
	if (!type || strcmp(type, "verdict") != 0)
		return ts_error_set(err, EINVAL, "\"type\" is not \"verdict\"");
	if (!json_is_integer(id) || json_integer_value(id) < 1)
		return ts_error_set(err, EINVAL, "\"id\" is not an integer of at least 1");
	if (!action || (strcmp(action, "accept") != 0 && strcmp(action, "deny") != 0))
		return ts_error_set(err, EINVAL, "\"action\" is neither \"accept\" nor \"deny\"");
	struct ts_verdict got = {
		.id = (uint64_t)json_integer_value(id),
		.action = strcmp(action, "accept") == 0 ? TS_VERDICT_ACCEPT : TS_VERDICT_DENY,
	};
	int r = accept_scope(o, &got, err);
	if (r == 0)
		*v = got;
	return r;
}

int ts_verdict_parse(const char *line, size_t len, struct ts_verdict *v, struct ts_error *err)
{
	if (len > TS_VERDICT_LINE_MAX)
		return ts_error_set(err, EINVAL, "line longer than %d bytes", TS_VERDICT_LINE_MAX);
	json_error_t je;
	json_auto_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!o)
		return ts_error_set(err, EINVAL, "not JSON (%.80s)", je.text);
	if (!json_is_object(o))
		return ts_error_set(err, EINVAL, "not a JSON object");
	return verdict_fields(o, v, err);
}

/* The action word of a human answer; -1 when it is none. */
static int answer_word(const char *w, size_t len)
{
	static const struct {
		const char *word;
		enum ts_verdict_action action;
	} answers[] = {
		{ "a", TS_VERDICT_ACCEPT }, { "allow", TS_VERDICT_ACCEPT },
		{ "d", TS_VERDICT_DENY },   { "deny", TS_VERDICT_DENY },
	};
	for (size_t i = 0; i < ARRAY_SIZE(answers); i++)
		if (strlen(answers[i].word) == len && strncasecmp(w, answers[i].word, len) == 0)
			return (int)answers[i].action;
	return -1;
}

int ts_verdict_answer_parse(const char *text, struct ts_verdict *v, struct ts_error *err)
{
	char words[3][24];
	size_t n = 0;
	const char *p = text;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		size_t len = 0;
		while (p[len] && !isspace((unsigned char)p[len]))
			len++;
		if (!len)
			break;
		if (n == 3 || len >= sizeof(words[0]))
			goto bad;
		snprintf(words[n++], sizeof(words[0]), "%.*s", (int)len, p);
		p += len;
	}
	int action = n ? answer_word(words[0], strlen(words[0])) : -1;
	struct ts_verdict got = { .id = v->id, .action = (enum ts_verdict_action)action };
	if (action < 0 || (action == TS_VERDICT_DENY && n > 1))
		goto bad;
	size_t i = 1;
	if (i < n && strcasecmp(words[i], "port") == 0) {
		got.port_scope = true;
		i++;
	}
	if (i < n && ts_scope_parse_duration(words[i], &got.seconds, NULL) == 0)
		i++;
	if (i != n)
		goto bad;
	*v = got;
	return 0;
bad:
	while (isspace((unsigned char)*text))
		text++;
	size_t shown = strlen(text);
	while (shown && isspace((unsigned char)text[shown - 1]))
		shown--;
	return ts_error_set(err, EINVAL, "'%.*s' is not an answer: a (allow), a port, a 30m, "
			    "a port 30m, or d (deny)", (int)(shown < 40 ? shown : 40), text);
}

const char *ts_verdict_action_name(enum ts_verdict_action a)
{
	return a == TS_VERDICT_ACCEPT ? "accept" : "deny";
}

static char *line_of(json_t *o)
{
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!text)
		abort(); /* only out of memory */
	char *line = ts_xasprintf("%s\n", text);
	free(text);
	return line;
}

char *ts_verdict_pending_line(uint64_t id, const char *dest, unsigned port, unsigned proto,
			      const char *domain, bool private_range)
{
	json_t *o = json_pack("{s:s, s:I, s:s, s:I, s:I, s:s}", "type", "pending", "id",
			      (json_int_t)id, "dest", dest, "port", (json_int_t)port, "proto",
			      (json_int_t)proto, "domain", domain ? domain : "");
	if (o && private_range)
		json_object_set_new(o, "private", json_true());
	return line_of(o);
}

char *ts_verdict_applied_line(uint64_t id, const char *dest, enum ts_verdict_action a, bool ok)
{
	return line_of(json_pack("{s:s, s:I, s:s, s:s, s:b}", "type", "verdict_applied", "id",
				 (json_int_t)id, "dest", dest, "action", ts_verdict_action_name(a),
				 "ok", ok));
}
