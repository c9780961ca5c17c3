#!/usr/bin/env bash
# Root only: `terok-shield resolve` through the real CLI, static DNS tier,
# hermetically (docs/cli.md, docs/environment.md). The script re-runs itself in a network and
# mount namespace of its own (mount propagation private): lo up, a dnsmasq
# with fixed answers on 127.0.0.1:53, a scratch resolv.conf bind-mounted
# over /etc/resolv.conf. Every DNS query stays on that namespace's
# loopback; the namespaces vanish with the script. TAP output.
#
set -u

skip_all() { echo "1..0 # SKIP $*"; exit 0; }

if [ "${TS_RESOLVE_CMD_INNER:-}" != 1 ]; then
	[ "$(id -u)" -eq 0 ] || skip_all "needs root (network and mount namespaces)"
	for prog in unshare dnsmasq ip mount; do
		command -v "$prog" >/dev/null 2>&1 || [ -x "/usr/sbin/$prog" ] || skip_all "$prog is not installed"
	done
	: "${TS_TEST_CLI:?TS_TEST_CLI must point at the terok-shield binary}"
	unshare --mount --net --propagation private true 2>/dev/null ||
		skip_all "cannot create network and mount namespaces here"
	TS_RESOLVE_CMD_INNER=1 exec unshare --mount --net --fork --propagation private -- "$BASH" "$0" "$@"
fi

# ---- inside the namespaces ----
cli=$TS_TEST_CLI
PATH=$PATH:/usr/sbin:/sbin
scratch=$(mktemp -d /tmp/ts-resolve-cmd-XXXXXX)
dnsmasq_pid=
cleanup() {
	[ -n "$dnsmasq_pid" ] && kill "$dnsmasq_pid" 2>/dev/null && wait "$dnsmasq_pid" 2>/dev/null
	rm -rf "$scratch"
}
trap cleanup EXIT

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
	for f in "$scratch/out" "$scratch/err"; do [ -f "$f" ] && sed 's/^/# /' "$f"; done
}
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
bail() { echo "Bail out! $*"; exit 1; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; } # DESCRIPTION CONDITION

# Resolution setup: loopback, fixed answers, our resolv.conf. --local makes
# .test local-only (unknown names NXDOMAIN, missing types NODATA).
ip link set lo up || bail "cannot bring lo up"
dnsmasq --keep-in-foreground --user=root --group=root --conf-file=/dev/null --no-resolv --no-hosts \
	--pid-file= --listen-address=127.0.0.1 --bind-interfaces --port=53 --local=/test/ \
	--host-record=a.test,203.0.113.1,2001:db8::1 --host-record=b.test,203.0.113.2 \
	--log-queries --log-facility="$scratch/dnsmasq.log" &
dnsmasq_pid=$!
for _ in $(seq 100); do
	grep -q ' 0100007F:0035 ' /proc/net/udp 2>/dev/null && break
	sleep 0.05
done
grep -q ' 0100007F:0035 ' /proc/net/udp || bail "dnsmasq does not listen on 127.0.0.1:53"
printf 'nameserver 127.0.0.1\n' >"$scratch/resolv.conf"
mount --bind "$scratch/resolv.conf" /etc/resolv.conf || bail "cannot bind-mount resolv.conf"
unset LOCALDOMAIN RES_OPTIONS

queries() { grep -c 'query\[' "$scratch/dnsmasq.log" 2>/dev/null || true; }

# A scratch home, config and state: nothing outside $scratch is written.
export HOME=$scratch/home XDG_CONFIG_HOME=$scratch/xdg-config XDG_STATE_HOME=$scratch/xdg-state
export TEROK_SHIELD_CONFIG_DIR=$scratch/config TEROK_SHIELD_PROFILES_DIR=${TS_TEST_PROFILES_DIR:?}
unset TEROK_SHIELD_STATE_DIR TEROK_SHIELD_HOOK
root=$scratch/state
mkdir -p "$HOME" "$TEROK_SHIELD_CONFIG_DIR/profiles"
printf '# e2e\na.test\n*.b.test\nmissing.test\n192.0.2.7\n' >"$TEROK_SHIELD_CONFIG_DIR/profiles/e2e.txt"
# Older than any resolution below: an edit of the profile is tested on its own.
touch -d '-2 hours' "$TEROK_SHIELD_CONFIG_DIR/profiles/e2e.txt"

