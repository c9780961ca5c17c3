/* SPDX-License-Identifier: Apache-2.0 */
/* list (alias ls): every prepared container, one line each. */
#include <getopt.h>
#include <stdio.h>

#include "base/strv.h"
#include "base/util.h"
#include "cli.h"
#include "control/inventory.h"
#include "json-out.h"

static const char usage[] =
	"Usage: terok-shield list [--json]\n"
	"       terok-shield ls [--json]\n"
	"\n"
	"Print every prepared container (each state directory under the state\n"
	"root), sorted by name, one line each: NAME; CONTAINER running, stopped\n"
	"or gone (podman no longer has it: 'terok-shield forget NAME' removes its\n"
	"state); SHIELD up, down, down_all, block, inactive (not running) or\n"
	"error (a table that is none of these, or a bundle that cannot be read: the reason\n"
	"follows as a warning); DNS tier/policy (open: every name is forwarded);\n"
	"PROFILES; ALLOWS and DENIES, the entries allow and deny added. podman\n"
	"is asked once for the whole list.\n"
	"\n"
	"  --json      print one JSON array of objects instead\n"
	"  -h, --help  print this help\n";

static size_t total(const struct ts_entry_counts *c)
{
	return c->plain + c->scoped + c->timed;
}

static json_t *counts_json(const struct ts_entry_counts *c)
{
	return json_pack("{s:I, s:I, s:I}", "plain", (json_int_t)c->plain, "scoped",
			 (json_int_t)c->scoped, "timed", (json_int_t)c->timed);
}

/* A reason as a JSON string: bytes that are not UTF-8 (a bundle file quoted in it) become '?'. */
static json_t *reason_json(const char *s)
{
	json_t *j = s ? json_string(s) : json_null();
	if (j)
		return j;
	_cleanup_free_ char *ascii = ts_xstrdup(s);
	for (char *p = ascii; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	return json_string(ascii);
}

static json_t *profiles_json(char **profiles)
{
	json_t *a = json_array();
	for (char **p = profiles; a && *p; p++)
		json_array_append_new(a, json_string(*p));
	return a;
}

static int print_json(const struct ts_inventory *inv)
{
	json_t *list = json_array();
	for (size_t i = 0; list && i < inv->n; i++) {
		const struct ts_listed *e = &inv->items[i];
		json_t *o = json_pack(
			"{s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "name", e->name,
			"container", ts_container_state_name(e->container),
			"shield", ts_shield_state_name(e->shield),
			"dns_tier", cli_json_string_or_null(e->dns_tier),
			"dns_policy", cli_json_string_or_null(e->dns_policy),
			"profiles", profiles_json(e->profiles),
			"allows", counts_json(&e->allows), "denies", counts_json(&e->denies),
			"error", reason_json(e->error));
		/* An entry that cannot be made is an error, never a line left out. */
		if (json_array_append_new(list, o) < 0) {
			json_decref(list);
			list = NULL;
		}
	}
	return cli_print_json(list);
}

enum { COLUMNS = 7 };

static const char *const header[COLUMNS] = { "NAME",     "CONTAINER", "SHIELD", "DNS",
					     "PROFILES", "ALLOWS",    "DENIES" };

/* The cells of e's line, each newly allocated. */
static void row_fill(char *cell[COLUMNS], const struct ts_listed *e)
{
	size_t n = 0;
	while (e->profiles[n])
		n++;
	struct ts_strv profiles = { .items = e->profiles, .n = n };
	cell[0] = ts_xstrdup(e->name);
	cell[1] = ts_xstrdup(ts_container_state_name(e->container));
	cell[2] = ts_xstrdup(ts_shield_state_name(e->shield));
	cell[3] = e->dns_tier ? ts_xasprintf("%s/%s", e->dns_tier, e->dns_policy ? e->dns_policy : "-")
			      : ts_xstrdup("-");
	cell[4] = n ? ts_strv_join(&profiles, ",") : ts_xstrdup("-");
	cell[5] = ts_xasprintf("%zu", total(&e->allows));
	cell[6] = ts_xasprintf("%zu", total(&e->denies));
}

static void print_row(char *const cell[COLUMNS], const int width[COLUMNS])
{
	for (int c = 0; c < COLUMNS - 1; c++)
		printf("%-*s  ", width[c], cell[c]);
	printf("%s\n", cell[COLUMNS - 1]);
}

/* Columns as wide as their widest cell, two spaces apart. */
static int print_table(const struct ts_inventory *inv, const char *state_root)
{
	if (inv->n == 0) {
		printf("No prepared containers in %s/containers\n", state_root);
		return 0;
	}
	char *(*rows)[COLUMNS] = ts_xmalloc((inv->n + 1) * sizeof(*rows));
	int width[COLUMNS] = { 0 };
	for (int c = 0; c < COLUMNS; c++)
		rows[0][c] = ts_xstrdup(header[c]);
	for (size_t i = 0; i < inv->n; i++)
		row_fill(rows[i + 1], &inv->items[i]);
	for (size_t i = 0; i <= inv->n; i++)
		for (int c = 0; c < COLUMNS; c++)
			if ((int)strlen(rows[i][c]) > width[c])
				width[c] = (int)strlen(rows[i][c]);
	for (size_t i = 0; i <= inv->n; i++) {
		print_row(rows[i], width);
		for (int c = 0; c < COLUMNS; c++)
			free(rows[i][c]);
	}
	free(rows);
	return 0;
}

int list_main(int argc, char **argv, struct cli *cli)
{
	int code;
	bool json;
	if (cli_parse_help_json(argc, argv, "list", usage, &json, &code))
		return code;
	if (optind < argc)
		return cli_usage_error("list", "unexpected argument '%s'", argv[optind]);

	struct ts_error err = { 0 };
	_cleanup_inventory_ struct ts_inventory inv = { 0 };
	if (ts_inventory_read(cli->state_root, &inv, &err) < 0)
		return cli_fail(&err);
	int r = json ? print_json(&inv) : print_table(&inv, cli->state_root);
	/* The table only says error: the reasons go to stderr, where warnings go. */
	for (size_t i = 0; !json && i < inv.n; i++)
		if (inv.items[i].error)
			fprintf(stderr, "terok-shield: warning: %s: %s\n", inv.items[i].name,
				inv.items[i].error);
	return r;
}
