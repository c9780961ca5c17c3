/* SPDX-License-Identifier: Apache-2.0 */
/* OCI state and terok.shield.* annotations as the hook receives them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "base/port.h"
#include "base/util.h"
#include "container/oci.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static int parse(const char *json, struct ts_oci_state *st, struct ts_error *err)
{
	return ts_oci_state_parse(json, strlen(json), st, err);
}

static void test_full_state(void **state)
{
	(void)state;
	const char *json =
		"{\"ociVersion\":\"1.0.2\",\"id\":\"" ID "\",\"status\":\"created\",\"pid\":4242,"
		"\"bundle\":\"/x\",\"annotations\":{"
		"\"io.podman.annotations.autoremove\":\"FALSE\","
		"\"terok.shield.profiles\":\"base:dev-standard\","
		"\"terok.shield.name\":\"agent-1\","
		"\"terok.shield.state_dir\":\"/home/u/.local/state/terok/shield/containers/agent-1\","
		"\"terok.shield.loopback_ports\":\"8080:9418:8080\","
		"\"terok.shield.version\":\"4\","
		"\"terok.shield.audit_enabled\":\"false\","
		"\"terok.shield.upstream_dns\":\"10.0.2.3\","
		"\"terok.shield.dns_tier\":\"dnsmasq\","
		"\"terok.shield.interactive\":\"true\"}}";
	struct ts_oci_state st;
	struct ts_error err = { 0 };
	if (parse(json, &st, &err) != 0)
		fail_msg("%s", err.message);
	assert_string_equal(st.id, ID);
	assert_int_equal(st.pid, 4242);
	assert_int_equal(st.profiles.n, 2);
	assert_string_equal(st.profiles.items[1], "dev-standard");
	assert_string_equal(st.name, "agent-1");
	assert_string_equal(st.state_dir, "/home/u/.local/state/terok/shield/containers/agent-1");
	assert_int_equal(st.n_loopback_ports, 2);
	assert_int_equal(st.loopback_ports[0], 8080);
	assert_int_equal(st.loopback_ports[1], 9418);
	assert_int_equal(st.version, 4);
	assert_false(st.audit_enabled);
	assert_true(st.interactive);
	assert_string_equal(st.upstream_dns, "10.0.2.3");
	assert_string_equal(st.dns_tier, "dnsmasq");
	ts_oci_state_clear(&st);
}

static void test_defaults(void **state)
{
	(void)state;
	struct ts_oci_state st;
	assert_int_equal(parse("{\"id\":\"" ID "\"}", &st, NULL), 0);
	assert_int_equal(st.pid, 0);
	assert_null(st.state_dir);
	assert_int_equal(st.version, -1);
	assert_true(st.audit_enabled);
	assert_false(st.interactive);
	assert_int_equal(st.n_loopback_ports, 0);
	ts_oci_state_clear(&st);
}

static void expect_error(const char *json, const char *reason)
{
	struct ts_oci_state st;
	struct ts_error err = { 0 };
	assert_int_equal(parse(json, &st, &err), -EINVAL);
	if (!strstr(err.message, reason))
		fail_msg("expected '%s' in '%s' for %s", reason, err.message, json);
	assert_null(st.id);
	assert_null(st.state_dir);
}

#define WITH(key, value) "{\"id\":\"" ID "\",\"pid\":1,\"annotations\":{\"" key "\":" value "}}"

static void test_rejects(void **state)
{
	(void)state;
	expect_error("", "cannot parse the OCI state");
	expect_error("{\"id\":", "cannot parse the OCI state");
	expect_error("[1]", "not a JSON object");
	expect_error("{}", "'id'");
	expect_error("{\"id\":\"short\"}", "'id'");
	expect_error("{\"id\":\"../../../../etc/x0000\"}", "'id'");
	expect_error("{\"id\":\"" ID "\",\"pid\":\"12\"}", "'pid'");
	expect_error("{\"id\":\"" ID "\",\"pid\":-1}", "'pid'");
	expect_error("{\"id\":\"" ID "\",\"pid\":99999999999}", "'pid'");
	expect_error("{\"id\":\"" ID "\",\"id\":\"" ID "\"}", "duplicate");
	expect_error("{\"id\":\"" ID "\",\"annotations\":[]}", "not an object");
	expect_error(WITH("terok.shield.state_dir", "\"relative/dir\""), "absolute");
	expect_error(WITH("terok.shield.state_dir", "\"/a/../../etc\""), "'..'");
	expect_error(WITH("terok.shield.state_dir", "7"), "not a string");
	expect_error(WITH("terok.shield.state_dir", "\"/a\\u0000/b\""), "cannot parse the OCI state");
	expect_error(WITH("terok.shield.version", "\"four\""), "not a number");
	expect_error(WITH("terok.shield.loopback_ports", "\"80:0\""), "invalid port '0'");
	expect_error(WITH("terok.shield.loopback_ports", "\"80,443\""), "invalid port");
	expect_error(WITH("terok.shield.loopback_ports", "\"70000\""), "invalid port");
	expect_error(WITH("terok.shield.loopback_ports", "\"80::443\""), "invalid port");
	expect_error(WITH("terok.shield.audit_enabled", "\"yes\""), "expected true or false");
	expect_error(WITH("terok.shield.interactive", "\"TRUE\""), "expected true or false");
	expect_error(WITH("terok.shield.upstream_dns", "\"10.0.2.3; flush ruleset\""), "not an IP address");
	expect_error(WITH("terok.shield.upstream_dns", "\"10.0.2.0/24\""), "not an IP address");
	expect_error(WITH("terok.shield.dns_tier", "\"nsenter\""), "expected shield, dnsmasq, dig or getent");
	expect_error(WITH("terok.shield.name", "\"../x\""), "invalid container name");
	expect_error(WITH("terok.shield.profiles", "\"base:../etc\""), "terok.shield.profiles");
}

static void test_port_list(void **state)
{
	(void)state;
	uint16_t *ports;
	size_t n;
	assert_int_equal(ts_parse_port_list("", &ports, &n, NULL), 0);
	assert_int_equal(n, 0);
	assert_null(ports);
	assert_int_equal(ts_parse_port_list("65535:1", &ports, &n, NULL), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ports[0], 65535);
	assert_int_equal(ports[1], 1);
	free(ports);
	assert_int_equal(ts_parse_port_list("08", &ports, &n, NULL), -EINVAL);
	assert_int_equal(ts_parse_port_list(":", &ports, &n, NULL), -EINVAL);
	assert_int_equal(ts_parse_port_list("80:", &ports, &n, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_state),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_port_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
