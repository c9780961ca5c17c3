/* SPDX-License-Identifier: Apache-2.0 */
/* The interactive session's input: JSON-lines verdicts and human answers (docs/interactive.md). */
#include "base/util.h"
#include "base/scope.h"
#include "control/verdict.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ts_verdict v = { .id = 0, .action = TS_VERDICT_DENY };
	struct ts_error err = { 0 };
	int r = ts_verdict_parse((const char *)data, size, &v, &err);
	FUZZ_CHECK(r == 0 || r == -EINVAL);
	if (r == 0) {
		FUZZ_CHECK(v.id >= 1);
		FUZZ_CHECK(v.action == TS_VERDICT_ACCEPT || v.action == TS_VERDICT_DENY);
		FUZZ_CHECK(size <= TS_VERDICT_LINE_MAX);
		/* What the session answers with is one compact JSON line. */
		char *line = ts_verdict_applied_line(v.id, "192.0.2.1", v.action, true);
		FUZZ_CHECK(strchr(line, '\n') == line + strlen(line) - 1);
		free(line);
	} else {
		/* The message goes to a terminal: one line, no control bytes from the input. */
		FUZZ_CHECK(v.id == 0 && err.message[0]);
		fuzz_check_message(err.message, sizeof(err.message));
	}
	char *text = fuzz_cstr(data, size);
	struct ts_verdict h = { .id = 7, .action = (enum ts_verdict_action)99 };
	r = ts_verdict_answer_parse(text, &h, NULL);
	/* A human answer sets all but the id; a refused one leaves the verdict as it was. */
	FUZZ_CHECK((r == 0 && h.id == 7 && (h.action == TS_VERDICT_ACCEPT || h.action == TS_VERDICT_DENY) &&
		    (h.action == TS_VERDICT_ACCEPT || (!h.port_scope && h.seconds == 0)) &&
		    h.seconds >= 0 && h.seconds <= TS_SCOPE_MAX_SECONDS) ||
		   (r == -EINVAL && h.id == 7 && h.action == (enum ts_verdict_action)99));
	free(text);
	return 0;
}
