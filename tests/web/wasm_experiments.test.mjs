// wasm_experiments.test.mjs - experiments as specs in the WebAssembly engine give the native
// CLI's numbers byte for byte: for every kind, the summary written by the wasm core from tallies
// of two image chunks (added up in JavaScript) equals `unravel run SPEC.json --json`; eval
// predictions equal `unravel eval --predictions`; SHA-256 equals node's; bad specs throw the
// core's message naming the field.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { loadEngine, UnravelError } from '../../wasm/engine.js';
import { check, report, requireWasm, goldenDir, cliJson, cliSubset, dataPath, syntheticRecords, writeTemp, wasmBase, root } from './helpers.mjs';

requireWasm();
const cli = process.env.UNRAVEL_CLI || path.join(root, 'build', 'cli', 'unravel');
const real = dataPath();
const IMAGES = real ? 120 : 60;
const records = real ? cliSubset(real, IMAGES) : syntheticRecords(IMAGES, 4242);
const dataFile = writeTemp(real ? 'experiment_subset.bin' : 'experiment_synthetic.bin', records);
console.log(`images: ${real ? `first ${IMAGES} CIFAR-10 test images` : `${IMAGES} synthetic records (no UNRAVEL_DATA)`}`);

const sha = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');
const engine = await loadEngine({ moduleBase: wasmBase, simd: true });
const plain = await loadEngine({ moduleBase: wasmBase, simd: false });

// SHA-256: the core's against node's, on the data and on a length that needs two tail blocks.
const dataSha = engine.sha256(records);
check(dataSha === sha(records), `sha256 of the records: ${dataSha} vs node's ${sha(records)}`);
const text56 = new TextEncoder().encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq');
check(engine.sha256(text56) === sha(text56) && engine.sha256(new Uint8Array(0)) === sha(Buffer.alloc(0)), 'sha256 of 56 and 0 bytes');

const models = [path.join(goldenDir, 'preact_a.safetensors')];
const zoo = path.join(root, 'models', 'resnet20.safetensors');
if (real && fs.existsSync(zoo)) models.push(zoo);

// Tallies of images [0, cut) and [cut, N) run as two datasets (as workers do), added up.
function chunked(eng, model, spec, cut) {
  eng.setDataset(records.subarray(0, cut * 3073), 'chunk 1');
  const a = model.runExperiment(spec).raw;
  eng.setDataset(records.subarray(cut * 3073), 'chunk 2');
  const b = model.runExperiment(spec).raw;
  return a.map((x, i) => x + b[i]);
}

