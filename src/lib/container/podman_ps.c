/* SPDX-License-Identifier: Apache-2.0 */
#include <jansson.h>

#include "base/process.h"
#include "base/util.h"
#include "bundle/location.h"
#include "container/podman.h"
#include "container/podman_ps.h"

void ts_podman_ps_clear(struct ts_podman_ps *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		free(ps->items[i].name);
	free(ps->items);
	*ps = (struct ts_podman_ps){ 0 };
}

/* One element of the array: entry i, named in messages by its position only (podman's values may be anything). */
static int parse_entry(json_t *entry, size_t i, struct ts_podman_container *c, struct ts_error *err)
{
	if (!json_is_object(entry))
		return ts_error_set(err, EPROTO, "podman ps: entry %zu is not an object", i);
	json_t *names = json_object_get(entry, "Names");
	json_t *name = json_array_get(names, 0);
	if (!json_is_array(names) || !json_is_string(name))
		return ts_error_set(err, EPROTO, "podman ps: entry %zu has no Names array of strings",
				    i);
	json_t *state = json_object_get(entry, "State");
	if (!json_is_string(state))
		return ts_error_set(err, EPROTO, "podman ps: entry %zu has no State string", i);
	/* A name podman allows but prepare could not have made matches no bundle: not an error. */
	const char *v = json_string_value(name);
	bool usable = ts_container_name_validate(v, NULL) == 0; /* jansson refuses \u0000 */
	const char *s = json_string_value(state);
	c->name = usable ? ts_xstrdup(v) : NULL;
	c->running = strcmp(s, "running") == 0 || strcmp(s, "paused") == 0;
	return 0;
}

static int parse_array(json_t *doc, struct ts_podman_ps *out, struct ts_error *err)
{
	if (json_is_null(doc))
		return 0;
	if (!json_is_array(doc))
		return ts_error_set(err, EPROTO, "podman ps: not a JSON array");
	size_t n = json_array_size(doc);
	out->items = n ? calloc(n, sizeof(*out->items)) : NULL;
	if (n && !out->items)
		return ts_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct ts_podman_container c;
		int r = parse_entry(json_array_get(doc, i), i, &c, err);
		if (r < 0)
			return r;
		if (c.name)
			out->items[out->n++] = c;
	}
	return 0;
}

int ts_podman_ps_parse(const char *json, struct ts_podman_ps *out, struct ts_error *err)
{
	*out = (struct ts_podman_ps){ 0 };
	json_error_t jerr;
	json_auto_t *doc = json_loads(json, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!doc)
		return ts_error_set(err, EPROTO, "podman ps: invalid JSON: %s (line %d)", jerr.text,
				    jerr.line);
	int r = parse_array(doc, out, err);
	if (r < 0)
		ts_podman_ps_clear(out);
	return r;
}

int ts_podman_ps_start(struct ts_run *run, struct ts_error *err)
{
	static const char *const argv[] = { "podman", "ps", "-a", "--format", "json", NULL };
	return ts_run_start(argv, run, err);
}

int ts_podman_ps_finish(struct ts_run *run, struct ts_podman_ps *out, struct ts_error *err)
{
	_cleanup_free_ char *text = NULL, *errors = NULL;
	*out = (struct ts_podman_ps){ 0 };
	int r = ts_run_finish(run, &text, &errors, err);
	if (r < 0)
		return r;
	if (r != 0)
		return ts_podman_failed(err, "podman ps -a", r, errors);
	return ts_podman_ps_parse(text, out, err);
}

const struct ts_podman_container *ts_podman_ps_find(const struct ts_podman_ps *ps,
						    const char *name)
{
	for (size_t i = 0; i < ps->n; i++)
		if (strcmp(ps->items[i].name, name) == 0)
			return &ps->items[i];
	return NULL;
}
