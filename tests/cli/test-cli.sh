#!/usr/bin/env bash
# CLI behaviour a user sees: exit codes, messages, output. TAP output.
set -u
cli=${TS_TEST_CLI:?TS_TEST_CLI must point at the terok-shield binary}
hook=${TS_TEST_HOOK:?TS_TEST_HOOK must point at the terok-shield-hook binary}
scratch=$(mktemp -d /tmp/ts-cli-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
export TEROK_SHIELD_CONFIG_DIR=$scratch/config TEROK_SHIELD_STATE_DIR=$scratch/state
export TEROK_SHIELD_PROFILES_DIR=${TS_TEST_PROFILES_DIR:?}
mkdir -p "$TEROK_SHIELD_CONFIG_DIR"

. "$(dirname "$0")/lib.sh"
expect_no_out() { if grep -qF -- "$1" "$scratch/out"; then not_ok "$2"; else ok "$2"; fi; }

# --- global behaviour
run 0 "--version exits 0" -- --version
expect_out "terok-shield 0.1.0" "--version names the tool and version"
expect_out "nftables: " "--version reports nftables support"
if grep -qE '^podman ([0-9.]+|not found)$' "$scratch/out"; then ok "--version reports podman"; else not_ok "--version reports podman"; fi
run 0 "--help exits 0" -- --help
expect_out "preview" "--help lists commands"
run 2 "no command is a usage error" --
run 2 "unknown command exits 2" -- frobnicate
expect_err "terok-shield: unknown command 'frobnicate'" "unknown command is named"
run 2 "unknown global option exits 2" -- --frob preview
run 2 "--state-dir without value exits 2" -- --state-dir

for cmd in preview profiles status logs; do
	run 0 "$cmd --help exits 0" -- "$cmd" --help
	expect_out "Usage: terok-shield $cmd" "$cmd --help prints its usage"
	run 2 "$cmd with an unknown option exits 2" -- "$cmd" --no-such-option
	expect_err "terok-shield: $cmd: unrecognised option '--no-such-option'" "$cmd names the bad option"
done

# --- preview
run 0 "preview exits 0" -- preview
expect_out "# Ruleset preview (up):" "preview is headed by its label"
expect_out "policy drop;" "preview is default-deny"
expect_out "# DNS tier shield, policy strict" "with no tier flag preview shows the default: the shield tier, strict"
expect_no_out "dport 53" "the default tier accepts no DNS server"
run 0 "preview --dns-tier auto" -- preview --dns-tier auto
expect_out "# DNS tier shield, policy strict" "auto is the shield tier"
run 0 "preview --dns-tier dig" -- preview --dns-tier dig
expect_out "# DNS tier dig, policy strict" "the static tier can still be chosen"
expect_out "udp dport 53 ip daddr 10.0.2.3 accept" "the static tier accepts its upstream"
run 0 "preview --interactive" -- preview --interactive
expect_out "# Ruleset preview (interactive):" "interactive label"
expect_out 'prefix "TEROK_SHIELD_QUEUED: "' "interactive terminal rule"
run 0 "preview --down" -- preview --down
expect_out "# Ruleset preview (down):" "down label"
run 0 "preview --down --all" -- preview --down --all
expect_out "# Ruleset preview (down --all):" "down --all label"
run 0 "preview --block" -- preview --block
expect_out "# Ruleset preview (block):" "block label"
expect_out 'prefix "TEROK_SHIELD_BLOCKED: "' "block terminal rule"
expect_no_out "ct state established" "the block ruleset lets no open connection through"
run 2 "preview --block --down exits 2" -- preview --block --down
expect_err "terok-shield: preview: --block does not combine with --down or --interactive" "preview --block --down explains itself"
run 2 "preview --all without --down exits 2" -- preview --all
expect_err "--all only applies to --down" "preview --all explains itself"
run 1 "preview with a bad DNS address exits 1" -- preview --dns "10.0.2.3; flush ruleset"
expect_err "terok-shield: upstream DNS: not an IP address" "bad DNS address is explained"
run 2 "preview rejects stray arguments" -- preview extra
run 0 "preview --dns-tier shield --dns-policy open" -- preview --dns-tier shield --dns-policy open
expect_out "# DNS tier shield, policy open" "preview names the tier and policy"
expect_no_out "dport 53" "the shield tier accepts no DNS server"
expect_out "set dns_v4 { type ipv4_addr; flags timeout; counter; timeout 30m; }" "the shield tier's learned set is timeout-only"
run 0 "preview --dns-tier dnsmasq" -- preview --dns-tier dnsmasq
expect_out "udp dport 53 ip daddr 10.0.2.3 accept" "the dnsmasq tier still accepts its upstream"
expect_out "set dns_v4 { type ipv4_addr; flags interval, timeout;" "the dnsmasq tier keeps its interval sets"
run 2 "preview --dns-tier with an unknown tier exits 2" -- preview --dns-tier nsenter
expect_err "--dns-tier takes shield, dnsmasq, dig or auto, not 'nsenter'" "an unknown tier is explained"
run 2 "preview --dns-policy with an unknown policy exits 2" -- preview --dns-policy lax
expect_err "--dns-policy takes strict or open, not 'lax'" "an unknown policy is explained"
printf 'dns_tier: dig\ndns_policy: open\n' >"$TEROK_SHIELD_CONFIG_DIR/config.yml"
run 0 "preview with dns_tier and dns_policy from config" -- preview
expect_out "# DNS tier dig, policy open" "config dns_tier and dns_policy reach preview"
printf 'dns_tier: auto\n' >"$TEROK_SHIELD_CONFIG_DIR/config.yml"
run 0 "preview with dns_tier: auto from config" -- preview
expect_out "# DNS tier shield, policy strict" "config dns_tier: auto is the shield tier"
rm -f "$TEROK_SHIELD_CONFIG_DIR/config.yml"

# --- configuration
printf 'loopback_ports: [8080, 9418]\ninteractive: true\n' >"$TEROK_SHIELD_CONFIG_DIR/config.yml"
run 0 "preview with loopback ports from config" -- preview
expect_out "tcp dport 9418 ip daddr @gateway_v4 accept" "config loopback ports reach the ruleset"
expect_out "# Ruleset preview (interactive):" "config interactive: true selects the interactive ruleset"
expect_no_out "ip daddr 169.254.1.2 accept" "slirp4netns (the default) has no pasta loopback rule"
run 0 "preview --network pasta --dns-tier dig" -- preview --network pasta --dns-tier dig
expect_out "tcp dport 9418 ip daddr 169.254.1.2 accept" "pasta reaches loopback ports at 169.254.1.2"
expect_out "udp dport 53 ip daddr 169.254.1.1 accept" "pasta's DNS address is the default under --network pasta"
expect_no_out "@gateway_v4 accept" "pasta has no gateway loopback rule"
run 0 "preview --dns with pasta's address" -- preview --dns 169.254.1.1
expect_out "tcp dport 9418 ip daddr 169.254.1.2 accept" "pasta's DNS address implies pasta"
run 0 "preview --network slirp4netns --dns 169.254.1.1" -- preview --network slirp4netns --dns 169.254.1.1
expect_no_out "ip daddr 169.254.1.2 accept" "--network wins over the DNS address"
run 2 "preview --network with an unknown mode exits 2" -- preview --network bridge
expect_err "--network takes slirp4netns or pasta, not 'bridge'" "an unknown network mode is explained"

check_bad_config() { # CONTENT KEY DESCRIPTION
	printf '%s\n' "$1" >"$TEROK_SHIELD_CONFIG_DIR/config.yml"
	for cmd in preview profiles status logs; do
		run 1 "$3: $cmd exits 1" -- "$cmd"
		expect_err "$TEROK_SHIELD_CONFIG_DIR/config.yml" "$3: $cmd names the file"
		expect_err "$2" "$3: $cmd names the key"
	done
}
check_bad_config 'colour: blue' "colour" "unknown key"
check_bad_config 'loopback_ports: [70000]' "loopback_ports" "port 70000"
check_bad_config 'default_profiles: [""]' "default_profiles" "empty profile name"
check_bad_config 'dns_tier: getent' "dns_tier" "an unknown DNS tier"
check_bad_config 'dns_policy: lax' "dns_policy" "an unknown DNS policy"
rm -f "$TEROK_SHIELD_CONFIG_DIR/config.yml"

# --- status
run 0 "status exits 0 with defaults" -- status
expect_out "dev-standard (default)" "status shows the default profile"
expect_out "audit:     enabled" "status shows audit"
expect_out "dns:       shield/strict (new containers)" "status shows the DNS tier new containers get: shield, strict"
expect_out "mode:      auto" "status shows the mode"
printf 'dns_tier: dig\ndns_policy: open\n' >"$TEROK_SHIELD_CONFIG_DIR/config.yml"
run 0 "status with dns_tier: dig" -- status
expect_out "dns:       dig/open (new containers)" "status follows config dns_tier and dns_policy"
rm -f "$TEROK_SHIELD_CONFIG_DIR/config.yml"
if grep -qE '^hooks: +(not-installed|global-user|global-system)$' "$scratch/out"; then ok "status shows hooks"; else not_ok "status shows hooks"; fi
run 2 "status takes at most one NAME" -- status one two
run 1 "status NAME of an unprepared container fails clearly" -- status extra
expect_err "container 'extra' is not prepared" "status NAME names what is missing"

# --- profiles
run 0 "profiles lists" -- profiles
for p in base dev-standard dev-python dev-node nvidia-hpc; do
	if grep -qx "$p" "$scratch/out"; then ok "bundled profile $p listed"; else not_ok "bundled profile $p listed"; fi
done
mkdir -p "$TEROK_SHIELD_CONFIG_DIR/profiles"
printf '# mine\n203.0.113.0/24\nExample.COM\n' >"$TEROK_SHIELD_CONFIG_DIR/profiles/mine.txt"
run 0 "profiles lists user profiles" -- profiles
if grep -qx "mine \*" "$scratch/out"; then ok "user profile marked"; else not_ok "user profile marked"; fi
run 0 "profiles NAME shows entries" -- profiles mine
if [ "$(cat "$scratch/out")" = $'203.0.113.0/24\nexample.com' ]; then ok "profile entries canonical"; else not_ok "profile entries canonical"; fi
printf '203.0.113.7\t8000-8080/TCP\n' >"$TEROK_SHIELD_CONFIG_DIR/profiles/badscope.txt"
run 1 "a profile line with a bad scope exits 1" -- profiles badscope
expect_err "badscope.txt:1: scope '8000-8080/TCP'" "the bad scope is located"
printf 'Example.ORG 443/tcp\n203.0.113.7\t8000-8080  # range, tcp and udp\n' >"$TEROK_SHIELD_CONFIG_DIR/profiles/badscope.txt"
run 0 "profiles NAME shows scoped entries" -- profiles badscope
if [ "$(cat "$scratch/out")" = $'example.org 443/tcp\n203.0.113.7 8000-8080' ]; then ok "scoped profile entries canonical"; else not_ok "scoped profile entries canonical"; fi
rm -f "$TEROK_SHIELD_CONFIG_DIR/profiles/badscope.txt"
run 1 "unknown profile exits 1" -- profiles nope
expect_err "unknown profile 'nope'" "unknown profile named"
run 1 "traversal in a profile name exits 1" -- profiles ../../etc/passwd

# --- logs
run 0 "logs with no logs" -- logs
expect_out "No audit logs found." "logs says when there is nothing"
mkdir -p "$TEROK_SHIELD_STATE_DIR/containers/c1" "$TEROK_SHIELD_STATE_DIR/containers/c2"
printf '%s\n' '{"ts":"2026-11-24T10:00:00+00:00","container":"c1","action":"setup"}' \
	'{"ts":"2026-11-24T10:00:02+00:00","container":"c1","action":"allowed","dest":"203.0.113.7"}' \
	>"$TEROK_SHIELD_STATE_DIR/containers/c1/audit.jsonl"
printf '%s\n' '{"ts":"2026-11-24T10:00:01+00:00","container":"c2","action":"setup"}' 'not json' \
	>"$TEROK_SHIELD_STATE_DIR/containers/c2/audit.jsonl"
run 0 "logs across containers" -- logs
if [ "$(cut -c1-32 "$scratch/out" | tr '\n' '|')" = '{"ts":"2026-11-24T10:00:00+00:00|{"ts":"2026-11-24T10:00:01+00:00|{"ts":"2026-11-24T10:00:02+00:00|' ]; then
	ok "logs merged by time, newest last, garbage skipped"
else
	not_ok "logs merged by time, newest last, garbage skipped"
fi
run 0 "logs -n 1" -- logs -n 1
if [ "$(wc -l <"$scratch/out")" -eq 1 ] && grep -q '"allowed"' "$scratch/out"; then ok "logs -n 1 prints the newest"; else not_ok "logs -n 1 prints the newest"; fi
run 0 "logs --container" -- logs --container c2
if [ "$(wc -l <"$scratch/out")" -eq 1 ] && grep -q '"c2"' "$scratch/out"; then ok "logs --container filters"; else not_ok "logs --container filters"; fi
run 0 "--state-dir overrides the environment" -- --state-dir "$scratch/empty" logs
expect_out "No audit logs found." "--state-dir is honoured"
run 2 "logs -n 0 exits 2" -- logs -n 0
run 2 "logs -n abc exits 2" -- logs -n abc
run 1 "logs --container with a bad name exits 1" -- logs --container ../c1
expect_err "invalid container name" "bad container name explained"

# --- the hook must never let a container start until it is implemented
if "$hook" createRuntime </dev/null >/dev/null 2>&1; then not_ok "hook refuses (non-zero exit)"; else ok "hook refuses (non-zero exit)"; fi


# --- prepare / run / setup / check-environment / resolve (docs/cli.md)
# A scratch HOME and XDG dirs: nothing here may touch the real home. With
# TEROK_SHIELD_HOOK unset, setup installs the build tree's hook.
# CONTAINERS_CONF would redirect setup to another file: never a real one.
export HOME=$scratch/home XDG_CONFIG_HOME=$scratch/xdg-config XDG_STATE_HOME=$scratch/xdg-state
unset TEROK_SHIELD_HOOK CONTAINERS_CONF
mkdir -p "$HOME"
# prepare reads `podman info` (and shields rootless podman only): a stand-in
# on PATH answers as podman 4.3 rootless does, so these cases need no podman
# and behave the same whoever runs them. The containers it has: a file
# $fake_podman/NAME holding "running" or "stopped". With FAKE_PODMAN_INFO_FAILS
# set, `info` fails as podman 4.3 did for a user whose /etc/subuid range held
# the user's own UID (its stderr copied from that run).
fixture=${TS_TEST_FIXTURES:?TS_TEST_FIXTURES must point at tests/fixtures}/podman-info-4.3-rootless.json
# With FAKE_PODMAN_ROOTFUL set, `info` answers as a rootful podman 5.2.
rootful_fixture=$TS_TEST_FIXTURES/podman-info-5.2-rootful.json
fake_podman=$scratch/fake-podman
mkdir -p "$scratch/fake-bin" "$fake_podman"
cat >"$scratch/fake-bin/podman" <<EOF
#!/bin/sh
case "\$1 \${2:-}" in
"--version "*) echo "podman version 4.3.1" ;;
"info "*)
	if [ -n "\${FAKE_PODMAN_INFO_FAILS:-}" ]; then
		cat "$scratch/podman-info-stderr" >&2
		exit 125
	fi
	[ -n "\${FAKE_PODMAN_ROOTFUL:-}" ] && exec cat '$rootful_fixture'
	exec cat '$fixture' ;;
