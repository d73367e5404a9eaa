// pool.test.mjs - the worker pool (wasm/pool.js) under node worker_threads: split-and-merged
// results equal one engine's, progress is reported, cancellation stops a run and leaves the pool
// usable, and a worker that fails to start or crashes becomes a visible error.
import fs from 'node:fs';
import path from 'node:path';
import { loadEngine } from '../../wasm/engine.js';
import { createPool, CancelledError, WorkerFailure } from '../../wasm/pool.js';
import { check, report, requireWasm, goldenNames, goldenDir, syntheticRecords, nodeWorker, wasmBase } from './helpers.mjs';

requireWasm();
const name = goldenNames().find((n) => n === 'preact_a') ?? goldenNames()[0];
const file = path.join(goldenDir, `${name}.safetensors`);
const bytes = fs.readFileSync(file);
const records = syntheticRecords(97, 777); // an odd count: chunks of unequal size
const options = { moduleBase: wasmBase, simd: true, model: { bytes, name: file } };

// One engine, no pool: the reference.
const engine = await loadEngine({ moduleBase: wasmBase, simd: true });
const model = engine.loadModel(bytes, file);
engine.setDataset(records, 'synthetic');
const plans = model.plansDeleteK(1, 3, 4, 42);
model.setPlans(plans);
const reference = model.run({ predictions: true });

const pool = await createPool({ ...options, size: 3, createWorker: () => nodeWorker() });
check(pool.size === 3 && pool.info.num_blocks === model.info.num_blocks, 'the pool starts 3 workers with the model');
const poolPlans = await pool.plans({ kind: 'delete-k', kmin: 1, kmax: 3, trials: 4, seed: 42 });
check(JSON.stringify([...poolPlans.keep]) === JSON.stringify([...plans.keep]), 'plans generated in a worker equal the same seed\'s plans here');
const progress = [];
const merged = await pool.run({ plans: poolPlans, records, predictions: true, onProgress: (p) => progress.push(p.imagesDone) });
check(JSON.stringify([...merged.raw]) === JSON.stringify([...reference.raw]), 'merged tallies equal one engine\'s tallies');
check(JSON.stringify([...merged.predictions]) === JSON.stringify([...reference.predictions]), 'merged predictions equal one engine\'s, in image order');
check(progress.length > 1 && progress.every((d, i) => i === 0 || d > progress[i - 1]) && progress.at(-1) === 97, `progress rises to 97 images (${progress})`);

// A sub-range of the images.
// (records as a node Buffer: chunks must be copies, or transferring one would detach them all)
const part = await pool.run({ plans: poolPlans, records: Buffer.from(records), first: 10, count: 30 });
model.setPlans(plans);
const partRef = model.run({ first: 10, count: 30 });
check(JSON.stringify([...part.raw]) === JSON.stringify([...partRef.raw]) && part.imagesTotal === 30, 'images 10..39 through the pool equal one engine\'s');

// Cancel after the first chunk: the run rejects, the pool stays usable.
let cancelled = null;
const slow = pool.run({ plans: poolPlans, records, onProgress: () => pool.cancel() });
try {
  await slow;
} catch (e) {
  cancelled = e;
}
check(cancelled instanceof CancelledError, `a cancelled run rejects with CancelledError (got ${cancelled})`);
const again = await pool.run({ plans: poolPlans, records });
check(JSON.stringify([...again.raw]) === JSON.stringify([...reference.raw]), 'after a cancel the next run gives the full, correct numbers');
// A new run supersedes one in progress.
const first = pool.run({ plans: poolPlans, records });
const second = pool.run({ plans: poolPlans, records });
const outcomes = await Promise.allSettled([first, second]);
check(outcomes[0].status === 'rejected' && outcomes[0].reason instanceof CancelledError && outcomes[1].status === 'fulfilled', 'starting a run cancels the one in progress');
pool.terminate();

// A model the core refuses: the pool does not start, and says why in the core's words.
let initError = null;
try {
  await createPool({ ...options, model: { bytes: bytes.subarray(0, 100), name: 'cut.safetensors' }, size: 2, createWorker: () => nodeWorker() });
} catch (e) {
  initError = e;
}
check(initError?.name === 'UnravelError' && /cut\.safetensors/.test(initError.message), `a bad model fails createPool with the core's message (${initError?.message})`);

// A worker script that cannot load.
let startError = null;
try {
  await createPool({ ...options, size: 2, createWorker: (i) => nodeWorker(i === 1 ? 'throw new Error("no such engine")' : undefined, i === 1 ? { eval: true } : {}) });
} catch (e) {
  startError = e;
}
check(startError instanceof WorkerFailure && /worker 2 failed: no such engine/.test(startError.message), `a worker that cannot start is reported (${startError?.message})`);

// A worker that crashes mid-run: the run rejects, the failure callback fires, the pool refuses more work.
let reported = null;
const fragile = await createPool({ ...options, size: 2, onFailure: (e) => (reported = e), createWorker: (i) => nodeWorker(i === 1 ? new URL('./crashing_worker.mjs', import.meta.url) : undefined) });
let runError = null;
try {
  await fragile.run({ plans: poolPlans, records });
} catch (e) {
  runError = e;
}
check(runError instanceof WorkerFailure && /simulated crash/.test(runError.message), `a crash fails the run visibly (${runError?.message})`);
check(reported instanceof WorkerFailure, 'the pool\'s failure callback is told');
let later = null;
try {
  await fragile.run({ plans: poolPlans, records });
} catch (e) {
  later = e;
}
check(later instanceof WorkerFailure, 'a failed pool refuses further runs');
fragile.terminate();
report('web_pool');
