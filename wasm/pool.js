// pool.js - a pool of engine workers: each holds its own module instance and the model; the
// images of a run are split into chunks handed out to whichever worker is free, and the
// tallies are merged as chunks come back. No SharedArrayBuffer: every message is copied or
// transferred, so any static host works.
//
//   const pool = await createPool({ workerUrl, moduleBase, model: { bytes, name } });
//   const plans = await pool.plans({ kind: 'delete-one' });     // generated once, by worker 0
//   const result = await pool.run({ plans, records, onProgress }); // pool.cancel() stops it
import { CIFAR_RECORD, CLASSES, splitTallies } from './engine.js';

const TALLY_INTS = 2 + 2 * CLASSES; // unr_tally: images, correct, class_total[10], class_correct[10]

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

/** A worker that died (script failed to load, crashed, out of memory): the pool is unusable. */
export class WorkerFailure extends Error {
  constructor(message) {
    super(message);
    this.name = 'WorkerFailure';
  }
}

/** navigator.hardwareConcurrency workers, at least one and at most cap. */
export function defaultPoolSize(cap = 8) {
  const cores = globalThis.navigator?.hardwareConcurrency || 1;
  return Math.max(1, Math.min(cap, cores));
}

// Request/reply over one worker; a reply carries the id of its request.
class WorkerClient {
  constructor(worker, index, onFailure) {
    this.worker = worker;
    this.index = index;
    this.nextId = 1;
    this.pending = new Map();
    this.failed = null;
    this.secondsPerImage = null; // measured on this worker, per image of the current plan list
    worker.addEventListener('message', (event) => this.receive(event.data));
    const fail = (what) => (event) => {
      event?.preventDefault?.();
      const detail = event?.message || event?.error?.message || what;
      this.fail(new WorkerFailure(`engine worker ${index + 1} failed: ${detail}`));
      onFailure(this.failed);
    };
    worker.addEventListener('error', fail('the worker script stopped with an error'));
    worker.addEventListener('messageerror', fail('a message could not be read'));
  }

  receive(message) {
    const entry = this.pending.get(message.id);
    if (!entry) return;
    this.pending.delete(message.id);
    if (message.error !== undefined) {
      const e = new Error(message.error);
      e.name = 'UnravelError';
      e.status = message.status;
      entry.reject(e);
    } else {
      entry.resolve(message);
    }
  }

  fail(error) {
    if (this.failed) return;
    this.failed = error;
    for (const entry of this.pending.values()) entry.reject(error);
    this.pending.clear();
  }

  request(type, payload = {}, transfer = []) {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, ...payload }, transfer);
    });
  }

  terminate() {
    this.fail(new WorkerFailure('the engine pool was closed'));
    this.worker.terminate();
  }
}

function copyPlans(plans) {
  return { numBlocks: plans.numBlocks, count: plans.count, keep: plans.keep.slice(), order: plans.order.slice(), tau: plans.tau.slice() };
}

/**
 * Start size workers and load the model in each. workerUrl: the worker module (browser);
 * createWorker(index): an alternative that returns a Worker-like object (tests under node).
 * onFailure(error): called once if a worker dies later.
 */
export async function createPool({ size = defaultPoolSize(), workerUrl, createWorker, moduleBase, simd, wasmBinary, model, onFailure = () => {} }) {
  const make = createWorker ?? (() => new Worker(workerUrl, { type: 'module' }));
  const pool = new EnginePool(() => {}); // a failure while starting rejects this call instead
  for (let i = 0; i < size; i++) pool.clients.push(new WorkerClient(make(i), i, (e) => pool.failed(e)));
  const base = String(moduleBase);
  try {
    const replies = await Promise.all(
      pool.clients.map((client) => {
        const bytes = new Uint8Array(model.bytes).slice();
        return client.request('init', { moduleBase: base, simd, wasmBinary, model: { bytes, name: model.name } }, [bytes.buffer]);
      }),
    );
    Object.assign(pool, { info: replies[0].info, kernels: replies[0].kernels, simd: replies[0].simd, onFailure });
  } catch (e) {
    pool.terminate();
    throw e;
  }
  return pool;
}

export class EnginePool {
  constructor(onFailure) {
    this.clients = [];
    this.onFailure = onFailure;
    this.failure = null;
    this.current = null;
  }

  get size() {
    return this.clients.length;
  }

  failed(error) {
    if (this.failure) return;
    this.failure = error;
    this.current?.reject(error);
    for (const client of this.clients) client.fail(error);
    this.onFailure(error);
  }

