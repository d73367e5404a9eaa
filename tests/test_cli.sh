#!/usr/bin/env bash
# test_cli.sh UNRAVEL MODEL - the CLI's usage errors (exit 2, one line), bad files (exit 1, named),
# JSON output, and agreement between its commands. With UNRAVEL_DATA set, also an end-to-end eval
# and sweep on the real test batch.
. "$(dirname "${BASH_SOURCE[0]}")/cli_harness.sh"
unravel=$1 model=$2

# A small synthetic test batch: 64 records with labels 0-9.
synthetic_bin "$tmp/synthetic.bin" 64 12345
head -c 3000 "$tmp/synthetic.bin" >"$tmp/truncated.bin"
echo "not a model" >"$tmp/corrupt.safetensors"
data=(--data "$tmp/synthetic.bin")

# ---- usage errors: exit 2 ---------------------------------------------------------------
expect 2 "usage" -- 
expect 2 "unknown command 'frobnicate'" -- frobnicate "$model"
expect 2 "needs a MODEL" -- eval
expect 2 "sweep needs a kind" -- sweep
expect 2 "sweep needs a kind" -- sweep sideways "$model"
expect 2 "does not take --eligible" -- sweep reorder "$model" --eligible all
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

# ---- help: stdout, exit 0, also after a command and its flags -----------------------------
for args in "--help" "-h" "help" "eval --help" "gradients $model --help" "sweep delete-k $model --k 3 -h"; do
    expect 0 "" -- $args
    grep -q "unravel sweep delete-k MODEL" "$tmp/out" || fail "unravel $args: the help is not on stdout: $(head -c 200 "$tmp/out")"
done

# ---- bad files: exit 1, named ------------------------------------------------------------
expect 1 "$tmp/missing.safetensors" -- info "$tmp/missing.safetensors"
expect 1 "$tmp/corrupt.safetensors" -- info "$tmp/corrupt.safetensors"
expect 1 "$tmp/nowhere" -- eval "$model" --data "$tmp/nowhere"
expect 1 "truncated.bin" -- eval "$model" --data "$tmp/truncated.bin"

# ---- JSON output and consistency ---------------------------------------------------------
expect 0 "" -- info "$model" --json
# the count is num_blocks; "blocks" is only ever a per-block list (the page's model info)
json 'j.num_blocks === 3 * j.blocks_per_stage && !("blocks" in j) && j.downsampling.length === 2 && j.classes.length === 10'
L=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).num_blocks)' "$tmp/out")

expect 0 "" -- eval "$model" "${data[@]}" --json
json 'j.images === 64 && j.accuracy >= 0 && j.accuracy <= 1 && j.per_class.length === 10'
cp "$tmp/out" "$tmp/eval.json"
expect 0 "" -- eval "$model" "${data[@]}" --json --limit 10
json 'j.images === 10'

expect 0 "" -- sweep delete-one "$model" "${data[@]}" --json --threads 1
json "j.rows.length === $L && j.rows.every((r, i) => r.deleted.length === 1 && r.deleted[0] === i + 1 && r.images === 64)"
json "j.baseline.correct === Math.round(JSON.parse(require('fs').readFileSync('$tmp/eval.json')).accuracy * 64)"
json "j.spec.kind === 'delete-one' && j.spec.images === 64 && /^[0-9a-f]{64}\$/.test(j.spec.model.sha256) && j.groups.length === 0"
cp "$tmp/out" "$tmp/sweep1.json"
expect 0 "" -- sweep delete-one "$model" "${data[@]}" --json --threads 2
cmp -s "$tmp/out" "$tmp/sweep1.json" || fail "delete-one differs between 1 and 2 threads"
expect 0 "" -- sweep delete-one "$model" "${data[@]}"
grep -q "unmodified network: accuracy" "$tmp/out" || fail "delete-one text output: $(cat "$tmp/out")"

# eval --delete b agrees with the sweep's entry for b (the sweep resumes from cached activations)
for b in 1 2 $L; do
    expect 0 "" -- eval "$model" "${data[@]}" --json --delete $b --predictions
    json "Math.round(j.accuracy * 64) === JSON.parse(require('fs').readFileSync('$tmp/sweep1.json')).rows[$b - 1].correct"
    # per-image predictions: 64 each, and the lesioned ones hit as often as the accuracy says
    json "j.predictions.intact.length === 64 && j.predictions.lesioned.length === 64"
    label=$(node -e 'const b = require("fs").readFileSync(process.argv[1]); console.log([...Array(64).keys()].map(i => b[i * 3073]).join(","))' "$tmp/synthetic.bin")
    json "[$label].filter((l, i) => l === j.predictions.lesioned[i]).length === Math.round(j.accuracy * 64)"
    json "[$label].filter((l, i) => l === j.predictions.intact[i]).length === JSON.parse(require('fs').readFileSync('$tmp/sweep1.json')).baseline.correct"