# The bundle prepare would leave in the static tier, by hand.
sd=$root/containers/web
mkdir -p -m 0700 "$root" "$root/containers" "$sd"
printf '10.0.2.3\n' >"$sd/upstream.dns"
printf 'dig\n' >"$sd/dns.tier"
printf 'e2e\n' >"$sd/profiles"

# Raw IPs first, then each domain's A and AAAA in profile order (prepare.c resolve_entries).
want_ips=$'192.0.2.7\n203.0.113.1\n2001:db8::1\n203.0.113.2'

want_out="Resolved 4 IPs for web"$'\n'"$want_ips"
want_forced="Resolved 4 IPs for web (forced)"$'\n'"$want_ips"
# Sets rc to the exit status.
resolve() { "$cli" --state-dir "$root" resolve web "$@" >"$scratch/out" 2>"$scratch/err"; rc=$?; }

# ---- first resolution ----
q0=$(queries)
resolve
check "resolve exits 0" '[ $rc -eq 0 ]'
check "resolve prints the count and the addresses" '[ "$(cat "$scratch/out")" = "$want_out" ]'
check "the unresolvable domain is reported on stderr" 'grep -q "missing.test" "$scratch/err"'
check "only missing.test is reported" '[ "$(grep -c . "$scratch/err")" -eq 1 ]'
check "profile.allowed holds exactly the addresses" '[ "$(cat "$sd/profile.allowed")" = "$want_ips" ]'
check "ruleset.nft allows the v4 addresses" \
	'grep -qxF "add element inet terok_shield allow_v4 { 192.0.2.7, 203.0.113.1, 203.0.113.2 }" "$sd/ruleset.nft"'
check "ruleset.nft allows the v6 address" \
	'grep -qxF "add element inet terok_shield allow_v6 { 2001:db8::1 }" "$sd/ruleset.nft"'
check "ruleset.nft is the static-tier up ruleset" \
	'grep -q "policy drop;" "$sd/ruleset.nft" && grep -q "udp dport 53 ip daddr 10.0.2.3 accept" "$sd/ruleset.nft" && ! grep -q dns_v4 "$sd/ruleset.nft"'
check "the queries went to the namespace's dnsmasq" '[ "$(queries)" -gt "$q0" ]'
check "the state dir stays private" '[ "$(stat -c %a "$sd")" = 700 ]'

# ---- within the hour: reused ----
touch -d '-10 minutes' "$sd/profile.allowed"
mtime=$(stat -c %y "$sd/profile.allowed")
q1=$(queries)
resolve
check "a second resolve exits 0" '[ $rc -eq 0 ]'
check "a second resolve prints the same" '[ "$(cat "$scratch/out")" = "$want_out" ]'
check "a second resolve within the hour keeps profile.allowed" '[ "$(stat -c %y "$sd/profile.allowed")" = "$mtime" ]'
check "a second resolve within the hour asks no DNS server" '[ "$(queries)" -eq "$q1" ]'
check "a reused resolution warns about nothing" '[ ! -s "$scratch/err" ]'

# ---- --force ----
q2=$(queries)
resolve --force
check "resolve --force exits 0" '[ $rc -eq 0 ]'
check "resolve --force says (forced)" '[ "$(cat "$scratch/out")" = "$want_forced" ]'
check "resolve --force rewrites profile.allowed" '[ "$(stat -c %y "$sd/profile.allowed")" != "$mtime" ]'
check "resolve --force resolves again" '[ "$(queries)" -gt "$q2" ]'
check "resolve --force reports missing.test again" 'grep -q "missing.test" "$scratch/err"'

