/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <jansson.h>

#include "base/addr.h"
#include "base/fileio.h"
#include "base/port.h"
#include "base/util.h"
#include "bundle/location.h"
#include "config/profiles.h"
#include "container/oci.h"
#include "nft/nft_names.h"

void ts_oci_state_clear(struct ts_oci_state *st)
{
	free(st->id);
	free(st->bundle);
	free(st->state_dir);
	free(st->name);
	ts_strv_clear(&st->profiles);
	free(st->loopback_ports);
	free(st->upstream_dns);
	free(st->dns_tier);
	*st = (struct ts_oci_state){ .version = -1, .audit_enabled = true };
}

static bool id_ok(const char *id)
{
	size_t len = strlen(id);
	if (len < TS_SHORT_ID_LEN || len > 128)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)id[i]))
			return false;
	return true;
}

static int parse_bool(const char *key, const char *value, bool *out, struct ts_error *err)
{
	if (strcmp(value, "true") == 0)
		*out = true;
	else if (strcmp(value, "false") == 0)
		*out = false;
	else
		return ts_error_set(err, EINVAL, "annotation %s: expected true or false, got '%.32s'",
				    key, value);
	return 0;
}

static int parse_profiles(const char *value, struct ts_strv *out, struct ts_error *err)
{
	_cleanup_free_ char *copy = ts_xstrdup(value);
	char *save = NULL;
	for (char *name = strtok_r(copy, ":", &save); name; name = strtok_r(NULL, ":", &save)) {
		int r = ts_profile_name_validate(name, err);
		if (r < 0)
			return ts_error_prefix(err, r, "annotation " TS_ANN_PROFILES);
		ts_strv_push(out, name);
	}
	return 0;
}

static int parse_version(const char *value, int *out, struct ts_error *err)
{
	if (!*value || strlen(value) > 4 || strspn(value, "0123456789") != strlen(value))
		return ts_error_set(err, EINVAL, "annotation " TS_ANN_VERSION ": not a number: '%.16s'",
				    value);
	*out = atoi(value);
	return 0;
}

static int parse_state_dir(const char *value, char **out, struct ts_error *err)
{
	if (value[0] != '/')
		return ts_error_set(err, EINVAL,
				    "annotation " TS_ANN_STATE_DIR " must be an absolute path, got '%.64s'",
				    value);
	if (strstr(value, "/../") || (strlen(value) >= 3 && strcmp(value + strlen(value) - 3, "/..") == 0))
		return ts_error_set(err, EINVAL, "annotation " TS_ANN_STATE_DIR " must not contain '..'");
	if (strlen(value) >= 4000)
		return ts_error_set(err, ENAMETOOLONG, "annotation " TS_ANN_STATE_DIR " is too long");
	*out = ts_xstrdup(value);
	return 0;
}

static int parse_dns_tier(const char *value, char **out, struct ts_error *err)
{
	static const char *const tiers[] = { TS_TIER_DNSMASQ, TS_TIER_STATIC, TS_TIER_GETENT,
					     TS_TIER_SHIELD };
	for (size_t i = 0; i < ARRAY_SIZE(tiers); i++)
		if (strcmp(value, tiers[i]) == 0) {
			*out = ts_xstrdup(value);
			return 0;
		}
	return ts_error_set(err, EINVAL,
			    "annotation " TS_ANN_DNS_TIER
			    ": expected shield, dnsmasq, dig or getent, got '%.32s'",
			    value);
}

static int parse_upstream_dns(const char *value, char **out, struct ts_error *err)
{
	struct ts_addr a;
	if (ts_addr_parse(value, &a, err) < 0 || a.prefix != ts_addr_max_prefix(&a))
		return ts_error_set(err, EINVAL,
				    "annotation " TS_ANN_UPSTREAM_DNS ": not an IP address: '%.64s'", value);
	*out = ts_xmalloc(TS_ADDR_STRLEN);
	ts_addr_format(&a, *out);
	return 0;
}

/* One terok.shield.* annotation; others are ignored (podman adds its own). */
static int parse_annotation(const char *key, const char *value, struct ts_oci_state *st,
			    struct ts_error *err)
{
	if (strcmp(key, TS_ANN_PROFILES) == 0)
		return parse_profiles(value, &st->profiles, err);
	if (strcmp(key, TS_ANN_NAME) == 0) {
		int r = ts_container_name_validate(value, err);
		if (r < 0)
			return r;
		st->name = ts_xstrdup(value);
		return 0;
	}
	if (strcmp(key, TS_ANN_STATE_DIR) == 0)
		return parse_state_dir(value, &st->state_dir, err);
	if (strcmp(key, TS_ANN_LOOPBACK_PORTS) == 0) {
		int r = ts_parse_port_list(value, &st->loopback_ports, &st->n_loopback_ports, err);
		return r < 0 ? ts_error_prefix(err, r, "annotation " TS_ANN_LOOPBACK_PORTS) : 0;
	}
	if (strcmp(key, TS_ANN_VERSION) == 0)
		return parse_version(value, &st->version, err);
	if (strcmp(key, TS_ANN_AUDIT_ENABLED) == 0)
		return parse_bool(key, value, &st->audit_enabled, err);
	if (strcmp(key, TS_ANN_INTERACTIVE) == 0)
		return parse_bool(key, value, &st->interactive, err);
	if (strcmp(key, TS_ANN_UPSTREAM_DNS) == 0)
		return parse_upstream_dns(value, &st->upstream_dns, err);
	if (strcmp(key, TS_ANN_DNS_TIER) == 0)
		return parse_dns_tier(value, &st->dns_tier, err);
	return 0;
}