"container exists") [ -f "$fake_podman/\$3" ] ;;
"container inspect") [ "\$(cat "$fake_podman/\$5")" = running ] && echo true || echo false ;;
*) echo "fake podman: \$*" >&2; exit 125 ;;
esac
EOF
cat >"$scratch/podman-info-stderr" <<'EOF'
time="2026-12-05T08:44:06Z" level=warning msg="\"/\" is not a shared mount, this could cause issues or missing mounts with rootless containers"
time="2026-12-05T08:44:06Z" level=error msg="invalid internal status, try resetting the pause process with \"podman system migrate\": invalid configuration: the specified mapping 1000:65536 in \"/etc/subuid\" includes the user UID"
EOF
chmod 0755 "$scratch/fake-bin/podman"
export PATH=$scratch/fake-bin:$PATH
rm -rf "$TEROK_SHIELD_STATE_DIR"
user_hooks=$HOME/.local/share/containers/oci/hooks.d
user_conf=$XDG_CONFIG_HOME/containers/containers.conf
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
# What a failed prepare prints when its stdout is not a terminal.
fail_closed_arg=--terok-shield-prepare-failed
# Everything under the scratch dir but the captured output.
listing() { find "$scratch" -path "$scratch/out" -prune -o -path "$scratch/err" -prune -o -print | LC_ALL=C sort; }

