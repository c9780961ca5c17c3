#!/usr/bin/env bash
# End to end against real rootless podman (docs/environment.md), TAP output. Run as
# root: prepares the machine (a test user with subuid/subgid, runc,
# lowered ulimits, /dev/net/tun, a busybox-static rootfs, no registry),
# then, as that user, sets the hook up, runs shielded containers and
# checks what their connections do. Traffic goes only to host loopback
# services this script starts (reached from a container as 10.0.2.2), and,
# for the shield DNS tier end to end, to a fake upstream resolver and a
# service in a network namespace the script makes, with podman itself
# run in it (as `ip netns exec` would, rootless-user.sh in_netns) so no
# name can reach the machine's resolver.
set -uo pipefail

E2E_USER=ts-podman-e2e
PORT_OPEN=38080   # listed in loopback_ports
PORT_SHUT=38081   # not listed
PLAN=58
DNS_NS=ts-podman-dns$$  # the shield-tier part runs podman in this namespace
PORT_NS=38090      # its service at the fake upstream's answer for allowed.test

. "$(dirname "$0")/lib.sh"
why=$(rootless_missing)
[ -z "$why" ] || skip_all "$why"
: "${TS_TEST_CLI:?}" "${TS_TEST_HOOK:?}" "${TS_TEST_PROFILES_DIR:?}"

# ---- the machine, as docs/environment.md describes it ----
rootless_user "$E2E_USER" 300000 || skip_all "cannot create user $E2E_USER"
STATE="$HOME_DIR/.local/state/terok/shield/containers"

remove_containers() {
	local c
	for c in e2e-run e2e-eval e2e-bad e2e-rep e2e-fail e2e-dns; do
		as_user podman rm -f -t 0 "$c" >/dev/null 2>&1
	done
}
cleanup() {
	remove_containers
	# podman's pause process may have been made inside the namespace: end it with it.
	[ -n "${AS_USER_NETNS:-}" ] && as_user podman system migrate >/dev/null 2>&1
	unset AS_USER_NETNS
	[ -n "${NS_PIDS:-}" ] && kill $NS_PIDS 2>/dev/null
	ip netns del "$DNS_NS" 2>/dev/null
	rm -rf "/etc/netns/$DNS_NS"
	[ -n "${MADE_ETC_NETNS:-}" ] && rmdir /etc/netns 2>/dev/null
	[ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null
	rootless_user_done
}
trap cleanup EXIT

# A fresh start for the user: no containers of an earlier run, podman
# settings, no earlier shield state, a rootfs.
remove_containers
rootless_user_reset sh nc sleep cat echo nslookup &&
	as_user sh -c 'printf "loopback_ports: [%s]\n" "$1" >> ~/.config/terok/shield/config.yml' _ "$PORT_OPEN" || skip_all "cannot prepare $E2E_USER's environment"

# Host loopback services, one per port, answering "hello PORT".
python3 - "$PORT_OPEN" "$PORT_SHUT" <<'EOF' &
import socket, sys, threading
def serve(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    while True:
        c, _ = s.accept()
        c.sendall(b"hello %d\n" % port)
        c.close()
for p in sys.argv[1:]:
    threading.Thread(target=serve, args=(int(p),), daemon=True).start()
threading.Event().wait()
EOF
SERVER_PID=$!
for _ in $(seq 50); do
	python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $PORT_SHUT), 1)" 2>/dev/null && break
	sleep 0.1
done

echo "1..$PLAN"

