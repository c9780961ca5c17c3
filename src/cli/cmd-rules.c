/* SPDX-License-Identifier: Apache-2.0 */
/* rules: a container's live state and table. */
#include <stdio.h>

#include "base/scope.h"
#include "base/util.h"
#include "bundle/scoped.h"
#include "cli.h"
#include "control/live.h"
#include "json-out.h"

static const char usage[] =
	"Usage: terok-shield rules NAME [--json]\n"
	"\n"
	"Print 'State: <state>' and container NAME's live nftables table, or\n"
	"'No rules found for NAME' when it has none; then its scoped and timed\n"
	"allows (the profiles' scoped lines, allow --port/--proto/--for) with the\n"
	"time each has left.\n"
	"\n"
	"  --json      print {\"container\":NAME,\"state\":STATE,\"rules\":TABLE|null,\n"
	"              \"scoped\":[{\"address\",\"proto\",\"ports\",\"expires\",\"remaining\",\n"
	"              \"source\"}], \"scoped_domains\":[{\"domain\",\"proto\",\"ports\",\n"
	"              \"expires\",\"remaining\",\"source\"}]} (source: \"profile\" or \"live\")\n"
	"  -h, --help  print this help\n";

/* "P" or "P-Q"; "0-65535" is every port. */
static void ports_text(const struct ts_scoped_entry *e, char *out, size_t size)
{
	if (e->port_lo == e->port_hi)
		snprintf(out, size, "%u", e->port_lo);
	else
		snprintf(out, size, "%u-%u", e->port_lo, e->port_hi);
}

/* One scoped entry as JSON: key ("address" or "domain") names the target. */
static json_t *scoped_item(const char *key, const char *target, const struct ts_scoped_entry *e,
			   const char *source, time_t now)
{
	char ports[16];
	ports_text(e, ports, sizeof(ports));
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:s}", key, target, "proto",
			 ts_proto_name(e->proto), "ports", ports, "expires",
			 e->expires ? json_integer(e->expires) : json_null(), "remaining",
			 e->expires ? json_integer(e->expires - now) : json_null(), "source", source);
}

/* The entries of one source ("profile": profile.scoped, "live": live.scoped), appended to a. */
static void scoped_json(json_t *a, const struct ts_strv *lines, const char *source, time_t now)
{
	for (size_t i = 0; i < lines->n; i++) {
		struct ts_scoped_entry e;
		if (ts_scoped_parse(lines->items[i], &e, NULL) == 0)
			json_array_append_new(a, scoped_item("address", e.addr, &e, source, now));
	}
}

/* The scoped domains of one source (shield tier) still in force, appended to a. */
static void scoped_domains_json(json_t *a, const struct ts_strv *lines, const char *source,
				time_t now)
{
	for (size_t i = 0; i < lines->n; i++) {
		struct ts_scoped_domain d;
		if (ts_scoped_domain_parse(lines->items[i], &d, NULL) < 0 ||
		    (d.expires && d.expires <= now))
			continue;
		struct ts_scoped_entry e = { .proto = d.proto, .port_lo = d.port_lo,
					     .port_hi = d.port_hi, .expires = d.expires };
		json_array_append_new(a, scoped_item("domain", d.domain, &e, source, now));
	}
}

/* "  DOMAIN port 443/tcp, 29m59s left" (or "for good", "profile") per scoped domain in force. */
static void print_scoped_domains(const struct ts_strv *lines, const char *never, time_t now)
{
	for (size_t i = 0; i < lines->n; i++) {
		struct ts_scoped_domain d;
		if (ts_scoped_domain_parse(lines->items[i], &d, NULL) < 0 ||
		    (d.expires && d.expires <= now))
			continue;
		struct ts_scope scope = { d.proto, d.port_lo, d.port_hi, 0 };
		char what[96], left[32];
		snprintf(left, sizeof(left), "%s", never);
		ts_scope_describe(&scope, what, sizeof(what));
		if (d.expires)
			ts_scope_format_left(d.expires - now, left, sizeof(left));
		printf("  %s %s, %s\n", d.domain, what, left);
	}
}

