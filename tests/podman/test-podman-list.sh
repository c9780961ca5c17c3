#!/usr/bin/env bash
# list against real rootless podman (docs/environment.md), TAP output. Run
# as root: prepares a rootless podman user as test-podman.sh does, then, as
# that user, runs ten shielded containers and leaves them in mixed states
# (running with the shield up, down and down --all; stopped; removed), and
# checks what `list` and `list --json` say of each against podman and
# `status NAME`, with podman asked once for the whole list; then one is
# blocked (list says block) and put up again. No traffic:
# allow and deny take addresses, nothing is resolved or sent.
set -uo pipefail

LIST_USER=ts-podman-list
RUNNING="l-up1 l-up2 l-down l-downall"
STOPPED="l-stop1 l-stop2 l-stop3"
REMOVED="l-gone1 l-gone2 l-gone3"

. "$(dirname "$0")/lib.sh"
why=$(rootless_missing)
[ -z "$why" ] || skip_all "$why"
: "${TS_TEST_CLI:?}" "${TS_TEST_HOOK:?}" "${TS_TEST_PROFILES_DIR:?}"

# ---- the machine, as docs/environment.md describes it; its own user (suites may run at once) ----
rootless_user "$LIST_USER" 500000 || skip_all "cannot create user $LIST_USER"

remove_containers() {
	local c
	for c in $RUNNING $STOPPED $REMOVED; do as_user podman rm -f -t 0 "$c" >/dev/null 2>&1; done
}
cleanup() {
	remove_containers
	rootless_user_done
}
trap cleanup EXIT
remove_containers
rootless_user_reset sleep || skip_all "cannot prepare $LIST_USER's environment"
as_user "$TS" setup --user >/dev/null 2>&1 || skip_all "setup --user failed"

# podman, logging each call the user's commands make, then the real one.
mkdir -p "$WORK/bin"
printf '#!/bin/sh\necho "$*" >> %s/calls\nexec /usr/bin/podman "$@"\n' "$WORK" >"$WORK/bin/podman"
chmod 0755 "$WORK/bin/podman"
: >"$WORK/calls" && chmod 0666 "$WORK/calls"
logged() { as_user env PATH="$WORK/bin:/usr/local/bin:/usr/bin:/bin" "$@"; }

echo "1..28"

# ---- ten containers in mixed states ----
started=0
for c in $RUNNING $STOPPED $REMOVED; do
	as_user "$TS" run "$c" -- -d --rootfs "$ROOTFS" /bin/sleep 600 >/dev/null 2>&1 && started=$((started + 1))
done
check "ten shielded containers start" test "$started" -eq 10
check "down and down --all" as_user sh -c "'$TS' down l-down && '$TS' down --all l-downall"
check "allow and deny on a running container" as_user sh -c \
	"'$TS' allow l-up2 192.0.2.44 && '$TS' allow l-up2 2001:db8::44 && '$TS' deny l-up2 198.51.100.7"
check "allow on a stopped container" as_user sh -c \
	"podman stop -t 0 $STOPPED >/dev/null && '$TS' allow l-stop1 192.0.2.45"
check "three removed" as_user podman rm -f -t 0 $REMOVED

