#!/usr/bin/env bash
# The repository stands alone: no file cites a specification outside it,
# no file keeps a merge's conflict markers, and every relative link of README.md and docs/*.md (file, and heading
# anchor for Markdown targets) exists. TAP output.
#
# Usage: test-standalone.sh SOURCE_ROOT
set -u
src=${1:?usage: test-standalone.sh SOURCE_ROOT}
scratch=$(mktemp -d /tmp/ts-docs-XXXXXX)
trap 'rm -rf "$scratch"' EXIT

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; sed 's/^/# /' "$scratch/found"; }

# Spelled in pieces so this script does not match itself.
word=SP
word=${word}EC
outside='\.\./'shared
# The word on its own (AF_UNSPEC and the like are other words), or the file name.
forbidden="(^|[^A-Za-z0-9_])${word}([^A-Za-z0-9_]|$)|${word}\\.md|${outside}"

# Files of the tree: git's view (tracked, plus new files not ignored) in a
# checkout, else every file outside build directories (a release tarball).
list_files() { # ROOT
	if git -C "$1" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$1" ls-files -z --cached --others --exclude-standard
	else
		(cd "$1" && find . -type d \( -name '.git' -o -name 'build*' \) -prune -o -type f -print0 |
			sed -z 's|^\./||')
	fi
}

# Lines (FILE:LINE:TEXT) citing the outside specification; none: exit 1.
find_mentions() { # ROOT
	(cd "$1" && list_files . | sort -zu |
		while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
		xargs -0 -r grep -I -n -E -- "$forbidden")
}

# Lines (FILE:LINE:TEXT) a merge left unresolved (conflict markers); none: exit 1.
find_conflicts() { # ROOT
	(cd "$1" && list_files . | sort -zu |
		while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
		xargs -0 -r grep -I -n -E -- '^(<{7}|>{7})( |$)|^={7}$')
}

# GitHub's anchor of each heading of a Markdown file (fenced code skipped).
anchors() { # FILE
	awk '/^(```|~~~)/ { fenced = !fenced; next }
	     !fenced && /^#+ / {
		h = $0; sub(/^#+ +/, "", h); h = tolower(h)
		gsub(/[^a-z0-9 _-]/, "", h); gsub(/ /, "-", h); print h
	     }' "$1"
}

# Broken relative links of the given Markdown files, one per line; none: exit 1.
find_broken_links() { # FILE...
	local f target path anchor bad=1
	for f in "$@"; do
		while IFS= read -r target; do
			case $target in
			http://* | https://* | mailto:*) continue ;;
			esac
			path=${target%%#*}
			anchor=
			[ "$path" != "$target" ] && anchor=${target#*#}
			if [ -z "$path" ]; then
				path=$f
			else
				path=$(dirname "$f")/$path
			fi
			if [ ! -e "$path" ]; then
				echo "$f: $target: no such file"
				bad=0
			elif [ -n "$anchor" ] && [[ $path == *.md ]] && ! anchors "$path" | grep -qxF -- "$anchor"; then
				echo "$f: $target: no such heading"
				bad=0
			fi
		done < <(grep -oE '\]\([^)[:space:]]+\)' "$f" | sed -E 's/^\]\((.*)\)$/\1/')
	done
	return $bad
}

# --- the checks can fail: a planted mention and planted broken links are found
mkdir -p "$scratch/tree/docs"
printf 'int x = AF_UNSPEC;\n' >"$scratch/tree/clean.c"
if ! find_mentions "$scratch/tree" >"$scratch/found"; then ok "AF_UNSPEC is not a mention"; else not_ok "AF_UNSPEC is not a mention"; fi
for planted in "/* rule order of ${word} 1.3 */" "see ..""/shared/${word}.md" "the ${word} sections 0 and 5"; do
	printf '%s\n' "$planted" >"$scratch/tree/planted.c"
	if find_mentions "$scratch/tree" >"$scratch/found"; then ok "finds a planted mention: $planted"; else not_ok "finds a planted mention: $planted"; fi
done
printf 'a\n%s ours\nb\n%s\nc\n%s theirs\n' '<<<<''<<<' '====''===' '>>>>''>>>' >"$scratch/tree/planted.c"
if find_conflicts "$scratch/tree" >"$scratch/found"; then ok "finds planted conflict markers"; else not_ok "finds planted conflict markers"; fi
printf '# Title\n\n## Some `code` heading, here\n\n```\n# not a heading\n```\n' >"$scratch/tree/docs/a.md"
printf '[ok](a.md#some-code-heading-here) [ok](#b) [web](https://example.com/x)\n\n## B\n' >"$scratch/tree/docs/b.md"
if ! find_broken_links "$scratch/tree/docs/b.md" >"$scratch/found"; then ok "good links pass"; else not_ok "good links pass"; fi
for planted in "[x](missing.md)" "[x](a.md#no-such-heading)" "[x](a.md#not-a-heading)" "[x](#nowhere)"; do
	printf '%s\n' "$planted" >"$scratch/tree/docs/c.md"
	if find_broken_links "$scratch/tree/docs/c.md" >"$scratch/found"; then ok "finds a broken link: $planted"; else not_ok "finds a broken link: $planted"; fi
done

# --- the repository
if find_mentions "$src" >"$scratch/found"; then
	not_ok "no file cites the outside specification"
else
	ok "no file cites the outside specification"
fi
if find_conflicts "$src" >"$scratch/found"; then
	not_ok "no file holds a merge's conflict markers"
else
	ok "no file holds a merge's conflict markers"
fi
docs=("$src/README.md" "$src"/docs/*.md)
if [ -e "$src/docs/README.md" ]; then ok "docs/README.md indexes docs/"; else : >"$scratch/found"; not_ok "docs/README.md indexes docs/"; fi
if find_broken_links "${docs[@]}" >"$scratch/found"; then
	not_ok "every relative link of README.md and docs/*.md exists"
else
	ok "every relative link of README.md and docs/*.md exists"
fi
for page in bundle ruleset interactive cli; do
	if grep -q "](docs/$page.md" "$src/README.md" "$src/docs/README.md" 2>/dev/null ||
		grep -q "]($page.md" "$src/docs/README.md"; then
		ok "docs/$page.md is linked"
	else
		: >"$scratch/found"
		not_ok "docs/$page.md is linked"
	fi
done

echo "1..$n"
[ "$failed" -eq 0 ]
