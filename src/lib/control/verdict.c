/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <jansson.h>
#include <strings.h>

#include "base/util.h"
#include "control/verdict.h"

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
	*v = (struct ts_verdict){
		.id = (uint64_t)json_integer_value(id),
		.action = strcmp(action, "accept") == 0 ? TS_VERDICT_ACCEPT : TS_VERDICT_DENY,
	};
	return 0;
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

int ts_verdict_answer_parse(const char *text, enum ts_verdict_action *action,
			    struct ts_error *err)
{
	while (isspace((unsigned char)*text))
		text++;
	size_t len = strlen(text);
	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	static const struct {
		const char *word;
		enum ts_verdict_action action;
	} answers[] = {
		{ "a", TS_VERDICT_ACCEPT }, { "allow", TS_VERDICT_ACCEPT },
		{ "d", TS_VERDICT_DENY },   { "deny", TS_VERDICT_DENY },
	};
	for (size_t i = 0; i < ARRAY_SIZE(answers); i++)
		if (strlen(answers[i].word) == len && strncasecmp(text, answers[i].word, len) == 0) {
			*action = answers[i].action;
			return 0;
		}
	return ts_error_set(err, EINVAL, "'%.*s' is not an answer: a (allow) or d (deny)",
			    (int)(len < 40 ? len : 40), text);
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
