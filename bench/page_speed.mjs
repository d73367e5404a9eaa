// page_speed.mjs - how fast the page answers a new user, in Chromium with a fixed number of
// workers, next to the native CLI doing the same work in the same run. Prints figures; no
// timing is asserted anywhere.
//
//   node bench/page_speed.mjs [--images 1000] [--workers 2] [MODEL ...]
//
// For each model (default resnet56 resnet110): time to first paint (the precomputed delete-one
// chart drawn), to the first complete live chart (every block's bar, on the first images) and to
// the end of a live delete-one sweep on --images of the page's test images; then the CLI's
// `unravel run` of the very spec the page ran, on the page's own records, with --threads =
// workers. Needs web/dist (make web, with at least --images test images), build/cli/unravel and
// tests/web/node_modules.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const { takeOption } = await import(path.join(root, 'tests', 'web', 'helpers.mjs'));
const option = (name, fallback) => takeOption(args, name, fallback);
const images = Number(option('--images', 1000));
const workers = Number(option('--workers', 2));

const models = args.length ? args : ['resnet56', 'resnet110'];
const dist = path.join(root, 'web', 'dist');
const cli = path.join(root, 'build', 'cli', 'unravel');
const { chromium } = await import(path.join(root, 'tests', 'web', 'node_modules', 'playwright-core', 'index.mjs'));
const dataInfo = JSON.parse(fs.readFileSync(path.join(dist, 'data', 'data.json'), 'utf8'));
if (!(dataInfo.images >= images)) throw new Error(`web/dist ships ${dataInfo.images ?? 0} test images, fewer than --images ${images} (make web WEB_IMAGES=...)`);
const pageData = path.join(dist, 'data', dataInfo.file);

const server = spawn(process.execPath, [path.join(root, 'web', 'serve.mjs'), dist, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((resolve) => server.stdout.on('data', (c) => {
  const m = /http:\/\/localhost:\d+\//.exec(String(c));
  if (m) resolve(m[0]);
}));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const seconds = (ms) => (ms / 1000).toFixed(2);
const results = [];
try {
  for (const name of models) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const t0 = Date.now();
    await page.goto(`${base}?workers=${workers}#model=${name}&compare=`);
    // First paint: the delete-one panel drawn with the committed numbers (or, for a model with
    // none committed, drawn empty and waiting for the user).
    await page.waitForFunction(() => {
      const s = document.querySelector('[data-testid=status-delete-one]');
      return s && (s.dataset.precomputed === 'true' || s.dataset.state === 'none');
    }, null, { timeout: 120000, polling: 20 });
    const firstPaint = Date.now() - t0;
    const precomputed = (await page.locator('[data-testid=status-delete-one]').getAttribute('data-precomputed')) === 'true';
    const numBlocks = await page.locator('.stage-blocks .block').count();
    await page.selectOption('#images-select', String(images));
    const t1 = Date.now();
    await page.click('[data-testid=run-delete-one]');
    // The first complete chart: a live summary with a bar for every block.
    await page.waitForFunction((L) => {
      const s = document.querySelector('[data-testid=status-delete-one]');
      return s.dataset.precomputed === 'false' && Number(s.dataset.summaryRows) === L;
    }, numBlocks, { timeout: 600000, polling: 50 });
    const firstChart = Date.now() - t1;
    const firstImages = Number(await page.locator('[data-testid=status-delete-one]').getAttribute('data-summary-images'));
    await page.waitForSelector('[data-testid=status-delete-one][data-state=done]', { timeout: 1800000 });
    const sweep = Date.now() - t1;
    const spec = await page.locator('[data-testid=status-delete-one]').getAttribute('data-spec');
    await page.close();
    const specFile = path.join(os.tmpdir(), `page_speed_${name}.json`);
    fs.writeFileSync(specFile, spec);
    const t2 = Date.now();
    // The CLI reads the page's own records (a plain .bin, so no tarball to unpack in its time).
    execFileSync(cli, ['run', specFile, '--models', path.join(root, 'models'), '--data', pageData, '--any-data', '--threads', String(workers), '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const cliTime = Date.now() - t2;
    results.push({ model: name, num_blocks: numBlocks, images, workers, first_paint_s: seconds(firstPaint), precomputed, first_complete_chart_s: seconds(firstChart), first_chart_images: firstImages, sweep_s: seconds(sweep), cli_s: seconds(cliTime), page_over_cli: (sweep / cliTime).toFixed(2) });
    console.log(JSON.stringify(results.at(-1)));
  }
} finally {
  await browser.close();
  server.kill();
}
console.log('\n| model | blocks | first paint | first complete chart (images) | live delete-one sweep | CLI, same spec | page / CLI |');
console.log('|---|---|---|---|---|---|---|');
for (const r of results) console.log(`| ${r.model} | ${r.num_blocks} | ${r.first_paint_s} s${r.precomputed ? '' : ' (nothing precomputed)'} | ${r.first_complete_chart_s} s (${r.first_chart_images}) | ${r.sweep_s} s on ${r.images} images | ${r.cli_s} s (--threads ${r.workers}) | ${r.page_over_cli} |`);
console.log(`\n${os.cpus()[0].model}, ${os.cpus().length} CPUs; Chromium with ${workers} workers.`);
