/* SPDX-License-Identifier: Apache-2.0 */
#include <jansson.h>

#include "base/addr.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "base/util.h"
#include "nft/nft_names.h"
#include "nft/rule_words.h"
#include "nft/verify.h"

/* What the checks need from a listing: set names and each chain's header and rules. */
struct chain {
	char *name;
	char *hook;
	char *policy;
	struct ts_strv *rules; /* each rule as the words `nft list` prints (nft/rule_words.h) */
	size_t n_rules;
};

struct listing {
	bool table_found;
	struct ts_strv sets;
	struct ts_strv counted; /* sets that count per element (the set's counter flag) */
	struct ts_strv bounded; /* sets with a size and a timeout */
	struct chain *chains;
	size_t n_chains;
};

static void listing_clear(struct listing *l)
{
	ts_strv_clear(&l->sets);
	ts_strv_clear(&l->counted);
	ts_strv_clear(&l->bounded);
	for (size_t i = 0; i < l->n_chains; i++) {
		free(l->chains[i].name);
		free(l->chains[i].hook);
		free(l->chains[i].policy);
		for (size_t j = 0; j < l->chains[i].n_rules; j++)
			ts_strv_clear(&l->chains[i].rules[j]);
		free(l->chains[i].rules);
	}
	free(l->chains);
	*l = (struct listing){ 0 };
}

/* Split a pattern into words; a quoted string (with its quotes) is one word. */
static void tokenize(const char *s, struct ts_strv *out)
{
	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		const char *start = s;
		if (*s == '"') {
			s++;
			while (*s && *s != '"')
				s++;
			if (*s)
				s++;
		} else {
			while (*s && *s != ' ' && *s != '\t')
				s++;
		}
		char *word = strndup(start, (size_t)(s - start));
		if (!word)
			abort();
		ts_strv_push_take(out, word);
	}
}

/* Word following `key` in a rule, or NULL. */
static const char *word_after(const struct ts_strv *t, const char *key)
{
	for (size_t i = 0; i + 1 < t->n; i++)
		if (strcmp(t->items[i], key) == 0)
			return t->items[i + 1];
	return NULL;
}

