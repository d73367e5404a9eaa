// build.mjs - build the static lab into web/dist: the bundled page and worker, the WebAssembly
// modules, the models and a CIFAR-10 test subset cut from the data the build is pointed at.
//
//   node web/build.mjs [--wasm DIR] [--cli FILE] [--data PATH] [--images N | --all] [--models-dir DIR]
//
// --wasm: the Emscripten build's wasm/ folder (default build-wasm/wasm, or UNRAVEL_WASM_BUILD);
// --cli: the native `unravel` (default build/cli/unravel, or UNRAVEL_CLI): it cuts the test subset
// with the engine's one CIFAR-10 reader (`unravel data`), so the page accepts what the CLI does;
// --data: CIFAR-10 tarball, folder or test_batch.bin (default UNRAVEL_DATA); --images: how
// many test images to ship (default 1000, or UNRAVEL_WEB_IMAGES); --all: all 10000;
// --models-dir: offer every .safetensors there instead of models/manifest.json.
// Everything is referenced by relative URL, so dist/ works from any static folder.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { findModels, modelEntry } from './tools/models.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

function parseArgs(argv) {
  const opts = {
    wasm: process.env.UNRAVEL_WASM_BUILD || path.join(root, 'build-wasm', 'wasm'),
    cli: process.env.UNRAVEL_CLI || path.join(root, 'build', 'cli', 'unravel'),
    data: process.env.UNRAVEL_DATA || '',
    images: Number(process.env.UNRAVEL_WEB_IMAGES || 1000),
    modelsDir: '',
    out: path.join(here, 'dist'),
  };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
      return argv[++i];
    };
    switch (argv[i]) {
      case '--wasm': opts.wasm = value(); break;
      case '--cli': opts.cli = value(); break;
      case '--data': opts.data = value(); break;
      case '--images': opts.images = Number(value()); break;
      case '--all': opts.images = 10000; break;
      case '--models-dir': opts.modelsDir = value(); break;
      case '--out': opts.out = value(); break;
      default: throw new Error(`unknown option ${argv[i]} (see the comment at the top of web/build.mjs)`);
    }
  }
  if (!(Number.isInteger(opts.images) && opts.images > 0)) throw new Error(`--images must be a positive whole number`);
  return opts;
}

function copyWasm(opts) {
  const dest = path.join(opts.out, 'wasm');
  fs.mkdirSync(dest, { recursive: true });
  for (const f of ['unravel.mjs', 'unravel.wasm', 'unravel_simd.mjs', 'unravel_simd.wasm']) {
    const src = path.join(opts.wasm, f);
    if (!fs.existsSync(src)) throw new Error(`${src} is missing: build the WebAssembly engine first (make wasm)`);
    fs.copyFileSync(src, path.join(dest, f));
  }
}

function copyModels(opts) {
  const dest = path.join(opts.out, 'models');
  fs.mkdirSync(dest, { recursive: true });
  let found;
  if (opts.modelsDir) {
    const files = fs.readdirSync(opts.modelsDir).filter((f) => f.endsWith('.safetensors')).sort();
    found = { source: opts.modelsDir, models: files.map((f) => modelEntry(path.join(opts.modelsDir, f), path.basename(f, '.safetensors'))) };
  } else {
    found = findModels(root);
  }
  for (const m of found.models) fs.copyFileSync(m.path, path.join(dest, m.file));
  const models = found.models.map(({ path: _p, ...m }) => m);
  const precomputed = copyPrecomputed(opts, models);
  fs.writeFileSync(path.join(dest, 'manifest.json'), JSON.stringify({ source: found.source, models }, null, 1) + '\n');
  return { ...found, precomputed };
}

// The committed results computed natively for each shipped model (web/src/precomputed/): the
// full-test-set sweeps (<model>.json) and the gradient flow (gradients-<model>.json). Each
// manifest entry lists its files (precomputed_files), so the page asks only for files that exist
// and the single-file build knows what to inline.
const PRECOMPUTED_KINDS = [(name) => `${name}.json`, (name) => `gradients-${name}.json`];
function copyPrecomputed(opts, models) {
  const from = path.join(here, 'src', 'precomputed');
  const dest = path.join(opts.out, 'precomputed');
  fs.mkdirSync(dest, { recursive: true });
  let copied = 0;
  for (const m of models) {
    const deleteOne = deleteOneOf(path.join(from, `${m.name}.json`), path.join(dest, '..', 'models', m.file));
    if (deleteOne) m.delete_one = deleteOne;
    m.precomputed_files = [];
    for (const fileOf of PRECOMPUTED_KINDS) {
      const f = fileOf(m.name);
      if (!fs.existsSync(path.join(from, f))) continue;
      fs.copyFileSync(path.join(from, f), path.join(dest, f));
      m.precomputed_files.push(`precomputed/${f}`);
      copied++;
    }
  }
  return copied;
}

