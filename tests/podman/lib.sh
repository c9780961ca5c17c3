# Sourced by the tests/podman suites: TAP counting, and the rootless
# podman user of rootless-user.sh.
. "$(dirname "${BASH_SOURCE[0]}")/rootless-user.sh"

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
# Every line of every detail is a TAP comment, however many lines a detail has.
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; [ $# -eq 0 ] || printf '%s\n' "$@" | sed 's/^/# /'; }
check() { # check DESCRIPTION COMMAND...: ok when the command succeeds
	local desc=$1; shift
	local out
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$(printf '%s' "$out" | tail -5)"; fi
}