static int parse_annotations(json_t *annotations, struct ts_oci_state *st, struct ts_error *err)
{
	if (!annotations)
		return 0;
	if (!json_is_object(annotations))
		return ts_error_set(err, EINVAL, "OCI state: 'annotations' is not an object");
	const char *key;
	json_t *value;
	json_object_foreach(annotations, key, value) {
		if (!ts_startswith(key, TS_ANN_PREFIX))
			continue;
		if (!json_is_string(value))
			return ts_error_set(err, EINVAL, "annotation %.64s is not a string", key);
		int r = parse_annotation(key, json_string_value(value), st, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_fields(json_t *doc, struct ts_oci_state *st, struct ts_error *err)
{
	if (!json_is_object(doc))
		return ts_error_set(err, EINVAL, "OCI state is not a JSON object");
	json_t *id = json_object_get(doc, "id");
	if (!json_is_string(id) || !id_ok(json_string_value(id)))
		return ts_error_set(err, EINVAL, "OCI state: missing or invalid container 'id'");
	st->id = ts_xstrdup(json_string_value(id));

	json_t *pid = json_object_get(doc, "pid");
	if (pid) {
		if (!json_is_integer(pid) || json_integer_value(pid) < 0 ||
		    json_integer_value(pid) > 4194304)
			return ts_error_set(err, EINVAL, "OCI state: invalid 'pid'");
		st->pid = (pid_t)json_integer_value(pid);
	}
	json_t *bundle = json_object_get(doc, "bundle");
	if (bundle) {
		const char *b = json_string_value(bundle);
		if (!b || b[0] != '/' || strlen(b) >= 4000)
			return ts_error_set(err, EINVAL, "OCI state: 'bundle' is not an absolute path");
		st->bundle = ts_xstrdup(b);
	}
	return parse_annotations(json_object_get(doc, "annotations"), st, err);
}

/* Capabilities that would let the container rewrite or bypass its own firewall. */
static const char *const net_caps[] = { "CAP_NET_ADMIN", "CAP_NET_RAW" };

static const char *forbidden_cap(json_t *caps)
{
	static const char *const sets[] = { "bounding", "effective", "permitted", "inheritable",
					    "ambient" };
	for (size_t s = 0; s < ARRAY_SIZE(sets); s++) {
		json_t *list = json_object_get(caps, sets[s]);
		size_t i;
		json_t *v;
		json_array_foreach(list, i, v)
			for (size_t c = 0; c < ARRAY_SIZE(net_caps); c++)
				if (json_is_string(v) && strcmp(json_string_value(v), net_caps[c]) == 0)
					return net_caps[c];
	}
	return NULL;
}

int ts_oci_bundle_check_caps(const char *bundle, struct ts_error *err)
{
	if (!bundle)
		return ts_error_set(err, EINVAL, "OCI state has no 'bundle' to check the container's "
				    "capabilities in");
	_cleanup_free_ char *path = ts_xasprintf("%s/config.json", bundle);
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = ts_file_read(path, &text, &len, err);
	if (r < 0)
		return r;
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, 0, &jerr);
	if (!doc)
		return ts_error_set(err, EINVAL, "%s: not JSON: %s", path, jerr.text);
	json_t *caps = json_object_get(json_object_get(doc, "process"), "capabilities");
	const char *cap = forbidden_cap(caps);
	json_decref(doc);
	if (cap)
		return ts_error_set(err, EPERM,
				    "the container keeps %s and could change its own firewall; do not "
				    "run it with --privileged or --cap-add NET_ADMIN/NET_RAW",
				    cap);
	return 0;
}

int ts_oci_state_parse(const char *json, size_t len, struct ts_oci_state *st,
		       struct ts_error *err)
{
	*st = (struct ts_oci_state){ .version = -1, .audit_enabled = true };
	json_error_t jerr;
	/* Without JSON_ALLOW_NUL, jansson refuses "\u0000": C strings stay whole. */
	json_t *doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return ts_error_set(err, EINVAL, "cannot parse the OCI state: %s (line %d)", jerr.text,
				    jerr.line);
	int r = parse_fields(doc, st, err);
	json_decref(doc);
	if (r < 0)
		ts_oci_state_clear(st);
	return r;
}