check_help() { # CMD OPTION...
	local cmd=$1
	shift
	run 0 "$cmd --help exits 0" -- "$cmd" --help
	expect_out "Usage: terok-shield $cmd" "$cmd --help prints its usage"
	for opt in "$@"; do expect_out "$opt" "$cmd --help mentions $opt"; done
}
check_help prepare NAME --profiles --interactive --json
check_help run NAME --profiles --interactive "-- PODMAN_ARGS"
check_help setup --user --root
check_help check-environment podman_version= hooks= health=
check_help resolve NAME --force
check_help forget NAME
check_help block NAME "'terok-shield up NAME'"
check_help stats NAME --json "'terok-shield up NAME'"
check_help metrics terok_shield_destination_packets terok_shield_destination_bytes terok_shield_counters "# EOF"
run 0 "top-level --help lists the new commands" -- --help
for cmd in setup check-environment prepare run resolve forget block stats metrics; do
	if grep -qE "^  $cmd " "$scratch/out"; then ok "--help lists $cmd"; else not_ok "--help lists $cmd"; fi
done

# Usage errors: exit 2, "terok-shield: CMD: ..." on stderr, nothing created.
usage_error() { # DESCRIPTION CMD EXPECTED_MESSAGE -- ARGS...
	local desc=$1 cmd=$2 msg=$3
	shift 4
	local before
	before=$(listing)
	run 2 "$desc exits 2" -- "$cmd" "$@"
	expect_err "terok-shield: $cmd: $msg" "$desc: message prefixed with the command"
	if [ "$(listing)" = "$before" ]; then ok "$desc: creates nothing"; else not_ok "$desc: creates nothing"; fi
}
usage_error "prepare without NAME" prepare "missing container NAME" --
usage_error "prepare with two names" prepare "unexpected argument 'b'" -- a b
usage_error "prepare --profiles without value" prepare "option '--profiles' needs a value" -- web --profiles
usage_error "run without --" run "missing '--' before the podman arguments" -- web --profiles base
usage_error "run without NAME" run "missing container NAME" -- -- busybox
usage_error "setup --user --root" setup "--user and --root exclude each other" -- --user --root
usage_error "setup with an argument" setup "unexpected argument 'now'" -- --user now
usage_error "resolve with two names" resolve "unexpected argument 'b'" -- a b
usage_error "resolve without NAME" resolve "missing container NAME" --
usage_error "check-environment with an argument" check-environment "unexpected argument 'x'" -- x
usage_error "forget without NAME" forget "missing container NAME" --
usage_error "forget with two names" forget "unexpected argument 'b'" -- a b
usage_error "block without NAME" block "expected one container NAME" --
usage_error "block with two names" block "expected one container NAME" -- a b
usage_error "block with an unknown option" block "unrecognised option '--all'" -- web --all
usage_error "stats without NAME" stats "missing container name" --
usage_error "stats with two names" stats "unexpected argument 'b'" -- a b
usage_error "stats with an unknown option" stats "unrecognised option '--all'" -- web --all
usage_error "metrics with an argument" metrics "unexpected argument 'web'" -- web
usage_error "metrics with an unknown option" metrics "unrecognised option '--json'" -- --json
run 1 "stats of a container never prepared exits 1" -- stats never-prepared
expect_err "never-prepared" "stats names the container it cannot find"
# No running container: the families, no sample, and the end marker.
run 0 "metrics without containers exits 0" -- metrics
expect_out "# TYPE terok_shield_destination_packets counter" "metrics declares its packet counter"
if [ "$(tail -n1 "$scratch/out")" = "# EOF" ]; then ok "metrics ends with # EOF"; else not_ok "metrics ends with # EOF"; fi
expect_no_out "_total{" "metrics without containers has no sample"
for cmd in prepare run setup check-environment resolve forget; do
	usage_error "$cmd with an unknown option" "$cmd" "unrecognised option '--no-such-option'" -- --no-such-option
