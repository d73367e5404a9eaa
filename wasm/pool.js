// pool.js - a pool of engine workers (worker.js) that serves every model of the page. Each
// worker holds its own module instance and loads models by id on first use; a run of an
// experiment spec is split image-major into chunks that any free worker takes, and the additive
// tallies are merged as chunks come back. No SharedArrayBuffer: every message is copied or
// transferred, so any static host works.
//
//   const pool = await createPool({ workerUrl, moduleBase });
//   const { info, sha256 } = await pool.load('m1', { bytes, name: 'resnet20.safetensors' });
//   const { rows } = await pool.request('m1', 'experiment', { spec });
//   const result = await pool.run({ modelId: 'm1', spec, records, count: 1000, rows, onProgress, signal });
//   const { summary } = await pool.request('m1', 'summarize', { spec, raw: result.raw });
//
// Robustness: a worker that fails in any way (an error event, a silent exit, a trap or abort in
// its module, no answer for watchdogMs) is retired and replaced by a fresh one (which reloads its
// models when it needs them), and the chunk it held is run again. Only when the same piece of
// work has failed maxAttempts times does the run reject with a WorkerFailure.
import { CLASSES } from './engine.js';

const TALLY_INTS = 2 + 2 * CLASSES; // unr_tally: images, correct, class_total[10], class_correct[10]
const CIFAR_RECORD = 3073;

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

/** A worker that keeps failing (script cannot load, crashes, traps, hangs). */
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

// Request/reply over one worker; a reply carries the id of its request. The first sign of
// failure kills the client: every pending request rejects with a WorkerFailure, once.
class WorkerClient {
  constructor(worker, label, watchdogMs, onDeath) {
    this.worker = worker;
    this.label = label;
    this.watchdogMs = watchdogMs;
    this.onDeath = onDeath;
    this.nextId = 1;
    this.pending = new Map();
    this.dead = null;
    this.busy = false;
    this.started = false; // init answered
    this.loaded = new Map(); // modelId -> promise of the load reply
    worker.addEventListener('message', (event) => this.receive(event.data));
    const fail = (what) => (event) => {
      event?.preventDefault?.();
      this.die(event?.message || event?.error?.message || what);
    };
    worker.addEventListener('error', fail('the worker script stopped with an error'));
    worker.addEventListener('messageerror', fail('a message could not be read'));
    worker.addEventListener('exit', fail('the worker exited'));
  }

  receive(message) {
    const entry = this.pending.get(message?.id);
    if (!entry) return;
    this.pending.delete(message.id);
    clearTimeout(entry.timer);
    if (message.fatal) {
      entry.reject(new WorkerFailure(`${this.label} broke: ${message.error}`));
      this.die(message.error);
    } else if (message.error !== undefined) {
      const e = new Error(message.error);
      e.name = 'UnravelError';
      e.status = message.status;
      entry.reject(e);
    } else {
      entry.resolve(message);
    }
  }

  die(detail) {
    if (this.dead) return;
    this.dead = new WorkerFailure(`${this.label} failed: ${detail}`);
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(this.dead);
    }
    this.pending.clear();
    try {
      this.worker.terminate();
    } catch {
      // already gone
    }
    this.onDeath(this);
  }

  request(type, payload = {}, transfer = []) {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // Chunks are sized to about a second: a minute of silence means the worker hangs.
      const timer = setTimeout(() => this.die(`no answer for ${Math.round(this.watchdogMs / 1000)} s`), this.watchdogMs);
      this.pending.set(id, { resolve, reject, timer });
      this.worker.postMessage({ id, type, ...payload }, transfer);
    });
  }

  close() {
    this.dead ??= new WorkerFailure('the engine pool was closed');
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject(this.dead);
    }
    this.pending.clear();
    this.worker.terminate();
  }
}

