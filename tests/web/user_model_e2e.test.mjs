// user_model_e2e.test.mjs - the user's own model in the built page (web/dist), in Debian's Chromium
// via playwright-core (issue 11): a small network generated for the tests (tests/golden's
// postact_a, 6 blocks) opened through the file input joins the picker as "your file", is parsed
// by a worker (the page instantiates no WebAssembly on its main thread), and every panel runs on
// it with exactly the CLI's numbers for that file (delete one, delete k, reorder, drop,
// ensemble, the lesion, its comparison with plain20); its exports name it and re-run with
// `unravel run`. A file dropped on the page opens too (with a visible drop target). Hostile files
// (truncated, not safetensors, sizes beyond the file) show the core's own message naming the
// file and change nothing; a file over the size cap is refused without being read. The model is
// still there after a reload, the link reopens it, removing it removes it for good, and a link
// to a file this browser does not keep says so and falls back. Screenshots of the picker and of an
// error at 1280 and 390 px go to UNRAVEL_WEB_OUT.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { check, report, distDir, outDir, goldenDir, cliJson, countOf, root, cliPath as cli, pageTestSetup } from './helpers.mjs';

const IMAGES = 100;
const SEED = 5;
const nativeRef = process.env.UNRAVEL_WEB_REF || path.join(root, 'build', 'tests', 'web', 'web_native_ref');
const { launch, dataInfo } = await pageTestSetup({ minImages: IMAGES });
const dataFile = path.join(distDir, 'data', dataInfo.file); // the very records the page evaluates

// The user's files, written where the CLI reads them (`run` finds NAME.safetensors in --models).
const userDir = path.join(outDir, 'user-models');
fs.mkdirSync(userDir, { recursive: true });
const TINY = 'tiny-resnet';
const tinyBytes = fs.readFileSync(path.join(goldenDir, 'postact_a.safetensors'));
const tinyFile = path.join(userDir, `${TINY}.safetensors`);
fs.writeFileSync(tinyFile, tinyBytes);
fs.copyFileSync(path.join(distDir, 'models', 'plain20.safetensors'), path.join(userDir, 'plain20.safetensors'));
const sha = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');
const tinySha = sha(tinyBytes);
const DROPPED = 'dropped-preact';
const droppedBytes = fs.readFileSync(path.join(goldenDir, 'preact_a.safetensors'));
const droppedSha = sha(droppedBytes);

// Hostile files, built as the fuzz seeds and tests/test_loader.c build them.
function safetensors(header, data) {
  const text = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([len, text, data]);
}
const tinyHeader = JSON.parse(tinyBytes.subarray(8, 8 + Number(tinyBytes.readBigUInt64LE(0))).toString('utf8'));
const hugeLength = Buffer.alloc(64);
hugeLength.writeBigUInt64LE(1n << 62n);
const hostile = [
  ['truncated.safetensors', tinyBytes.subarray(0, Math.floor(tinyBytes.length / 2)), 'a truncated file'],
  ['notes.txt', Buffer.from('These are my notes, not a model.\n'), 'a file that is not safetensors'],
  ['huge-header.safetensors', hugeLength, 'a header length of 2^62 bytes'],
  // The issue's 95 KB file: metadata declaring n = 87 and widths 880,984,1000 (billions of
  // parameters), with only the stem's weights in the file.
  ['huge-sizes.safetensors', safetensors({ __metadata__: { ...tinyHeader.__metadata__, 'unravel.blocks_per_stage': '87', 'unravel.widths': '880,984,1000' },
    'conv1.weight': { dtype: 'F32', shape: [880, 3, 3, 3], data_offsets: [0, 880 * 27 * 4] } }, Buffer.alloc(880 * 27 * 4, 0x3c)), 'metadata declaring sizes far beyond the file'],
];
/** The native loader's message for bytes under a file name (the name as the page gives it). */
function nativeMessage(name, bytes) {
  fs.writeFileSync(path.join(userDir, name), bytes);
  return JSON.parse(execFileSync(nativeRef, ['load', name], { cwd: userDir, encoding: 'utf8' })).message;
}

