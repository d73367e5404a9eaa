// node_worker.mjs - worker.js inside a node worker_threads thread (tests and node tools use the
// same pool as the page; see tests/web/helpers.mjs for the Worker-like wrapper).
import { parentPort } from 'node:worker_threads';
import { connect } from './worker.js';

connect((message, transfer) => parentPort.postMessage(message, transfer), (fn) => parentPort.on('message', fn));
