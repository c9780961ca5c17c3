#!/usr/bin/env bash
# Filesystem safety of the state bundle (issue 9), through the real CLI.
# TAP output.
#  - bundle files (and the bundle's directories) replaced by symbolic links
#    to files elsewhere: nothing is written through them;
#  - state_dir modes: created 0700, a wider one refused by the commands that
#    change a bundle and corrected, with a warning, by prepare;
#  - a read-only or full state directory (a small tmpfs in a private mount
#    namespace): commands fail with one clear line and change nothing;
#  - SIGKILL at every write, rename, fsync, fchmod and unlink of prepare and
#    allow (strace stops the process at the N-th such call): every bundle
#    file holds exactly its old or its new content.
# "Nothing changed" is measured: a listing of every path with its type,
# mode and content hash, before and after.
set -u
cli=${TS_TEST_CLI:?TS_TEST_CLI must point at the terok-shield binary}

# The tmpfs cases need a private mount namespace: as root, run the whole
# script in one, so every mount made here vanishes with it.
if [ "$(id -u)" -eq 0 ] && [ -z "${TS_SAFETY_MNTNS:-}" ] && unshare -m --propagation private true 2>/dev/null; then
	TS_SAFETY_MNTNS=1 exec unshare -m --propagation private "$0" "$@"
fi

scratch=$(mktemp -d /tmp/ts-safety-XXXXXX)
cleanup() {
	[ -n "${TS_SAFETY_MNTNS:-}" ] && umount -R "$scratch/small" 2>/dev/null
	rm -rf "$scratch"
}
trap cleanup EXIT

export HOME=$scratch/home XDG_CONFIG_HOME=$scratch/xdg-config XDG_STATE_HOME=$scratch/xdg-state
export TEROK_SHIELD_CONFIG_DIR=$scratch/config TEROK_SHIELD_STATE_DIR=$scratch/state
export TEROK_SHIELD_PROFILES_DIR=${TS_TEST_PROFILES_DIR:?}
unset TEROK_SHIELD_HOOK CONTAINERS_CONF
mkdir -p "$HOME" "$TEROK_SHIELD_CONFIG_DIR/profiles" "$scratch/fake-bin" "$scratch/outside"
# A stand-in podman (as in tests/cli): rootless 4.3 for `info`, no containers.
fixture=${TS_TEST_FIXTURES:?}/podman-info-4.3-rootless.json
printf '#!/bin/sh\ncase "$1" in\n--version) echo "podman version 4.3.1" ;;\ninfo) exec cat %q ;;\ncontainer) exit 1 ;;\n*) exit 125 ;;\nesac\n' \
	"$fixture" >"$scratch/fake-bin/podman"
chmod 0755 "$scratch/fake-bin/podman"
export PATH=$scratch/fake-bin:$PATH
# Address-only profiles: nothing is resolved, no query leaves the machine.
printf '192.0.2.1\n198.51.100.0/24\n' >"$TEROK_SHIELD_CONFIG_DIR/profiles/old.txt"
printf '192.0.2.7\n203.0.113.0/28\n' >"$TEROK_SHIELD_CONFIG_DIR/profiles/new.txt"

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
	[ -f "$scratch/err" ] && sed 's/^/# /' "$scratch/err"
}
check() { if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }

# Every path under DIR: relative name, type, mode, and a hash of a file's bytes.
snapshot() {
	(cd "$1" && find . -printf '%p %y %m\n' | LC_ALL=C sort | while read -r p y m; do
		if [ "$y" = f ]; then echo "$p f $m $(sha256sum <"$p" | cut -c1-16)"
		elif [ "$y" = l ]; then echo "$p l $(readlink "$p")"
		else echo "$p $y $m"; fi
	done)
}

# run EXPECTED-EXIT ARGS...: the CLI's stdout in $scratch/out, stderr in $scratch/err; 0 when as expected.
run() {
	local want=$1
	shift
	"$cli" "$@" >"$scratch/out" 2>"$scratch/err"
	local got=$?
	[ "$got" -eq "$want" ] && return 0
	echo "# terok-shield $* exited $got, wanted $want" | cut -c1-200
	return 1
}
# A refusal: exit 1 and a first stderr line starting "terok-shield: ".
refused() { run 1 "$@" && head -n1 "$scratch/err" | grep -q '^terok-shield: '; }

