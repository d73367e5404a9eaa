// models.mjs - the list of models the page offers: models/manifest.json when the zoo has one,
// otherwise the tiny test models in tests/golden (random weights, so near-chance accuracy).
import fs from 'node:fs';
import path from 'node:path';

/** The __metadata__ of a .safetensors file (only the header is read). */
export function readMetadata(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(8);
    if (fs.readSync(fd, head, 0, 8, 0) !== 8) throw new Error(`${file}: too short for a safetensors header`);
    const length = Number(head.readBigUInt64LE(0));
    if (length > 100e6) throw new Error(`${file}: header length ${length} is implausible`);
    const json = Buffer.alloc(length);
    fs.readSync(fd, json, 0, length, 8);
    return JSON.parse(json.toString('utf8')).__metadata__ ?? {};
  } finally {
    fs.closeSync(fd);
  }
}

// A model's `kind` says how it was trained, one meaning wherever the name appears (manifest,
// page, zoo_report.py's KIND): the page's panels key their notes on it. `about` describes the
// architecture in words.
export const KINDS = ['residual', 'plain', 'stochastic-depth', 'short-paths'];

/** How a network was trained, from its metadata alone (when no manifest says it). */
export function trainingKind(meta) {
  if (meta['unravel.skip'] === 'false') return 'plain';
  if (meta['unravel.short_paths']) return 'short-paths';
  if (meta['unravel.residual_scale']) return 'stochastic-depth';
  return 'residual';
}

function describe(meta) {
  const about = [meta['unravel.block'] === 'postact' ? 'post-activation' : 'pre-activation', meta['unravel.skip'] === 'false' ? 'plain (no skips)' : `shortcut ${meta['unravel.shortcut']}`];
  const kind = trainingKind(meta);
  if (kind === 'stochastic-depth') about.push('stochastic depth');
  if (kind === 'short-paths') about.push('trained on short paths');
  return about.join(', ');
}

/** The page's entry for one model file; `extra` (a manifest entry) overrides what the file says. */
export function modelEntry(file, name, extra = {}) {
  const meta = readMetadata(file);
  const perStage = Number(meta['unravel.blocks_per_stage']);
  const kind = extra.kind ?? trainingKind(meta);
  if (!KINDS.includes(kind)) throw new Error(`${name}: kind "${kind}" is not one of ${KINDS.join(', ')}`);
  return {
    name,
    file: path.basename(file),
    num_blocks: extra.num_blocks ?? (Number.isFinite(perStage) ? 3 * perStage : null),
    kind,
    about: describe(meta),
    accuracy: extra.accuracy ?? null,
    bytes: fs.statSync(file).size,
    path: file,
    ...(extra.note ? { note: extra.note } : {}),
    ...(extra.compare ? { compare: extra.compare } : {}),
    ...(extra.description ? { description: extra.description } : {}),
    ...(Array.isArray(extra.downsampling) ? { downsampling: extra.downsampling } : {}),
  };
}

/** [{name, file, num_blocks, kind, about, accuracy, bytes, path}] and where the list came from. */
export function findModels(root) {
  const manifest = path.join(root, 'models', 'manifest.json');
  if (fs.existsSync(manifest)) {
    const parsed = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    const list = Array.isArray(parsed) ? parsed : parsed.models ?? [];
    const models = [];
    for (const m of list) {
      const relative = m.file ?? m.path;
      const file = relative && path.resolve(root, 'models', relative);
      if (!file || !fs.existsSync(file)) {
        console.warn(`build: ${manifest} lists ${relative}, which is missing; skipped`);
        continue;
      }
      models.push(modelEntry(file, m.name ?? path.basename(file, '.safetensors'), { ...m, num_blocks: Number.isInteger(m.num_blocks) ? m.num_blocks : undefined }));
    }
    // A comparison names a model of this build, or none.
    for (const m of models) if (m.compare && !models.some((x) => x.name === m.compare)) delete m.compare;
    return { source: 'models/manifest.json', models };
  }
  const golden = path.join(root, 'tests', 'golden');
  const files = fs.existsSync(golden) ? fs.readdirSync(golden).filter((f) => f.endsWith('.safetensors')).sort() : [];
  const models = [];
  for (const f of files) {
    try {
      models.push(modelEntry(path.join(golden, f), path.basename(f, '.safetensors'), { note: 'tiny random test model (no zoo yet)' }));
    } catch (e) {
      // Corrupt files for the loader's error tests live here too; they are not offered.
    }
  }
  return { source: 'tests/golden (no models/manifest.json yet)', models };
}
