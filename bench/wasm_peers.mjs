#!/usr/bin/env node
// wasm_peers.mjs - the Unravel WebAssembly engine against TensorFlow.js (WASM backend) and
// onnxruntime-web (WASM backend) in one node run: single thread, same models, same images.
//
//   (cd bench && npm ci)
//   /usr/bin/python3 bench/random_models.py /tmp/peers              # or use trained models
//   for m in resnet20 resnet56 resnet110; do
//     /usr/bin/python3 bench/export_onnx.py /tmp/peers/$m.safetensors /tmp/peers/$m.onnx --batch 64; done
//   node bench/wasm_peers.mjs /tmp/peers/resnet{20,56,110}.safetensors [--batch 64] [--seconds 5] [--build DIR]
//
// MODEL.onnx must sit beside each MODEL.safetensors (bench/export_onnx.py writes it) for
// onnxruntime-web; TF.js builds the network from the safetensors weights itself (NHWC conv2d,
// BatchNorm folded into the convolutions it follows, exactly as FORMAT.md computes). All three
// get the same batch of random normalised images. Progress goes to stderr; stdout gets a table
// of img/s and GFLOP/s (the model's direct-convolution FLOPs, the same count for every engine),
// then one JSON line per engine and model. cpu img/s divides by this process's CPU time instead
// of wall time: steadier when the machine is shared. Each peer's logits are compared with
// Unravel's on the same batch; a mismatch is reported and makes the exit status 1.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { DEFAULT_BUILD, measureUnravel, randomImages, timeBatches } from '../wasm/bench.mjs';
import { readSafetensors } from './safetensors.mjs';

const require = createRequire(import.meta.url);

// Peers and ours compute in float32 with different summation orders (and Winograd here);
// logits are O(1), so agreement to 1e-3 of their scale says they compute the same network.
const LOGIT_TOLERANCE = 1e-3;

function parseArgs(argv) {
  const a = { batch: 64, seconds: 5, build: DEFAULT_BUILD, models: [], only: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--batch') a.batch = Number(value());
    else if (arg === '--seconds') a.seconds = Number(value());
    else if (arg === '--build') a.build = path.resolve(value());
    else if (arg === '--only') a.only = value().split(',');
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else a.models.push(arg);
  }
  if (!a.models.length) throw new Error('usage: node bench/wasm_peers.mjs MODEL.safetensors... [--batch B] [--seconds S] [--build DIR] [--only unravel,tfjs,ort]');
  return a;
}

// ---- TensorFlow.js ------------------------------------------------------------------------

let tf = null;
async function loadTf() {
  if (tf) return tf;
  tf = await import('@tensorflow/tfjs-core');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setThreadsCount(1);
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'));
  wasm.setWasmPaths(dist + path.sep);
  await tf.setBackend('wasm');
  await tf.ready();
  return tf;
}

const EPS = 1e-5;

