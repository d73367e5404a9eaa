// cifar_subset.mjs - read CIFAR-10's test batch from the official binary tarball, the unpacked
// cifar-10-batches-bin folder or a .bin file, and cut the first N records (build time only:
// the page ships a subset cut from whatever data the build is pointed at; none is committed).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';

export const RECORD = 3073;
const TEST_BATCH = 'test_batch.bin';

// A tar archive is 512-byte headers, each followed by the file's bytes padded to 512.
function* tarEntries(buf) {
  for (let at = 0; at + 512 <= buf.length; ) {
    const header = buf.subarray(at, at + 512);
    if (header.every((b) => b === 0)) return; // end-of-archive marker
    const text = (from, len) => header.subarray(from, from + len).toString('latin1').replace(/\0.*$/s, '');
    const prefix = text(345, 155);
    const name = (prefix ? prefix + '/' : '') + text(0, 100);
    const size = parseInt(text(124, 12).trim() || '0', 8);
    const type = text(156, 1);
    if (!Number.isFinite(size) || at + 512 + size > buf.length) throw new Error(`tar entry '${name}' runs past the end of the archive`);
    yield { name, type, data: buf.subarray(at + 512, at + 512 + size) };
    at += 512 + Math.ceil(size / 512) * 512;
  }
}

function testBatchFromTarball(file) {
  let tar;
  try {
    tar = zlib.gunzipSync(fs.readFileSync(file));
  } catch (e) {
    throw new Error(`${file}: not a readable gzip file (${e.message})`);
  }
  for (const entry of tarEntries(tar)) {
    if ((entry.type === '0' || entry.type === '') && path.posix.basename(entry.name) === TEST_BATCH) return entry.data;
  }
  throw new Error(`${file}: no ${TEST_BATCH} inside the archive`);
}

/** The test batch's bytes from a tarball, folder or .bin file. */
export function readTestBatch(source) {
  const stat = fs.statSync(source, { throwIfNoEntry: false });
  if (!stat) throw new Error(`${source}: no such file or folder`);
  if (stat.isDirectory()) {
    for (const candidate of [path.join(source, TEST_BATCH), path.join(source, 'cifar-10-batches-bin', TEST_BATCH)]) {
      if (fs.existsSync(candidate)) return fs.readFileSync(candidate);
    }
    throw new Error(`${source}: no ${TEST_BATCH} in this folder or its cifar-10-batches-bin/`);
  }
  if (/\.(tar\.gz|tgz)$/.test(source)) return testBatchFromTarball(source);
  return fs.readFileSync(source);
}

/** First count records of the test batch, checked like the engine checks a batch, and the
 * sha256 of the whole batch (what specs name as data_sha256). */
export function cutSubset(source, count) {
  const batch = readTestBatch(source);
  if (batch.length % RECORD !== 0) throw new Error(`${source}: ${batch.length} bytes is not a whole number of ${RECORD}-byte CIFAR-10 records`);
  const available = batch.length / RECORD;
  const images = Math.min(count, available);
  const subset = Buffer.from(batch.subarray(0, images * RECORD));
  for (let i = 0; i < images; i++) {
    if (subset[i * RECORD] > 9) throw new Error(`${source}: record ${i} has label ${subset[i * RECORD]}, not 0-9`);
  }
  return { bytes: subset, images, available, sha256: createHash('sha256').update(batch).digest('hex') };
}