  /** Generate a plan list once (worker 0), to be run by every worker. */
  async plans(spec) {
    if (this.failure) throw this.failure;
    return (await this.clients[0].request('plans', { spec })).plans;
  }

  /** Stop the current run; its promise rejects with CancelledError. */
  cancel() {
    const run = this.current;
    if (!run) return;
    this.current = null;
    run.cancelled = true;
    run.reject(new CancelledError());
  }

  /**
   * Evaluate the unmodified network and every plan on images [first, first + count) of records
   * (CIFAR-10 binary records). onProgress({imagesDone, imagesTotal, baseline, tallies}) follows
   * every merged chunk. Resolves to the same fields plus raw tallies and, if asked, predictions
   * ((1 + plans) rows of count, baseline first). A new run cancels the previous one.
   */
  async run({ plans, records, name = 'test images', first = 0, count, predictions = false, onProgress = () => {}, signal }) {
    if (this.failure) throw this.failure;
    this.cancel();
    const available = Math.floor(records.byteLength / CIFAR_RECORD) - first;
    const total = count === undefined || count < 0 ? available : Math.min(count, available);
    const run = { cancelled: false, reject: () => {} };
    this.current = run;
    const cancelled = new Promise((_, reject) => (run.reject = reject));
    cancelled.catch(() => {});
    signal?.addEventListener('abort', () => this.current === run && this.cancel());

    await Promise.race([Promise.all(this.clients.map((c) => c.request('setPlans', { plans: copyPlans(plans) }))), cancelled]);
    const rows = 1 + plans.count;
    const merged = new Int32Array(TALLY_INTS * rows);
    const allPredictions = predictions ? new Int32Array(rows * total) : null;
    const work = { next: first, end: first + total, done: 0, active: 0 };
    const bytes = records instanceof ArrayBuffer ? new Uint8Array(records) : records;
    const estimate = this.initialSecondsPerImage(plans.count);

    const finished = new Promise((resolve, reject) => {
      const dispatch = (client) => {
        if (run.cancelled) return;
        if (work.next >= work.end) {
          if (work.active === 0) resolve();
          return;
        }
        const remaining = work.end - work.next;
        const perImage = client.secondsPerImage ?? estimate;
        // About half a second of work per chunk, yet small enough that every worker has some.
        const fair = Math.ceil(remaining / this.clients.length);
        const n = Math.max(1, Math.min(fair, Math.round(0.5 / perImage), 1024));
        const start = work.next;
        work.next += n;
        work.active++;
        // A fresh copy to transfer (a node Buffer's slice() would share, and detach, the records).
        const chunk = new Uint8Array(n * CIFAR_RECORD);
        chunk.set(bytes.subarray(start * CIFAR_RECORD, (start + n) * CIFAR_RECORD));
        const began = performance.now();
        client.request('chunk', { bytes: chunk, name, predictions }, [chunk.buffer]).then(
          (reply) => {
            work.active--;
            if (run.cancelled) return;
            client.secondsPerImage = (performance.now() - began) / 1000 / n;
            for (let i = 0; i < merged.length; i++) merged[i] += reply.tallies[i];
            if (allPredictions) {
              for (let r = 0; r < rows; r++) allPredictions.set(reply.predictions.subarray(r * n, (r + 1) * n), r * total + (start - first));
            }
            work.done += n;
            onProgress({ imagesDone: work.done, imagesTotal: total, ...splitTallies(merged, TALLY_INTS) });
            dispatch(client);
          },
          (error) => {
            work.active--;
            if (!run.cancelled) {
              run.cancelled = true;
              reject(error);
            }
          },
        );
      };
      this.clients.forEach(dispatch);
      if (total === 0) resolve();
    });
    await Promise.race([finished, cancelled]);
    if (this.current === run) this.current = null;
    const result = { imagesDone: work.done, imagesTotal: total, raw: merged, ...splitTallies(merged, TALLY_INTS) };
    if (allPredictions) result.predictions = allPredictions;
    return result;
  }

  // A cautious first guess (15 GFLOP/s per worker); a plan re-runs about half the network.
  initialSecondsPerImage(numPlans) {
    return ((this.info?.flops ?? 1e8) * (1 + 0.6 * numPlans)) / 15e9;
  }

  terminate() {
    if (this.current) this.cancel();
    for (const client of this.clients) client.terminate();
    this.clients = [];
  }
}