# ---- older than an hour: resolved again without --force ----
touch -d '-2 hours' "$sd/profile.allowed"
q3=$(queries)
resolve
check "a stale resolution is refreshed" '[ $rc -eq 0 ] && [ "$(cat "$scratch/out")" = "$want_out" ] && [ "$(queries)" -gt "$q3" ]'
check "a stale resolution rewrites profile.allowed" '[ "$(stat -c %Y "$sd/profile.allowed")" -gt "$(($(date +%s) - 600))" ]'

# ---- the profile is edited: read again, --force or not ----
touch -d '-10 minutes' "$sd/profile.allowed"
printf '# e2e\nb.test\n' >"$TEROK_SHIELD_CONFIG_DIR/profiles/e2e.txt"
resolve
want_edit="Resolved 1 IPs for web"$'\n'"203.0.113.2"
check "a profile edited since the last resolution is read again" '[ $rc -eq 0 ] && [ "$(cat "$scratch/out")" = "$want_edit" ]'
resolve --force
want_one="Resolved 1 IPs for web (forced)"$'\n'"203.0.113.2"
check "--force re-reads the profile" \
	'[ "$(cat "$scratch/out")" = "$want_one" ] && [ "$(cat "$sd/profile.allowed")" = 203.0.113.2 ]'
check "ruleset.nft follows" \
	'grep -qxF "add element inet terok_shield allow_v4 { 203.0.113.2 }" "$sd/ruleset.nft" && ! grep -q 192.0.2.7 "$sd/ruleset.nft"'

# ---- refusals ----
"$cli" --state-dir "$root" resolve ghost >"$scratch/out" 2>"$scratch/err"; rc=$?
check "resolve of an unprepared container exits 1" '[ $rc -eq 1 ] && grep -q "no container '"'ghost'"' has been prepared" "$scratch/err"'
mkdir -p -m 0700 "$root/containers/bare"
"$cli" --state-dir "$root" resolve bare >"$scratch/out" 2>"$scratch/err"; rc=$?
check "resolve of a bundle without upstream.dns says to prepare" '[ $rc -eq 1 ] && grep -q "prepare" "$scratch/err"'

# ---- prepare in the static tier, and a switch from the dnsmasq tier ----
# prepare reads `podman info`: a stand-in on PATH gives podman 4.3's
# rootless answer, so no podman runs. The DNS tier is config.yml's
# dns_tier (the default, auto, is the shield tier); for the dnsmasq tier a
# stand-in whose --version lists nftset is bind-mounted, inside this mount
# namespace, over the dnsmasq the library finds (the one answering our
# queries keeps running), so the tier works whatever this machine's has.
fixture=${TS_TEST_FIXTURES:-}/podman-info-4.3-rootless.json
real_dnsmasq=
for d in /usr/local/sbin /usr/local/bin /usr/sbin /usr/bin /sbin /bin; do
	[ -x "$d/dnsmasq" ] && { real_dnsmasq=$d/dnsmasq; break; }
done
# use_tier dig|dnsmasq
use_tier() {
	umount "$real_dnsmasq" 2>/dev/null
	printf 'dns_tier: %s\n' "$1" >"$TEROK_SHIELD_CONFIG_DIR/config.yml"
	[ "$1" != dnsmasq ] || mount --bind "$scratch/dnsmasq-nftset" "$real_dnsmasq"
}
prepare() { # NAME: prepare with the e2e profile; rc, out, err
	"$cli" --state-dir "$root" prepare "$1" --profiles e2e >"$scratch/out" 2>"$scratch/err"
	rc=$?
}
if [ ! -f "$fixture" ]; then
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13; do skip "prepare cases: TS_TEST_FIXTURES is not set"; done
elif [ -z "$real_dnsmasq" ]; then
	for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13; do skip "prepare cases: no dnsmasq in the system directories"; done
