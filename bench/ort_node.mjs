// ort_node.mjs MODEL.onnx [--batch B] [--seconds S]: onnxruntime-node on one thread, as the
// native engine's peer. Prints one JSON object like `unravel bench --json`.
import ort from 'onnxruntime-node';

const args = process.argv.slice(2);
const flag = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
const path = args[0], batch = flag('--batch', 64), seconds = flag('--seconds', 3), mflop = flag('--mflop', 0);
const session = await ort.InferenceSession.create(path, {
  intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all',
});
const data = new Float32Array(batch * 3 * 32 * 32);
for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 12.9898) * 2;
const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, [batch, 3, 32, 32]) };
const run = () => session.run(feeds);
for (let end = performance.now() + 1000; performance.now() < end;) await run(); // warm up
let images = 0;
const start = performance.now();
while (performance.now() - start < seconds * 1000) { await run(); images += batch; }
const ips = images / ((performance.now() - start) / 1000);
console.log(JSON.stringify({ engine: 'onnxruntime-node', version: ort.env.versions?.node ?? null, model: path,
  batch, threads: 1, images_per_s: +ips.toFixed(1), gflops: +(ips * mflop / 1000).toFixed(1) }));
