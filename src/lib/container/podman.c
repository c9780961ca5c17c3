/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <jansson.h>

#include "base/process.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "container/podman.h"

/* Of podman's stderr, this many lines at most go into a message, each cut to LINE_MAX_SHOWN. */
#define LINES_SHOWN 3
#define LINE_MAX_SHOWN 200

/* The message of a logrus line (time="..." level=error msg="TEXT"), else the line itself. */
static void append_line(struct ts_strbuf *b, const char *line, size_t len)
{
	const char *msg = memmem(line, len, " msg=\"", 6);
	bool quoted = msg != NULL;
	if (quoted) {
		len -= (size_t)(msg + 6 - line);
		line = msg + 6;
	}
	size_t shown = 0;
	for (size_t i = 0; i < len && shown < LINE_MAX_SHOWN; i++) {
		char c = line[i];
		if (quoted && c == '\\' && i + 1 < len)
			c = line[++i];
		else if (quoted && c == '"')
			break;
		ts_strbuf_append(b, isprint((unsigned char)c) ? &c : "?", 1);
		shown++;
	}
}

static bool is_error_line(const char *line, size_t len)
{
	return (len >= 6 && memcmp(line, "Error:", 6) == 0) || memmem(line, len, "level=error", 11) ||
	       memmem(line, len, "level=fatal", 11);
}

/* Up to LINES_SHOWN lines of text, error lines only or (pass 1) any non-blank ones. */
static size_t pick_lines(struct ts_strbuf *b, const char *text, bool errors_only)
{
	size_t n = 0;
	for (const char *p = text; *p && n < LINES_SHOWN;) {
		size_t len = strcspn(p, "\n");
		size_t blank = strspn(p, " \t\r");
		if (blank < len && (!errors_only || is_error_line(p, len))) {
			ts_strbuf_puts(b, n++ ? " | " : ": ");
			append_line(b, p, len);
		}
		p += len + (p[len] == '\n');
	}
	return n;
}

int ts_podman_failed(struct ts_error *err, const char *what, int status, const char *errors)
{
	struct ts_strbuf b = TS_STRBUF_INIT;
	if (errors && pick_lines(&b, errors, true) == 0)
		pick_lines(&b, errors, false);
	_cleanup_free_ char *lines = ts_strbuf_take(&b);
	return ts_error_set(err, EIO, "%s exited with status %d%s", what, status, lines);
}

int ts_podman_version(char **out, struct ts_error *err)
{
	static const char *const argv[] = { "podman", "--version", NULL };
	_cleanup_free_ char *text = NULL, *errors = NULL;
	int r = ts_run_capture_errors(argv, &text, &errors, err);
	if (r < 0)
		return r;
	if (r != 0)
		return ts_podman_failed(err, "podman --version", r, errors);
	/* "podman version 4.3.1\n": the last word, digits and dots only. */
	char *word = strrchr(ts_strip(text), ' ');
	word = word ? word + 1 : text;
	size_t n = strspn(word, "0123456789.");
	if (n == 0 || !isdigit((unsigned char)word[0]))
		return ts_error_set(err, EPROTO, "unexpected podman --version output");
	word[n] = '\0';
	*out = ts_xstrdup(word);
	return 0;
}

const char *ts_net_mode_name(enum ts_net_mode mode)
{
	return mode == TS_NET_PASTA ? "pasta" : "slirp4netns";
}

const char *ts_net_mode_dns(enum ts_net_mode mode)
{
	return mode == TS_NET_PASTA ? "169.254.1.1" : "10.0.2.3";
}

const char *ts_net_mode_gateway(enum ts_net_mode mode)
{
	return mode == TS_NET_PASTA ? NULL : "10.0.2.2";
}

void ts_podman_info_clear(struct ts_podman_info *info)
{
	free(info->version);
	*info = (struct ts_podman_info){ 0 };
}

