// worker.js - one engine instance in one worker, answering the pool's requests (pool.js).
//
// Requests carry an id and get exactly one reply with the same id:
//   init     {moduleBase, simd, model: {bytes, name}}      -> {info, kernels, simd}
//   plans    {spec}  (see Model.plans)                       -> {plans}
//   setPlans {plans}                                         -> {count}
//   chunk    {bytes, name, predictions}  CIFAR records       -> {tallies, predictions?}
// A failure replies {error: message, status}. In a browser this file is the worker's module;
// elsewhere (node tests) call connect() with a message port.
import { loadEngine } from './engine.js';

let engine = null;
let model = null;

function handlers() {
  return {
    async init({ moduleBase, simd, wasmBinary, model: file }) {
      engine = await loadEngine({ moduleBase, simd, wasmBinary });
      model = engine.loadModel(file.bytes, file.name);
      return { reply: { info: model.info, kernels: engine.kernels, simd: engine.simd } };
    },
    plans({ spec }) {
      const plans = model.plans(spec);
      return { reply: { plans }, transfer: [plans.keep.buffer, plans.order.buffer, plans.tau.buffer] };
    },
    setPlans({ plans }) {
      model.setPlans(plans);
      return { reply: { count: plans.count } };
    },
    chunk({ bytes, name, predictions }) {
      engine.setDataset(bytes, name);
      const result = model.run({ predictions });
      const reply = { tallies: result.raw };
      const transfer = [result.raw.buffer];
      if (predictions) {
        reply.predictions = result.predictions;
        transfer.push(result.predictions.buffer);
      }
      return { reply, transfer };
    },
  };
}

/** Serve requests: post(message, transfer) sends, listen(fn) delivers each incoming message. */
export function connect(post, listen) {
  const table = handlers();
  // One request at a time, in arrival order: the engine is single-threaded.
  let queue = Promise.resolve();
  listen((message) => {
    queue = queue.then(async () => {
      const { id, type } = message;
      try {
        if (type !== 'init' && !model) throw new Error('the worker has no model (init failed or was not sent)');
        const handler = table[type];
        if (!handler) throw new Error(`unknown request '${type}'`);
        const { reply, transfer = [] } = await handler(message);
        post({ id, ...reply }, transfer);
      } catch (e) {
        post({ id, error: e?.message ?? String(e), status: e?.status ?? 'error' }, []);
      }
    });
  });
}

const inBrowserWorker = typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope;
if (inBrowserWorker) {
  connect((message, transfer) => self.postMessage(message, transfer), (fn) => self.addEventListener('message', (event) => fn(event.data)));
}
