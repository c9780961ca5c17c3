#!/usr/bin/env bash
# `meson install` into a temporary prefix, then use what was installed the
# way a user and an embedding program would: the binary finds its bundled
# profiles and its hook without any environment variable, the man pages
# and completions load, the example program builds against the installed
# libterok-shield.pc and runs. The build-tree binary is checked to find
# the source tree's profiles. TAP output.
set -u
src=${TS_TEST_SOURCE_ROOT:?TS_TEST_SOURCE_ROOT must point at the source tree}
build_cli=${TS_TEST_CLI:?TS_TEST_CLI must point at the build-tree terok-shield}
fixture=${TS_TEST_FIXTURES:?TS_TEST_FIXTURES must point at tests/fixtures}/podman-info-4.3-rootless.json
scratch=$(mktemp -d /tmp/ts-install-XXXXXX)
trap 'rm -rf "$scratch"' EXIT
prefix=$scratch/prefix

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; [ -s "$scratch/log" ] && tail -n 30 "$scratch/log" | sed 's/^/# /'; }
skip() { n=$((n + 1)); echo "ok $n # SKIP $1"; }
check() { # DESCRIPTION COMMAND...: passes when the command succeeds
	local desc=$1
	shift
	if "$@" >"$scratch/log" 2>&1; then ok "$desc"; else not_ok "$desc"; fi
}
finish() { echo "1..$n"; [ "$failed" -eq 0 ]; exit; }

# Nothing from the caller's environment may point the installed tool anywhere.
unset TEROK_SHIELD_PROFILES_DIR TEROK_SHIELD_HOOK TEROK_SHIELD_CONFIG_DIR TEROK_SHIELD_STATE_DIR
unset CONTAINERS_CONF XDG_CONFIG_HOME XDG_STATE_HOME
export HOME=$scratch/home
mkdir -p "$HOME"

# --- build and install (only what gets installed; no tests, no benches)
if meson setup "$scratch/build" "$src" --prefix="$prefix" -Dbuildtype=plain >"$scratch/log" 2>&1 &&
	meson compile -C "$scratch/build" terok-shield:executable terok-shield-hook terok-shield-dbus-bridge \
		terok-shield-dns terok-shield:shared_library \
		terok-shield.1 terok-shield.yml.5 terok-shield-hook.8 terok-shield-dns.8 >>"$scratch/log" 2>&1 &&
	meson install -C "$scratch/build" --no-rebuild >>"$scratch/log" 2>&1; then
	ok "meson install into a temporary prefix"
else
	not_ok "meson install into a temporary prefix"
	finish
fi

libdir=$(meson introspect --buildoptions "$scratch/build" |
	python3 -c 'import json, sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "libdir"][0])')
libexecdir=$(meson introspect --buildoptions "$scratch/build" |
	python3 -c 'import json, sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "libexecdir"][0])')
bin=$prefix/bin/terok-shield
hook=$prefix/$libexecdir/terok-shield-hook
for f in "$bin" "$hook" "$prefix/$libexecdir/terok-shield-dbus-bridge" "$prefix/$libexecdir/terok-shield-dns"; do
	if [ -x "$f" ] && [ -f "$f" ]; then ok "installed executable ${f#"$prefix"/}"; else not_ok "installed executable ${f#"$prefix"/}"; fi
done
for f in include/terok-shield/terok-shield.h "$libdir/pkgconfig/libterok-shield.pc" \
	share/terok-shield/profiles/base.txt share/terok-shield/profiles/dev-standard.txt \
	share/man/man1/terok-shield.1 share/man/man5/terok-shield.yml.5 share/man/man8/terok-shield-hook.8 share/man/man8/terok-shield-dns.8 \
	share/bash-completion/completions/terok-shield share/zsh/site-functions/_terok-shield; do
	if [ -s "$prefix/$f" ]; then ok "installed $f"; else not_ok "installed $f"; fi