for (const file of models) {
  const bytes = fs.readFileSync(file);
  const name = path.basename(file, '.safetensors');
  const model = engine.loadModel(bytes, name);
  const L = model.info.num_blocks;
  const base = { model: { name, sha256: engine.sha256(bytes) }, images: IMAGES, data_sha256: dataSha };
  check(base.model.sha256 === sha(bytes), `${name}: model sha256`);
  const specs = [
    { kind: 'eval', params: { deleted: [2, L] } },
    { kind: 'delete-one', params: {} },
    { kind: 'delete-k', params: { k: [1, 3], trials: 3 }, seed: 7 },
    { kind: 'delete-k', params: { k: [2, 4], trials: 2, eligible: 'all' }, seed: 9007199254740991 },
    { kind: 'reorder', params: { swaps: [1, 3], trials: 2 }, seed: 4 },
    { kind: 'drop', params: { probs: [0.1, 0.5], rule: 'linear', trials: 3 }, seed: 3 },
    { kind: 'ensemble', params: { prob: 0.2, sizes: [1, 2, 4], trials: 2 }, seed: 11 },
  ];
  for (const partial of specs) {
    const spec = { ...base, ...partial };
    const label = `${name} ${spec.kind} ${JSON.stringify(spec.params)}`;
    const described = model.experiment(spec);
    const nativeText = execFileSync(cli, ['run', writeTemp('experiment_spec.json', JSON.stringify(spec)), '--models', path.dirname(file), '--data', dataFile, '--json'], { encoding: 'utf8' }).trim();
    const native = JSON.parse(nativeText);
    check(described.rows === native.rows.length, `${label}: ${described.rows} rows vs the CLI's ${native.rows.length}`);
    check(JSON.stringify(described.spec) === JSON.stringify(native.spec), `${label}: canonical spec ${JSON.stringify(described.spec)} vs the CLI's ${JSON.stringify(native.spec)}`);
    const strip = ({ images, correct, accuracy, wilson95, ...rest }) => rest;
    check(JSON.stringify(described.describe) === JSON.stringify(native.rows.map(strip)), `${label}: row descriptions differ from the CLI's`);
    const text = model.summarizeText(spec, chunked(engine, model, spec, 37));
    check(text === nativeText, `${label}: the wasm summary differs from the CLI's\n  wasm ${text.slice(0, 400)}\n  cli  ${nativeText.slice(0, 400)}`);
    check(JSON.stringify(model.summarize(spec, chunked(engine, model, spec, 37))) === JSON.stringify(native), `${label}: summarize()`);
  }

  // eval predictions (intact, lesioned) equal the CLI's --predictions
  engine.setDataset(records, 'all');
  const evalSpec = { ...base, kind: 'eval', params: { deleted: [2, L] } };
  const run = model.runExperiment(evalSpec, { predictions: true });
  const evalCli = cliJson('eval', file, '--delete', `2,${L}`, '--data', dataFile, '--predictions');
  check(run.predictions.length === 2 * IMAGES, `${name}: ${run.predictions.length} predictions`);
  check(JSON.stringify(Array.from(run.predictions.subarray(0, IMAGES))) === JSON.stringify(evalCli.predictions.intact), `${name}: intact predictions differ from the CLI's`);
  check(JSON.stringify(Array.from(run.predictions.subarray(IMAGES))) === JSON.stringify(evalCli.predictions.lesioned), `${name}: lesioned predictions differ from the CLI's`);

  // bad specs: the core's message, naming the field
  const throws = (s, want) => {
    try {
      model.experiment(s);
      check(false, `${name}: ${JSON.stringify(s.params)} was accepted`);
    } catch (e) {
      check(e instanceof UnravelError && e.message.includes(want), `${name}: '${e.message}' should say '${want}'`);
    }
  };
  throws({ ...base, kind: 'delete-k', params: { k: [1, L + 1], eligible: 'all' } }, `params.k: ${L + 1} exceeds the ${L} blocks`);
  throws({ ...base, kind: 'eval', params: { deleted: [0] } }, 'params.deleted: element 1 is not a block number');
  throws({ ...base, kind: 'reorder', params: { swaps: [1, 1048576], trials: 100000 } }, 'at most 20000');
  throws({ ...base, kind: 'drop', params: { probs: [2] } }, 'params.probs: must be a probability');
  throws({ ...base, kind: 'delete-one', images: 0 }, 'images: must be an integer');
  try {
    model.summarize({ ...base, kind: 'delete-one', params: {} }, new Int32Array(5));
    check(false, 'summarize accepted 5 ints');
  } catch (e) {
    check(e instanceof UnravelError && e.message.includes('tally ints'), `summarize of the wrong length: ${e.message}`);
  }
  model.free();
}

// The plain (no SIMD) module writes the same summary.
{
  const file = models[0];
  const bytes = fs.readFileSync(file);
  const model = plain.loadModel(bytes, 'preact_a');
  const spec = { model: { name: 'preact_a', sha256: sha(bytes) }, kind: 'ensemble', params: { prob: 0.3, sizes: [1, 3], trials: 2 }, seed: 2, images: IMAGES, data_sha256: dataSha };
  const nativeText = execFileSync(cli, ['run', writeTemp('experiment_spec.json', JSON.stringify(spec)), '--models', path.dirname(file), '--data', dataFile, '--json'], { encoding: 'utf8' }).trim();
  check(model.summarizeText(spec, chunked(plain, model, spec, 20)) === nativeText, 'plain module: ensemble summary differs from the CLI\'s');
}
report('web_wasm_experiments');
