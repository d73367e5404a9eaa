#!/usr/bin/env bash
# test_gradients_cli.sh UNRAVEL GOLDEN_DIR - `unravel gradients`: usage errors (exit 2, one line),
# bad files (exit 1), the JSON summary's invariants, threads and the scalar kernels giving the
# same numbers (log10 norms within 1e-3, the issue's bound across kernel variants), and a plain
# network refused. Uses a synthetic .bin, so it runs without CIFAR-10.
set -u
unravel=$1 golden=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

expect() { # STATUS PATTERN -- ARGS...
    local want=$1 pattern=$2
    shift 3
    "$unravel" "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    [ "$got" = "$want" ] || fail "unravel $* exited $got, expected $want ($(cat "$tmp/err"))"
    [ "$(wc -l <"$tmp/err")" = 1 ] || fail "unravel $*: stderr is not one line: $(cat "$tmp/err")"
    grep -q -- "$pattern" "$tmp/err" || fail "unravel $*: stderr lacks '$pattern': $(cat "$tmp/err")"
}

node -e 'const n = 40, b = Buffer.alloc(n * 3073);
         let s = 777; for (let i = 0; i < b.length; i++) { s = (s * 1103515245 + 12345) >>> 0; b[i] = s >>> 24; }
         for (let i = 0; i < n; i++) b[i * 3073] %= 10;
         require("fs").writeFileSync(process.argv[1], b);' "$tmp/synthetic.bin"
model=$golden/preact_a_wide.safetensors
data=(--data "$tmp/synthetic.bin")

expect 2 "needs a MODEL" -- gradients
expect 2 "does not take --limit" -- gradients "$model" --limit 3
expect 2 "not 'train' or 'test'" -- gradients "$model" --split dev
expect 2 "not an integer 1..1000000" -- gradients "$model" --samples 0
expect 2 "not a length or range" -- gradients "$model" --lengths 5-2
expect 2 "exceeds the model's 3 blocks" -- gradients "$model" --lengths 0-4 "${data[@]}"
expect 2 "larger than the 40 images" -- gradients "$model" --batch 41 "${data[@]}"
expect 2 "plain network" -- gradients "$golden/plain_pre.safetensors" "${data[@]}"
expect 1 "cannot read model file" -- gradients "$tmp/missing.safetensors" "${data[@]}"
expect 1 "missing.bin" -- gradients "$model" --data "$tmp/missing.bin"

# json FILE EXPR: a JavaScript expression over the JSON in FILE (as `j`)
json() {
    node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
             if (!(eval(process.argv[2]))) { console.error("false: " + process.argv[2]); process.exit(1); }' \
        "$1" "$2" || fail "JSON check failed: $2 on $(head -c 300 "$1")"
}

for m in preact_a_wide postact_b; do
    args=(gradients "$golden/$m.safetensors" "${data[@]}" --samples 5 --batch 4 --seed 3 --json)
    "$unravel" "${args[@]}" --threads 1 >"$tmp/one.json" 2>/dev/null || fail "$m: 1 thread failed"
    "$unravel" "${args[@]}" --threads 2 >"$tmp/two.json" 2>"$tmp/progress" || fail "$m: 2 threads failed"
    UNRAVEL_KERNELS=scalar "$unravel" "${args[@]}" >"$tmp/scalar.json" 2>/dev/null || fail "$m: scalar failed"
    grep -q "5/5 samples" "$tmp/progress" || fail "$m: no progress line on stderr: $(cat "$tmp/progress")"
    json "$tmp/one.json" 'j.lengths.length === j.blocks + 1 && j.samples === 5 && j.batch === 4 && j.split === "train"'
    json "$tmp/one.json" 'Math.abs(j.lengths.reduce((s, l) => s + l.total, 0) - 1) < 1e-12'
    json "$tmp/one.json" 'j.lengths.every((l, k) => l.length === k && l.samples === 5 && l.mean > 0 && Math.abs(Math.log10(l.mean) - l.log10_mean) < 1e-9)'
    json "$tmp/one.json" 'j.bands.length === 2 && j.bands[0].mass === 0.9 && j.bands[1].mass === 0.97 && j.bands.every((b) => b.lo <= b.hi && b.held >= b.mass && b.path_fraction > 0 && b.path_fraction <= 1)'
    json "$tmp/one.json" 'j.bands[0].hi - j.bands[0].lo <= j.bands[1].hi - j.bands[1].lo'
    node -e 'const f = (p) => JSON.parse(require("fs").readFileSync(p, "utf8"));
             const [a, b, s] = process.argv.slice(1).map(f);
             const same = a.lengths.every((l, k) => l.log10_mean === b.lengths[k].log10_mean && l.sd === b.lengths[k].sd);
             const close = a.lengths.every((l, k) => Math.abs(l.log10_mean - s.lengths[k].log10_mean) <= 1e-3);
             if (!same) { console.error("1 and 2 threads differ"); process.exit(1); }
             if (!close) { console.error("scalar kernels differ by more than 1e-3 in log10"); process.exit(1); }' \
        "$tmp/one.json" "$tmp/two.json" "$tmp/scalar.json" || fail "$m: threads or kernel variants disagree"
done

# Text output: the table and the bands.
"$unravel" gradients "$model" "${data[@]}" --samples 2 --batch 2 >"$tmp/text" 2>/dev/null || fail "text output failed"
grep -q "effective paths, 90% of the total gradient: lengths" "$tmp/text" || fail "text lacks the 90% band: $(cat "$tmp/text")"
[ "$(grep -c '^ *[0-9]\+ \+2 ' "$tmp/text")" = 4 ] || fail "text lacks a row per length 0..3: $(cat "$tmp/text")"

if [ "$failures" -gt 0 ]; then
    echo "test_gradients_cli: $failures failures" >&2
    exit 1
fi
echo "test_gradients_cli: all checks passed"
