/* SPDX-License-Identifier: Apache-2.0 */
#include "base/addr.h"
#include "base/fileio.h"
#include "base/port.h"
#include "base/strbuf.h"
#include "base/strset.h"
#include "base/util.h"
#include "bundle/bundle.h"
#include "bundle/dnsmasq_conf.h"
#include "bundle/state.h"
#include "nft/nft_names.h"
#include "nft/ruleset.h"

void ts_bundle_settings_clear(struct ts_bundle_settings *s)
{
	free(s->upstream_dns);
	free(s->loopback_ports);
	free(s->gateway_v4);
	free(s->gateway_v6);
	*s = (struct ts_bundle_settings){ 0 };
}

/* First line of a bundle file, stripped; *out NULL when the file is missing or blank. */
static int read_word(const char *state_dir, char *(*path_fn)(const char *), char **out,
		     struct ts_error *err)
{
	_cleanup_free_ char *path = path_fn(state_dir);
	_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;
	*out = NULL;
	int r = ts_file_read_lines(path, &lines, err);
	if (r < 0)
		return r;
	if (lines.n > 0)
		*out = ts_xstrdup(lines.items[0]);
	return 0;
}

/* A bundle address file: a single host address, canonical. */
static int read_address(const char *state_dir, char *(*path_fn)(const char *), char **out,
			struct ts_error *err)
{
	int r = read_word(state_dir, path_fn, out, err);
	if (r < 0 || !*out)
		return r;
	char canonical[TS_ADDR_STRLEN];
	struct ts_addr a;
	if (ts_addr_parse(*out, &a, err) < 0 || a.prefix != ts_addr_max_prefix(&a)) {
		_cleanup_free_ char *path = path_fn(state_dir);
		free(TAKE_PTR(*out));
		return ts_error_set(err, EINVAL, "%s: not a single IP address", path);
	}
	ts_addr_format(&a, canonical);
	free(*out);
	*out = ts_xstrdup(canonical);
	return 0;
}

/* network.mode; a bundle prepared before the file existed leaves the generator to infer it. */
static int read_network(const char *state_dir, struct ts_bundle_settings *s, struct ts_error *err)
{
	_cleanup_free_ char *word = NULL;
	s->network = TS_NETWORK_AUTO;
	int r = read_word(state_dir, ts_path_network_mode, &word, err);
	if (r < 0 || !word)
		return r;
	if (ts_network_mode_parse(word, &s->network) < 0) {
		_cleanup_free_ char *path = ts_path_network_mode(state_dir);
		return ts_error_set(err, EINVAL, "%s: unknown network mode '%.32s' "
				    "(slirp4netns or pasta)", path, word);
	}
	return 0;
}

static int read_ports(const char *state_dir, struct ts_bundle_settings *s, struct ts_error *err)
{
	_cleanup_free_ char *path = ts_path_loopback_ports(state_dir);
	_cleanup_strv_ struct ts_strv lines = TS_STRV_INIT;
	int r = ts_file_read_lines(path, &lines, err);
	if (r < 0 || lines.n == 0)
		return r;
	_cleanup_free_ char *joined = ts_strv_join(&lines, ":");
	r = ts_parse_port_list(joined, &s->loopback_ports, &s->n_loopback_ports, err);
	return r < 0 ? ts_error_prefix(err, r, "%s", path) : 0;
}

/* "dnsmasq", "shield", "dig" or "getent" (TS_TIER_*), or none at all. */
static int read_tier(const char *state_dir, struct ts_bundle_settings *s, struct ts_error *err)
{
	_cleanup_free_ char *tier = NULL;
	int r = read_word(state_dir, ts_path_dns_tier, &tier, err);
	if (r < 0)
		return r;
	if (tier && strcmp(tier, TS_TIER_DNSMASQ) != 0 && strcmp(tier, TS_TIER_STATIC) != 0 &&
	    strcmp(tier, TS_TIER_GETENT) != 0 && strcmp(tier, TS_TIER_SHIELD) != 0) {
		_cleanup_free_ char *path = ts_path_dns_tier(state_dir);
		return ts_error_set(err, EINVAL, "%s: unknown DNS tier '%.32s'", path, tier);
	}
	s->dnsmasq_tier = tier && strcmp(tier, TS_TIER_DNSMASQ) == 0;
	s->shield_tier = tier && strcmp(tier, TS_TIER_SHIELD) == 0;
	return 0;
}

