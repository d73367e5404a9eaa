// fetch_cifar.mjs - the official CIFAR-10 binary tarball, downloaded once into a cache folder
// and checked against its published MD5 before use. Prints the tarball's path on stdout;
// progress and errors go to stderr (exit 1 when it cannot be had, saying what to do instead).
//
//   node tools/fetch_cifar.mjs          # -> ~/.cache/unravel/cifar-10-binary.tar.gz
//
// Cache folder: $UNRAVEL_CACHE, else $XDG_CACHE_HOME/unravel, else ~/.cache/unravel. A partial
// download (.part) is resumed with an HTTP Range request, or restarted when the server ignores it.
// A checked file gets a stamp beside it (.md5ok) so that later runs do not hash 170 MB again.
// Overrides for tests and mirrors: UNRAVEL_CIFAR_URL, UNRAVEL_CIFAR_MD5, UNRAVEL_CIFAR_SIZE.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

const OFFICIAL_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
const OFFICIAL_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
const OFFICIAL_SIZE = 170052171;
const FILE_NAME = 'cifar-10-binary.tar.gz';
const IDLE_TIMEOUT_MS = 30000;

const url = process.env.UNRAVEL_CIFAR_URL || OFFICIAL_URL;
const md5 = (process.env.UNRAVEL_CIFAR_MD5 || OFFICIAL_MD5).toLowerCase();
const size = Number(process.env.UNRAVEL_CIFAR_SIZE || OFFICIAL_SIZE);
const cacheDir = process.env.UNRAVEL_CACHE
  || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'unravel');
const target = path.join(cacheDir, FILE_NAME);
const part = `${target}.part`;
const stamp = `${target}.md5ok`;

class FetchError extends Error {}

function howToGetIt(why) {
  return `fetch_cifar: ${why}\n`
    + `  Download the CIFAR-10 binary version (${FILE_NAME}, ${size.toLocaleString('en')} bytes, MD5 ${md5})\n`
    + `  from https://www.cs.toronto.edu/~kriz/cifar.html and put it at\n    ${target}\n`
    + '  or point UNRAVEL_DATA at your copy (used as it is, without a checksum).';
}

function fileMd5(file) {
  return new Promise((resolve, reject) => {
    const hash = crypto.createHash('md5');
    fs.createReadStream(file).on('data', (d) => hash.update(d)).on('end', () => resolve(hash.digest('hex'))).on('error', reject);
  });
}

function stampFor(file) {
  const s = fs.statSync(file);
  return `${md5} ${s.size} ${s.mtimeMs}\n`;
}

// A file already here: checked once (then stamped), re-checked if it changed.
async function alreadyHere() {
  if (!fs.existsSync(target)) return false;
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === stampFor(target)) return true;
  const got = await fileMd5(target);
  if (got === md5 && fs.statSync(target).size === size) {
    fs.writeFileSync(stamp, stampFor(target));
    return true;
  }
  process.stderr.write(`fetch_cifar: ${target} has MD5 ${got}, expected ${md5}: downloading it again\n`);
  fs.rmSync(target, { force: true });
  return false;
}

function progress() {
  const tty = process.stderr.isTTY;
  let last = 0;
  let lastTenth = -1;
  return (done, total, final = false) => {
    const mb = (n) => (n / 1e6).toFixed(1);
    const line = `downloading CIFAR-10: ${mb(done)} of ${mb(total)} MB (${Math.floor((100 * done) / total)}%)`;
    if (tty) {
      const now = Date.now();
      if (final || now - last > 250) {
        process.stderr.write(`\r${line}${final ? '\n' : ''}`);
        last = now;
      }
    } else {
      const tenth = Math.floor((10 * done) / total);
      if (final || tenth > lastTenth) process.stderr.write(`${line}\n`);
      lastTenth = tenth;
    }
  };
}

// GET url (following redirects) with an optional Range start; resolves to the response.
function request(address, start, redirects = 5) {
  return new Promise((resolve, reject) => {
    const u = new URL(address);
    const lib = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : null;
    if (!lib) return reject(new FetchError(`cannot download from ${address} (not http or https)`));
    const headers = start > 0 ? { range: `bytes=${start}-` } : {};
    const req = lib.get(u, { headers }, (res) => {
      if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location) {
        res.resume();
        if (redirects === 0) return reject(new FetchError(`too many redirects from ${url}`));
        return resolve(request(new URL(res.headers.location, u).href, start, redirects - 1));
      }
      resolve(res);
    });
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new FetchError(`no answer from ${u.host} for ${IDLE_TIMEOUT_MS / 1000} s`)));
    req.on('error', (e) => reject(e instanceof FetchError ? e : new FetchError(`cannot download ${address}: ${e.code || e.message}`)));
  });
}

async function download() {
  fs.mkdirSync(cacheDir, { recursive: true });
  let start = fs.existsSync(part) ? fs.statSync(part).size : 0;
  if (start >= size) start = 0; // a complete-looking .part that was not accepted: start over
  let res = await request(url, start);
  if (start > 0 && res.statusCode === 200) {
    process.stderr.write('fetch_cifar: the server does not resume downloads: starting again\n');
    start = 0;
  } else if (start > 0 && (res.statusCode === 416 || (res.statusCode === 206 && !String(res.headers['content-range']).startsWith(`bytes ${start}-`)))) {
    res.resume(); // a range the server cannot or did not give: start over
    start = 0;
    res = await request(url, 0);
  }
  if (res.statusCode !== 200 && res.statusCode !== 206) {
    res.resume();
    throw new FetchError(`cannot download ${url}: HTTP ${res.statusCode}`);
  }
  if (start > 0) process.stderr.write(`fetch_cifar: resuming at ${(start / 1e6).toFixed(1)} MB\n`);
  const out = fs.createWriteStream(part, { flags: start > 0 ? 'a' : 'w' });
  const show = progress();
  let done = start;
  await new Promise((resolve, reject) => {
    res.on('data', (chunk) => {
      done += chunk.length;
      show(Math.min(done, size), size);
    });
    res.on('error', (e) => reject(new FetchError(`download interrupted: ${e.message} (run again to resume)`)));
    res.on('aborted', () => reject(new FetchError('download interrupted (run again to resume)')));
    res.socket?.setTimeout(IDLE_TIMEOUT_MS, () => res.destroy(new Error(`no data for ${IDLE_TIMEOUT_MS / 1000} s`)));
    out.on('error', (e) => reject(new FetchError(`cannot write ${part}: ${e.message}`)));
    res.pipe(out);
    out.on('finish', resolve);
  });
  show(Math.min(done, size), size, true);
  const got = fs.statSync(part).size;
  const sum = await fileMd5(part);
  if (got !== size || sum !== md5) {
    fs.rmSync(part, { force: true });
    throw new FetchError(`the download is ${got} bytes with MD5 ${sum}, expected ${size} bytes with MD5 ${md5}; deleted it (run again to retry)`);
  }
  fs.renameSync(part, target);
  fs.writeFileSync(stamp, stampFor(target));
}

try {
  if (!(await alreadyHere())) await download();
  process.stdout.write(`${target}\n`);
} catch (e) {
  if (!(e instanceof FetchError)) throw e;
  process.stderr.write(`${howToGetIt(e.message)}\n`);
  process.exit(1);
}
