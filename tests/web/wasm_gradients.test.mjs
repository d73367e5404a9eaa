// wasm_gradients.test.mjs - the gradient-flow protocol (core/unravel_gradients.h) in both
// WebAssembly flavours against the native CLI (`unravel gradients --json`) on tiny golden models:
// the same seed draws the same batches and paths (native_ref gradient-draws), rounds split over
// calls (as workers split them) join to the whole run exactly, and the summaries agree: log10 of
// each length's mean norm within 1e-3 (float32 engines; the scalar, AVX and SIMD128 kernels sum
// in different orders), the effective bands equal.
import fs from 'node:fs';
import path from 'node:path';
import { loadEngine } from '../../wasm/engine.js';
import { check, report, requireWasm, goldenDir, cliJson, nativeJson, syntheticRecords, writeTemp, wasmBase } from './helpers.mjs';

requireWasm();
const engines = [await loadEngine({ moduleBase: wasmBase, simd: false }), await loadEngine({ moduleBase: wasmBase, simd: true })];
const N = 48, SAMPLES = 6, BATCH = 4, SEED = 9;
const records = syntheticRecords(N, 7);
const dataFile = writeTemp('gradients.bin', records);
let worst = 0;

for (const name of ['preact_a', 'postact_b', 'preact_a_wide', 'preact_b_nobn', 'preact_a_small_scale']) {
  const modelFile = path.join(goldenDir, `${name}.safetensors`);
  const native = cliJson('gradients', modelFile, '--data', dataFile, '--samples', String(SAMPLES), '--batch', String(BATCH), '--seed', String(SEED), '--threads', '2');
  const L = native.num_blocks;
  const nativeDraws = nativeJson('gradient-draws', String(N), String(L), String(BATCH), String(SEED), '4');
  for (const engine of engines) {
    const flavour = engine.simd ? 'simd' : 'plain';
    const model = engine.loadModel(fs.readFileSync(modelFile), modelFile);
    engine.setDataset(records, 'gradients.bin');
    const draws = model.gradientDraw({ numImages: N, batch: BATCH, seed: SEED, round: 4 });
    check(JSON.stringify(draws) === JSON.stringify(nativeDraws), `${name} (${flavour}): round 4 draws ${JSON.stringify(draws)} vs native ${JSON.stringify(nativeDraws)}`);
    const whole = model.gradientSample({ samples: SAMPLES, batch: BATCH, seed: SEED });
    const parts = [model.gradientSample({ samples: 2, batch: BATCH, seed: SEED, first: 0 }), model.gradientSample({ samples: 4, batch: BATCH, seed: SEED, first: 2 })];
    const joined = Float64Array.from([...parts[0], ...parts[1]]);
    check(whole.length === SAMPLES * (L + 1) && whole.every((v, i) => Object.is(v, joined[i])), `${name} (${flavour}): rounds 0-1 and 2-5 joined equal the whole run`);
    const summary = model.gradientSummary(joined);
    check(summary.lengths.length === L + 1 && summary.samples === SAMPLES, `${name} (${flavour}): summary of ${summary.lengths.length} lengths, ${summary.samples} samples`);
    summary.lengths.forEach((s, k) => {
      const d = Math.abs(s.log10_mean - native.lengths[k].log10_mean);
      worst = Math.max(worst, d);
      check(d <= 1e-3, `${name} (${flavour}) length ${k}: log10 mean ${s.log10_mean}, native ${native.lengths[k].log10_mean}`);
    });
    check(JSON.stringify(summary.bands.map((b) => [b.lo, b.hi])) === JSON.stringify(native.bands.map((b) => [b.lo, b.hi])), `${name} (${flavour}): bands ${JSON.stringify(summary.bands)} vs native ${JSON.stringify(native.bands)}`);
    let threw = false;
    try {
      model.gradientSample({ samples: 1, batch: N + 1, seed: SEED });
    } catch (e) {
      threw = /batch/.test(e.message);
    }
    check(threw, `${name} (${flavour}): a batch larger than the data is refused with a message`);
    model.free();
  }
}
console.log(`largest |log10 mean norm - native|: ${worst.toExponential(2)}`);
report('web_wasm_gradients');