done
expect 2 "add --json" -- eval "$model" "${data[@]}" --predictions

expect 0 "" -- sweep delete-k "$model" "${data[@]}" --json --k 1-3 --trials 4 --seed 9 --eligible all
json 'j.rows.length === 12 && j.rows.every(r => r.deleted.length === r.k) && j.groups.length === 3 && j.groups.every(g => g.n === 4)'
json 'j.spec.params.eligible === "all" && j.spec.seed === 9'
cp "$tmp/out" "$tmp/dk.json"
expect 0 "" -- sweep delete-k "$model" "${data[@]}" --json --k 1-3 --trials 4 --seed 9 --eligible all
cmp -s "$tmp/out" "$tmp/dk.json" || fail "delete-k: same seed, different output"
# each delete-k draw re-evaluated on its own gives the same accuracy
del=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).rows[7].deleted.join(","))' "$tmp/dk.json")
expect 0 "" -- eval "$model" "${data[@]}" --json --delete "$del"
json "Math.round(j.accuracy * 64) === JSON.parse(require('fs').readFileSync('$tmp/dk.json')).rows[7].correct"
expect 2 "eligible" -- sweep delete-k "$model" "${data[@]}" --eligible some
if [ $((L / 3)) -ge 2 ]; then
    # the paper's blocks: never block 1 or a downsampling block (1, n+1, 2n+1)
    n=$((L / 3))
    expect 0 "" -- sweep delete-k "$model" "${data[@]}" --json --trials 5
    json "j.spec.params.eligible === 'paper' && j.spec.params.k[0] === 1 && j.spec.params.k[1] === Math.min(20, $L - 3 - 1)"
    json "j.rows.every(r => !r.deleted.includes(1) && !r.deleted.includes($n + 1) && !r.deleted.includes(2 * $n + 1))"
    expect 2 "exceeds the $((L - 3)) blocks" -- sweep delete-k "$model" "${data[@]}" --k 1-$((L - 2))
fi

expect 0 "" -- sweep drop "$model" "${data[@]}" --json --prob 0,1 --trials 2
json 'j.rows.length === 4 && j.rows[0].correct === j.baseline.correct && j.rows[0].deleted.length === 0'
json "j.rows[2].deleted.length === $L && j.groups[0].prob === 0 && j.groups[1].prob === 1"
expect 0 "" -- sweep drop "$model" "${data[@]}" --json --prob 0.5 --rule linear --trials 3
json 'j.spec.params.rule === "linear" && j.rows.length === 3'

# an ensemble of one network is that network: trial t's first member is drop draw t * max(size)
expect 0 "" -- sweep ensemble "$model" "${data[@]}" --json --prob 0.3 --sizes 1,3 --trials 2 --seed 5
json 'j.rows.length === 4 && j.rows[0].size === 1 && j.rows[2].size === 3 && j.rows[3].members.length === 3 && j.groups.length === 2'
cp "$tmp/out" "$tmp/ens.json"
expect 0 "" -- sweep drop "$model" "${data[@]}" --json --prob 0.3 --trials 6 --seed 5
json "const e = JSON.parse(require('fs').readFileSync('$tmp/ens.json')); [0, 1].every(t => e.rows[t].correct === j.rows[3 * t].correct && JSON.stringify(e.rows[t].members[0]) === JSON.stringify(j.rows[3 * t].deleted))"
expect 2 "one probability" -- sweep ensemble "$model" "${data[@]}" --prob 0.1,0.2
expect 2 "params.sizes: must increase" -- sweep ensemble "$model" "${data[@]}" --sizes 4,2