/** The CLI's summary for a spec the page shows (its data-spec), with the user's files as models. */
function cliRun(spec, label) {
  const file = path.join(outDir, `user_${label}.spec.json`);
  fs.writeFileSync(file, JSON.stringify(spec));
  return JSON.parse(execFileSync(cli, ['run', file, '--models', userDir, '--data', dataFile, '--any-data', '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 }));
}

const server = spawn(process.execPath, [path.join(root, 'web', 'serve.mjs'), path.dirname(distDir), '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((resolve, reject) => {
  server.stdout.on('data', (chunk) => {
    const m = /http:\/\/localhost:\d+\//.exec(String(chunk));
    if (m) resolve(`${m[0]}${path.basename(distDir)}/`);
  });
  server.on('exit', (code) => reject(new Error(`serve.mjs exited with ${code}`)));
});

const browser = await launch();
const pageErrors = [];
// Counts, on the page's main thread, every WebAssembly instantiation and every read of a Blob
// (a File's bytes): the engine must run only in workers, and an over-size file must not be read.
const watchMainThread = () => {
  const counts = { instances: 0, reads: 0 };
  globalThis.__unravelCounts = counts;
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const original = WebAssembly[name];
    WebAssembly[name] = function (...args) {
      counts.instances++;
      return original.apply(this, args);
    };
  }
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = function (...args) {
    counts.instances++;
    return new Instance(...args);
  };
  for (const name of ['arrayBuffer', 'text', 'stream', 'bytes']) {
    const original = Blob.prototype[name];
    if (!original) continue;
    Blob.prototype[name] = function (...args) {
      counts.reads++;
      return original.apply(this, args);
    };
  }
  for (const name of ['readAsArrayBuffer', 'readAsText', 'readAsDataURL', 'readAsBinaryString']) {
    const original = FileReader.prototype[name];
    FileReader.prototype[name] = function (...args) {
      counts.reads++;
      return original.apply(this, args);
    };
  }
};
const newContext = async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
  await context.addInitScript(watchMainThread);
  return context;
};
const newPage = async (context) => {
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return page;
};
const started = Date.now();
const phase = (what) => console.log(`${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`);
const ready = async (page) => {
  await page.waitForSelector('[data-testid=engine-note]:has-text("worker")', { timeout: 60000 });
  await page.waitForSelector('[data-testid=panel-delete-one]', { timeout: 60000 });
};
const selected = (page) => page.inputValue('#model-select');
const userOptions = (page) => page.locator('#model-select optgroup[label^="Your files"] option').evaluateAll((os) => os.map((o) => o.value));
const counts = (page) => page.evaluate(() => ({ ...globalThis.__unravelCounts }));

// What a panel shows: its spec and its table's rows (data attributes hold the core's values).
async function shown(page, label) {
  const status = page.locator(`[data-testid=status-${label}]`);
  const spec = JSON.parse(await status.getAttribute('data-spec'));
  const rows = await page.locator(`[data-testid=numbers-${label}]`).evaluate((el) =>
    [...el.querySelectorAll('[data-testid^=rows-] tbody tr')].map((tr) => ({ correct: Number(tr.dataset.correct), images: Number(tr.dataset.images) })));
  return { spec, rows };
}
function sameNumbers(label, page, summary) {
  const want = [summary.baseline, ...summary.rows];
  const bad = page.rows.findIndex((r, i) => r.correct !== want[i]?.correct || r.images !== want[i]?.images);
  check(page.rows.length === want.length && bad < 0, `${label}: ${page.rows.length} rows (with the baseline), every correct/images equal to the CLI's ${want.length}${bad < 0 ? '' : ` (row ${bad}: ${JSON.stringify(page.rows[bad])} vs ${JSON.stringify(want[bad])})`}`);
}
const runLive = async (page, label) => {
  await page.click(`[data-testid=run-${label}]`);
  await page.waitForSelector(`[data-testid=status-${label}][data-state=done][data-precomputed=false]`, { timeout: 300000 });
};
const fill = (page, testid, value) => page.fill(`[data-testid=${testid}]`, String(value));
const shot = async (page, name) => {
  await page.evaluate(() => scrollTo(0, 0));
  const box = await page.locator('[data-testid=panel-lesion] .open-model').boundingBox();
  const width = page.viewportSize().width;
  await page.screenshot({ path: path.join(outDir, name), clip: { x: 0, y: 0, width, height: Math.min(2000, Math.ceil((box?.y ?? 600) + (box?.height ?? 0) + 16)) } });
};
const openThroughInput = (page, name, buffer) => page.setInputFiles('[data-testid=open-model-input]', { name, mimeType: 'application/octet-stream', buffer });
const errorsShown = (page) => page.locator('[data-testid=open-error]').allTextContents();

try {
  const context = await newContext();
  const page = await newPage(context);
  await page.goto(`${base}#model=resnet20`);
  await ready(page);

  phase('privacy and the cap, said on the page');
  const privacy = await page.locator('[data-testid=privacy-note]').textContent();
  check(/opened in your browser only; nothing is uploaded anywhere/.test(privacy) && privacy.includes('64 MiB'), `near the picker: "${privacy}"`);

  phase('open through the file input');
  await openThroughInput(page, `${TINY}.safetensors`, tinyBytes);
  await page.waitForFunction((name) => document.querySelector('#model-select').value === name, TINY, { timeout: 60000 });
  const option = await page.locator(`#model-select option[value="${TINY}"]`).textContent();
  check(option === `${TINY} — 6 blocks (your file)`, `the picker lists it as your file ("${option}")`);
  const about = await page.locator('[data-testid=user-model-about]').textContent();
  check(about.includes(`${TINY}.safetensors`) && about.includes('post-activation ResNet, 6 blocks, shortcut A, widths 8/16/32, 43,634 parameters') && about.includes(tinySha.slice(0, 16)),
    `beside the picker, what its metadata says ("${about}")`);
  check(JSON.stringify(await userOptions(page)) === JSON.stringify([TINY]), 'it is in the picker\'s "Your files" group');
  await page.waitForSelector('[data-testid=diagram] .block[data-block="6"]', { timeout: 60000 });
  check(await page.locator('[data-testid=diagram] .block[data-block="7"]').count() === 0, 'the block diagram is the file\'s: 6 blocks');
  await page.waitForFunction((ref) => location.hash.includes(`model=${ref}`), `${TINY}~${tinySha.slice(0, 16)}`, { timeout: 10000 }).catch(() => {});
  check(page.url().includes(`model=${TINY}~${tinySha.slice(0, 16)}`), `the link names it with its SHA-256 (${page.url().split('#')[1]})`);
  check((await counts(page)).instances === 0, 'no WebAssembly was instantiated on the page\'s main thread: the worker parsed the file');
  const noPrecomputed = await page.locator('[data-testid=source-delete-one]').textContent();
  check(/Your file/.test(noPrecomputed) && /computed live/.test(noPrecomputed), `where the precomputed label would be: "${noPrecomputed}"`);

  // Nothing precomputed: the full network's accuracy is measured at once, as the CLI measures it.
  await page.waitForSelector('[data-testid=status-eval][data-state=done]', { timeout: 120000 });
  const evalSpec = JSON.parse(await page.locator('[data-testid=status-eval]').getAttribute('data-spec'));
  const evalCli = cliJson('eval', tinyFile, '--data', dataFile, '--limit', String(evalSpec.images));
  const evalShown = await shown(page, 'eval');
  check(evalSpec.model.name === TINY && evalSpec.model.sha256 === tinySha && evalShown.rows[0]?.correct === countOf(evalCli.accuracy, evalCli.images),
    `its full accuracy on ${evalSpec.images} images: ${evalShown.rows[0]?.correct} correct, the CLI ${countOf(evalCli.accuracy, evalCli.images)}`);
  await shot(page, 'user-model-picker-1280.png');

  phase('delete one on 100 images: the CLI\'s numbers for that file');
  await page.selectOption('#images-select', String(IMAGES));
  await runLive(page, 'delete-one');
  const deleteOne = await shown(page, 'delete-one');
  check(deleteOne.spec.model.name === TINY && deleteOne.spec.model.sha256 === tinySha && deleteOne.spec.images === IMAGES, `the sweep's spec names the file and its SHA-256 (${JSON.stringify(deleteOne.spec.model)})`);
  sameNumbers('delete-one', deleteOne, cliJson('sweep', 'delete-one', tinyFile, '--data', dataFile, '--limit', String(IMAGES)));

  phase('every other panel');
  await fill(page, 'delete-k-kmin', 1); await fill(page, 'delete-k-kmax', 2); await fill(page, 'delete-k-trials', 3); await fill(page, 'delete-k-seed', SEED);
  await runLive(page, 'delete-k');
  await fill(page, 'reorder-smin', 1); await fill(page, 'reorder-smax', 2); await fill(page, 'reorder-trials', 3); await fill(page, 'reorder-seed', SEED);
  await runLive(page, 'reorder');
  await fill(page, 'drop-probs', '0.2, 0.5'); await fill(page, 'drop-trials', 3); await fill(page, 'drop-seed', SEED);
  await runLive(page, 'drop');
  await page.selectOption('[data-testid=ensemble-prob]', '0.2'); // one of the drop panel's probabilities
  await fill(page, 'ensemble-trials', 2);
  await runLive(page, 'ensemble');
  for (const label of ['delete-k', 'reorder', 'drop', 'ensemble']) {
    const s = await shown(page, label);
    sameNumbers(`${label} ${JSON.stringify(s.spec.params)}`, s, cliRun(s.spec, label));
  }
  // The lesion, the test images and the paths.
  await page.click('.stage-blocks .block[data-block="2"]');
  await page.waitForSelector('[data-testid=status-lesion][data-state=done]', { timeout: 120000 });
  const lesionCli = cliJson('eval', tinyFile, '--delete', '2', '--data', dataFile, '--limit', String(IMAGES));
  const lesionCorrect = Number(await page.locator('[data-testid=accuracy]').getAttribute('data-correct'));
  check(lesionCorrect === countOf(lesionCli.accuracy, lesionCli.images), `block 2 deleted: ${lesionCorrect} correct, the CLI ${countOf(lesionCli.accuracy, lesionCli.images)}`);
  await page.waitForSelector('[data-testid=status-test-images][data-state=done]', { timeout: 120000 });
  check(await page.locator('[data-testid=thumbs] .thumb-cell').count() > 0, 'the test images panel shows its images');
  const pathsText = await page.locator('[data-testid=caption-paths]').textContent();
  check(pathsText.includes('2^6 = 64'), `paths: 2^6 paths ("${pathsText.slice(0, 80)}…")`);
  // Gradients, live (nothing precomputed for a user's file).
  const gradientsSource = await page.locator('[data-testid=source-gradients]').textContent();
  check(/Your file/.test(gradientsSource), `the gradients panel says nothing is precomputed ("${gradientsSource}")`);
  await fill(page, 'gradients-samples', 2);
  await page.click('[data-testid=run-gradients]');
  await page.waitForSelector('[data-testid=status-gradients][data-state=done]', { timeout: 120000 });
  const means = JSON.parse(await page.locator('[data-testid=status-gradients]').getAttribute('data-log10-means'));
  check(means.length === 7 && means.every((v) => v === null || Number.isFinite(v)), `gradient norms for path lengths 0-6 (${JSON.stringify(means)})`);

  phase('compared with a shipped network');
  await page.selectOption('#compare-select', 'plain20');
  await page.click('[data-testid=run-delete-one-compare]');
  await page.waitForSelector('[data-testid=status-delete-one][data-state=done][data-precomputed=false]', { timeout: 300000 });
  await page.waitForSelector('[data-testid=status-delete-one-compare][data-state=done][data-precomputed=false]', { timeout: 300000 });
  for (const label of ['delete-one', 'delete-one-compare']) {
    const s = await shown(page, label);
    sameNumbers(`${label} (${s.spec.model.name})`, s, cliRun(s.spec, label));
  }
  const series = JSON.parse(await page.locator('[data-testid=chart-delete-one]').getAttribute('data-series'));
  check(series.some((d) => d.label === `${TINY}: one block deleted` && d.values === 6) && series.some((d) => d.label === 'plain20: one block deleted' && d.values === 9),
    `the comparison draws both on one chart (${series.map((d) => `${d.label}: ${d.values}`).join('; ')})`);
  check(page.url().includes('compare=plain20'), 'the link keeps the comparison');

  phase('exports');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-json-delete-one]')]);
  const exported = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
  check(exported.spec.model.name === TINY && exported.spec.model.sha256 === tinySha && exported.exported?.model?.sha256 === tinySha && /your own file/.test(exported.exported?.model?.source ?? ''),
    `the JSON export names the file's network and its SHA-256, as for a shipped one (${download.suggestedFilename()}: ${JSON.stringify(exported.exported?.model)})`);
  const rerun = cliRun(exported.spec, 'export');
  check(JSON.stringify(rerun.rows) === JSON.stringify(exported.rows) && JSON.stringify(rerun.baseline) === JSON.stringify(exported.baseline), 'unravel run on the exported spec (the file saved as NAME.safetensors) gives the exported numbers');

  phase('hostile files after the good one');
  const before = await counts(page);
  for (const [name, bytes, what] of hostile) {
    await openThroughInput(page, name, bytes);
    await page.waitForSelector('[data-testid=open-error]', { timeout: 60000 });
    const errors = await errorsShown(page);
    const want = nativeMessage(name, bytes);
    check(errors.length === 1 && errors[0] === want && errors[0].startsWith(`${name}: `), `${what}: the core's message, naming the file\n    page:   ${errors[0]}\n    native: ${want}`);
    check(await selected(page) === TINY && JSON.stringify(await userOptions(page)) === JSON.stringify([TINY]), `${what}: the good file stays selected and alone in "Your files"`);
    if (name === 'truncated.safetensors') await shot(page, 'user-model-error-1280.png');
  }
  check(pageErrors.length === 0, `no uncaught error in the page (${pageErrors.join(' | ')})`);
  // Still usable: the good model computes a new lesion.
  await page.click('.stage-blocks .block[data-block="4"]');
  await page.waitForSelector('[data-testid=accuracy][data-state=done][data-deleted="2,4"]', { timeout: 120000 });
  const after = cliJson('eval', tinyFile, '--delete', '2,4', '--data', dataFile, '--limit', String(IMAGES));
  const afterCorrect = Number(await page.locator('[data-testid=accuracy]').getAttribute('data-correct'));
  check(afterCorrect === countOf(after.accuracy, after.images), `after the bad files, the good one still computes (blocks 2,4 deleted: ${afterCorrect} correct, the CLI ${countOf(after.accuracy, after.images)})`);

  phase('over the size cap: refused from its size, never read');
  const readsBefore = (await counts(page)).reads;
  await page.evaluate(() => {
    const big = new File([new Uint8Array(64 * 1024 * 1024 + 1)], 'big.safetensors');
    const transfer = new DataTransfer();
    transfer.items.add(big);
    const input = document.querySelector('[data-testid=open-model-input]');
    input.files = transfer.files;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await page.waitForSelector('[data-testid=open-error]:has-text("big.safetensors")', { timeout: 30000 });
  const bigError = (await errorsShown(page))[0];
  check(bigError.startsWith('big.safetensors: ') && bigError.includes('64 MiB') && /not read/.test(bigError), `over the cap: "${bigError}"`);
  check((await counts(page)).reads === readsBefore, `the over-size file was not read (${(await counts(page)).reads - readsBefore} reads)`);
  check(before.reads > 0, `(the counter sees reads: ${before.reads} by now)`);

  phase('drag and drop');
  await page.evaluate(([bytes, name]) => {
    const file = new File([new Uint8Array(bytes)], name);
    globalThis.__dropped = new DataTransfer();
    globalThis.__dropped.items.add(file);
    const fire = (type) => document.body.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: globalThis.__dropped }));
    fire('dragenter');
    fire('dragover');
  }, [[...droppedBytes], `${DROPPED}.safetensors`]);
  const overlay = page.locator('[data-testid=drop-overlay]');
  check(await overlay.isVisible() && /Drop a \.safetensors file/.test(await overlay.textContent()), 'a file dragged over the page shows the drop target');
  await page.screenshot({ path: path.join(outDir, 'user-model-drop-1280.png') });
  await page.evaluate(() => document.body.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: globalThis.__dropped })));
  await page.waitForFunction((name) => document.querySelector('#model-select').value === name, DROPPED, { timeout: 60000 });
  check(!(await overlay.count()), 'the drop target goes away after the drop');
  check(JSON.stringify(await userOptions(page)) === JSON.stringify([TINY, DROPPED]), `the dropped file joins the picker (${await userOptions(page)})`);
  check(await page.locator('[data-testid=open-error]').count() === 0, 'a good file clears the earlier errors');

  phase('the same file again');
  await openThroughInput(page, 'copy-of-tiny.safetensors', tinyBytes);
  await page.waitForFunction((name) => document.querySelector('#model-select').value === name, TINY, { timeout: 60000 });
  const duplicate = await page.locator('[data-testid=open-notes]').textContent();
  check(JSON.stringify(await userOptions(page)) === JSON.stringify([TINY, DROPPED]) && duplicate.includes(`already open as ${TINY}`), `opening the same file again (another name) adds no second entry ("${duplicate}")`);

  phase('screenshots at 390 px');
  await page.setViewportSize({ width: 390, height: 900 });
  await page.waitForTimeout(300);
  await shot(page, 'user-model-picker-390.png');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflow <= 0, `no horizontal scroll at 390 px with a user model (${overflow} px too wide)`);
  await openThroughInput(page, 'truncated.safetensors', hostile[0][1]);
  await page.waitForSelector('[data-testid=open-error]', { timeout: 60000 });
  await shot(page, 'user-model-error-390.png');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(page, 'user-model-error-390-dark.png');
  await page.emulateMedia({ colorScheme: 'light' });
  const overflowError = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  check(overflowError <= 0, `no horizontal scroll at 390 px with an error shown (${overflowError} px too wide)`);
  await page.setViewportSize({ width: 1280, height: 1000 });

  phase('persistence: reload');
  await page.selectOption('#model-select', DROPPED);
  await page.waitForFunction((ref) => location.hash.includes(`model=${ref}`), `${DROPPED}~${droppedSha.slice(0, 16)}`, { timeout: 10000 });
  // Its record as the page stored it before the count was named num_blocks (`blocks`): the
  // reload must still know its 9 blocks (the picker's label, and the link's deleted=9 checked
  // against them).
  const legacy = await page.evaluate((sha) => new Promise((resolve, reject) => {
    const open = indexedDB.open('unravel', 1);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction('user-models', 'readwrite');
      const store = tx.objectStore('user-models');
      const get = store.get(sha);
      get.onsuccess = () => {
        const { num_blocks: count, ...rest } = get.result;
        store.put({ ...rest, blocks: count });
      };
      tx.oncomplete = () => (open.result.close(), resolve(get.result.num_blocks));
      tx.onerror = () => reject(tx.error);
    };
  }), droppedSha);
  check(legacy === 9, `the page stores the dropped file's count as num_blocks (${legacy})`);
  await page.evaluate(() => { location.hash += '&deleted=9'; });
  await page.waitForFunction(() => location.hash.includes('deleted=9'), null, { timeout: 10000 });
  await page.reload();
  await ready(page);
  await page.waitForFunction((name) => document.querySelector('#model-select').value === name, DROPPED, { timeout: 60000 }).catch(() => {});
  check(JSON.stringify(await userOptions(page)) === JSON.stringify([TINY, DROPPED]), `after a reload both files are in the picker (${await userOptions(page)})`);
  check(await selected(page) === DROPPED, `the link reopens the selected file from storage (${await selected(page)})`);
  check(await page.locator('[data-testid=link-problems]').count() === 0, `with no complaint about the link, deleted=9 included (${await page.locator('[data-testid=link-problems]').allTextContents()})`);
  const label = await page.locator(`#model-select option[value="${DROPPED}"]`).textContent();
  check(label.startsWith(`${DROPPED} — 9 blocks`), `a record stored with the old key still says 9 blocks ("${label}")`);
  await page.waitForSelector('[data-testid=diagram] .block[data-block="6"]', { timeout: 60000 });

  phase('remove');
  await page.selectOption('#model-select', TINY);
  await page.waitForSelector(`[data-testid=remove-model]:has-text("${TINY}")`, { timeout: 60000 });
  await page.click('[data-testid=remove-model]');
  await page.waitForFunction(() => document.querySelector('#model-select').value === 'resnet20', null, { timeout: 60000 });
  check(JSON.stringify(await userOptions(page)) === JSON.stringify([DROPPED]), `removed: gone from the picker (${await userOptions(page)}), the page shows resnet20`);
  check(page.url().includes('model=resnet20'), `the link follows (${page.url().split('#')[1]})`);
  await page.reload();
  await ready(page);
  check(JSON.stringify(await userOptions(page)) === JSON.stringify([DROPPED]), `after a reload it is still gone (${await userOptions(page)})`);

  phase('a link to a file this browser does not keep');
  const ghost = `${TINY}~${tinySha.slice(0, 16)}`;
  await page.goto(`${base}#model=${ghost}&deleted=2`);
  await page.reload(); // a new hash on the same document is a hashchange; a reload reads it fresh
  await ready(page);
  const problems = await page.locator('[data-testid=link-problems] li').allTextContents();
  const line = problems.find((p) => p.startsWith(`model=${ghost}`)) ?? '';
  check(line.includes(TINY) && /not kept in this browser/.test(line) && /showing resnet20/.test(line), `a one-line message names the missing file ("${line}")`);
  check(await selected(page) === 'resnet20', 'and the page falls back to the default network');
  await page.close();
  await context.close();

  const fresh = await newContext();
  const other = await newPage(fresh);
  await other.goto(`${base}#model=someone-else~0123456789abcdef`);
  await ready(other);
  const otherLine = (await other.locator('[data-testid=link-problems] li').allTextContents()).join(' ');
  check(otherLine.includes('someone-else') && await selected(other) === 'resnet20', `in another browser: "${otherLine}"`);
  check(JSON.stringify(await userOptions(other)) === '[]', 'another browser has none of these files');
  await other.close();
  await fresh.close();
  check(pageErrors.length === 0, `no uncaught error in any page (${pageErrors.join(' | ')})`);
} finally {
  await browser.close();
  server.kill();
}
console.log(`screenshots: ${outDir}/user-model-*.png`);
report('web_user_model_e2e');