# ---- a failed prepare in the documented pattern starts nothing (issue 15, item 6) ----
# `podman run $(terok-shield prepare NAME) ...`: when prepare fails, its output
# must make podman refuse, or podman starts a plain, unshielded container
# (under a name of its own: the --name was in prepare's output).
containers_now() { as_user podman ps -a -q | wc -l; }
container_ids() { as_user podman ps -a -q --no-trunc | LC_ALL=C sort; }
# The containers that appeared since BEFORE-IDS, removed again (a regressed build starts them).
stray_containers() {
	local id new
	new=$(LC_ALL=C comm -13 <(echo "$1") <(container_ids))
	for id in $new; do as_user podman rm -f -t 0 "$id" >/dev/null 2>&1; done
	echo $new
}
fail_closed() { # DESCRIPTION EXPECTED-CAUSE PREPARE-ARGS...: the pattern with a failing prepare
	local desc=$1 cause=$2 before out rc stray
	shift 2
	before=$(container_ids)
	out=$(as_user bash -c 'ts=$1 rootfs=$2; shift 2; podman run $("$ts" prepare "$@") -d --rootfs "$rootfs" /bin/sleep 600' \
		_ "$TS" "$ROOTFS" "$@" 2>&1)
	rc=$?
	stray=$(stray_containers "$before")
	if [ $rc -ne 0 ] && [ -z "$stray" ] && grep -q -- "--terok-shield-prepare-failed" <<<"$out" &&
		grep -q -- "$cause" <<<"$out"; then
		ok "$desc"
	else
		not_ok "$desc" "rc=$rc, containers started: ${stray:-none}" "$out"
	fi
}
fail_closed "before setup: podman run \$(terok-shield prepare NAME) creates no container" \
	"hook is not installed" e2e-fail

# ---- setup and check-environment ----
check "setup --user installs the hook" as_user "$TS" setup --user
check "hooks dir holds the hook and both descriptors" as_user test -x "$HOME_DIR/.local/share/containers/oci/hooks.d/terok-shield-hook" \
	-a -f "$HOME_DIR/.local/share/containers/oci/hooks.d/terok-shield-createRuntime.json" \
	-a -f "$HOME_DIR/.local/share/containers/oci/hooks.d/terok-shield-poststop.json"
conf=$(cat "$HOME_DIR/.config/containers/containers.conf")
if grep -q "$HOME_DIR/.local/share/containers/oci/hooks.d" <<<"$conf" && grep -q 'runtime = "runc"' <<<"$conf" &&
	grep -q '/usr/share/containers/oci/hooks.d' <<<"$conf"; then
	ok "containers.conf gains the hooks dir and keeps the rest"
else
	not_ok "containers.conf gains the hooks dir and keeps the rest" "$conf"
fi
out=$(as_user "$TS" check-environment 2>&1)
if [ $? -eq 0 ] && grep -q '^health=ok$' <<<"$out" && grep -q '^hooks=global-user$' <<<"$out"; then
	ok "check-environment reports health=ok"
else
	not_ok "check-environment reports health=ok" "$out"
fi

fail_closed "an unknown profile: podman run \$(terok-shield prepare NAME) creates no container" \
	"unknown profile 'nosuch'" e2e-fail --profiles nosuch
before=$(container_ids)
out=$(as_user bash -c "eval \"podman run \$(\"$TS\" prepare e2e-fail --profiles nosuch) -d --rootfs '$ROOTFS' /bin/sleep 600\"" 2>&1)
rc=$?
stray=$(stray_containers "$before")
if [ $rc -ne 0 ] && [ -z "$stray" ]; then
	ok "an unknown profile: the eval form creates no container either"
else
	not_ok "an unknown profile: the eval form creates no container either" "rc=$rc, containers started: ${stray:-none}" "$out"
fi

# ---- run: a shielded container reaches only the allowed loopback port ----
nc_from() { as_user podman exec "$1" nc -w 3 10.0.2.2 "$2" </dev/null; }
expect_open() {
	local out; out=$(nc_from "$1" "$2" 2>&1)
	if grep -q "hello $2" <<<"$out"; then ok "$3"; else not_ok "$3" "$out"; fi
}
expect_refused() {
	local out; out=$(nc_from "$1" "$2" 2>&1)
	if [ $? -ne 0 ] && grep -q "No route to host" <<<"$out"; then ok "$3"; else not_ok "$3" "$out"; fi
}

