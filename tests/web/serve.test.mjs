// serve.test.mjs - web/serve.mjs answers malformed request paths with 400 and stays up; it
// never serves files outside its folder.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { check, report, root } from './helpers.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unravel-serve-'));
fs.writeFileSync(path.join(dir, 'index.html'), '<p>lab</p>');
fs.writeFileSync(path.join(dir, 'a b.txt'), 'spaced');
fs.mkdirSync(path.join(dir, 'dist'));
fs.writeFileSync(path.join(dir, 'dist', 'index.html'), '<p>dist lab</p>');
const server = spawn(process.execPath, [path.join(root, 'web', 'serve.mjs'), dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
let stderr = '';
server.stderr.on('data', (d) => { stderr += d; });
const port = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = out.match(/localhost:(\d+)/);
    if (m) resolve(Number(m[1]));
  });
  server.on('exit', (code) => reject(new Error(`serve.mjs exited ${code}: ${stderr}`)));
  setTimeout(() => reject(new Error('serve.mjs did not start in 10 s')), 10000);
});

// A raw GET: the path is sent exactly as written.
function get(rawPath) {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body, location: res.headers.location }));
    });
    req.on('error', (e) => resolve({ status: 0, body: e.message }));
    req.end();
  });
}

check((await get('/')).status === 200, 'GET / serves index.html');
for (const bad of ['/%E0%A4%A', '/%', '/%zz', '/%00', '/x%00.html', '/%C0%AF']) {
  const r = await get(bad);
  check(r.status === 400, `GET ${bad}: status ${r.status}, expected 400`);
  const after = await get('/index.html');
  check(after.status === 200 && after.body.includes('lab'), `after GET ${bad} the server still answers (${after.status})`);
}
check((await get('/a%20b.txt')).body === 'spaced', 'a well-formed percent-encoding is decoded');
const bare = await get('/dist?workers=2');
check(bare.status === 301 && bare.location === '/dist/?workers=2', `/dist without its slash redirects to /dist/, keeping the query (${bare.status} ${bare.location})`);
check((await get('/dist/')).body.includes('dist lab'), '/dist/ serves its index.html');
const outside = await get('/..%2f..%2f..%2fetc%2fpasswd');
check(outside.status === 403 || outside.status === 404, `a path leaving the folder is refused (${outside.status})`);
check(server.exitCode === null, `the server is still running (${stderr})`);
server.kill();
fs.rmSync(dir, { recursive: true, force: true });
report('serve');