"$cli" setup --user >/dev/null 2>&1 || { echo "1..0 # SKIP setup --user failed"; exit 0; }
sd=$TEROK_SHIELD_STATE_DIR/containers/web
fresh_bundle() { # PROFILE
	rm -rf "$sd"
	"$cli" prepare web --profiles "$1" >/dev/null 2>"$scratch/err"
}

# --- 1. symbolic links in place of bundle files
# For each file a command writes or reads: replace it by a link to a file
# outside, run the command; the outside stays byte-identical, and the
# command either refuses (and changes nothing else) or replaces the link.
bundle_files="live.allowed deny.list live.denied ruleset.nft audit.jsonl profile.allowed profile.domains
dnsmasq.conf resolv.conf profiles dns.tier upstream.dns gateway loopback_ports bundle.lock
live.domains denied.domains interactive container.pid container.id"
commands=("prepare web --profiles old" "allow web 203.0.113.9" "deny web 192.0.2.1"
	"deny web 203.0.113.77" "resolve web --force" "down web" "up web" "rules web" "status web")
fresh_bundle old || not_ok "prepare for the symlink cases"
rm -rf "$scratch/template"
cp -a "$sd" "$scratch/template"
for f in $bundle_files; do
	for c in "${commands[@]}"; do
		# A copy of one prepared bundle: far quicker than preparing each time.
		rm -rf "$sd"
		cp -a "$scratch/template" "$sd"
		printf 'outside %s\n' "$f" >"$scratch/outside/$f"
		rm -rf "${sd:?}/$f"
		ln -s "$scratch/outside/$f" "$sd/$f"
		outside_before=$(snapshot "$scratch/outside")
		bundle_before=$(snapshot "$sd")
		# shellcheck disable=SC2086
		"$cli" $c >"$scratch/out" 2>"$scratch/err"
		rc=$?
		bad=""
		[ "$(snapshot "$scratch/outside")" = "$outside_before" ] || bad="wrote through the link"
		case $rc in
		0) ;;
		1) head -n1 "$scratch/err" | grep -q '^terok-shield: ' || bad="$bad; no terok-shield: message"
		   # Commands that need a running container fail for that reason alone.
		   if ! grep -q 'is not running' "$scratch/err" && [ "$(snapshot "$sd")" != "$bundle_before" ]; then
			   bad="$bad; refused but changed the bundle"
		   fi ;;
		*) bad="$bad; exit $rc" ;;
		esac
		if [ -z "$bad" ]; then ok "$f as a symlink: $c"; else not_ok "$f as a symlink: $c: $bad"; fi
	done
done

# The bundle directory itself, and its hooks/ directory, as links to a directory elsewhere.
fresh_bundle old
mkdir -p "$scratch/outside/dir"
rm -rf "$TEROK_SHIELD_STATE_DIR/containers/linked"
ln -s "$scratch/outside/dir" "$TEROK_SHIELD_STATE_DIR/containers/linked"
for c in "prepare linked --profiles old" "allow linked 203.0.113.9" "deny linked 203.0.113.9" \
	"resolve linked --force" "up linked" "down linked"; do
	# shellcheck disable=SC2086
	refused $c
	check $? "state_dir as a symlink: $c refused"
	[ -z "$(ls -A "$scratch/outside/dir")" ]
	check $? "state_dir as a symlink: $c wrote nothing through it"
done
rm "$TEROK_SHIELD_STATE_DIR/containers/linked"
rm -rf "${sd:?}/hooks"
ln -s "$scratch/outside/dir" "$sd/hooks"
refused prepare web --profiles old
check $? "hooks/ as a symlink: prepare refused"
[ -z "$(ls -A "$scratch/outside/dir")" ]
check $? "hooks/ as a symlink: nothing written through it"

# --- 2. modes
rm -rf "$TEROK_SHIELD_STATE_DIR"
fresh_bundle old
[ "$(stat -c %a "$TEROK_SHIELD_STATE_DIR/containers")" = 700 ] && [ "$(stat -c %a "$sd")" = 700 ] &&
	[ "$(stat -c %a "$sd/hooks")" = 700 ]