else
	mkdir -p "$scratch/bin"
	printf '#!/bin/sh\n[ "$1" = info ] && exec cat %q\n[ "$1" = container ] && exit 1\necho "podman version 4.3.1"\n' "$fixture" >"$scratch/bin/podman"
	printf '#!/bin/sh\necho "Dnsmasq version 2.90"\necho "Compile time options: IPv6 GNU-getopt nftset"\n' \
		>"$scratch/dnsmasq-nftset"
	chmod 0755 "$scratch/bin/podman" "$scratch/dnsmasq-nftset"
	export PATH=$scratch/bin:$PATH
	"$cli" setup --user >"$scratch/out" 2>"$scratch/err" || bail "setup --user failed: $(cat "$scratch/err")"
	printf '# e2e\na.test\n*.b.test\nmissing.test\n192.0.2.7\n' >"$TEROK_SHIELD_CONFIG_DIR/profiles/e2e.txt"
	touch -d '-2 hours' "$TEROK_SHIELD_CONFIG_DIR/profiles/e2e.txt"

	# Static tier: resolved at prepare time, through the namespace's dnsmasq.
	use_tier dig
	q0=$(queries)
	prepare st
	check "static prepare exits 0" '[ $rc -eq 0 ]'
	check "static prepare records the dig tier" '[ "$(cat "$root/containers/st/dns.tier")" = dig ]'
	check "static prepare resolves the profile" '[ "$(cat "$root/containers/st/profile.allowed")" = "$want_ips" ] && [ "$(queries)" -gt "$q0" ]'
	check "static prepare warns about missing.test" 'grep -q "warning: not resolved, skipped: missing.test" "$scratch/err"'
	check "static prepare writes no dnsmasq files" '[ ! -e "$root/containers/st/dnsmasq.conf" ] && [ ! -e "$root/containers/st/resolv.conf" ] && ! grep -q resolv.conf "$scratch/out"'
	q1=$(queries)
	prepare st
	check "a second static prepare within the hour reuses the resolution" '[ $rc -eq 0 ] && [ "$(queries)" -eq "$q1" ] && [ "$(cat "$root/containers/st/profile.allowed")" = "$want_ips" ]'

	# No dns_tier (auto): the shield tier, whose forwarder learns addresses as the container asks.
	rm -f "$TEROK_SHIELD_CONFIG_DIR/config.yml"
	q2=$(queries)
	prepare sh
	check "default prepare records the shield tier and resolves nothing" \
		'[ $rc -eq 0 ] && [ "$(cat "$root/containers/sh/dns.tier")" = shield ] && [ "$(queries)" -eq "$q2" ] && [ "$(cat "$root/containers/sh/profile.allowed")" = 192.0.2.7 ]'

	# dnsmasq tier first, then static within the hour: the static tier must resolve.
	use_tier dnsmasq
	prepare sw
	check "tier switch: dnsmasq-tier prepare" '[ $rc -eq 0 ] && [ "$(cat "$root/containers/sw/dns.tier")" = dnsmasq ]'
	check "tier switch: the dnsmasq tier keeps only raw IPs" '[ "$(cat "$root/containers/sw/profile.allowed")" = 192.0.2.7 ]'
	use_tier dig
	prepare sw
	check "tier switch: static-tier prepare" '[ $rc -eq 0 ] && [ "$(cat "$root/containers/sw/dns.tier")" = dig ]'
	cp "$root/containers/sw/profile.allowed" "$scratch/out"; : >"$scratch/err" # shown on failure
	check "tier switch: the static tier resolves the profile's domains" \
		'[ "$(cat "$root/containers/sw/profile.allowed")" = "$want_ips" ]'
	check "tier switch: the dnsmasq files are gone" \
		'[ ! -e "$root/containers/sw/dnsmasq.conf" ] && [ ! -e "$root/containers/sw/resolv.conf" ] && [ ! -e "$root/containers/sw/profile.domains" ]'
	check "tier switch: ruleset.nft allows the resolved addresses" \
		'grep -qxF "add element inet terok_shield allow_v4 { 192.0.2.7, 203.0.113.1, 203.0.113.2 }" "$root/containers/sw/ruleset.nft" && ! grep -q dns_v4 "$root/containers/sw/ruleset.nft"'
	umount "$real_dnsmasq" 2>/dev/null
	rm -f "$TEROK_SHIELD_CONFIG_DIR/config.yml"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
