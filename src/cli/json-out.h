/* SPDX-License-Identifier: Apache-2.0 */
/* --json output of the CLI: one compact JSON object per command, on one line. */
#ifndef TS_CLI_JSON_OUT_H
#define TS_CLI_JSON_OUT_H

#include <jansson.h>
#include <stdbool.h>

#include "base/strv.h"

/*
 * Print value compactly on one line and release it (a NULL value is an
 * out-of-memory error). Returns 0, or CLI_EXIT_ERROR after a message.
 */
int cli_print_json(json_t *value);

/* A JSON array of the strings of v (never NULL; invalid UTF-8 is dropped). */
json_t *cli_json_strv(const struct ts_strv *v);

/* A JSON string, or null for NULL. */
json_t *cli_json_string_or_null(const char *s);

/*
 * Option parsing for commands whose options are --help and --json: like
 * cli_parse_help_only, and *json tells whether --json was given.
 */
bool cli_parse_help_json(int argc, char **argv, const char *command, const char *usage,
			 bool *json, int *exit_code);

#endif
