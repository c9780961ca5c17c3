/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "json-out.h"

int cli_print_json(json_t *value)
{
	char *text = value ? json_dumps(value, JSON_COMPACT) : NULL;
	json_decref(value);
	if (!text)
		return cli_error("cannot format the output as JSON");
	puts(text);
	free(text);
	return 0;
}

json_t *cli_json_strv(const struct ts_strv *v)
{
	json_t *array = json_array();
	for (size_t i = 0; array && i < v->n; i++)
		json_array_append_new(array, json_string(v->items[i]));
	return array;
}

json_t *cli_json_string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

bool cli_parse_help_json(int argc, char **argv, const char *command, const char *usage,
			 bool *json, int *exit_code)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 },
	};
	int opt;
	*json = false;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		if (opt == 'j') {
			*json = true;
			continue;
		}
		return cli_handle_common_opt(opt, argv, command, usage, exit_code);
	}
	return false;
}