static const char *member(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* Whether a listed object belongs to the shield's table. */
static bool ours(const json_t *obj, const char *table_key)
{
	const char *family = member(obj, "family"), *table = member(obj, table_key);
	return family && table && strcmp(family, TS_NFT_FAMILY) == 0 &&
	       strcmp(table, TS_NFT_TABLE) == 0;
}

static char *dup_or_null(const char *s)
{
	return s ? ts_xstrdup(s) : NULL;
}

static struct chain *find_chain_mut(struct listing *l, const char *name)
{
	for (size_t i = 0; name && i < l->n_chains; i++)
		if (strcmp(l->chains[i].name, name) == 0)
			return &l->chains[i];
	return NULL;
}

static void add_chain(struct listing *l, const json_t *c)
{
	const char *name = member(c, "name");
	if (!name || find_chain_mut(l, name))
		return;
	l->chains = ts_xrealloc(l->chains, (l->n_chains + 1) * sizeof(*l->chains));
	l->chains[l->n_chains++] = (struct chain){
		.name = ts_xstrdup(name),
		.hook = dup_or_null(member(c, "hook")),
		.policy = dup_or_null(member(c, "policy")),
	};
}

static void add_rule(struct listing *l, const json_t *r)
{
	struct chain *c = find_chain_mut(l, member(r, "chain"));
	if (!c)
		return;
	c->rules = ts_xrealloc(c->rules, (c->n_rules + 1) * sizeof(*c->rules));
	c->rules[c->n_rules] = (struct ts_strv)TS_STRV_INIT;
	ts_rule_words(r, &c->rules[c->n_rules++]);
}

/* A set's name, and what its declaration says about counting. */
static void add_set(struct listing *l, const json_t *set)
{
	const char *name = member(set, "name");
	ts_strv_push(&l->sets, name);
	size_t i;
	const json_t *stmt;
	json_array_foreach(json_object_get(set, "stmt"), i, stmt)
		if (json_object_size(stmt) == 1 && json_object_get(stmt, "counter")) {
			ts_strv_push(&l->counted, name);
			break;
		}
	if (json_integer_value(json_object_get(set, "size")) > 0 &&
	    json_integer_value(json_object_get(set, "timeout")) > 0)
		ts_strv_push(&l->bounded, name);
}

/*
 * The objects of {"nftables": [...]} that belong to inet terok_shield.
 * Anything else in a listing (metainfo, other tables) is ignored; text
 * that is no JSON listing leaves l empty, which fails every check.
 */
static void parse_listing(const char *text, struct listing *l)
{
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	const json_t *item;
	size_t i;
	json_array_foreach(json_object_get(root, "nftables"), i, item) {
		const json_t *v;
		if ((v = json_object_get(item, "table")) && ours(v, "name"))
			l->table_found = true;
		else if ((v = json_object_get(item, "set")) && ours(v, "table") && member(v, "name"))
			add_set(l, v);
		else if ((v = json_object_get(item, "chain")) && ours(v, "table"))
			add_chain(l, v);
		else if ((v = json_object_get(item, "rule")) && ours(v, "table"))
			add_rule(l, v);
	}
	json_decref(root);
}

static const struct chain *find_chain(const struct listing *l, const char *name)
{
	for (size_t i = 0; i < l->n_chains; i++)
		if (strcmp(l->chains[i].name, name) == 0)
			return &l->chains[i];
	return NULL;
}

static bool has_word(const struct ts_strv *t, const char *w)
{
	return ts_strv_contains(t, w);
}

static bool log_prefix_is(const struct ts_strv *t, const char *prefix)
{
	const char *p = word_after(t, "prefix");
	if (!p || !has_word(t, "log"))
		return false;
	size_t n = strlen(prefix);
	return strlen(p) == n + 2 && p[0] == '"' && strncmp(p + 1, prefix, n) == 0;
}

static bool is_admin_reject(const struct ts_strv *t)
{
	const char *with = word_after(t, "reject");
	const char *type = word_after(t, "icmpx");
	return with && strcmp(with, "with") == 0 && type && strcmp(type, "admin-prohibited") == 0;
}

/* true when some rule of the chain satisfies pred(tokens, arg). */
static bool any_rule(const struct chain *c, bool (*pred)(const struct ts_strv *, const void *),
		     const void *arg)
{
	for (size_t i = 0; c && i < c->n_rules; i++)
		if (pred(&c->rules[i], arg))
			return true;
	return false;
}

static bool pred_reject(const struct ts_strv *t, const void *arg)
{
	(void)arg;
	return is_admin_reject(t);
}

/* Exactly the generated shape: no extra condition may narrow what it refuses. */
static bool pred_private_reject(const struct ts_strv *t, const void *range)
{
	static const char *const tail[] = { "log", "prefix", "\"" TS_PREFIX_PRIVATE "\"", "group",
					    "100", "reject", "with", "icmpx", "admin-prohibited" };
	if (t->n != 3 + ARRAY_SIZE(tail) ||
	    (strcmp(t->items[0], "ip") != 0 && strcmp(t->items[0], "ip6") != 0) ||
	    strcmp(t->items[1], "daddr") != 0 || strcmp(t->items[2], range) != 0)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(tail); i++)
		if (strcmp(t->items[3 + i], tail[i]) != 0)
			return false;
	return true;
}

static bool pred_terminal(const struct ts_strv *t, const void *arg)
{
	(void)arg;
	if (log_prefix_is(t, TS_PREFIX_QUEUED))
		return is_admin_reject(t) && !has_word(t, "daddr");
	return log_prefix_is(t, TS_PREFIX_DENIED) && !has_word(t, "daddr");
}

static bool pred_bypass(const struct ts_strv *t, const void *arg)
{
	(void)arg;
	return log_prefix_is(t, TS_PREFIX_BYPASS);
}

/*
 * Every rule of an up table that lets a packet through (or hands it to
 * another chain or to userspace) has one of these shapes. Placeholders:
 * %port a port number, %host a single address, %set an allow or dns set,
 * %gw a gateway set, %l4 tcp|udp, %fam ip|ip6, %n a counter value, %tcp, and
 * %udp the protocol by name or by number (the listing is numeric: no
 * /etc/protocols lookup, which differs between systems).
 */
#define OUTPUT_LOOPBACK "oifname \"lo\" accept"
#define INPUT_LOOPBACK "iifname \"lo\" accept"
/* Scoped and timed allows: address, protocol and port together, TCP and UDP only. */
#define SCOPED_ACCEPT                                                                         \
	"%fam daddr . meta l4proto . th dport %scoped log prefix \"" TS_PREFIX_ALLOWED "\" "     \
	"group 100 counter packets %n bytes %n accept"
