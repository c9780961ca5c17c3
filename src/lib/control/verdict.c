/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <jansson.h>
#include <strings.h>

#include "base/util.h"
#include "control/verdict.h"

int ts_verdict_parse(const char *line, size_t len, struct ts_verdict *v, struct ts_error *err)
{
	if (len > TS_VERDICT_LINE_MAX)
		return ts_error_set(err, EINVAL, "line longer than %d bytes", TS_VERDICT_LINE_MAX);
	json_error_t je;
	json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	int r = 0;
	if (!o)
		r = ts_error_set(err, EINVAL, "not JSON (%.80s)", je.text);
	else if (!json_is_object(o))
		r = ts_error_set(err, EINVAL, "not a JSON object");
	if (r < 0) {
		json_decref(o);
		return r;
	}
	const char *type = json_string_value(json_object_get(o, "type"));
	json_t *id = json_object_get(o, "id");
	const char *action = json_string_value(json_object_get(o, "action"));
	struct ts_verdict parsed = { 0 };
	if (!type || strcmp(type, "verdict") != 0)
		r = ts_error_set(err, EINVAL, "\"type\" is not \"verdict\"");
	else if (!json_is_integer(id) || json_integer_value(id) < 1)
		r = ts_error_set(err, EINVAL, "\"id\" is not an integer of at least 1");
	else if (!action || (strcmp(action, "accept") != 0 && strcmp(action, "deny") != 0))
		r = ts_error_set(err, EINVAL, "\"action\" is neither \"accept\" nor \"deny\"");
	else
		parsed = (struct ts_verdict){
			.id = (uint64_t)json_integer_value(id),
			.action = strcmp(action, "accept") == 0 ? TS_VERDICT_ACCEPT : TS_VERDICT_DENY,
		};
	json_decref(o);
	if (r == 0)
		*v = parsed;
	return r;
}

int ts_verdict_answer_parse(const char *text, enum ts_verdict_action *action)
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
	return -EINVAL;
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
