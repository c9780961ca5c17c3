/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>

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

static const char *get_string(json_t *o, const char *key, struct ts_error *err)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (!s)
		ts_error_set(err, EINVAL, "'%s' must be a string", key);
	return s;
}

/* Largest id with TS_BRIDGE_ID_DIGITS digits. */
#define ID_MAX 999999999999999999LL

/* One address (not a network), canonical. */
static int parse_dest(const char *text, char out[TS_ADDR_STRLEN], struct ts_error *err)
{
	struct ts_addr a;
	if (strchr(text, '/'))
		return ts_error_set(err, EINVAL, "'dest' must be one address, not '%.64s'", text);
	if (ts_addr_parse(text, &a, err) < 0)
		return -EINVAL;
	ts_addr_format(&a, out);
	return 0;
}

static int parse_pending(json_t *o, struct ts_bridge_event *ev, struct ts_error *err)
{
	json_int_t port, proto;
	if (get_uint(o, "port", 65535, &port, err) < 0 || get_uint(o, "proto", 255, &proto, err) < 0)
		return -EINVAL;
	ev->port = (uint16_t)port;
	ev->proto = (uint16_t)proto;
	json_t *domain = json_object_get(o, "domain");
	if (!domain || (json_is_string(domain) && !json_string_value(domain)[0]))
		return 0;
	if (!json_is_string(domain))
		return ts_error_set(err, EINVAL, "'domain' must be a string");
	if (ts_domain_normalize(json_string_value(domain), ev->domain, err) < 0)
		return -EINVAL;
	return 0;
}

static int parse_applied(json_t *o, struct ts_bridge_event *ev, struct ts_error *err)
{
	const char *action = get_string(o, "action", err);
	if (!action || ts_bridge_action_parse(action, &ev->accept, err) < 0)
		return -EINVAL;
	json_t *ok = json_object_get(o, "ok");
	if (!json_is_boolean(ok))
		return ts_error_set(err, EINVAL, "'ok' must be true or false");
	ev->ok = json_is_true(ok);
	return 0;
}

int ts_bridge_event_parse(const char *line, struct ts_bridge_event *ev, struct ts_error *err)
{
	*ev = (struct ts_bridge_event){ 0 };
	json_error_t jerr;
	json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(o)) {
		json_decref(o);
		return ts_error_set(err, EINVAL, "not a JSON object: %s", o ? "other value" : jerr.text);
	}
	int r = -EINVAL;
	const char *type = get_string(o, "type", err);
	json_int_t id;
	const char *dest;
	if (!type || get_uint(o, "id", ID_MAX, &id, err) < 0 || !(dest = get_string(o, "dest", err)) ||
	    parse_dest(dest, ev->dest, err) < 0)
		goto out;
	ev->id = id;
	if (strcmp(type, "pending") == 0) {
		ev->type = TS_BRIDGE_PENDING;
		r = parse_pending(o, ev, err);
	} else if (strcmp(type, "verdict_applied") == 0) {
		ev->type = TS_BRIDGE_VERDICT_APPLIED;
		r = parse_applied(o, ev, err);
	} else {
		ts_error_set(err, EINVAL, "unknown type '%.40s'", type);
	}
out:
	json_decref(o);
	return r;
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

char *ts_bridge_verdict_line(int64_t id, bool accept)
{
	return ts_xasprintf("{\"type\":\"verdict\",\"id\":%" PRId64 ",\"action\":\"%s\"}\n", id,
			    accept ? "accept" : "deny");
}
