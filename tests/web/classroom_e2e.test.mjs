// classroom_e2e.test.mjs - the page as teachers and students meet it, in Debian's Chromium via
// playwright-core: the credits name the test images' source and terms; the whole state round-trips
// through the URL hash (reload, hashchange in an open tab and in an iframe, bad values named);
// embed mode posts its height to a cross-origin host page; load failures (a CSP that blocks
// WebAssembly, a module script that cannot load, /dist without its slash) say what happened;
// dark mode and phone widths (no horizontal scroll, 44 px touch targets), with screenshots in
// UNRAVEL_WEB_OUT.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
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
const cli = process.env.UNRAVEL_CLI || path.join(root, 'build', 'cli', 'unravel');

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

  phase('URL round trip');
  // ---- state in the URL: set it by hand, reload in a fresh browser context, same numbers -------
  const lesionDone = (page, deleted) => page.waitForSelector(`[data-testid=accuracy][data-deleted="${deleted}"][data-state=done]`, { timeout: 120000 });
  const panelNumbers = (page, label) => page.locator(`[data-testid=numbers-${label}]`).evaluate((el) => [...el.querySelectorAll('tr[data-group], tr[data-row]')].map((tr) => `${tr.dataset.group ?? tr.dataset.row}:${tr.dataset.correct ?? ''}:${tr.dataset.median ?? ''}`).join(' '));
  let sharedHash;
  let first;
  {
    const page = await newPage();
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
    await page.close();
  }
  {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    await page.goto(`${base}${sharedHash}`);
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
    const version = execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim();
    check(exported.spec.model.name === 'resnet20' && exported.spec.model.sha256 === modelSha, `the JSON names the model and its SHA-256 (${json.name})`);
    check(exported.spec.seed === 7 && exported.spec.images === 100 && exported.spec.data_sha256 === dataInfo.data_sha256, 'the JSON carries the spec: seed, images, the data\'s SHA-256');
    check(exported.exported?.engine === version, `the JSON carries the engine's version (${exported.exported?.engine} vs the CLI's ${version})`);
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
