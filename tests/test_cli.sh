#!/usr/bin/env bash
# test_cli.sh UNRAVEL MODEL - the CLI's usage errors (exit 2, one line), bad files (exit 1, named),
# JSON output, and agreement between its commands. With UNRAVEL_DATA set, also an end-to-end eval
# and sweep on the real test batch.
set -u
unravel=$1 model=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expect STATUS PATTERN -- ARGS...: exit status and a one-line stderr matching PATTERN
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

# json EXPR: evaluate a JavaScript expression over the last JSON output (as `j`)
json() {
    node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
             if (!(eval(process.argv[2]))) { console.error("false: " + process.argv[2]); process.exit(1); }' \
        "$tmp/out" "$1" || fail "JSON check failed: $1 on $(head -c 300 "$tmp/out")"
}

# A small synthetic test batch: 64 records with labels 0-9.
node -e 'const n = 64, b = Buffer.alloc(n * 3073);
         let s = 12345; for (let i = 0; i < b.length; i++) { s = (s * 1103515245 + 12345) >>> 0; b[i] = s >>> 24; }
         for (let i = 0; i < n; i++) b[i * 3073] %= 10;
         require("fs").writeFileSync(process.argv[1], b);' "$tmp/synthetic.bin"
head -c 3000 "$tmp/synthetic.bin" >"$tmp/truncated.bin"
echo "not a model" >"$tmp/corrupt.safetensors"
data=(--data "$tmp/synthetic.bin")

# ---- usage errors: exit 2 ---------------------------------------------------------------
expect 2 "usage" -- 
expect 2 "unknown command 'frobnicate'" -- frobnicate "$model"
expect 2 "needs a MODEL" -- eval
expect 2 "sweep needs a kind" -- sweep
expect 2 "sweep needs a kind" -- sweep sideways "$model"
expect 2 "'abc' is not a positive integer" -- eval "$model" --limit abc
expect 2 "is not a positive integer" -- eval "$model" --limit 0
expect 2 "needs a value" -- eval "$model" --limit
expect 2 "does not take --k" -- eval "$model" --k 3
expect 2 "does not take --frob" -- eval "$model" --frob
expect 2 "does not take --seed" -- sweep delete-one "$model" --seed 3
expect 2 "unexpected argument" -- eval "$model" "$model"
expect 2 "not a list of block numbers" -- eval "$model" --delete 3,,4
expect 2 "outside 1.." -- eval "$model" --delete 999 "${data[@]}"
expect 2 "gives 2 blocks" -- eval "$model" --order 2,1 "${data[@]}"
expect 2 "not a probability" -- sweep drop "$model" --prob 1.5
expect 2 "not 'uniform' or 'linear'" -- sweep drop "$model" --rule steep
expect 2 "range" -- sweep delete-k "$model" --k 5-2
expect 2 "exceeds" -- sweep delete-k "$model" --k 1-999 "${data[@]}"
expect 2 "--threads" -- eval "$model" --threads 0
UNRAVEL_DATA= expect 2 "no CIFAR-10 data" -- eval "$model"

# ---- bad files: exit 1, named ------------------------------------------------------------
expect 1 "$tmp/missing.safetensors" -- info "$tmp/missing.safetensors"
expect 1 "$tmp/corrupt.safetensors" -- info "$tmp/corrupt.safetensors"
expect 1 "$tmp/nowhere" -- eval "$model" --data "$tmp/nowhere"
expect 1 "truncated.bin" -- eval "$model" --data "$tmp/truncated.bin"

# ---- JSON output and consistency ---------------------------------------------------------
expect 0 "" -- info "$model" --json
json 'j.blocks === 3 * j.blocks_per_stage && j.downsampling.length === 2 && j.classes.length === 10'
L=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).blocks)' "$tmp/out")

expect 0 "" -- eval "$model" "${data[@]}" --json
json 'j.images === 64 && j.accuracy >= 0 && j.accuracy <= 1 && j.per_class.length === 10'
cp "$tmp/out" "$tmp/eval.json"
expect 0 "" -- eval "$model" "${data[@]}" --json --limit 10
json 'j.images === 10'