/** The network of FORMAT.md in tfjs-core ops, weights held as tensors (NHWC, HWIO). */
function buildTfNet(file) {
  const t = file.tensors, meta = file.metadata;
  const get = (name) => {
    if (!t[name]) throw new Error(`${file.name}: missing tensor ${name}`);
    return t[name];
  };
  const preact = meta['unravel.block'] === 'preact';
  const skip = meta['unravel.skip'] !== 'false';
  const shortcutB = meta['unravel.shortcut'] === 'B';
  const n = Number(meta['unravel.blocks_per_stage']);
  const widths = meta['unravel.widths'].split(',').map(Number);
  const scales = meta['unravel.residual_scale'] ? meta['unravel.residual_scale'].split(',').map(Number) : null;
  const bnParams = (prefix) => {
    const w = get(`${prefix}.weight`).data, b = get(`${prefix}.bias`).data;
    const m = get(`${prefix}.running_mean`).data, v = get(`${prefix}.running_var`).data;
    const mul = new Float32Array(w.length), add = new Float32Array(w.length);
    for (let c = 0; c < w.length; c++) {
      mul[c] = w[c] / Math.sqrt(v[c] + EPS);
      add[c] = b[c] - m[c] * mul[c];
    }
    return { mul, add };
  };
  // [out, in, kh, kw] -> [kh, kw, in, out], optionally scaled per output channel (BN folding).
  const convW = (name, mul) => {
    const x = get(name), [co, ci, kh, kw] = x.shape, out = new Float32Array(x.data.length);
    for (let o = 0; o < co; o++)
      for (let i = 0; i < ci; i++)
        for (let y = 0; y < kh; y++)
          for (let z = 0; z < kw; z++)
            out[((y * kw + z) * ci + i) * co + o] = x.data[((o * ci + i) * kh + y) * kw + z] * (mul ? mul[o] : 1);
    return tf.tensor4d(out, [kh, kw, ci, co]);
  };
  const conv = (name, bn, stride) => {
    const p = bn ? bnParams(bn) : null;
    const w = convW(name, p?.mul);
    const ks = get(name).shape[2];
    // Explicit symmetric padding: TF's 'same' pads stride-2 convolutions on one side only.
    return { w, b: p ? tf.tensor1d(p.add) : null, stride, pad: ks === 3 ? 1 : 0 };
  };
  const affine = (bn) => {
    const p = bnParams(bn);
    return { mul: tf.tensor1d(p.mul), add: tf.tensor1d(p.add) };
  };
  const net = { preact, skip, stem: conv('conv1.weight', preact ? null : 'bn1', 1), blocks: [] };
  let win = widths[0];
  for (let s = 0; s < 3; s++) {
    for (let b = 0; b < n; b++) {
      const p = `layer${s + 1}.${b}`, w = widths[s], down = s > 0 && b === 0;
      const blk = { down, win, wout: w, scale: scales ? scales[s * n + b] : 1 };
      if (preact) {
        blk.bn1 = affine(`${p}.bn1`);
        blk.conv1 = conv(`${p}.conv1.weight`, `${p}.bn2`, down ? 2 : 1);
        blk.conv2 = conv(`${p}.conv2.weight`, null, 1);
      } else {
        blk.conv1 = conv(`${p}.conv1.weight`, `${p}.bn1`, down ? 2 : 1);
        blk.conv2 = conv(`${p}.conv2.weight`, `${p}.bn2`, 1);
      }
      if (down && skip && shortcutB) blk.proj = conv(`${p}.shortcut.conv.weight`, `${p}.shortcut.bn`, 2);
      net.blocks.push(blk);
      win = w;
    }
  }
  if (preact) net.bnFinal = affine('bn_final');
  const lw = get('linear.weight'); // [10, w3] -> [w3, 10]
  const lt = new Float32Array(lw.data.length);
  for (let o = 0; o < lw.shape[0]; o++) for (let i = 0; i < lw.shape[1]; i++) lt[i * lw.shape[0] + o] = lw.data[o * lw.shape[1] + i];
  net.linW = tf.tensor2d(lt, [lw.shape[1], lw.shape[0]]);
  net.linB = tf.tensor1d(get('linear.bias').data);
  return net;
}

function tfConv(x, c, relu) {
  return tf.fused.conv2d({ x, filter: c.w, strides: c.stride, pad: c.pad, bias: c.b ?? undefined, activation: relu ? 'relu' : 'linear' });
}

function optionA(x, wout) {
  const [, h, w, c] = x.shape;
  const sub = tf.stridedSlice(x, [0, 0, 0, 0], [x.shape[0], h, w, c], [1, 2, 2, 1]);
  const pad = (wout - c) / 2;
  return pad ? tf.pad(sub, [[0, 0], [0, 0], [0, 0], [pad, pad]]) : sub;
}

function tfForward(net, nchw) {
  return tf.tidy(() => {
    let x = tf.transpose(nchw, [0, 2, 3, 1]);
    x = tfConv(x, net.stem, !net.preact);
    for (const b of net.blocks) {
      if (net.preact) {
        const a = tf.relu(tf.add(tf.mul(x, b.bn1.mul), b.bn1.add));
        let f = tfConv(tfConv(a, b.conv1, true), b.conv2, false);
        if (b.scale !== 1) f = tf.mul(f, b.scale);
        if (!net.skip) x = f;
        else x = tf.add(f, b.down ? (b.proj ? tfConv(a, b.proj, false) : optionA(a, b.wout)) : x);
      } else {
        let f = tfConv(tfConv(x, b.conv1, true), b.conv2, false);
        if (b.scale !== 1) f = tf.mul(f, b.scale);
        const s = !net.skip ? null : b.down ? (b.proj ? tfConv(x, b.proj, false) : optionA(x, b.wout)) : x;
        x = tf.relu(s ? tf.add(f, s) : f);
      }
    }
    if (net.preact) x = tf.relu(tf.add(tf.mul(x, net.bnFinal.mul), net.bnFinal.add));
    const pooled = tf.mean(x, [1, 2]);
    return tf.add(tf.matMul(pooled, net.linW), net.linB);
  });
}

