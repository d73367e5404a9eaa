// models_list.test.mjs - the page's model list (web/tools/models.mjs): `kind` means how a network
// was trained wherever it appears, whether the manifest says it or the file's metadata does.
// Node alone (no build needed): runs with the native tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { check, report, root } from './helpers.mjs';
import { KINDS, findModels, modelEntry, readMetadata, trainingKind } from '../../web/tools/models.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'unravel-models-'));

/** A safetensors file with no tensors, only metadata (the list reads nothing else). */
function metadataOnly(name, metadata) {
  const header = Buffer.from(JSON.stringify({ __metadata__: metadata }));
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(header.length));
  const file = path.join(tmp, name);
  fs.writeFileSync(file, Buffer.concat([size, header]));
  return file;
}

// The zoo: the manifest's kind (written by models/zoo_report.py) agrees with the file's metadata.
const zoo = findModels(root);
check(zoo.source === 'models/manifest.json', `the zoo's list comes from its manifest (got ${zoo.source})`);
check(zoo.models.length >= 5, `the zoo lists ${zoo.models.length} networks`);
for (const m of zoo.models) {
  check(KINDS.includes(m.kind), `${m.name}: kind ${m.kind} is a training kind`);
  check(m.kind === trainingKind(readMetadata(m.path)), `${m.name}: manifest kind ${m.kind} = the file's ${trainingKind(readMetadata(m.path))}`);
  check(typeof m.about === 'string' && /activation/.test(m.about), `${m.name}: about describes the architecture (${m.about})`);
}
check(zoo.models.some((m) => m.kind === 'plain') && zoo.models.some((m) => m.kind === 'residual'), 'the zoo has plain and residual networks');

// Without a manifest: the golden test models, kinds from metadata alone.
const noManifest = path.join(tmp, 'root');
fs.mkdirSync(path.join(noManifest, 'tests'), { recursive: true });
fs.symlinkSync(path.join(root, 'tests', 'golden'), path.join(noManifest, 'tests', 'golden'));
const golden = findModels(noManifest);
check(golden.source.startsWith('tests/golden'), `without a manifest the list comes from tests/golden (${golden.source})`);
const kindOf = Object.fromEntries(golden.models.map((m) => [m.name, m.kind]));
check(kindOf.plain_pre === 'plain' && kindOf.plain_post === 'plain', `plain golden models are plain (${kindOf.plain_pre}, ${kindOf.plain_post})`);
check(kindOf.preact_a === 'residual' && kindOf.postact_b === 'residual', `residual golden models are residual (${kindOf.preact_a}, ${kindOf.postact_b})`);
check(kindOf.preact_a_scaled === 'stochastic-depth', `a file with a residual scale is stochastic-depth (${kindOf.preact_a_scaled})`);
check(golden.models.every((m) => KINDS.includes(m.kind)), 'every golden model has a training kind');

// A short-path network also carries a residual scale (23/54): its own key decides.
const base = { 'unravel.block': 'preact', 'unravel.skip': 'true', 'unravel.shortcut': 'A', 'unravel.blocks_per_stage': '18' };
const short = modelEntry(metadataOnly('short.safetensors', { ...base, 'unravel.residual_scale': Array(54).fill(23 / 54).join(','), 'unravel.short_paths': '23 of 54 residual branches per training mini-batch' }), 'short');
check(short.kind === 'short-paths', `a short-path file is short-paths, not stochastic depth (${short.kind})`);
check(short.num_blocks === 54 && /short paths/.test(short.about), `its entry: ${short.num_blocks} blocks, about "${short.about}"`);

// A manifest's kind wins, but only a known one: a typo fails the build naming the model.
const file = metadataOnly('plain.safetensors', { ...base, 'unravel.skip': 'false' });
check(modelEntry(file, 'p', { kind: 'residual' }).kind === 'residual', 'the manifest\'s kind overrides the metadata');
let message = '';
try { modelEntry(file, 'typo', { kind: 'stochastic_depth' }); } catch (e) { message = e.message; }
check(/typo: kind "stochastic_depth" is not one of residual, plain, stochastic-depth, short-paths/.test(message), `an unknown kind is refused, naming the model (${message})`);

fs.rmSync(tmp, { recursive: true, force: true });
report('models_list');