/* "  ADDRESS port 443/tcp, 29m59s left" (or "for good", "profile") per entry. */
static void print_scoped(const struct ts_strv *lines, const char *never, time_t now)
{
	for (size_t i = 0; i < lines->n; i++) {
		struct ts_scoped_entry e;
		if (ts_scoped_parse(lines->items[i], &e, NULL) < 0)
			continue;
		struct ts_scope scope = { e.proto, e.port_lo, e.port_hi, 0 };
		char what[96], left[32];
		snprintf(left, sizeof(left), "%s", never);
		ts_scope_describe(&scope, what, sizeof(what));
		if (e.expires)
			ts_scope_format_left(e.expires - now, left, sizeof(left));
		printf("  %s %s, %s\n", e.addr, what, left);
	}
}

/* The scoped entries: addresses and (shield tier) domains, each from the profiles and live. */
struct scoped_lists {
	struct ts_strv profile, live, profile_domains, live_domains;
};

static void scoped_lists_clear(struct scoped_lists *l)
{
	ts_strv_clear(&l->profile);
	ts_strv_clear(&l->live);
	ts_strv_clear(&l->profile_domains);
	ts_strv_clear(&l->live_domains);
}

static int print_rules(const char *name, enum ts_shield_state state, const char *listing,
		       const struct scoped_lists *l, bool json)
{
	time_t now = time(NULL);
	const struct ts_strv *profile = &l->profile, *live = &l->live;
	if (json) {
		json_t *scoped = json_array(), *domains = json_array();
		scoped_json(scoped, profile, "profile", now);
		scoped_json(scoped, live, "live", now);
		scoped_domains_json(domains, &l->profile_domains, "profile", now);
		scoped_domains_json(domains, &l->live_domains, "live", now);
		return cli_print_json(json_pack("{s:s, s:s, s:o, s:o, s:o}", "container", name,
						"state", ts_shield_state_name(state), "rules",
						cli_json_string_or_null(listing), "scoped", scoped,
						"scoped_domains", domains));
	}
	if (listing)
		printf("State: %s\n%s", ts_shield_state_name(state), listing);
	else
		printf("No rules found for %s\n", name);
	if (profile->n || live->n)
		printf("Scoped allows:\n");
	print_scoped(profile, "profile", now);
	print_scoped(live, "for good", now);
	if (l->profile_domains.n || l->live_domains.n)
		printf("Scoped domains:\n");
	print_scoped_domains(&l->profile_domains, "profile", now);
	print_scoped_domains(&l->live_domains, "for good", now);
	return 0;
}

/* live.scoped's entries that have not ended (the next apply drops the others). */
static int read_live_scoped(const char *state_dir, struct ts_strv *out, struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;
	int r = ts_scoped_read(state_dir, &lines, err);
	time_t now = time(NULL);
	for (size_t i = 0; r == 0 && i < lines.n; i++)
		if (!ts_scoped_line_expired(lines.items[i], now))
			ts_strv_push(out, lines.items[i]);
	return r;
}

int rules_main(int argc, char **argv, struct cli *cli)
{
	int code;
	bool json;
	if (cli_parse_help_json(argc, argv, "rules", usage, &json, &code))
		return code;
	if (optind + 1 != argc)
		return cli_usage_error("rules", "expected one container NAME");

	struct ts_error err = { 0 };
	_cleanup_shield_ struct ts_shield s = { 0 };
	if (ts_bundle_open(cli->state_root, argv[optind], cli->config.audit_enabled, &s, &err) < 0)
		return cli_fail(&err);
	enum ts_shield_state state;
	_cleanup_free_ char *listing = NULL;
	if (ts_live_state(&s, &state, &listing, &err) < 0)
		return cli_fail(&err);
	_cleanup_(scoped_lists_clear) struct scoped_lists l = {
		TS_STRV_INIT, TS_STRV_INIT, TS_STRV_INIT, TS_STRV_INIT
	};
	if (ts_scoped_read_profile(s.state_dir, &l.profile, &err) < 0 ||
	    read_live_scoped(s.state_dir, &l.live, &err) < 0 ||
	    ts_scoped_domains_read(s.state_dir, true, &l.profile_domains, &err) < 0 ||
	    ts_scoped_domains_read(s.state_dir, false, &l.live_domains, &err) < 0)
		return cli_fail(&err);
	return print_rules(s.name, state, listing, &l, json);
}
