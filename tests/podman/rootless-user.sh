# Sourced by tests/podman/*.sh and bench/bench-*-rootless.sh:
# a machine prepared for rootless podman as docs/environment.md describes (a user with
# subuid/subgid ranges, /dev/net/tun usable, runc and lowered ulimits in
# containers.conf, a busybox-static rootfs, no registry), and our binaries
# where that user can read them (the build tree may be under /root).
# Needs TS_TEST_CLI, TS_TEST_HOOK and TS_TEST_PROFILES_DIR; TS_TEST_DNS (the
# forwarder, installed beside the hook so setup copies it) when set.
#
# rootless_missing [PROG...] prints why this machine cannot prepare the user
#   (also when one of the extra PROGs is missing); nothing when it can.
# rootless_user USER SUBID_START sets HOME_DIR, WORK, TS, ROOTFS and
#   TUN_MODE; returns non-zero when the user cannot be created.
# as_user CMD... runs CMD as that user with a clean environment; inside
#   network namespace $AS_USER_NETNS with /etc/netns/$AS_USER_NETNS/resolv.conf
#   as its /etc/resolv.conf (as `ip netns exec` would; see in_netns) when set.
# rootless_user_reset APPLET... gives the user a fresh podman
#   configuration, no shield state, a config.yml whose default profile
#   names only an address, and a rootfs with those busybox applets.
# rootless_user_done undoes the /dev/net/tun change and removes WORK.

rootless_missing() {
	[ "$(id -u)" -eq 0 ] || { echo "needs root to prepare a rootless podman user"; return; }
	local prog
	for prog in podman runc slirp4netns newuidmap python3 runuser useradd "$@"; do
		command -v "$prog" >/dev/null || { echo "$prog is not installed"; return; }
	done
	[ -x /bin/busybox ] || { echo "busybox-static is not installed"; return; }
	[ -c /dev/net/tun ] || echo "/dev/net/tun is missing (slirp4netns needs it)"
}

rootless_user() {
	RU_USER=$1
	id "$RU_USER" >/dev/null 2>&1 || useradd -m -s /bin/bash "$RU_USER" || return 1
	HOME_DIR=$(getent passwd "$RU_USER" | cut -d: -f6)
	local f
	for f in /etc/subuid /etc/subgid; do
		grep -q "^$RU_USER:" "$f" 2>/dev/null || echo "$RU_USER:$2:65536" >>"$f"
	done
	TUN_MODE=$(stat -c %a /dev/net/tun)
	chmod 0666 /dev/net/tun

	WORK=$(mktemp -d /tmp/ts-rootless-XXXXXX)
	chmod 0755 "$WORK"
	install -m 0755 "$TS_TEST_CLI" "$WORK/terok-shield"
	install -m 0755 "$TS_TEST_HOOK" "$WORK/terok-shield-hook"
	[ -z "${TS_TEST_DNS:-}" ] || install -m 0755 "$TS_TEST_DNS" "$WORK/terok-shield-dns"
	cp -r "$TS_TEST_PROFILES_DIR" "$WORK/profiles" && chmod -R a+rX "$WORK/profiles"
	TS="$WORK/terok-shield"
	ROOTFS="$HOME_DIR/rootfs"
}

# What `ip netns exec NS` does (its network namespace; a private mount
# namespace where /etc/netns/NS/resolv.conf is /etc/resolv.conf) except
# that it keeps /sys: the fresh sysfs `ip netns exec` mounts there hides
# the cgroup mounts (v1 here), and runc then refuses to create a container
# ("no cgroup mount found in mountinfo").
in_netns() {
	if [ -n "${AS_USER_NETNS:-}" ]; then
		nsenter --net="/run/netns/$AS_USER_NETNS" unshare --mount --propagation private sh -c \
			'mount --bind "/etc/netns/$0/resolv.conf" /etc/resolv.conf && exec "$@"' "$AS_USER_NETNS" "$@"
	else
		"$@"
	fi
}

as_user() {
	(cd "$HOME_DIR" && in_netns runuser -u "$RU_USER" -- env -i HOME="$HOME_DIR" USER="$RU_USER" \
		LOGNAME="$RU_USER" PATH=/usr/local/bin:/usr/bin:/bin \
		TEROK_SHIELD_PROFILES_DIR="$WORK/profiles" TEROK_SHIELD_HOOK="$WORK/terok-shield-hook" \
		ASAN_OPTIONS="${ASAN_OPTIONS:-}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-}" \
		"$@")
}

rootless_user_reset() {
	as_user bash -c '
		rm -rf ~/.local/state/terok ~/.config/terok ~/.local/share/containers/oci/hooks.d
		mkdir -p ~/.config/containers ~/.config/terok/shield/profiles
		# An address-only default profile: prepare never resolves a real
		# domain, whatever DNS tier this machine gets (no query leaves it).
		echo "192.0.2.1" > ~/.config/terok/shield/profiles/offline.txt
		echo "default_profiles: [offline]" > ~/.config/terok/shield/config.yml
		printf "%s\n" "[containers]" \
			"default_ulimits = [\"nofile=1024:1024\", \"nproc=1000:1000\"]" "" \
			"[engine]" "runtime = \"runc\"" > ~/.config/containers/containers.conf
		rm -rf ~/rootfs && mkdir -p ~/rootfs/bin ~/rootfs/etc ~/rootfs/proc ~/rootfs/sys ~/rootfs/dev ~/rootfs/tmp
		cp /bin/busybox ~/rootfs/bin/busybox
		for a in "$@"; do ln -s busybox ~/rootfs/bin/$a; done
	' _ "$@"
}

rootless_user_done() {
	[ -n "${TUN_MODE:-}" ] && chmod "$TUN_MODE" /dev/net/tun
	[ -n "${WORK:-}" ] && rm -rf "$WORK"
}