check "run starts a shielded container" as_user "$TS" run e2e-run -- -d --rootfs "$ROOTFS" /bin/sleep 600
expect_open e2e-run "$PORT_OPEN" "loopback port in loopback_ports is reachable via 10.0.2.2"
expect_refused e2e-run "$PORT_SHUT" "another host loopback port is refused"

# 10.0.2.2 is private, refused even by a bypass table: look at the table itself.
shielded() {
	local pid table
	pid=$(as_user podman inspect -f '{{.State.Pid}}' "$1" 2>/dev/null)
	table=$(nsenter -n -t "${pid:-0}" nft list table inet terok_shield 2>&1)
	grep -q "hook output priority filter; policy drop;" <<<"$table" &&
		grep -q 'log prefix "TEROK_SHIELD_DENIED: " group 100 counter' <<<"$table" || {
		echo "$table"
		return 1
	}
}
check "the container's namespace holds the default-deny table" shielded e2e-run
caps=$(as_user podman exec e2e-run cat /proc/1/status 2>&1 | awk '/^CapBnd/ {print $2}')
if [ -n "$caps" ] && (( (0x$caps >> 12) & 3 )) ; then
	not_ok "the container has neither CAP_NET_ADMIN nor CAP_NET_RAW" "CapBnd=$caps"
elif [ -n "$caps" ]; then
	ok "the container has neither CAP_NET_ADMIN nor CAP_NET_RAW"
else
	not_ok "the container has neither CAP_NET_ADMIN nor CAP_NET_RAW" "no CapBnd"
fi
our_dnsmasq() { pgrep -f "dnsmasq --conf-file=$STATE/$1/dnsmasq.conf" >/dev/null; }
our_forwarder() { pgrep -f "terok-shield-dns --pid [0-9]+ --state-dir $STATE/$1 " >/dev/null; }
shield_tier() { [ "$(cat "$STATE/$1/dns.tier")" = shield ] && our_forwarder "$1"; }
check "the container is in the shield DNS tier (the default) and its terok-shield-dns runs" shield_tier e2e-run

check "podman restart works" as_user podman restart -t 1 e2e-run
expect_open e2e-run "$PORT_OPEN" "after restart: the allowed port is still reachable"
expect_refused e2e-run "$PORT_SHUT" "after restart: the other port is still refused"
check "after restart: the default-deny table is back" shielded e2e-run

# ---- a corrupted ruleset.nft keeps the container from starting ----
as_user podman stop -t 1 e2e-run >/dev/null 2>&1
as_user sh -c "echo 'garbage {' >> '$STATE/e2e-run/ruleset.nft'"
if out=$(as_user podman start e2e-run 2>&1); then
	not_ok "a corrupted ruleset.nft makes the start fail" "$out"
else
	ok "a corrupted ruleset.nft makes the start fail"
fi
state=$(as_user podman inspect -f '{{.State.Running}}' e2e-run 2>&1)
if [ "$state" = "false" ] && grep -q "ruleset.nft was not applied" "$STATE/e2e-run/hook-error.log"; then
	ok "it is not running and hook-error.log says why"
else
	not_ok "it is not running and hook-error.log says why" "running=$state" "$(tail -2 "$STATE/e2e-run/hook-error.log" 2>&1)"
fi
as_user podman rm -f -t 0 e2e-run >/dev/null 2>&1
sleep 0.5
if our_forwarder e2e-run; then
	not_ok "no terok-shield-dns of the container outlives it" "$(pgrep -af "state-dir $STATE/e2e-run")"
else
	ok "no terok-shield-dns of the container outlives it"
fi