done

# Flags the shield manages are refused in run's podman arguments, before anything is prepared.
refuse_flag() { # FLAG-NAME PODMAN-ARGS...
	local flag=$1
	shift
	usage_error "run -- $*" run "'$flag' is managed by terok-shield" -- web -- "$@"
	if [ -e "$TEROK_SHIELD_STATE_DIR/containers/web" ]; then not_ok "run -- $*: no state dir"; else ok "run -- $*: no state dir"; fi
}
refuse_flag --name --name x
refuse_flag --network --network=host
refuse_flag --net --net host
refuse_flag --hooks-dir --hooks-dir=/x
refuse_flag --annotation --annotation a=b
refuse_flag --cap-drop --cap-drop=ALL
refuse_flag --cap-add --cap-add NET_RAW
refuse_flag --security-opt --security-opt seccomp=unconfined
refuse_flag --privileged --privileged
refuse_flag --net -d --rm --net=host busybox

# Hostile container names: refused, nothing created.
long_name=$(printf 'a%.0s' $(seq 300))
for bad in "../x" "a/b" "-rf" $'a\nb' "$long_name" ".." "a b"; do
	shown=$(printf '%q' "$bad" | cut -c1-24)
	for cmd in prepare resolve stats; do
		before=$(listing)
		"$cli" "$cmd" "$bad" >"$scratch/out" 2>"$scratch/err"
		got=$?
		if [ "$got" -ne 0 ]; then ok "$cmd $shown exits non-zero"; else not_ok "$cmd $shown exits non-zero"; fi
		if [ "$(listing)" = "$before" ]; then ok "$cmd $shown creates nothing"; else not_ok "$cmd $shown creates nothing"; fi
	done
	before=$(listing)
	"$cli" run "$bad" -- busybox >"$scratch/out" 2>"$scratch/err"
	got=$?
	if [ "$got" -ne 0 ]; then ok "run $shown exits non-zero"; else not_ok "run $shown exits non-zero"; fi
	if [ "$(listing)" = "$before" ]; then ok "run $shown creates nothing"; else not_ok "run $shown creates nothing"; fi
done
run 1 "prepare with a traversal name exits 1" -- prepare ../x
expect_err "invalid container name" "traversal name explained"

# Before setup: check-environment says what to do; prepare refuses.
run 1 "check-environment before setup exits 1" -- check-environment
if grep -qx 'podman_version=4.3.1' "$scratch/out"; then ok "check-environment prints podman_version="; else not_ok "check-environment prints podman_version="; fi
if grep -qx "hooks=not-installed" "$scratch/out"; then ok "hooks=not-installed before setup"; else not_ok "hooks=not-installed before setup"; fi
if grep -qx "health=setup-needed" "$scratch/out"; then ok "health=setup-needed before setup"; else not_ok "health=setup-needed before setup"; fi
expect_out "terok-shield setup" "check-environment gives the setup hint"

if [ -e /usr/share/containers/oci/hooks.d/terok-shield-createRuntime.json ]; then
	skip "prepare before setup: this machine has a system-wide hook install"
	skip "prepare before setup: setup hint"
	skip "prepare before setup: no state dir"
else
	run 1 "prepare before setup exits 1" -- prepare web
	expect_err "terok-shield: the terok-shield hook is not installed; run 'terok-shield setup" "prepare before setup gives the setup hint"
	if [ -e "$TEROK_SHIELD_STATE_DIR/containers/web" ]; then not_ok "prepare before setup: no state dir"; else ok "prepare before setup: no state dir"; fi
fi
run 1 "resolve of an unprepared container exits 1" -- resolve ghost
expect_err "terok-shield: no container 'ghost' has been prepared" "resolve names the unprepared container"
if [ -e "$TEROK_SHIELD_STATE_DIR/containers/ghost" ]; then not_ok "resolve creates no state dir"; else ok "resolve creates no state dir"; fi

# setup --user, twice.
run 0 "setup --user exits 0" -- setup --user
expect_out "Installed the terok-shield hook in $user_hooks" "setup names the hooks directory"
expect_out "Added $user_hooks to hooks_dir in $user_conf" "setup adds the directory to containers.conf"
if cmp -s "$hook" "$user_hooks/terok-shield-hook" && [ -x "$user_hooks/terok-shield-hook" ]; then
	ok "setup installs a copy of the build tree's hook"
else
	not_ok "setup installs a copy of the build tree's hook"
fi
if cmp -s "$(dirname "$hook")/terok-shield-dns" "$user_hooks/terok-shield-dns" && [ -x "$user_hooks/terok-shield-dns" ]; then
	ok "setup installs a copy of the build tree's terok-shield-dns beside the hook"
else
	not_ok "setup installs a copy of the build tree's terok-shield-dns beside the hook"
fi
if [ -s "$scratch/err" ]; then not_ok "setup warns of nothing when the forwarder is there"; else ok "setup warns of nothing when the forwarder is there"; fi
# json_check FILE PYTHON-EXPRESSION ARGS...: the expression, on d (the parsed file) and a (ARGS), is true.
json_check() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1])); a = sys.argv[3:]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$@" >/dev/null 2>&1
}
for stage in createRuntime poststop; do
	if json_check "$user_hooks/terok-shield-$stage.json" \
		'd["hook"]["path"] == a[0] and d["hook"]["args"][1] == a[1] and a[2] in d["hook"]["env"] and d["stages"] == [a[1]]' \
		"$user_hooks/terok-shield-hook" "$stage" "TEROK_SHIELD_STATE_DIR=$TEROK_SHIELD_STATE_DIR"; then
		ok "setup writes the $stage descriptor"
	else
		not_ok "setup writes the $stage descriptor"
	fi
done
cp "$user_conf" "$scratch/conf-after-first-setup"
run 0 "setup --user again exits 0" -- setup --user
expect_out "Already listed" "second setup says the directory is already listed"
if cmp -s "$user_conf" "$scratch/conf-after-first-setup"; then ok "second setup leaves containers.conf alone"; else not_ok "second setup leaves containers.conf alone"; fi

