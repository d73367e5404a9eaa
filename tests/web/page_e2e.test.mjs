// page_e2e.test.mjs - the built page (web/dist) in Debian's Chromium via playwright-core, panel by
// panel, on resnet20 (compared with plain20): the first paint shows the committed precomputed
// numbers; each panel run live with a fixed seed on 100 images and 3 draws shows exactly the
// numbers of `unravel run` for the same spec; the comparison draws both networks; the flips in
// the test-image panel are the CLI's `eval --predictions`; a second sweep waits behind the first
// and cancel works for both; switching model and back keeps a finished sweep. Screenshots of every
// panel at 1280 and 390 pixels wide go to UNRAVEL_WEB_OUT. Also the friendly failures: no
// WebAssembly, a missing model file, a worker script that cannot run.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { check, report, distDir, outDir, cliJson, countOf, root, cliPath as cli, pageTestSetup, shippedModel, servePage } from './helpers.mjs';

const IMAGES = 100;
const SEED = 7;

const { launch, dataInfo, models } = await pageTestSetup({ minImages: IMAGES });
const entry = shippedModel(models, 'resnet20');
const modelsDir = path.join(distDir, 'models');
const modelFile = path.join(modelsDir, entry.file);
const dataFile = path.join(distDir, 'data', dataInfo.file); // the very records the page evaluates
fs.mkdirSync(outDir, { recursive: true });
const L = entry.num_blocks;