# ---- list ----
listed=$(logged "$TS" list 2>"$WORK/list.err")
rc=$?
check "list exits 0" test "$rc" -eq 0
check "podman was asked once, with ps -a" test "$(cat "$WORK/calls")" = "ps -a --format json"
check "nothing on stderr" test ! -s "$WORK/list.err"
row_is() { # NAME CONTAINER SHIELD; every container is in the default DNS tier, shield, strict
	grep -qE "^$1 +$2 +$3 +shield/strict +offline +[0-9]+ +[0-9]+$" <<<"$listed"
}
expect_row() {
	if row_is "$@"; then ok "$1: $2, shield $3"; else not_ok "$1: $2, shield $3" "$listed" "$(cat "$WORK/list.err")"; fi
}
check "a header and ten lines" test "$(wc -l <<<"$listed")" -eq 11
expect_row l-up1 running up
expect_row l-down running down
expect_row l-downall running down_all
expect_row l-stop2 stopped inactive
expect_row l-gone1 gone inactive
all_rows() {
	local c
	for c in $RUNNING; do row_is "$c" running '(up|down|down_all)' || return 1; done
	for c in $STOPPED; do row_is "$c" stopped inactive || return 1; done
	for c in $REMOVED; do row_is "$c" gone inactive || return 1; done
}
check "every container has its state" all_rows
same_as_status() { # the shield column is what status NAME says
	local c s
	for c in $RUNNING $STOPPED; do
		s=$(as_user "$TS" status "$c") || return 1
		grep -qE "^$c +[a-z]+ +$s " <<<"$listed" || { echo "$c: status says $s"; return 1; }
	done
}
check "the shield column agrees with status NAME" same_as_status
if grep -qE '^l-up2 +running +up +shield/strict +offline +2 +1$' <<<"$listed"; then
	ok "allows and denies in force are counted"; else not_ok "allows and denies in force are counted" "$listed"; fi

: >"$WORK/calls"
json=$(logged "$TS" list --json 2>&1)
check "list --json: one podman call" test "$(cat "$WORK/calls")" = "ps -a --format json"
json_ok() {
	python3 - "$json" <<'PY'
import json, sys
doc = json.loads(sys.argv[1])
by = {e["name"]: e for e in doc}
assert sorted(by) == sorted(e["name"] for e in doc) == [e["name"] for e in doc], "sorted by name"
assert len(doc) == 10, doc
want = {"l-up1": ("running", "up"), "l-up2": ("running", "up"), "l-down": ("running", "down"),
        "l-downall": ("running", "down_all"), "l-stop1": ("stopped", "inactive"),
        "l-gone3": ("gone", "inactive")}
for name, (container, shield) in want.items():
    assert (by[name]["container"], by[name]["shield"]) == (container, shield), by[name]
for e in doc:
    assert e["error"] is None and e["dns_tier"] == "shield" and e["dns_policy"] == "strict" and e["profiles"] == ["offline"], e
assert by["l-up2"]["allows"] == {"plain": 2, "scoped": 0, "timed": 0}, by["l-up2"]
assert by["l-up2"]["denies"]["plain"] == 1 and by["l-stop1"]["allows"]["plain"] == 1
PY
}
check "list --json: every container's state, counts and profiles" json_ok

# ---- block: list shows it, up lifts it ----
check "block on a running container" as_user "$TS" block l-up2
listed=$(logged "$TS" list 2>"$WORK/list.err")
expect_row l-up2 running block
check "status says block" test "$(as_user "$TS" status l-up2)" = block
check "up lifts the block" as_user "$TS" up l-up2
listed=$(logged "$TS" list 2>"$WORK/list.err")
expect_row l-up2 running up

# ---- a running container started without the hook's record, and forget ----
state=$HOME_DIR/.local/state/terok/shield/containers
as_user mv "$state/l-up1/container.pid" "$state/l-up1/container.pid.kept"
out=$(logged "$TS" list 2>&1)
as_user mv "$state/l-up1/container.pid.kept" "$state/l-up1/container.pid"
if grep -qE '^l-up1 +running +error ' <<<"$out" && grep -q "warning: l-up1: podman runs it" <<<"$out"; then
	ok "running without a recorded start: an error row that says why"
else
	not_ok "running without a recorded start: an error row that says why" "$out"
fi
check "forget removes a gone container's state" as_user "$TS" forget l-gone2
out=$(as_user "$TS" ls 2>&1)
check "ls no longer lists it" bash -c "! grep -q '^l-gone2 ' <<<'$out'"
check "and lists the nine others" test "$(wc -l <<<"$out")" -eq 10

echo "# list:"
as_user "$TS" list 2>&1 | sed 's/^/#   /'
[ "$failed" -eq 0 ]
