// crashing_worker.mjs - an engine worker that dies (uncaught error) on its first chunk: lets
// pool.test.mjs check that a failed worker becomes a visible error, not a hang.
import { parentPort } from 'node:worker_threads';
import { connect } from '../../wasm/worker.js';

connect((message, transfer) => parentPort.postMessage(message, transfer), (fn) => parentPort.on('message', (message) => {
  if (message.type === 'chunk') setTimeout(() => { throw new Error('simulated crash in the engine worker'); });
  else fn(message);
}));
