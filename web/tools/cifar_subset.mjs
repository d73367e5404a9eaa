// cifar_subset.mjs - the first N CIFAR-10 test records, cut by the native CLI (`unravel data`),
// so that the page's build, the precomputation and the tests read CIFAR-10 with the one reader
// the engine uses (cli/data.c: tarball, folder or .bin, truncation and labels checked).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const RECORD = 3073;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The native CLI: UNRAVEL_CLI, else this tree's build/cli/unravel. */
export function defaultCli() {
  return process.env.UNRAVEL_CLI || path.join(root, 'build', 'cli', 'unravel');
}

/** {bytes, images, available, sha256}: the first count records of the test batch in source and
 * the SHA-256 of the whole batch (what specs name as data_sha256). */
export function cutSubset(source, count, cli = defaultCli()) {
  if (!fs.existsSync(cli)) throw new Error(`${cli} is missing: build the native CLI first (make native), or set UNRAVEL_CLI`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unravel-subset-'));
  const out = path.join(dir, 'subset.bin');
  try {
    let info;
    try {
      info = JSON.parse(execFileSync(cli, ['data', '--data', source, '--limit', String(count), '--out', out, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
    } catch (e) {
      throw new Error(`cutting ${count} test images from ${source}: ${(e.stderr || e.message).trim()}`);
    }
    return { bytes: fs.readFileSync(out), images: info.images, available: info.available, sha256: info.data_sha256 };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
