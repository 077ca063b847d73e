#!/bin/sh
# Runs the OpenBSD cross-check (../shared/openbsd-check/check.sh all) from
# a private copy whose symbolic links are links again.  Some copies of the
# tool arrive with every link of its sysroots stored as a small file that
# holds the link's target (usr/include/stdint.h containing "sys/stdint.h",
# machine containing "amd64"); clang reads those as C and fails on every
# file.  A copy with intact links passes through unchanged.
#
#   tests/openbsd-check.sh [TOOLDIR]	default ../shared/openbsd-check
set -eu
src=${1:-../shared/openbsd-check}
[ -f "$src/check.sh" ] || { echo "$0: no $src/check.sh" >&2; exit 2; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
trap 'exit 1' INT TERM
cp -R "$src" "$t/tool"

# A file is a flattened link when all it holds is a relative path to
# something beside it.  Several passes: frame.h points through machine,
# which is itself one until it is repaired.
pass=0
while [ $pass -lt 4 ]; do
	fixed=0
	for f in $(find "$t/tool" -path '*/usr/include/*' -type f -size -64c); do
		target=$(cat "$f")
		case $target in
		""|/*|*[!A-Za-z0-9_./-]*) continue ;;
		esac
		[ -e "$(dirname "$f")/$target" ] || continue
		rm -f "$f"
		ln -s "$target" "$f"
		fixed=$((fixed + 1))
	done
	[ $fixed -eq 0 ] && break
	[ $pass -eq 0 ] && echo "openbsd-check: $fixed flattened links restored"
	pass=$((pass + 1))
done

# Its scratch in a directory of our own: the default names under /tmp are
# the same for every checkout on the machine.
TMPDIR=$t sh "$t/tool/check.sh" all
