// lab.js - the one module of the page that talks to the engine. It fetches the build's models,
// test images and precomputed results, and runs experiment specs (plain data, see
// notes/experiment-spec.md) through one queue on one worker pool that serves every model.
//
//   const lab = await openLab();
//   const model = await lab.model('resnet20');                // loaded in the pool, keyed by sha256
//   const spec = lab.spec(model, 'delete-one', {});           // on the page's own test images
//   const stop = lab.watch(spec, (state) => ...);             // cached, precomputed or running
//   lab.submit(spec, { slot: 'delete-one', label: 'delete-one sweep' });
//   const { entry } = await lab.openFile(file);               // the user's own .safetensors
//
// Every result is kept per (model sha256, spec) for the visit. A new spec in the same slot (a
// panel) supersedes the one before it; one from another panel waits behind the running one;
// 'interactive' specs (a clicked lesion, the test images) run at once, ahead of sweeps.
import { webAssemblySupported, simdSupported } from '../../wasm/engine.js';
import { createPool, defaultPoolSize, CancelledError, WorkerFailure } from '../../wasm/pool.js';
import defaultSpecs from './default-specs.json';
import { inlineResponse, inlinePoolOptions, singleFile } from './inlineFiles.js';
import { refuseFile, nameFromFile, describeInfo, noteUserModel, forgetUserModel, storedModels, storeModel, deleteStoredModel } from './userModels.js';

export { CancelledError, WorkerFailure, webAssemblySupported };

const base = new URL('./', import.meta.url);

async function fetchOk(relative, what) {
  let response;
  try {
    response = inlineResponse(relative) ?? (await fetch(new URL(relative, base)));
  } catch (e) {
    throw new Error(`${what} (${relative}) could not be fetched: ${e.message}`);
  }
  if (!response.ok) throw new Error(`${what} (${relative}) answered HTTP ${response.status}.`);
  return response;
}

// A committed result file the build lists for this model (entry.precomputed_files), parsed; null
// when there is none or it cannot be read (the page then computes live). Files the build does not
// list are never requested.
async function precomputedFile(entry, relative) {
  if (!entry.precomputed_files?.includes(relative)) return null;
  try {
    return await (await fetchOk(relative, 'A precomputed result')).json();
  } catch {
    return null;
  }
}

// A response's bytes, telling onProgress(done, total) as they arrive (total 0 when unknown).
async function readWithProgress(response, onProgress) {
  const total = Number(response.headers.get('content-length')) || 0;
  if (!response.body?.getReader) return new Uint8Array(await response.arrayBuffer());
  const reader = response.body.getReader();
  const chunks = [];
  let done = 0;
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) break;
    chunks.push(value);
    done += value.length;
    onProgress(done, total);
  }
  const bytes = new Uint8Array(done);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  return bytes;
}

/** The models this build ships (dist/models/manifest.json). */
export async function loadManifest() {
  const manifest = await (await fetchOk('models/manifest.json', 'The list of models')).json();
  return manifest.models ?? [];
}

/** The test images this build ships: {records, images, source, dataSha256} or {images: 0, reason}. */
export async function loadTestImages(onProgress = () => {}) {
  const info = await (await fetchOk('data/data.json', 'The description of the test images')).json();
  if (!info.images) return { images: 0, reason: info.reason };
  const bytes = await readWithProgress(await fetchOk(`data/${info.file}`, 'The test images file'), (done, total) => onProgress('images', done, total));
  return { records: bytes, images: info.images, source: info.source, origin: info.origin ?? 'unknown', dataSha256: info.data_sha256 };
}

// ?workers=N sets the pool's size (benchmarks: the same 2 workers on any machine);
// ?watchdog=S how long a silent worker is given before it is replaced (tests; default 60 s).
function searchNumber(name, min, max) {
  const n = Number(new URLSearchParams(location.search).get(name));
  return Number.isInteger(n) && n >= min && n <= max ? n : null;
}

// ?engine=plain or ?engine=simd overrides feature detection (to try the fallback build).
function forcedFlavour() {
  const wanted = new URLSearchParams(location.search).get('engine');
  return wanted === 'plain' ? false : wanted === 'simd' ? true : undefined;
}

