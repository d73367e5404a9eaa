// serve.mjs - a tiny static server for web/dist on localhost (the page needs http://, not
// file://, for its workers and WebAssembly).   node web/serve.mjs [DIR] [--port N]
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const portAt = args.indexOf('--port');
const port = portAt >= 0 ? Number(args[portAt + 1]) : Number(process.env.PORT || 8000);
const dirArg = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--port');
const root = path.resolve(dirArg ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'dist'));

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.wasm': 'application/wasm', '.map': 'application/json', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.txt': 'text/plain; charset=utf-8',
};

if (!fs.existsSync(path.join(root, 'index.html'))) {
  console.error(`serve.mjs: ${root} has no index.html (build the page first: make web)`);
  process.exit(1);
}

// The URL path of a request, decoded, or null when it is not one (an unparsable URL, a
// malformed percent-encoding, a NUL byte): such requests get 400 and the server stays up.
function requestPath(reqUrl) {
  try {
    const pathname = new URL(reqUrl, 'http://localhost').pathname;
    const decoded = decodeURIComponent(pathname);
    return decoded.includes('\0') ? null : { pathname, decoded };
  } catch {
    return null;
  }
}

const server = http.createServer((req, res) => {
  const url = requestPath(req.url);
  if (url === null) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request: malformed path');
    return;
  }
  let file = path.join(root, url.decoded);
  if (file !== root && !file.startsWith(root + path.sep)) {
    res.writeHead(403).end('forbidden');
    return;
  }
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
    // /dist -> /dist/: the page's relative URLs (./app.js) must resolve inside the folder.
    if (!url.pathname.endsWith('/')) {
      const search = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      res.writeHead(301, { location: `${url.pathname}/${search}`, 'content-type': 'text/plain' }).end(`moved to ${url.pathname}/`);
      return;
    }
    file = path.join(file, 'index.html');
  }
  fs.readFile(file, (err, body) => {
    if (err) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${url.pathname}`);
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': body.length, 'cache-control': 'no-cache' });
    res.end(body);
  });
});

server.on('error', (e) => {
  console.error(`serve.mjs: cannot listen on port ${port}: ${e.message} (try --port N)`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`Unravel lab: http://localhost:${server.address().port}/`);
});