# ---- a newcomer pastes prepare's output into podman run (dns_tier: dnsmasq, chosen) ----
as_user sh -c 'cp ~/.config/terok/shield/config.yml ~/config.yml.saved && echo "dns_tier: dnsmasq" >> ~/.config/terok/shield/config.yml'
if args=$(as_user "$TS" prepare e2e-eval 2>/dev/null) &&
	out=$(as_user bash -c "eval \"podman run $args -d --rootfs '$ROOTFS' /bin/sleep 600\"" 2>&1); then
	ok "podman run \$(terok-shield prepare NAME) starts"
else
	not_ok "podman run \$(terok-shield prepare NAME) starts" "$out"
fi
expect_open e2e-eval "$PORT_OPEN" "prepared container reaches the allowed port"
expect_refused e2e-eval "$PORT_SHUT" "prepared container is refused the other port"
check "prepared container holds the default-deny table" shielded e2e-eval
dnsmasq_tier() { [ "$(cat "$STATE/$1/dns.tier")" = dnsmasq ] && our_dnsmasq "$1"; }
check "config dns_tier: dnsmasq still gives the dnsmasq tier, its dnsmasq running" dnsmasq_tier e2e-eval
as_user sh -c 'mv ~/config.yml.saved ~/.config/terok/shield/config.yml'

# ---- live control of the running rootless container (user-namespace helper) ----
status_is() { [ "$(as_user "$TS" status "$1" 2>&1)" = "$2" ]; }
check "status NAME says up" status_is e2e-eval up
check "allow 10.0.2.2 (private, refused until allowed)" as_user "$TS" allow e2e-eval 10.0.2.2
expect_open e2e-eval "$PORT_SHUT" "after allow: the other port is reachable at once"
check "deny 10.0.2.2" as_user "$TS" deny e2e-eval 10.0.2.2
expect_refused e2e-eval "$PORT_SHUT" "after deny: refused again"
switch_to() { as_user "$TS" "$1" e2e-eval >/dev/null && status_is e2e-eval "$1"; }
check "down, then status says down" switch_to down
check "up, then status says up" switch_to up

json=$(as_user "$TS" prepare e2e-json --json 2>/dev/null)
check "prepare --json prints a JSON array of strings" python3 -c '
import json, sys
a = json.loads(sys.argv[1])
assert isinstance(a, list) and a and all(isinstance(x, str) for x in a)
assert "--annotation" in a and "terok.shield.version=4" in a
' "$json"

# ---- run refuses the flags the shield manages, before touching anything ----
out=$(as_user "$TS" run e2e-bad -- --network=host -d --rootfs "$ROOTFS" /bin/true 2>&1)
rc=$?
if [ $rc -eq 2 ] && grep -q -- "--network" <<<"$out" && [ ! -e "$STATE/e2e-bad" ]; then
	ok "run refuses --network=host and changes nothing"
else
	not_ok "run refuses --network=host and changes nothing" "rc=$rc" "$out"
fi
out=$(as_user "$TS" run e2e-bad -- --cap-add NET_ADMIN -d --rootfs "$ROOTFS" /bin/true 2>&1)
rc=$?
if [ $rc -eq 2 ] && grep -q -- "--cap-add" <<<"$out" && [ ! -e "$STATE/e2e-bad" ]; then
	ok "run refuses --cap-add NET_ADMIN and changes nothing"
else
	not_ok "run refuses --cap-add NET_ADMIN and changes nothing" "rc=$rc" "$out"
fi

out=$(as_user "$TS" run e2e-bad -- --privileged -d --rootfs "$ROOTFS" /bin/true 2>&1)
rc=$?
if [ $rc -eq 2 ] && grep -q -- "--privileged" <<<"$out" && [ ! -e "$STATE/e2e-bad" ]; then
	ok "run refuses --privileged and changes nothing"
else
	not_ok "run refuses --privileged and changes nothing" "rc=$rc" "$out"
fi
# prepare's arguments with --privileged added by hand: the hook refuses to start it.
args=$(as_user "$TS" prepare e2e-bad 2>/dev/null)
if out=$(as_user bash -c "eval \"podman run $args --privileged --rm --rootfs '$ROOTFS' /bin/true\"" 2>&1); then
	not_ok "a --privileged container is refused at start" "$out"
