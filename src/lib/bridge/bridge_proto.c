/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>

#include "base/scope.h"
#include "base/util.h"
#include "bridge/bridge_proto.h"

const char ts_bridge_interface_xml[] =
	"<interface name=\"org.terok.Shield1\">\n"
	"  <signal name=\"ConnectionBlocked\">\n"
	"    <arg type=\"s\" name=\"container\"/><arg type=\"s\" name=\"dest\"/>\n"
	"    <arg type=\"q\" name=\"port\"/><arg type=\"q\" name=\"proto\"/>\n"
	"    <arg type=\"s\" name=\"domain\"/><arg type=\"s\" name=\"request_id\"/>\n"
	"  </signal>\n"
	"  <method name=\"Verdict\">\n"
	"    <arg type=\"s\" name=\"request_id\" direction=\"in\"/>\n"
	"    <arg type=\"s\" name=\"action\" direction=\"in\"/>\n"
	"    <arg type=\"b\" name=\"ok\" direction=\"out\"/>\n"
	"  </method>\n"
	"  <signal name=\"VerdictApplied\">\n"
	"    <arg type=\"s\" name=\"container\"/><arg type=\"s\" name=\"dest\"/>\n"
	"    <arg type=\"s\" name=\"request_id\"/><arg type=\"s\" name=\"action\"/>\n"
	"    <arg type=\"b\" name=\"ok\"/>\n"
	"  </signal>\n"
	"</interface>\n";

int ts_bridge_short_id_validate(const char *short_id, struct ts_error *err)
{
	size_t n = strlen(short_id);
	bool ok = n > 0 && n <= TS_BRIDGE_SHORT_ID_MAX;
	for (size_t i = 0; ok && i < n; i++)
		ok = isascii((unsigned char)short_id[i]) && isalnum((unsigned char)short_id[i]);
	if (!ok)
		return ts_error_set(err, EINVAL, "invalid container id '%.80s' (expected 1-%d letters "
				    "and digits)", short_id, TS_BRIDGE_SHORT_ID_MAX);
	return 0;
}

char *ts_bridge_bus_name_for(const char *short_id)
{
	return ts_xasprintf("%s%s", TS_BRIDGE_BUS_NAME_PREFIX, short_id);
}

/* A JSON integer in [0, max]. */
static int get_uint(json_t *o, const char *key, json_int_t max, json_int_t *out,
		    struct ts_error *err)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		return ts_error_set(err, EINVAL, "'%s' must be an integer from 0 to %" JSON_INTEGER_FORMAT,
				    key, max);
	*out = json_integer_value(v);
	return 0;
}

static int get_string(json_t *o, const char *key, const char **out, struct ts_error *err)
{
	*out = json_string_value(json_object_get(o, key));
	if (!*out)
		return ts_error_set(err, EINVAL, "'%s' must be a string", key);
	return 0;
}

/* Largest id with TS_BRIDGE_ID_DIGITS digits. */
#define ID_MAX 999999999999999999LL

/* One address (not a network), canonical. */
static int parse_dest(const char *text, char out[TS_ADDR_STRLEN], struct ts_error *err)
{
	struct ts_addr a;
	if (strchr(text, '/'))
		return ts_error_set(err, EINVAL, "'dest' must be one address, not '%.64s'", text);
	int r = ts_addr_parse(text, &a, err);
	if (r < 0)
		return r;
	ts_addr_format(&a, out);
	return 0;
}

static int parse_pending(json_t *o, struct ts_bridge_event *ev, struct ts_error *err)
{
	json_int_t port, proto;
	int r = get_uint(o, "port", 65535, &port, err);
	if (r < 0)
		return r;
	r = get_uint(o, "proto", 255, &proto, err);
	if (r < 0)
		return r;
	ev->port = (uint16_t)port;
	ev->proto = (uint16_t)proto;
	json_t *domain = json_object_get(o, "domain");
	if (!domain || (json_is_string(domain) && !json_string_value(domain)[0]))
		return *ev->dest ? 0 : ts_error_set(err, EINVAL, "'dest' is empty and no 'domain' is named");
	if (!json_is_string(domain))
		return ts_error_set(err, EINVAL, "'domain' must be a string");
	return ts_domain_normalize(json_string_value(domain), ev->domain, err);
}

static int parse_applied(json_t *o, struct ts_bridge_event *ev, struct ts_error *err)
{
	const char *action;
	int r = get_string(o, "action", &action, err);
	if (r < 0)
		return r;
	r = ts_bridge_action_parse(action, &ev->accept, err);
	if (r < 0)
		return r;
	json_t *ok = json_object_get(o, "ok");
	if (!json_is_boolean(ok))
		return ts_error_set(err, EINVAL, "'ok' must be true or false");
	ev->ok = json_is_true(ok);
	return 0;
}

