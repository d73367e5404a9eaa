// wasm_sweeps.test.mjs - every kind of experiment run the page's way (a pool of 3 node workers
// holding two models by id, the images split into chunks, tallies merged, the summary written by
// the core in a worker) equals `unravel run SPEC.json --json` on the same images: same rows, same
// counts, same groups, the same text. The one-engine path is wasm_experiments.test.mjs.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createPool } from '../../wasm/pool.js';
import { cutSubset } from '../../web/tools/cifar_subset.mjs';
import { check, report, requireWasm, goldenDir, dataPath, syntheticRecords, writeTemp, nodeWorker, wasmBase, root } from './helpers.mjs';

requireWasm();
const cli = process.env.UNRAVEL_CLI || path.join(root, 'build', 'cli', 'unravel');
const real = dataPath();
const IMAGES = real ? 150 : 90;
const records = real ? new Uint8Array(cutSubset(real, IMAGES).bytes) : syntheticRecords(IMAGES, 12345);
const dataFile = writeTemp(real ? 'sweeps_subset.bin' : 'sweeps_synthetic.bin', records);
console.log(`images: ${real ? `first ${IMAGES} CIFAR-10 test images` : `${IMAGES} synthetic records (no UNRAVEL_DATA)`}`);

const files = [path.join(goldenDir, 'postact_b.safetensors'), path.join(goldenDir, 'plain_pre.safetensors')];
const zoo = path.join(root, 'models', 'resnet20.safetensors');
if (real && fs.existsSync(zoo)) files.push(zoo);

const pool = await createPool({ size: 3, createWorker: () => nodeWorker(), moduleBase: wasmBase, simd: true });
const loaded = {};
for (const file of files) {
  const name = path.basename(file, '.safetensors');
  loaded[name] = { file, ...(await pool.load(name, { bytes: fs.readFileSync(file), name: file })) };
}
const dataSha = '0'.repeat(64); // the CLI is given the records file with --any-data

for (const [name, { file, info, sha256 }] of Object.entries(loaded)) {
  const L = info.num_blocks;
  const specs = [
    { kind: 'eval', params: { deleted: [2, L] } },
    { kind: 'delete-one', params: {} },
    // the tiny golden models have 3 blocks: no 'paper' block to draw, nothing to reorder
    { kind: 'delete-k', params: { k: [1, Math.min(3, L - 1)], trials: 3, eligible: L >= 9 ? 'paper' : 'all' }, seed: 7 },
    ...(info.blocks_per_stage >= 2 ? [{ kind: 'reorder', params: { swaps: [1, 3], trials: 2 }, seed: 9007199254740991 }] : []),
    { kind: 'drop', params: { probs: [0.2, 0.5], rule: 'uniform', trials: 3 }, seed: 3 },
    { kind: 'drop', params: { probs: [0.5], rule: 'linear', trials: 4 }, seed: 9 },
    { kind: 'ensemble', params: { prob: 0.3, sizes: [1, 2, 4], trials: 2 }, seed: 11 },
  ];
  // Both models' runs are in flight at once in the same pool.
  await Promise.all(specs.map(async (partial) => {
    const spec = { model: { name, sha256 }, images: IMAGES, data_sha256: dataSha, seed: 1, ...partial };
    const label = `${name} ${spec.kind} ${JSON.stringify(spec.params)}`;
    const { rows } = await pool.request(name, 'experiment', { spec });
    const result = await pool.run({ modelId: name, spec, records, rows, count: IMAGES });
    const { summary } = await pool.request(name, 'summarize', { spec, raw: result.raw });
    const specFile = writeTemp(`sweeps_${name}_${spec.kind}_${spec.seed}.json`, JSON.stringify(spec));
    const native = JSON.parse(execFileSync(cli, ['run', specFile, '--models', path.dirname(file), '--data', dataFile, '--any-data', '--json'], { encoding: 'utf8' }));
    delete native.data_sha256_used; // what --any-data adds, if anything, is not the page's concern
    const strip = (s) => JSON.stringify({ baseline: s.baseline, rows: s.rows, groups: s.groups });
    check(result.imagesDone === IMAGES && summary.baseline.images === IMAGES, `${label}: ${result.imagesDone} images`);
    check(strip(summary) === strip(native), `${label}: the pool's summary differs from the CLI's\n  pool ${strip(summary).slice(0, 300)}\n  cli  ${strip(native).slice(0, 300)}`);
  }));
}
pool.terminate();
report('web_wasm_sweeps');
