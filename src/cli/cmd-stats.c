/* SPDX-License-Identifier: Apache-2.0 */
/* stats: one container's traffic counters; metrics: every running container's, as OpenMetrics. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/util.h"
#include "bundle/shield.h"
#include "cli.h"
#include "control/inventory.h"
#include "control/stats.h"
#include "json-out.h"

static const char stats_usage[] =
	"Usage: terok-shield stats NAME [--json]\n"
	"\n"
	"Print the running container's traffic per destination, most bytes first:\n"
	"VERDICT (allowed: the allow, dns or scoped sets; denied: deny.list and live\n"
	"denies; refused: the default deny), PACKETS and BYTES the container sent\n"
	"there, DESTINATION (an address, network or range; a scoped allow's protocol\n"
	"and ports follow), SET and DOMAIN (the name DNS last answered with the\n"
	"address, '-' when unknown). Only destinations that saw traffic are listed.\n"
	"A table made before counters existed has none: 'terok-shield up NAME' adds them.\n"
	"\n"
	"  --json      print one JSON object instead\n"
	"  -h, --help  print this help\n";

static const char metrics_usage[] =
	"Usage: terok-shield metrics\n"
	"\n"
	"Print every running shielded container's counters in the OpenMetrics text\n"
	"format, for node_exporter's textfile collector: terok_shield_destination_packets\n"
	"and terok_shield_destination_bytes (counters; labels container, destination,\n"
	"domain, verdict) and terok_shield_counters (gauge per container: 1 when its\n"
	"table counts, 0 when not). Ends with '# EOF'. A container that cannot be read\n"
	"is a warning on stderr.\n"
	"\n"
	"  -h, --help  print this help\n";

static const char *no_counters = "no counters in the live table (made before counters "
				 "existed); run 'terok-shield up %s' to add them\n";

static json_t *traffic_json(const struct ts_traffic *t)
{
	return json_pack("{s:s, s:s, s:s, s:I, s:I, s:o}", "destination", t->destination,
			 "set", t->set, "verdict", ts_traffic_verdict_name(t->verdict),
			 "packets", (json_int_t)t->packets, "bytes", (json_int_t)t->bytes,
			 "domain", cli_json_string_or_null(t->domain));
}

static int print_stats_json(const char *name, const struct ts_stats *st)
{
	json_t *list = json_array();
	for (size_t i = 0; list && i < st->n; i++)
		json_array_append_new(list, traffic_json(&st->items[i]));
	return cli_print_json(json_pack("{s:s, s:s, s:b, s:o}", "container", name, "state",
					ts_shield_state_name(st->state), "counters", st->counters,
					"destinations", list));
}

static void print_stats_text(const char *name, const struct ts_stats *st)
{
	if (!st->counters) {
		printf(no_counters, name);
		return;
	}
	if (st->state != TS_STATE_UP)
		printf("# shield %s: allowed and refused traffic is not counted\n",
		       ts_shield_state_name(st->state));
	printf("%-8s %10s %14s  %-40s %-8s %s\n", "VERDICT", "PACKETS", "BYTES", "DESTINATION",
	       "SET", "DOMAIN");
	for (size_t i = 0; i < st->n; i++) {
		const struct ts_traffic *t = &st->items[i];
		printf("%-8s %10" PRIu64 " %14" PRIu64 "  %-40s %-8s %s\n",
		       ts_traffic_verdict_name(t->verdict), t->packets, t->bytes, t->destination,
		       t->set, t->domain ? t->domain : "-");
	}
}

int stats_main(int argc, char **argv, struct cli *cli)
{
	int code;
	bool json;
	if (cli_parse_help_json(argc, argv, "stats", stats_usage, &json, &code))
		return code;
	if (optind >= argc)
		return cli_usage_error("stats", "missing container name");
	if (optind + 1 < argc)
		return cli_usage_error("stats", "unexpected argument '%s'", argv[optind + 1]);
	struct ts_error err = { 0 };
	_cleanup_shield_ struct ts_shield s = { 0 };
	_cleanup_stats_ struct ts_stats st = { 0 };
	if (ts_bundle_open(cli->state_root, argv[optind], false, &s, &err) < 0 ||
	    ts_live_stats(&s, &st, &err) < 0)
		return cli_fail(&err);
	if (json)
		return print_stats_json(s.name, &st);
	print_stats_text(s.name, &st);
	return 0;
}

/* A label value escaped as OpenMetrics wants it: backslash, double quote and newline. */
static void put_label(const char *key, const char *value, bool last)
{
	printf("%s=\"", key);
	for (const char *p = value ? value : ""; *p; p++) {
		if (*p == '\\' || *p == '"')
			printf("\\%c", *p);
		else if (*p == '\n')
			printf("\\n");
		else
			putchar(*p);
	}
	printf("\"%s", last ? "" : ",");
}