/**
 * Start size workers. workerUrl: the worker module (browser); createWorker(serial): an
 * alternative that returns a Worker-like object (node tests; serial counts every worker started,
 * replacements included). onEvent({type: 'restart' | 'failure', message}) reports retirements
 * and failures that reached the user.
 */
export async function createPool(options) {
  const pool = new EnginePool(options);
  try {
    await pool.start();
  } catch (e) {
    pool.terminate();
    throw e;
  }
  return pool;
}

export class EnginePool {
  constructor({ size = defaultPoolSize(), workerUrl, createWorker, moduleBase, simd, wasmBinary, watchdogMs = 60000, maxAttempts = 3, onEvent = () => {} }) {
    this.make = createWorker ?? (() => new Worker(workerUrl, { type: 'module' }));
    this.initPayload = { moduleBase: String(moduleBase), simd, wasmBinary };
    this.watchdogMs = watchdogMs;
    this.maxAttempts = maxAttempts;
    this.onEvent = onEvent;
    this.slots = Array.from({ length: size }, (_, i) => ({ index: i, client: null, startFailures: 0 }));
    this.serial = 0;
    this.models = new Map(); // modelId -> {bytes, name, info, sha256}
    this.jobs = [];
    this.seq = 0;
    this.closed = false;
    this.broken = null;
  }

  get size() {
    return this.slots.length;
  }

  async start() {
    await Promise.all(this.slots.map((slot) => this.spawn(slot)));
    const first = this.slots.find((s) => s.client && !s.client.dead);
    if (!first) throw this.broken ?? new WorkerFailure('no engine worker could start');
    Object.assign(this, { kernels: first.kernels, simd: first.simd, version: first.version });
  }

  // Start a worker in a slot and initialise its engine; a slot whose workers keep failing to
  // start is given up, and a pool with no slot left is broken.
  async spawn(slot) {
    while (!this.closed) {
      const serial = this.serial++;
      let client;
      try {
        client = new WorkerClient(this.make(serial), `engine worker ${slot.index + 1}`, this.watchdogMs, (c) => this.retire(slot, c));
      } catch (e) {
        client = null;
        slot.lastError = e.message;
      }
      if (client) {
        slot.client = client;
        try {
          const reply = await client.request('init', this.initPayload);
          client.started = true;
          Object.assign(slot, { kernels: reply.kernels, simd: reply.simd, version: reply.version, startFailures: 0 });
          this.pump();
          return;
        } catch (e) {
          slot.lastError = e.message;
          if (!client.dead) client.die(e.message); // an init that failed cleanly still leaves no engine
        }
      }
      if (++slot.startFailures >= this.maxAttempts) return this.giveUp(slot);
    }
  }

  giveUp(slot) {
    slot.client = null;
    if (this.slots.every((s) => !s.client) && !this.broken) {
      this.broken = new WorkerFailure(slot.lastError ?? 'no engine worker could start');
      for (const job of [...this.jobs]) job.fail(this.broken);
      this.onEvent({ type: 'failure', message: this.broken.message });
    }
  }

  // A worker died after it had started: replace it (its unfinished work is rerun by execute()).
  // One that dies while starting is handled by spawn(), which counts the attempt.
  retire(slot, client) {
    if (this.closed || slot.client !== client || !client.started) return;
    this.onEvent({ type: 'restart', message: client.dead.message });
    slot.lastError = client.dead.message;
    slot.client = null;
    slot.kernels = null;
    this.spawn(slot);
  }

  /** Load a model into the pool under modelId (checked by one worker now, the others on use). */
  async load(modelId, { bytes, name }) {
    const copy = new Uint8Array(bytes).slice();
    this.models.set(modelId, { bytes: copy, name });
    try {
      const reply = await this.enqueue({ modelId, priority: -1, single: { type: 'load', onlyLoad: true } });
      Object.assign(this.models.get(modelId), { info: reply.info, sha256: reply.sha256 });
      return { info: reply.info, sha256: reply.sha256 };
    } catch (e) {
      this.models.delete(modelId);
      throw e;
    }
  }

