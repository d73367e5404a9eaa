// page_e2e.test.mjs - the built page (web/dist) in Debian's Chromium via playwright-core:
// choose resnet20 (or a tiny golden model while the zoo is missing), run the delete-one sweep on
// 200 images and check one bar per block and the native CLI's numbers; delete two blocks by
// clicking and check the accuracy equals `unravel eval --delete`. Also the friendly failures:
// no WebAssembly, a missing model file, a worker that fails. Screenshots go to UNRAVEL_WEB_OUT.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { check, report, skip, distDir, outDir, cliJson, countOf, root } from './helpers.mjs';

const IMAGES = 200;
const BROWSER_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  console.log('FAIL: playwright-core is not installed (cd tests/web && npm ci)');
  process.exit(1);
}
if (!fs.existsSync('/usr/bin/chromium')) skip('no /usr/bin/chromium (apt-get install chromium)');
if (!fs.existsSync(path.join(distDir, 'index.html'))) {
  console.log(`FAIL: ${distDir} has no built page (make web)`);
  process.exit(1);
}
const dataInfo = JSON.parse(fs.readFileSync(path.join(distDir, 'data', 'data.json'), 'utf8'));
if (!dataInfo.images) skip(`the page was built without test images: ${dataInfo.reason}`);
if (dataInfo.images < IMAGES) skip(`the page ships only ${dataInfo.images} test images`);
const { models } = JSON.parse(fs.readFileSync(path.join(distDir, 'models', 'manifest.json'), 'utf8'));
const entry = models.find((m) => m.name === 'resnet20') ?? models.find((m) => m.name === 'preact_a') ?? models[0];
if (!entry) {
  console.log('FAIL: the page ships no models');
  process.exit(1);
}
const modelFile = path.join(distDir, 'models', entry.file);
const dataFile = path.join(distDir, 'data', dataInfo.file); // the very records the page evaluates
fs.mkdirSync(outDir, { recursive: true });
console.log(`model ${entry.name}, ${IMAGES} of the page's ${dataInfo.images} images`);

