// plans-now.mjs - do a computed summary's plans (which blocks each row deleted, in which order,
// which networks an ensemble averaged) still come out of the CLI's plan generator? A summary's
// key (model, data, spec) does not change when the generator does (delete-k's per-k streams
// did), so precompute.mjs and tests/test_precomputed.mjs ask the CLI for the same spec on one
// test image, which takes well under a second, and compare the plans row by row.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One string per row: the plan it ran, without its numbers. */
export function planKeys(result) {
  return result.rows.map((r) => JSON.stringify([r.deleted ?? null, r.order ?? null, r.members ?? null]));
}

/**
 * The first row whose plan differs from what `cli` generates now for result.spec, as text, or
 * null when all agree. oneImage: a .bin of one test record (`unravel data --limit 1 --out`);
 * models: the folder holding the spec's model file (it must be the file the spec names).
 */
export function stalePlan(cli, result, oneImage, models) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'unravel-plans-'));
  try {
    const specFile = path.join(tmp, 'spec.json');
    fs.writeFileSync(specFile, JSON.stringify({ ...result.spec, images: 1 }));
    let now;
    try {
      now = JSON.parse(execFileSync(cli, ['run', specFile, '--models', models, '--data', oneImage, '--any-data', '--threads', '1', '--json'],
        { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] }));
    } catch (e) {
      return `the CLI could not generate them: ${String(e.stderr || e.message).trim()}`;
    }
    const [was, is] = [planKeys(result), planKeys(now)];
    if (was.length !== is.length) return `${was.length} rows computed, ${is.length} generated now`;
    const i = was.findIndex((k, j) => k !== is[j]);
    return i < 0 ? null : `row ${i + 1} ran ${was[i]}, the generator now gives ${is[i]}`;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
