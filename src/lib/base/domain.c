/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <string.h>

#include "base/domain.h"
#include "base/util.h"

static bool label_ok(const char *label, size_t len)
{
	if (len == 0 || len > 63 || label[0] == '-' || label[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)label[i]) && label[i] != '-')
			return false;
	return true;
}

/* Letters only, or an IDN A-label ("xn--p1ai"). */
static bool tld_ok(const char *label, size_t len)
{
	if (len > 4 && strncmp(label, "xn--", 4) == 0)
		return label_ok(label, len);
	if (len < 2)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalpha((unsigned char)label[i]))
			return false;
	return true;
}

int ts_domain_normalize(const char *text, char out[TS_DOMAIN_BUFLEN], struct ts_error *err)
{
	if (!text || !*text)
		return ts_error_set(err, EINVAL, "empty domain name");
	size_t len = strlen(text);
	if (len > TS_DOMAIN_MAX + 3)
		return ts_error_set(err, EINVAL, "domain name too long: '%.40s…'", text);

	bool wildcard = ts_startswith(text, "*.");
	const char *name = wildcard ? text + 2 : text;
	len = strlen(name);
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > TS_DOMAIN_MAX)
		return ts_error_set(err, EINVAL, "not a valid domain name: '%s'", text);

	char *w = out;
	if (wildcard) {
		*w++ = '*';
		*w++ = '.';
	}
	for (size_t i = 0; i < len; i++)
		*w++ = (char)tolower((unsigned char)name[i]);
	*w = '\0';

	/* Walk the labels of the bare name; the last one is the TLD. */
	const char *bare = wildcard ? out + 2 : out;
	const char *label = bare;
	size_t labels = 0;
	for (;;) {
		const char *dot = strchr(label, '.');
		size_t l = dot ? (size_t)(dot - label) : strlen(label);
		bool ok = dot ? label_ok(label, l) : tld_ok(label, l);
		if (!ok)
			return ts_error_set(err, EINVAL, "not a valid domain name: '%s'", text);
		labels++;
		if (!dot)
			break;
		label = dot + 1;
	}
	if (labels < 2)
		return ts_error_set(err, EINVAL, "not a valid domain name: '%s' (needs a dot)", text);
	return 0;
}

const char *ts_domain_strip_wildcard(const char *domain)
{
	return ts_startswith(domain, "*.") ? domain + 2 : domain;
}

bool ts_domain_matches(const char *name, const char *parent)
{
	parent = ts_domain_strip_wildcard(parent);
	size_t n = strlen(name), p = strlen(parent);
	if (n == p)
		return strcmp(name, parent) == 0;
	return n > p && name[n - p - 1] == '.' && strcmp(name + n - p, parent) == 0;
}
