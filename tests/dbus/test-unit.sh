#!/usr/bin/env bash
# The systemd user unit template (data/systemd): systemd-analyze accepts an
# instance of it, and its ExecStart runs `terok-shield dbus-bridge NAME`
# with the instance name. TAP output.
set -uo pipefail
unit=${1:?unit file} cli=${TS_TEST_CLI:?}
command -v systemd-analyze >/dev/null || { echo "1..0 # SKIP systemd-analyze is not installed"; exit 0; }
echo "1..2"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The installed path does not exist here: point ExecStart at the built CLI.
sed -E "s|^ExecStart=[^ ]+/terok-shield |ExecStart=$cli |" "$unit" > "$work/terok-shield-dbus-bridge@ctest.service"
# A key it cannot parse is only a warning there: any output is a failure here.
if out=$(systemd-analyze verify "$work/terok-shield-dbus-bridge@ctest.service" 2>&1) && [ -z "$out" ]; then
	echo "ok 1 - systemd-analyze verify (no warnings)"
else
	echo "not ok 1 - systemd-analyze verify"; printf '# %s\n' "$out"
fi
exec_line=$(grep '^ExecStart=' "$unit")
if [[ $exec_line =~ ^ExecStart=/.+/terok-shield\ dbus-bridge\ %i$ ]]; then
	echo "ok 2 - ExecStart runs dbus-bridge for the instance: $exec_line"
else
	echo "not ok 2 - ExecStart: $exec_line"
fi