// A model's committed delete-one sweep, compact, for the explanation's table of every network
// (the page shows it before any model is loaded): {images, base_error, errors: [block 1..L]}.
// Only when the precomputed file is for this very model file (its SHA-256).
function deleteOneOf(precomputedFile, modelFile) {
  if (!fs.existsSync(precomputedFile)) return null;
  const file = JSON.parse(fs.readFileSync(precomputedFile, 'utf8'));
  const sha256 = crypto.createHash('sha256').update(fs.readFileSync(modelFile)).digest('hex');
  const sweep = file.results?.find((r) => r.spec.kind === 'delete-one');
  if (!sweep || file.model?.sha256 !== sha256) return null;
  const errors = [];
  for (const row of sweep.rows) errors[row.deleted[0] - 1] = 1 - row.accuracy;
  return { images: sweep.baseline.images, base_error: 1 - sweep.baseline.accuracy, errors };
}

// Whether the data is the official download, for the page's credits: the tarball's published
// MD5 (tools/fetch_cifar.mjs checks the same); a folder or a .bin cannot be told apart.
const OFFICIAL_TARBALL_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
function dataOrigin(source) {
  if (!fs.statSync(source).isFile() || !source.endsWith('.tar.gz')) return 'unknown';
  const md5 = crypto.createHash('md5').update(fs.readFileSync(source)).digest('hex');
  return md5 === OFFICIAL_TARBALL_MD5 ? 'official' : 'other';
}

function cutData(opts) {
  const dest = path.join(opts.out, 'data');
  fs.mkdirSync(dest, { recursive: true });
  const info = path.join(dest, 'data.json');
  if (!opts.data) {
    fs.writeFileSync(info, JSON.stringify({ images: 0, reason: 'the build was given no CIFAR-10 data (set UNRAVEL_DATA or pass --data)' }) + '\n');
    return null;
  }
  if (!fs.existsSync(opts.cli)) throw new Error(`${opts.cli} is missing: build the native CLI first (make native), or pass --cli`);
  const cutting = path.join(dest, 'cutting.bin');
  let subset;
  try {
    const out = execFileSync(opts.cli, ['data', '--data', opts.data, '--limit', String(opts.images), '--out', cutting, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    subset = JSON.parse(out);
  } catch (e) {
    throw new Error(`cutting the test subset: ${(e.stderr || e.message).trim()}`);
  }
  const cut = `test_${subset.images}.bin`;
  fs.renameSync(cutting, path.join(dest, cut));
  fs.writeFileSync(info, JSON.stringify({ file: cut, images: subset.images, data_sha256: subset.data_sha256, source: `first ${subset.images} of the ${subset.available} CIFAR-10 test images in ${path.basename(opts.data)}`, origin: dataOrigin(opts.data) }) + '\n');
  return subset;
}

async function bundle(opts) {
  const common = { bundle: true, format: 'esm', target: 'es2020', minify: true, sourcemap: true, logLevel: 'warning', legalComments: 'linked' };
  await esbuild.build({ ...common, entryPoints: [path.join(here, 'src', 'main.jsx')], outfile: path.join(opts.out, 'app.js'), jsx: 'automatic', jsxImportSource: 'preact', loader: { '.json': 'json' } });
  await esbuild.build({ ...common, entryPoints: [path.join(root, 'wasm', 'worker.js')], outfile: path.join(opts.out, 'worker.js') });
  for (const f of ['index.html', 'styles.css', 'boot.js', 'boot-old.js']) fs.copyFileSync(path.join(here, f), path.join(opts.out, f));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  fs.rmSync(opts.out, { recursive: true, force: true });
  fs.mkdirSync(opts.out, { recursive: true });
  copyWasm(opts);
  const models = copyModels(opts);
  const data = cutData(opts);
  await bundle(opts);
  console.log(`web/dist: ${models.models.length} model(s) from ${models.source}; ${data ? `${data.images} test images` : 'no test images (no data given)'}; ${models.precomputed} precomputed result file(s)`);
}

main().catch((e) => {
  console.error(`web/build.mjs: ${e.message}`);
  process.exit(1);
});