if [ $((L / 3)) -ge 3 ]; then
    expect 0 "" -- sweep reorder "$model" "${data[@]}" --json --swaps 1-2 --trials 3 --seed 4
    json 'j.rows.length === 6 && j.rows.every(r => r.order.length === j.rows[0].order.length && r.tau <= 1 && r.tau > -1)'
    json 'j.groups.length === 2 && j.groups.every(g => g.tau_mean < 1)'
    order=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).rows[0].order.join(","))' "$tmp/out")
    cp "$tmp/out" "$tmp/ro.json"
    expect 0 "" -- eval "$model" "${data[@]}" --json --order "$order"
    json "Math.round(j.accuracy * 64) === JSON.parse(require('fs').readFileSync('$tmp/ro.json')).rows[0].correct"
    # moving a downsampling block is refused
    bad=$(node -e 'const n = +process.argv[1]; const o = [...Array(3 * n).keys()].map(i => i + 1);
                   [o[n - 1], o[n]] = [o[n], o[n - 1]]; console.log(o.join(","))' $((L / 3)))
    expect 2 "downsamples and cannot move" -- eval "$model" "${data[@]}" --order "$bad"
fi

# ---- run SPEC.json: the same summary as the sweep that wrote the spec ------------------
models=$(dirname "$model")
node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1])); require("fs").writeFileSync(process.argv[2], JSON.stringify(j.spec, null, 1))' "$tmp/ens.json" "$tmp/spec.json"
expect 0 "" -- run "$tmp/spec.json" --models "$models" "${data[@]}" --json
cmp -s "$tmp/out" "$tmp/ens.json" || fail "run spec.json differs from the sweep that wrote the spec"
node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1])); require("fs").writeFileSync(process.argv[2], JSON.stringify(j.spec))' "$tmp/dk.json" "$tmp/spec.json"
expect 0 "" -- run "$tmp/spec.json" --models "$models" "${data[@]}" --json --threads 2
cmp -s "$tmp/out" "$tmp/dk.json" || fail "run spec.json differs from the delete-k sweep"
sed 's/"sha256":"[0-9a-f]*"/"sha256":"0000000000000000000000000000000000000000000000000000000000000000"/' "$tmp/spec.json" >"$tmp/othermodel.json"
expect 1 "differs from the spec's 0000000000000000000000000000000000000000000000000000000000000000" -- run "$tmp/othermodel.json" --models "$models" "${data[@]}"
sed 's/"data_sha256":"[0-9a-f]*"/"data_sha256":"1111111111111111111111111111111111111111111111111111111111111111"/' "$tmp/spec.json" >"$tmp/otherdata.json"
expect 1 "test data SHA-256 .* differs from the spec's 1111" -- run "$tmp/otherdata.json" --models "$models" "${data[@]}"
expect 0 "" -- run "$tmp/otherdata.json" --models "$models" "${data[@]}" --any-data --json
json "j.spec.data_sha256 === JSON.parse(require('fs').readFileSync('$tmp/dk.json')).spec.data_sha256"
sed 's/"k":\[1,3\]/"k":[3,1]/' "$tmp/spec.json" >"$tmp/badk.json"
expect 1 "badk.json: params.k: must be" -- run "$tmp/badk.json" --models "$models" "${data[@]}"
expect 1 "spec.json: cannot read" -- run "$tmp/nospec.json"
expect 1 "cannot read model file" -- run "$tmp/spec.json" --models "$tmp" "${data[@]}"
expect 2 "run needs a SPEC" -- run

expect 0 "" -- paths "$model" --json --k 0-2
json "j.num_blocks === $L && !('blocks' in j) && j.paths === 2 ** $L && j.length_counts.reduce((a, b) => a + b) === j.paths && j.remaining.length === 3"
json "j.remaining[0].fraction.every(f => f === 1) && j.remaining[2].fraction[$L] === 0"

expect 0 "" -- bench "$model" --batch 4 --seconds 0.2 --json
json 'j.batch === 4 && j.threads === 1 && j.images_per_s > 0 && j.gflops > 0'

# ---- end to end on CIFAR-10 (when the data is here) ---------------------------------------
if [ -n "${UNRAVEL_DATA:-}" ]; then
    [ -e "$UNRAVEL_DATA" ] || { echo "FAIL: UNRAVEL_DATA=$UNRAVEL_DATA does not exist"; exit 1; }
    expect 0 "" -- eval "$model" --limit 500 --json
    json 'j.images === 500 && j.per_class.length === 10'
    expect 0 "" -- sweep delete-one "$model" --limit 200 --json
    json "j.baseline.images === 200 && j.spec.images === 200 && j.rows.length === $L"
else
    echo "UNRAVEL_DATA not set: skipping the end-to-end run on CIFAR-10"
fi

finish cli
