// test_precomputed.mjs - the committed first-paint numbers (web/src/precomputed/*.json, written
// by web/tools/precompute.mjs) are what the CLI computes now: every file is for the current model
// file (its SHA-256) and holds the default experiments of web/src/default-specs.json; and a
// sample is recomputed on all 10000 test images and compared exactly: resnet20's eval summary
// (byte for byte) and two rows of its delete-one sweep; every sweep's plans are regenerated on
// one image and compared row by row (web/tools/plans-now.mjs). Skips (77) without the data they were
// computed on.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stalePlan } from '../web/tools/plans-now.mjs';

const [cli, root] = process.argv.slice(2);
let failures = 0;
const check = (ok, what) => {
  if (!ok) {
    failures++;
    console.log(`FAIL: ${what}`);
  }
};
const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const dir = path.join(root, 'web', 'src', 'precomputed');
const defaults = JSON.parse(fs.readFileSync(path.join(root, 'web', 'src', 'default-specs.json'), 'utf8'));
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'models', 'manifest.json'), 'utf8'));
const regenerate = 'node web/tools/precompute.mjs --data PATH';

// The result lines of a file as written (one summary per line), and the file parsed.
function load(file) {
  const text = fs.readFileSync(file, 'utf8');
  return { json: JSON.parse(text), lines: text.split('\n').slice(1, -2).map((l) => l.replace(/,$/, '')) };
}

const files = {};
for (const entry of manifest.models) {
  const file = path.join(dir, `${entry.name}.json`);
  if (!fs.existsSync(file)) {
    console.log(`note: no precomputed results for ${entry.name} (${regenerate} --only ${entry.name})`);
    continue;
  }
  const { json, lines } = load(file);
  const modelSha = sha256(path.join(root, 'models', entry.file));
  files[entry.name] = { json, lines, current: json.model.sha256 === modelSha };
  check(json.model.sha256 === modelSha, `${file} is for model sha256 ${json.model.sha256}, models/${entry.file} is ${modelSha}: rerun ${regenerate} --only ${entry.name}`);
  // The defaults in order; an interrupted precompute leaves the first ones (rerunning finishes it).
  check(json.results.length <= defaults.experiments.length && json.results.every((r, i) => r.spec.kind === defaults.experiments[i].kind && r.spec.images === defaults.images && r.spec.model.sha256 === json.model.sha256 && r.spec.data_sha256 === json.data_sha256),
    `${file}: results are not the default experiments on ${defaults.images} images (${json.results.map((r) => r.spec.kind)})`);
  if (json.results.length < defaults.experiments.length) {
    console.log(`note: ${entry.name} lacks ${defaults.experiments.slice(json.results.length).map((t) => t.kind).join(', ')} (${regenerate} --only ${entry.name} adds them)`);
  }
  check(lines.length === json.results.length && lines.every((l, i) => JSON.stringify(JSON.parse(l)) === JSON.stringify(json.results[i])), `${file}: not one summary per line`);
  check(typeof json.data_source === 'string' && /^unravel \S+ CLI$/.test(json.computed_with), `${file}: data_source or computed_with missing`);
}

const data = process.env.UNRAVEL_DATA;
const sample = files.resnet20;
if (!sample) {
  console.log('FAIL: web/src/precomputed/resnet20.json is missing');
  process.exit(1);
}
if (!data || !fs.existsSync(data)) {
  console.log(`SKIP: no UNRAVEL_DATA to recompute the sample (checked ${Object.keys(files).length} files' keys: ${failures} failures)`);
  process.exit(failures ? 1 : 77);
}
// Every sweep's plans are what the generator makes now (a changed generator leaves the model
// and data hashes alone): one image each, any test image will do.
const plansDir = fs.mkdtempSync(path.join(os.tmpdir(), 'unravel-plans-'));
const oneImage = path.join(plansDir, 'one.bin');
execFileSync(cli, ['data', '--data', data, '--limit', '1', '--out', oneImage]);
let plansChecked = 0;
for (const [name, { json, current }] of Object.entries(files)) {
  if (!current) continue; // said above
  for (const result of json.results.filter((r) => r.spec.kind !== 'eval')) {
    const stale = stalePlan(cli, result, oneImage, path.join(root, 'models'));
    check(!stale, `${name} ${result.spec.kind}: the committed rows ran other plans than the CLI generates now: ${stale} (remove that result from web/src/precomputed/${name}.json and rerun ${regenerate} --only ${name})`);
    plansChecked++;
  }
}
fs.rmSync(plansDir, { recursive: true, force: true });
const runJson = (spec, extra = []) => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'unravel-precomputed-'));
  fs.writeFileSync(path.join(tmp, 'spec.json'), JSON.stringify(spec));
  try {
    return execFileSync(cli, ['run', path.join(tmp, 'spec.json'), '--models', path.join(root, 'models'), '--data', data, '--json', ...extra], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    return { error: String(e.stderr) };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
};
const evalIndex = sample.json.results.findIndex((r) => r.spec.kind === 'eval');
const first = runJson(sample.json.results[evalIndex].spec);
if (first.error && first.error.includes('test data SHA-256')) {
  console.log(`SKIP: ${data} is not the data the numbers were computed on (${sample.json.data_source}): ${first.error.trim()}`);
  process.exit(failures ? 1 : 77);
}
check(first === sample.lines[evalIndex], `resnet20 eval on ${defaults.images} images: the CLI now writes\n  ${first.error ?? first}\nthe committed file has\n  ${sample.lines[evalIndex]}`);
const sweep = sample.json.results.find((r) => r.spec.kind === 'delete-one');
for (const block of [2, sweep.rows.length]) {
  const spec = { ...sample.json.results[evalIndex].spec, params: { deleted: [block] } };
  const now = JSON.parse(runJson(spec)).rows[0];
  const row = sweep.rows[block - 1];
  check(now.images === row.images && now.correct === row.correct, `resnet20 without block ${block}: ${now.correct}/${now.images} correct now, ${row.correct}/${row.images} committed`);
}
console.log(failures ? `precomputed: ${failures} failures` : `precomputed: ${Object.keys(files).length} files match their models and ${plansChecked} sweeps the plans generated now; resnet20's sample recomputes exactly`);
process.exit(failures ? 1 : 0);
