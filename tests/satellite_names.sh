#!/bin/sh
# Issue 13, item 2: the satellite headers are built only on the public API of
# coro.h. Lists every private identifier (coro__*, CORO__*) that coro.h's code
# names (comments removed: its macros, functions, types, fields, hidden
# locals) and fails if a satellite's code uses any of them. A satellite's own
# private names (coro__lock_pass, CORO_QUEUE__DEF, ...) appear only in that
# satellite and are its business.
#   sh tests/satellite_names.sh [coro.h [satellite.h ...]]
# (default: coro.h, coro_sync.h and coro_queue.h in the current directory)
CC=${CC:-cc}
core=${1:-coro.h}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] || set -- coro_sync.h coro_queue.h
tmp=${TMPDIR:-/tmp}/satellite_names.$$
trap 'rm -f "$tmp".*' EXIT

# The private identifiers in a file's code: the compiler drops the comments
# (-fpreprocessed: no macro is expanded, no header is read).
names() {
    "$CC" -x c -w -fpreprocessed -dD -E -P "$1" >"$tmp.code" || exit 2
    grep -oE '\b(coro__|CORO__)[A-Za-z0-9_]*' "$tmp.code" | sort -u
}

names "$core" >"$tmp.core"
[ -s "$tmp.core" ] || { echo "satellite-names: no private names found in $core"; exit 2; }
bad=0
for h in "$@"; do
    names "$h" >"$tmp.sat"
    comm -12 "$tmp.core" "$tmp.sat" >"$tmp.both"
    if [ -s "$tmp.both" ]; then
        bad=1
        echo "satellite-names: $h uses private names of $core:"
        while read -r n; do
            grep -nE "\\b$n\\b" "$h" | sed "s|^|  $h:|" | head -3
        done <"$tmp.both"
    fi
done
[ $bad = 0 ] && echo "satellite-names: $* use only the public names of $core ($(wc -l <"$tmp.core") private names checked)"
exit $bad
