// crashing_worker.mjs - an engine worker (wasm/worker.js under worker_threads) that fails in the
// way workerData.mode says, so that pool.test.mjs can check that every kind of failure retires
// the worker, starts a new one and reruns its chunk:
//   throw  an uncaught error on its first chunk (an error event)
//   exit   the thread ends silently on its first chunk (no reply, no error)
//   trap   the module traps on its first chunk (a WebAssembly.RuntimeError inside the handler)
//   hang   never answers its first chunk (the pool's watchdog must notice)
//   start  the script fails while starting (init never answers: it throws first)
import { parentPort, workerData } from 'node:worker_threads';
import { connect, handlers } from '../../wasm/worker.js';

const mode = workerData?.mode;
if (mode === 'start') throw new Error('simulated failure while starting');
const table = handlers();
const run = table.run;
table.run = (message) => {
  if (mode === 'trap') throw new WebAssembly.RuntimeError('unreachable executed (simulated trap)');
  return run(message);
};
connect((message, transfer) => parentPort.postMessage(message, transfer), (fn) => parentPort.on('message', (message) => {
  if (message.type !== 'run') return fn(message);
  if (mode === 'throw') setTimeout(() => { throw new Error('simulated crash in the engine worker'); });
  else if (mode === 'exit') process.exit(0);
  else if (mode === 'hang') return;
  else fn(message);
}), table);