check $? "prepare creates containers/, the state_dir and hooks/ with mode 0700"
bad=$(find "$sd" -maxdepth 1 -type f ! -perm 0600 -printf '%f %m ')
[ -z "$bad" ]
check $? "every bundle file prepare writes is 0600 ${bad:+($bad)}"
for mode in 755 750 705 777; do
	chmod "$mode" "$sd"
	before=$(snapshot "$sd")
	for c in "allow web 203.0.113.9" "deny web 203.0.113.9" "resolve web --force" "up web" "down web"; do
		# shellcheck disable=SC2086
		refused $c && grep -q "mode 0$mode lets others in" "$scratch/err"
		check $? "state_dir 0$mode: $c refused, naming the mode"
	done
	[ "$(snapshot "$sd")" = "$before" ]
	check $? "state_dir 0$mode: the refused commands changed nothing"
	run 0 prepare web --profiles old && grep -q "had mode 0$mode; restricted it to 0700" "$scratch/err" &&
		[ "$(stat -c %a "$sd")" = 700 ]
	check $? "state_dir 0$mode: prepare restricts it to 0700 and says so"
done

# --- 3. read-only and full state directories
small=$scratch/small
if [ -z "${TS_SAFETY_MNTNS:-}" ]; then
	for what in "read-only" "full"; do skip "$what state directory: needs root for a private mount namespace"; done
else
	mkdir -p "$small"
	mount -t tmpfs -o size=256k,mode=0700 tmpfs "$small"
	fresh_bundle old
	run 0 deny web 198.51.100.7 && run 0 allow web 203.0.113.1 || not_ok "bundle for the tmpfs cases"
	mkdir -p "$small/containers"
	chmod 700 "$small/containers"
	cp -a "$sd" "$small/containers/web"
	small_cmds=("allow web 203.0.113.50" "deny web 203.0.113.1" "allow web 198.51.100.7"
		"deny web 192.0.2.1" "resolve web --force" "prepare web --profiles new")
	full_run() { # DESCRIPTION: every command refused, nothing changed
		local desc=$1 before
		before=$(snapshot "$small")
		for c in "${small_cmds[@]}"; do
			# shellcheck disable=SC2086
			TEROK_SHIELD_STATE_DIR=$small refused $c
			check $? "$desc: $c refused with one line"
			after=$(snapshot "$small")
			[ "$after" = "$before" ]
			check $? "$desc: $c changed nothing"
			diff <(echo "$before") <(echo "$after") | sed 's/^/# /'
			before=$after
		done
	}
	# Full: a filler takes every free block.
	dd if=/dev/zero of="$small/filler" bs=4k 2>/dev/null
	sync
	full_run "full state directory"
	# Nearly full: each amount of space left lets some writes through and
	# stops others; a refused allow must not leave its other lists half-updated.
	rm -f "$small/filler"
	# What the allow writes when space is plentiful (audit.jsonl aside: its entry has a time).
	rm -rf "$scratch/ref"
	mkdir -p "$scratch/ref/containers"
	cp -a "$sd" "$scratch/ref/containers/web"
	ref_before=$(snapshot "$scratch/ref/containers/web" | grep -v '^\./audit\.jsonl ')
	TEROK_SHIELD_STATE_DIR=$scratch/ref "$cli" allow web 198.51.100.7 >/dev/null 2>&1
	ref_rc=$?
	complete=$(snapshot "$scratch/ref/containers/web" | grep -v '^\./audit\.jsonl ')
	# The reference must have changed something, or "refused or complete" proves nothing.
	[ $ref_rc -eq 0 ] && [ "$complete" != "$ref_before" ]
	check $? "the reference allow with space to spare succeeds and changes the bundle"
	for kib in 4 8 12 16 20 24 32 48; do
		rm -rf "$small/containers/web" "$small/filler"
		cp -a "$sd" "$small/containers/web"
		free_kib=$(df -k --output=avail "$small" | tail -1)
		[ "$free_kib" -gt "$kib" ] && dd if=/dev/zero of="$small/filler" bs=1k count=$((free_kib - kib)) 2>/dev/null
		before=$(snapshot "$small/containers/web")
		TEROK_SHIELD_STATE_DIR=$small "$cli" allow web 198.51.100.7 >"$scratch/out" 2>"$scratch/err"
		rc=$?
		after=$(snapshot "$small/containers/web")
		if [ $rc -eq 1 ]; then
			[ "$after" = "$before" ]
			check $? "${kib} KiB left: a refused allow changed nothing"
		else
			# It went through: all of it.
			[ $rc -eq 0 ] && [ "$(echo "$after" | grep -v '^\./audit\.jsonl ')" = "$complete" ]
			check $? "${kib} KiB left: allow either refused or complete (exit $rc)"
		fi
		ls -A "$small/containers/web" | grep -q '^\.' && not_ok "${kib} KiB left: temporary files left behind"
	done
	rm -rf "$small/containers/web" "$small/filler"
	cp -a "$sd" "$small/containers/web"
	mount -o remount,ro "$small"
	full_run "read-only state directory"
	umount "$small"
