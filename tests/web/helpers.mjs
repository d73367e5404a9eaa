// helpers.mjs - shared by the WebAssembly and page tests: where things are, the native
// references (CLI and native_ref), golden files, and a tiny check/report harness.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = process.env.UNRAVEL_SOURCE || path.resolve(here, '..', '..');
export const wasmDir = process.env.UNRAVEL_WASM_DIR || path.join(root, 'build-wasm', 'wasm');
export const wasmBase = pathToFileURL(wasmDir + path.sep);
export const goldenDir = process.env.UNRAVEL_GOLDEN || path.join(root, 'tests', 'golden');
export const distDir = process.env.UNRAVEL_WEB_DIST || path.join(root, 'web', 'dist');
export const outDir = process.env.UNRAVEL_WEB_OUT || path.join(root, 'build', 'tests', 'web');
const cli = process.env.UNRAVEL_CLI || path.join(root, 'build', 'cli', 'unravel');
const nativeRef = process.env.UNRAVEL_WEB_REF || path.join(root, 'build', 'tests', 'web', 'web_native_ref');

export const SKIP = 77;

/** Exit 77 (CTest's skip) with a reason. */
export function skip(reason) {
  console.log(`SKIP: ${reason}`);
  process.exit(SKIP);
}

let failures = 0;
let checks = 0;
/** Record one assertion; failures are listed and make the test exit 1 at report(). */
export function check(ok, what) {
  checks++;
  if (!ok) {
    failures++;
    console.log(`FAIL: ${what}`);
  }
  return ok;
}

export function report(name) {
  console.log(`${name}: ${checks - failures}/${checks} checks passed`);
  process.exit(failures ? 1 : 0);
}

// CTest passes an empty UNRAVEL_WASM_DIR or UNRAVEL_WEB_DIST when that build is not configured.
export function requireWasm() {
  if (process.env.UNRAVEL_WASM_DIR === '') skip('the WebAssembly build is not configured (make test-web, or make wasm and configure with -DUNRAVEL_WASM_DIR=build-wasm/wasm)');
  for (const f of ['unravel.mjs', 'unravel.wasm', 'unravel_simd.mjs', 'unravel_simd.wasm']) {
    if (!fs.existsSync(path.join(wasmDir, f))) {
      console.log(`FAIL: ${path.join(wasmDir, f)} is missing; build the WebAssembly engine first (make wasm)`);
      process.exit(1);
    }
  }
}

export function requirePage() {
  if (process.env.UNRAVEL_WEB_DIST === '') skip('the page build is not configured (make test-web, or make web and configure with -DUNRAVEL_WEB_DIST=web/dist)');
  if (!fs.existsSync(path.join(distDir, 'index.html'))) {
    console.log(`FAIL: ${distDir} has no built page (make web)`);
    process.exit(1);
  }
}

/** Names listed in tests/golden/MANIFEST (fails if absent: the golden files are committed). */
export function goldenNames() {
  const manifest = path.join(goldenDir, 'MANIFEST');
  if (!fs.existsSync(manifest)) {
    console.log(`FAIL: ${manifest} is missing (tests/golden/make_golden.py writes it)`);
    process.exit(1);
  }
  return fs.readFileSync(manifest, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
}

/** A tests/golden .golden file (layout in tests/golden/make_golden.py). */
export function readGolden(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 0, 4) !== 'UNRG' || buf.readUInt32LE(4) !== 1) throw new Error(`${file}: not a version 1 golden file`);
  const [n, classes, numBlocks, plans] = [8, 12, 16, 20].map((o) => buf.readUInt32LE(o));
  const expect = 24 + n * 3072 * 5 + plans * (8 * numBlocks + 4 * n * classes);
  if (buf.length !== expect) throw new Error(`${file}: ${buf.length} bytes, expected ${expect}`);
  const copy = (offset, bytes) => buf.buffer.slice(buf.byteOffset + offset, buf.byteOffset + offset + bytes);
  const images = new Float32Array(copy(24, n * 3072 * 4));
  const pixels = new Uint8Array(copy(24 + n * 3072 * 4, n * 3072));
  const list = [];
  let at = 24 + n * 3072 * 5;
  for (let p = 0; p < plans; p++) {
    const keep = new Int32Array(copy(at, 4 * numBlocks));
    const order = new Int32Array(copy(at + 4 * numBlocks, 4 * numBlocks));
    const logits = new Float32Array(copy(at + 8 * numBlocks, 4 * n * classes));
    list.push({ keep, order, logits });
    at += 8 * numBlocks + 4 * n * classes;
  }
  return { n, classes, num_blocks: numBlocks, images, pixels, plans: list };
}

