/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The D-Bus bridge's parsers: a line from the interactive session, and a
 * Verdict's request_id. What they accept is what reaches a D-Bus message
 * or the session's stdin, so it must be canonical and in range.
 */
#include <inttypes.h>

#include "base/util.h"
#include "bridge/bridge_proto.h"
#include "fuzz.h"

static void check_event(const char *text)
{
	struct ts_bridge_event ev;
	struct ts_error err = { 0 };
	if (ts_bridge_event_parse(text, &ev, &err) < 0) {
		FUZZ_CHECK(err.code > 0);
		fuzz_check_message(err.message, sizeof(err.message));
		return;
	}
	FUZZ_CHECK(ev.id >= 0 && ev.proto <= 255);
	fuzz_check_text(ev.dest, sizeof(ev.dest));
	char again[TS_ADDR_STRLEN];
	FUZZ_CHECK(ts_addr_canonicalize(ev.dest, again, NULL) == 0 && strcmp(again, ev.dest) == 0);
	FUZZ_CHECK(!strchr(ev.dest, '/'));
	fuzz_check_text(ev.domain, sizeof(ev.domain));
	if (ev.domain[0]) {
		char norm[TS_DOMAIN_BUFLEN];
		FUZZ_CHECK(ts_domain_normalize(ev.domain, norm, NULL) == 0 &&
			   strcmp(norm, ev.domain) == 0);
	}
	/* The id makes a request_id that parses back to it. */
	char *rid = ts_bridge_request_id("c", ev.id);
	int64_t id;
	FUZZ_CHECK(ts_bridge_request_id_parse(rid, "c", &id, NULL) == 0 && id == ev.id);
	free(rid);
}

static void check_request_id(const char *text)
{
	int64_t id;
	struct ts_error err = { 0 };
	if (ts_bridge_request_id_parse(text, "ctest", &id, &err) < 0) {
		FUZZ_CHECK(err.code > 0);
		fuzz_check_message(err.message, sizeof(err.message));
		return;
	}
	FUZZ_CHECK(id >= 0 && ts_startswith(text, "ctest:"));
	const struct ts_bridge_action accept = { .accept = true };
	char *line = ts_bridge_verdict_line(id, &accept);
	char expected[64];
	snprintf(expected, sizeof(expected), "{\"type\":\"verdict\",\"id\":%" PRId64
		 ",\"action\":\"accept\"}\n", id);
	FUZZ_CHECK(strcmp(line, expected) == 0);
	free(line);
}

/* A D-Bus Verdict action: refused with a message, or a line that names it. */
static void check_action(const char *text)
{
	struct ts_bridge_action a;
	struct ts_error err = { 0 };
	if (ts_bridge_verdict_action_parse(text, &a, &err) < 0) {
		FUZZ_CHECK(err.code > 0);
		fuzz_check_message(err.message, sizeof(err.message));
		return;
	}
	FUZZ_CHECK(ts_startswith(text, a.accept ? "accept" : "deny"));
	char *line = ts_bridge_verdict_line(1, &a);
	FUZZ_CHECK(strstr(line, a.accept ? "\"accept\"" : "\"deny\"") != NULL);
	FUZZ_CHECK(!a.port || strstr(line, "\"scope\":\"port\"") != NULL);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	check_event(text);
	check_request_id(text);
	check_action(text);
	free(text);
	return 0;
}