  unload(modelId) {
    this.models.delete(modelId);
    for (const slot of this.slots) {
      if (slot.client?.loaded.delete(modelId)) slot.client.request('unload', { modelId }).catch(() => {});
    }
  }

  /** One request to any worker that holds the model: experiment, summarize, logits. */
  request(modelId, type, payload = {}, { priority = 0, signal } = {}) {
    return this.enqueue({ modelId, priority, signal, single: { type, payload } });
  }

  /**
   * Run spec on images [first, first + count) of records (CIFAR-10 binary records), image-major
   * in chunks. rows: the experiment's row count (sizes the first chunks). onProgress({imagesDone,
   * imagesTotal, raw}) follows every merged chunk (raw: the merged tallies so far, baseline
   * first). Resolves to {imagesDone, imagesTotal, raw, predictions?}; an aborted signal rejects
   * it with CancelledError. Jobs of lower priority wait while higher ones have chunks to run.
   */
  run({ modelId, spec, records, first = 0, count, rows = 1, predictions = false, priority = 1, onProgress = () => {}, signal }) {
    const bytes = records instanceof ArrayBuffer ? new Uint8Array(records) : records;
    const available = Math.floor(bytes.byteLength / CIFAR_RECORD) - first;
    const total = count === undefined || count < 0 ? available : Math.min(count, available);
    return this.enqueue({ modelId, priority, signal, chunks: { spec, bytes, first, total, rows, predictions, onProgress } });
  }

  // ---- scheduling ------------------------------------------------------------------------

  enqueue({ modelId, priority, signal, single, chunks }) {
    if (this.broken) return Promise.reject(this.broken);
    if (this.closed) return Promise.reject(new WorkerFailure('the engine pool was closed'));
    if (!this.models.has(modelId)) return Promise.reject(new Error(`model ${modelId} is not loaded in the pool`));
    if (signal?.aborted) return Promise.reject(new CancelledError());
    return new Promise((resolve, reject) => {
      const job = { modelId, priority, seq: this.seq++, retry: [], active: 0, finished: false, resolve, reject };
      job.fail = (error) => this.finish(job, error);
      if (single) {
        const { type, payload = {}, onlyLoad } = single;
        job.retry.push({ attempts: 0, type, onlyLoad, build: () => ({ payload }), accept: (reply) => this.finish(job, null, reply) });
        job.next = () => null;
      } else {
        this.chunkJob(job, chunks);
      }
      signal?.addEventListener('abort', () => this.finish(job, new CancelledError()));
      this.jobs.push(job);
      this.jobs.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
      if (job.complete?.()) this.finish(job, null, job.result()); // nothing to do (no images)
      this.pump();
    });
  }

