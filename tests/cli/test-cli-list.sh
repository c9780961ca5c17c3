#!/usr/bin/env bash
# list / ls as a user sees it (docs/cli.md): the aligned table, the --json
# array and its keys, an empty state root, broken bundles listed as errors,
# hostile and unknown arguments refused with nothing changed. podman is a
# stand-in on PATH that logs its calls: one call for the whole list. TAP output.
set -u
cli=${TS_TEST_CLI:?TS_TEST_CLI must point at the terok-shield binary}
scratch=$(mktemp -d /tmp/ts-cli-list-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
export TEROK_SHIELD_CONFIG_DIR=$scratch/config TEROK_SHIELD_STATE_DIR=$scratch/state
export TEROK_SHIELD_PROFILES_DIR=${TS_TEST_PROFILES_DIR:?}
mkdir -p "$TEROK_SHIELD_CONFIG_DIR" "$scratch/bin"
cat >"$scratch/bin/podman" <<SH
#!/bin/sh
echo "\$*" >> "$scratch/calls"
cat "$scratch/ps.json"
SH
chmod 0755 "$scratch/bin/podman"
export PATH="$scratch/bin:$PATH"
printf '%s' '[{"Names":["web"],"State":"running"},{"Names":["db"],"State":"exited"},
 {"Names":["cache"],"State":"created"},{"Names":["unrelated"],"State":"running"}]' >"$scratch/ps.json"

