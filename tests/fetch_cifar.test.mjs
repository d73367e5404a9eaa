// fetch_cifar.test.mjs UNRAVEL_CLI - tools/fetch_cifar.mjs against a local HTTP server serving a
// small fake tarball (laid out like the official one, synthetic records) with a checksum
// override: first download, no second download, resume of a partial file, restart when the
// server ignores ranges, a corrupt download refused and deleted, a redirect, offline; then the
// CLI evaluates a model on the fetched file and cuts a subset of it (`unravel data`, as the
// page's build does).
import { execFile, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const root = process.env.UNRAVEL_SOURCE || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = process.argv[2];
let failures = 0;
let checks = 0;
function check(ok, what) {
  checks++;
  if (!ok) {
    failures++;
    console.log(`FAIL: ${what}`);
  }
  return ok;
}

// ---- a fake official tarball: cifar-10-batches-bin/{batches.meta.txt,test_batch.bin} -----------
function tarMember(name, data) {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const c of h) sum += c;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}
const records = Buffer.alloc(10000 * 3073);
for (let i = 0; i < 10000; i++) {
  records[i * 3073] = i % 10;
  for (let p = 1; p < 3073; p += 97) records[i * 3073 + p] = (i * 7 + p) & 255;
}
const classes = Buffer.from('airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n');
const tarball = zlib.gzipSync(Buffer.concat([
  tarMember('cifar-10-batches-bin/batches.meta.txt', classes),
  tarMember('cifar-10-batches-bin/test_batch.bin', records),
  Buffer.alloc(1024),
]));
const md5 = crypto.createHash('md5').update(tarball).digest('hex');

