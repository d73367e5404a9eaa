// worker.js - one engine instance in one worker, holding any number of models by id, answering
// the pool's requests (pool.js).
//
// Requests carry an id and get exactly one reply with the same id:
//   init       {moduleBase, simd, wasmBinary}              -> {kernels, simd, version}
//   load       {modelId, bytes, name}                      -> {info, sha256}
//   unload     {modelId}                                   -> {}
//   experiment {modelId, spec}                             -> {rows, describe}
//   run        {modelId, spec, bytes, predictions}         -> {raw, predictions?}  (bytes: CIFAR records)
//   summarize  {modelId, spec, raw}                        -> {summary}
//   logits     {modelId, bytes, deleted}                   -> {intact, lesioned}   (Float32Array, n x 10;
//                                                          deleted: 1-based blocks, as in specs)
//   gradients  {modelId, bytes, samples, batch, seed, first} -> {norms}  (Float64Array, rounds x
//                                                          lengths 0..L: log10 gradient norms)
//   gradientSummary {modelId, norms}                       -> {summary}  (the CLI's --json fields)
// The rows of an experiment are generated here, by the core, from the spec: no plans travel.
// A failure replies {error, status}; fatal: true when the module itself broke (a trap, an abort,
// anything that is not the core's own error), so that the pool retires this worker. In a browser
// this file is the worker's module; elsewhere (node tests) call connect() with a message port.
import { loadEngine, UnravelError } from './engine.js';

export function handlers() {
  let engine = null;
  const models = new Map(); // modelId -> {model, sha256}

  const modelOf = (modelId) => {
    const entry = models.get(modelId);
    if (!entry) throw new UnravelError(`model ${modelId} is not loaded in this worker`, 'invalid argument');
    return entry;
  };

  return {
    async init({ moduleBase, simd, wasmBinary }) {
      engine = await loadEngine({ moduleBase, simd, wasmBinary });
      return { reply: { kernels: engine.kernels, simd: engine.simd, version: engine.version } };
    },
    load({ modelId, bytes, name }) {
      if (models.has(modelId)) return { reply: { info: models.get(modelId).model.info, sha256: models.get(modelId).sha256 } };
      const model = engine.loadModel(bytes, name);
      const sha256 = engine.sha256(bytes);
      models.set(modelId, { model, sha256 });
      return { reply: { info: model.info, sha256 } };
    },
    unload({ modelId }) {
      models.get(modelId)?.model.free();
      models.delete(modelId);
      return { reply: {} };
    },
    experiment({ modelId, spec }) {
      const { rows, describe } = modelOf(modelId).model.experiment(spec);
      return { reply: { rows, describe } };
    },
    run({ modelId, spec, bytes, predictions }) {
      const { model } = modelOf(modelId);
      engine.setDataset(bytes, 'test images');
      const result = model.runExperiment(spec, { predictions });
      const reply = { raw: result.raw };
      const transfer = [result.raw.buffer];
      if (predictions) {
        reply.predictions = result.predictions;
        transfer.push(result.predictions.buffer);
      }
      return { reply, transfer };
    },
    summarize({ modelId, spec, raw }) {
      return { reply: { summary: modelOf(modelId).model.summarize(spec, raw) } };
    },
    gradients({ modelId, bytes, samples, batch, seed, first }) {
      const { model } = modelOf(modelId);
      engine.setDataset(bytes, 'test images');
      const norms = model.gradientSample({ samples, batch, seed, first });
      return { reply: { norms }, transfer: [norms.buffer] };
    },
    gradientSummary({ modelId, norms }) {
      return { reply: { summary: modelOf(modelId).model.gradientSummary(norms) } };
    },
    logits({ modelId, bytes, deleted }) {
      const { model } = modelOf(modelId);
      const images = normalise(bytes, model.info.mean, model.info.std);
      const n = images.length / 3072;
      const intact = model.forward(images, n);
      const lesioned = deleted.length ? model.forward(images, n, planDeleting(model.info.num_blocks, deleted)) : intact;
      return { reply: { intact, lesioned } };
    },
  };
}

// CIFAR records -> normalised NCHW floats with the core's mean and std (model info), in float
// arithmetic step by step as the core's unr_load_record computes them, so the same inputs.
function normalise(records, mean, std) {
  const n = Math.floor(records.length / 3073);
  const out = new Float32Array(n * 3072);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 1024; p++) out[i * 3072 + c * 1024 + p] = Math.fround(Math.fround(records[i * 3073 + 1 + c * 1024 + p] / 255) - mean[c]) / std[c];
    }
  }
  return out;
}

// One plan deleting the given blocks (for forward()).
function planDeleting(numBlocks, deleted) {
  const keep = new Uint8Array(numBlocks).fill(1);
  for (const b of deleted) keep[b - 1] = 0; // 1-based, as in specs
  return { keep };
}

/** Serve requests: post(message, transfer) sends, listen(fn) delivers each incoming message. */
export function connect(post, listen, table = handlers()) {
  let initialised = false;
  // One request at a time, in arrival order: the engine is single-threaded.
  let queue = Promise.resolve();
  listen((message) => {
    queue = queue.then(async () => {
      const { id, type } = message;
      try {
        if (type !== 'init' && !initialised) throw new UnravelError('the worker has no engine (init failed or was not sent)', 'invalid argument');
        const handler = table[type];
        if (!handler) throw new UnravelError(`unknown request '${type}'`, 'invalid argument');
        const { reply, transfer = [] } = await handler(message);
        if (type === 'init') initialised = true;
        post({ id, ...reply }, transfer);
      } catch (e) {
        // The core's errors leave the instance sound; anything else (a trap, an abort, a
        // script error) may have broken it.
        const fatal = !(e instanceof UnravelError || e?.name === 'UnravelError');
        post({ id, error: e?.message ?? String(e), status: e?.status ?? (fatal ? 'fatal' : 'error'), fatal }, []);
      }
    });
  });
}

const inBrowserWorker = typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope;
if (inBrowserWorker) {
  connect((message, transfer) => self.postMessage(message, transfer), (fn) => self.addEventListener('message', (event) => fn(event.data)));
}