/** A stable text for a spec: keys sorted at every level (the cache key). */
export function specKey(spec) {
  const sorted = (v) => (Array.isArray(v) ? v.map(sorted) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v);
  return JSON.stringify(sorted(spec));
}

/** Start the pool and fetch what the page needs. onEvent: the pool's restarts and failures;
 * onProgress(step, done, total): 'models', 'images' (bytes) and 'engine' as they get ready. */
export async function openLab({ onEvent = () => {}, onProgress = () => {}, poolSize = searchNumber('workers', 1, 32) ?? defaultPoolSize(8) } = {}) {
  const [models, images, stored] = await Promise.all([loadManifest().then((m) => (onProgress('models', 1, 1), m)), loadTestImages(onProgress), storedModels()]);
  const watchdogMs = 1000 * (searchNumber('watchdog', 1, 600) ?? 60);
  onProgress('engine', 0, 1);
  // The flavour is decided here, once, for every worker (and for the single-file build alike).
  const simd = forcedFlavour() ?? simdSupported();
  const where = singleFile ? inlinePoolOptions(simd) : { workerUrl: new URL('./worker.js', base), moduleBase: new URL('./wasm/', base), simd };
  const pool = await createPool({ size: poolSize, ...where, watchdogMs, onEvent });
  onProgress('engine', 1, 1);
  const lab = new Lab(models, images, pool);
  lab.storageProblem = stored.problem;
  for (const record of stored.records) lab.addUserEntry(record);
  return lab;
}

export class Lab {
  constructor(models, images, pool) {
    this.models = models;
    this.images = images;
    this.pool = pool;
    this.loaded = new Map(); // name -> Promise<model>
    this.results = new Map(); // specKey -> state (finished, cancelled or running)
    this.watchers = new Map(); // specKey -> Set<fn>
    this.jobs = []; // queued and running jobs, in order
    this.nextJob = 1;
    this.nextFile = 1;
    this.storageProblem = null; // why the user's files cannot be kept for the next visit, if so
    this.modelListeners = new Set();
  }

  entry(name) {
    return this.models.find((m) => m.name === name);
  }

  /** fn() whenever the list of models changes (a file opened or removed); returns an unsubscribe. */
  onModels(fn) {
    this.modelListeners.add(fn);
    return () => this.modelListeners.delete(fn);
  }

  // A user's file as a picker entry (a manifest entry plus user, sha256, bytes, fileName).
  // stored: whether the browser's storage holds it.
  addUserEntry({ sha256, name, fileName, bytes, num_blocks, about }, stored = true) {
    const taken = new Set(this.models.map((m) => m.name));
    const entry = { name: taken.has(name) ? nameFromFile(name, taken) : name, file: fileName, fileName, num_blocks, note: 'your file', about, kind: 'user', user: true, sha256, bytes, stored };
    this.models = [...this.models, entry];
    noteUserModel(sha256, fileName);
    for (const fn of this.modelListeners) fn();
    return entry;
  }

  /**
   * Open the user's .safetensors File: refused over the size cap before it is read; parsed and
   * checked by a worker (never here); a file already open (same SHA-256) is not added twice.
   * Resolves to {entry, duplicate, stored} (stored: true, or why the browser did not keep it);
   * rejects with an Error whose message names the file (the core's message, for a bad file).
   */
  async openFile(file) {
    const refusal = refuseFile(file);
    if (refusal) throw new Error(refusal);
    let bytes;
    try {
      bytes = new Uint8Array(await file.arrayBuffer());
    } catch (e) {
      throw new Error(`${file.name}: the browser could not read the file (${e.message})`);
    }
    const id = `file-${this.nextFile++}`;
    let loaded;
    try {
      loaded = await this.pool.load(id, { bytes, name: file.name });
    } catch (e) {
      // The core's messages begin with the name it was given; anything else (a worker that
      // failed) is named here.
      throw new Error(e.message.startsWith(`${file.name}:`) ? e.message : `${file.name}: ${e.message}`);
    }
    const existing = this.models.find((m) => m.user && m.sha256 === loaded.sha256);
    if (existing) {
      this.pool.unload(id);
      return { entry: existing, duplicate: true, stored: true };
    }
    const record = { sha256: loaded.sha256, name: nameFromFile(file.name, new Set(this.models.map((m) => m.name))), fileName: file.name,
      bytes: bytes.buffer, num_blocks: loaded.info.num_blocks, about: describeInfo(loaded.info), added: Date.now() };
    const entry = this.addUserEntry(record, false);
    this.loaded.set(entry.name, Promise.resolve({ name: entry.name, entry, id, sha256: loaded.sha256, info: loaded.info, precomputed: null, gradients: null }));
    let stored = true;
    try {
      await storeModel({ ...record, name: entry.name });
      entry.stored = true;
    } catch (e) {
      stored = e?.message ?? String(e);
    }
    return { entry, duplicate: false, stored };
  }

