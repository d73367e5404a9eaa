#!/usr/bin/env bash
# test_gradients_cli.sh UNRAVEL GOLDEN_DIR - `unravel gradients`: usage errors (exit 2, one line),
# bad files (exit 1), the JSON summary's invariants, threads and the scalar kernels giving the
# same numbers (log10 norms within 1e-3, the issue's bound across kernel variants), and a plain
# network refused. Uses a synthetic .bin, so it runs without CIFAR-10.
. "$(dirname "${BASH_SOURCE[0]}")/cli_harness.sh"
unravel=$1 golden=$2

synthetic_bin "$tmp/synthetic.bin" 40 777
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

for m in preact_a_wide postact_b; do
    args=(gradients "$golden/$m.safetensors" "${data[@]}" --samples 5 --batch 4 --seed 3 --json)
    "$unravel" "${args[@]}" --threads 1 >"$tmp/one.json" 2>/dev/null || fail "$m: 1 thread failed"
    "$unravel" "${args[@]}" --threads 2 >"$tmp/two.json" 2>"$tmp/progress" || fail "$m: 2 threads failed"
    UNRAVEL_KERNELS=scalar "$unravel" "${args[@]}" >"$tmp/scalar.json" 2>/dev/null || fail "$m: scalar failed"
    grep -q "5/5 samples" "$tmp/progress" || fail "$m: no progress line on stderr: $(cat "$tmp/progress")"
    json 'j.lengths.length === j.num_blocks + 1 && !("blocks" in j) && j.samples === 5 && j.batch === 4 && j.split === "train"' "$tmp/one.json"
    json 'Math.abs(j.lengths.reduce((s, l) => s + l.total, 0) - 1) < 1e-12' "$tmp/one.json"
    json 'j.lengths.every((l, k) => l.length === k && l.samples === 5 && l.mean > 0 && Math.abs(Math.log10(l.mean) - l.log10_mean) < 1e-9)' "$tmp/one.json"
    json 'j.bands.length === 2 && j.bands[0].mass === 0.9 && j.bands[1].mass === 0.97 && j.bands.every((b) => b.lo <= b.hi && b.held >= b.mass && b.path_fraction > 0 && b.path_fraction <= 1)' "$tmp/one.json"
    json 'j.bands[0].hi - j.bands[0].lo <= j.bands[1].hi - j.bands[1].lo' "$tmp/one.json"
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

finish test_gradients_cli