  chunkJob(job, { spec, bytes, first, total, rows, predictions, onProgress }) {
    const state = { next: first, end: first + total, done: 0, merged: null, predictions: null, chunks: 0, secondsPerImage: null };
    const flops = this.models.get(job.modelId).info?.flops ?? 1e8;
    // A cautious first guess (15 GFLOP/s per worker); each row re-runs about half the network.
    const guess = (flops * (1 + 0.6 * rows)) / 15e9;
    job.next = () => {
      if (state.next >= state.end) return null;
      const perImage = state.secondsPerImage ?? guess;
      // The first chunks are short, so a complete chart (every row, a few images) comes quickly;
      // then about a second each, small enough that cancel and other runs wait little.
      const target = state.chunks < this.size ? 0.3 : 1.0;
      const remaining = state.end - state.next;
      const fair = Math.ceil(remaining / this.size);
      const n = Math.max(1, Math.min(fair, Math.round(target / perImage), 1024));
      const start = state.next;
      state.next += n;
      state.chunks++;
      let began = 0;
      return {
        attempts: 0,
        type: 'run',
        build: () => {
          // A fresh copy to transfer (a node Buffer's slice() would share, and detach, the records).
          const chunk = new Uint8Array(n * CIFAR_RECORD);
          chunk.set(bytes.subarray(start * CIFAR_RECORD, (start + n) * CIFAR_RECORD));
          began = performance.now();
          return { payload: { spec, bytes: chunk, predictions }, transfer: [chunk.buffer] };
        },
        accept: (reply) => {
          const seconds = (performance.now() - began) / 1000 / n;
          state.secondsPerImage = state.secondsPerImage == null ? seconds : 0.5 * (state.secondsPerImage + seconds);
          state.merged ??= new Int32Array(reply.raw.length);
          for (let i = 0; i < state.merged.length; i++) state.merged[i] += reply.raw[i];
          if (predictions) {
            const r = reply.raw.length / TALLY_INTS;
            state.predictions ??= new Int32Array(r * total);
            for (let row = 0; row < r; row++) state.predictions.set(reply.predictions.subarray(row * n, (row + 1) * n), row * total + (start - first));
          }
          state.done += n;
          onProgress({ imagesDone: state.done, imagesTotal: total, raw: state.merged.slice() });
        },
      };
    };
    job.complete = () => state.next >= state.end && job.retry.length === 0 && job.active === 0;
    job.result = () => {
      const result = { imagesDone: state.done, imagesTotal: total, raw: state.merged ?? new Int32Array(0) };
      if (predictions) result.predictions = state.predictions ?? new Int32Array(0);
      return result;
    };
  }

  finish(job, error, value) {
    if (job.finished) return;
    job.finished = true;
    this.jobs = this.jobs.filter((j) => j !== job);
    if (error) job.reject(error);
    else job.resolve(value);
    this.pump();
  }

  pump() {
    if (this.closed) return;
    for (const slot of this.slots) {
      const client = slot.client;
      if (!client?.started || client.dead || client.busy) continue;
      let unit = null;
      const job = this.jobs.find((j) => (unit = j.retry.shift() ?? j.next()));
      if (!job) return;
      this.execute(client, job, unit);
    }
  }

  async execute(client, job, unit) {
    client.busy = true;
    job.active++;
    try {
      await this.ensureLoaded(client, job.modelId);
      if (job.finished) return;
      if (unit.onlyLoad) {
        unit.accept(await client.loaded.get(job.modelId));
        return;
      }
      const { payload, transfer = [] } = unit.build();
      const reply = await client.request(unit.type, { modelId: job.modelId, ...payload }, transfer);
      if (!job.finished) unit.accept(reply);
    } catch (e) {
      if (job.finished) return;
      if (e instanceof WorkerFailure) {
        // The worker is retired (its client died); run the same piece of work again elsewhere.
        if (++unit.attempts >= this.maxAttempts) {
          const failure = new WorkerFailure(`the engine failed ${unit.attempts} times on the same work: ${e.message}`);
          this.onEvent({ type: 'failure', message: failure.message });
          job.fail(failure);
        } else {
          job.retry.unshift(unit);
        }
      } else {
        job.fail(e); // the core's own error (a bad spec, a bad model): rerunning would not help
      }
    } finally {
      job.active--;
      client.busy = false;
      if (!job.finished && job.complete?.()) this.finish(job, null, job.result());
      this.pump();
    }
  }

  ensureLoaded(client, modelId) {
    if (!client.loaded.has(modelId)) {
      const model = this.models.get(modelId);
      if (!model) return Promise.reject(new Error(`model ${modelId} was unloaded`));
      const bytes = model.bytes.slice();
      const loading = client.request('load', { modelId, bytes, name: model.name }, [bytes.buffer]);
      client.loaded.set(modelId, loading);
      loading.catch(() => client.loaded.delete(modelId));
    }
    return client.loaded.get(modelId);
  }

  terminate() {
    this.closed = true;
    for (const job of [...this.jobs]) this.finish(job, new WorkerFailure('the engine pool was closed'));
    for (const slot of this.slots) slot.client?.close();
  }
}
