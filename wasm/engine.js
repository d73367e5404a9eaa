// engine.js - the Unravel WebAssembly engine behind a small JavaScript API.
//
// One Engine wraps one module instance (the page runs one per worker, see worker.js; node tests
// use it directly). Blocks are 0-based here, as in core/unravel.h.
//
//   const engine = await loadEngine({ moduleBase: new URL('./', import.meta.url) });
//   const model = engine.loadModel(bytes, 'resnet20.safetensors');   // throws UnravelError
//   engine.setDataset(records, 'test_batch.bin');
//   const spec = { model: { name: 'resnet20', sha256 }, kind: 'delete-one', params: {}, images: 100, data_sha256 };
//   const { rows, describe } = model.experiment(spec);        // throws UnravelError on a bad spec
//   const { raw } = model.runExperiment(spec);                // tallies of (baseline, rows...)
//   const summary = model.summarize(spec, raw);               // merged tallies -> core's summary
//
// Tallies are additive: run chunks of images (setDataset with each chunk) anywhere, add the raw
// Int32Arrays element-wise, and summarize the sum.

export const CIFAR_RECORD = 3073;
export const CLASSES = 10;

/** An error from the core, carrying its status name and its message unchanged. */
export class UnravelError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'UnravelError';
    this.status = status;
  }
}

// The smallest module that needs SIMD128: (func (result v128) i32.const 0 i8x16.splat).
// Browsers without SIMD reject it at validation, so no instruction ever runs.
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, //       type section: () -> v128
  0x03, 0x02, 0x01, 0x00, //                         function section: one function of type 0
  0x0a, 0x08, 0x01, 0x06, 0x00, 0x41, 0x00, 0xfd, 0x0f, 0x0b, // code: i32.const 0; i8x16.splat
]);

export function webAssemblySupported() {
  return typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function';
}

export function simdSupported() {
  return webAssemblySupported() && WebAssembly.validate(SIMD_PROBE);
}

/** File names of a flavour's ES-module factory and its binary. */
export function flavourFiles(simd) {
  const stem = simd ? 'unravel_simd' : 'unravel';
  return { module: `${stem}.mjs`, wasm: `${stem}.wasm` };
}

const isNode = typeof process === 'object' && !!process.versions?.node && typeof window === 'undefined';

