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

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; sed 's/^/# /' "$scratch/out" "$scratch/err"; }

# run EXPECTED_EXIT DESCRIPTION -- ARGS...; output in $scratch/out and /err
run() {
	local want=$1 desc=$2
	shift 3
	"$cli" "$@" >"$scratch/out" 2>"$scratch/err"
	local got=$?
	if [ "$got" -eq "$want" ]; then ok "$desc"; else echo "# exit $got, wanted $want"; not_ok "$desc"; fi
}
expect_out() { if grep -qF -- "$1" "$scratch/out"; then ok "$2"; else not_ok "$2"; fi; }
expect_err() { if grep -qF -- "$1" "$scratch/err"; then ok "$2"; else not_ok "$2"; fi; }

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
run 0 "preview --interactive" -- preview --interactive
expect_out "# Ruleset preview (interactive):" "interactive label"
expect_out 'prefix "TEROK_SHIELD_QUEUED: "' "interactive terminal rule"
run 0 "preview --down" -- preview --down
expect_out "# Ruleset preview (down):" "down label"
run 0 "preview --down --all" -- preview --down --all
expect_out "# Ruleset preview (down --all):" "down --all label"
run 2 "preview --all without --down exits 2" -- preview --all
expect_err "--all only applies to --down" "preview --all explains itself"
run 1 "preview with a bad DNS address exits 1" -- preview --dns "10.0.2.3; flush ruleset"
expect_err "terok-shield: upstream DNS: not an IP address" "bad DNS address is explained"
run 2 "preview rejects stray arguments" -- preview extra

# --- configuration
printf 'loopback_ports: [8080, 9418]\ninteractive: true\n' >"$TEROK_SHIELD_CONFIG_DIR/config.yml"
run 0 "preview with loopback ports from config" -- preview
expect_out "tcp dport 9418 ip daddr @gateway_v4 accept" "config loopback ports reach the ruleset"
expect_out "# Ruleset preview (interactive):" "config interactive: true selects the interactive ruleset"

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
rm -f "$TEROK_SHIELD_CONFIG_DIR/config.yml"

# --- status
run 0 "status exits 0 with defaults" -- status
expect_out "dev-standard (default)" "status shows the default profile"
expect_out "audit:     enabled" "status shows audit"
expect_out "mode:      auto" "status shows the mode"
if grep -qE '^hooks: +(not-installed|global-user|global-system)$' "$scratch/out"; then ok "status shows hooks"; else not_ok "status shows hooks"; fi
run 2 "status rejects arguments it does not take yet" -- status extra

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

echo "1..$n"
[ "$failed" -eq 0 ]