else
	grep -q "keeps CAP_NET_ADMIN" <<<"$out" && ok "a --privileged container is refused at start" ||
		not_ok "a --privileged container is refused at start" "$out"
fi

# ---- a running container's bundle is never rewritten; a reused name hears what it
# inherits; forget (issue 15, items 7 and 8) ----
rep=$STATE/e2e-rep
# The files that say what the container is (not its logs or its PID).
bundle_sum() { (cd "$rep" && cat interactive ruleset.nft profiles profile.allowed dns.tier upstream.dns \
	hooks/terok-shield-createRuntime.json 2>/dev/null | sha256sum); }
check "run --interactive starts a container" as_user "$TS" run e2e-rep --interactive -- -d --rootfs "$ROOTFS" /bin/sleep 600
sum=$(bundle_sum)
before=$(containers_now)
out=$(as_user "$TS" run e2e-rep -- -d --rootfs "$ROOTFS" /bin/sleep 600 2>&1)
rc=$?
if [ $rc -eq 1 ] && grep -q "container 'e2e-rep' is running" <<<"$out" && grep -q "'deny', 'up' or 'down'" <<<"$out" &&
	[ "$(bundle_sum)" = "$sum" ] && [ "$(containers_now)" = "$before" ]; then
	ok "run of the running name is refused and changes nothing"
else
	not_ok "run of the running name is refused and changes nothing" "rc=$rc" "$out"
fi
out=$(as_user "$TS" prepare e2e-rep 2>"$HOME_DIR/err"; echo "rc=$?")
if [ "$out" = $'--terok-shield-prepare-failed\nrc=1' ] && [ "$(bundle_sum)" = "$sum" ]; then
	ok "prepare of the running name is refused and changes nothing"
else
	not_ok "prepare of the running name is refused and changes nothing" "$out" "$(cat "$HOME_DIR/err")"
fi
# Captured, not piped: under pipefail, grep -q leaving early would fail the writer with EPIPE.
rules_out=$(as_user "$TS" rules e2e-rep 2>&1)
if [ "$(cat "$rep/interactive" 2>&1)" = nflog ] && grep -q TEROK_SHIELD_QUEUED <<<"$rules_out"; then
	ok "the container is still interactive, bundle and live table alike"
else
	not_ok "the container is still interactive, bundle and live table alike" "$(head -3 <<<"$rules_out")"
fi
out=$(as_user "$TS" forget e2e-rep 2>&1)
if [ $? -eq 1 ] && grep -q "is running" <<<"$out" && [ -d "$rep" ]; then ok "forget of the running container is refused"; else not_ok "forget of the running container is refused" "$out"; fi
check "allow 10.0.2.2 on it (kept for the name)" as_user "$TS" allow e2e-rep 10.0.2.2
as_user podman stop -t 1 e2e-rep >/dev/null 2>&1
sum=$(bundle_sum)
out=$(as_user "$TS" prepare e2e-rep 2>&1 >/dev/null)
if [ $? -eq 1 ] && grep -q "podman still has a container named 'e2e-rep' (not running)" <<<"$out" && [ "$(bundle_sum)" = "$sum" ]; then
	ok "prepare of a stopped container's name says podman still has it, changes nothing"
else
	not_ok "prepare of a stopped container's name says podman still has it, changes nothing" "$out"
fi
out=$(as_user "$TS" forget e2e-rep 2>&1)
if [ $? -eq 1 ] && grep -q "podman rm e2e-rep" <<<"$out" && [ -d "$rep" ]; then ok "forget of a stopped container is refused"; else not_ok "forget of a stopped container is refused" "$out"; fi
as_user podman rm -f -t 0 e2e-rep >/dev/null 2>&1
out=$(as_user "$TS" prepare e2e-rep 2>&1 >/dev/null)
if [ $? -eq 0 ] && grep -q "note: e2e-rep keeps 1 allow and 0 denies" <<<"$out" && grep -q "terok-shield forget e2e-rep" <<<"$out"; then
	ok "prepare of a removed container's name says what it keeps"
