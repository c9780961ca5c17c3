#!/usr/bin/env bash
# `terok-shield list` over 50 prepared containers of a rootless podman user
# against a bare `podman ps -a` of the same user, in one run (issue: list
# costs at most 2x a bare podman ps). The 50: RUNNING (default 10) running shielded
# containers (each shield state read in its namespace), the rest half
# created and never started (podman has them), half prepared only (gone).
#
# Run as root: prepares the machine as tests/podman/test-podman.sh does (a
# user with subuid/subgid, runc, lowered ulimits, /dev/net/tun 0666, a
# busybox-static rootfs, no registry). Times each command from python
# (posix_spawn + waitpid), the two alternating, 50 ms apart. Sends no
# packets. Prints figures; exits 0 unless it could not run at all.
set -uo pipefail

BENCH_USER=ts-bench-list
TOTAL=50
RUNNING=${BENCH_LIST_RUNNING:-10}

skip() { echo "bench-list-rootless: skipped: $*"; exit 0; }
die() { echo "bench-list-rootless: $*" >&2; exit 1; }

. "$(dirname "$0")/../tests/podman/rootless-user.sh"
why=$(rootless_missing)
[ -z "$why" ] || skip "$why"
[[ "$RUNNING" =~ ^[0-9]+$ ]] && [ "$RUNNING" -le "$TOTAL" ] || die "BENCH_LIST_RUNNING must be 0..$TOTAL"
: "${TS_TEST_CLI:?}" "${TS_TEST_HOOK:?}" "${TS_TEST_PROFILES_DIR:?}"

rootless_user "$BENCH_USER" 600000 || skip "cannot create user $BENCH_USER"
cleanup() {
	as_user podman rm -a -f -t 0 >/dev/null 2>&1
	rootless_user_done
}
trap cleanup EXIT
as_user podman rm -a -f -t 0 >/dev/null 2>&1
rootless_user_reset sleep || skip "cannot prepare $BENCH_USER's environment"
out=$(as_user "$TS" setup --user 2>&1) || die "setup --user failed: $out"

created=$(( (TOTAL - RUNNING + 1) / 2 ))
for i in $(seq 1 "$TOTAL"); do
	name=$(printf 'bench-list-%02d' "$i")
	if [ "$i" -le "$RUNNING" ]; then
		out=$(as_user "$TS" run "$name" -- -d --rootfs "$ROOTFS" /bin/sleep 3600 2>&1)
	elif [ "$i" -le $((RUNNING + created)) ]; then
		out=$(as_user bash -c 'podman create $("$1" prepare "$2") --rootfs "$3" /bin/sleep 1' \
			_ "$TS" "$name" "$ROOTFS" 2>&1)
	else
		out=$(as_user "$TS" prepare "$name" 2>&1)
	fi
	[ $? -eq 0 ] || die "$name: $out"
done
listed=$(as_user "$TS" list 2>&1) || die "list failed: $listed"
counts=$(awk 'NR > 1 { n[$2 "/" $3]++ } END { for (k in n) printf "%s %s, ", n[k], k }' <<<"$listed")
[ "$(grep -c ' error ' <<<"$listed")" -eq 0 ] || die "list shows errors: $listed"

as_user python3 - "$TS" <<'EOF_PY'
import os, sys, time

ts = sys.argv[1]
GAP = 0.05
devnull = os.open(os.devnull, os.O_RDWR)
quiet = [(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1),
         (os.POSIX_SPAWN_DUP2, devnull, 2)]

def timed(argv):
    t0 = time.perf_counter()
    child = os.posix_spawnp(argv[0], argv, os.environ, file_actions=quiet)
    _, status = os.waitpid(child, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("%s failed" % " ".join(argv))
    return (time.perf_counter() - t0) * 1000.0

lists, pss, ratios = [], [], []
timed([ts, "list"]); timed(["podman", "ps", "-a"])  # warm-up
for _ in range(15):
    time.sleep(GAP)
    a = timed([ts, "list"])
    time.sleep(GAP)
    b = timed(["podman", "ps", "-a"])
    lists.append(a); pss.append(b); ratios.append(a / b)
med = lambda v: sorted(v)[len(v) // 2]
r = med(ratios)
print("bench-list-rootless: list %.1f ms, podman ps -a %.1f ms (medians of %d, alternating);"
      " ratio %.2f (median of pairs; target <= 2: %s)"
      % (med(lists), med(pss), len(lists), r, "met" if r <= 2.0 else "NOT met"))
print("  min/max: list %.1f/%.1f, podman ps -a %.1f/%.1f, ratio %.2f/%.2f"
      % (min(lists), max(lists), min(pss), max(pss), min(ratios), max(ratios)))
EOF_PY
rc=$?
echo "  50 bundles: ${counts%, }"
[ $rc -eq 0 ] || die "the measurement could not run (python exited $rc)"
exit 0