expect 0 "" -- sweep delete-one "$model" "${data[@]}" --json --threads 1
json "j.results.length === $L && j.results.every((r, i) => r.deleted.length === 1 && r.deleted[0] === i + 1)"
json "j.baseline === JSON.parse(require('fs').readFileSync('$tmp/eval.json')).accuracy"
cp "$tmp/out" "$tmp/sweep1.json"
expect 0 "" -- sweep delete-one "$model" "${data[@]}" --json --threads 2
cmp -s "$tmp/out" "$tmp/sweep1.json" || fail "delete-one differs between 1 and 2 threads"

# eval --delete b agrees with the sweep's entry for b (the sweep resumes from cached activations)
for b in 1 2 $L; do
    expect 0 "" -- eval "$model" "${data[@]}" --json --delete $b
    json "j.accuracy === JSON.parse(require('fs').readFileSync('$tmp/sweep1.json')).results[$b - 1].accuracy"
done

expect 0 "" -- sweep delete-k "$model" "${data[@]}" --json --k 1-3 --trials 4 --seed 9
json 'j.results.length === 12 && j.results.every(r => r.deleted.length === r.k)'
cp "$tmp/out" "$tmp/dk.json"
expect 0 "" -- sweep delete-k "$model" "${data[@]}" --json --k 1-3 --trials 4 --seed 9
cmp -s "$tmp/out" "$tmp/dk.json" || fail "delete-k: same seed, different output"
# each delete-k draw re-evaluated on its own gives the same accuracy
del=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).results[7].deleted.join(","))' "$tmp/dk.json")
expect 0 "" -- eval "$model" "${data[@]}" --json --delete "$del"
json "j.accuracy === JSON.parse(require('fs').readFileSync('$tmp/dk.json')).results[7].accuracy"

expect 0 "" -- sweep drop "$model" "${data[@]}" --json --prob 0,1 --trials 2
json 'j.results.length === 4 && j.results[0].accuracy === j.baseline && j.results[0].deleted.length === 0'
json "j.results[2].deleted.length === $L"
expect 0 "" -- sweep drop "$model" "${data[@]}" --json --prob 0.5 --rule linear --trials 3
json 'j.rule === "linear" && j.results.length === 3'

if [ $((L / 3)) -ge 3 ]; then
    expect 0 "" -- sweep reorder "$model" "${data[@]}" --json --swaps 1-2 --trials 3 --seed 4
    json 'j.results.length === 6 && j.results.every(r => r.order.length === j.results[0].order.length && r.tau <= 1 && r.tau > -1)'
    order=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).results[0].order.join(","))' "$tmp/out")
    cp "$tmp/out" "$tmp/ro.json"
    expect 0 "" -- eval "$model" "${data[@]}" --json --order "$order"
    json "j.accuracy === JSON.parse(require('fs').readFileSync('$tmp/ro.json')).results[0].accuracy"
    # moving a downsampling block is refused
    bad=$(node -e 'const n = +process.argv[1]; const o = [...Array(3 * n).keys()].map(i => i + 1);
                   [o[n - 1], o[n]] = [o[n], o[n - 1]]; console.log(o.join(","))' $((L / 3)))
    expect 2 "downsamples and cannot move" -- eval "$model" "${data[@]}" --order "$bad"
fi

expect 0 "" -- paths "$model" --json --k 0-2
json "j.paths === 2 ** $L && j.length_counts.reduce((a, b) => a + b) === j.paths && j.remaining.length === 3"
json "j.remaining[0].fraction.every(f => f === 1) && j.remaining[2].fraction[$L] === 0"

expect 0 "" -- bench "$model" --batch 4 --seconds 0.2 --json
json 'j.batch === 4 && j.threads === 1 && j.images_per_s > 0 && j.gflops > 0'

# ---- end to end on CIFAR-10 (when the data is here) ---------------------------------------
if [ -n "${UNRAVEL_DATA:-}" ]; then
    [ -e "$UNRAVEL_DATA" ] || { echo "FAIL: UNRAVEL_DATA=$UNRAVEL_DATA does not exist"; exit 1; }
    expect 0 "" -- eval "$model" --limit 500 --json
    json 'j.images === 500 && j.per_class.length === 10'
    expect 0 "" -- sweep delete-one "$model" --limit 200 --json
    json "j.images === 200 && j.results.length === $L"
else
    echo "UNRAVEL_DATA not set: skipping the end-to-end run on CIFAR-10"
fi

[ $failures = 0 ] && echo "cli: all checks passed"
exit $((failures > 0))
