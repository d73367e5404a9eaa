// wasm_hostile.test.mjs - hostile inputs through the JavaScript API (issue 11): a model whose
// metadata asks for more memory than its tensors hold, values that overflow when folded, class
// names that need JSON escaping, a failing constructor, bad forward() arguments, an image range
// that overflows int. Each must be refused with the core's error and leave the instance working.
import fs from 'node:fs';
import path from 'node:path';
import { loadEngine, UnravelError } from '../../wasm/engine.js';
import { check, report, requireWasm, goldenDir, readGolden, nativeJson, writeTemp, syntheticRecords, wasmBase } from './helpers.mjs';

requireWasm();
const goodName = 'postact_b';
const good = fs.readFileSync(path.join(goldenDir, `${goodName}.safetensors`));
const golden = readGolden(path.join(goldenDir, `${goodName}.golden`));

function splitFile(bytes) {
  const n = Number(bytes.readBigUInt64LE(0));
  return { header: JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')), data: bytes.subarray(8 + n) };
}
function joinFile(header, data) {
  const text = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([len, text, data]);
}
// good with some metadata replaced
function withMeta(changes) {
  const { header, data } = splitFile(good);
  Object.assign(header.__metadata__, changes);
  return joinFile(header, data);
}
// good with float32 values written into tensors: [[tensor, index, value], ...]
function withValues(edits) {
  const { header, data } = splitFile(good);
  const copy = Buffer.from(data);
  for (const [tensor, index, value] of edits) copy.writeFloatLE(value, header[tensor].data_offsets[0] + 4 * index);
  return joinFile(header, copy);
}

// The 95 KB file: n = 87, widths 880,984,1000, only the stem's weights. In the 32-bit
// module the parameter count wrapped and loading wrote 95 KB past a 232-byte allocation.
const { header: goodHeader } = splitFile(good);
const wrap = joinFile({ __metadata__: { ...goodHeader.__metadata__, 'unravel.blocks_per_stage': '87', 'unravel.widths': '880,984,1000' },
  'conv1.weight': { dtype: 'F32', shape: [880, 3, 3, 3], data_offsets: [0, 880 * 27 * 4] } }, Buffer.alloc(880 * 27 * 4, 0x3c));

const hostile = {
  'metadata sizes beyond the file': [wrap, 'missing tensor'],
  'gamma 3e38 over zero variance': [withValues([['bn1.weight', 0, 3e38], ['bn1.running_var', 0, 0]]), 'non-finite value'],
  'residual scale 1e300': [withMeta({ 'unravel.residual_scale': Array(Number(goodHeader.__metadata__['unravel.blocks_per_stage']) * 3).fill('1e300').join(',') }), 'bad metadata'],
  'std 1e-300': [withMeta({ 'unravel.std': '0.2,1e-300,0.2' }), 'bad metadata'],
  'escape in class names': [withMeta({ 'unravel.classes': 'a,b,c,d,e,f,g,h,i,\u001b[2J' }), 'bad metadata'],
};

for (const simd of [false, true]) {
  const flavour = simd ? 'simd' : 'plain';
  const engine = await loadEngine({ moduleBase: wasmBase, simd });
  const w = engine.wasm;
  // A model loaded first must compute the same logits after every hostile load.
  const model = engine.loadModel(good, goodName);
  const logits = model.forward(golden.images, golden.n);
  for (const [what, [bytes, status]] of Object.entries(hostile)) {
    const file = writeTemp(`hostile_${what.replace(/\W+/g, '_')}.safetensors`, bytes);
    const native = nativeJson('load', file);
    let thrown = null;
    try {
      engine.loadModel(bytes, file).free();
    } catch (e) {
      thrown = e;
    }
    check(thrown instanceof UnravelError && thrown.status === status, `${what} (${flavour}): UnravelError '${status}' (got ${thrown?.status}: ${thrown?.message})`);
    check(thrown?.message === native.message, `${what} (${flavour}): message equals the native one\n    js:     ${thrown?.message}\n    native: ${native.message}`);
    check(!/[\u0000-\u001f\u007f-\u009f]/.test(thrown?.message ?? ''), `${what} (${flavour}): message has no control characters`);
    const again = model.forward(golden.images, golden.n);
    check(again.every((v, i) => v === logits[i]), `${what} (${flavour}): the loaded model's logits are unchanged`);
  }

  // Class names that need escaping in the info JSON.
  const names = ['a"quote', 'back\\slash', '</script>', 'd', 'e', 'f', 'g', 'h', 'i', 'été'];
  const named = engine.loadModel(withMeta({ 'unravel.classes': names.join(',') }), 'named');
  check(JSON.stringify(named.info.classes) === JSON.stringify(names), `class names round-trip (${flavour}): ${JSON.stringify(named.info.classes)}`);
  named.free();

  // A constructor that throws frees the model: 300 failing loads do not grow the heap.
  const describe = w._unrw_model_info_json;
  w._unrw_model_info_json = () => 0;
  const failLoads = (count) => {
    let errors = 0;
    for (let i = 0; i < count; i++) {
      try {
        engine.loadModel(good, goodName);
      } catch (e) {
        errors += e instanceof UnravelError;
      }
    }
    return errors;
  };
  failLoads(5);
  const heapBefore = w.HEAPU8.length;
  const errors = failLoads(300);
  w._unrw_model_info_json = describe;
  check(errors === 300, `a failing constructor throws UnravelError (${errors}/300, ${flavour})`);
  check(w.HEAPU8.length === heapBefore, `300 failed loads leave the heap at ${heapBefore} bytes (now ${w.HEAPU8.length}, ${flavour})`);

  // forward(): the array must hold exactly n images; n a whole number >= 0.
  const bad = [[golden.images.subarray(0, 3072 * (golden.n - 1)), golden.n], [golden.images, -1], [golden.images, 1.5], [golden.images, golden.n + 1], [Array.from(golden.images), golden.n], [golden.images, '2']];
  for (const [images, n] of bad) {
    let thrown = null;
    try {
      model.forward(images, n);
    } catch (e) {
      thrown = e;
    }
    check(thrown instanceof UnravelError && thrown.status === 'invalid argument', `forward(${images.length} values, ${n}) is refused (${flavour}): ${thrown}`);
  }
  check(model.forward(new Float32Array(0), 0).length === 0, `forward of 0 images (${flavour})`);

  // An image range whose end overflows int is refused; the instance keeps working.
  const records = syntheticRecords(20, 3);
  engine.setDataset(records, 'synthetic.bin');
  const spec = { model: { name: 'good', sha256: engine.sha256(good) }, kind: 'eval', params: {}, images: 20, data_sha256: engine.sha256(records) };
  const before = model.runExperiment(spec);
  for (const [first, count] of [[1, 2147483647], [2147483647, 1], [-1, 5], [21, -1]]) {
    let thrown = null;
    try {
      model.runExperiment(spec, { first, count });
    } catch (e) {
      thrown = e;
    }
    check(thrown instanceof UnravelError && thrown.status === 'invalid argument', `runExperiment(${first}, ${count}) is refused (${flavour}): ${thrown}`);
  }
  const after = model.runExperiment(spec);
  check(after.raw.join() === before.raw.join() && after.raw[0] === 20, `runExperiment after refused ranges gives the same tallies (${flavour})`);
  model.free();
}
report('wasm_hostile');