static const char *const output_accepts[] = {
	OUTPUT_LOOPBACK,
	TS_RULE_DISCOVERY,
	TS_RULE_MLD_REPORTS,
	"ct state established,related accept",
	"%l4 dport 53 %fam daddr %host accept",
	"tcp dport %port %fam daddr %gw accept",
	"tcp dport %port ip daddr " TS_PASTA_HOST_LOOPBACK " accept",
	"%fam daddr %set meta l4proto { %tcp, %udp } log prefix \"" TS_PREFIX_ALLOWED "\" group 100 "
	"counter packets %n bytes %n accept",
	SCOPED_ACCEPT,
	"ip daddr %set icmp type echo-request limit rate 10/second accept",
	"ip6 daddr %set icmpv6 type echo-request limit rate 10/second accept",
	NULL,
};
static const char *const input_accepts[] = {
	INPUT_LOOPBACK,
	TS_RULE_DISCOVERY,
	"ct state established,related accept",
	NULL,
};

/*
 * The deny rules, which must come before every rule that passes traffic
 * except the loopback accept: a deny cuts open connections too.
 */
struct deny_rule {
	const char *set;
	const char *pattern;
};
static const struct deny_rule output_denies[] = {
	{ "deny_v4", "ip daddr @deny_v4 log prefix \"" TS_PREFIX_DENIED "\" group 100 counter packets "
		     "%n bytes %n reject with icmpx admin-prohibited" },
	{ "deny_v6", "ip6 daddr @deny_v6 log prefix \"" TS_PREFIX_DENIED "\" group 100 counter packets "
		     "%n bytes %n reject with icmpx admin-prohibited" },
	{ 0 },
};
static const struct deny_rule input_denies[] = {
	{ "deny_v4", "ip saddr @deny_v4 drop" },
	{ "deny_v6", "ip6 saddr @deny_v6 drop" },
	{ 0 },
};

static bool all_digits(const char *w)
{
	return *w && strspn(w, "0123456789") == strlen(w);
}

static bool word_matches(const char *pattern, const char *w)
{
	static const char *const sets[] = { "@allow_v4", "@allow_v6", "@dns_v4", "@dns_v6", NULL };
	static const char *const gateways[] = { "@gateway_v4", "@gateway_v6", NULL };
	static const char *const scoped[] = { "@scoped_v4", "@scoped_v6", NULL };
	struct ts_addr a;
	if (strcmp(pattern, "%port") == 0 || strcmp(pattern, "%n") == 0)
		return all_digits(w);
	if (strcmp(pattern, "%host") == 0)
		return ts_addr_parse(w, &a, NULL) == 0 && a.prefix == ts_addr_max_prefix(&a);
	if (strcmp(pattern, "%tcp,") == 0)
		return strcmp(w, "tcp,") == 0 || strcmp(w, "6,") == 0;
	if (strcmp(pattern, "%udp") == 0)
		return strcmp(w, "udp") == 0 || strcmp(w, "17") == 0;
	if (strcmp(pattern, "%l4") == 0)
		return strcmp(w, "tcp") == 0 || strcmp(w, "udp") == 0;
	if (strcmp(pattern, "%fam") == 0)
		return strcmp(w, "ip") == 0 || strcmp(w, "ip6") == 0;
	const char *const *names = strcmp(pattern, "%set") == 0      ? sets
				   : strcmp(pattern, "%gw") == 0     ? gateways
				   : strcmp(pattern, "%scoped") == 0 ? scoped
								     : NULL;
	if (!names)
		return strcmp(pattern, w) == 0;
	for (; *names; names++)
		if (strcmp(*names, w) == 0)
			return true;
	return false;
}

static bool rule_matches(const struct ts_strv *t, const char *pattern)
{
	_cleanup_strv_ struct ts_strv p = TS_STRV_INIT;
	tokenize(pattern, &p);
	if (p.n != t->n)
		return false;
	for (size_t i = 0; i < p.n; i++)
		if (!word_matches(p.items[i], t->items[i]))
			return false;
	return true;
}

static bool passes_traffic(const struct ts_strv *t)
{
	static const char *const verdicts[] = { "accept", "jump", "goto", "queue" };
	for (size_t i = 0; i < ARRAY_SIZE(verdicts); i++)
		if (has_word(t, verdicts[i]))
			return true;
	return false;
}

