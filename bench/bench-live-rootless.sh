#!/usr/bin/env bash
# `terok-shield allow NAME IP` on a running rootless podman container, end
# to end (the container.pid path), against the reference way of making the
# same live change: `podman unshare nsenter -t PID -n nft add element …`
# (issue 5: allow <= 15 ms median and <= 1/10 of the reference).
#
# Run as root: prepares the machine as tests/podman/test-podman.sh does (a
# user with subuid/subgid, runc, lowered ulimits, /dev/net/tun 0666, a
# busybox-static rootfs, no registry), then, as that user, runs one
# shielded container and times each command from python (posix_spawn +
# waitpid), 50 ms between runs, every run with a fresh address. Sends no
# packets. Prints figures; exits 0 unless it could not run at all.
set -uo pipefail

# Its own user: test-podman.sh wipes ts-podman-e2e's shield state, and the
# two may run at once on one machine.
BENCH_USER=ts-bench-rootless
NAME=bench-live
NFT=/usr/sbin/nft

skip() { echo "bench-live-rootless: skipped: $*"; exit 0; }
die() { echo "bench-live-rootless: $*" >&2; exit 1; }

. "$(dirname "$0")/../tests/podman/rootless-user.sh"
why=$(rootless_missing nsenter)
[ -z "$why" ] || skip "$why"
[ -x "$NFT" ] || skip "$NFT is not installed"
: "${TS_TEST_CLI:?}" "${TS_TEST_HOOK:?}" "${TS_TEST_PROFILES_DIR:?}"

# ---- the machine, as in tests/podman/test-podman.sh ----
rootless_user "$BENCH_USER" 400000 || skip "cannot create user $BENCH_USER"

cleanup() {
	as_user podman rm -f -t 0 "$NAME" >/dev/null 2>&1
	rootless_user_done
}
trap cleanup EXIT

as_user podman rm -f -t 0 "$NAME" >/dev/null 2>&1
rootless_user_reset sleep || skip "cannot prepare $BENCH_USER's environment"

out=$(as_user "$TS" setup --user 2>&1) || die "setup --user failed: $out"
out=$(as_user "$TS" run "$NAME" -- -d --rootfs "$ROOTFS" /bin/sleep 600 2>&1) ||
	die "run failed: $out"
PID=$(as_user podman inspect -f '{{.State.Pid}}' "$NAME" 2>/dev/null)
[[ "$PID" =~ ^[1-9][0-9]*$ ]] || die "no PID for $NAME"
[ -f "$HOME_DIR/.local/state/terok/shield/containers/$NAME/container.pid" ] ||
	echo "bench-live-rootless: note: no container.pid, allow/deny will ask podman for the PID"

# ---- the measurement, as the user ----
as_user python3 - "$TS" "$NAME" "$PID" "$NFT" <<'EOF'
import os, sys, time

ts, name, pid, nft = sys.argv[1:]
GAP = 0.05
devnull = os.open(os.devnull, os.O_RDWR)
quiet = [(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1),
         (os.POSIX_SPAWN_DUP2, devnull, 2)]
failures = []

def timed(argv):
    t0 = time.perf_counter()
    child = os.posix_spawnp(argv[0], argv, os.environ, file_actions=quiet)
    _, status = os.waitpid(child, 0)
    ms = (time.perf_counter() - t0) * 1000.0
    rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        failures.append("%s exited %d" % (" ".join(argv), rc))
    return ms

def series(runs, make_argv):
    v = []
    for i in range(runs):
        time.sleep(GAP)
        v.append(timed(make_argv(i)))
    return sorted(v)

def med(v):
    return v[len(v) // 2]

base = series(31, lambda i: ["/bin/true"])
allow = series(31, lambda i: [ts, "allow", name, "198.18.1.%d" % (i + 1)])
deny = series(31, lambda i: [ts, "deny", name, "198.19.1.%d" % (i + 1)])
# The reference last: each allow or deny replaces the sets with what the files say.
ref = series(15, lambda i: ["podman", "unshare", "nsenter", "-t", pid, "-n", nft, "add",
                            "element", "inet", "terok_shield", "allow_v4",
                            "{ 192.0.2.%d }" % (i + 1)])

a, d, r, b = med(allow), med(deny), med(ref), med(base)
met = a <= 15.0 and a <= r / 10.0
print("bench-live-rootless: median, runs %d ms apart, container PID %s" % (GAP * 1000, pid))
print("rootless allow IP: median %.1f ms; deny IP: %.1f ms; podman unshare nsenter nft add element:"
      " %.1f ms; ratio %.3f (target <= 0.10 and allow <= 15 ms: %s); spawn overhead %.1f ms"
      % (a, d, r, a / r, "met" if met else "NOT met", b))
print("  min/max: allow %.1f/%.1f (%d runs), deny %.1f/%.1f (%d), reference %.1f/%.1f (%d),"
      " /bin/true %.2f/%.2f (%d) ms"
      % (allow[0], allow[-1], len(allow), deny[0], deny[-1], len(deny), ref[0], ref[-1], len(ref),
         base[0], base[-1], len(base)))
for f in failures[:5]:
    print("  FAILED: " + f)
if failures:
    print("  %d command(s) failed: the figures above include them" % len(failures))
EOF
rc=$?
[ $rc -eq 0 ] || die "the measurement could not run (python exited $rc)"
# The changes are really in the container's sets.
for want in allow_v4:198.18.1.31 allow_v4:192.0.2.15 deny_v4:198.19.1.31; do
	set_text=$(nsenter -n -t "$PID" "$NFT" list set inet terok_shield "${want%%:*}" 2>&1)
	grep -qF "${want#*:}" <<<"$set_text" || echo "  NOTE: ${want#*:} is not in ${want%%:*} after the runs"
done
exit 0