else
	not_ok "prepare of a removed container's name says what it keeps" "$out"
fi
out=$(as_user "$TS" forget e2e-rep 2>&1)
if [ $? -eq 0 ] && grep -q "^Forgot e2e-rep: removed $rep (1 allow, 0 denies)" <<<"$out" && [ ! -e "$rep" ]; then
	ok "forget removes the state of a removed container"
else
	not_ok "forget removes the state of a removed container" "$out"
fi
check "run of the forgotten name starts afresh" as_user "$TS" run e2e-rep -- -d --rootfs "$ROOTFS" /bin/sleep 600
expect_refused e2e-rep "$PORT_SHUT" "the old allow of 10.0.2.2 did not come back"

# ---- the shield DNS tier end to end, hermetic ----
# podman runs in a namespace of ours (rootless-user.sh in_netns: what `ip
# netns exec` does, /sys kept) whose /etc/netns/NS/resolv.conf names a recording fake upstream (fake-dns)
# there, so the hook, the forwarder it starts and slirp4netns all live
# where the only resolver is that fake. The fake answers allowed.test
# with 203.0.113.20, where a service of ours listens in that namespace.
ns_steps=9
ns_skip() { local i; for i in $(seq "$ns_steps"); do n=$((n + 1)); echo "ok $n # SKIP $1"; done; }
ns_setup() {
	[ -n "${TS_TEST_FAKE_DNS:-}" ] || { echo "TS_TEST_FAKE_DNS (tests/podman/fake-dns) is not set"; return 1; }
	command -v ip >/dev/null || { echo "ip (iproute2) is not installed"; return 1; }
	ip netns add "$DNS_NS" && ip -n "$DNS_NS" link set lo up &&
		ip -n "$DNS_NS" addr add 192.0.2.53/32 dev lo &&
		ip -n "$DNS_NS" addr add 203.0.113.20/32 dev lo || { echo "cannot make network namespace $DNS_NS"; return 1; }
	[ -d /etc/netns ] || MADE_ETC_NETNS=1
	mkdir -p "/etc/netns/$DNS_NS" && echo "nameserver 192.0.2.53" >"/etc/netns/$DNS_NS/resolv.conf"
	UPSTREAM_LOG=$WORK/upstream.log
	: >"$UPSTREAM_LOG"
	ip netns exec "$DNS_NS" "$TS_TEST_FAKE_DNS" "$UPSTREAM_LOG" >"$WORK/fake-dns.out" 2>&1 &
	NS_PIDS=$!
	ip netns exec "$DNS_NS" python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("203.0.113.20", int(sys.argv[1])))
s.listen(16)
while True:
    c, _ = s.accept()
    c.sendall(b"hello from the allowed name\n")
    c.close()' "$PORT_NS" &
	NS_PIDS="$NS_PIDS $!"
	local _
	for _ in $(seq 50); do grep -q ready "$WORK/fake-dns.out" && break; sleep 0.1; done
	grep -q ready "$WORK/fake-dns.out" || { echo "fake-dns did not start: $(cat "$WORK/fake-dns.out")"; return 1; }
	# A pause process made outside would carry the machine's /etc/resolv.conf into podman.
	as_user podman system migrate >/dev/null 2>&1
	echo "allowed.test" >"$HOME_DIR/.config/terok/shield/profiles/dnse2e.txt"
	chown "$RU_USER" "$HOME_DIR/.config/terok/shield/profiles/dnse2e.txt"
}
ns_forwarder_pid() { pgrep -f "terok-shield-dns --pid [0-9]+ --state-dir $STATE/e2e-dns " | head -n 1; }
# Not in $(...): its background servers would hold the substitution's pipe open.
if ! ns_setup >"$WORK/ns-setup.log" 2>&1; then
	ns_skip "shield tier end to end: $(tr '\n' ' ' <"$WORK/ns-setup.log")"