. "$(dirname "$0")/lib.sh"
check() { # DESCRIPTION COMMAND...
	local desc=$1; shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
state_listing() { (cd "$scratch" && find state -printf '%p %y %m %s\n' 2>/dev/null | LC_ALL=C sort); }
calls() { cat "$scratch/calls" 2>/dev/null; }

# --- no state root at all, then an empty one
run 0 "list with no state root exits 0" -- list
expect_out "No prepared containers in $scratch/state/containers" "list says there is nothing"
run 0 "list --json with no state root" -- list --json
check "--json prints an empty array" test "$(cat "$scratch/out")" = "[]"
check "list created nothing" test ! -e "$scratch/state"
check "podman is not asked without a bundle" test -z "$(calls)"

# --- bundles as prepare, allow and deny leave them (docs/bundle.md)
bundle() { # NAME TIER PROFILES...
	local d=$scratch/state/containers/$1 tier=$2
	shift 2
	mkdir -p -m 0700 "$d" && echo 10.0.2.3 >"$d/upstream.dns" && echo "$tier" >"$d/dns.tier" &&
		printf '%s\n' "$@" >"$d/profiles"
}
mkdir -p "$scratch/state/containers"
bundle web dnsmasq base dev-node
printf '203.0.113.9\n2001:db8::9\n' >"$scratch/state/containers/web/live.allowed"
echo example.test >"$scratch/state/containers/web/live.domains"
echo 192.0.2.1 >"$scratch/state/containers/web/deny.list"
bundle db dig base
bundle old getent dev-python
: >"$scratch/calls"

run 0 "list exits 0" -- list
# web runs for podman, but no start was recorded: an error row, the reason on stderr.
cat >"$scratch/want" <<TXT
NAME  CONTAINER  SHIELD    DNS           PROFILES       ALLOWS  DENIES
db    stopped    inactive  dig/open      base           0       0
old   gone       inactive  getent/open   dev-python     0       0
web   running    error     dnsmasq/open  base,dev-node  3       1
TXT
if diff -u "$scratch/want" "$scratch/out" >"$scratch/diff"; then ok "the table: sorted, aligned, every column"; else
	cat "$scratch/diff" >>"$scratch/err"; not_ok "the table: sorted, aligned, every column"; fi
expect_err "terok-shield: warning: web: podman runs it, but container.pid records no live start" \
	"the error row's reason is a warning on stderr"
check "one podman call for the whole list" test "$(calls)" = "ps -a --format json"

run 0 "ls is list" -- ls
check "ls prints the same table" diff -q "$scratch/want" "$scratch/out"

run 0 "list --json exits 0" -- list --json
json_ok() {
	python3 - "$scratch/out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert isinstance(doc, list) and [e["name"] for e in doc] == ["db", "old", "web"], doc
keys = {"name", "container", "shield", "dns_tier", "dns_policy", "profiles", "allows", "denies", "error"}
for e in doc:
    assert set(e) == keys, e
    for k in ("allows", "denies"):
        assert set(e[k]) == {"plain", "scoped", "timed"}, e
db, old, web = doc
assert (db["container"], db["shield"], db["dns_tier"], db["dns_policy"]) == ("stopped", "inactive", "dig", "open"), db
assert db["profiles"] == ["base"] and db["error"] is None, db
assert old["container"] == "gone", old
assert web["container"] == "running" and web["shield"] == "error" and "container.pid" in web["error"], web
assert web["allows"] == {"plain": 3, "scoped": 0, "timed": 0} and web["denies"]["plain"] == 1, web
assert web["profiles"] == ["base", "dev-node"], web
PY
}
check "--json: one array, documented keys and values" json_ok
check "--json: one line" test "$(wc -l <"$scratch/out")" -eq 1
check "--json: the reasons are in the objects, not on stderr" test ! -s "$scratch/err"

# --- broken bundles: listed as errors, the rest as usual, nothing changed
bundle tier dnsmasq base
printf '\033[2Jpwned\n' >"$scratch/state/containers/tier/dns.tier"
bundle wide dnsmasq base
chmod 0755 "$scratch/state/containers/wide"
bundle prof dnsmasq base
echo '../../etc' >>"$scratch/state/containers/prof/profiles"
bundle utf dnsmasq base
printf '\377\376x\n' >"$scratch/state/containers/utf/dns.tier"
bundle filelink dnsmasq base
echo dnsmasq >"$scratch/outside-tier"
ln -sf "$scratch/outside-tier" "$scratch/state/containers/filelink/dns.tier"
mkdir -m 0700 "$scratch/elsewhere"
ln -s "$scratch/elsewhere" "$scratch/state/containers/link"
echo x >"$scratch/state/containers/plainfile"
mkdir "$scratch/state/containers/.hidden" "$scratch/state/containers/-dash"
before=$(state_listing)
run 0 "list with broken bundles exits 0" -- list
for name in tier wide prof link plainfile filelink utf; do
	if grep -qE "^$name +[a-z]+ +error " "$scratch/out"; then ok "$name is listed as error"; else not_ok "$name is listed as error"; fi
	expect_err "terok-shield: warning: $name: " "$name's reason is on stderr"
done
expect_out "db    " "the readable bundles are still listed"
check "names no container can have are not listed" bash -c "! grep -qE '^(\\.hidden|-dash) ' '$scratch/out'"
check "no control byte reaches the terminal" bash -c "! LC_ALL=C grep -q \$'\\033' '$scratch/out' '$scratch/err'"
expect_err "unknown DNS tier" "a bad dns.tier is named"
run 0 "list --json with broken bundles exits 0" -- list --json
check "--json still parses" python3 -c "import json,sys; d=json.load(open('$scratch/out')); assert sum(e['shield']=='error' for e in d) == 8 and len(d) == 10"
check "list changed nothing in the state root" test "$before" = "$(state_listing)"

# --- hostile and unknown arguments: usage errors, nothing changed
: >"$scratch/calls"
for args in "list extra" "list --all" "list --json=yes" "ls ../../etc" "list -x" $'list \033[2J' "list -- web"; do
	read -ra argv <<<"$args"
	run 2 "'${args//$'\033'/ESC}' is a usage error" -- "${argv[@]}"
done
expect_err "terok-shield: list: unexpected argument 'web'" "the unexpected argument is named"
check "refused calls changed nothing" test "$before" = "$(state_listing)"
check "refused calls never asked podman" test -z "$(calls)"
run 0 "list --help exits 0" -- list --help
expect_out "Usage: terok-shield list [--json]" "list --help prints its usage"
run 0 "ls --help exits 0" -- ls --help
run 0 "--help lists list" -- --help
expect_out "list " "the command table has list"

# --- podman failing fails the list, quoting it
cat >"$scratch/bin/podman" <<'SH'
#!/bin/sh
echo 'Error: database is locked' >&2
exit 125
SH
run 1 "a failing podman fails the list" -- list
expect_err "terok-shield: podman ps -a exited with status 125: Error: database is locked" "podman's message is quoted"

echo "1..$n"
[ "$failed" -eq 0 ]