/* The first rule that passes traffic in a shape the shield never writes, or NULL. */
static const struct ts_strv *foreign_accept(const struct chain *c, const char *const *known)
{
	for (size_t i = 0; c && i < c->n_rules; i++) {
		if (!passes_traffic(&c->rules[i]))
			continue;
		bool ok = false;
		for (const char *const *k = known; *k && !ok; k++)
			ok = rule_matches(&c->rules[i], *k);
		if (!ok)
			return &c->rules[i];
	}
	return NULL;
}

/* Index of the first rule matching pattern, or n_rules. */
static size_t first_match(const struct chain *c, const char *pattern)
{
	size_t i = 0;
	while (i < c->n_rules && !rule_matches(&c->rules[i], pattern))
		i++;
	return i;
}

/* Index of the first rule passing traffic other than the loopback accept, or n_rules. */
static size_t first_pass(const struct chain *c, const char *loopback)
{
	size_t i = 0;
	while (i < c->n_rules &&
	       (!passes_traffic(&c->rules[i]) || rule_matches(&c->rules[i], loopback)))
		i++;
	return i;
}

/* Collects failed invariants into one message. */
struct findings {
	struct ts_strbuf text;
	unsigned count;
};

static void flag(struct findings *f, const char *what)
{
	ts_strbuf_puts(&f->text, f->count++ ? "; " : "");
	ts_strbuf_puts(&f->text, what);
}

static void expect(struct findings *f, bool ok, const char *what)
{
	if (ok)
		return;
	_cleanup_free_ char *text = ts_xasprintf("missing %s", what);
	flag(f, text);
}

static void expect_no_foreign_accept(struct findings *f, const struct chain *c,
				     const char *const *known)
{
	const struct ts_strv *rule = c ? foreign_accept(c, known) : NULL;
	if (!rule)
		return;
	_cleanup_free_ char *text = ts_strv_join(rule, " ");
	_cleanup_free_ char *what = ts_xasprintf("%s chain lets traffic through with a rule the shield "
						 "never writes: '%.120s'", c->name, text);
	flag(f, what);
}

static void expect_chain(struct findings *f, const struct listing *l, const char *name,
			 const char *policy)
{
	const struct chain *c = find_chain(l, name);
	char what[96];
	snprintf(what, sizeof(what), "%s chain with hook %s and policy %s", name, name, policy);
	expect(f, c && c->hook && strcmp(c->hook, name) == 0 && c->policy &&
			  strcmp(c->policy, policy) == 0,
	       what);
}

static void expect_sets(struct findings *f, const struct listing *l, bool with_deny)
{
	static const char *const names[] = { "allow_v4", "allow_v6", "deny_v4", "deny_v6" };
	for (size_t i = 0; i < (with_deny ? 4u : 2u); i++) {
		char what[64];
		snprintf(what, sizeof(what), "set %s declared", names[i]);
		expect(f, ts_strv_contains(&l->sets, names[i]), what);
	}
}

/*
 * Up only: the scoped and timed allows' sets (docs/ruleset.md); their
 * accept rule is one of output_accepts, and like every accept it must
 * come after the deny rules.
 */
static void expect_scoped_sets(struct findings *f, const struct listing *l)
{
	expect(f, ts_strv_contains(&l->sets, "scoped_v4"), "set scoped_v4 declared");
	expect(f, ts_strv_contains(&l->sets, "scoped_v6"), "set scoped_v6 declared");
}

/* Each deny rule present, and ahead of everything that accepts (the established accept included). */
static void expect_chain_denies_first(struct findings *f, const struct chain *c,
				      const char *loopback, const struct deny_rule *denies)
{
	if (!c)
		return; /* reported as a missing chain */
	size_t pass = first_pass(c, loopback);
	for (const struct deny_rule *d = denies; d->set; d++) {
		char what[128];
		snprintf(what, sizeof(what), "%s rule of the %s chain ahead of its accepts (loopback's "
			 "aside)", d->set, c->name);
		expect(f, first_match(c, d->pattern) < pass, what);
	}
}

/* In every mode: deny.list stays enforced while the shield is down. */
static void expect_denies_first(struct findings *f, const struct listing *l)
{
	expect_chain_denies_first(f, find_chain(l, "output"), OUTPUT_LOOPBACK, output_denies);
	expect_chain_denies_first(f, find_chain(l, "input"), INPUT_LOOPBACK, input_denies);
}

