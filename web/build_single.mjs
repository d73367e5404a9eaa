// build_single.mjs - the lab as one HTML file a teacher can download and open with a double
// click, offline: the page, its styles, the worker, the engine (the flavour the browser can run
// is chosen at start), the chosen models, the precomputed results and the test images, inlined
// (binary files as base64; web/src/inlineFiles.js serves them to the page).
//
//   node web/build_single.mjs [--dist web/dist] [--out web/dist-single/unravel.html] [--models resnet20,plain20,resnet110]
//
// Build web/dist first (make web); `make single` does both.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const opts = { dist: path.join(here, 'dist'), out: path.join(here, 'dist-single', 'unravel.html'), models: 'resnet20,plain20,resnet110' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const key = argv[i].replace(/^--/, '');
  if (!(key in opts) || argv[i + 1] === undefined) {
    console.error(`web/build_single.mjs: unknown option or missing value: ${argv[i]} (see the comment at its top)`);
    process.exit(2);
  }
  opts[key] = argv[i + 1];
}

function read(rel) {
  const file = path.join(opts.dist, rel);
  if (!fs.existsSync(file)) {
    console.error(`web/build_single.mjs: ${file} is missing: build the page first (make web)`);
    process.exit(1);
  }
  return fs.readFileSync(file);
}

const files = {};
const add = (rel, bytes = read(rel)) => (files[rel] = Buffer.from(bytes).toString('base64'));

const manifest = JSON.parse(read('models/manifest.json'));
const wanted = opts.models.split(',').filter(Boolean);
const models = manifest.models.filter((m) => wanted.includes(m.name));
const missing = wanted.filter((w) => !models.some((m) => m.name === w));
if (missing.length) {
  console.error(`web/build_single.mjs: ${missing.join(', ')} not in ${opts.dist}/models/manifest.json`);
  process.exit(1);
}
// A comparison partner that is not shipped is no default.
const shipped = models.map((m) => ({ ...m, compare: models.some((o) => o.name === m.compare) ? m.compare : undefined }));
add('models/manifest.json', JSON.stringify({ ...manifest, models: shipped }));
for (const m of shipped) {
  add(`models/${m.file}`);
  for (const f of m.precomputed_files ?? []) add(f);
}
const data = JSON.parse(read('data/data.json'));
add('data/data.json');
if (data.images) add(`data/${data.file}`);
// The worker as one classic script with both engine factories in it (see inlineFiles.js).
read('wasm/unravel.mjs');
const worker = await esbuild.build({
  stdin: {
    contents: `import plain from './unravel.mjs';\nimport simd from './unravel_simd.mjs';\nimport ${JSON.stringify(path.join(here, '..', 'wasm', 'worker.js'))};\nglobalThis.UNRAVEL_FACTORIES = { 'unravel.mjs': plain, 'unravel_simd.mjs': simd };\n`,
    resolveDir: path.join(opts.dist, 'wasm'), sourcefile: 'worker-single.js',
  },
  bundle: true, format: 'iife', target: 'es2020', minify: true, write: false, logLevel: 'error',
  // The factories locate their .wasm from their own URL; they are given the bytes, so any URL does.
  define: { 'import.meta.url': '"https://unravel.invalid/wasm/"' },
  external: ['fs', 'path', 'crypto', 'url', 'module', 'worker_threads', 'node:*'],
});
add('worker-single.js', worker.outputFiles[0].contents);
for (const f of ['unravel.wasm', 'unravel_simd.wasm']) add(`wasm/${f}`);

// Inline scripts must not close their own element.
const script = (code) => String(code).replace(/<\/script/gi, '<\\/script').replace(/\/\/# sourceMappingURL=\S+/g, '');
let html = read('index.html').toString('utf8');
const replaceOnce = (from, to) => {
  if (!html.includes(from)) {
    console.error(`web/build_single.mjs: index.html has no ${from}`);
    process.exit(1);
  }
  html = html.replace(from, () => to);
};
replaceOnce('<link rel="stylesheet" href="./styles.css" />', `<style>\n${read('styles.css')}\n</style>`);
replaceOnce('<script src="./boot.js"></script>', `<script>\n${script(read('boot.js'))}\n</script>`);
replaceOnce('<script type="module" src="./app.js"></script>',
  `<script>globalThis.UNRAVEL_FILES = ${JSON.stringify(files)};</script>\n<script type="module">\n${script(read('app.js'))}\n</script>`);
replaceOnce('<script nomodule src="./boot-old.js"></script>', `<script nomodule>\n${script(read('boot-old.js'))}\n</script>`);
fs.mkdirSync(path.dirname(opts.out), { recursive: true });
fs.writeFileSync(opts.out, html);
console.log(`${path.relative(process.cwd(), opts.out)}: ${(html.length / 1e6).toFixed(1)} MB, models ${shipped.map((m) => m.name).join(', ')}, ${data.images || 0} test images; opens from file:// offline`);