// ---- the server: counts requests, honours or ignores Range, can redirect or corrupt ----------
let mode = 'range';
const requests = [];
const server = http.createServer((req, res) => {
  requests.push({ url: req.url, range: req.headers.range });
  if (req.url === '/moved') return res.writeHead(302, { location: '/cifar.tar.gz' }).end();
  const body = mode === 'corrupt' ? Buffer.from(tarball).fill(0, 1000, 2000) : tarball;
  const m = /^bytes=(\d+)-$/.exec(req.headers.range || '');
  if (m && mode === 'range') {
    const start = Number(m[1]);
    res.writeHead(206, { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}`, 'content-length': body.length - start });
    return res.end(body.subarray(start));
  }
  res.writeHead(200, { 'content-length': body.length });
  res.end(body);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'unravel-fetch-'));
const target = path.join(cache, 'cifar-10-binary.tar.gz');
// Asynchronous: the server above answers from this very process.
function fetch(env = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'tools', 'fetch_cifar.mjs')], {
      env: { ...process.env, UNRAVEL_CACHE: cache, UNRAVEL_CIFAR_URL: `${base}/cifar.tar.gz`, UNRAVEL_CIFAR_MD5: md5, UNRAVEL_CIFAR_SIZE: String(tarball.length), ...env },
    }, (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }));
  });
}
const sameAsServed = () => fs.existsSync(target) && fs.readFileSync(target).equals(tarball);

// 1. first download
let r = await fetch();
check(r.code === 0 && r.stdout.trim() === target, `first download: exit ${r.code}, stdout '${r.stdout.trim()}', ${r.stderr}`);
check(sameAsServed(), 'the downloaded file is the served tarball');
check(/downloading CIFAR-10: .* MB \(100%\)/.test(r.stderr), `a progress line: ${r.stderr}`);
check(!fs.existsSync(`${target}.part`), 'no .part left');

// 2. nothing downloaded again
requests.length = 0;
r = await fetch();
check(r.code === 0 && r.stdout.trim() === target && requests.length === 0, `second run: no request (${requests.length}), exit ${r.code}`);

// 3. a partial download is resumed with a Range request
fs.rmSync(target);
fs.writeFileSync(`${target}.part`, tarball.subarray(0, 5000));
requests.length = 0;
r = await fetch();
check(r.code === 0 && sameAsServed(), `resume: exit ${r.code}: ${r.stderr}`);
check(requests.length === 1 && requests[0].range === 'bytes=5000-', `resume asked for the rest: ${JSON.stringify(requests)}`);
check(/resuming at/.test(r.stderr), 'resume is reported');

// 4. a server that ignores Range: the download starts again
fs.rmSync(target);
fs.writeFileSync(`${target}.part`, tarball.subarray(0, 7000));
mode = 'ignore-range';
r = await fetch();
check(r.code === 0 && sameAsServed(), `restart: exit ${r.code}: ${r.stderr}`);
check(/starting again/.test(r.stderr), `restart is reported: ${r.stderr}`);

// 5. a corrupt download is refused and deleted; the next run gets a good one
fs.rmSync(target);
mode = 'corrupt';
r = await fetch();
check(r.code === 1 && /MD5/.test(r.stderr) && !fs.existsSync(target) && !fs.existsSync(`${target}.part`), `corrupt: exit ${r.code}: ${r.stderr}`);
mode = 'range';
r = await fetch();
check(r.code === 0 && sameAsServed(), `after a corrupt download: exit ${r.code}`);

// 6. a file that changed in the cache is checked again and replaced
fs.writeFileSync(target, Buffer.from('truncated'));
r = await fetch();
check(r.code === 0 && sameAsServed() && /downloading it again/.test(r.stderr), `changed cache file: ${r.stderr}`);

// 7. a redirect is followed
fs.rmSync(target);
r = await fetch({ UNRAVEL_CIFAR_URL: `${base}/moved` });
check(r.code === 0 && sameAsServed(), `redirect: exit ${r.code}: ${r.stderr}`);

// 8. offline: a clear message saying what to download and where to put it
const offlineCache = fs.mkdtempSync(path.join(os.tmpdir(), 'unravel-offline-'));
const closed = http.createServer();
await new Promise((resolve) => closed.listen(0, '127.0.0.1', resolve));
const closedPort = closed.address().port;
await new Promise((resolve) => closed.close(resolve));
r = await fetch({ UNRAVEL_CACHE: offlineCache, UNRAVEL_CIFAR_URL: `http://127.0.0.1:${closedPort}/cifar.tar.gz` });
check(r.code === 1 && r.stdout === '', `offline: exit ${r.code}, stdout '${r.stdout}'`);
for (const want of ['ECONNREFUSED', 'https://www.cs.toronto.edu/~kriz/cifar.html', path.join(offlineCache, 'cifar-10-binary.tar.gz'), 'UNRAVEL_DATA', md5]) {
  check(r.stderr.includes(want), `offline message names '${want}': ${r.stderr}`);
}

// 9. the CLI reads the fetched tarball
if (cli) {
  const model = path.join(root, 'tests', 'golden', 'postact_b.safetensors');
  const e = spawnSync(cli, ['eval', model, '--data', target, '--limit', '20', '--json', '--threads', '1'], { encoding: 'utf8' });
  check(e.status === 0 && JSON.parse(e.stdout || '{}').images === 20, `unravel eval on the fetched tarball: ${e.stderr}`);
  // `unravel data` (what web/build.mjs cuts the page's subset with) gives the records themselves
  const subset = path.join(cache, 'subset.bin');
  const d = spawnSync(cli, ['data', '--data', target, '--limit', '7', '--out', subset, '--json'], { encoding: 'utf8' });
  const sha = crypto.createHash('sha256').update(records).digest('hex'); // the whole test batch
  check(d.status === 0 && d.stdout.trim() === `{"images":7,"available":10000,"data_sha256":"${sha}"}`, `unravel data: ${d.stdout} ${d.stderr}`);
  check(fs.existsSync(subset) && fs.readFileSync(subset).equals(records.subarray(0, 7 * 3073)), 'unravel data wrote the first 7 records');
  fs.writeFileSync(path.join(cache, 'odd.bin'), Buffer.alloc(3073 + 5));
  const bad = spawnSync(cli, ['data', '--data', path.join(cache, 'odd.bin'), '--out', subset], { encoding: 'utf8' });
  check(bad.status === 1 && /not a whole number of 3073-byte records/.test(bad.stderr), `unravel data on a broken file: ${bad.stderr}`);
  const usage = spawnSync(cli, ['data', '--data', target], { encoding: 'utf8' });
  check(usage.status === 2 && /--out FILE is required/.test(usage.stderr), `unravel data without --out: ${usage.stderr}`);
}

server.close();
fs.rmSync(cache, { recursive: true, force: true });
fs.rmSync(offlineCache, { recursive: true, force: true });
console.log(`fetch_cifar: ${checks - failures}/${checks} checks passed`);
process.exit(failures ? 1 : 0);
