// exports.js - what a panel downloads: its chart as PNG, its numbers as CSV, and as JSON the
// whole summary the core wrote (canonical spec, baseline, rows, groups) with what reproduces it:
// the model's name and SHA-256 and the test data's (both in the spec), seed and images (spec),
// the engine's version (UNRAVEL_VERSION, as the WebAssembly module reports it), where the
// numbers come from. `unravel run` re-runs the spec: the "spec" download is that file as it
// is, or take the JSON's "spec" member. A network the user opened from their own file is
// exported the same way, and the export says which file it was.
import { userFileOf } from './userModels.js';

// The engine's version (asked of the workers' module) and the data source, set once the lab has opened.
let context = { engineVersion: null, dataSource: null };
export const setExportContext = (c) => (context = c);
export const exportContext = () => context;

/** Start a download of text or a Blob under a file name. */
export function download(name, content, type = 'application/json') {
  const blob = content instanceof Blob ? content : new Blob([content], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** A file name for a spec: model-kind-Nimg-seedS. */
export function exportName(spec) {
  return `unravel-${spec.model.name}-${spec.kind}-${spec.images}img${spec.seed !== undefined ? `-seed${spec.seed}` : ''}`;
}

/** The JSON export: the core's summary, plus how it was made. */
export function exportJson(state, { engineVersion, dataSource }) {
  const { summary } = state;
  const { name, sha256 } = summary.spec.model;
  const userFile = userFileOf(summary.spec);
  return {
    ...summary,
    exported: {
      by: 'Unravel lab (web)',
      model: { name, sha256, file: userFile ?? `${name}.safetensors`, source: userFile ? 'your own file, opened in the browser (not shipped with the lab)' : 'shipped with the lab (models/)' },
      engine_version: engineVersion ?? null,
      computed: state.precomputed ? `precomputed by the native CLI (${state.precomputed.computedWith ?? 'unravel'})` : 'live, in the browser',
      data_source: state.precomputed ? state.precomputed.source : dataSource ?? null,
      images_done: state.imagesDone ?? summary.baseline.images,
      complete: state.status === 'done',
      page: typeof location === 'object' ? location.href : null,
      rerun: userFile
        ? `save the "spec" member as spec.json and your file as DIR/${name}.safetensors, then: unravel run spec.json --models DIR --json`
        : 'save the "spec" member as spec.json, then: unravel run spec.json --json',
    },
  };
}

const csvCell = (v) => {
  if (v === undefined || v === null) return '';
  const text = Array.isArray(v) ? v.join(' ') : String(v);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** The rows as CSV, the unmodified network first (row "baseline"). */
export function exportCsv(summary) {
  const fields = ['deleted', 'order', 'tau', 'k', 'swaps', 'prob', 'size', 'trial'].filter((f) => summary.rows.some((r) => r[f] !== undefined));
  const header = ['row', ...fields, 'images', 'correct', 'accuracy', 'wilson95_low', 'wilson95_high'];
  const line = (name, r) => [name, ...fields.map((f) => r[f]), r.images, r.correct, r.accuracy, r.wilson95?.[0], r.wilson95?.[1]].map(csvCell).join(',');
  return [header.join(','), line('baseline', summary.baseline), ...summary.rows.map((r, i) => line(String(i + 1), r))].join('\n') + '\n';
}

/** A chart's canvas as a PNG Blob, on the page's background colour (not transparent). */
export function chartPng(canvas) {
  const out = document.createElement('canvas');
  out.width = canvas.width;
  out.height = canvas.height;
  const ctx = out.getContext('2d');
  ctx.fillStyle = getComputedStyle(canvas.closest('.panel') ?? document.body).backgroundColor || '#ffffff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(canvas, 0, 0);
  return new Promise((resolve) => out.toBlob(resolve, 'image/png'));
}
