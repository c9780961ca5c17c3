/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The interactive JSON-lines protocol and the human answers
 * (docs/interactive.md): parsing what an operator (or a program, or the
 * D-Bus bridge) sends, and formatting what the session prints. Pure: no I/O.
 */
#ifndef TS_VERDICT_H
#define TS_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ts_error;

/* Longest input line taken; a longer one is refused as a whole. */
#define TS_VERDICT_LINE_MAX 4096

enum ts_verdict_action { TS_VERDICT_ACCEPT, TS_VERDICT_DENY };

struct ts_verdict {
	uint64_t id; /* the pending entry's id, >= 1 */
	enum ts_verdict_action action;
	/* accept only (docs/cli.md, scoped and timed allows): */
	long seconds;    /* for this long (base/scope.h); 0: for good */
	bool port_scope; /* only the refused connection's protocol and port */
};

/*
 * One input line (len bytes, without its newline):
 * {"type":"verdict","id":N,"action":"accept"|"deny"}, with an accept
 * optionally "for":"30m" (^[0-9]+[smhd]$) and "scope":"port" (or
 * "address", the default). id is a JSON integer >= 1; other keys are
 * ignored. Anything else (for or scope with deny included) is -EINVAL
 * with err saying what is wrong, and v untouched.
 */
int ts_verdict_parse(const char *line, size_t len, struct ts_verdict *v, struct ts_error *err);

/*
 * A human answer: a, allow, d or deny in any case, blanks around ignored;
 * after a or allow, "port" and a duration may follow (a port 30m, a 30m).
 * -EINVAL with err naming the answer for anything else. Sets all of v but id.
 */
int ts_verdict_answer_parse(const char *text, struct ts_verdict *v, struct ts_error *err);

/* "accept" or "deny". */
const char *ts_verdict_action_name(enum ts_verdict_action a);

/*
 * {"type":"pending","id":1,"dest":…,"port":443,"proto":6,"domain":…} and a
 * newline; a destination in a private range ends with ,"private":true
 * (the key is left out for any other, so their lines stay as they were).
 */
char *ts_verdict_pending_line(uint64_t id, const char *dest, unsigned port, unsigned proto,
			      const char *domain, bool private_range);

/* {"type":"verdict_applied","id":1,"dest":…,"action":"accept","ok":true} and a newline. */
char *ts_verdict_applied_line(uint64_t id, const char *dest, enum ts_verdict_action a, bool ok);

#endif
