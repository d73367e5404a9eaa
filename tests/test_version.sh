#!/usr/bin/env bash
# test_version.sh UNRAVEL CMAKE_VERSION HEADER - one version constant: the core header's
# UNRAVEL_VERSION (read here from the header's text) is what CMake's project() took and what
# `unravel --version` prints (the library's unr_version(), compiled from the same header).
set -u
unravel=$1 cmake_version=$2 header=$3
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

header_version=$(sed -n 's/^#define UNRAVEL_VERSION "\([^"]*\)"$/\1/p' "$header")
[ "$(printf '%s\n' "$header_version" | wc -l)" = 1 ] && [ -n "$header_version" ] || fail "$header: expected one line #define UNRAVEL_VERSION \"X.Y.Z\", found '$header_version'"
[[ $header_version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "$header: UNRAVEL_VERSION '$header_version' is not MAJOR.MINOR.PATCH"
[ "$cmake_version" = "$header_version" ] || fail "CMake's project version '$cmake_version' is not the header's '$header_version'"
out=$("$unravel" --version) || fail "unravel --version exited $?"
[ "$out" = "unravel $header_version" ] || fail "unravel --version printed '$out', expected 'unravel $header_version'"
# No second definition anywhere in the sources: the header is the only place.
root=$(dirname "$header")/..
others=$( { grep -rnE --include='*.c' --include='*.h' '#[[:space:]]*define[[:space:]]+UNRAVEL_VERSION' "$root/core" "$root/cli" "$root/wasm" "$root/tests" "$root/fuzz";
            grep -rn --include='CMakeLists.txt' 'UNRAVEL_VERSION=' "$root/CMakeLists.txt" "$root/core" "$root/cli" "$root/wasm" "$root/tests" "$root/fuzz"; } 2>/dev/null | grep -v 'core/unravel.h:')
[ -z "$others" ] || fail "UNRAVEL_VERSION is defined outside core/unravel.h: $others"

[ "$failures" = 0 ] && echo "version: $header_version everywhere" && exit 0
exit 1