function run(exe, args) {
  if (!fs.existsSync(exe)) {
    console.log(`FAIL: ${exe} is missing; build the native tree first (make native)`);
    process.exit(1);
  }
  return execFileSync(exe, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
}

/** The native CLI's standard output. */
export function cliText(...args) {
  return run(cli, args);
}

/** The native CLI's --json answer. */
export function cliJson(...args) {
  return JSON.parse(run(cli, [...args, '--json']));
}

/** The first count test records of a CIFAR-10 source, cut by the CLI's reader (`unravel data`). */
export function cliSubset(source, count) {
  const file = writeTemp(`subset_${count}.bin`, new Uint8Array(0));
  run(cli, ['data', '--data', source, '--limit', String(count), '--out', file]);
  return new Uint8Array(fs.readFileSync(file));
}

/** native_ref's JSON answer (tests/web/native_ref.c). */
export function nativeJson(...args) {
  return JSON.parse(run(nativeRef, args));
}

/** The CIFAR-10 data the tests may use, or null. */
export function dataPath() {
  const p = process.env.UNRAVEL_DATA;
  return p && fs.existsSync(p) ? p : null;
}

/** Records of a CIFAR .bin with labels and pixels from a seeded generator (not real images). */
export function syntheticRecords(count, seed) {
  let s = seed >>> 0 || 1;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24);
  const bytes = new Uint8Array(count * 3073);
  for (let i = 0; i < count; i++) {
    bytes[i * 3073] = next() % 10;
    // Smooth-ish images (a gradient plus noise) so that networks do not see pure noise.
    for (let c = 0; c < 3; c++) for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
      bytes[i * 3073 + 1 + c * 1024 + y * 32 + x] = (((x + y) * (c + 1) * 4 + (next() >> 2)) & 255);
    }
  }
  return bytes;
}

/** Write bytes to a file in the test output folder; returns the path. */
export function writeTemp(name, bytes) {
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, name);
  fs.writeFileSync(file, bytes);
  return file;
}

/** A node worker_threads Worker that looks like a browser Worker to wasm/pool.js (plus 'exit'). */
export function nodeWorker(script = new URL('../../wasm/node_worker.mjs', import.meta.url), options = {}) {
  const worker = new Worker(script, options);
  const listeners = { message: [], error: [], messageerror: [], exit: [] };
  worker.on('message', (data) => listeners.message.forEach((fn) => fn({ data })));
  worker.on('error', (error) => listeners.error.forEach((fn) => fn({ message: error.message, error })));
  worker.on('messageerror', (error) => listeners.messageerror.forEach((fn) => fn({ message: String(error) })));
  // A browser has no such event (the pool's watchdog covers a silent exit there); node tells.
  worker.on('exit', (code) => listeners.exit.forEach((fn) => fn({ message: `the worker exited (code ${code})` })));
  return {
    postMessage: (message, transfer) => worker.postMessage(message, transfer),
    addEventListener: (type, fn) => listeners[type]?.push(fn),
    terminate: () => worker.terminate(),
  };
}

/** Correct-image count from a CLI accuracy over images (the CLI prints 6 decimals). */
export const countOf = (accuracy, images) => Math.round(accuracy * images);

// ---- the built page in Chromium (the *_e2e tests) -------------------------------------------

export const BROWSER_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
export const cliPath = cli;

/**
 * What every page test needs first: the built page, playwright-core and Debian's Chromium (each
 * missing one fails or skips, saying why) and the page's test images (skip with fewer than
 * minImages). Returns {chromium, launch, dataInfo, models}: launch() starts the browser.
 */
export async function pageTestSetup({ minImages = 1 } = {}) {
  requirePage();
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    console.log('FAIL: playwright-core is not installed (cd tests/web && npm ci)');
    process.exit(1);
  }
  if (!fs.existsSync('/usr/bin/chromium')) skip('no /usr/bin/chromium (apt-get install chromium)');
  const dataInfo = JSON.parse(fs.readFileSync(path.join(distDir, 'data', 'data.json'), 'utf8'));
  if (!dataInfo.images) skip(`the page was built without test images: ${dataInfo.reason}`);
  if (dataInfo.images < minImages) skip(`the page ships only ${dataInfo.images} test images`);
  const { models } = JSON.parse(fs.readFileSync(path.join(distDir, 'models', 'manifest.json'), 'utf8'));
  const launch = () => chromium.launch({ executablePath: '/usr/bin/chromium', args: BROWSER_FLAGS });
  return { chromium, launch, dataInfo, models };
}

/** A model of the page's manifest by name; exits 1 when the page does not ship it. */
export function shippedModel(models, name) {
  const entry = models.find((m) => m.name === name);
  if (!entry) {
    console.log(`FAIL: the page ships no ${name} (models/manifest.json)`);
    process.exit(1);
  }
  return entry;
}

/** web/serve.mjs on a free port serving dir: {server, origin}, origin resolving to http://localhost:N. */
export function serveDir(dir, extra = []) {
  const server = spawn(process.execPath, [path.join(root, 'web', 'serve.mjs'), dir, '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  const origin = new Promise((resolve, reject) => {
    server.stdout.on('data', (chunk) => {
      const m = /http:\/\/localhost:\d+/.exec(String(chunk));
      if (m) resolve(m[0]);
    });
    server.on('exit', (code) => reject(new Error(`serve.mjs exited with ${code}`)));
  });
  return { server, origin };
}

/** The page served from a subfolder URL, as a course site would: {server, origin, base}. */
export async function servePage() {
  const { server, origin } = serveDir(path.dirname(distDir));
  const at = await origin;
  return { server, origin: at, base: `${at}/${path.basename(distDir)}/` };
}

/** A tool's `--name value` option taken out of args (so that what remains is positional), or fallback. */
export function takeOption(args, name, fallback) {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [value] = args.splice(i, 2).slice(1);
  return value;
}