  /** Remove a user's model: from the browser's storage, the pool, the list and the queue. */
  async removeUserModel(name) {
    const entry = this.entry(name);
    if (!entry?.user) throw new Error(`${name} is not one of your files`);
    for (const job of this.jobs.filter((j) => j.spec.model.name === name && j.spec.model.sha256 === entry.sha256)) this.stop(job, 'cancelled');
    const loading = this.loaded.get(name);
    this.loaded.delete(name);
    loading?.then((m) => this.pool.unload(m.id), () => {});
    this.models = this.models.filter((m) => m !== entry);
    forgetUserModel(entry.sha256);
    for (const fn of this.modelListeners) fn();
    if (entry.stored) await deleteStoredModel(entry.sha256);
  }

  /** Load a model, shipped or the user's (once per visit): {name, entry, id, sha256, info, precomputed, gradients}. */
  model(name) {
    if (!this.loaded.has(name)) {
      const loading = (async () => {
        const entry = this.entry(name);
        if (!entry) throw new Error(`no model named ${name} in this build`);
        if (entry.user) {
          // A stored file, parsed by a worker on first use this visit.
          const loaded = await this.pool.load(`user-${entry.sha256}`, { bytes: new Uint8Array(entry.bytes), name: entry.fileName });
          if (loaded.sha256 !== entry.sha256) throw new Error(`${entry.fileName}: the stored copy changed (SHA-256 ${loaded.sha256}, stored as ${entry.sha256}); remove it and open the file again`);
          return { name, entry, id: `user-${entry.sha256}`, sha256: loaded.sha256, info: loaded.info, precomputed: null, gradients: null };
        }
        const bytes = new Uint8Array(await (await fetchOk(`models/${entry.file}`, 'the model file')).arrayBuffer());
        const { info, sha256 } = await this.pool.load(name, { bytes, name: entry.file });
        const precomputed = await this.loadPrecomputed(entry, sha256);
        const gradients = await this.loadGradients(entry, sha256);
        return { name, entry, id: name, sha256, info, precomputed, gradients };
      })();
      loading.catch(() => this.loaded.delete(name));
      this.loaded.set(name, loading);
    }
    return this.loaded.get(name);
  }

  // The committed full-test-set results for this model file, entered as finished results.
  async loadPrecomputed(entry, sha256) {
    const file = await precomputedFile(entry, `precomputed/${entry.name}.json`);
    if (file?.model?.sha256 !== sha256) return null; // computed for another version of the file
    const byKind = {};
    for (const summary of file.results ?? []) {
      byKind[summary.spec.kind] = summary.spec;
      const images = summary.baseline.images;
      this.results.set(specKey(summary.spec), { status: 'done', summary, imagesDone: images, imagesTotal: images, precomputed: { source: file.data_source, computedWith: file.computed_with } });
    }
    return { specs: byKind, dataSource: file.data_source, computedWith: file.computed_with, dataSha256: file.data_sha256 };
  }

  // The committed gradient-flow result of the CLI (`unravel gradients`, training set, 1000
  // samples per length) for this model file, or null.
  async loadGradients(entry, sha256) {
    const file = await precomputedFile(entry, `precomputed/gradients-${entry.name}.json`);
    return file?.model?.sha256 === sha256 ? file : null;
  }

