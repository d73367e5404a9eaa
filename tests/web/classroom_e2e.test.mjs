// classroom_e2e.test.mjs - the page as teachers and students meet it, in Debian's Chromium via
// playwright-core: the credits name the test images' source and terms; the whole state round-trips
// through the URL hash (reload, hashchange in an open tab and in an iframe, bad values named) and
// through Copy link's real clipboard; exports carry the one engine version; embed mode posts its
// height to a cross-origin host page; load failures (a CSP that blocks WebAssembly, a module
// script that cannot load, /dist without its slash) and old browsers (no WebAssembly, workers,
// modules or SIMD) say what happened; every chart has a data table holding its numbers; nothing
// jumps while the network changes; dark mode and phone widths (no horizontal scroll, 44 px touch
// targets), with screenshots in UNRAVEL_WEB_OUT.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { check, report, distDir, outDir, root, cliPath as cli, pageTestSetup, servePage } from './helpers.mjs';

const { launch, dataInfo } = await pageTestSetup();
fs.mkdirSync(outDir, { recursive: true });
const dist = path.basename(distDir);

const main = await servePage();
const { origin, base } = main;
const servers = [main.server];

const browser = await launch();
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

  phase('URL round trip');
  // ---- state in the URL: set it by hand, reload in a fresh browser context, same numbers -------
  const lesionDone = (page, deleted) => page.waitForSelector(`[data-testid=accuracy][data-deleted="${deleted}"][data-state=done]`, { timeout: 120000 });
  const panelNumbers = (page, label) => page.locator(`[data-testid=numbers-${label}]`).evaluate((el) => [...el.querySelectorAll('tr[data-group], tr[data-row]')].map((tr) => `${tr.dataset.group ?? tr.dataset.row}:${tr.dataset.correct ?? ''}:${tr.dataset.median ?? ''}`).join(' '));
  let sharedHash;
  let sharedLink;
  let first;
  {
    // Copy link writes the real clipboard: the context may read and write it.
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${base}#model=resnet20&images=100`);
    await ready(page);
    const historyAtLoad = await page.evaluate(() => history.length);
    await page.click('[data-testid=diagram] .block[data-block="3"]');
    await lesionDone(page, '3');
    const fill = async (id, v) => page.fill(`[data-testid=${id}]`, String(v));
    await fill('delete-k-kmin', 1); await fill('delete-k-kmax', 3); await fill('delete-k-trials', 2); await fill('delete-k-seed', 7);
    await page.click('[data-testid=run-delete-k]');
    await page.waitForSelector('[data-testid=status-delete-k][data-state=done][data-precomputed=false]', { timeout: 300000 });
    sharedHash = new URL(page.url()).hash;
    check(/model=resnet20/.test(sharedHash) && /deleted=3(&|$)/.test(sharedHash) && /images=100/.test(sharedHash) && /delete-k=k:1-3,trials:2,eligible:paper,seed:7/.test(sharedHash),
      `the hash holds model, lesion, images and the delete-k settings (${sharedHash})`);
    first = {
      correct: await page.locator('[data-testid=accuracy]').getAttribute('data-correct'),
      spec: await page.locator('[data-testid=status-delete-k]').getAttribute('data-spec'),
      numbers: await panelNumbers(page, 'delete-k'),
    };
    check(await page.evaluate(() => history.length) === historyAtLoad, 'the hash is written with replaceState (no new history entries)');
    await page.evaluate(() => navigator.clipboard.writeText('nothing copied yet'));
    await page.click('[data-testid=copy-link]');
    await page.waitForSelector('[data-testid=copy-note]:has-text("Link copied")', { timeout: 5000 }).catch(() => {});
    sharedLink = await page.evaluate(() => navigator.clipboard.readText());
    check(sharedLink === page.url() && new URL(sharedLink).hash === sharedHash, `Copy link put the page's link on the clipboard (${sharedLink})`);
    await context.close();
  }
  {
    // A fresh browser context (no storage, no cache) opens the copied link.
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    await page.goto(sharedLink.startsWith(base) ? sharedLink : `${base}${sharedHash}`);
    await ready(page);
    await lesionDone(page, '3');
    await page.waitForSelector('[data-testid=status-delete-k][data-state=done][data-precomputed=false]', { timeout: 300000 });
    const again = {
      correct: await page.locator('[data-testid=accuracy]').getAttribute('data-correct'),
      spec: await page.locator('[data-testid=status-delete-k]').getAttribute('data-spec'),
      numbers: await panelNumbers(page, 'delete-k'),
    };
    check(again.correct === first.correct && again.correct !== '', `the link reproduces the lesion (${again.correct} correct of 100, before ${first.correct})`);
    check(again.spec === first.spec, `the link reproduces the delete-k spec (${again.spec})`);
    check(again.numbers === first.numbers && first.numbers.length > 0, 'the link reproduces the delete-k numbers');
    check(await page.inputValue('[data-testid=delete-k-seed]') === '7', 'the delete-k form shows the link\'s seed');
    check(await page.inputValue('#images-select') === '100', 'the image count comes from the link');

    phase('exports');
    // ---- exports: PNG, CSV, JSON with what reproduces it; the exported spec re-run by the CLI ------
    const grab = async (testid) => {
      const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid=${testid}]`)]);
      return { name: dl.suggestedFilename(), bytes: fs.readFileSync(await dl.path()) };
    };
    const json = await grab('export-json-delete-k');
    const exported = JSON.parse(json.bytes.toString('utf8'));
    const modelSha = crypto.createHash('sha256').update(fs.readFileSync(path.join(distDir, 'models', 'resnet20.safetensors'))).digest('hex');
    const cliVersion = execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim();
    const headerVersion = /^#define UNRAVEL_VERSION "([^"]+)"$/m.exec(fs.readFileSync(path.join(root, 'core', 'unravel.h'), 'utf8'))?.[1];
    const wasmVersion = await page.locator('[data-testid=engine-note]').getAttribute('data-version');
    check(exported.spec.model.name === 'resnet20' && exported.spec.model.sha256 === modelSha, `the JSON names the model and its SHA-256 (${json.name})`);
    check(exported.spec.seed === 7 && exported.spec.images === 100 && exported.spec.data_sha256 === dataInfo.data_sha256, 'the JSON carries the spec: seed, images, the data\'s SHA-256');
    check(!!headerVersion && exported.exported?.engine_version === headerVersion && wasmVersion === headerVersion && cliVersion === `unravel ${headerVersion}`,
      `one engine version: the JSON's ${exported.exported?.engine_version}, the page's WebAssembly engine's ${wasmVersion}, the CLI's "${cliVersion}", core/unravel.h's ${headerVersion}`);
    const specFile = await grab('export-spec-delete-k');
    const specPath = path.join(outDir, 'classroom-export.spec.json');
    fs.writeFileSync(specPath, specFile.bytes);
    const rerun = JSON.parse(execFileSync(cli, ['run', specPath, '--models', path.join(distDir, 'models'), '--data', path.join(distDir, 'data', dataInfo.file), '--any-data', '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 }));
    check(JSON.stringify(rerun.baseline) === JSON.stringify(exported.baseline) && JSON.stringify(rerun.rows) === JSON.stringify(exported.rows) && JSON.stringify(rerun.groups) === JSON.stringify(exported.groups),
      `unravel run on the exported spec gives the exported numbers (${rerun.rows.length} rows, ${rerun.groups.length} groups)`);
    const csv = (await grab('export-csv-delete-k')).bytes.toString('utf8').trim().split('\n').map((l) => l.split(','));
    const correctAt = csv[0].indexOf('correct');
    check(csv.length === exported.rows.length + 2 && csv[1][0] === 'baseline' && csv.slice(2).every((r, i) => Number(r[correctAt]) === exported.rows[i].correct), `the CSV holds the baseline and every row with its counts (${csv.length - 1} lines)`);
    const png = (await grab('export-png-delete-k')).bytes;
    check(png.subarray(1, 4).toString('latin1') === 'PNG' && png.readUInt32BE(16) > 200 && png.readUInt32BE(20) > 100, `the chart downloads as a PNG (${png.readUInt32BE(16)}x${png.readUInt32BE(20)})`);

    phase('hashchange in an open tab');
    await page.evaluate(() => { location.hash = '#model=resnet20&deleted=4'; });
    await lesionDone(page, '4');
    check(await page.inputValue('#images-select') === '1000', 'a new hash resets what it does not name (images back to the default)');
    await page.waitForSelector('[data-testid=status-delete-k][data-precomputed=true]', { timeout: 30000 });
    check(true, 'a new hash without delete-k settings shows the panel\'s default again');
    await page.evaluate(() => { location.hash = '#model=plain20&deleted=2&order=1,3,2,4,5,6,7,8,9'; });
    await page.waitForSelector('[data-testid=order-note]', { timeout: 60000 });
    check(await page.inputValue('#model-select') === 'plain20', 'a hashchange switches the network');
    await page.waitForSelector('[data-testid=accuracy][data-deleted="2"][data-state=done]', { timeout: 120000 });
    const spec = JSON.parse(await page.locator('[data-testid=status-lesion]').getAttribute('data-spec'));
    check(JSON.stringify(spec.params.order) === '[1,3,2,4,5,6,7,8,9]' && spec.params.deleted[0] === 2, `the lesion's order comes from the link (${JSON.stringify(spec.params)})`);
    await context.close();
  }

  phase('bad values');
  {
    const page = await newPage();
    await page.goto(`${base}#model=nosuch&deleted=99&images=abc&delete-k=trials:0&show=lesion,bogus`);
    await ready(page);
    const problems = await page.locator('[data-testid=link-problems] li').allTextContents();
    for (const key of ['model=nosuch', 'deleted=99', 'images=abc', 'delete-k=trials:0', 'show=lesion,bogus']) {
      check(problems.some((p) => p.startsWith(key)), `a bad ${key} is named in a visible one-line message (${JSON.stringify(problems)})`);
    }
    check(await page.inputValue('#model-select') === 'resnet20', 'an unknown model falls back to resnet20');
    // isVisible() does not wait: let the diagram render first (a loaded machine is slow to)
    const diagramShown = await page.waitForSelector('[data-testid=diagram]', { state: 'visible', timeout: 30000 }).then(() => true, () => false);
    check(await page.locator('[data-testid=panel-delete-one]').count() === 0 && diagramShown, 'show=lesion shows only the lesion panel');
    await page.goto(`${base}#model=resnet20&deleted=4`);
    await page.reload();
    await ready(page);
    await lesionDone(page, '4');
    check(await page.locator('[data-testid=link-problems]').count() === 0, "today's links (#model=resnet20&deleted=4) still work, with no complaint");
    await page.close();
  }

  phase('iframe on another origin');
  // ---- a course page on another origin embeds the lab: height messages, hashchange in the frame ---
  const hostHtml = (src) => `<!doctype html><meta charset="utf-8"><title>course page</title><h1>Week 3: residual networks</h1>
<iframe id="lab" src="${src}" style="width:600px;height:300px;border:1px solid #ccc" title="Unravel lab"></iframe>
<script>
  window.messages = [];
  addEventListener('message', function (e) {
    window.messages.push({ origin: e.origin, data: e.data });
    if (e.data && e.data.subject === 'lti.frameResize') document.getElementById('lab').style.height = e.data.height + 'px';
  });
</script>`;
  const host = http.createServer((req, res) => {
    const src = new URL(req.url, 'http://x').searchParams.get('src');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(hostHtml(src));
  });
  await new Promise((resolve) => host.listen(0, '127.0.0.1', resolve));
  servers.push({ kill: () => host.close() });
  const hostOrigin = `http://127.0.0.1:${host.address().port}`;
  check(hostOrigin !== origin, `the host page's origin (${hostOrigin}) differs from the lab's (${origin})`);
  {
    const page = await newPage();
    await page.goto(`${hostOrigin}/?src=${encodeURIComponent(`${base}#model=resnet20&embed=1`)}`);
    const frame = page.frameLocator('#lab');
    await frame.locator('[data-testid=engine-note]:has-text("worker")').waitFor({ timeout: 60000 });
    await frame.locator('[data-testid=panel-delete-one]').waitFor({ timeout: 60000 });
    await page.waitForTimeout(500);
    const messages = await page.evaluate(() => window.messages);
    const lti = messages.filter((m) => m.data?.subject === 'lti.frameResize');
    const generic = messages.filter((m) => m.data?.type === 'unravel:resize');
    check(lti.length > 0 && lti.every((m) => m.origin === origin && Number.isInteger(m.data.height)), `the host received lti.frameResize messages from the lab's origin (${lti.length})`);
    check(generic.length > 0 && generic.at(-1).data.height === lti.at(-1).data.height, `and the generic unravel:resize message with the same height (${generic.at(-1)?.data.height})`);
    const tall = lti.at(-1).data.height;
    check(tall > 1000, `the full embed is taller than the 300 px frame it started in (${tall} px)`);
    const frameHeight = await page.evaluate(() => document.getElementById('lab').getBoundingClientRect().height);
    check(Math.abs(frameHeight - tall - 2) <= 1, `the host sized the frame from the message (${frameHeight} px)`);
    check(await frame.locator('header h1').count() === 0 && await frame.locator('[data-testid=open-full-lab]').isVisible(), 'embed mode: no page header, an "open full lab" link');
    const full = await frame.locator('[data-testid=open-full-lab]').getAttribute('href');
    check(full.startsWith(base) && !/embed=/.test(full), `"open full lab" leads to the lab without embed (${full})`);

    phase('hashchange in the iframe');
    await page.evaluate((src) => { document.getElementById('lab').src = src; }, `${base}#model=resnet20&embed=1&deleted=4&show=lesion`);
    await frame.locator('[data-testid=accuracy][data-deleted="4"][data-state=done]').waitFor({ timeout: 120000 });
    check(await frame.locator('[data-testid=panel-delete-one]').count() === 0, 'a new hash aimed at the iframe takes effect (only the lesion panel)');
    await page.waitForFunction((tall) => window.messages.filter((m) => m.data?.subject === 'lti.frameResize').at(-1).data.height < tall / 2, tall, { timeout: 10000 })
      .catch(() => {});
    const small = await page.evaluate(() => window.messages.filter((m) => m.data?.subject === 'lti.frameResize').at(-1).data.height);
    check(small < tall / 2, `the frame's height follows the layout (${tall} -> ${small} px)`);
    await page.screenshot({ path: path.join(outDir, 'embed-host-600.png'), fullPage: true });
    await page.close();
  }

  phase('load failures');
  // ---- every load failure in plain words, inside the layout --------------------------------------
  // A host whose Content-Security-Policy forbids WebAssembly (script-src 'self', no 'wasm-unsafe-eval').
  const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm' };
  const cspHost = http.createServer((req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.join(distDir, rel);
    if (!file.startsWith(distDir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-security-policy': "default-src 'self'; script-src 'self'" }).end(fs.readFileSync(file));
  });
  await new Promise((resolve) => cspHost.listen(0, '127.0.0.1', resolve));
  servers.push({ kill: () => cspHost.close() });
  {
    const page = await newPage();
    await page.goto(`http://127.0.0.1:${cspHost.address().port}/#model=resnet20`);
    await page.waitForSelector('[data-testid=notice-error]', { timeout: 30000 });
    const text = await page.locator('[data-testid=notice-error]').first().textContent();
    check(/this site's security settings block WebAssembly/i.test(text) && /wasm-unsafe-eval/.test(text), `a CSP that blocks WebAssembly is said so ("${text.slice(0, 140)}…")`);
    check(!/resnet20/.test(text), 'and it does not blame the model');
    await page.screenshot({ path: path.join(outDir, 'failure-csp.png') });
    await page.close();
  }
  {
    const page = await newPage();
    await page.route('**/app.js', (route) => route.fulfill({ status: 404, body: 'not found' }));
    await page.goto(base);
    await page.waitForSelector('[data-testid=notice-error]', { timeout: 30000 });
    const text = await page.locator('[data-testid=notice-error]').textContent();
    check(/could not load its code/.test(text) && /app\.js/.test(text), `a module script that fails to load is said so ("${text.slice(0, 120)}…")`);
    await page.close();
  }
  {
    const page = await newPage();
    await page.goto(`file://${path.join(distDir, 'index.html')}`);
    await page.waitForSelector('[data-testid=notice-error]', { timeout: 30000 });
    const text = await page.locator('[data-testid=notice-error]').textContent();
    check(/opened from a file/i.test(text) && /http\.server/.test(text), `opened from file://, the page says what to do ("${text.slice(0, 120)}…")`);
    await page.close();
  }
  {
    const page = await newPage();
    await page.route('**/worker.js', (route) => route.fulfill({ status: 404, body: 'not found' }));
    await page.goto(base);
    await page.waitForSelector('[data-testid=notice-error]', { timeout: 60000 });
    const text = await page.locator('[data-testid=notice-error]').first().textContent();
    check(/background workers could not start/.test(text), `a worker that cannot start is said so ("${text.slice(0, 120)}…")`);
    await page.close();
  }
  {
    const page = await newPage();
    await page.goto(`${origin}/${dist}#model=resnet20&deleted=4`);
    await ready(page);
    check(new URL(page.url()).pathname === `/${dist}/`, `/${dist} without the slash lands on /${dist}/ (${page.url()})`);
    await page.waitForSelector('[data-testid=accuracy][data-deleted="4"]', { timeout: 60000 });
    check(true, 'and the lab runs there, with the link\'s lesion');
    await page.close();
  }
  phase('old browsers');
  // ---- a browser that lacks what the lab needs: each gap in plain words (boot.js, main.jsx) -------
  const oldBrowser = async (what, setup, title, words) => {
    const page = await newPage();
    await setup(page);
    await page.goto(`${base}#model=resnet20`);
    const shown = await page.waitForSelector('[data-testid=notice-error]', { timeout: 30000 }).then(() => true, () => false);
    const text = shown ? await page.locator('[data-testid=notice-error]').first().textContent() : '';
    check(text.includes(title) && words.test(text), `${what}: "${text.slice(0, 140)}…"`);
    check(await page.locator('header h1').count() === 1, `${what}: the message sits in the page's layout, under its title`);
    await page.close();
  };
  await oldBrowser('no WebAssembly', (page) => page.addInitScript(() => { delete globalThis.WebAssembly; }),
    'This browser cannot run WebAssembly', /current Chrome, Edge, Firefox or Safari/);
  await oldBrowser('no Web Workers', (page) => page.addInitScript(() => { delete globalThis.Worker; }),
    'This browser has no Web Workers', /background workers/);
  // A browser without module scripts skips type=module and runs the nomodule script: simulated by
  // serving index.html as such a browser reads it.
  await oldBrowser('no module scripts', (page) => page.route(/\/index\.html$|\/$/, async (route) => {
    const html = fs.readFileSync(path.join(distDir, 'index.html'), 'utf8');
    const old = html.replace(/<script type="module"[^>]*><\/script>/, '').replace('<script nomodule ', '<script ');
    if (old === html) throw new Error('index.html has no module script to strip');
    await route.fulfill({ status: 200, contentType: 'text/html', body: old });
  }), 'This browser is too old for the lab', /2020 or later/);
  // Syntax the browser cannot parse (what an old engine meets in app.js).
  await oldBrowser('app.js it cannot parse', (page) => page.route('**/app.js', (route) => route.fulfill({ status: 200, contentType: 'text/javascript', body: 'const lab = { ...;' })),
    'The lab could not start', /an old browser\?/);
  {
    // No WebAssembly SIMD (Safari before 16.4): the plain engine runs instead, and says so.
    const page = await newPage();
    await page.addInitScript(() => { WebAssembly.validate = () => false; });
    await page.goto(`${base}#model=resnet20&deleted=4&images=100`);
    await ready(page);
    await lesionDone(page, '4');
    const note = await page.locator('[data-testid=engine-note]').textContent();
    const correct = await page.locator('[data-testid=accuracy]').getAttribute('data-correct');
    check(/plain WebAssembly \(scalar kernels\)/.test(note) && correct !== '', `no WebAssembly SIMD: the plain engine runs the lesion (${note}; ${correct} of 100 correct)`);
    await page.close();
  }

  {
    // A slow connection: the skeleton and what is loading are visible until the lab is ready.
    const page = await newPage();
    await page.route('**/data/test_*.bin', async (route) => {
      await new Promise((r) => setTimeout(r, 2500));
      await route.continue();
    });
    await page.goto(base);
    await page.waitForSelector('[data-testid=loading] [data-step=images]', { timeout: 10000 });
    const steps = await page.locator('[data-testid=loading] li').allTextContents();
    check(steps.some((t) => /test images/.test(t)), `while loading, a skeleton says what is loading (${JSON.stringify(steps)})`);
    await page.screenshot({ path: path.join(outDir, 'loading-1280.png') });
    await ready(page);
    check(await page.locator('[data-testid=loading]').count() === 0, 'the skeleton is gone once the lab is ready');
    await page.close();
  }

  phase('dark mode and phones');
  // ---- dark mode (charts included) and phone widths: screenshots to look at, overflow, touch targets ----
  const panelsReady = (page) => page.waitForSelector('[data-testid=status-delete-one][data-precomputed=true]', { timeout: 60000 });
  for (const scheme of ['light', 'dark']) {
    for (const width of [1280, 390]) {
      const page = await newPage({ viewport: { width, height: width > 600 ? 1000 : 844 }, colorScheme: scheme, isMobile: width < 600, hasTouch: width < 600 });
      await page.goto(`${base}#model=resnet20&deleted=3`);
      await ready(page);
      await panelsReady(page);
      await lesionDone(page, '3');
      const look = await page.evaluate(() => {
        const rgb = getComputedStyle(document.documentElement).backgroundColor.match(/\d+/g).map(Number);
        return { luminance: (0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]) / 255, themes: [...document.querySelectorAll('canvas[data-theme]')].map((c) => c.dataset.theme) };
      });
      check(scheme === 'dark' ? look.luminance < 0.2 : look.luminance > 0.8, `${scheme} at ${width} px: the page's background follows the scheme (luminance ${look.luminance.toFixed(2)})`);
      check(look.themes.length >= 4 && look.themes.every((t) => t === scheme), `${scheme} at ${width} px: every chart is drawn for the scheme (${look.themes.join(',')})`);
      await page.screenshot({ path: path.join(outDir, `classroom-${width}-${scheme}.png`), fullPage: true });
      if (width === 390) {
        for (const w of [360, 390, 430]) {
          await page.setViewportSize({ width: w, height: 844 });
          await page.waitForTimeout(200);
          const overflow = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
            wide: [...document.querySelectorAll('main *')].filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 && el.getClientRects().length).slice(0, 3).map((el) => `${el.tagName}.${el.className}`) }));
          check(overflow.scroll <= overflow.inner, `${scheme} at ${w} px: no horizontal scroll (page ${overflow.scroll} px wide; ${overflow.wide.join(', ')})`);
        }
        await page.setViewportSize({ width: 390, height: 844 });
        const small = await page.evaluate(() => [...document.querySelectorAll('main button, main select, main input[type=number], main input[type=text], main summary')]
          .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
          .map((el) => ({ what: `${el.tagName.toLowerCase()} "${(el.textContent || el.dataset.testid || el.id || '').trim().slice(0, 20)}"`, r: el.getBoundingClientRect() }))
          .filter(({ r }) => r.height < 44 || r.width < 44).map(({ what, r }) => `${what} ${Math.round(r.width)}x${Math.round(r.height)}`));
        check(small.length === 0, `${scheme} at 390 px: every button, select, input and summary is at least 44 px (${small.slice(0, 6).join('; ')})`);
        const together = await page.evaluate(() => {
          const diagram = document.querySelector('[data-testid=diagram]').getBoundingClientRect();
          const accuracy = document.querySelector('[data-testid=lesioned-accuracy]').getBoundingClientRect();
          return accuracy.bottom - diagram.top;
        });
        check(together <= 844, `${scheme} at 390 px: resnet20's blocks and the lesioned accuracy fit on one screen (${Math.round(together)} px)`);
      }
      if (scheme === 'dark' && width === 1280) {
        await page.emulateMedia({ colorScheme: 'light' });
        await page.waitForFunction(() => [...document.querySelectorAll('canvas[data-theme]')].every((c) => c.dataset.theme === 'light'), null, { timeout: 5000 }).catch(() => {});
        const themes = await page.evaluate(() => [...document.querySelectorAll('canvas[data-theme]')].map((c) => c.dataset.theme));
        check(themes.every((t) => t === 'light'), `charts follow a change of the system's scheme at once (${themes.join(',')})`);
      }
      await page.close();
    }
  }
  {
    // resnet110's 54 blocks at 44 px are taller than a phone: the accuracy stays pinned beside them.
    const page = await newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await page.goto(`${base}#model=resnet110&deleted=19&images=100`);
    await ready(page);
    await lesionDone(page, '19');
    for (const b of ['1', '30', '54']) {
      await page.locator(`[data-testid=diagram] .block[data-block="${b}"]`).scrollIntoViewIfNeeded();
      const seen = await page.evaluate((b) => {
        const block = document.querySelector(`[data-testid=diagram] .block[data-block="${b}"]`).getBoundingClientRect();
        const ticker = document.querySelector('[data-testid=lesion-ticker]');
        const t = ticker.getBoundingClientRect();
        const onScreen = (r) => r.top >= 0 && r.bottom <= innerHeight;
        return { both: onScreen(block) && onScreen(t) && t.height > 0, text: ticker.textContent };
      }, b);
      check(seen.both && /1 deleted: \d+\.\d%/.test(seen.text), `390 px, resnet110: block ${b} and the accuracy on screen together ("${seen.text}")`);
    }
    await page.screenshot({ path: path.join(outDir, 'classroom-390-resnet110.png') });
    await page.close();
  }

  phase('data tables');
  // ---- every chart has its text alternative, a data table with caption and header cells, and
  // its numbers are the chart's: checked against the exported JSON (the core's summary), the
  // committed gradient result and exact path counts.
  {
    const page = await newPage();
    await page.goto(`${base}#model=resnet20&deleted=3`);
    await ready(page);
    for (const label of ['delete-one', 'delete-one-compare', 'delete-k', 'reorder', 'drop', 'ensemble']) await page.waitForSelector(`[data-testid=status-${label}][data-precomputed=true]`, { timeout: 60000 });
    await page.waitForSelector('[data-testid=status-gradients][data-state=precomputed]', { timeout: 60000 });
    await lesionDone(page, '3');
    await page.click('[data-testid=thumbs] [data-image="0"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=chart-table-probabilities] tbody tr').length === 10, null, { timeout: 60000 });
    const figures = await page.evaluate(() => [...document.querySelectorAll('canvas[data-testid^=chart-]')].map((canvas) => {
      const details = canvas.closest('figure')?.querySelector('details.chart-data');
      const table = details?.querySelector('table');
      return { id: canvas.dataset.testid.replace(/^chart-/, ''), linked: !!details && canvas.getAttribute('aria-details') === details.id,
        caption: table?.caption?.textContent.trim() ?? '', cols: table?.querySelectorAll('thead th[scope=col]').length ?? 0,
        rows: table?.tBodies[0].rows.length ?? 0, rowHeads: table?.querySelectorAll('tbody th[scope=row]').length ?? 0,
        series: JSON.parse(canvas.dataset.series || '[]').filter((d) => d.label && d.values > 0).length };
    }));
    const expected = ['delete-one', 'delete-k', 'reorder', 'drop', 'ensemble', 'gradients-norm', 'gradients-total', 'paths', 'probabilities'];
    check(expected.every((id) => figures.some((f) => f.id === id)) && figures.length === expected.length, `the page's charts are the expected nine (${figures.map((f) => f.id).join(', ')})`);
    for (const f of figures) {
      check(f.linked && f.caption.length > 10 && f.cols >= 1 + f.series && f.rows > 0 && f.rowHeads === f.rows,
        `chart ${f.id} has its data table: caption "${f.caption}", ${f.cols} column headers for ${f.series} series, ${f.rows} rows with row headers`);
    }
    const table = (id) => page.evaluate((id) => {
      const t = document.querySelector(`[data-testid=chart-table-${id}]`);
      // Column names, a box plot's group header joined to its parts ("resnet20: median").
      const [top, parts] = t.tHead.rows;
      const head = [];
      let part = 0;
      for (const c of top.cells) {
        if (c.colSpan > 1) for (let j = 0; j < c.colSpan; j++) head.push(`${c.textContent}: ${parts.cells[part++].textContent}`);
        else head.push(c.textContent);
      }
      return { head, rows: [...t.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent)) };
    }, id);
    const value = (text) => (text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text));
    // Shown with 2 decimals of a percent (or 3 significant digits when tiny): half a unit off at most.
    const near = (text, want) => text !== '' && (Math.abs(value(text) - want) <= 5.01e-5 || Math.abs(value(text) - want) <= 5.01e-3 * Math.abs(want));
    const column = (t, name) => {
      const i = t.head.indexOf(name);
      if (!check(i > 0, `a column "${name}" (columns: ${t.head.join(' | ')})`)) return [];
      return t.rows.map((r) => ({ head: r[0], text: r[i] }));
    };
    const exportedJson = async (label) => {
      const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`[data-testid=export-json-${label}]`)]);
      return JSON.parse(fs.readFileSync(await dl.path(), 'utf8'));
    };
    const every = (what, list, ok) => {
      const bad = list.filter((x) => !ok(x));
      check(list.length > 0 && bad.length === 0, `${what} (${list.length} values; wrong: ${JSON.stringify(bad.slice(0, 3))})`);
    };

    // delete one block: each block's error and the intact network's, as the core summarised them
    {
      const s = await exportedJson('delete-one');
      const t = await table('delete-one');
      const L = s.rows.length;
      const ours = column(t, 'resnet20: one block deleted').filter((c) => c.text !== '');
      every('delete-one table: the error of each deleted block is 1 - its accuracy in the export', s.rows, (r) => {
        const cell = ours.find((c) => c.head.includes(`block ${r.deleted[0]} of ${L})`) || c.head.includes(`block ${r.deleted[0]} of ${L},`));
        return cell && near(cell.text, 1 - r.accuracy);
      });
      check(ours.length === L, `delete-one table: one row per block of resnet20 (${ours.length} of ${L})`);
      every('delete-one table: the intact network\'s error on every row', column(t, 'resnet20: nothing deleted'), (c) => near(c.text, 1 - s.baseline.accuracy));
      // the network it is compared with (plain20, also 9 blocks) on the same rows
      const p = await exportedJson('delete-one-compare');
      const theirs = column(t, `${p.spec.model.name}: one block deleted`).filter((c) => c.text !== '');
      every(`delete-one table: ${p.spec.model.name}'s errors are its export's`, p.rows, (r) => {
        const cell = theirs.find((c) => c.head.includes(`block ${r.deleted[0]} of ${L})`) || c.head.includes(`block ${r.deleted[0]} of ${L},`));
        return cell && near(cell.text, 1 - r.accuracy);
      });
    }
    // box plots: median, quartiles and range per k, as the core's groups
    const box = (t, name) => {
      const m = column(t, `${name}: median`), q = column(t, `${name}: middle half (quartiles)`), r = column(t, `${name}: range (min–max)`);
      return m.map((c, i) => ({ head: c.head, median: c.text, q: q[i].text.split('–'), range: r[i].text.split('–') }));
    };
    {
      const s = await exportedJson('delete-k');
      const cells = box(await table('delete-k'), 'resnet20');
      every('delete-k table: median, quartiles and range of each k are the exported groups\'', s.groups, (g) => {
        const c = cells.find((x) => x.head === String(g.k));
        return c && near(c.median, g.error.median) && near(c.q[0], g.error.q1) && near(c.q[1], g.error.q3) && near(c.range[0], g.error.min) && near(c.range[1], g.error.max);
      });
    }
    {
      // Reorder: the chart bins rows by tau (0.1 wide for 9 blocks, ReorderPanel.jsx's tauBins);
      // the median of each bin (linear interpolation, as the chart's box plot) from the export.
      const s = await exportedJson('reorder');
      const t = await table('reorder');
      const name = t.head[1].replace(/: median$/, '');
      const width = Number(/tau bins ([\d.]+) wide/.exec(name)?.[1]);
      const bins = new Map();
      for (const r of s.rows) {
        const i = Math.round((1 - r.tau) / width);
        bins.set(i, [...(bins.get(i) ?? []), 1 - r.accuracy]);
      }
      const quantile = (xs, p) => {
        const v = [...xs].sort((a, b) => a - b);
        const h = (v.length - 1) * p;
        return v[Math.floor(h)] + (h - Math.floor(h)) * (v[Math.ceil(h)] - v[Math.floor(h)]);
      };
      const cells = box(t, name);
      check(width > 0 && cells.length === bins.size, `reorder table: one row per tau bin of width ${width} (${cells.length} rows, ${bins.size} bins)`);
      every('reorder table: each bin\'s median and range are those of the exported rows in it', [...bins], ([i, errors]) => {
        const c = cells.find((x) => x.head === (1 - i * width).toFixed(width < 0.1 ? 2 : 1));
        return c && near(c.median, quantile(errors, 0.5)) && near(c.range[0], Math.min(...errors)) && near(c.range[1], Math.max(...errors));
      });
    }
    {
      const s = await exportedJson('drop');
      const t = await table('drop');
      const mean = column(t, 'mean error (band: ± 1 sd)'), up = column(t, 'mean error + 1 sd'), down = column(t, 'mean error − 1 sd');
      every('drop table: mean error and mean ± 1 sd per p are the exported groups\'', s.groups, (g) => {
        const i = mean.findIndex((c) => Number(c.head) === g.prob);
        return i >= 0 && near(mean[i].text, g.error.mean) && near(up[i].text, g.error.mean + g.error.sd) && near(down[i].text, g.error.mean - g.error.sd);
      });
    }
    {
      const s = await exportedJson('ensemble');
      const t = await table('ensemble');
      const mean = column(t, 'T dropped networks averaged (± 1 sd)'), intact = column(t, 'intact network');
      every('ensemble table: the accuracy of T averaged networks is 1 - the exported mean error per T', s.groups, (g) => {
        const i = mean.findIndex((c) => c.head === String(g.size));
        return i >= 0 && near(mean[i].text, 1 - g.error.mean) && near(intact[i].text, s.baseline.accuracy);
      });
    }
    {
      // Gradient flow: the committed CLI result the charts show at first paint.
      const g = JSON.parse(fs.readFileSync(path.join(root, 'web', 'src', 'precomputed', 'gradients-resnet20.json'), 'utf8')).result;
      const norm = column(await table('gradients-norm'), 'resnet20');
      every('gradients table: log10 of the mean norm per length is the CLI\'s', g.lengths.filter((l) => Number.isFinite(l.log10_mean)), (l) => {
        const c = norm.find((x) => x.head === String(l.length));
        return c && Math.abs(Number(c.text) - l.log10_mean) <= 5.01e-4;
      });
      const t = await table('gradients-total');
      const total = column(t, t.head[1]);
      every('gradients table: the share of the total gradient per length is the CLI\'s', g.lengths, (l) => {
        const c = total.find((x) => x.head === String(l.length));
        return c && near(c.text, l.total);
      });
    }
    {
      // Paths: exact counts, C(9,k) of 2^9, and C(8,k) left after deleting one block.
      const C = (n, k) => { let c = 1n; for (let i = 1n; i <= BigInt(k); i++) c = (c * (BigInt(n) - i + 1n)) / i; return Number(c); };
      const t = await table('paths');
      const all = column(t, 'all paths, by length'), left = column(t, 'paths left after deleting 1 block'), share = column(t, 'share of each length left');
      const ks = Array.from({ length: 10 }, (_, k) => k);
      every('paths table: all paths and those left after the lesion, by length, are the exact counts', ks, (k) => {
        const i = all.findIndex((c) => c.head === String(k));
        return i >= 0 && near(all[i].text, C(9, k) / 512) && near(left[i].text, k <= 8 ? C(8, k) / 512 : 0) && near(share[i].text, k <= 8 ? C(8, k) / C(9, k) : 0);
      });
    }
    {
      // The chosen image's class probabilities: each network's column sums to 1 and its largest is the one the heading names.
      const t = await table('probabilities');
      const heading = await page.locator('.probabilities h3').textContent();
      for (const [name, said] of [['intact network', /intact: (\w+) \(([\d.]+)%\)/], ['with the deleted blocks', /lesioned: (\w+) \(([\d.]+)%\)/]]) {
        const c = column(t, name);
        const sum = c.reduce((a, x) => a + value(x.text), 0);
        const best = c.reduce((b, x) => (value(x.text) > value(b.text) ? x : b), c[0]);
        const m = said.exec(heading);
        check(c.length === 10 && Math.abs(sum - 1) < 6e-4 && m && best.head === m[1] && Math.abs(value(best.text) - Number(m[2]) / 100) <= 5.01e-4,
          `probabilities table, ${name}: ten classes summing to ${sum.toFixed(4)}, the largest ${best?.head} ${best?.text} as the heading says ("${heading}")`);
      }
    }
    await page.close();
  }
  // Screenshots of the tables, to look at: wide and phone, light and dark.
  for (const [width, scheme] of [[1280, 'light'], [1280, 'dark'], [390, 'light'], [390, 'dark']]) {
    const page = await newPage({ viewport: { width, height: width > 600 ? 1000 : 844 }, colorScheme: scheme, isMobile: width < 600, hasTouch: width < 600 });
    await page.goto(`${base}#model=resnet20&deleted=3&show=delete-k,paths`);
    await ready(page);
    await page.waitForSelector('[data-testid=status-delete-k][data-precomputed=true]', { timeout: 60000 });
    await page.evaluate(() => document.querySelectorAll('details.chart-data').forEach((d) => (d.open = true)));
    await page.waitForTimeout(300);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
    check(wide <= 0, `${scheme} at ${width} px with the data tables open: no horizontal scroll (${wide} px too wide)`);
    await page.screenshot({ path: path.join(outDir, `tables-${width}-${scheme}.png`), fullPage: true });
    await page.close();
  }

  phase('no layout jump when the model changes');
  // ---- switching network: nothing moves while the next one loads (its file slowed down here), the
  // new layout arrives in one step, and the charts and the lesion panel keep their reserved size.
  {
    const page = await newPage();
    await page.route('**/models/*.safetensors', async (route) => {
      await new Promise((r) => setTimeout(r, 1500));
      await route.continue();
    });
    // resnet56 and its partner load first; resnet20 and plain20 only when chosen.
    await page.goto(`${base}#model=resnet56`);
    await ready(page);
    for (const label of ['delete-one', 'delete-k', 'reorder', 'drop', 'ensemble']) await page.waitForSelector(`[data-testid=status-${label}][data-precomputed=true]`, { timeout: 60000 });
    await page.waitForTimeout(500);
    await page.evaluate(() => {
      window.layoutShifts = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          window.layoutShifts.push({ value: e.value, input: e.hadRecentInput, at: Math.round(e.startTime),
            sources: e.sources.map((src) => (src.node ? `${src.node.nodeName.toLowerCase()}${src.node.dataset?.testid ? `[${src.node.dataset.testid}]` : src.node.className ? `.${String(src.node.className).split(' ')[0]}` : ''}` : '?')) });
        }
      }).observe({ type: 'layout-shift' });
    });
    const layout = () => page.evaluate(() => Object.fromEntries([...document.querySelectorAll('main section.panel, main .chart-box')].map((el, i) => {
      const r = el.getBoundingClientRect();
      return [el.dataset.testid ?? `chart-box ${el.querySelector('canvas')?.dataset.testid}`, { top: Math.round(r.top + scrollY), height: Math.round(r.height) }];
    })));
    const moved = (a, b) => Object.keys({ ...a, ...b }).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).map((k) => `${k} ${JSON.stringify(a[k])} -> ${JSON.stringify(b[k])}`);
    const initial = await layout();
    const t0 = await page.evaluate(() => performance.now());
    await page.selectOption('#model-select', 'resnet20');
    await page.waitForSelector('[data-testid=switching]', { timeout: 5000 });
    const loading = await layout();
    check(moved(initial, loading).length === 0, `while resnet20 loads, nothing moves (${moved(initial, loading).join('; ')})`);
    await page.waitForSelector('[data-testid=switching]', { state: 'detached', timeout: 60000 });
    await page.waitForTimeout(1500);
    const arrived = await layout();
    const shifts = await page.evaluate(() => window.layoutShifts);
    console.log(`layout shifts after choosing resnet20 (ms after the choice): ${JSON.stringify(shifts.map((e) => ({ ...e, at: Math.round(e.at - t0) })))}`);
    const late = shifts.filter((e) => !e.input);
    const cls = late.reduce((a, e) => a + e.value, 0);
    const span = late.length ? Math.max(...late.map((e) => e.at)) - Math.min(...late.map((e) => e.at)) : 0;
    check(span <= 100, `the new layout arrives in one step: layout shifts after the input span ${span} ms (CLS ${cls.toFixed(4)} in ${late.length} entries)`);
    const charts = Object.keys(initial).filter((k) => k.startsWith('chart-box') && arrived[k]);
    check(charts.length >= 5 && charts.every((k) => arrived[k].height === initial[k].height), `every chart keeps its reserved height (${charts.map((k) => `${k.replace('chart-box chart-', '')} ${initial[k].height}->${arrived[k].height}`).join(', ')})`);
    await page.selectOption('#model-select', 'resnet56');
    await page.waitForSelector('[data-testid=status-delete-one][data-spec*=\'"name":"resnet56"\']', { timeout: 60000 });
    await page.waitForTimeout(1000);
    const back = await layout();
    check(moved(initial, back).length === 0, `back on resnet56, every panel and chart is where it was (${moved(initial, back).join('; ')})`);
    await page.close();
  }

  phase('single file');
  // ---- the single-file build, opened from file:// and offline, evaluates a lesion as the CLI does ----
  {
    const single = path.join(outDir, 'unravel.html');
    execFileSync(process.execPath, [path.join(root, 'web', 'build_single.mjs'), '--dist', distDir, '--out', single], { stdio: 'inherit' });
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, offline: true });
    const requests = [];
    context.on('request', (r) => !/^(file|blob|data):/.test(r.url()) && requests.push(r.url()));
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`file://${single}#model=resnet20&deleted=4&images=100`);
    await ready(page);
    await lesionDone(page, '4');
    const correct = Number(await page.locator('[data-testid=accuracy]').getAttribute('data-correct'));
    const want = JSON.parse(execFileSync(cli, ['eval', path.join(distDir, 'models', 'resnet20.safetensors'), '--delete', '4', '--limit', '100', '--data', path.join(distDir, 'data', dataInfo.file), '--json'], { encoding: 'utf8' }));
    check(correct === Math.round(want.accuracy * want.images), `file:// single file: block 4 deleted, ${correct} of 100 correct, the CLI ${Math.round(want.accuracy * want.images)}`);
    const offered = await page.locator('#model-select option').allTextContents();
    check(['resnet20', 'plain20', 'resnet110'].every((m) => offered.some((o) => o.startsWith(m))), `the single file ships resnet20, plain20 and resnet110 (${offered.length} networks)`);
    // The committed gradient flow travels inside the file too (the build's precomputed_files).
    const gradientsShown = await page.waitForSelector('[data-testid=status-gradients][data-state=precomputed]', { timeout: 60000 }).then(() => true, () => false);
    check(gradientsShown, 'file:// single file: the gradient panel shows the committed result');
    check(requests.length === 0, `offline: no network request (${requests.slice(0, 3).join(', ')})`);
    await context.close();
  }

  phase('accessibility');
  // ---- keyboard, names, live regions; axe-core finds no serious or critical violation, light and dark ----
  const axeSource = fs.readFileSync(path.join(root, 'tests', 'web', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  for (const scheme of ['light', 'dark']) {
    const page = await newPage({ colorScheme: scheme });
    await page.goto(`${base}#model=resnet20&images=100`);
    await ready(page);
    await panelsReady(page);
    if (scheme === 'light') {
      const name4 = await page.locator('[data-testid=diagram] .block[data-block="4"]').getAttribute('aria-label');
      check(name4 === 'block 4, downsampling, stage 2', `a block's accessible name says what it is ("${name4}")`);
      await page.focus('[data-testid=diagram] .block[data-block="5"]');
      await page.keyboard.press('Enter');
      await lesionDone(page, '5');
      const pressed = await page.locator('[data-testid=diagram] .block[data-block="5"]').getAttribute('aria-pressed');
      const said = await page.locator('[data-testid=lesion-announce]').textContent();
      check(pressed === 'true' && /Blocks 5 deleted: \d+\.\d% accuracy on 100 test images/.test(said), `Enter on a focused block deletes it, and the result is announced ("${said}")`);
      await page.keyboard.press('Space');
      await page.waitForSelector('[data-testid=accuracy][data-deleted=""]', { timeout: 10000 });
      check(true, 'Space restores it');
    }
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
    await page.addScriptTag({ content: axeSource });
    const violations = await page.evaluate(async () => (await axe.run(document, { resultTypes: ['violations'] })).violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join(', ')}`));
    check(violations.length === 0, `axe-core, ${scheme}, every panel with its numbers open: no serious or critical violation (${violations.join('; ')})`);
    await page.close();
  }
} finally {
  await browser.close();
  for (const s of servers) s.kill();
}
if (pageErrors.length) console.log(`page errors seen: ${pageErrors.join(' | ')}`);
report('web_classroom_e2e');
