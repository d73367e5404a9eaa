#!/usr/bin/env node
// bench.mjs - forward-pass speed of the WebAssembly engine under node, single thread.
//
//   node wasm/bench.mjs MODEL [--batch B] [--build DIR] [--seconds S] [--plain]
//
// Loads MODEL (.safetensors) into the SIMD module (the plain one with --plain) found in DIR
// (default: build-wasm/wasm, what the README's commands build), runs forward passes over a batch
// of B random normalised images (default 64) for S seconds (default 5) after a warm-up, and
// prints one JSON object like the CLI's `unravel bench --json`:
//   {"engine": "unravel-wasm", "simd": true, "batch": B, "threads": 1, "images_per_s": x, "gflops": g}
// GFLOP/s counts the model's direct-convolution FLOPs (unr_model_info.flops), whatever
// algorithm the kernels use. bench/wasm_peers.mjs imports measureUnravel() from here.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadEngine, simdSupported } from './engine.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_BUILD = path.resolve(here, '..', 'build-wasm', 'wasm');

/** Images [n][3][32][32] with a fixed seed, roughly like normalised CIFAR (mean 0, sd 1). */
export function randomImages(n, seed = 7) {
  const out = new Float32Array(n * 3 * 32 * 32);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < out.length; i++) {
    // xorshift32, then a sum of uniforms as a cheap bell shape
    let acc = 0;
    for (let k = 0; k < 3; k++) {
      s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
      acc += s / 4294967296;
    }
    out[i] = (acc - 1.5) * 2;
  }
  return out;
}

/**
 * Time run() (one batch; may return a promise): warm up for warmupS (at least 2 batches), then
 * time at least `seconds` and 3 batches. Returns { images_per_s, cpu_images_per_s }: wall clock,
 * and this process's CPU time, which a busy shared machine disturbs less.
 */
export async function timeBatches(run, batch, { seconds = 5, warmupS = 1.5 } = {}) {
  const warmEnd = performance.now() + warmupS * 1000;
  let batches = 0;
  while (performance.now() < warmEnd || batches < 2) { await run(); batches++; }
  let images = 0;
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let elapsed;
  do {
    await run();
    images += batch;
    n++;
  } while ((elapsed = (performance.now() - start) / 1000) < seconds || n < 3);
  const cpu = process.cpuUsage(cpu0);
  return { images_per_s: images / elapsed, cpu_images_per_s: images / ((cpu.user + cpu.system) / 1e6) };
}

/** Load the module and model, time forward passes: { images_per_s, cpu_images_per_s, gflops,
 * kernels, flops, logits (of the batch) }. */
export async function measureUnravel(modelBytes, { name = 'model', batch = 64, build = DEFAULT_BUILD, simd = true, seconds = 5, images } = {}) {
  const engine = await loadEngine({ moduleBase: pathToFileURL(build + path.sep), simd });
  const model = engine.loadModel(modelBytes, name);
  const input = images ?? randomImages(batch);
  const logits = model.forward(input, batch);
  const t = await timeBatches(() => model.forward(input, batch), batch, { seconds });
  const result = {
    ...t,
    gflops: (t.images_per_s * model.info.flops) / 1e9,
    kernels: model.info.kernels,
    flops: model.info.flops,
    logits,
  };
  model.free();
  return result;
}

function parseArgs(argv) {
  const a = { batch: 64, build: DEFAULT_BUILD, seconds: 5, simd: true, model: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--batch') a.batch = Number(value());
    else if (arg === '--build') a.build = path.resolve(value());
    else if (arg === '--seconds') a.seconds = Number(value());
    else if (arg === '--plain') a.simd = false;
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else if (a.model) throw new Error(`unexpected argument ${arg}`);
    else a.model = arg;
  }
  if (!a.model) throw new Error('usage: node wasm/bench.mjs MODEL [--batch B] [--build DIR] [--seconds S] [--plain]');
  if (!Number.isInteger(a.batch) || a.batch < 1) throw new Error('--batch must be a positive integer');
  if (!(a.seconds > 0)) throw new Error('--seconds must be positive');
  return a;
}

async function main() {
  let a;
  try {
    a = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`bench.mjs: ${e.message}`);
    process.exit(2);
  }
  if (a.simd && !simdSupported()) {
    console.error('bench.mjs: this node has no WebAssembly SIMD; use --plain');
    process.exit(1);
  }
  let bytes;
  try {
    bytes = await readFile(a.model);
  } catch (e) {
    console.error(`bench.mjs: cannot read ${a.model}: ${e.code ?? e.message}`);
    process.exit(1);
  }
  try {
    const r = await measureUnravel(bytes, { ...a, name: path.basename(a.model) });
    console.log(JSON.stringify({
      engine: 'unravel-wasm', simd: a.simd, batch: a.batch, threads: 1,
      images_per_s: Number(r.images_per_s.toFixed(1)), gflops: Number(r.gflops.toFixed(1)),
      model: a.model, kernels: r.kernels, cpu_images_per_s: Number(r.cpu_images_per_s.toFixed(1)),
    }));
  } catch (e) {
    console.error(`bench.mjs: ${e.message}`);
    if (/Cannot find module|ENOENT/.test(String(e.message))) console.error(`bench.mjs: is the module built in ${a.build}? (see README: the wasm build)`);
    process.exit(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main();