  /**
   * The gradient-flow protocol live on the page's test images: rounds of `batch` images, one
   * path of every length each, `chunk` rounds per worker request, all workers at once.
   * onUpdate({summary, done, total}) follows every finished chunk (in round order, so the
   * result after n rounds is the same on any number of workers). Resolves when all are done;
   * an aborted signal rejects with CancelledError.
   */
  async gradients(model, { samples, batch = 16, seed = 1, chunk = 2 }, onUpdate, signal) {
    const bytes = this.images.records;
    const starts = [];
    for (let first = 0; first < samples; first += chunk) starts.push(first);
    const parts = new Array(starts.length);
    let next = 0;
    let joined = new Float64Array(0);
    let done = 0;
    const flush = async () => {
      while (next < parts.length && parts[next]) {
        const grown = new Float64Array(joined.length + parts[next].length);
        grown.set(joined);
        grown.set(parts[next], joined.length);
        joined = grown;
        done = Math.min(samples, starts[next] + chunk);
        next++;
      }
    };
    let reported = Promise.resolve();
    await Promise.all(starts.map(async (first, i) => {
      const { norms } = await this.pool.request(model.id, 'gradients', { bytes, samples: Math.min(chunk, samples - first), batch, seed, first }, { priority: 1, signal });
      parts[i] = norms;
      const before = next;
      await flush();
      if (next > before) {
        const snapshot = joined.slice();
        const rounds = done;
        reported = reported.then(async () => {
          const { summary } = await this.pool.request(model.id, 'gradientSummary', { norms: snapshot }, { priority: -1, signal });
          onUpdate({ summary, done: rounds, total: samples });
        });
        // Handled here too: after a cancel, Promise.all rejects first and `await reported` below is
        // never reached, so a summary request cancelled later would be an unhandled rejection.
        reported.catch(() => {});
      }
    }));
    await reported;
  }

  /** The default spec of a kind for a model: the precomputed one when there is one, else the
   * panel's default experiment (default-specs.json; the core fills what it leaves out) on the
   * page's images. */
  defaultSpec(model, kind) {
    if (model.precomputed?.specs[kind]) return model.precomputed.specs[kind];
    const template = defaultSpecs.experiments.find((e) => e.kind === kind) ?? { params: {} };
    return this.spec(model, kind, template.params, { seed: template.seed ?? 1 });
  }

  /** A spec on the page's own test images (the first `images` of them). */
  spec(model, kind, params, { seed = 1, images = Math.min(1000, this.images.images || 0) } = {}) {
    return { model: { name: model.name, sha256: model.sha256 }, kind, params, seed, images, data_sha256: this.images.dataSha256 ?? null };
  }

  /** The state of a spec now (or null), and fn called on every change; returns an unsubscribe. */
  watch(spec, fn) {
    const key = specKey(spec);
    if (!this.watchers.has(key)) this.watchers.set(key, new Set());
    this.watchers.get(key).add(fn);
    fn(this.results.get(key) ?? null);
    return () => this.watchers.get(key)?.delete(fn);
  }

  state(spec) {
    return this.results.get(specKey(spec)) ?? null;
  }

  publish(key, state) {
    this.results.set(key, state);
    for (const fn of this.watchers.get(key) ?? []) fn(state);
  }

  /**
   * Run a spec (unless it is already done, queued or running; force: run a done one again).
   * slot: the panel it belongs to (a newer spec in the same slot supersedes it); interactive:
   * run at once, ahead of the sweeps.
   */
  submit(spec, { slot, label = spec.kind, interactive = false, force = false } = {}) {
    const predictions = spec.kind === 'eval'; // per-image classes: cheap for an eval, and the test-image panel shows them
    const key = specKey(spec);
    if (this.jobs.some((j) => j.key === key)) return; // already queued or running
    if (!force && this.results.get(key)?.status === 'done') return;
    const replaced = this.jobs.filter((j) => j.slot === slot && j.key !== key);
    for (const other of replaced) this.stop(other, 'superseded');
    const job = { id: this.nextJob++, key, spec, slot, label, interactive, predictions, controller: new AbortController(), started: false };
    this.jobs.push(job);
    this.publish(key, { status: 'queued', imagesDone: 0, imagesTotal: spec.images, waitingFor: null, replaced: replaced.length > 0 });
    this.schedule();
  }