async function readBytes(url) {
  if (url.protocol === 'file:') {
    const fsName = 'node:fs/promises'; // a variable, so that bundlers leave it to node
    const fs = await import(fsName);
    return fs.readFile(url);
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url.href}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

// Emscripten's node path expects CommonJS globals; give them to it before the import.
async function prepareNode(moduleUrl) {
  if (!isNode) return;
  if (typeof globalThis.require !== 'function') {
    const moduleName = 'node:module';
    const { createRequire } = await import(moduleName);
    globalThis.require = createRequire(moduleUrl);
  }
  if (typeof globalThis.__dirname !== 'string') {
    globalThis.__dirname = decodeURIComponent(new URL('./', moduleUrl).pathname);
  }
}

/**
 * Instantiate one engine. moduleBase: URL (or string) of the folder holding the factories.
 * simd: true/false to force a flavour, undefined to detect. wasmBinary: the bytes, if the caller
 * already has them (otherwise they are fetched, or read from disk for file: URLs). A factory
 * bundled into the worker (globalThis.UNRAVEL_FACTORIES[file], the single-file page, whose
 * workers may not import anything) is used instead of importing the file.
 */
export async function loadEngine({ moduleBase, simd, wasmBinary } = {}) {
  if (!webAssemblySupported()) throw new Error('This browser cannot run WebAssembly.');
  const useSimd = simd === undefined ? simdSupported() : !!simd;
  const base = new URL(String(moduleBase));
  const files = flavourFiles(useSimd);
  const moduleUrl = new URL(files.module, base);
  await prepareNode(moduleUrl);
  const binary = wasmBinary ?? (await readBytes(new URL(files.wasm, base)));
  const factory = globalThis.UNRAVEL_FACTORIES?.[files.module] ?? (await import(/* webpackIgnore: true */ moduleUrl.href)).default;
  const wasm = await factory({ wasmBinary: binary, print: () => {}, printErr: () => {} });
  return new Engine(wasm, useSimd);
}

function seedHalves(seed) {
  const s = BigInt.asUintN(64, BigInt(seed ?? 0));
  return [Number(s & 0xffffffffn), Number(s >> 32n)];
}

export class Engine {
  constructor(wasm, simd) {
    this.wasm = wasm;
    this.simd = simd;
    this.tallyInts = wasm._unrw_tally_ints();
  }

  get kernels() {
    return this.wasm.UTF8ToString(this.wasm._unrw_kernels_name());
  }

  /** The engine's version, UNRAVEL_VERSION of core/unravel.h as compiled into this module. */
  get version() {
    return this.wasm.UTF8ToString(this.wasm._unrw_version());
  }

  /** The core's last error as an exception. */
  error(context) {
    const w = this.wasm;
    const status = w.UTF8ToString(w._unrw_status_name(w._unrw_error_status()));
    const message = w.UTF8ToString(w._unrw_error_message()) || `${context} failed (${status})`;
    return new UnravelError(message, status);
  }

  // Run fn with a NUL-terminated copy of str on the heap.
  withString(str, fn) {
    const w = this.wasm;
    const len = w.lengthBytesUTF8(str) + 1;
    const ptr = w._malloc(len);
    if (!ptr) throw new UnravelError('out of memory copying a string', 'out of memory');
    try {
      w.stringToUTF8(str, ptr, len);
      return fn(ptr);
    } finally {
      w._free(ptr);
    }
  }

  // Run fn with a heap copy of bytes (any typed array or ArrayBuffer).
  withBytes(bytes, fn) {
    const w = this.wasm;
    const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const ptr = w._malloc(Math.max(1, view.length));
    if (!ptr) throw new UnravelError(`out of memory copying ${view.length} bytes`, 'out of memory');
    try {
      w.HEAPU8.set(view, ptr);
      return fn(ptr, view.length);
    } finally {
      w._free(ptr);
    }
  }

  /** Parse and check a .safetensors model; throws UnravelError with the core's message. */
  loadModel(bytes, name) {
    const handle = this.withBytes(bytes, (ptr, len) => this.withString(name, (namePtr) => this.wasm._unrw_model_load(ptr, len, namePtr)));
    if (!handle) throw this.error('loading the model');
    return new Model(this, handle, name);
  }

  /** SHA-256 of bytes as 64 lowercase hex digits (the core's, as the CLI computes it). */
  sha256(bytes) {
    return this.withBytes(bytes, (ptr, len) => this.wasm.UTF8ToString(this.wasm._unrw_sha256_hex(ptr, len)));
  }

  // A JSON text the core wrote (owned by the module until its next such call), parsed.
  coreJson(ptr, context) {
    if (!ptr) throw this.error(context);
    return JSON.parse(this.wasm.UTF8ToString(ptr));
  }

  /** View CIFAR-10 binary records (copied into the module); returns the image count. */
  setDataset(bytes, name) {
    const w = this.wasm;
    const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const ptr = w._unrw_dataset_buffer(view.length);
    if (!ptr) throw this.error('allocating the dataset');
    w.HEAPU8.set(view, ptr);
    const count = this.withString(name, (namePtr) => w._unrw_dataset_commit(view.length, namePtr));
    if (count < 0) throw this.error('reading the dataset');
    return count;
  }
}

export class Model {
  constructor(engine, handle, name) {
    this.engine = engine;
    this.handle = handle;
    this.name = name;
    const w = engine.wasm;
    try {
      const json = w._unrw_model_info_json(handle);
      if (!json) throw engine.error('describing the model');
      this.info = JSON.parse(w.UTF8ToString(json));
    } catch (e) {
      this.free(); // the caller never receives this Model, so nobody else could free it
      throw e;
    }
  }

  free() {
    this.dropExperiment();
    if (this.handle) this.engine.wasm._unrw_model_free(this.handle);
    this.handle = 0;
  }

  dropExperiment() {
    if (this.experimentHandle) this.engine.wasm._unrw_experiment_free(this.experimentHandle);
    this.experimentHandle = 0;
    this.experimentKey = null;
  }

  // The core's prepared experiment for spec (the last one is kept: chunks reuse its plans).
  prepared(spec) {
    const text = typeof spec === 'string' ? spec : JSON.stringify(spec);
    if (this.experimentHandle && this.experimentKey === text) return this.experimentHandle;
    this.dropExperiment();
    const w = this.engine.wasm;
    const handle = this.engine.withString(text, (ptr) => w._unrw_experiment_new(this.handle, ptr, w.lengthBytesUTF8(text)));
    if (!handle) throw this.engine.error('checking the experiment');
    this.experimentHandle = handle;
    this.experimentKey = text;
    return handle;
  }

  /**
   * Check a spec against this model and list its rows: { rows, describe, spec } with describe[i]
   * = {deleted, order?, tau?, k?|swaps?|prob?|size?, trial?, members? (ensemble)} (blocks 1-based,
   * as in the spec) and spec the canonical spec with every default filled. Throws UnravelError.
   */
  experiment(spec) {
    const handle = this.prepared(spec);
    const w = this.engine.wasm;
    const canonical = this.engine.coreJson(w._unrw_experiment_spec_json(handle), 'writing the spec');
    const describe = this.engine.coreJson(w._unrw_experiment_rows_json(handle), 'describing the rows');
    return { rows: w._unrw_experiment_rows(handle), describe, spec: canonical };
  }

  /**
   * Run spec on images [first, first + count) of the current dataset (default: all of it):
   * { raw: Int32Array of (1 + rows) tallies, baseline first, each tallyInts ints }, plus
   * predictions (Int32Array, (1 + rows) x images, baseline first) when asked.
   */
  runExperiment(spec, { predictions = false, first = 0, count = -1 } = {}) {
    const handle = this.prepared(spec);
    const w = this.engine.wasm;
    const rows = w._unrw_experiment_rows(handle);
    const images = count < 0 ? w._unrw_dataset_count() - first : count;
    const T = this.engine.tallyInts;
    const tallyPtr = w._malloc(4 * T * (1 + rows));
    const predPtr = predictions ? w._malloc(4 * Math.max(1, (1 + rows) * images)) : 0;
    try {
      if (!tallyPtr || (predictions && !predPtr)) throw new UnravelError('out of memory for results', 'out of memory');
      const status = w._unrw_experiment_run(this.handle, handle, first, count, tallyPtr, predPtr);
      if (status !== 0) throw this.engine.error('running the experiment');
      const result = { raw: new Int32Array(w.HEAP32.subarray(tallyPtr >> 2, (tallyPtr >> 2) + T * (1 + rows))) };
      if (predictions) result.predictions = new Int32Array(w.HEAP32.subarray(predPtr >> 2, (predPtr >> 2) + (1 + rows) * images));
      return result;
    } finally {
      w._free(tallyPtr);
      if (predPtr) w._free(predPtr);
    }
  }

  /** The core's summary (the CLI's --json object) of raw tallies, e.g. the sum over chunks. */
  summarize(spec, raw) {
    return JSON.parse(this.summarizeText(spec, raw));
  }

  /** The summary as the core wrote it: the same bytes as the CLI's --json line. */
  summarizeText(spec, raw) {
    const handle = this.prepared(spec);
    const w = this.engine.wasm;
    const T = this.engine.tallyInts;
    const rows = w._unrw_experiment_rows(handle);
    if (raw.length !== T * (1 + rows)) throw new UnravelError(`summarize: ${raw.length} tally ints, the experiment needs ${T * (1 + rows)} (1 + ${rows} rows of ${T})`, 'invalid argument');
    const bytes = new Uint8Array(Int32Array.from(raw).buffer);
    return this.engine.withBytes(bytes, (ptr) => {
      const text = w._unrw_experiment_summary_json(handle, ptr);
      if (!text) throw this.engine.error('summarizing');
      return w.UTF8ToString(text);
    });
  }

  /**
   * Logits [n][10] for normalised NCHW images (Float32Array of n*3*32*32): of the unmodified
   * network, or of plan = {keep, order?} (keep[b] 1 if block b runs; order[p] the block run at
   * position p, default the usual order; 0-based), which the core validates.
   */
  forward(images, n, plan = null) {
    const w = this.engine.wasm;
    const L = this.info.num_blocks;
    if (!Number.isInteger(n) || n < 0) throw new UnravelError(`forward: n must be a whole number >= 0, not ${n}`, 'invalid argument');
    if (!(images instanceof Float32Array)) throw new UnravelError('forward: images must be a Float32Array', 'invalid argument');
    if (images.length !== n * 3 * 32 * 32) throw new UnravelError(`forward: ${images.length} floats for ${n} images, expected ${n * 3 * 32 * 32}`, 'invalid argument');
    if (plan && (plan.keep?.length !== L || (plan.order && plan.order.length !== L))) throw new UnravelError(`forward: a plan gives keep (and order) for each of the ${L} blocks`, 'invalid plan');
    const out = w._malloc(4 * CLASSES * Math.max(1, n));
    if (!out) throw new UnravelError(`out of memory for the logits of ${n} images`, 'out of memory');
    try {
      const run = (keep, order) => this.engine.withBytes(images, (ptr) => w._unrw_forward(this.handle, keep, order, ptr, n, out));
      const withOrder = (keep) => (plan.order ? this.engine.withBytes(Int32Array.from(plan.order), (order) => run(keep, order)) : run(keep, 0));
      const status = plan ? this.engine.withBytes(Uint8Array.from(plan.keep), withOrder) : run(0, 0);
      if (status !== 0) throw this.engine.error('the forward pass');
      return new Float32Array(w.HEAPF32.subarray(out >> 2, (out >> 2) + CLASSES * n));
    } finally {
      w._free(out);
    }
  }

  /**
   * The paper's gradient-flow protocol (the CLI's `unravel gradients`) on rounds first ..
   * first + samples - 1 of the current dataset: a Float64Array [samples][kmax - kmin + 1] of log10
   * gradient norms (-Infinity where a norm is exactly 0). The draws depend only on the seed and
   * the round, so workers can split the rounds and the page can refine progressively.
   */
  gradientSample({ samples, batch = 16, kmin = 0, kmax = this.info.num_blocks, seed = 1, first = 0 }) {
    const w = this.engine.wasm;
    const lengths = kmax - kmin + 1;
    if (!(samples >= 1) || !(lengths >= 1)) throw new UnravelError(`gradientSample: ${samples} samples of lengths ${kmin}..${kmax}`, 'invalid argument');
    const out = w._malloc(8 * samples * lengths);
    if (!out) throw new UnravelError(`out of memory for ${samples} gradient samples`, 'out of memory');
    try {
      const status = w._unrw_gradient_sample(this.handle, samples, batch, kmin, kmax, ...seedHalves(seed), first, out);
      if (status !== 0) throw this.engine.error('sampling gradients');
      return new Float64Array(w.HEAPF64.subarray(out >> 3, (out >> 3) + samples * lengths));
    } finally {
      w._free(out);
    }
  }

  /** The core's summary of log10 norms (rows of rounds, e.g. joined from workers): the CLI's --json fields. */
  gradientSummary(log10Norms, { kmin = 0, kmax = this.info.num_blocks } = {}) {
    const w = this.engine.wasm;
    const lengths = kmax - kmin + 1;
    const samples = log10Norms.length / lengths;
    if (!Number.isInteger(samples) || samples < 1) throw new UnravelError(`gradientSummary: ${log10Norms.length} norms are not whole rows of ${lengths} lengths`, 'invalid argument');
    const bytes = new Uint8Array(Float64Array.from(log10Norms).buffer);
    return this.engine.withBytes(bytes, (ptr) => this.engine.coreJson(w._unrw_gradient_summary_json(this.info.num_blocks, kmin, kmax, ptr, samples), 'summarizing gradients'));
  }

  /** Round `round`'s draws for a dataset of numImages: { images, order } (path k = order[0..k-1]). */
  gradientDraw({ numImages, batch = 16, seed = 1, round }) {
    const w = this.engine.wasm;
    const L = this.info.num_blocks;
    const buf = w._malloc(4 * (batch + L));
    if (!buf) throw new UnravelError('out of memory for gradient draws', 'out of memory');
    try {
      if (w._unrw_gradient_draw(numImages, L, batch, ...seedHalves(seed), round, buf, buf + 4 * batch) !== 0) throw this.engine.error('drawing a gradient round');
      return { images: Array.from(w.HEAP32.subarray(buf >> 2, (buf >> 2) + batch)), order: Array.from(w.HEAP32.subarray((buf >> 2) + batch, (buf >> 2) + batch + L)) };
    } finally {
      w._free(buf);
    }
  }
}
