// pool.test.mjs - the worker pool (wasm/pool.js) under node worker_threads: one pool holds two
// models by id; a spec's rows are generated in the workers and the chunked, merged tallies equal
// one engine's; progress is reported; cancel stops a run and leaves the pool usable; a run of
// higher priority goes first. Robustness: a worker that throws, exits silently, traps or hangs is
// retired and replaced, its chunk rerun, and the results are still exact; only a failure that
// keeps coming back reaches the caller (and onEvent), and a core error is reported at once.
import fs from 'node:fs';
import path from 'node:path';
import { loadEngine } from '../../wasm/engine.js';
import { createPool, CancelledError, WorkerFailure } from '../../wasm/pool.js';
import { check, report, requireWasm, goldenNames, goldenDir, syntheticRecords, nodeWorker, wasmBase } from './helpers.mjs';

requireWasm();
const names = goldenNames();
const fileOf = (n) => path.join(goldenDir, `${n}.safetensors`);
const nameA = names.includes('preact_a') ? 'preact_a' : names[0];
const nameB = names.includes('postact_b') ? 'postact_b' : names[1];
const bytesA = fs.readFileSync(fileOf(nameA));
const bytesB = fs.readFileSync(fileOf(nameB));
const records = syntheticRecords(97, 777); // an odd count: chunks of unequal size
const base = { moduleBase: wasmBase, simd: true };
const same = (a, b) => JSON.stringify([...a]) === JSON.stringify([...b]);

// One engine, no pool: the reference.
const engine = await loadEngine(base);
const modelA = engine.loadModel(bytesA, fileOf(nameA));
const modelB = engine.loadModel(bytesB, fileOf(nameB));
const shaA = engine.sha256(bytesA);
const specOf = (name, sha, kind, params, images = 97) => ({ model: { name, sha256: sha }, kind, params, seed: 42, images, data_sha256: '0'.repeat(64) });
const specA = specOf(nameA, shaA, 'delete-k', { k: [1, 2], trials: 3, eligible: 'all' });
const specB = specOf(nameB, engine.sha256(bytesB), 'delete-one', {});
engine.setDataset(records, 'synthetic');
const refA = modelA.runExperiment(specA, { predictions: true });
const refB = modelB.runExperiment(specB);
const rowsA = modelA.experiment(specA).rows;

const pool = await createPool({ ...base, size: 3, createWorker: () => nodeWorker() });
const loadedA = await pool.load('a', { bytes: bytesA, name: fileOf(nameA) });
await pool.load('b', { bytes: bytesB, name: fileOf(nameB) });
check(pool.size === 3 && loadedA.info.num_blocks === modelA.info.num_blocks && loadedA.sha256 === shaA, 'the pool starts 3 workers and loads a model (info and the core\'s sha256)');
check(typeof pool.version === 'string' && pool.version === engine.version, `the pool reports its workers' engine version (${pool.version}, the module's ${engine.version})`);
const exp = await pool.request('a', 'experiment', { spec: specA });
check(exp.rows === rowsA && JSON.stringify(exp.describe) === JSON.stringify(modelA.experiment(specA).describe), `rows generated in a worker equal the same seed's rows here (${exp.rows})`);
const progress = [];
const merged = await pool.run({ modelId: 'a', spec: specA, records, rows: exp.rows, predictions: true, onProgress: (p) => progress.push(p.imagesDone) });
check(same(merged.raw, refA.raw), 'merged tallies equal one engine\'s tallies');
check(same(merged.predictions, refA.predictions), 'merged predictions equal one engine\'s, in image order');
check(progress.length > 1 && progress.every((d, i) => i === 0 || d > progress[i - 1]) && progress.at(-1) === 97, `progress rises to 97 images in several chunks (${progress})`);
const { summary } = await pool.request('a', 'summarize', { spec: specA, raw: merged.raw });
check(JSON.stringify(summary) === JSON.stringify(modelA.summarize(specA, refA.raw)), 'the summary of the merged tallies is the core\'s summary of one engine\'s');

// Two models in the same pool, run at the same time.
const [runA, runB] = await Promise.all([
  pool.run({ modelId: 'a', spec: specA, records, rows: exp.rows }),
  pool.run({ modelId: 'b', spec: specB, records, rows: modelB.info.num_blocks }),
]);
check(same(runA.raw, refA.raw) && same(runB.raw, refB.raw), 'two models run side by side in one pool give each one\'s exact tallies');

// A sub-range of the images (records as a node Buffer: chunks must be copies, not views).
const part = await pool.run({ modelId: 'a', spec: specA, records: Buffer.from(records), first: 10, count: 30, rows: exp.rows });
const partRef = modelA.runExperiment(specA, { first: 10, count: 30 });
check(same(part.raw, partRef.raw) && part.imagesTotal === 30, 'images 10..39 through the pool equal one engine\'s');

