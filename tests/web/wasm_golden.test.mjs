// wasm_golden.test.mjs - both WebAssembly flavours give the native engine's logits and
// predictions on the golden inputs (tests/golden), for every plan in the golden files; the
// workers (wasm/worker.js) normalise CIFAR records with the model info's mean and std.
//
// Tolerances (float32 engines; the scalar, AVX and SIMD128 kernels sum in different orders):
//   WebAssembly vs native:            |a - b| <= 5e-5 * (1 + |b|)
//   WebAssembly vs PyTorch (float64): |a - b| <= 1e-4 * (1 + |b|), as the native suite uses
// Predictions (argmax) must be identical to the native ones.
import path from 'node:path';
import fs from 'node:fs';
import { loadEngine } from '../../wasm/engine.js';
import { handlers } from '../../wasm/worker.js';
import { check, report, requireWasm, goldenNames, goldenDir, readGolden, nativeJson, cliText, writeTemp, wasmBase, root } from './helpers.mjs';

const NATIVE_TOL = 5e-5;
const TORCH_TOL = 1e-4;

requireWasm();
const engines = [await loadEngine({ moduleBase: wasmBase, simd: false }), await loadEngine({ moduleBase: wasmBase, simd: true })];
check(engines[0].kernels === 'scalar', `the plain module runs the scalar kernels (got ${engines[0].kernels})`);
check(engines[1].kernels === 'wasmsimd', `the SIMD module runs the wasmsimd kernels (got ${engines[1].kernels})`);
// One version constant: both modules report the core header's UNRAVEL_VERSION, as the CLI does.
const headerVersion = /^#define UNRAVEL_VERSION "([^"]+)"$/m.exec(fs.readFileSync(path.join(root, 'core', 'unravel.h'), 'utf8'))?.[1];
const cliVersion = cliText('--version').trim();
check(!!headerVersion && engines.every((e) => e.version === headerVersion), `both modules report the header's version ${headerVersion} (got ${engines.map((e) => e.version).join(', ')})`);
check(cliVersion === `unravel ${headerVersion}`, `the CLI's --version agrees ("${cliVersion}")`);

// The page's workers (wasm/worker.js), whose logits request normalises CIFAR records itself.
const workers = [];
for (const simd of [false, true]) {
  const worker = handlers();
  await worker.init({ moduleBase: wasmBase, simd });
  workers.push(worker);
}

const argmax = (v, i) => {
  let best = 0;
  for (let c = 1; c < 10; c++) if (v[i * 10 + c] > v[i * 10 + best]) best = c;
  return best;
};

const worst = { native: 0, torch: 0 };
for (const name of goldenNames()) {
  const modelFile = path.join(goldenDir, `${name}.safetensors`);
  const golden = readGolden(path.join(goldenDir, `${name}.golden`));
  const native = nativeJson('logits', modelFile, path.join(goldenDir, `${name}.golden`)).plans;
  // The CIFAR-record path (pixels -> normalisation -> run) must predict what native does.
  const records = new Uint8Array(golden.n * 3073);
  for (let i = 0; i < golden.n; i++) {
    records[i * 3073] = argmax(golden.plans[0].logits, i);
    records.set(golden.pixels.subarray(i * 3072, (i + 1) * 3072), i * 3073 + 1);
  }
  const recordsFile = writeTemp(`golden_${name}.bin`, records);
  const nativePredictions = nativeJson('predict', modelFile, recordsFile).predictions;

  for (const engine of engines) {
    const flavour = engine.simd ? 'simd' : 'plain';
    const model = engine.loadModel(fs.readFileSync(modelFile), modelFile);
    check(model.info.num_blocks === golden.num_blocks, `${name} (${flavour}): ${model.info.num_blocks} blocks, golden file says ${golden.num_blocks}`);
    golden.plans.forEach((plan, p) => {
      const logits = model.forward(golden.images, golden.n, { keep: plan.keep, order: plan.order });
      let bad = 0;
      for (let k = 0; k < logits.length; k++) {
        const dn = Math.abs(logits[k] - native[p][k]) / (1 + Math.abs(native[p][k]));
        const dt = Math.abs(logits[k] - plan.logits[k]) / (1 + Math.abs(plan.logits[k]));
        worst.native = Math.max(worst.native, dn);
        worst.torch = Math.max(worst.torch, dt);
        if (!(dn <= NATIVE_TOL) || !(dt <= TORCH_TOL)) bad++;
      }
      check(bad === 0, `${name} (${flavour}) plan ${p}: ${bad} logits outside tolerance`);
      for (let i = 0; i < golden.n; i++) {
        check(argmax(logits, i) === argmax(Float32Array.from(native[p]), i), `${name} (${flavour}) plan ${p} image ${i}: prediction differs from native`);
      }
    });
    engine.setDataset(records, recordsFile);
    const spec = { model: { name, sha256: engine.sha256(fs.readFileSync(modelFile)) }, kind: 'eval', params: {}, images: golden.n, data_sha256: engine.sha256(records) };
    const { raw, predictions: all } = model.runExperiment(spec, { predictions: true });
    const predictions = Array.from(all.subarray(0, golden.n)); // the intact network's, first
    check(JSON.stringify(predictions) === JSON.stringify(nativePredictions), `${name} (${flavour}): predictions from CIFAR records ${predictions} vs native ${nativePredictions}`);
    check(raw[0] === golden.n, `${name} (${flavour}): tally counts ${raw[0]} images`);
    model.free();
  }

  // The model info carries the file's input normalisation (as float32, as the core uses it), and
  // the workers' logits of the records, normalised with it, predict what native does.
  const bytes = fs.readFileSync(modelFile);
  const meta = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')).__metadata__;
  const three = (text) => String(text).split(/[,\s[\]]+/).filter(Boolean).map((v) => Math.fround(Number(v)));
  for (const worker of workers) {
    const { reply: { info } } = worker.load({ modelId: name, bytes, name: modelFile });
    check(JSON.stringify(info.mean) === JSON.stringify(three(meta['unravel.mean'])) && JSON.stringify(info.std) === JSON.stringify(three(meta['unravel.std'])),
      `${name}: info mean ${info.mean} and std ${info.std} are the file's ${meta['unravel.mean']} / ${meta['unravel.std']}`);
    const { reply: { intact } } = worker.logits({ modelId: name, bytes: records, deleted: [] });
    const predictions = Array.from({ length: golden.n }, (_, i) => argmax(intact, i));
    check(JSON.stringify(predictions) === JSON.stringify(nativePredictions), `${name}: the worker's logits of CIFAR records predict ${predictions}, native ${nativePredictions}`);
    worker.unload({ modelId: name });
  }
}
console.log(`largest relative logit difference: vs native ${worst.native.toExponential(2)}, vs PyTorch ${worst.torch.toExponential(2)}`);
report('web_wasm_golden');