static void expect_private_rejects(struct findings *f, const struct chain *out)
{
	for (size_t i = 0; ts_private_ranges[i]; i++) {
		char what[96];
		snprintf(what, sizeof(what), "reject rule for private range %s", ts_private_ranges[i]);
		expect(f, any_rule(out, pred_private_reject, ts_private_ranges[i]), what);
	}
}

static int report(struct findings *f, const char *mode, struct ts_error *err)
{
	int r = 0;
	if (f->count)
		r = ts_error_set(err, EPROTO, "live ruleset fails %s verification: %s", mode,
				 f->text.data);
	ts_strbuf_clear(&f->text);
	return r;
}

static int check_up(const struct listing *l, struct ts_error *err)
{
	struct findings f = { TS_STRBUF_INIT, 0 };
	const struct chain *out = find_chain(l, "output");

	expect(&f, l->table_found, "table " TS_NFT_FAMILY " " TS_NFT_TABLE);
	expect_chain(&f, l, "output", "drop");
	expect_chain(&f, l, "input", "drop");
	expect(&f, any_rule(out, pred_reject, NULL), "reject with icmpx admin-prohibited rule");
	expect_sets(&f, l, true);
	expect_scoped_sets(&f, l);
	expect_private_rejects(&f, out);
	expect_denies_first(&f, l);
	expect(&f, any_rule(out, pred_terminal, NULL), "terminal DENIED/QUEUED log rule");
	expect_no_foreign_accept(&f, out, output_accepts);
	expect_no_foreign_accept(&f, find_chain(l, "input"), input_accepts);
	return report(&f, "up", err);
}

static int check_down(const struct listing *l, bool all, struct ts_error *err)
{
	struct findings f = { TS_STRBUF_INIT, 0 };
	const struct chain *out = find_chain(l, "output");

	expect(&f, l->table_found, "table " TS_NFT_FAMILY " " TS_NFT_TABLE);
	expect_chain(&f, l, "output", "accept");
	expect_chain(&f, l, "input", "drop");
	expect(&f, any_rule(out, pred_bypass, NULL), "BYPASS log rule");
	expect_sets(&f, l, false);
	if (!all)
		expect_private_rejects(&f, out);
	expect_denies_first(&f, l);
	return report(&f, all ? "down --all" : "down", err);
}

static bool has_any_private_reject(const struct listing *l)
{
	const struct chain *out = find_chain(l, "output");
	for (size_t i = 0; ts_private_ranges[i]; i++)
		if (any_rule(out, pred_private_reject, ts_private_ranges[i]))
			return true;
	return false;
}

int ts_verify_up(const char *listing, struct ts_error *err)
{
	struct listing l = { 0 };
	parse_listing(listing ? listing : "", &l);
	int r = check_up(&l, err);
	listing_clear(&l);
	return r;
}

int ts_verify_down(const char *listing, bool all, struct ts_error *err)
{
	struct listing l = { 0 };
	parse_listing(listing ? listing : "", &l);
	int r = check_down(&l, all, err);
	listing_clear(&l);
	return r;
}

/*
 * The block ruleset (docs/ruleset.md): both chains drop, loopback is the
 * only thing they let through, DNS to loopback is refused ahead of that
 * accept, and the BLOCKED terminal rule refuses everything else at once.
 */
#define BLOCKED_LOG "log prefix \"" TS_PREFIX_BLOCKED "\" group 100 counter packets %n bytes %n"
static const char *const block_output_accepts[] = { OUTPUT_LOOPBACK, NULL };
static const char *const block_input_accepts[] = { INPUT_LOOPBACK, NULL };
static const char *const block_dns_rejects[] = {
	"oifname \"lo\" udp dport 53 " BLOCKED_LOG " reject with icmpx admin-prohibited",
	"oifname \"lo\" tcp dport 53 " BLOCKED_LOG " reject with icmpx admin-prohibited",
	NULL,
};

static bool pred_block_terminal(const struct ts_strv *t, const void *arg)
{
	(void)arg;
	return log_prefix_is(t, TS_PREFIX_BLOCKED) && !has_word(t, "daddr") &&
	       !has_word(t, "dport");
}

