/* SPDX-License-Identifier: Apache-2.0 */
#include <stdbool.h>
#include <string.h>

#include "base/addr.h"
#include "base/domain.h"
#include "base/util.h"
#include "dns/dnslog.h"

/*
 * The line formats, from dnsmasq 2.90 (log.c my_syslog, cache.c log_query)
 * and checked against its output:
 *   [<PRI>][TIMESTAMP ]dnsmasq[PID]: MESSAGE
 *   MESSAGE = [EXTRA ]SOURCE NAME VERB DEST[ (DNSSEC signed)]
 *   EXTRA   = [TCP |UDP ]SERIAL[ CLIENT/PORT]     (log-queries=extra, =proto)
 * Words are separated by exactly one space; dnsmasq logs a name with a
 * space or other unprintable byte as "<name unprintable>", so a name is
 * always one word.
 */

/* The header must start within this many bytes: it comes before anything the container controls. */
#define HEADER_SEARCH 64
/* The longest recognised message has 9 words; one more tells "too many". */
#define MAX_WORDS 10

struct word {
	const char *s;
	size_t len;
};

static bool word_is(const struct word *w, const char *s)
{
	return w->len == strlen(s) && memcmp(w->s, s, w->len) == 0;
}

static bool all_digits(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Past "PID]: " at p; NULL when that is not there. */
static const char *skip_pid(const char *p)
{
	size_t digits = strspn(p, "0123456789");
	if (digits == 0 || digits > 10 || !ts_startswith(p + digits, "]: "))
		return NULL;
	return p + digits + 3;
}

/*
 * Past "[<PRI>][TIMESTAMP ]IDENT[PID]: ", IDENT being dnsmasq or
 * terok-shield-dns (which writes the same messages); NULL when the line
 * is neither's. The first identifier found decides.
 */
static const char *skip_header(const char *line)
{
	static const char *const idents[] = { "dnsmasq[", "terok-shield-dns[" };
	size_t head = strnlen(line, HEADER_SEARCH + 1);
	for (size_t i = 0; i < head; i++) {
		if (i > 0 && line[i - 1] != ' ' && line[i - 1] != '>')
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(idents); k++)
			if (ts_startswith(line + i, idents[k]))
				return skip_pid(line + i + strlen(idents[k]));
	}
	return NULL;
}

/* Split on single spaces; false on an empty word (double, leading or trailing space) or too many. */
static bool split_words(const char *s, struct word *words, size_t *n)
{
	*n = 0;
	for (;;) {
		const char *end = strchrnul(s, ' ');
		if (end == s || *n == MAX_WORDS)
			return false;
		words[(*n)++] = (struct word){ s, (size_t)(end - s) };
		if (*end == '\0')
			return true;
		s = end + 1;
	}
}

/* A word holding exactly one address, canonicalised into out (no prefix length). */
static bool word_address(const struct word *w, char out[TS_ADDR_STRLEN])
{
	char buf[TS_ADDR_STRLEN];
	if (w->len >= sizeof(buf) || memchr(w->s, '/', w->len))
		return false;
	memcpy(buf, w->s, w->len);
	buf[w->len] = '\0';
	return ts_addr_canonicalize(buf, out, NULL) == 0;
}

/* "CLIENT/PORT" as log-queries=extra writes the client (prettyprint_addr). */
static bool word_client(const struct word *w)
{
	const char *slash = memchr(w->s, '/', w->len);
	if (!slash)
		return false;
	char addr[TS_ADDR_STRLEN];
	struct word a = { w->s, (size_t)(slash - w->s) };
	size_t port_len = w->len - a.len - 1;
	return all_digits(slash + 1, port_len) && port_len <= 5 && word_address(&a, addr);
}

/* A concrete domain name; "*" is no host name, so a wildcard is refused here. */
static bool word_domain(const struct word *w, char out[TS_DOMAIN_BUFLEN])
{
	char buf[TS_DOMAIN_BUFLEN];
	if (w->len >= sizeof(buf) || w->s[0] == '*')
		return false;
	memcpy(buf, w->s, w->len);
	buf[w->len] = '\0';
	return ts_domain_normalize(buf, out, NULL) == 0;
}

