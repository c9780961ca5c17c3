#!/usr/bin/env bash
# The library's folders are layers (src/lib/README.md): a file may include
# headers of its own folder and of lower ones, never of a higher one, and
# every library file sits in a known folder. TAP output.
set -u
root=${TS_TEST_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
layers=(base nft bundle config container dns observe control api bridge)
rank() { local i; for i in "${!layers[@]}"; do [ "${layers[$i]}" = "$1" ] && { echo "$i"; return; }; done; echo -1; }
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

# check_tree DIR: "FILE includes HEADER" lines for every upward or unknown include.
check_tree() {
	local dir=$1 f folder own inc target
	while IFS= read -r f; do
		folder=${f#"$dir"/}
		folder=${folder%%/*}
		own=$(rank "$folder")
		if [ "$own" -lt 0 ] || [ "$folder" = "${f#"$dir"/}" ]; then
			echo "$f is in no known folder"
			continue
		fi
		while IFS= read -r inc; do
			case $inc in */*) ;; *) echo "$f includes \"$inc\" without its folder"; continue ;; esac
			target=$(rank "${inc%%/*}")
			if [ "$target" -lt 0 ]; then
				echo "$f includes \"$inc\" from no known folder"
			elif [ "$target" -gt "$own" ] && [ "${inc%%/*}" != "$folder" ]; then
				echo "$f ($folder) includes \"$inc\" (${inc%%/*}, a higher layer)"
			fi
		done < <(sed -n 's/^#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" | grep -v '^build-config\.h$')
	done < <(find "$dir" -name '*.[ch]' | LC_ALL=C sort)
}

# The check can fail: a planted upward include and a file outside any folder are reported.
plant=$(mktemp -d)
trap 'rm -rf "$plant"' EXIT
mkdir -p "$plant/base" "$plant/control"
printf '#include "control/live.h"\n' >"$plant/base/x.c"
printf '#include "base/util.h"\n' >"$plant/control/y.c"
printf '#include "util.h"\n' >"$plant/z.c"
found=$(check_tree "$plant")
if grep -q 'base/x.c (base) includes "control/live.h"' <<<"$found" &&
	grep -q 'z.c is in no known folder' <<<"$found" && ! grep -qF '/control/y.c' <<<"$found"; then
	ok "a planted upward include and a file outside the folders are found, a downward one is not"
else
	not_ok "a planted upward include and a file outside the folders are found, a downward one is not"
	echo "$found" | sed 's/^/# /'
fi

found=$(check_tree "$root/src/lib")
if [ -z "$found" ]; then
	ok "src/lib: every include points to the file's own layer or a lower one"
else
	not_ok "src/lib: every include points to the file's own layer or a lower one"
	echo "$found" | sed "s|$root/||; s/^/# /"
fi
echo "1..$n"
[ "$failed" -eq 0 ]
