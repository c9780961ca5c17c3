#!/usr/bin/env python3
"""Count test cases across meson test logs and print 'N passed, N failed, N skipped'.

Each TAP line is one case (cmocka and the shell tests speak TAP); a test
that printed no TAP counts as one case. A "# skipped NAME: why" line is a
skipped case: a test left out of the plan, or one that ended early for a
missing prerequisite, whose "ok N - NAME" then does not count as passed
(cmocka's own skip() prints "not ok # SKIP", which meson fails). A test whose process failed counts
as failed even when its cases passed (a sanitizer report after the last case).
Exits non-zero when anything failed or a log is missing.
"""
import json
import re
import sys

TAP = re.compile(r"^(not ok|ok)\b(.*)$")
SKIP_ALL = re.compile(r"^1\.\.0\s*#\s*skip", re.IGNORECASE)
SKIPPED = re.compile(r"^# skipped (\S+):")


def count(log_path, totals):
    with open(log_path) as log:
        for line in log:
            test = json.loads(line)
            passed = failed = skipped = 0
            stdout = test.get("stdout") or ""
            lines = stdout.splitlines()
            skipped_names = {m.group(1) for m in map(SKIPPED.match, lines) if m}
            skipped += len(skipped_names)
            for out in lines:
                m = TAP.match(out)
                if m and m.group(1) == "ok" and m.group(2).split(" - ", 1)[-1].strip() in skipped_names:
                    continue
                if SKIP_ALL.match(out):
                    skipped += 1
                elif m and re.search(r"#\s*skip", m.group(2), re.IGNORECASE):
                    skipped += 1
                elif m:
                    passed += m.group(1) == "ok"
                    failed += m.group(1) == "not ok"
            result = test["result"]
            if passed + failed + skipped == 0:
                passed, failed, skipped = result == "OK", result not in ("OK", "SKIP"), result == "SKIP"
            elif result not in ("OK", "SKIP") and failed == 0:
                failed = 1
            totals[0] += passed
            totals[1] += failed
            totals[2] += skipped


def main():
    totals = [0, 0, 0]
    missing = False
    for path in sys.argv[1:]:
        try:
            count(path, totals)
        except OSError as e:
            print(f"missing test log: {e}", file=sys.stderr)
            missing = True
    print(f"{totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
    return 1 if totals[1] or missing or totals[0] == 0 else 0


sys.exit(main())
