# cli_harness.sh - sourced by the CLI test scripts (test_cli.sh, test_cli_hostile.sh,
# test_gradients_cli.sh, test_zoo.sh) before they name their arguments ($unravel: the CLI): a
# scratch folder $tmp removed on exit, failures counted by fail, and finish NAME to report.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# finish NAME: say how it went and exit 1 if anything failed
finish() {
    if [ "$failures" = 0 ]; then echo "$1: all checks passed"; else echo "$1: $failures failures" >&2; fi
    exit $((failures > 0))
}

# expect STATUS PATTERN -- ARGS...: exit status and, for a failure, a one-line stderr matching PATTERN
expect() {
    local want=$1 pattern=$2
    shift 3
    "$unravel" "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    [ "$got" = "$want" ] || fail "unravel $* exited $got, expected $want ($(cat "$tmp/err"))"
    if [ "$want" != 0 ]; then
        [ "$(wc -l <"$tmp/err")" = 1 ] || fail "unravel $*: stderr is not one line: $(cat "$tmp/err")"
        grep -q -- "$pattern" "$tmp/err" || fail "unravel $*: stderr lacks '$pattern': $(cat "$tmp/err")"
    fi
}

# json EXPR [FILE]: a JavaScript expression over the JSON in FILE (default: the last output) as `j`
json() {
    local file=${2:-$tmp/out}
    node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
             if (!(eval(process.argv[2]))) { console.error("false: " + process.argv[2]); process.exit(1); }' \
        "$file" "$1" || fail "JSON check failed: $1 on $(head -c 300 "$file")"
}

# synthetic_bin FILE COUNT SEED: COUNT CIFAR-10 records of seeded noise with labels 0-9
synthetic_bin() {
    node -e 'const [file, n, seed] = process.argv.slice(1), b = Buffer.alloc(n * 3073);
             let s = Number(seed); for (let i = 0; i < b.length; i++) { s = (s * 1103515245 + 12345) >>> 0; b[i] = s >>> 24; }
             for (let i = 0; i < n; i++) b[i * 3073] %= 10;
             require("fs").writeFileSync(file, b);' "$1" "$2" "$3"
}