/* Index of SOURCE: past the log-queries=extra serial, protocol and client when present. */
static size_t skip_extra(const struct word *words, size_t n)
{
	size_t i = 0;
	if (n > 1 && (word_is(&words[0], "TCP") || word_is(&words[0], "UDP")) &&
	    all_digits(words[1].s, words[1].len))
		i = 1;
	if (i < n && all_digits(words[i].s, words[i].len)) {
		i++;
		if (i < n && word_client(&words[i]))
			i++;
	}
	return i;
}

static bool parse_query(const struct word *w, size_t n, struct ts_dnslog_line *out)
{
	const char *qtype;
	char client[TS_ADDR_STRLEN];
	if (word_is(&w[0], "query[A]"))
		qtype = "A";
	else if (word_is(&w[0], "query[AAAA]"))
		qtype = "AAAA";
	else
		return false;
	if (n != 4 || !word_is(&w[2], "from") || !word_address(&w[3], client) ||
	    !word_domain(&w[1], out->name))
		return false;
	strcpy(out->qtype, qtype);
	out->kind = TS_DNSLOG_QUERY;
	return true;
}

/* "A", "AAAA" or "TYPEn" (n a plain decimal up to 65535) between prefix ("refused[", "held[") and "]". */
static bool bracketed_type(const struct word *w, const char *prefix, char out[12])
{
	size_t p = strlen(prefix);
	if (w->len <= p + 1 || w->len - p - 1 >= 12 || memcmp(w->s, prefix, p) != 0 ||
	    w->s[w->len - 1] != ']')
		return false;
	size_t len = w->len - p - 1;
	memcpy(out, w->s + p, len);
	out[len] = '\0';
	if (strcmp(out, "A") == 0 || strcmp(out, "AAAA") == 0)
		return true;
	const char *digits = out + 4;
	size_t nd = strlen(digits);
	return strncmp(out, "TYPE", 4) == 0 && nd >= 1 && nd <= 5 && all_digits(digits, nd) &&
	       (digits[0] != '0' || nd == 1) && strtoul(digits, NULL, 10) <= 65535;
}

static bool parse_refused(const struct word *w, size_t n, struct ts_dnslog_line *out)
{
	if (n != 6 || !bracketed_type(&w[0], "refused[", out->qtype) || !word_is(&w[2], "(not") ||
	    !word_is(&w[3], "an") || !word_is(&w[4], "allowed") || !word_is(&w[5], "domain)") ||
	    !word_domain(&w[1], out->name))
		return false;
	out->kind = TS_DNSLOG_REFUSED;
	return true;
}

static bool parse_held(const struct word *w, size_t n, struct ts_dnslog_line *out)
{
	if (n != 6 || !bracketed_type(&w[0], "held[", out->qtype) || !word_is(&w[2], "(waiting") ||
	    !word_is(&w[3], "for") || !word_is(&w[4], "a") || !word_is(&w[5], "verdict)") ||
	    !word_domain(&w[1], out->name))
		return false;
	out->kind = TS_DNSLOG_HELD;
	return true;
}

static bool parse_answer(const struct word *w, size_t n, struct ts_dnslog_line *out)
{
	if (!word_is(&w[0], "reply") && !word_is(&w[0], "cached") && !word_is(&w[0], "cached-stale"))
		return false;
	bool signed_suffix = n == 6 && word_is(&w[4], "(DNSSEC") && word_is(&w[5], "signed)");
	if ((n != 4 && !signed_suffix) || !word_is(&w[2], "is") || !word_address(&w[3], out->addr) ||
	    !word_domain(&w[1], out->name))
		return false;
	out->kind = TS_DNSLOG_ANSWER;
	return true;
}

int ts_dnslog_parse(const char *line, struct ts_dnslog_line *out)
{
	struct word words[MAX_WORDS];
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!line)
		return 0;
	const char *msg = skip_header(line);
	if (!msg || !split_words(msg, words, &n))
		return 0;
	size_t i = skip_extra(words, n);
	if (n - i < 4)
		return 0;

	if (parse_query(words + i, n - i, out) || parse_answer(words + i, n - i, out) ||
	    parse_refused(words + i, n - i, out) || parse_held(words + i, n - i, out))
		return 1;
	memset(out, 0, sizeof(*out));
	return 0;
}