else
	ok "a network namespace with a recording fake upstream and a service at its answer"
	export AS_USER_NETNS=$DNS_NS
	if out=$(as_user "$TS" run e2e-dns --profiles dnse2e -- -d --rootfs "$ROOTFS" /bin/sleep 600 2>&1); then
		ok "run starts a container in the default (shield) tier inside that namespace"
	else
		not_ok "run starts a container in the default (shield) tier inside that namespace" "$out" \
			"$(tail -3 "$STATE/e2e-dns/hook-error.log" 2>&1)"
	fi
	fpid=$(ns_forwarder_pid)
	fresolv=$(cat "/proc/${fpid:-0}/root/etc/resolv.conf" 2>&1)
	if [ "$(cat "$STATE/e2e-dns/dns.tier" 2>&1)" = shield ] && [ -n "$fpid" ] &&
		[ "$fresolv" = "nameserver 192.0.2.53" ]; then
		ok "its terok-shield-dns runs, and its only resolver is the fake upstream"
		lookup() { as_user timeout 30 podman exec e2e-dns nslookup "$1" "${2:-127.0.0.1}" 2>&1; }
		out=$(lookup allowed.test)
		if grep -q "203.0.113.20" <<<"$out" && grep -q "^allowed.test A udp" "$UPSTREAM_LOG"; then
			ok "an allowed name resolves through the forwarder"
		else
			not_ok "an allowed name resolves through the forwarder" "$out" "upstream saw: $(cat "$UPSTREAM_LOG")"
		fi
		out=$(as_user podman exec e2e-dns nc -w 5 203.0.113.20 "$PORT_NS" </dev/null 2>&1)
		if grep -q "hello from the allowed name" <<<"$out"; then
			ok "its address connects (learned into the container's set)"
		else
			not_ok "its address connects (learned into the container's set)" "$out"
		fi
		exfil="x$RANDOM$RANDOM.exfil.test"
		out=$(lookup "$exfil")
		if grep -q "REFUSED" <<<"$out"; then ok "a name outside the allowed domains is REFUSED"; else not_ok "a name outside the allowed domains is REFUSED" "$out"; fi
		if grep -q "exfil" "$UPSTREAM_LOG"; then
			not_ok "the upstream never saw the refused name" "$(cat "$UPSTREAM_LOG")"
		else
			ok "the upstream never saw the refused name"
		fi
		before=$(wc -l <"$UPSTREAM_LOG")
		out=$(lookup direct.test 192.0.2.53)
		if ! grep -q "198.51.100.30" <<<"$out" && [ "$(wc -l <"$UPSTREAM_LOG")" -eq "$before" ]; then
			ok "a direct query to the upstream from the container gets nowhere"
		else
			not_ok "a direct query to the upstream from the container gets nowhere" "$out"
		fi
	else
		not_ok "its terok-shield-dns runs, and its only resolver is the fake upstream" \
			"tier=$(cat "$STATE/e2e-dns/dns.tier" 2>&1) pid=${fpid:-none} resolv.conf: $fresolv"
		# Never query through a forwarder that could reach another resolver.
		ns_steps=5 ns_skip "no hermetic forwarder to query"
	fi
	as_user podman rm -f -t 0 e2e-dns >/dev/null 2>&1
	sleep 0.5
	if [ -n "$(ns_forwarder_pid)" ]; then
		not_ok "no terok-shield-dns outlives the removed container" "$(pgrep -af "state-dir $STATE/e2e-dns")"
	else
		ok "no terok-shield-dns outlives the removed container"
	fi
fi

if [ "$n" -ne "$PLAN" ]; then
	not_ok "the plan matches the tests run" "planned $PLAN, ran $n"
fi
exit $((failed > 0))
