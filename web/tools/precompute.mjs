#!/usr/bin/env node
// precompute.mjs - the page's first paint: every model of models/manifest.json run through the
// default experiments of web/src/default-specs.json on all 10000 test images by the native CLI
// (`unravel run SPEC.json --json`), written to web/src/precomputed/<model>.json.
//
//   node web/tools/precompute.mjs [--data PATH] [--cli build/cli/unravel] [--threads N]
//        [--only resnet20,plain20] [--source "description of the data"]
//
// A result is kept (not recomputed) while its model file's and the data's SHA-256, its spec and
// the plans the CLI generates for it (plans-now.mjs) are unchanged, so after replacing a model
// file, or changing a plan generator, the same command recomputes what changed only.
// The file is rewritten after every experiment: an interrupted run keeps what it finished.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stalePlan } from './plans-now.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = { cli: path.join(root, 'build', 'cli', 'unravel'), data: process.env.UNRAVEL_DATA, threads: '2', only: null, source: null };
for (let i = 2; i < process.argv.length; i++) {
  const flag = process.argv[i].replace(/^--/, '');
  if (!(flag in args) || i + 1 >= process.argv.length) {
    console.error(`precompute: unknown flag or missing value: ${process.argv[i]} (flags: --data --cli --threads --only --source)`);
    process.exit(2);
  }
  args[flag] = process.argv[++i];
}
if (!args.data) {
  console.error('precompute: no CIFAR-10 data: pass --data PATH or set UNRAVEL_DATA');
  process.exit(2);
}

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');
const defaults = JSON.parse(fs.readFileSync(path.join(root, 'web', 'src', 'default-specs.json'), 'utf8'));
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'models', 'manifest.json'), 'utf8'));
const outDir = path.join(root, 'web', 'src', 'precomputed');
const version = execFileSync(args.cli, ['--version'], { encoding: 'utf8' }).trim();
const source = args.source ?? `CIFAR-10 test_batch.bin read from ${path.basename(args.data)}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'unravel-precompute-'));
// The test records cut by the CLI's own reader (`unravel data`), kept as a plain .bin (quicker
// than unpacking a tarball every run); the CLI hashes the same bytes.
const testBatch = path.join(tmp, 'test_batch.bin');
execFileSync(args.cli, ['data', '--data', args.data, '--limit', String(defaults.images), '--out', testBatch]);
const records = fs.readFileSync(testBatch);
const oneImage = path.join(tmp, 'one.bin');
execFileSync(args.cli, ['data', '--data', testBatch, '--limit', '1', '--out', oneImage]);
const dataSha = sha256(records);

/** CPU seconds of finished children (Linux: cutime + cstime of /proc/self/stat), else NaN. */
function childCpuSeconds() {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100; // fields 16 and 17, in ticks of 1/100 s
  } catch {
    return NaN;
  }
}

/** Does a computed summary answer this default (same kind, seed, images and given params)? */
function answers(result, template, modelSha) {
  const s = result.spec;
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  return s.model.sha256 === modelSha && s.data_sha256 === dataSha && s.kind === template.kind &&
    s.images === defaults.images && (template.seed === undefined || s.seed === template.seed) &&
    Object.entries(template.params ?? {}).every(([k, v]) => same(s.params[k], v));
}

function write(file, head, texts) {
  fs.writeFileSync(file, `${JSON.stringify(head).slice(0, -1)},"results":[\n${texts.join(',\n')}\n]}\n`);
}

const timings = [];
for (const entry of manifest.models) {
  if (args.only && !args.only.split(',').includes(entry.name)) continue;
  const modelFile = path.join(root, 'models', entry.file);
  const modelSha = sha256(fs.readFileSync(modelFile));
  const file = path.join(outDir, `${entry.name}.json`);
  const old = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : { results: [] };
  const oldTexts = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').slice(1, -2).map((l) => l.replace(/,$/, '')) : [];
  // Without --source, the same data keeps the description it was given before (e.g. that it is a
  // re-encoded copy), so that every model's first paint names its data alike.
  const dataSource = args.source ?? (old.data_sha256 === dataSha && old.data_source) ?? source;
  const head = { model: { name: entry.name, sha256: modelSha }, data_sha256: dataSha, data_source: dataSource || source, computed_with: `${version} CLI` };
  const texts = [];
  for (const template of defaults.experiments) {
    const kept = old.results.findIndex((r) => answers(r, template, modelSha));
    const stale = kept >= 0 && stalePlan(args.cli, old.results[kept], oneImage, path.join(root, 'models'));
    if (stale) console.log(`${entry.name} ${template.kind}: computed with other plans (${stale}), recomputing`);
    if (kept >= 0 && !stale) {
      texts.push(oldTexts[kept]);
      console.log(`${entry.name} ${template.kind}: unchanged, kept`);
      continue;
    }
    const spec = { model: { name: entry.name, sha256: modelSha }, ...template, images: defaults.images, data_sha256: dataSha };
    const specFile = path.join(tmp, 'spec.json');
    fs.writeFileSync(specFile, JSON.stringify(spec));
    const start = process.hrtime.bigint();
    const cpuStart = childCpuSeconds();
    const text = execFileSync(args.cli, ['run', specFile, '--data', testBatch, '--threads', args.threads, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = childCpuSeconds() - cpuStart;
    texts.push(text);
    timings.push({ model: entry.name, kind: template.kind, seconds, cpu });
    console.log(`${entry.name} ${template.kind}: ${seconds.toFixed(1)} s wall, ${cpu.toFixed(1)} s CPU`);
    write(file, head, texts); // keep what is done if the next one is interrupted
  }
  write(file, head, texts);
}
fs.rmSync(tmp, { recursive: true, force: true });
const total = timings.reduce((a, t) => a + t.seconds, 0);
const cpu = timings.reduce((a, t) => a + t.cpu, 0);
console.log(`computed ${timings.length} experiments in ${total.toFixed(0)} s wall clock (--threads ${args.threads}), ${cpu.toFixed(0)} s CPU`);