fi

# --- 4. SIGKILL at every write of prepare and allow
kill_points() { # DESCRIPTION SETUP-FUNCTION OLD-DIR NEW-DIR ARGS...
	local desc=$1 setup=$2 old=$3 new=$4
	shift 4
	local sc k rc runs=0 bad=0 leftovers=0
	for sc in write rename fsync fchmod unlink symlink; do
		for ((k = 1; k <= 200; k++)); do
			$setup
			# LeakSanitizer (ASan build) stops the world with ptrace, which a traced process cannot.
			{ ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
				strace -f -qq -o /dev/null -e trace="$sc" -e inject="$sc:signal=KILL:when=$k" \
				"$cli" "$@" >/dev/null 2>&1; } 2>/dev/null
			rc=$?
			runs=$((runs + 1))
			local f name
			for f in "$sd"/* "$sd"/hooks/*; do
				name=${f#"$sd"/}
				[ -e "$f" ] || [ -L "$f" ] || continue
				# A temporary file a killed run left (never read as a bundle file).
				case $name in *.tmp[0-9]*) leftovers=$((leftovers + 1)); continue ;; esac
				if [ "$name" = audit.jsonl ]; then
					# Appended, with times of its own: the old lines, then whole entries only.
					cmp -s -n "$(stat -c %s "$old/$name" 2>/dev/null || echo 0)" "$f" "$old/$name" 2>/dev/null &&
						! grep -qv '^{"ts":".*}$' "$f" && continue
				elif [ -L "$f" ]; then
					[ "$(readlink "$f")" = "$(readlink "$old/$name" 2>/dev/null)" ] ||
						[ "$(readlink "$f")" = "$(readlink "$new/$name" 2>/dev/null)" ] && continue
				elif [ -d "$f" ] || cmp -s "$f" "$old/$name" || cmp -s "$f" "$new/$name"; then
					continue
				fi
				echo "# $desc: $sc #$k: $name is neither old nor new"
				bad=$((bad + 1))
			done
			# Files that existed in both versions are still there.
			for f in "$old"/*; do
				name=${f#"$old"/}
				[ -e "$new/$name" ] && [ ! -e "$sd/$name" ] && { echo "# $desc: $sc #$k: $name vanished"; bad=$((bad + 1)); }
			done
			leftovers=$((leftovers + $(find "$sd" -name '.*.??????' | wc -l)))
			[ $rc -eq 137 ] && continue
			# Past the last such call: the run completed, and it must have succeeded.
			[ $rc -eq 0 ] || { echo "# $desc: $sc #$k: the completed run exited $rc"; bad=$((bad + 1)); }
			break
		done
	done
	echo "# $desc: $runs runs, temporary files left by killed runs: $leftovers"
	[ $bad -eq 0 ]
	check $? "$desc: SIGKILL at every write/rename/fsync/fchmod/unlink/symlink leaves each file old or new"
}
if ! command -v strace >/dev/null; then
	skip "SIGKILL mid-write: strace is not installed"
	skip "SIGKILL mid-write (allow): strace is not installed"
else
	# prepare: from profile old to profile new.
	fresh_bundle old
	rm -rf "$scratch/old" "$scratch/new"
	cp -a "$sd" "$scratch/old"
	run 0 prepare web --profiles new
	cp -a "$sd" "$scratch/new"
	restore_old() { rm -rf "$sd"; cp -a "$scratch/old" "$sd"; }
	cmp -s "$scratch/old/ruleset.nft" "$scratch/new/ruleset.nft" && not_ok "old and new rulesets differ"
	kill_points "prepare" restore_old "$scratch/old" "$scratch/new" prepare web --profiles new
	# allow of a denied address: deny.list, live.allowed, ruleset.nft and audit.jsonl change.
	fresh_bundle old
	run 0 deny web 192.0.2.1
	rm -rf "$scratch/old" "$scratch/new"
	cp -a "$sd" "$scratch/old"
	run 0 allow web 192.0.2.1
	cp -a "$sd" "$scratch/new"
	kill_points "allow" restore_old "$scratch/old" "$scratch/new" allow web 192.0.2.1
fi

echo "1..$n"
[ "$failed" -eq 0 ]
