// gradients_e2e.test.mjs - the gradient-flow panel (Figs. 6b, 6c) of the built page in Chromium:
// first paint is the committed CLI result (web/src/precomputed/gradients-resnet20.json) with its
// bands in the caption and on the paths chart; a live run on the page's test images shows the
// native CLI's numbers for the same protocol (log10 mean norms within 1e-3, same bands); a long
// run can be cancelled.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { check, report, distDir, root, cliPath as cli, pageTestSetup, shippedModel, servePage } from './helpers.mjs';

const { launch, dataInfo, models } = await pageTestSetup();
const entry = shippedModel(models, 'resnet20');
const modelFile = path.join(distDir, 'models', entry.file);
const dataFile = path.join(distDir, 'data', dataInfo.file);

const { server, base } = await servePage();
const browser = await launch();
const status = '[data-testid=status-gradients]';
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('pageerror', (e) => check(false, `page error: ${e.message}`));
  await page.goto(`${base}?workers=2#model=resnet20`);
  await page.waitForSelector('[data-testid=panel-gradients]', { timeout: 120000 });

  const committedFile = path.join(root, 'web', 'src', 'precomputed', 'gradients-resnet20.json');
  if (check(fs.existsSync(committedFile), `${committedFile} is committed`)) {
    const committed = JSON.parse(fs.readFileSync(committedFile, 'utf8')).result;
    await page.waitForSelector(`${status}[data-state=precomputed]`, { timeout: 60000 });
    const bands = JSON.parse(await page.getAttribute(status, 'data-bands'));
    check(JSON.stringify(bands) === JSON.stringify(committed.bands.map((b) => [b.lo, b.hi])), `first paint shows the committed bands ${JSON.stringify(bands)}`);
    const b97 = committed.bands[1];
    const caption = await page.textContent('[data-testid=caption-gradients]');
    check(caption.includes(`paths of length ${b97.lo}–${b97.hi}`), `the caption names the 97% band ${b97.lo}–${b97.hi}: ${caption}`);
    const effective = await page.textContent('[data-testid=paths-effective]');
    check(effective.includes(`${b97.lo}–${b97.hi}`), `the paths panel shades the effective band: ${effective}`);
    const series = JSON.parse(await page.getAttribute('[data-testid=chart-paths]', 'data-series'));
    check(series.some((s) => s.label.startsWith('effective paths') && s.values === b97.hi - b97.lo + 1), `the paths chart has the band as a series: ${JSON.stringify(series)}`);
  }
  const norm = JSON.parse(await page.getAttribute('[data-testid=chart-gradients-norm]', 'data-series'));
  check(norm.length === 2 && norm[0].values === entry.num_blocks + 1, `the norm chart draws ${entry.num_blocks + 1} lengths beside the paper: ${JSON.stringify(norm)}`);

  // Live: 3 samples per length on the page's images, as the CLI computes them on the same records.
  await page.fill('[data-testid=gradients-samples]', '3');
  await page.click('[data-testid=run-gradients]');
  await page.waitForSelector(`${status}[data-state=done]`, { timeout: 300000 });
  check((await page.getAttribute(status, 'data-samples')) === '3', 'the live run finished 3 samples per length');
  const shown = JSON.parse(await page.getAttribute(status, 'data-log10-means'));
  const native = JSON.parse(execFileSync(cli, ['gradients', modelFile, '--data', dataFile, '--samples', '3', '--batch', '16', '--seed', '1', '--threads', '2', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  const worst = Math.max(...native.lengths.map((l, k) => Math.abs(l.log10_mean - shown[k])));
  check(shown.length === native.lengths.length && worst <= 1e-3, `live log10 mean norms match the CLI's within 1e-3 (worst ${worst})`);
  check((await page.getAttribute(status, 'data-bands')) === JSON.stringify(native.bands.map((b) => [b.lo, b.hi])), 'live bands equal the CLI\'s');

  // Cancel a long run.
  await page.fill('[data-testid=gradients-samples]', '500');
  await page.click('[data-testid=run-gradients]');
  await page.waitForSelector('[data-testid=cancel-gradients]', { timeout: 60000 });
  await page.click('[data-testid=cancel-gradients]');
  await page.waitForSelector(`${status}[data-state=cancelled]`, { timeout: 120000 });
  check(Number(await page.getAttribute(status, 'data-samples')) < 500, 'a cancelled run stops early');
} finally {
  await browser.close();
  server.kill();
}
report('web_gradients_e2e');
