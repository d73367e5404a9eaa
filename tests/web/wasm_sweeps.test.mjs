// wasm_sweeps.test.mjs - the WebAssembly engine, run through the worker pool (3 node workers,
// images split into chunks and merged), gives exactly the native CLI's numbers for the same
// images and seeds: eval with deletions, and the delete-one, delete-k, reorder and drop sweeps
// (same plans: deleted blocks, orders, Kendall tau; same correct-image counts).
import fs from 'node:fs';
import path from 'node:path';
import { describePlan, planListDeleting, loadEngine } from '../../wasm/engine.js';
import { createPool } from '../../wasm/pool.js';
import { cutSubset } from '../../web/tools/cifar_subset.mjs';
import { check, report, requireWasm, goldenNames, goldenDir, cliJson, dataPath, syntheticRecords, writeTemp, nodeWorker, countOf, wasmBase, root } from './helpers.mjs';

requireWasm();
const real = dataPath();
const IMAGES = real ? 200 : 150;
const records = real ? new Uint8Array(cutSubset(real, IMAGES).bytes) : syntheticRecords(IMAGES, 12345);
// The CLI reads the same records from a file (quicker than unpacking the tarball for each call).
const dataArgs = ['--data', writeTemp(real ? 'test_subset.bin' : 'synthetic.bin', records)];
console.log(`images: ${real ? `first ${IMAGES} CIFAR-10 test images` : `${IMAGES} synthetic records (no UNRAVEL_DATA)`}`);

const models = ['preact_a', 'postact_b', 'preact_a_scaled', 'plain_pre'].filter((n) => goldenNames().includes(n)).map((n) => path.join(goldenDir, `${n}.safetensors`));
const zoo = path.join(root, 'models', 'resnet20.safetensors');
if (real && fs.existsSync(zoo)) models.push(zoo);

const sameList = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function compare(label, cli, result, plans) {
  const images = cli.baseline.images;
  check(images === result.imagesTotal && result.imagesDone === result.imagesTotal, `${label}: ${result.imagesDone}/${result.imagesTotal} images vs the CLI's ${images}`);
  check(cli.baseline.correct === result.baseline.correct, `${label}: baseline ${result.baseline.correct} correct vs the CLI's ${cli.baseline.correct}`);
  check(cli.rows.length === plans.count, `${label}: ${plans.count} plans vs the CLI's ${cli.rows.length}`);
  cli.rows.forEach((r, i) => {
    if (i >= plans.count) return;
    const plan = describePlan(plans, i);
    check(sameList(r.deleted ?? [], plan.deleted.map((b) => b + 1)), `${label} #${i}: deleted ${plan.deleted.map((b) => b + 1)} vs the CLI's ${r.deleted}`);
    if (r.order) check(sameList(r.order, plan.order.map((b) => b + 1)), `${label} #${i}: order differs from the CLI's`);
    if (r.tau !== undefined) check(Math.abs(r.tau - plan.tau) < 1e-6, `${label} #${i}: tau ${plan.tau} vs the CLI's ${r.tau}`);
    check(r.correct === result.tallies[i].correct, `${label} #${i}: ${result.tallies[i].correct} correct vs the CLI's ${r.correct}`);
  });
}

for (const file of models) {
  const name = path.basename(file, '.safetensors');
  const pool = await createPool({ size: 3, createWorker: () => nodeWorker(), moduleBase: wasmBase, simd: true, model: { bytes: fs.readFileSync(file), name: file } });
  const L = pool.info.num_blocks;
  const run = (plans) => pool.run({ plans, records });

  // eval with two deleted blocks (1-based 2 and L), per-class accuracy too
  const deleted = [1, L - 1];
  const evalCli = cliJson('eval', file, '--delete', deleted.map((b) => b + 1).join(','), ...dataArgs);
  const evalJs = await run(planListDeleting(L, [deleted]));
  check(countOf(evalCli.accuracy, evalCli.images) === evalJs.tallies[0].correct, `${name} eval --delete: ${evalJs.tallies[0].correct} correct vs the CLI's ${countOf(evalCli.accuracy, evalCli.images)}`);
  evalCli.per_class.forEach((a, c) => {
    const t = evalJs.tallies[0];
    const js = t.classTotal[c] ? t.classCorrect[c] / t.classTotal[c] : 0;
    check(Math.abs(js - a) < 1e-6, `${name} eval per-class ${c}: ${js} vs the CLI's ${a}`);
  });

  const sweeps = [
    ['delete-one', [], { kind: 'delete-one' }],
    ['delete-k', ['--k', '1-3', '--trials', '3', '--seed', '7', '--eligible', 'all'], { kind: 'delete-k', kmin: 1, kmax: 3, trials: 3, seed: 7 }],
    ['reorder', ['--swaps', '1-3', '--trials', '2', '--seed', '9007199254740991'], { kind: 'reorder', swapsMin: 1, swapsMax: 3, trials: 2, seed: 9007199254740991n }],
    ['drop', ['--prob', '0.2,0.5', '--trials', '3', '--seed', '3'], { kind: 'drop', probs: [0.2, 0.5], rule: 'uniform', trials: 3, seed: 3 }],
    ['drop', ['--prob', '0.5', '--rule', 'linear', '--trials', '4', '--seed', '9'], { kind: 'drop', probs: [0.5], rule: 'linear', trials: 4, seed: 9 }],
  ];
  for (const [sweep, args, spec] of sweeps) {
    if (sweep === 'reorder' && pool.info.blocks_per_stage < 2) continue; // one block per stage: nothing may move
    const cli = cliJson('sweep', sweep, file, ...args, ...dataArgs);
    const plans = await pool.plans(spec);
    compare(`${name} ${sweep} ${args.join(' ')}`, cli, await run(plans), plans);
  }
  pool.terminate();
}

// The plain (no SIMD) module agrees too, on one tiny model without the pool.
const plainEngine = await loadEngine({ moduleBase: wasmBase, simd: false });
const tiny = models[0];
const model = plainEngine.loadModel(fs.readFileSync(tiny), tiny);
plainEngine.setDataset(records, 'test images');
const plans = model.plansDeleteK(1, 2, 2, 5);
model.setPlans(plans);
const result = model.run();
compare(`plain ${path.basename(tiny)} delete-k`, cliJson('sweep', 'delete-k', tiny, '--k', '1-2', '--trials', '2', '--seed', '5', '--eligible', 'all', ...dataArgs), { ...result, imagesDone: IMAGES, imagesTotal: IMAGES }, plans);
report('web_wasm_sweeps');
