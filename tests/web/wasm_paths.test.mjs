// wasm_paths.test.mjs - the path statistics the page's paths chart draws (model.info.paths, from
// the WebAssembly core) equal the CLI's `unravel paths MODEL --k 0-L --json` to the last bit, for
// every shipped and golden model in both flavours, and match exact binomial coefficients.
import fs from 'node:fs';
import path from 'node:path';
import { loadEngine } from '../../wasm/engine.js';
import { check, report, requireWasm, goldenDir, goldenNames, cliJson, wasmBase, root } from './helpers.mjs';

requireWasm();
const engines = [await loadEngine({ moduleBase: wasmBase, simd: false }), await loadEngine({ moduleBase: wasmBase, simd: true })];

const zoo = path.join(root, 'models');
const files = [
  ...fs.readdirSync(zoo).filter((f) => f.endsWith('.safetensors')).map((f) => path.join(zoo, f)),
  ...goldenNames().map((name) => path.join(goldenDir, `${name}.safetensors`)),
];

// C(n, 0..n) exactly, as an independent reference.
function binomials(n) {
  const row = [1n];
  for (let k = 1; k <= n; k++) row.push((row[k - 1] * BigInt(n - k + 1)) / BigInt(k));
  return row;
}

const seenBlocks = new Set();
for (const file of files) {
  const bytes = fs.readFileSync(file);
  const name = path.basename(file, '.safetensors');
  const L = cliJson('info', file).num_blocks;
  const cli = cliJson('paths', file, '--k', `0-${L}`);
  delete cli.model;
  for (const engine of engines) {
    const flavour = engine.simd ? 'simd' : 'plain';
    const model = engine.loadModel(bytes, name);
    const paths = model.info.paths;
    check(JSON.stringify(paths) === JSON.stringify(cli), `${name} (${flavour}): info.paths equals the CLI's paths --json`);
    check(paths.num_blocks === L && paths.paths === 2 ** L && paths.remaining.length === L + 1 && paths.remaining.every((r, d) => r.deleted === d && r.fraction.length === L + 1),
      `${name} (${flavour}): ${L} blocks, 2^${L} paths, remaining for 0..${L} deletions`);
    model.free();
  }
  // Against exact counts: C(L, k) (exact in doubles up to 56 blocks) and C(L-d, k) / C(L, k).
  if (seenBlocks.has(L)) continue;
  seenBlocks.add(L);
  const exact = binomials(L);
  check(cli.length_counts.every((c, k) => c === Number(exact[k])), `${name}: length counts are C(${L}, k)`);
  for (const d of [1, Math.floor(L / 2), L]) {
    const left = binomials(L - d);
    const worst = Math.max(...cli.remaining[d].fraction.map((f, k) => Math.abs(f - (k <= L - d ? Number(left[k]) / Number(exact[k]) : 0))));
    check(worst <= 1e-13, `${name}: share of each length left after ${d} deletions is C(${L - d}, k) / C(${L}, k) (worst difference ${worst})`);
  }
}
check(seenBlocks.size >= 3, `models of ${[...seenBlocks].join(', ')} blocks were compared`);
report('web_wasm_paths');