// Cancel after the first chunk: the run rejects, the pool stays usable.
const controller = new AbortController();
const outcome = await pool.run({ modelId: 'a', spec: specA, records, rows: exp.rows, signal: controller.signal, onProgress: () => controller.abort() }).catch((e) => e);
check(outcome instanceof CancelledError, `a cancelled run rejects with CancelledError (got ${outcome})`);
const again = await pool.run({ modelId: 'a', spec: specA, records, rows: exp.rows });
check(same(again.raw, refA.raw), 'after a cancel the next run gives the full, correct numbers');

// Priority: a run of higher priority started later finishes before a long low-priority one.
const order = [];
const low = pool.run({ modelId: 'b', spec: specB, records, rows: 9, priority: 2 }).then(() => order.push('low'));
const high = pool.run({ modelId: 'a', spec: specOf(nameA, shaA, 'eval', { deleted: [2] }, 5), records, count: 5, priority: 0 }).then(() => order.push('high'));
await Promise.all([low, high]);
check(order[0] === 'high', `a high-priority run goes ahead of a running sweep (${order})`);

// The core's own errors are reported at once, not retried: a bad spec, a bad model.
const badSpec = await pool.request('a', 'experiment', { spec: specOf(nameA, shaA, 'eval', { deleted: [999] }) }).catch((e) => e);
check(badSpec?.name === 'UnravelError' && /999|block/.test(badSpec.message), `a bad spec fails with the core's message (${badSpec?.message})`);
const badModel = await pool.load('cut', { bytes: bytesA.subarray(0, 100), name: 'cut.safetensors' }).catch((e) => e);
check(badModel?.name === 'UnravelError' && /cut\.safetensors/.test(badModel.message), `a bad model fails with the core's message (${badModel?.message})`);
pool.terminate();

// ---- robustness ------------------------------------------------------------------------------
// Worker serial 1 (the second started) fails in the given way on its first chunk; its
// replacement is a normal worker. The run must still give the exact tallies.
async function survives(mode, extra = {}) {
  const events = [];
  const fragile = await createPool({ ...base, size: 2, watchdogMs: 3000, ...extra, onEvent: (e) => events.push(e),
    createWorker: (serial) => nodeWorker(serial === 1 ? new URL('./crashing_worker.mjs', import.meta.url) : undefined, serial === 1 ? { workerData: { mode } } : {}) });
  await fragile.load('a', { bytes: bytesA, name: fileOf(nameA) });
  const result = await fragile.run({ modelId: 'a', spec: specA, records, rows: rowsA, predictions: true }).catch((e) => e);
  check(result?.raw && same(result.raw, refA.raw) && same(result.predictions, refA.predictions), `${mode}: the failed worker's chunk is rerun and the results are exact (${result?.message ?? 'ok'})`);
  check(events.some((e) => e.type === 'restart') && !events.some((e) => e.type === 'failure'), `${mode}: the worker is retired and replaced, the user is not told (${events.map((e) => e.type)})`);
  const after = await fragile.run({ modelId: 'a', spec: specA, records, rows: rowsA });
  check(same(after.raw, refA.raw), `${mode}: the pool keeps working with the replacement`);
  fragile.terminate();
}
await survives('throw');
await survives('exit');
await survives('trap');
await survives('hang', { watchdogMs: 1500 });

// A failure that keeps coming back (every worker traps on every chunk) reaches the caller once
// the same chunk has failed 3 times, with the reason.
const events = [];
const doomed = await createPool({ ...base, size: 2, onEvent: (e) => events.push(e), createWorker: () => nodeWorker(new URL('./crashing_worker.mjs', import.meta.url), { workerData: { mode: 'trap' } }) });
await doomed.load('a', { bytes: bytesA, name: fileOf(nameA) });
const failed = await doomed.run({ modelId: 'a', spec: specA, records, rows: rowsA }).catch((e) => e);
check(failed instanceof WorkerFailure && /3 times/.test(failed.message) && /simulated trap/.test(failed.message), `a failure that keeps coming back rejects the run with the reason (${failed?.message})`);
check(events.filter((e) => e.type === 'failure').length === 1, 'and the pool tells the page once');
doomed.terminate();

// Workers that cannot start at all: createPool rejects, naming the reason.
const startError = await createPool({ ...base, size: 2, createWorker: () => nodeWorker(new URL('./crashing_worker.mjs', import.meta.url), { workerData: { mode: 'start' } }) }).catch((e) => e);
check(startError instanceof WorkerFailure && /simulated failure while starting/.test(startError.message), `workers that cannot start are reported (${startError?.message})`);
report('web_pool');