static int check_block(const struct listing *l, struct ts_error *err)
{
	struct findings f = { TS_STRBUF_INIT, 0 };
	const struct chain *out = find_chain(l, "output");

	expect(&f, l->table_found, "table " TS_NFT_FAMILY " " TS_NFT_TABLE);
	expect_chain(&f, l, "output", "drop");
	expect_chain(&f, l, "input", "drop");
	expect_sets(&f, l, true);
	expect(&f, any_rule(out, pred_reject, NULL), "reject with icmpx admin-prohibited rule");
	expect(&f, any_rule(out, pred_block_terminal, NULL), "terminal BLOCKED log rule");
	for (const char *const *p = block_dns_rejects; out && *p; p++)
		expect(&f, first_match(out, *p) < first_match(out, OUTPUT_LOOPBACK),
		       "refusal of DNS to loopback ahead of the loopback accept");
	expect_no_foreign_accept(&f, out, block_output_accepts);
	expect_no_foreign_accept(&f, find_chain(l, "input"), block_input_accepts);
	return report(&f, "block", err);
}

int ts_verify_block(const char *listing, struct ts_error *err)
{
	struct listing l = { 0 };
	parse_listing(listing ? listing : "", &l);
	int r = check_block(&l, err);
	listing_clear(&l);
	return r;
}

/*
 * The counters (docs/ruleset.md#counters): every allow, deny, scoped and
 * dns set counts per element, refused_v4/v6 are bounded and counting, and
 * in an up table the rules that fill them and count established traffic
 * are there.
 */
static const char *const counting_rules[] = {
	"update @refused_v4 { ip daddr }",
	"update @refused_v6 { ip6 daddr }",
	"ct state established,related ip daddr @allow_v4",
	"ct state established,related ip6 daddr @allow_v6",
	"ct state established,related ip daddr . meta l4proto . th dport @scoped_v4",
	"ct state established,related ip6 daddr . meta l4proto . th dport @scoped_v6",
	NULL,
};

static int check_counters(const struct listing *l, struct ts_error *err)
{
	static const char *const counted[] = { "allow_v4", "allow_v6", "deny_v4", "deny_v6",
					       "scoped_v4", "scoped_v6", "refused_v4",
					       "refused_v6", "dns_v4", "dns_v6" };
	struct findings f = { TS_STRBUF_INIT, 0 };
	const struct chain *out = find_chain(l, "output");
	for (size_t i = 0; i < ARRAY_SIZE(counted); i++) {
		bool optional = strncmp(counted[i], "dns_", 4) == 0;
		if (optional && !ts_strv_contains(&l->sets, counted[i]))
			continue;
		char what[64];
		snprintf(what, sizeof(what), "counter flag on set %s", counted[i]);
		expect(&f, ts_strv_contains(&l->counted, counted[i]), what);
	}
	expect(&f, ts_strv_contains(&l->bounded, "refused_v4"), "size and timeout of set refused_v4");
	expect(&f, ts_strv_contains(&l->bounded, "refused_v6"), "size and timeout of set refused_v6");
	/* Down and block tables count denied traffic only: no allow or refused rule to count in. */
	bool up = check_up(l, NULL) == 0;
	for (const char *const *p = counting_rules; up && *p; p++) {
		_cleanup_free_ char *what = ts_xasprintf("counting rule '%s'", *p);
		expect(&f, out && first_match(out, *p) < out->n_rules, what);
	}
	return report(&f, "counters", err);
}

int ts_verify_counters(const char *listing, struct ts_error *err)
{
	struct listing l = { 0 };
	parse_listing(listing ? listing : "", &l);
	int r = check_counters(&l, err);
	listing_clear(&l);
	return r;
}

enum ts_shield_state ts_verify_classify(const char *listing)
{
	if (!listing || listing[strspn(listing, " \t\r\n")] == '\0')
		return TS_STATE_INACTIVE;
	struct listing l = { 0 };
	enum ts_shield_state state = TS_STATE_ERROR;
	parse_listing(listing, &l);
	if (check_up(&l, NULL) == 0)
		state = TS_STATE_UP;
	else if (check_down(&l, false, NULL) == 0)
		state = TS_STATE_DOWN;
	/* down --all drops the private rejects; with some left it is a broken down. */
	else if (check_down(&l, true, NULL) == 0 && !has_any_private_reject(&l))
		state = TS_STATE_DOWN_ALL;
	else if (check_block(&l, NULL) == 0)
		state = TS_STATE_BLOCK;
	listing_clear(&l);
	return state;
}