done
so=$prefix/$libdir/libterok-shield.so
soname=$(readelf -d "$so" 2>/dev/null | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
if [ "$soname" = libterok-shield.so.0 ] && [ -e "$prefix/$libdir/$soname" ]; then
	ok "libterok-shield.so has soname $soname, installed"
else
	not_ok "libterok-shield.so has soname libterok-shield.so.0 (got '$soname')"
fi
# The D-Bus bridge's user unit, once the tree has one.
units=("$src"/data/systemd/*.service.in)
if [ -e "${units[0]}" ]; then
	unit=$(basename "${units[0]}" .in)
	if [ -s "$prefix/lib/systemd/user/$unit" ] && grep -q "$prefix/bin/terok-shield" "$prefix/lib/systemd/user/$unit"; then
		ok "installed systemd user unit $unit, naming the installed binary"
	else
		not_ok "installed systemd user unit $unit, naming the installed binary"
	fi
else
	skip "no systemd user unit in this tree"
fi

# --- the installed binary finds its own profiles and hook
check "installed terok-shield --version" "$bin" --version
"$bin" profiles --json >"$scratch/out" 2>"$scratch/log"
if python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
names = {p["name"]: p["path"] for p in d["profiles"]}
sys.exit(0 if all(names.get(n) == sys.argv[2] + "/" + n + ".txt" for n in ["base", "dev-standard", "dev-python", "dev-node", "nvidia-hpc"]) else 1)' \
	"$scratch/out" "$prefix/share/terok-shield/profiles"; then
	ok "installed profiles lists the bundled profiles from the prefix"
else
	not_ok "installed profiles lists the bundled profiles from the prefix"
fi
check "installed profiles base composes entries" sh -c '"$1" profiles base | grep -qx deb.debian.org' _ "$bin"
check "installed preview prints the ruleset" sh -c '"$1" preview | grep -q "^# Ruleset preview (up):"' _ "$bin"
check "installed hook --help" sh -c '"$1" --help | grep -q "Usage: terok-shield-hook"' _ "$hook"
check "installed terok-shield-dns --help" sh -c '"$1" --help | grep -q "Usage: terok-shield-dns"' _ \
	"$prefix/$libexecdir/terok-shield-dns"
check "installed setup --user installs the installed hook" sh -c \
	'"$1" setup --user && cmp "$2" "$HOME/.local/share/containers/oci/hooks.d/terok-shield-hook"' _ "$bin" "$hook"
check "installed setup --user puts the installed terok-shield-dns beside the hook" \
	cmp "$prefix/$libexecdir/terok-shield-dns" "$HOME/.local/share/containers/oci/hooks.d/terok-shield-dns"
check "installed status: new containers get the shield DNS tier" sh -c \
	'"$1" status | grep -qx "dns:       shield/strict (new containers)"' _ "$bin"

# The build tree's binary finds the source tree's profiles on its own.
"$build_cli" profiles --json >"$scratch/out" 2>"$scratch/log"
if python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if {p["name"]: p["path"] for p in d["profiles"]}.get("base") == sys.argv[2] else 1)' \
	"$scratch/out" "$src/data/profiles/base.txt"; then
	ok "build-tree terok-shield uses the source tree's profiles"
else
	not_ok "build-tree terok-shield uses the source tree's profiles"
fi

# --- man pages
for page in terok-shield terok-shield.yml terok-shield-hook terok-shield-dns; do
	where=$(MANPATH=$prefix/share/man man -w "$page" 2>/dev/null)
	case $where in
	"$prefix"/share/man/*) ok "man -w $page finds the installed page" ;;
	*) not_ok "man -w $page finds the installed page (got '$where')" ;;
	esac
done
if MANWIDTH=80 man -l "$prefix/share/man/man1/terok-shield.1" 2>/dev/null | grep -q "dbus-bridge NAME"; then
	ok "terok-shield(1) renders and documents every command"
else
	not_ok "terok-shield(1) renders and documents every command"
fi
for cmd in $("$bin" --help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p'); do
	if MANWIDTH=200 man -l "$prefix/share/man/man1/terok-shield.1" 2>/dev/null | grep -qE "^ +$cmd( |$)"; then
		ok "terok-shield(1) documents $cmd"
	else
		not_ok "terok-shield(1) documents $cmd"
	fi
done

# --- completions
bash_comp=$prefix/share/bash-completion/completions/terok-shield
if [ -f /usr/share/bash-completion/bash_completion ]; then
	complete_p=$(bash -c 'source /usr/share/bash-completion/bash_completion; source "$1"; complete -p terok-shield' _ "$bash_comp" 2>"$scratch/log")
	if [ "$complete_p" = "complete -F _terok_shield terok-shield" ]; then ok "bash: complete -p terok-shield"; else not_ok "bash: complete -p terok-shield (got '$complete_p')"; fi
else
	skip "bash-completion is not installed"
fi
# complete WORD... : what bash completion offers for the last word.
complete_words() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; _terok_shield; printf "%s\n" "${COMPREPLY[@]}"' _ "$bash_comp" "$@" 2>>"$scratch/log"
}
mkdir -p "$scratch/state/containers/alpha" "$scratch/state/containers/beta"
# `dbus-bridge` runs the installed bridge program: its own error (no session bus here) shows it ran.
chmod 700 "$scratch/state" "$scratch/state/containers" "$scratch/state/containers/alpha"
err=$(DBUS_SESSION_BUS_ADDRESS=unix:path=$scratch/no-bus "$bin" --state-dir "$scratch/state" dbus-bridge alpha 2>&1)
rc=$?
if [ $rc -eq 1 ] && [ "$err" = "terok-shield: cannot connect to the session bus: No such file or directory" ]; then
	ok "dbus-bridge runs the installed bridge program"
else
	not_ok "dbus-bridge runs the installed bridge program (exit $rc: $err)"
fi
got=$(complete_words "$bin" al | tr '\n' ' ')
if [ "$got" = "allow " ]; then ok "bash completes commands"; else not_ok "bash completes commands (got '$got')"; fi
got=$(complete_words "$bin" --state-dir "$scratch/state" deny "" | sort | tr '\n' ' ')
if [ "$got" = "alpha beta " ]; then ok "bash completes shielded container names"; else not_ok "bash completes shielded container names (got '$got')"; fi
got=$(complete_words "$bin" prepare web --profiles dev- | sort | tr '\n' ' ')
if [ "$got" = "dev-node dev-python dev-standard " ]; then ok "bash completes profile names"; else not_ok "bash completes profile names (got '$got')"; fi
got=$(complete_words "$bin" rules web --j | tr '\n' ' ')
if [ "$got" = "--json " ]; then ok "bash completes a command's options"; else not_ok "bash completes a command's options (got '$got')"; fi
if command -v zsh >/dev/null; then
	got=$(zsh -fc 'fpath=("$1" $fpath); autoload -Uz compinit; compinit -u -d "$2"; print -r -- $_comps[terok-shield]' \
		_ "$prefix/share/zsh/site-functions" "$scratch/zcompdump" 2>"$scratch/log")
	if [ "$got" = _terok-shield ]; then ok "zsh: compinit binds _terok-shield"; else not_ok "zsh: compinit binds _terok-shield (got '$got')"; fi
else
	skip "zsh is not installed"
fi

# --- every option of every command's --help is in the man page and in the bash completion
help_options() { # COMMAND: the --options its --help lists (option lines and the Usage line)
	"$bin" "$1" --help | python3 -c 'import re, sys
t = sys.stdin.read()
opts = set(re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z-]*)", t, re.M))
opts |= set(re.findall(r"\[(--[a-z][a-z-]*)", t.splitlines()[0]))
print("\n".join(sorted(opts)))'
}
MANWIDTH=200 man -l "$prefix/share/man/man1/terok-shield.1" 2>/dev/null >"$scratch/man1.txt"
for cmd in $("$bin" --help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p'); do
	missing=
	offered=$(complete_words "$bin" "$cmd" -- | tr '\n' ' ')
	for opt in $(help_options "$cmd"); do
		# The man page names the option in the command's own entry (up to the
		# next command); --help is described once, for every command.
		[ "$opt" = --help ] ||
			awk -v cmd="$cmd" '$1 == cmd { on = 1; print; next } on && /^       [a-z]/ { exit } on' "$scratch/man1.txt" |
			grep -q -- "$opt" || missing+=" man:$opt"
		[[ " $offered " == *" $opt "* ]] || missing+=" bash:$opt"
	done
	if [ -z "$missing" ]; then ok "$cmd: every --help option is in terok-shield(1) and the bash completion"; else not_ok "$cmd: missing$missing"; fi
done

# --- the example program, built against the installed libterok-shield.pc
export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
if cc -Wall -Wextra -Werror -o "$scratch/embed" "$src/examples/embed.c" \
	$(pkg-config --cflags --libs libterok-shield) -Wl,-rpath,"$prefix/$libdir" >"$scratch/log" 2>&1; then
	ok "examples/embed.c builds with pkg-config libterok-shield"
else
	not_ok "examples/embed.c builds with pkg-config libterok-shield"
	finish
fi
if ldd "$scratch/embed" | grep -q "libterok-shield.so.0 => $prefix/$libdir/"; then
	ok "the example links the installed shared library"
else
	not_ok "the example links the installed shared library"
fi
# prepare reads `podman info`: a stand-in answers as rootless podman 4.3 does, with no containers.
mkdir -p "$scratch/fake-bin" "$HOME/.config/terok/shield/profiles"
printf '#!/bin/sh\ncase "$1" in\n--version) echo "podman version 4.3.1" ;;\ninfo) exec cat %q ;;\ncontainer) exit 1 ;;\n*) exit 125 ;;\nesac\n' \
	"$fixture" >"$scratch/fake-bin/podman"
chmod 0755 "$scratch/fake-bin/podman"
printf '192.0.2.1\n' >"$HOME/.config/terok/shield/profiles/iponly.txt"
PATH=$scratch/fake-bin:$PATH "$scratch/embed" web 198.51.100.7 iponly >"$scratch/out" 2>"$scratch/log"
rc=$?
sd=$HOME/.local/state/terok/shield/containers/web
if [ $rc -eq 0 ]; then ok "the example runs"; else not_ok "the example runs (exit $rc)"; fi
if grep -q "^podman run: --name web .*--annotation terok.shield.profiles=iponly " "$scratch/out"; then
	ok "the example prepares the container and gets its podman arguments"
else
	not_ok "the example prepares the container and gets its podman arguments"
fi
if grep -qx "allowed: 198.51.100.7" "$scratch/out" && grep -qx "applied: at the next start" "$scratch/out" &&
	grep -qx 198.51.100.7 "$sd/live.allowed" && grep -q 198.51.100.7 "$sd/ruleset.nft"; then
	ok "the example's allow reaches the bundle and its ruleset"
else
	not_ok "the example's allow reaches the bundle and its ruleset"
fi
if grep -qx "state: inactive" "$scratch/out" && grep -qx "state_dir: $sd" "$scratch/out"; then
	ok "the example reads the state of a container that does not run"
else
	not_ok "the example reads the state of a container that does not run"
fi
PATH=$scratch/fake-bin:$PATH "$scratch/embed" web "not an address!" iponly >"$scratch/out" 2>"$scratch/log"
rc=$?
if [ $rc -eq 1 ] && grep -q "^embed: allow: " "$scratch/log" && [ "$(grep -c . "$sd/live.allowed")" -eq 1 ]; then
	ok "a bad target is refused with a message and changes nothing"
else
	not_ok "a bad target is refused with a message and changes nothing"
fi

finish