/* A value from podman, safe to put in an error message: at most 32 characters, printable. */
static const char *printable(const char *s, char buf[static 40])
{
	size_t i = 0;
	for (; s[i] && i < 32; i++)
		buf[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	buf[i] = '\0';
	if (s[i])
		strcpy(buf + i, "...");
	return buf;
}

/* "4.3.1", "5.3.0-dev", "4.9.4-rhel": it ends up in status output, so no surprises. */
static bool version_ok(const char *v)
{
	size_t len = strlen(v);
	if (len == 0 || len > 64 || !isdigit((unsigned char)v[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)v[i]) && !strchr(".+~_-", v[i]))
			return false;
	return true;
}

/*
 * podman >= 5.1 reports the configured default as host.rootlessNetworkCmd
 * (containers/podman PR #22177; libpod/info.go copies
 * config.Network.DefaultRootlessNetworkCmd, rootful or not). Older podman
 * only tells whether the slirp4netns helper was found: host.slirp4netns is
 * always an object there, with an empty "executable" when it was not.
 * podman 5.0 lacks the key but already defaults to pasta.
 */
static int parse_mode(json_t *host, int major, enum ts_net_mode *mode, struct ts_error *err)
{
	char buf[40];
	json_t *cmd = json_object_get(host, "rootlessNetworkCmd");
	if (cmd) {
		if (!json_is_string(cmd))
			return ts_error_set(err, EPROTO,
					    "podman info: host.rootlessNetworkCmd is not a string");
		const char *v = json_string_value(cmd);
		if (strcmp(v, "slirp4netns") == 0)
			*mode = TS_NET_SLIRP4NETNS;
		else if (strcmp(v, "pasta") == 0)
			*mode = TS_NET_PASTA;
		else
			return ts_error_set(err, EPROTO,
					    "podman info: unsupported rootless network command '%s' "
					    "(terok-shield knows slirp4netns and pasta)",
					    printable(v, buf));
		return 0;
	}

	json_t *slirp = json_object_get(host, "slirp4netns");
	json_t *exe = NULL;
	if (slirp) {
		if (!json_is_object(slirp))
			return ts_error_set(err, EPROTO, "podman info: host.slirp4netns is not an object");
		exe = json_object_get(slirp, "executable");
		if (exe && !json_is_string(exe))
			return ts_error_set(err, EPROTO,
					    "podman info: host.slirp4netns.executable is not a string");
	}
	*mode = major < 5 && exe && json_string_length(exe) > 0 ? TS_NET_SLIRP4NETNS : TS_NET_PASTA;
	return 0;
}

static int parse_fields(json_t *doc, struct ts_podman_info *info, struct ts_error *err)
{
	if (!json_is_object(doc))
		return ts_error_set(err, EPROTO, "podman info: not a JSON object");

	json_t *version = json_object_get(json_object_get(doc, "version"), "Version");
	if (!version)
		return ts_error_set(err, EPROTO, "podman info: version.Version is missing");
	if (!json_is_string(version) || !version_ok(json_string_value(version)))
		return ts_error_set(err, EPROTO, "podman info: version.Version is not a version");

	json_t *host = json_object_get(doc, "host");
	if (!json_is_object(host))
		return ts_error_set(err, EPROTO, "podman info: host is missing or not an object");
	json_t *rootless = json_object_get(json_object_get(host, "security"), "rootless");
	if (!rootless)
		return ts_error_set(err, EPROTO, "podman info: host.security.rootless is missing");
	if (!json_is_boolean(rootless))
		return ts_error_set(err, EPROTO, "podman info: host.security.rootless is not a boolean");

	int r = parse_mode(host, atoi(json_string_value(version)), &info->mode, err);
	if (r < 0)
		return r;
	info->rootless = json_is_true(rootless);
	info->version = ts_xstrdup(json_string_value(version));
	return 0;
}

int ts_podman_info_parse(const char *json, struct ts_podman_info *info, struct ts_error *err)
{
	*info = (struct ts_podman_info){ 0 };
	json_error_t jerr;
	json_t *doc = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return ts_error_set(err, EPROTO, "podman info: invalid JSON: %s (line %d)", jerr.text,
				    jerr.line);
	int r = parse_fields(doc, info, err);
	json_decref(doc);
	if (r < 0)
		ts_podman_info_clear(info);
	return r;
}

int ts_podman_info_read(struct ts_podman_info *info, struct ts_error *err)
{
	static const char *const argv[] = { "podman", "info", "-f", "json", NULL };
	_cleanup_free_ char *text = NULL, *errors = NULL;
	*info = (struct ts_podman_info){ 0 };
	int r = ts_run_capture_errors(argv, &text, &errors, err);
	if (r < 0)
		return r;
	if (r != 0)
		return ts_podman_failed(err, "podman info", r, errors);
	return ts_podman_info_parse(text, info, err);
}
