// screenshot.mjs - the README's picture of the page (docs/page.png), taken from the built page so
// that it shows the zoo as it ships: first paint of resnet110 beside plain20 with blocks 30 and
// 45 deleted, at a desktop width, in Chromium.
//
//   node web/tools/screenshot.mjs [--out docs/page.png] [--width 900] [--height 1900] [HASH]
//
// Needs web/dist (make web) and tests/web/node_modules (playwright-core). HASH defaults to
// model=resnet110&compare=plain20&deleted=30,45.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
// The tests' helpers: the option reader and the server (web/serve.mjs on a free port), not copies.
const { serveDir, takeOption } = await import(path.join(root, 'tests', 'web', 'helpers.mjs'));
const option = (name, fallback) => takeOption(args, name, fallback);
const out = path.resolve(option('--out', path.join(root, 'docs', 'page.png')));
const width = Number(option('--width', 900));
const height = Number(option('--height', 1900));
const hash = args[0] ?? 'model=resnet110&compare=plain20&deleted=30,45';

const { chromium } = await import(path.join(root, 'tests', 'web', 'node_modules', 'playwright-core', 'index.mjs'));
const { server, origin } = serveDir(path.join(root, 'web', 'dist'));
const base = `${await origin}/`;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.goto(`${base}#${hash}`);
  // First paint: the delete-one chart drawn from the committed numbers, and the lesioned
  // network's live accuracy computed.
  await page.waitForFunction(() => document.querySelector('[data-testid=status-delete-one]')?.dataset.precomputed === 'true',
    null, { timeout: 120000 });
  if (/(^|&)deleted=/.test(hash)) {
    await page.waitForFunction(() => document.querySelector('[data-testid=accuracy]')?.dataset.state === 'done', null, { timeout: 120000 });
  }
  await page.waitForTimeout(1500);  // Chart.js animations settle
  await page.screenshot({ path: out });
  console.log(`screenshot.mjs: ${out} (${width}x${height}, #${hash})`);
} finally {
  await browser.close();
  server.kill();
}