run 0 "check-environment after setup exits 0" -- check-environment
if grep -qx "hooks=global-user" "$scratch/out"; then ok "hooks=global-user after setup"; else not_ok "hooks=global-user after setup"; fi
if grep -qx "health=ok" "$scratch/out"; then ok "health=ok after setup"; else not_ok "health=ok after setup"; fi
expect_no_out "hint:" "no setup hint once set up"

# After setup: prepare and resolve on an address-only profile (no DNS needed).
printf '192.0.2.1\n198.51.100.0/24\n' >"$TEROK_SHIELD_CONFIG_DIR/profiles/iponly.txt"
sd=$TEROK_SHIELD_STATE_DIR/containers/web
run 0 "prepare after setup exits 0" -- prepare web --profiles iponly
expect_out "--name web " "prepare prints the name"
expect_out "--annotation terok.shield.profiles=iponly " "prepare prints the profiles annotation"
expect_out "--annotation terok.shield.state_dir=$sd " "prepare prints the state_dir annotation"
expect_out "--cap-drop NET_ADMIN --cap-drop NET_RAW " "prepare drops NET_ADMIN and NET_RAW"
if grep -qE -- "--hooks-dir $user_hooks\$" "$scratch/out"; then ok "prepare prints the hooks dir last"; else not_ok "prepare prints the hooks dir last"; fi
if [ "$(stat -c %a "$sd")" = 700 ] && [ -d "$sd/hooks" ]; then ok "prepare creates a private state dir"; else not_ok "prepare creates a private state dir"; fi
run 0 "prepare --json exits 0" -- prepare web --profiles iponly --json
if json_check "$scratch/out" \
	'isinstance(d, list) and all(isinstance(x, str) for x in d) and d[:2] == ["--name", "web"] and "terok.shield.state_dir=" + a[0] in d and d[-2:] == ["--hooks-dir", a[1]]' \
	"$sd" "$user_hooks"; then
	ok "prepare --json is a JSON array of the arguments"
else
	not_ok "prepare --json is a JSON array of the arguments"
fi
run 2 "prepare --profiles with an empty list exits 2" -- prepare web --profiles ,
run 1 "prepare with an unknown profile exits 1" -- prepare web2 --profiles nope
expect_err "unknown profile 'nope'" "prepare names the unknown profile"
if [ -e "$TEROK_SHIELD_STATE_DIR/containers/web2" ]; then not_ok "a refused prepare creates no state dir"; else ok "a refused prepare creates no state dir"; fi
run 0 "resolve after prepare exits 0" -- resolve web
if [ "$(cat "$scratch/out")" = $'Resolved 2 IPs for web\n192.0.2.1\n198.51.100.0/24' ]; then
	ok "resolve prints the count and the addresses"
else
	not_ok "resolve prints the count and the addresses"
fi
run 0 "resolve --force exits 0" -- resolve web --force
expect_out "Resolved 2 IPs for web (forced)" "resolve --force says so"