struct scraped {
	const char *name;
	struct ts_stats stats;
	bool counted;
};

/* One counter family: its metadata, then a sample per container and destination. */
static void print_family(const char *family, const char *help, const char *unit,
			 const struct scraped *c, size_t n, bool bytes)
{
	printf("# TYPE %s counter\n", family);
	if (unit)
		printf("# UNIT %s %s\n", family, unit);
	printf("# HELP %s %s\n", family, help);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < c[i].stats.n; j++) {
			const struct ts_traffic *t = &c[i].stats.items[j];
			printf("%s_total{", family);
			put_label("container", c[i].name, false);
			put_label("destination", t->destination, false);
			put_label("domain", t->domain, false);
			put_label("verdict", ts_traffic_verdict_name(t->verdict), true);
			printf("} %" PRIu64 "\n", bytes ? t->bytes : t->packets);
		}
}

static void scrape(struct cli *cli, const char *name, struct scraped *out)
{
	struct ts_error err = { 0 };
	_cleanup_shield_ struct ts_shield s = { 0 };
	out->name = name;
	if (ts_bundle_open(cli->state_root, name, false, &s, &err) < 0 ||
	    ts_live_stats(&s, &out->stats, &err) < 0) {
		fprintf(stderr, "terok-shield: warning: %s: %s\n", name, err.message);
		return;
	}
	out->counted = out->stats.counters;
	if (!out->counted) {
		fprintf(stderr, "terok-shield: warning: %s: ", name);
		fprintf(stderr, no_counters, name);
	}
}

int metrics_main(int argc, char **argv, struct cli *cli)
{
	int code;
	if (cli_parse_help_only(argc, argv, "metrics", metrics_usage, &code))
		return code;
	if (optind < argc)
		return cli_usage_error("metrics", "unexpected argument '%s'", argv[optind]);
	struct ts_error err = { 0 };
	_cleanup_inventory_ struct ts_inventory inv = { 0 };
	if (ts_inventory_read(cli->state_root, &inv, &err) < 0)
		return cli_fail(&err);
	struct scraped *c = calloc(inv.n ? inv.n : 1, sizeof(*c));
	if (!c)
		abort();
	size_t n = 0;
	for (size_t i = 0; i < inv.n; i++)
		if (inv.items[i].container == TS_CONTAINER_RUNNING)
			scrape(cli, inv.items[i].name, &c[n++]);
	print_family("terok_shield_destination_packets",
		     "Packets a shielded container sent to a destination, by verdict.", NULL, c, n,
		     false);
	print_family("terok_shield_destination_bytes",
		     "Bytes a shielded container sent to a destination, by verdict.", "bytes", c, n,
		     true);
	printf("# TYPE terok_shield_counters gauge\n"
	       "# HELP terok_shield_counters Whether a running container's table counts "
	       "(0: made before counters existed, or unreadable).\n");
	for (size_t i = 0; i < n; i++) {
		printf("terok_shield_counters{");
		put_label("container", c[i].name, true);
		printf("} %d\n", c[i].counted);
		ts_stats_clear(&c[i].stats);
	}
	printf("# EOF\n");
	free(c);
	return fflush(stdout) == 0 ? 0 : cli_error("cannot write the metrics");
}