/* dns.policy: "strict" or "open"; a bundle without it is strict. */
static int read_dns_policy(const char *state_dir, bool *open, struct ts_error *err)
{
	_cleanup_free_ char *word = NULL;
	int r = read_word(state_dir, ts_path_dns_policy, &word, err);
	if (r < 0)
		return r;
	if (word && strcmp(word, "strict") != 0 && strcmp(word, "open") != 0) {
		_cleanup_free_ char *path = ts_path_dns_policy(state_dir);
		return ts_error_set(err, EINVAL, "%s: unknown DNS policy '%.32s' (strict or open)",
				    path, word);
	}
	*open = word && strcmp(word, "open") == 0;
	return 0;
}

static int read_settings(const char *state_dir, struct ts_bundle_settings *s,
			 struct ts_error *err)
{
	int r = read_address(state_dir, ts_path_upstream_dns, &s->upstream_dns, err);
	if (r < 0)
		return r;
	if (!s->upstream_dns) {
		_cleanup_free_ char *path = ts_path_upstream_dns(state_dir);
		return ts_error_set(err, ENOENT, "%s is missing: run 'terok-shield prepare' first",
				    path);
	}
	r = read_tier(state_dir, s, err);
	if (r == 0)
		r = read_dns_policy(state_dir, &s->dns_open, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *marker = NULL;
	r = ts_read_interactive_tier(state_dir, &marker, err);
	if (r < 0)
		return r;
	s->interactive = marker != NULL;
	r = ts_read_blocked(state_dir, &s->blocked, err);
	if (r < 0)
		return r;
	r = read_ports(state_dir, s, err);
	if (r < 0)
		return r;
	r = read_address(state_dir, ts_path_gateway, &s->gateway_v4, err);
	if (r < 0)
		return r;
	r = read_address(state_dir, ts_path_gateway_v6, &s->gateway_v6, err);
	if (r < 0)
		return r;
	return read_network(state_dir, s, err);
}

int ts_bundle_settings_read(const char *state_dir, struct ts_bundle_settings *s,
			    struct ts_error *err)
{
	*s = (struct ts_bundle_settings){ 0 };
	int r = read_settings(state_dir, s, err);
	if (r < 0)
		ts_bundle_settings_clear(s);
	return r;
}

static int append_elements(struct ts_strbuf *b, enum ts_nft_set set, const struct ts_strv *addrs,
			   struct ts_error *err)
{
	if (addrs->n == 0)
		return 0;
	return ts_ruleset_elements(set, true, (const char *const *)addrs->items, addrs->n, b, err);
}

int ts_bundle_rules(const struct ts_bundle_settings *s, enum ts_ruleset_mode mode, char **rules,
		    struct ts_error *err)
{
	struct ts_ruleset_params p = {
		.mode = mode,
		.dns = s->upstream_dns,
		.loopback_ports = s->loopback_ports,
		.n_loopback_ports = s->n_loopback_ports,
		.dnsmasq_tier = s->dnsmasq_tier,
		.network = s->network,
		.shield_tier = s->shield_tier,
	};
	return ts_ruleset_script(&p, rules, err);
}

void ts_bundle_gateways(const struct ts_bundle_settings *s, struct ts_strv *out)
{
	if (s->gateway_v4)
		ts_strv_push(out, s->gateway_v4);
	if (s->gateway_v6)
		ts_strv_push(out, s->gateway_v6);
}

int ts_bundle_script(const char *state_dir, const struct ts_bundle_settings *s,
		     const struct ts_strv *allowed, const struct ts_strv *denied, char **script,
		     struct ts_error *err)
{
	_cleanup_free_ char *rules = NULL;
	enum ts_ruleset_mode mode = s->blocked	   ? TS_RULESET_BLOCK
				    : s->interactive ? TS_RULESET_INTERACTIVE
						     : TS_RULESET_UP;
	int r = ts_bundle_rules(s, mode, &rules, err);
	if (r < 0)
		return r;
	_cleanup_strbuf_ struct ts_strbuf b = TS_STRBUF_INIT;
	ts_strbuf_puts(&b, rules);
	r = append_elements(&b, TS_SET_ALLOW, allowed, err);
	if (r < 0)
		return ts_error_prefix(err, r, "%s: profile.allowed or live.allowed", state_dir);
	r = append_elements(&b, TS_SET_DENY, denied, err);
	if (r < 0)
		return ts_error_prefix(err, r, "%s: deny.list", state_dir);
	_cleanup_strv_ struct ts_strv gateways = TS_STRV_INIT;
	ts_bundle_gateways(s, &gateways);
	r = append_elements(&b, TS_SET_GATEWAY, &gateways, err);
	if (r < 0)
		return r;
	*script = ts_strbuf_take(&b);
	return 0;
}

/* The script for settings already read, with the lists the bundle holds now. */
static int settings_script(const char *state_dir, const struct ts_bundle_settings *s,
			   char **script, struct ts_error *err)
{
	_cleanup_strv_ struct ts_strv allowed = TS_STRV_INIT, denied = TS_STRV_INIT;
	int r = ts_read_effective_ips(state_dir, &allowed, err);
	if (r < 0)
		return r;
	r = ts_read_denied_ips(state_dir, &denied, err);
	if (r < 0)
		return r;
	return ts_bundle_script(state_dir, s, &allowed, &denied, script, err);
}

int ts_bundle_up_script(const char *state_dir, char **script, struct ts_error *err)
{
	_cleanup_bundle_settings_ struct ts_bundle_settings s = { 0 };
	int r = ts_bundle_settings_read(state_dir, &s, err);
	return r < 0 ? r : settings_script(state_dir, &s, script, err);
}

static int store_script(const char *state_dir, const char *script, struct ts_error *err)
{
	_cleanup_free_ char *path = ts_path_ruleset(state_dir);
	return ts_file_write_atomic(path, script, strlen(script), 0600, err);
}

int ts_bundle_write_ruleset(const char *state_dir, struct ts_error *err)
{
	_cleanup_free_ char *script = NULL;
	int r = ts_bundle_up_script(state_dir, &script, err);
	return r < 0 ? r : store_script(state_dir, script, err);
}

int ts_bundle_record_block(const char *state_dir, const struct ts_bundle_settings *s,
			   bool blocked, struct ts_error *err)
{
	struct ts_bundle_settings want = *s;
	want.blocked = blocked;
	_cleanup_free_ char *script = NULL, *marker = ts_path_blocked(state_dir);
	/* Built before anything is written: a bundle value nft would refuse changes nothing. */
	int r = settings_script(state_dir, &want, &script, err);
	if (r < 0)
		return r;
	if (blocked) {
		r = ts_file_write_atomic(marker, "block\n", 6, 0600, err);
		return r < 0 ? r : store_script(state_dir, script, err);
	}
	r = store_script(state_dir, script, err);
	if (r == 0 && unlink(marker) < 0 && errno != ENOENT)
		r = ts_error_set(err, errno, "%s: cannot remove: %s", marker, strerror(errno));
	return r;
}

void ts_merge_domains(const struct ts_strv *profile, const struct ts_strv *live,
		      const struct ts_strv *denied, struct ts_strv *out)
{
	_cleanup_strset_ struct ts_strset seen = TS_STRSET_INIT;
	for (size_t i = 0; i < denied->n; i++)
		ts_strset_add(&seen, denied->items[i]);
	const struct ts_strv *parts[] = { profile, live };
	for (size_t p = 0; p < ARRAY_SIZE(parts); p++)
		for (size_t i = 0; i < parts[p]->n; i++)
			if (ts_strset_add(&seen, parts[p]->items[i]))
				ts_strv_push(out, parts[p]->items[i]);
}

int ts_bundle_merged_domains(const char *state_dir, struct ts_strv *out, struct ts_error *err)
{
	char *(*const sources[])(const char *) = { ts_path_profile_domains, ts_path_live_domains,
						     ts_path_denied_domains };
	_cleanup_strv_ struct ts_strv profile = TS_STRV_INIT, live = TS_STRV_INIT,
				      denied = TS_STRV_INIT;
	struct ts_strv *lists[] = { &profile, &live, &denied };
	for (size_t i = 0; i < ARRAY_SIZE(sources); i++) {
		_cleanup_free_ char *path = sources[i](state_dir);
		int r = ts_file_read_lines(path, lists[i], err);
		if (r < 0)
			return r;
	}
	ts_merge_domains(&profile, &live, &denied, out);
	return 0;
}

int ts_bundle_dnsmasq_conf(const char *state_dir, const char *upstream,
			   const struct ts_strv *domains, char **text, struct ts_error *err)
{
	_cleanup_free_ char *pid = ts_path_dnsmasq_pid(state_dir);
	_cleanup_free_ char *log = ts_path_dnsmasq_log(state_dir);
	return ts_dnsmasq_config(upstream, pid, log, (const char *const *)domains->items, domains->n,
				 text, err);
}

int ts_bundle_write_dnsmasq_conf(const char *state_dir, struct ts_error *err)
{
	_cleanup_free_ char *upstream = NULL, *text = NULL;
	int r = read_address(state_dir, ts_path_upstream_dns, &upstream, err);
	if (r < 0)
		return r;
	if (!upstream)
		return ts_error_set(err, ENOENT, "the bundle has no upstream DNS (upstream.dns)");
	_cleanup_strv_ struct ts_strv domains = TS_STRV_INIT;
	r = ts_bundle_merged_domains(state_dir, &domains, err);
	if (r < 0)
		return r;
	r = ts_bundle_dnsmasq_conf(state_dir, upstream, &domains, &text, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *conf = ts_path_dnsmasq_conf(state_dir);
	return ts_file_write_atomic(conf, text, strlen(text), 0600, err);
}