# --- --json: one compact JSON object on one line (set up, web prepared, not running)
json_case() { # DESCRIPTION PYTHON-EXPRESSION ARGS...: after a run, stdout is one line of JSON that satisfies it
	local desc=$1
	shift
	if [ "$(wc -l <"$scratch/out")" -eq 1 ] && json_check "$scratch/out" "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
run 0 "status --json exits 0" -- status --json
json_case "status --json: overview object" \
	'd["version"] == "0.1.0" and d["bundle_version"] == 4 and d["health"] == "ok" and d["hooks"] == "global-user" and d["mode"] == "auto" and d["audit"] is True and d["dns_tier"] == "shield" and d["dns_policy"] == "strict" and d["default_profiles"] == ["dev-standard"] and "mine" in d["profiles"] and d["state"] == a[0]' \
	"$TEROK_SHIELD_STATE_DIR"
run 0 "status NAME --json exits 0" -- status web --json
json_case "status NAME --json: container and state" 'd == {"container": "web", "state": "inactive"}'
run 0 "rules NAME --json exits 0" -- rules --json web
json_case "rules NAME --json: no table is null, no scoped allows" 'd == {"container": "web", "state": "inactive", "rules": None, "scoped": [], "scoped_domains": []}'
run 1 "rules --json of an unprepared container exits 1" -- rules ghost --json
if [ ! -s "$scratch/out" ]; then ok "a failed --json prints nothing on stdout"; else not_ok "a failed --json prints nothing on stdout"; fi
run 0 "profiles --json exits 0" -- profiles --json
json_case "profiles --json: names, user flags and paths" \
	'{p["name"]: p["user"] for p in d["profiles"]}["mine"] is True and {p["name"]: p["user"] for p in d["profiles"]}["base"] is False and all(p["path"].endswith("/" + p["name"] + ".txt") for p in d["profiles"])'
run 0 "profiles NAME --json exits 0" -- profiles mine --json
json_case "profiles NAME --json: composed entries" 'd == {"profiles": ["mine"], "entries": ["203.0.113.0/24", "example.com"]}'
run 0 "check-environment --json after setup exits 0" -- check-environment --json
json_case "check-environment --json: healthy" \
	'd["podman_version"] == "4.3.1" and d["hooks"] == "global-user" and d["health"] == "ok" and d["ok"] is True and d["hint"] is None and isinstance(d["issues"], list)'
# A fresh HOME has no user hook: the exit code and "ok" must still agree.
mkdir -p "$scratch/home2"
HOME=$scratch/home2 XDG_CONFIG_HOME=$scratch/home2/.config "$cli" check-environment --json >"$scratch/out" 2>"$scratch/err"
got=$?
json_case "check-environment --json: exit code $got matches ok, hint only when unhealthy" \
	'd["ok"] == (a[0] == "0") and (d["hint"] is None) == (d["health"] == "ok") and (a[0] == "0" or d["health"] != "ok")' "$got"
run 2 "status --json with two NAMEs exits 2" -- status --json a b

# --- hostile input against a prepared bundle (issue 9): refused, nothing changed.
# "Nothing changed" is measured: every path of the state and config trees with its mode and a hash of its bytes.
# One listing per snapshot, no hashing (the suite takes 1300 snapshots): a
# file's inode, size, mtime and ctime (nanoseconds) change with any write,
# atomic replacement or chmod, and a directory's with any entry made or removed.
# One process: readdir order is stable while a directory is unchanged.
snapshot() { find "$scratch/state" "$scratch/config" -printf '%p %y %m %i %s %T@ %C@\n'; }
run 0 "allow on the prepared container" -- allow web 203.0.113.5
run 0 "deny on the prepared container" -- deny web 192.0.2.1
# An audit line that cannot be written (audit.jsonl is a directory) is a
# warning on stderr; the change still succeeds and is saved (bundle/audit.h).
if [ -e "$sd/audit.jsonl" ]; then mv "$sd/audit.jsonl" "$scratch/audit.kept"; fi
mkdir "$sd/audit.jsonl"
# The deny takes the allow back, so the counts below stay as they were.
for change in "allow 203.0.113.6 live.allowed" "deny 203.0.113.6 live.denied"; do
	read -r cmd addr list <<<"$change"
	run 0 "$cmd with an unwritable audit log exits 0" -- "$cmd" web "$addr"
	expect_err "terok-shield: warning: audit log $sd/audit.jsonl not written: " "$cmd warns that its audit line was not written"
	if grep -qx "$addr" "$sd/$list"; then ok "$cmd with an unwritable audit log is saved"; else not_ok "$cmd with an unwritable audit log is saved"; fi
done
rmdir "$sd/audit.jsonl"
if [ -e "$scratch/audit.kept" ]; then mv "$scratch/audit.kept" "$sd/audit.jsonl"; fi
# A refused command prints nothing on stdout, except prepare: its output may be
# in `podman run $(...)`, so it prints the one argument podman refuses.
refused_stdout() { if [ "$1" = prepare ]; then echo "$fail_closed_arg"; fi; }
refused_unchanged() { # DESCRIPTION ARGS...: exit 1 or 2, one terok-shield: line, nothing changed
	local desc=$1 before got
	shift
	before=$(snapshot)
	timeout 10 "$cli" "$@" >"$scratch/out" 2>"$scratch/err"
	got=$?
	if { [ "$got" -eq 1 ] || [ "$got" -eq 2 ]; } && head -n1 "$scratch/err" | grep -q '^terok-shield: ' &&
		[ "$(cat "$scratch/out")" = "$(refused_stdout "$1")" ]; then
		ok "$desc: refused with a message"
	else
		echo "# exit $got"
		not_ok "$desc: refused with a message"
	fi
	if [ "$(snapshot)" = "$before" ]; then ok "$desc: nothing changed"; else not_ok "$desc: nothing changed"; fi
}
long_target=$(printf '1%.0s' $(seq 100000))
for bad in "../web" "web/../web" "a/b" "-rf" $'web\nx' ".." "." "$long_name" "web " "web;x" '$(id)'; do
	shown=$(printf '%q' "$bad" | cut -c1-24)
	for cmd in "allow NAME 203.0.113.9" "deny NAME 203.0.113.9" "up NAME" "down NAME" "block NAME" "rules NAME" \
		"status NAME" "watch NAME" "resolve NAME" "logs --container NAME" "forget NAME"; do
		read -ra words <<<"$cmd"
		args=()
		for w in "${words[@]}"; do if [ "$w" = NAME ]; then args+=("$bad"); else args+=("$w"); fi; done
		refused_unchanged "${words[0]} with container name $shown" "${args[@]}"
	done
done
for target in "1.2.3.4 }; flush ruleset; {" "1.2.3.4; flush ruleset" $'1.2.3.4\nflush ruleset' \
	"{ 1.2.3.4 }" "@allow_v4" "1.2.3.4 accept" "1.2.3.4/24 } }" "0x01020304" "1.2.3" "1.2.3.4/33" \
	"::ffff:1.2.3.4/129" "1.2.3.4%lo" "example.com; drop" "exa mple.com" "*" "-1.2.3.4" "" \
	"$long_target" "$(printf 'a.%.0s' $(seq 200))com"; do
	shown=$(printf '%q' "$target" | cut -c1-32)
	refused_unchanged "allow target $shown" allow web "$target"
	refused_unchanged "deny target $shown" deny web "$target"
done
# Hostile scope values of allow (docs/cli.md, scoped and timed allows): usage errors, nothing changed.
for scope in "--port 0" "--port 70000" "--port 1-2-3" "--port 90-80" "--port +80" "--port 0x50" \
	"--port=" "--proto icmp" "--proto tcp,udp" "--for 5x" "--for 0s" "--for 30" "--for -5m" \
	"--for 400d" "--for 99999999999s" "--port" "--bogus 1" "--port 80 extra"; do
	read -ra words <<<"$scope"
	refused_unchanged "allow $scope" allow web 203.0.113.9 "${words[@]}"
done
refused_unchanged "deny takes no scope" deny web 203.0.113.9 --port 80
# A live.scoped line that is not one fails the change, named by file and line.
printf '203.0.113.9 tcp 443 -\n203.0.113.9 tcp 443 soon\n' >"$sd/live.scoped"
refused_unchanged "allow with a broken live.scoped" allow web 203.0.113.10 --port 443
expect_err "live.scoped, line 2" "the broken live.scoped line is located"
rm -f "$sd/live.scoped"
printf '192.0.2.1 443/tcp\n198.51.100.0/24 53\n' >"$TEROK_SHIELD_CONFIG_DIR/profiles/ipscoped.txt"
run 0 "prepare with scoped profile lines" -- prepare web --profiles ipscoped
if [ "$(cat "$sd/profile.scoped")" = $'192.0.2.1 tcp 443 -\n198.51.100.0/24 tcp 53 -\n198.51.100.0/24 udp 53 -' ] && [ ! -s "$sd/profile.allowed" ]; then
	ok "scoped profile lines go to profile.scoped, not profile.allowed"
else
	not_ok "scoped profile lines go to profile.scoped, not profile.allowed"
fi
printf '192.0.2.1 443/tcp\n192.0.2.2 0\n' >"$TEROK_SHIELD_CONFIG_DIR/profiles/ipscoped.txt"
refused_unchanged "prepare with a port 0 profile line" prepare web --profiles ipscoped
expect_err "ipscoped.txt:2: scope '0'" "the port 0 profile line is located"
rm -f "$TEROK_SHIELD_CONFIG_DIR/profiles/ipscoped.txt"
run 0 "prepare back on iponly" -- prepare web --profiles iponly
run 0 "allow --port --proto --for on the prepared container" -- allow web 203.0.113.11 --port 443 --proto tcp --for 30m
if grep -q '^203.0.113.11 tcp 443 [1-9][0-9]*$' "$sd/live.scoped" && ! grep -qx 203.0.113.11 "$sd/live.allowed"; then
	ok "a scoped, timed allow goes to live.scoped, not live.allowed"
else
	not_ok "a scoped, timed allow goes to live.scoped, not live.allowed"
fi
run 0 "deny of a scoped address" -- deny web 203.0.113.11
if ! grep -q 203.0.113.11 "$sd/live.scoped"; then ok "deny removes the scoped allow"; else not_ok "deny removes the scoped allow"; fi
for profile in "../iponly" "../../etc/passwd" "/etc/passwd" "a/b" ".." "." "iponly/.." $'ip\nonly' "-x"; do
	shown=$(printf '%q' "$profile" | cut -c1-24)
	refused_unchanged "prepare with profile $shown" prepare web --profiles "$profile"
	refused_unchanged "profiles $shown" profiles "$profile"
done
# Oversized lines in files the operator edits: named, refused, nothing written.
printf '%s\n' "$(printf 'a%.0s' $(seq 5000)).example.com" >"$TEROK_SHIELD_CONFIG_DIR/profiles/huge.txt"
refused_unchanged "prepare with a profile holding a 5000-byte line" prepare web --profiles huge
expect_err "huge.txt:1" "the oversized profile line is located"
rm -f "$TEROK_SHIELD_CONFIG_DIR/profiles/huge.txt"
printf 'default_profiles: [%s]\n' "$(printf 'a%.0s' $(seq 100000))" >"$TEROK_SHIELD_CONFIG_DIR/config.yml"
refused_unchanged "prepare with a config.yml holding a 100000-byte profile name" prepare web
rm -f "$TEROK_SHIELD_CONFIG_DIR/config.yml"

# --- a failed prepare fails closed in `podman run $(terok-shield prepare NAME) ...`
# (issue 15, item 6): on stdout one argument podman refuses, whatever failed.
fail_closed() { # DESCRIPTION WANTED-STDOUT
	if [ "$(cat "$scratch/out")" = "$2" ]; then ok "$1"; else not_ok "$1"; fi
}
run 1 "prepare of an unknown profile exits 1" -- prepare web4 --profiles nope
fail_closed "an unknown profile: the fail-closed argument on stdout" "$fail_closed_arg"
run 1 "prepare --json of an unknown profile exits 1" -- prepare web4 --profiles nope --json
fail_closed "--json: a JSON array holding the fail-closed argument" "[\"$fail_closed_arg\"]"
run 2 "prepare without NAME exits 2" -- prepare
fail_closed "a usage error: the fail-closed argument" "$fail_closed_arg"
printf 'colour: blue\n' >"$TEROK_SHIELD_CONFIG_DIR/config.yml"
run 1 "prepare with a broken config.yml exits 1" -- prepare web4
fail_closed "a broken config.yml: the fail-closed argument" "$fail_closed_arg"
rm -f "$TEROK_SHIELD_CONFIG_DIR/config.yml"
run 0 "prepare --help exits 0" -- prepare --help
if grep -qxF -- "$fail_closed_arg" "$scratch/out"; then not_ok "prepare --help prints no fail-closed argument"; else ok "prepare --help prints no fail-closed argument"; fi
run 0 "a successful prepare exits 0" -- prepare web --profiles iponly
expect_no_out "$fail_closed_arg" "a successful prepare prints no fail-closed argument"
# A block recorded for the earlier container is kept, and said; ruleset.nft is the block one.
echo block >"$sd/blocked"
run 0 "prepare of a blocked name exits 0" -- prepare web --profiles iponly
expect_err "terok-shield: note: web is still blocked from its earlier use" "prepare says the name is still blocked"
if grep -q TEROK_SHIELD_BLOCKED "$sd/ruleset.nft" && [ -e "$sd/blocked" ]; then ok "the block stays recorded, ruleset.nft blocks"; else not_ok "the block stays recorded, ruleset.nft blocks"; fi
rm -f "$sd/blocked"
run 0 "prepare without the block" -- prepare web --profiles iponly
if grep -q "still blocked" "$scratch/err"; then not_ok "no block note without a block"; else ok "no block note without a block"; fi
# At a terminal a person reads the error; the argument would only confuse.
if command -v script >/dev/null; then
	script -qec "$(printf '%q ' "$cli" prepare web4 --profiles nope)" /dev/null >"$scratch/out" 2>"$scratch/err"
	if grep -q "unknown profile 'nope'" "$scratch/out" && ! grep -q -- "$fail_closed_arg" "$scratch/out"; then
		ok "at a terminal: the error, no fail-closed argument"
	else
		not_ok "at a terminal: the error, no fail-closed argument"
	fi
else
	skip "at a terminal: script(1) is not installed"
fi
if [ -e "$TEROK_SHIELD_STATE_DIR/containers/web4" ]; then not_ok "failed prepares create no state dir"; else ok "failed prepares create no state dir"; fi

# --- prepare never rewrites the bundle of a container that runs or that podman
# still has (issue 15, item 7). "Running" as the CLI decides it first: a live
# process matching container.pid (PID, start time, network namespace); this
# one sits in a network namespace of its own.
unshare -rn sleep 600 2>/dev/null &
live_pid=$!
sleep 0.2
kill -0 "$live_pid" 2>/dev/null || { sleep 600 & live_pid=$!; }
printf '%s %s %s\n' "$live_pid" "$(cut -d' ' -f22 "/proc/$live_pid/stat")" "$(stat -L -c %i "/proc/$live_pid/ns/net")" \
	>"$sd/container.pid"
refused_unchanged "prepare of a running container" prepare web --profiles iponly
expect_err "container 'web' is running" "prepare says the container runs"
if grep -q "'terok-shield allow', 'deny', 'up' or 'down'" "$scratch/err"; then ok "prepare names allow/deny/up/down for live changes"; else not_ok "prepare names allow/deny/up/down for live changes"; fi
refused_unchanged "prepare --interactive of a running container" prepare web --interactive
refused_unchanged "run of a running container" run web -- -d busybox
expect_no_out "fake podman" "run of a running container never reaches podman"
if grep -q "fake podman" "$scratch/err"; then not_ok "run of a running container does not exec podman"; else ok "run of a running container does not exec podman"; fi
refused_unchanged "forget of a running container" forget web
expect_err "container 'web' is running" "forget says the container runs"
kill "$live_pid" 2>/dev/null
wait "$live_pid" 2>/dev/null
# container.pid now names a dead process: podman decides.
echo stopped >"$fake_podman/web"
refused_unchanged "prepare while podman still has a stopped container of the name" prepare web --profiles iponly
expect_err "podman still has a container named 'web' (not running)" "prepare says podman has the name"
expect_err "podman rm web" "prepare says how to free the name"
refused_unchanged "forget while podman still has the container" forget web
expect_err "podman rm web" "forget says to remove the container first"
echo running >"$fake_podman/web"
refused_unchanged "prepare while podman says the container runs" prepare web --profiles iponly
expect_err "container 'web' is running" "podman's word that it runs is enough"
rm -f "$fake_podman/web"
FAKE_PODMAN_INFO_FAILS=1 refused_unchanged "prepare when podman fails" prepare web --profiles iponly
FAKE_PODMAN_ROOTFUL=1 refused_unchanged "prepare when podman runs rootful" prepare web --profiles iponly
expect_err "terok-shield: podman runs rootful here; terok-shield shields rootless containers" \
	"prepare says it shields rootless containers only"

# --- a new container of an old name hears what it inherits (issue 15, item 8)
# web holds one allow (203.0.113.5) and one deny (192.0.2.1) from above.
run 0 "prepare of a name whose container is gone exits 0" -- prepare web --profiles iponly
expect_err "terok-shield: note: web keeps 1 allow and 1 deny from its earlier use" "prepare counts what the name keeps"
expect_err "'terok-shield forget web'" "prepare says how to drop it"
run 0 "prepare of a fresh name exits 0" -- prepare fresh --profiles iponly
expect_no_err() { if grep -qF -- "$1" "$scratch/err"; then not_ok "$2"; else ok "$2"; fi; }
expect_no_err "note:" "a fresh name keeps nothing and hears nothing"
rm -rf "$TEROK_SHIELD_STATE_DIR/containers/fresh"

# --- forget
refused_unchanged "forget of a name never prepared" forget ghost
expect_err "no container 'ghost' has been prepared" "forget names the unknown container"
mkdir -p "$scratch/elsewhere/linked"
echo keep >"$scratch/elsewhere/linked/live.allowed"
ln -s "$scratch/elsewhere/linked" "$TEROK_SHIELD_STATE_DIR/containers/linked"
refused_unchanged "forget of a state dir that is a symbolic link" forget linked
expect_err "is a symbolic link" "forget says it will not follow the link"
if [ "$(cat "$scratch/elsewhere/linked/live.allowed" 2>/dev/null)" = keep ]; then ok "the link's target is untouched"; else not_ok "the link's target is untouched"; fi
rm -f "$TEROK_SHIELD_STATE_DIR/containers/linked"
# A link inside the bundle is removed, its target kept.
echo keep >"$scratch/elsewhere/outside-file"
ln -s "$scratch/elsewhere/outside-file" "$sd/hooks/planted"
ln -s "$scratch/elsewhere" "$sd/planted-dir"
run 0 "forget of a gone container exits 0" -- forget web
expect_out "Forgot web: removed $sd (1 allow, 1 deny)" "forget says what it removed"
if [ ! -e "$sd" ] && [ ! -L "$sd" ]; then ok "forget removes the state dir"; else not_ok "forget removes the state dir"; fi
if [ "$(cat "$scratch/elsewhere/outside-file" 2>/dev/null)" = keep ] && [ -d "$scratch/elsewhere/linked" ]; then
	ok "forget removes links in the bundle without following them"
else
	not_ok "forget removes links in the bundle without following them"
fi
refused_unchanged "forget twice" forget web
run 0 "prepare after forget exits 0" -- prepare web --profiles iponly
expect_no_err "note:" "after forget the name starts from nothing"
if [ ! -e "$sd/live.allowed" ] && [ ! -e "$sd/deny.list" ]; then ok "after forget no old allow or deny is left"; else not_ok "after forget no old allow or deny is left"; fi

# --- errors that name their cause (issue 15, item 9)
FAKE_PODMAN_INFO_FAILS=1 "$cli" prepare web --profiles iponly >"$scratch/out" 2>"$scratch/err"
expect_err 'terok-shield: podman info exited with status 125: invalid internal status, try resetting the pause process with "podman system migrate": invalid configuration: the specified mapping 1000:65536 in "/etc/subuid" includes the user UID' \
	"a failing podman info: its own error line in the message"
if [ "$(wc -l <"$scratch/err")" -eq 1 ]; then ok "a failing podman info: still one line"; else not_ok "a failing podman info: still one line"; fi
printf 'default_profiles: [nosuch]\n' >"$TEROK_SHIELD_CONFIG_DIR/config.yml"
for cmd in status check-environment "status --json" "check-environment --json" prepare run; do
	read -ra words <<<"$cmd"
	extra=()
	[ "${words[0]}" = prepare ] && extra=(web)
	[ "${words[0]}" = run ] && extra=(web -- busybox)
	refused_unchanged "default_profiles naming a missing profile: $cmd" "${words[@]}" "${extra[@]}"
	expect_err "terok-shield: $TEROK_SHIELD_CONFIG_DIR/config.yml: default_profiles: unknown profile 'nosuch'" \
		"default_profiles naming a missing profile: $cmd names the file and the key"
done
run 0 "--profiles does not need the default profiles" -- prepare web --profiles iponly
rm -f "$TEROK_SHIELD_CONFIG_DIR/config.yml"

# install-deps as a user without sudo (a fresh Debian 12 has none): what to run as root.
src=${TS_TEST_SOURCE_ROOT:-}
if [ -x "$src/scripts/install-deps" ]; then
	deps_bin=$scratch/deps-bin
	mkdir -p "$deps_bin"
	ln -sf "$(command -v bash)" "$deps_bin/bash"
	ln -sf "$(command -v grep)" "$deps_bin/grep"
	printf '#!/bin/sh\necho 1000\n' >"$deps_bin/id"
	# Everything installed but iperf3.
	printf '#!/bin/sh\nfor a; do p=$a; done\n[ "$p" = iperf3 ] && exit 1\necho "install ok installed"\n' >"$deps_bin/dpkg-query"
	printf '#!/bin/sh\necho "apt-get $*" >>%q\n' "$scratch/deps-calls" >"$deps_bin/apt-get"
	chmod 0755 "$deps_bin"/*
	PATH=$deps_bin "$src/scripts/install-deps" >"$scratch/out" 2>"$scratch/err"
	got=$?
	if [ "$got" -eq 1 ] && grep -q "sudo is not installed" "$scratch/err" &&
		grep -qx "  apt-get update && apt-get install -y --no-install-recommends iperf3" "$scratch/err" &&
		[ ! -e "$scratch/deps-calls" ]; then
		ok "install-deps without sudo says what to run as root, and runs nothing"
	else
		echo "# exit $got"
		not_ok "install-deps without sudo says what to run as root, and runs nothing"
	fi
	printf '#!/bin/sh\necho "sudo $*" >>%q\n' "$scratch/deps-calls" >"$deps_bin/sudo"
	chmod 0755 "$deps_bin/sudo"
	PATH=$deps_bin "$src/scripts/install-deps" >"$scratch/out" 2>"$scratch/err"
	if grep -q "^sudo apt-get install .*iperf3" "$scratch/deps-calls" 2>/dev/null; then ok "install-deps with sudo uses it"; else not_ok "install-deps with sudo uses it"; fi
else
	skip "install-deps: TS_TEST_SOURCE_ROOT is not set"
	skip "install-deps with sudo: TS_TEST_SOURCE_ROOT is not set"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