/** The CLI's summary for a spec the page shows (its data-spec), on the page's records. */
function cliRun(spec) {
  const file = path.join(outDir, `e2e_${spec.kind}.json`);
  fs.writeFileSync(file, JSON.stringify(spec));
  return JSON.parse(execFileSync(cli, ['run', file, '--models', modelsDir, '--data', dataFile, '--any-data', '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 }));
}

// Serve dist/ on a free port, from a subfolder URL as a course site would.
const { server, base } = await servePage();
const browser = await launch();
const newPage = async (width = 1280) => {
  const page = await browser.newPage({ viewport: { width, height: 1000 } });
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  return page;
};

// What a panel shows: its spec and the numbers of its tables (data attributes hold the core's values).
async function shown(page, label) {
  const status = page.locator(`[data-testid=status-${label}]`);
  const spec = JSON.parse(await status.getAttribute('data-spec'));
  const numbers = await page.locator(`[data-testid=numbers-${label}]`).evaluate((el) => ({
    rows: [...el.querySelectorAll('[data-testid^=rows-] tbody tr')].map((tr) => ({ row: tr.dataset.row, correct: Number(tr.dataset.correct), images: Number(tr.dataset.images) })),
    groups: [...el.querySelectorAll('[data-testid^=groups-] tbody tr')].map((tr) => ({ group: tr.dataset.group, median: Number(tr.dataset.median), mean: Number(tr.dataset.mean) })),
  }));
  return { spec, ...numbers, state: await status.getAttribute('data-state'), precomputed: (await status.getAttribute('data-precomputed')) === 'true' };
}

function sameNumbers(label, page, summary) {
  check(page.rows.length === summary.rows.length + 1, `${label}: ${page.rows.length - 1} rows shown, the summary has ${summary.rows.length}`);
  const want = [summary.baseline, ...summary.rows];
  const bad = page.rows.findIndex((r, i) => r.correct !== want[i]?.correct || r.images !== want[i]?.images);
  check(bad < 0, `${label}: every row's correct/images equal the reference${bad < 0 ? '' : ` (row ${bad}: ${JSON.stringify(page.rows[bad])} vs ${JSON.stringify(want[bad])})`}`);
  const groups = summary.groups ?? [];
  if (groups.length) {
    const name = (g) => ['k', 'swaps', 'prob', 'size'].map((f) => (g[f] !== undefined ? `${f}=${g[f]}` : '')).join('');
    const badGroup = groups.findIndex((g, i) => page.groups[i]?.group !== name(g) || page.groups[i]?.median !== g.error.median || page.groups[i]?.mean !== g.error.mean);
    check(page.groups.length === groups.length && badGroup < 0, `${label}: ${page.groups.length} groups with the reference's medians and means${badGroup < 0 ? '' : ` (group ${badGroup}: ${JSON.stringify(page.groups[badGroup])})`}`);
  }
}

async function screenshots(page, width) {
  for (const id of ['panel-lesion', 'panel-delete-one', 'panel-delete-k', 'panel-reorder', 'panel-drop', 'panel-paths', 'panel-test-images']) {
    const el = page.locator(`[data-testid=${id}]`);
    if (await el.count()) await el.screenshot({ path: path.join(outDir, `${id}-${width}.png`) });
    else check(false, `${id} is on the page`);
  }
}

const started = Date.now();
const phase = (what) => console.log(`${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`);

const runLive = async (page, label) => {
  await page.click(`[data-testid=run-${label}]`);
  await page.waitForSelector(`[data-testid=status-${label}][data-state=done][data-precomputed=false]`, { timeout: 300000 });
  phase(`${label} done`);
};

try {
  const page = await newPage();
  await page.goto(`${base}#model=resnet20`);
  await page.waitForSelector('[data-testid=engine-note]:has-text("worker")', { timeout: 60000 });
  await page.waitForSelector('[data-testid=panel-delete-one]', { timeout: 60000 });

  phase('first paint');
  // ---- first paint: the committed precomputed numbers, labelled so ----------------------------
  const precomputedFile = path.join(root, 'web', 'src', 'precomputed', 'resnet20.json');
  if (check(fs.existsSync(precomputedFile), `${precomputedFile} is committed`)) {
    const committed = JSON.parse(fs.readFileSync(precomputedFile, 'utf8'));
    const labels = { eval: 'eval', 'delete-one': 'delete-one', 'delete-k': 'delete-k', reorder: 'reorder', drop: 'drop', ensemble: 'ensemble' };
    for (const summary of committed.results) {
      const label = labels[summary.spec.kind];
      await page.waitForSelector(`[data-testid=status-${label}][data-precomputed=true]`, { timeout: 30000 });
      const s = await shown(page, label);
      check(JSON.stringify(s.spec) === JSON.stringify(summary.spec), `first paint ${label}: the committed spec`);
      sameNumbers(`first paint ${label}`, s, summary);
      const source = await page.locator(`[data-testid=source-${label}]`).textContent();
      check(source.includes(`${summary.baseline.images} test images, precomputed`) && source.includes(committed.data_source), `first paint ${label} says "${source}"`);
    }
    const baselineText = await page.locator('[data-testid=baseline-accuracy]').textContent();
    const intact = committed.results.find((r) => r.spec.kind === 'eval')?.baseline;
    check(intact && baselineText === `${(100 * intact.accuracy).toFixed(1)}%`, `the full network's accuracy on first paint: ${baselineText}`);
  }
  // The network's description, as models/zoo_report.py wrote it from the measurements.
  const sourceModels = JSON.parse(fs.readFileSync(path.join(root, 'models', 'manifest.json'), 'utf8')).models;
  const describedAs = async (name) => {
    const want = sourceModels.find((m) => m.name === name)?.description;
    if (!want) return check(false, `models/manifest.json describes ${name}`);
    await page.waitForSelector(`[data-testid=model-description][data-model="${name}"]`, { timeout: 60000 });
    const text = await page.locator('[data-testid=model-description]').textContent();
    check(text === `${name}: ${want}`, `${name}'s description is the manifest's ("${text.slice(0, 90)}…")`);
  };
  await describedAs('resnet20');
  // The explanation's table of every network: medians of the committed sweeps, none typed in.
  {
    const rows = await page.locator('[data-testid=explanation-table] tbody tr').evaluateAll((trs) => trs.map((tr) => ({ model: tr.dataset.model, median: Number(tr.dataset.median) })));
    for (const m of sourceModels) {
      const file = path.join(root, 'web', 'src', 'precomputed', `${m.name}.json`);
      const sweep = fs.existsSync(file) && JSON.parse(fs.readFileSync(file, 'utf8')).results.find((r) => r.spec.kind === 'delete-one');
      if (!sweep) continue;
      const base = 1 - sweep.baseline.accuracy;
      const costs = sweep.rows.filter((r) => r.deleted[0] !== 1 && !m.downsampling.includes(r.deleted[0])).map((r) => 1 - r.accuracy - base).sort((a, b) => a - b);
      const h = costs.length >> 1;
      const median = costs.length % 2 ? costs[h] : (costs[h - 1] + costs[h]) / 2;
      const shown = rows.find((r) => r.model === m.name);
      check(shown && Math.abs(shown.median - median) < 1e-12, `explanation table, ${m.name}: median rise ${shown?.median} = the committed sweep's ${median}`);
    }
    check(rows.some((r) => r.model === 'paper'), 'the explanation table has the paper\'s row');
    const text = await page.locator('[data-testid=explanation-measured]').textContent();
    check(/raises the error by a median of [\d.]+ points in the 54-block resnet110/.test(text) && /the paper's 54-block ResNet-110 lost 0\.3 points/.test(text), `the explanation's sentence is measured: "${text.slice(0, 160)}…"`);
    // The projection control's cost at its worse downsampling block, from its committed sweep.
    const b = sourceModels.find((m) => m.name === 'resnet110-b');
    const bSweep = b && JSON.parse(fs.readFileSync(path.join(root, 'web', 'src', 'precomputed', 'resnet110-b.json'), 'utf8')).results.find((r) => r.spec.kind === 'delete-one');
    if (bSweep) {
      const worst = Math.max(...bSweep.rows.filter((r) => b.downsampling.includes(r.deleted[0])).map((r) => bSweep.baseline.accuracy - r.accuracy));
      check(text.includes(`resnet110-b, with projection shortcuts (1×1 convolutions), loses at most ${(100 * worst).toFixed(1)} points there`), `the explanation gives resnet110-b's downsampling cost (${(100 * worst).toFixed(1)} points): "${text.slice(-600)}"`);
    }
  }
  await screenshots(page, 1280);

  phase('live runs');
  // ---- live runs on 100 images, fixed seed, 3 draws: the CLI's numbers ------------------------
  await page.selectOption('#images-select', String(IMAGES));
  await page.click('[data-testid=run-delete-one-compare]'); // one button runs both networks
  await page.waitForSelector('[data-testid=status-delete-one][data-state=done][data-precomputed=false]', { timeout: 300000 });
  await page.waitForSelector('[data-testid=status-delete-one-compare][data-state=done][data-precomputed=false]', { timeout: 300000 });
  phase('delete-one and its comparison done');
  for (const label of ['delete-one', 'delete-one-compare']) {
    const s = await shown(page, label);
    check(s.spec.images === IMAGES, `${label}: the live spec uses ${s.spec.images} images`);
    sameNumbers(`live ${label} (${s.spec.model.name})`, s, cliRun(s.spec));
  }
  const series = JSON.parse(await page.locator('[data-testid=chart-delete-one]').getAttribute('data-series'));
  check(series.some((d) => d.label === 'resnet20: one block deleted' && d.values === L) && series.some((d) => d.label === 'plain20: one block deleted' && d.values === 9),
    `the comparison draws both networks on the same axes (${series.map((d) => `${d.label}: ${d.values}`).join('; ')})`);
  const caption = await page.locator('[data-testid=caption-delete-one]').textContent();
  check(caption.includes('fraction of depth'), 'a network of fewer than 54 blocks is plotted against position as a fraction of depth, and the caption says so');

  const fill = async (testid, value) => page.fill(`[data-testid=${testid}]`, String(value));
  await fill('delete-k-kmin', 1); await fill('delete-k-kmax', 3); await fill('delete-k-trials', 3); await fill('delete-k-seed', SEED);
  await runLive(page, 'delete-k');
  await fill('reorder-smin', 1); await fill('reorder-smax', 4); await fill('reorder-trials', 3); await fill('reorder-seed', SEED);
  await runLive(page, 'reorder');
  await fill('drop-probs', '0.1, 0.3'); await fill('drop-trials', 3); await fill('drop-seed', SEED);
  await runLive(page, 'drop');
  await page.selectOption('[data-testid=ensemble-prob]', '0.1');
  await fill('ensemble-trials', 3);
  await runLive(page, 'ensemble');
  for (const label of ['delete-k', 'reorder', 'drop', 'ensemble']) {
    const s = await shown(page, label);
    check(s.spec.seed === SEED && s.spec.images === IMAGES, `${label}: seed ${s.spec.seed}, ${s.spec.images} images`);
    sameNumbers(`live ${label} ${JSON.stringify(s.spec.params)}`, s, cliRun(s.spec));
  }
  const ensembleSeries = JSON.parse(await page.locator('[data-testid=chart-ensemble]').getAttribute('data-series'));
  check(['one dropped network (T = 1)', 'intact network'].every((l) => ensembleSeries.some((d) => d.label === l && d.values > 0)), 'the ensemble chart shows one dropped network and the intact one beside the averages');

  phase('lesion');
  // ---- a lesion by clicking: the accuracy and the test images' flips are the CLI's ------------
  await page.click('.stage-blocks .block[data-block="2"]');
  await page.click('.stage-blocks .block[data-block="8"]');
  await page.waitForSelector(`[data-testid=status-lesion][data-state=done]`, { timeout: 120000 });
  const lesion = await shown(page, 'lesion').catch(() => null);
  const lesionSpec = JSON.parse(await page.locator('[data-testid=status-lesion]').getAttribute('data-spec'));
  const evalCli = cliJson('eval', modelFile, '--delete', '2,8', '--data', dataFile, '--limit', String(IMAGES), '--predictions');
  const correct = Number(await page.locator('[data-testid=accuracy]').getAttribute('data-correct'));
  check(JSON.stringify(lesionSpec.params.deleted) === '[2,8]' && correct === countOf(evalCli.accuracy, evalCli.images), `blocks 2,8 deleted: page ${correct} correct, the CLI ${countOf(evalCli.accuracy, evalCli.images)}`);
  void lesion;
  await page.waitForSelector('[data-testid=status-test-images][data-state=done]', { timeout: 120000 });
  const flips = (await page.locator('[data-testid=thumbs]').getAttribute('data-flips')).split(',').filter(Boolean).map(Number);
  const grid = await page.locator('[data-testid=thumbs] .thumb-cell').count();
  const want = [];
  for (let i = 0; i < grid; i++) if (evalCli.predictions.intact[i] !== evalCli.predictions.lesioned[i]) want.push(i);
  check(JSON.stringify(flips) === JSON.stringify(want), `the flipped test images are the CLI's (${flips} vs ${want})`);
  check((await page.locator('.thumb-cell.flipped').count()) === want.length, `${want.length} images are marked as flipped`);
  await page.click(`[data-testid=thumbs] .thumb-cell[data-image="${want[0] ?? 0}"]`);
  await page.waitForFunction(() => JSON.parse(document.querySelector('[data-testid=chart-probabilities]').dataset.series || '[]').length === 2, null, { timeout: 60000 });
  const probs = JSON.parse(await page.locator('[data-testid=chart-probabilities]').getAttribute('data-series'));
  check(probs.every((d) => d.values === 10), `a clicked image shows its 10 class probabilities before and after (${JSON.stringify(probs)})`);
  // The most probable classes (the engine's forward pass) are the run's predictions (the CLI's).
  const { classes } = cliJson('info', modelFile);
  const clicked = want[0] ?? 0;
  const heading = await page.locator('.probabilities h3').textContent();
  check(heading.includes(`intact: ${classes[evalCli.predictions.intact[clicked]]} (`) && heading.includes(`lesioned: ${classes[evalCli.predictions.lesioned[clicked]]} (`),
    `image ${clicked + 1}'s most probable classes are the CLI's predictions ("${heading}")`);
  const pathsText = await page.locator('[data-testid=caption-paths]').textContent();
  check(pathsText.includes('2^9 = 512') && pathsText.includes('2^7 = 128'), `paths: 2^9 paths, 2^7 left after deleting 2 blocks ("${pathsText.slice(0, 120)}…")`);
  await screenshots(page, 1280);
  await page.setViewportSize({ width: 390, height: 900 });
  await page.waitForTimeout(300);
  await screenshots(page, 390);
  await page.screenshot({ path: path.join(outDir, 'page-390.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 1000 });

  phase('switching model');
  // ---- switching model and back keeps the finished sweep ----------------------------------------
  await page.selectOption('#model-select', 'resnet110');
  await page.waitForSelector('[data-testid=diagram] .block[data-block="54"]', { timeout: 60000 });
  await describedAs('resnet110');
  const paths110 = await page.locator('[data-testid=caption-paths]').textContent();
  check(paths110.includes('2^54, about 18 million billion'), `resnet110's paths said in words ("${paths110.slice(0, 110)}…")`);
  // Fig. 8, honestly: the stochastic-depth network (resnet110-sd, or resnet56-sd before it) beside
  // its partner says whether it is the more robust one, as measured.
  const sdEntry = sourceModels.find((m) => m.kind === 'stochastic-depth' && m.compare);
  const sdName = sdEntry?.name;
  const normalName = sdEntry?.compare;
  const committedDeleteOne = (name) => {
    const file = path.join(root, 'web', 'src', 'precomputed', `${name}.json`);
    return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).results.find((r) => r.spec.kind === 'delete-one') : null;
  };
  const sd = sdName && committedDeleteOne(sdName);
  const normal = normalName && committedDeleteOne(normalName);
  if (sd && normal && models.some((m) => m.name === sdName)) {
    await page.selectOption('#model-select', sdName);
    await describedAs(sdName);
    // The previous network's statuses may be precomputed too: wait for its own caption.
    await page.waitForFunction((name) => (document.querySelector('[data-testid=caption-delete-one]')?.textContent ?? '').includes(`blocks of ${name} `), sdName, { timeout: 60000 });
    await page.waitForSelector('[data-testid=status-delete-one][data-precomputed=true]', { timeout: 60000 });
    await page.waitForSelector('[data-testid=status-delete-one-compare][data-precomputed=true]', { timeout: 60000 });
    // The downsampling blocks from the source manifest (the page's copy does not carry them).
    const sourceManifest = JSON.parse(fs.readFileSync(path.join(root, 'models', 'manifest.json'), 'utf8'));
    const down = new Set(sourceManifest.models.find((m) => m.name === normalName).downsampling);
    check(down.size === 2, `${normalName}'s two downsampling blocks are known (${[...down]})`);
    const ordinary = (s) => s.rows.filter((r) => r.deleted[0] !== 1 && !down.has(r.deleted[0]));
    const over = (s) => ordinary(s).filter((r) => r.accuracy < s.baseline.accuracy - 0.01).length;
    const meanCost = (s) => ordinary(s).reduce((sum, r) => sum + s.baseline.accuracy - r.accuracy, 0) / ordinary(s).length;
    const fig8 = await page.locator('[data-testid=caption-delete-one]').textContent();
    const robust = meanCost(sd) < meanCost(normal) && over(sd) <= over(normal);
    check(robust ? /more robust one here/.test(fig8) : /not more robust/.test(fig8), `the Fig. 8 caption says what was measured (mean cost ${meanCost(sd).toFixed(4)} vs ${meanCost(normal).toFixed(4)}, ${over(sd)} vs ${over(normal)} blocks over a point): "${fig8.slice(fig8.indexOf('Fig. 8'), fig8.indexOf('Fig. 8') + 100)}"`);
    // Fig. 8's other claim, the downsampling blocks: each one's cost over each network's own error.
    const rise = (s, b) => {
      const x = (1 - s.rows.find((r) => r.deleted[0] === b).accuracy) - (1 - s.baseline.accuracy);  // as the page computes it
      return `${x < 0 ? '−' : '+'}${Math.abs(100 * x).toFixed(1)}`;
    };
    for (const b of down) {
      const said = `${rise(sd, b)} points for block ${b} (${normalName}: ${rise(normal, b)})`;
      check(fig8.includes(said), `the Fig. 8 caption gives downsampling block ${b}'s cost as measured ("${said}")`);
    }
    await page.locator('[data-testid=panel-delete-one]').screenshot({ path: path.join(outDir, 'panel-delete-one-fig8-1280.png') });
    // The shortcut-type control: resnet110-b (projections) beside resnet110 (option A), its
    // downsampling costs as measured and what each shortcut does.
    const proj = committedDeleteOne('resnet110-b');
    const projPartner = sourceModels.find((m) => m.name === 'resnet110-b')?.compare;
    const partner = projPartner && committedDeleteOne(projPartner);
    if (proj && partner && models.some((m) => m.name === 'resnet110-b')) {
      await page.selectOption('#model-select', 'resnet110-b');
      await describedAs('resnet110-b');
      await page.waitForFunction(() => (document.querySelector('[data-testid=caption-delete-one]')?.textContent ?? '').includes('blocks of resnet110-b '), null, { timeout: 60000 });
      await page.waitForSelector('[data-testid=status-delete-one-compare][data-precomputed=true]', { timeout: 60000 });
      const said = await page.locator('[data-testid=caption-delete-one]').textContent();
      for (const b of down) {
        const want = `${rise(proj, b)} points for block ${b} (${projPartner}: ${rise(partner, b)})`;
        check(said.includes(want), `resnet110-b's caption gives downsampling block ${b}'s cost as measured ("${want}"): "${said.slice(-500)}"`);
      }
      check(said.includes('its downsampling shortcuts are projections (1×1 convolutions of stride 2)') && said.includes('(option A)'), `resnet110-b's caption names both shortcut types: "${said.slice(-400)}"`);
    }
  } else {
    console.log(`note: no committed delete-one results for a stochastic-depth network (${sdName}) and its partner (${normalName}); the Fig. 8 caption is not checked`);
  }
  await page.selectOption('#model-select', 'resnet20');
  await page.waitForSelector('[data-testid=status-delete-one]', { timeout: 60000 });
  const back = await page.locator('[data-testid=status-delete-one]').evaluate((s) => ({ state: s.dataset.state, images: Number(s.dataset.images), precomputed: s.dataset.precomputed }));
  check(back.state === 'done' && back.images === IMAGES && back.precomputed === 'false', `back on resnet20, its live delete-one sweep is still there (${JSON.stringify(back)})`);

  phase('queue');
  // ---- the queue: a second sweep waits behind the first, the UI says so; cancel works for both ----
  await page.selectOption('#images-select', String(dataInfo.images));
  await fill('delete-k-kmin', 1); await fill('delete-k-kmax', 6); await fill('delete-k-trials', 30);
  await page.click('[data-testid=run-delete-k]');
  await page.waitForSelector('[data-testid=status-delete-k][data-state=running]', { timeout: 60000 });
  await page.click('[data-testid=run-reorder]');
  await page.waitForSelector('[data-testid=status-reorder][data-state=queued]', { timeout: 10000 });
  const waiting = await page.locator('[data-testid=status-reorder]').textContent();
  check(/Waiting: the delete-k sweep of resnet20 runs first/.test(waiting), `a queued sweep says what it waits for ("${waiting}")`);
  await page.click('[data-testid=cancel-reorder]');
  await page.waitForSelector('[data-testid=status-reorder][data-state=cancelled]', { timeout: 10000 });
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=status-delete-k]').dataset.images) > 0, null, { timeout: 120000 });
  // New settings in the same panel replace the running sweep, and the panel says so.
  await fill('delete-k-trials', 31);
  await page.click('[data-testid=run-delete-k]');
  await page.waitForSelector('[data-testid=replaced-delete-k]', { timeout: 60000 });
  check(JSON.parse(await page.locator('[data-testid=status-delete-k]').getAttribute('data-spec')).params.trials === 31, 'new settings in a panel replace its running sweep, and it says so');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=status-delete-k]').dataset.images) > 0, null, { timeout: 120000 });
  await page.click('[data-testid=cancel-delete-k]');
  await page.waitForSelector('[data-testid=status-delete-k][data-state=cancelled]', { timeout: 10000 });
  const cancelled = await page.locator('[data-testid=status-delete-k]').evaluate((s) => ({ images: Number(s.dataset.images), text: s.textContent }));
  check(cancelled.images > 0 && cancelled.images < dataInfo.images && cancelled.text.includes(`Cancelled after ${cancelled.images} image`), `a cancelled sweep keeps its partial results and says on how many images ("${cancelled.text}")`);
  await page.screenshot({ path: path.join(outDir, 'page-1280.png'), fullPage: true });
  await page.close();

  phase('plain module');
  // ---- the plain (no SIMD) module, as browsers without SIMD get it, gives the same numbers -------
  const plain = await newPage();
  await plain.goto(`${base}?engine=plain#model=resnet20&deleted=2,8`);
  await plain.waitForSelector('[data-testid=engine-note]:has-text("worker")', { timeout: 60000 });
  const plainNote = await plain.locator('[data-testid=engine-note]').textContent();
  check(/plain WebAssembly \(scalar kernels\)/.test(plainNote), `?engine=plain runs the plain module (${plainNote})`);
  await plain.selectOption('#images-select', String(IMAGES));
  await plain.waitForSelector(`[data-testid=status-lesion][data-state=done][data-images="${IMAGES}"]`, { timeout: 300000 });
  const plainCorrect = Number(await plain.locator('[data-testid=accuracy]').getAttribute('data-correct'));
  check(plainCorrect === countOf(evalCli.accuracy, evalCli.images), `plain module: ${plainCorrect} correct, the CLI ${countOf(evalCli.accuracy, evalCli.images)}`);
  await plain.close();

  phase('failures');
  // ---- friendly failures: each leaves a visible message, never a blank page ---------------------
  const noWasm = await newPage();
  await noWasm.addInitScript(() => { delete globalThis.WebAssembly; });
  await noWasm.goto(base);
  check(await noWasm.locator('[data-testid=notice-error]:has-text("WebAssembly")').isVisible(), 'no WebAssembly: a visible message');
  await noWasm.close();

  phase('missing');
  const missing = await newPage();
  await missing.route(`**/models/${entry.file}`, (route) => route.fulfill({ status: 404, body: 'not found' }));
  await missing.goto(`${base}#model=${entry.name}`);
  await missing.waitForSelector('[data-testid=notice-error]', { timeout: 30000 });
  const missingText = await missing.locator('[data-testid=notice-error]').first().textContent();
  check(/Could not load/.test(missingText) && missingText.includes('404'), `missing model file: "${missingText}"`);
  await missing.close();

  // A worker that goes silent in the middle of a run (it closes itself on its first chunk, as a
  // crashed browser worker would, with no error event) is replaced after the watchdog's time and
  // its chunk rerun: the numbers are still the CLI's. Only the first worker fetched is faulty.
  phase('silent worker');
  let fetched = 0;
  const silent = await newPage();
  await silent.route('**/worker.js', async (route) => {
    const response = await route.fetch();
    const body = await response.text();
    const faulty = fetched++ === 0 ? "self.addEventListener('message', (e) => { if (e.data && e.data.type === 'run') self.close(); });\n" : '';
    await route.fulfill({ response, body: faulty + body });
  });
  await silent.goto(`${base}?workers=2&watchdog=3#model=resnet20&deleted=2,8`);
  await silent.waitForSelector('[data-testid=engine-note]:has-text("worker")', { timeout: 60000 });
  await silent.selectOption('#images-select', String(IMAGES));
  await silent.waitForSelector(`[data-testid=status-lesion][data-state=done][data-images="${IMAGES}"]`, { timeout: 120000 });
  for (let i = 0; i < 60 && fetched < 3; i++) await silent.waitForTimeout(500); // the watchdog has 3 s
  const silentCorrect = Number(await silent.locator('[data-testid=accuracy]').getAttribute('data-correct'));
  check(fetched >= 3 && silentCorrect === countOf(evalCli.accuracy, evalCli.images), `a worker gone silent mid-run is replaced and its chunk rerun (${fetched} worker scripts fetched): ${silentCorrect} correct, the CLI ${countOf(evalCli.accuracy, evalCli.images)}`);
  check((await silent.locator('[data-testid=notice-error]').count()) === 0, 'the user is not told about a failure that went away');
  await silent.close();

  phase('every network: no failed request');
  // ---- every shipped network: the page asks only for files the build has ----------------------
  {
    const failed = [];
    const asked = new Set();
    const visit = await newPage();
    visit.on('response', (r) => {
      asked.add(new URL(r.url()).pathname.split('/').slice(-2).join('/'));
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    for (const m of sourceModels) {
      await visit.goto(`${base}#model=${m.name}`);
      await visit.waitForSelector(`[data-testid=model-description][data-model="${m.name}"]`, { timeout: 120000 });
      await visit.waitForSelector('[data-testid=status-delete-one][data-precomputed=true]', { timeout: 120000 });
      for (const f of [`${m.name}.json`, `gradients-${m.name}.json`]) {
        const committed = fs.existsSync(path.join(root, 'web', 'src', 'precomputed', f));
        check(asked.has(`precomputed/${f}`) === committed, `${m.name}: precomputed/${f} ${committed ? 'is committed and fetched' : 'is not committed and not asked for'}`);
      }
    }
    check(failed.length === 0, `no request failed while opening every network (${failed.join(', ')})`);
    await visit.close();
  }

  phase('brokenWorker');
  const brokenWorker = await newPage();
  await brokenWorker.route('**/worker.js', (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: 'throw new Error("simulated worker failure");' }));
  await brokenWorker.goto(`${base}#model=${entry.name}`);
  await brokenWorker.waitForSelector('[data-testid=notice-error]', { timeout: 60000 });
  const workerText = await brokenWorker.locator('[data-testid=notice-error]').allTextContents();
  check(workerText.some((t) => /worker/.test(t)), `a worker script that cannot run: "${workerText.join(' | ')}"`);
  await brokenWorker.screenshot({ path: path.join(outDir, 'page-failed-worker.png') });
  await brokenWorker.close();
} finally {
  await browser.close();
  server.kill();
}
console.log(`screenshots: ${outDir}/panel-*-1280.png, panel-*-390.png, page-1280.png, page-390.png`);
report('web_page_e2e');
