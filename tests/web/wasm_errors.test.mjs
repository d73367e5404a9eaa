// wasm_errors.test.mjs - loader and dataset errors surface in JavaScript as UnravelError
// exceptions carrying exactly the status and message the native core gives for the same bytes.
import fs from 'node:fs';
import path from 'node:path';
import { loadEngine, UnravelError } from '../../wasm/engine.js';
import { check, report, requireWasm, goldenNames, goldenDir, nativeJson, writeTemp, wasmBase } from './helpers.mjs';

requireWasm();
const name = goldenNames().find((n) => n === 'preact_a') ?? goldenNames()[0];
const good = fs.readFileSync(path.join(goldenDir, `${name}.safetensors`));
const headerLength = Number(good.readBigUInt64LE(0));
const header = good.subarray(8, 8 + headerLength).toString('latin1');

// Each corruption edits the good file's bytes without changing its length unless it says so.
function replaceInHeader(from, to) {
  if (from.length !== to.length || !header.includes(from)) throw new Error(`test setup: cannot replace '${from}'`);
  const bytes = Buffer.from(good);
  bytes.write(header.replace(from, to), 8, 'latin1');
  return bytes;
}
const firstTensor = Object.entries(JSON.parse(header)).find(([k]) => k !== '__metadata__');
const corrupt = {
  'too short': good.subarray(0, 3),
  'header length past the end': (() => { const b = Buffer.from(good); b.writeBigUInt64LE(BigInt(good.length + 100), 0); return b; })(),
  'header not JSON': replaceInHeader('{', '['),
  'data truncated': good.subarray(0, good.length - 16),
  'missing tensor': replaceInHeader('"linear.bias"', '"linear.biaz"'),
  'unsupported dtype': replaceInHeader(`"${firstTensor[0]}":{"dtype":"F32"`, `"${firstTensor[0]}":{"dtype":"I32"`),
  'bad metadata': replaceInHeader('cifar-resnet', 'cifar-resnex'),
  'NaN weight': (() => {
    const b = Buffer.from(good);
    b.writeUInt32LE(0x7fc00000, 8 + headerLength + firstTensor[1].data_offsets[0]);
    return b;
  })(),
};

for (const simd of [false, true]) {
  const engine = await loadEngine({ moduleBase: wasmBase, simd });
  const flavour = simd ? 'simd' : 'plain';
  for (const [what, bytes] of Object.entries(corrupt)) {
    const file = writeTemp(`corrupt_${what.replace(/\W+/g, '_')}.safetensors`, bytes);
    const native = nativeJson('load', file);
    check(native.status !== 'ok', `${what}: the native loader refuses it`);
    let thrown = null;
    try {
      engine.loadModel(bytes, file);
    } catch (e) {
      thrown = e;
    }
    check(thrown instanceof UnravelError, `${what} (${flavour}): loadModel throws an UnravelError (got ${thrown})`);
    check(thrown?.status === native.status, `${what} (${flavour}): status '${thrown?.status}' vs native '${native.status}'`);
    check(thrown?.message === native.message, `${what} (${flavour}): message\n    js:     ${thrown?.message}\n    native: ${native.message}`);
    check(native.message.includes(file), `${what}: the message names the file (${native.message})`);
  }

  const badData = {
    'partial record': new Uint8Array(3073 + 1),
    'label out of range': (() => { const b = new Uint8Array(2 * 3073); b[3073] = 10; return b; })(),
  };
  for (const [what, bytes] of Object.entries(badData)) {
    const file = writeTemp(`corrupt_${what.replace(/\W+/g, '_')}.bin`, bytes);
    const native = nativeJson('data', file);
    let thrown = null;
    try {
      engine.setDataset(bytes, file);
    } catch (e) {
      thrown = e;
    }
    check(native.status !== 'ok', `${what}: the native reader refuses it`);
    check(thrown instanceof UnravelError && thrown.status === native.status && thrown.message === native.message,
      `${what} (${flavour}): setDataset throws the core's error\n    js:     ${thrown?.message}\n    native: ${native.message}`);
  }

  // An illegal order (moving a downsampling block) is refused by the core's validator.
  const model = engine.loadModel(good, name);
  const L = model.info.num_blocks;
  const n = model.info.blocks_per_stage;
  const order = Array.from({ length: L }, (_, b) => b);
  [order[n - 1], order[n]] = [order[n], order[n - 1]];
  let planError = null;
  try {
    model.forward(new Float32Array(3072), 1, { keep: new Uint8Array(L).fill(1), order });
  } catch (e) {
    planError = e;
  }
  check(planError instanceof UnravelError && planError.status === 'invalid plan' && planError.message.length > 0, `(${flavour}) an order moving a downsampling block is refused: ${planError?.status}: ${planError?.message}`);
  let argError = null;
  try {
    model.experiment({ model: { name, sha256: engine.sha256(good) }, kind: 'delete-k', params: { k: [3, 1], trials: 2 }, seed: 1, images: 1, data_sha256: '0'.repeat(64) });
  } catch (e) {
    argError = e;
  }
  check(argError instanceof UnravelError && argError.message.length > 0, `(${flavour}) delete-k with k from 3 to 1 is refused: ${argError?.message}`);
  model.free();
}
report('web_wasm_errors');