async function measureTf(file, images, batch, seconds) {
  await loadTf();
  const net = buildTfNet(file);
  const input = tf.tensor4d(images, [batch, 3, 32, 32]);
  const once = () => {
    const y = tfForward(net, input);
    const d = y.dataSync();
    y.dispose();
    return d;
  };
  const logits = once();
  const t = await timeBatches(once, batch, { seconds });
  input.dispose();
  return { ...t, logits, version: tf.version_core };
}

// ---- onnxruntime-web ----------------------------------------------------------------------

let ort = null;
async function loadOrt() {
  if (ort) return ort;
  ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true;
  ort.env.wasm.proxy = false;
  return ort;
}

async function measureOrt(onnxPath, images, batch, seconds) {
  await loadOrt();
  const session = await ort.InferenceSession.create(await readFile(onnxPath), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', images, [batch, 3, 32, 32]) };
  const out = session.outputNames[0];
  const run = async () => (await session.run(feeds))[out].data;
  const logits = await run();
  const t = await timeBatches(run, batch, { seconds });
  await session.release();
  return { ...t, logits };
}

// ---- comparison ---------------------------------------------------------------------------

function logitError(ours, theirs) {
  let maxDiff = 0, scale = 0;
  for (let i = 0; i < ours.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(ours[i] - theirs[i]));
    scale = Math.max(scale, Math.abs(ours[i]));
  }
  return maxDiff / Math.max(scale, 1e-30);
}

async function main() {
  let a;
  try {
    a = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`wasm_peers.mjs: ${e.message}`);
    process.exit(2);
  }
  const want = (e) => !a.only || a.only.includes(e);
  const rows = [];
  let failed = false;
  for (const modelPath of a.models) {
    const name = path.basename(modelPath, '.safetensors');
    const bytes = await readFile(modelPath);
    const images = randomImages(a.batch);
    const ours = await measureUnravel(bytes, { name: path.basename(modelPath), batch: a.batch, build: a.build, seconds: a.seconds, images });
    const flops = ours.flops;
    const row = (engine, r, extra = {}) => {
      const out = {
        engine, model: name, batch: a.batch, threads: 1,
        images_per_s: Number(r.images_per_s.toFixed(1)), gflops: Number(((r.images_per_s * flops) / 1e9).toFixed(1)),
        cpu_images_per_s: Number(r.cpu_images_per_s.toFixed(1)), ...extra,
      };
      rows.push(out);
      console.error(`  measured ${name} ${engine}: ${out.images_per_s} img/s`);
    };
    if (want('unravel')) row('unravel-wasm', ours, { simd: true, kernels: ours.kernels });
    if (want('tfjs')) {
      const file = readSafetensors(bytes, path.basename(modelPath));
      const r = await measureTf(file, images, a.batch, a.seconds);
      const err = logitError(ours.logits, r.logits);
      if (!(err <= LOGIT_TOLERANCE)) failed = true;
      row('tfjs-wasm', r, { version: r.version, logit_rel_err: err });
    }
    if (want('ort')) {
      const onnxPath = modelPath.replace(/\.safetensors$/, '.onnx');
      if (!existsSync(onnxPath)) {
        console.error(`  ${name}: no ${onnxPath} (write it with bench/export_onnx.py); onnxruntime-web skipped`);
      } else {
        const r = await measureOrt(onnxPath, images, a.batch, a.seconds);
        const err = logitError(ours.logits, r.logits);
        if (!(err <= LOGIT_TOLERANCE)) failed = true;
        row('onnxruntime-web-wasm', r, { logit_rel_err: err });
      }
    }
  }
  console.log(`${'model'.padEnd(12)}${'engine'.padEnd(24)}${'img/s'.padStart(9)}${'GFLOP/s'.padStart(9)}${'cpu img/s'.padStart(11)}  logits vs unravel`);
  for (const r of rows) {
    const cmp = r.logit_rel_err === undefined ? '' : r.logit_rel_err.toExponential(1);
    console.log(`${r.model.padEnd(12)}${r.engine.padEnd(24)}${r.images_per_s.toFixed(1).padStart(9)}${r.gflops.toFixed(1).padStart(9)}${r.cpu_images_per_s.toFixed(1).padStart(11)}  ${cmp}`);
  }
  for (const r of rows) console.log(JSON.stringify(r));
  if (failed) {
    console.error(`wasm_peers.mjs: a peer's logits differ from Unravel's by more than ${LOGIT_TOLERANCE} (relative); see logit_rel_err`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(`wasm_peers.mjs: ${e.stack ?? e.message}`);
  process.exit(1);
});