/* The keys every event has, then those of its type. */
static int parse_event(json_t *o, struct ts_bridge_event *ev, struct ts_error *err)
{
	const char *type, *dest;
	json_int_t id;
	int r = get_string(o, "type", &type, err);
	if (r < 0)
		return r;
	r = get_uint(o, "id", ID_MAX, &id, err);
	if (r < 0)
		return r;
	r = get_string(o, "dest", &dest, err);
	if (r < 0)
		return r;
	/* "": a name the container looked up (docs/interactive.md), which has a domain. */
	r = *dest ? parse_dest(dest, ev->dest, err) : 0;
	if (r < 0)
		return r;
	ev->id = id;
	if (strcmp(type, "pending") == 0) {
		ev->type = TS_BRIDGE_PENDING;
		return parse_pending(o, ev, err);
	}
	if (strcmp(type, "verdict_applied") == 0) {
		ev->type = TS_BRIDGE_VERDICT_APPLIED;
		return parse_applied(o, ev, err);
	}
	return ts_error_set(err, EINVAL, "unknown type '%.40s'", type);
}

int ts_bridge_event_parse(const char *line, struct ts_bridge_event *ev, struct ts_error *err)
{
	*ev = (struct ts_bridge_event){ 0 };
	json_error_t jerr;
	json_auto_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o))
		return ts_error_set(err, EINVAL, "not a JSON object: %s", o ? "other value" : jerr.text);
	return parse_event(o, ev, err);
}

char *ts_bridge_request_id(const char *container, int64_t id)
{
	return ts_xasprintf("%s:%" PRId64, container, id);
}

int ts_bridge_request_id_parse(const char *request_id, const char *container, int64_t *id,
			       struct ts_error *err)
{
	const char *colon = strchr(request_id, ':');
	if (!colon || colon == request_id)
		return ts_error_set(err, EINVAL, "malformed request_id '%.80s' (expected "
				    "CONTAINER:ID)", request_id);
	size_t n = (size_t)(colon - request_id);
	if (n != strlen(container) || strncmp(request_id, container, n) != 0)
		return ts_error_set(err, EINVAL, "request_id '%.80s' is not for container %s",
				    request_id, container);
	const char *digits = colon + 1;
	size_t len = strspn(digits, "0123456789");
	if (len == 0 || digits[len])
		return ts_error_set(err, EINVAL, "request_id '%.80s' has no integer id", request_id);
	if (len > TS_BRIDGE_ID_DIGITS)
		return ts_error_set(err, EINVAL, "request_id '%.80s': id too large", request_id);
	*id = strtoll(digits, NULL, 10);
	return 0;
}

int ts_bridge_action_parse(const char *action, bool *accept, struct ts_error *err)
{
	if (strcmp(action, "accept") == 0)
		*accept = true;
	else if (strcmp(action, "deny") == 0)
		*accept = false;
	else
		return ts_error_set(err, EINVAL, "unknown action '%.40s' (accept or deny)", action);
	return 0;
}

int ts_bridge_verdict_action_parse(const char *action, struct ts_bridge_action *out,
				   struct ts_error *err)
{
	struct ts_bridge_action a = { 0 };
	const char *rest = NULL;
	long seconds;
	if (strcmp(action, "deny") == 0)
		goto done;
	/* An empty part ("accept:", "accept:port:") is no action either. */
	if (strncmp(action, "accept", 6) != 0 || (action[6] != '\0' && action[6] != ':') ||
	    action[strlen(action) - 1] == ':')
		goto bad;
	a.accept = true;
	rest = action[6] ? action + 7 : "";
	if (strncmp(rest, "port", 4) == 0 && (rest[4] == '\0' || rest[4] == ':')) {
		a.port = true;
		rest += rest[4] ? 5 : 4;
	}
	if (*rest) {
		if (strlen(rest) >= sizeof(a.duration) ||
		    ts_scope_parse_duration(rest, &seconds, NULL) < 0)
			goto bad;
		snprintf(a.duration, sizeof(a.duration), "%s", rest);
	}
done:
	*out = a;
	return 0;
bad:
	return ts_error_set(err, EINVAL, "unknown action '%.40s' (accept, accept:30m, accept:port, "
			    "accept:port:30m or deny)", action);
}

char *ts_bridge_verdict_line(int64_t id, const struct ts_bridge_action *a)
{
	return ts_xasprintf("{\"type\":\"verdict\",\"id\":%" PRId64 ",\"action\":\"%s\"%s%s%s%s}\n",
			    id, a->accept ? "accept" : "deny",
			    a->port ? ",\"scope\":\"port\"" : "", *a->duration ? ",\"for\":\"" : "",
			    a->duration, *a->duration ? "\"" : "");
}