// Serve dist/ on a free port, from a subfolder URL as a course site would.
const server = spawn(process.execPath, [path.join(root, 'web', 'serve.mjs'), path.dirname(distDir), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((resolve, reject) => {
  server.stdout.on('data', (chunk) => {
    const m = /http:\/\/localhost:\d+\//.exec(String(chunk));
    if (m) resolve(`${m[0]}${path.basename(distDir)}/`);
  });
  server.on('exit', (code) => reject(new Error(`serve.mjs exited with ${code}`)));
});

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: BROWSER_FLAGS });
const newPage = async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  return page;
};
try {
  const page = await newPage();
  await page.goto(base);
  await page.selectOption('#model-select', entry.name);
  await page.waitForSelector('[data-testid=engine-note]:has-text("worker")', { timeout: 60000 });
  await page.selectOption('#images-select', String(IMAGES));
  await page.waitForSelector(`[data-testid=accuracy][data-state=done][data-images="${IMAGES}"]`, { timeout: 120000 });
  const L = await page.locator('.stage-blocks .block').count();
  check(L === entry.blocks, `the diagram shows ${L} blocks, the model has ${entry.blocks}`);
  const downsampling = await page.locator('.stage-blocks .block.downsample').evaluateAll((els) => els.map((e) => Number(e.dataset.block)));
  const n = L / 3;
  check(JSON.stringify(downsampling) === JSON.stringify([n + 1, 2 * n + 1]), `downsampling blocks marked: ${downsampling}`);

  // The delete-one sweep, against the CLI on the same 200 images.
  await page.click('[data-testid=run-sweep]');
  await page.waitForSelector('[data-testid=sweep][data-state=running]', { timeout: 30000 }).catch(() => {});
  await page.waitForSelector('[data-testid=sweep][data-state=done]', { timeout: 400000 });
  const rows = await page.locator('[data-testid=sweep-table] tbody tr').evaluateAll((trs) => trs.map((tr) => ({ block: Number(tr.dataset.block), correct: Number(tr.dataset.correct), images: Number(tr.dataset.images) })));
  const chart = await page.locator('[data-testid=sweep-chart]').evaluate((c) => ({ bars: Number(c.dataset.bars), values: Number(c.dataset.values) }));
  check(chart.bars === L && chart.values === L, `the chart draws one bar per block (${chart.bars} bars, ${chart.values} values, ${L} blocks)`);
  const cli = cliJson('sweep', 'delete-one', modelFile, '--data', dataFile, '--limit', String(IMAGES));
  check(rows.length === L + 1 && rows[0].block === 0, `the table has the full network and ${L} deletions (${rows.length} rows)`);
  check(rows[0].images === IMAGES && rows[0].correct === cli.baseline.correct, `full network: ${rows[0].correct}/${rows[0].images} correct, the CLI ${cli.baseline.correct}/${cli.baseline.images}`);
  cli.rows.forEach((r, i) => {
    const row = rows.find((x) => x.block === r.deleted[0]);
    check(row && row.images === IMAGES && row.correct === r.correct, `block ${r.deleted[0]} deleted: page ${row?.correct}/${row?.images}, CLI ${r.correct}/${r.images}`);
  });
  const note = await page.locator('[data-testid=sweep-note]').textContent();
  check(note.includes(`${IMAGES} test images`), `the chart says how many images it rests on ("${note}")`);
  await page.locator('details.numbers summary').click();
  await page.screenshot({ path: path.join(outDir, 'page_sweep.png'), fullPage: true });

  // Delete two blocks by clicking them; the accuracy shown must be the CLI's.
  const [a, b] = [2, L - 1];
  await page.click(`.stage-blocks .block[data-block="${a}"]`);
  await page.click(`.stage-blocks .block[data-block="${b}"]`);
  await page.waitForSelector(`[data-testid=accuracy][data-state=done][data-deleted="${a},${b}"][data-images="${IMAGES}"]`, { timeout: 120000 });
  const shown = await page.locator('[data-testid=accuracy]').evaluate((e) => Number(e.dataset.correct));
  const text = await page.locator('[data-testid=lesioned-accuracy]').textContent();
  const evalCli = cliJson('eval', modelFile, '--delete', `${a},${b}`, '--data', dataFile, '--limit', String(IMAGES));
  check(shown === countOf(evalCli.accuracy, evalCli.images), `blocks ${a},${b} deleted: page ${shown} correct, the CLI ${countOf(evalCli.accuracy, evalCli.images)}`);
  check(text === `${(100 * evalCli.accuracy).toFixed(1)}%`, `the page shows ${text} for the CLI's ${evalCli.accuracy}`);
  check((await page.locator(`.stage-blocks .block.deleted`).count()) === 2, 'two blocks drawn as deleted');
  await page.screenshot({ path: path.join(outDir, 'page_deleted.png'), fullPage: true });

  // Cancel a sweep on all the page's images once the first results are in.
  await page.selectOption('#images-select', String(dataInfo.images));
  await page.waitForSelector(`[data-testid=accuracy][data-state=done][data-images="${dataInfo.images}"]`, { timeout: 300000 });
  await page.click('[data-testid=run-sweep]');
  await page.waitForFunction(() => {
    const s = document.querySelector('[data-testid=sweep]');
    return s.dataset.state === 'done' || (s.dataset.state === 'running' && Number(s.dataset.images) > 0);
  }, null, { timeout: 120000 });
  const cancelButton = page.locator('[data-testid=cancel-sweep]');
  if (await cancelButton.isVisible()) {
    await cancelButton.click();
    await page.waitForSelector('[data-testid=sweep]:not([data-state=running])', { timeout: 60000 });
    const after = await page.locator('[data-testid=sweep]').evaluate((s) => ({ state: s.dataset.state, images: Number(s.dataset.images) }));
    const note2 = await page.locator('[data-testid=sweep-note]').textContent();
    check(after.state === 'cancelled' && after.images > 0 && after.images < dataInfo.images && note2.startsWith('Cancelled') && note2.includes(`${after.images} test image`),
      `cancelled sweep keeps its partial results and says on how many images (${after.state}, ${after.images}: "${note2}")`);
    await page.screenshot({ path: path.join(outDir, 'page_cancelled.png'), fullPage: true });
  } else {
    console.log(`note: the ${dataInfo.images}-image sweep finished before it could be cancelled; cancellation is checked in pool.test.mjs`);
  }
  await page.close();

  // The plain (no SIMD) module, as browsers without SIMD get it, gives the same accuracy.
  const plain = await newPage();
  await plain.goto(`${base}?engine=plain#model=${entry.name}`);
  await plain.waitForSelector('[data-testid=engine-note]:has-text("worker")', { timeout: 60000 });
  const plainNote = await plain.locator('[data-testid=engine-note]').textContent();
  check(/plain WebAssembly \(scalar kernels\)/.test(plainNote), `?engine=plain runs the plain module (${plainNote})`);
  await plain.selectOption('#images-select', String(IMAGES));
  await plain.waitForSelector(`[data-testid=accuracy][data-state=done][data-images="${IMAGES}"]`, { timeout: 300000 });
  const plainCorrect = await plain.locator('[data-testid=accuracy]').evaluate((e) => Number(e.dataset.correct));
  check(plainCorrect === countOf(cli.baseline, cli.images), `plain module: ${plainCorrect} correct, the CLI ${countOf(cli.baseline, cli.images)}`);
  await plain.close();

  // Friendly failures: each leaves a visible message, never a blank page.
  const noWasm = await newPage();
  await noWasm.addInitScript(() => { delete globalThis.WebAssembly; });
  await noWasm.goto(base);
  check(await noWasm.locator('[data-testid=notice-error]:has-text("WebAssembly")').isVisible(), 'no WebAssembly: a visible message');
  await noWasm.close();

  const missing = await newPage();
  await missing.route(`**/models/${entry.file}`, (route) => route.fulfill({ status: 404, body: 'not found' }));
  await missing.goto(`${base}#model=${entry.name}`);
  await missing.waitForSelector('[data-testid=notice-error]', { timeout: 30000 });
  const missingText = await missing.locator('[data-testid=notice-error]').first().textContent();
  check(/Could not load/.test(missingText) && missingText.includes('404'), `missing model file: "${missingText}"`);
  await missing.screenshot({ path: path.join(outDir, 'page_missing_model.png') });
  await missing.close();

  const brokenWorker = await newPage();
  await brokenWorker.route('**/worker.js', (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: 'throw new Error("simulated worker failure");' }));
  await brokenWorker.goto(`${base}#model=${entry.name}`);
  await brokenWorker.waitForSelector('[data-testid=notice-error]', { timeout: 30000 });
  const workerText = await brokenWorker.locator('[data-testid=notice-error]').allTextContents();
  check(workerText.some((t) => /worker/.test(t)), `failed worker: "${workerText.join(' | ')}"`);
  await brokenWorker.screenshot({ path: path.join(outDir, 'page_failed_worker.png') });
  await brokenWorker.close();
} finally {
  await browser.close();
  server.kill();
}
console.log(`screenshots: ${outDir}/page_sweep.png, page_deleted.png, page_cancelled.png, page_missing_model.png, page_failed_worker.png`);
report('web_page_e2e');
