#!/usr/bin/env bash
# One API boundary (src/lib/README.md): the shared library exports exactly
# the functions of the public header, each defined in src/lib/api and
# nowhere else, and TS_EXPORT appears nowhere but in the header and in
# src/lib/api. Usage: test-api.sh LIBRARY.so INTERNAL.a. TAP output.
set -u
root=${TS_TEST_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
lib=${1:?the shared library}
archive=${2:?the static library of the internal objects}
header=$root/include/terok-shield/terok-shield.h
n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
check() { # DESCRIPTION FOUND: ok when FOUND is empty, else its lines as diagnostics
	if [ -z "$2" ]; then ok "$1"; else not_ok "$1"; echo "$2" | sed 's/^/# /'; fi
}

# Every declaration in the header starts with TS_EXPORT and names its function on that line.
declared=$(sed -n 's/^TS_EXPORT[^(]*[ *]\([a-z_0-9]*\)(.*/\1/p' "$header" | LC_ALL=C sort)
if [ "$(wc -l <<<"$declared")" -ge 10 ]; then
	ok "the header declares $(wc -l <<<"$declared") functions"
else
	not_ok "the header declares the public functions (found: $declared)"
fi

# Every symbol the library defines for others, of any kind.
exported=$(nm -D --defined-only "$lib" | awk '{ print $NF }' | LC_ALL=C sort)
check "$(basename "$lib") exports exactly the header's functions" \
	"$(diff <(echo "$declared") <(echo "$exported") | sed -n 's/^< /declared, not exported: /p; s/^> /exported, not declared: /p')"

# Where each public function is defined among the library's objects.
# nm -A prints "ARCHIVE:OBJECT:ADDRESS TYPE NAME"; meson names an object after its source path.
definitions=$(nm -A --defined-only "$archive" 2>/dev/null |
	awk '$(NF-1) ~ /^[TtWw]$/ { split($1, part, ":"); n = split(part[2], dir, "/"); print dir[n], $NF }')
misplaced=""
for f in $declared; do
	where=$(awk -v f="$f" '$2 == f { print $1 }' <<<"$definitions")
	if [ -z "$where" ]; then
		misplaced+="$f: defined nowhere"$'\n'
	fi
	while IFS= read -r obj; do
		case $obj in
		src_lib_api_*.o) ;;
		?*) misplaced+="$f: defined in $obj"$'\n' ;;
		esac
	done <<<"$where"
done
check "every public function is defined in src/lib/api and nowhere else" "${misplaced%$'\n'}"

# A library file outside src/lib/api that marks anything for export.
check "TS_EXPORT appears only in the public header and in src/lib/api" \
	"$(cd "$root" && grep -rln 'TS_EXPORT' src include | grep -v -e '^src/lib/api/' -e '^include/terok-shield/terok-shield\.h$')"

echo "1..$n"
[ "$failed" -eq 0 ]