  /** Cancel whatever runs or waits for this spec. */
  cancel(spec) {
    const job = this.jobs.find((j) => j.key === specKey(spec));
    if (job) this.stop(job, 'cancelled');
  }

  stop(job, status) {
    this.jobs = this.jobs.filter((j) => j !== job);
    job.controller.abort();
    const prev = this.results.get(job.key) ?? {};
    this.publish(job.key, { ...prev, status, waitingFor: null });
    this.schedule();
  }

  // Start interactive jobs at once and the first waiting sweep when none runs; tell the others
  // what they wait for.
  schedule() {
    for (const job of this.jobs) {
      if (job.started) continue;
      const sweep = this.jobs.find((j) => j.started && !j.interactive);
      if (job.interactive || !sweep) this.start(job);
    }
    const sweep = this.jobs.find((j) => j.started && !j.interactive);
    for (const job of this.jobs) {
      if (!job.started) this.publish(job.key, { ...this.results.get(job.key), status: 'queued', waitingFor: sweep?.label ?? null });
    }
  }

  async start(job) {
    job.started = true;
    const { key, spec, controller } = job;
    const signal = controller.signal;
    const live = (patch) => {
      if (!signal.aborted) this.publish(key, { ...this.results.get(key), ...patch });
    };
    try {
      const model = await this.model(spec.model.name);
      const { rows, describe } = await this.pool.request(model.id, 'experiment', { spec }, { signal });
      live({ status: 'running', imagesDone: 0, imagesTotal: spec.images, describe, waitingFor: null });
      // Summaries come from the core (a worker), at most one in flight, always of the latest tallies.
      let latest = null;
      let summarizing = null;
      const summarize = () => {
        if (summarizing || !latest) return summarizing;
        const { raw, imagesDone } = latest;
        latest = null;
        summarizing = this.pool.request(model.id, 'summarize', { spec, raw }, { priority: -1, signal }).then(
          ({ summary }) => {
            summarizing = null;
            live({ summary, imagesDone });
            return summarize();
          },
          () => (summarizing = null),
        );
        return summarizing;
      };
      const result = await this.pool.run({
        modelId: model.id, spec, records: this.images.records, count: spec.images, rows, predictions: job.predictions,
        priority: job.interactive ? 0 : 1, signal,
        onProgress: (p) => {
          latest = p;
          live({ imagesDone: p.imagesDone, imagesTotal: p.imagesTotal });
          summarize();
        },
      });
      await summarizing;
      const { summary } = await this.pool.request(model.id, 'summarize', { spec, raw: result.raw }, { priority: -1, signal });
      if (signal.aborted) return;
      this.jobs = this.jobs.filter((j) => j !== job);
      this.publish(key, { status: 'done', summary, describe, imagesDone: result.imagesDone, imagesTotal: result.imagesTotal, predictions: result.predictions ?? null });
    } catch (e) {
      if (signal.aborted || e instanceof CancelledError) return;
      this.jobs = this.jobs.filter((j) => j !== job);
      this.publish(key, { ...this.results.get(key), status: 'error', error: e.message, failure: e instanceof WorkerFailure });
    } finally {
      this.schedule();
    }
  }

  /** The ten class probabilities of some records, intact and with blocks (1-based) deleted. */
  async probabilities(model, records, deleted) {
    const { intact, lesioned } = await this.pool.request(model.id, 'logits', { bytes: records.slice(), deleted }, { priority: -1 });
    return { intact: softmaxRows(intact), lesioned: softmaxRows(lesioned) };
  }

  close() {
    for (const job of [...this.jobs]) this.stop(job, 'cancelled');
    this.pool.terminate();
  }
}

function softmaxRows(logits) {
  const rows = [];
  for (let i = 0; i < logits.length; i += 10) {
    const row = Array.from(logits.subarray(i, i + 10));
    const top = Math.max(...row);
    const e = row.map((v) => Math.exp(v - top));
    const sum = e.reduce((a, b) => a + b, 0);
    rows.push(e.map((v) => v / sum));
  }
  return rows;
}
