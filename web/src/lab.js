// lab.js - the one module of the page that talks to the engine: it fetches the build's models
// and test images and runs experiments on the worker pool (the UI thread never runs the engine).
import { webAssemblySupported, describePlan, planListDeleting } from '../../wasm/engine.js';
import { createPool, defaultPoolSize, CancelledError } from '../../wasm/pool.js';

export { CancelledError, webAssemblySupported };

const base = new URL('./', import.meta.url);

async function fetchOk(relative, what) {
  let response;
  try {
    response = await fetch(new URL(relative, base));
  } catch (e) {
    throw new Error(`${what} (${relative}) could not be fetched: ${e.message}`);
  }
  if (!response.ok) throw new Error(`${what} (${relative}) answered HTTP ${response.status}.`);
  return response;
}

/** The models this build ships (dist/models/manifest.json). */
export async function loadManifest() {
  const manifest = await (await fetchOk('models/manifest.json', 'The list of models')).json();
  return manifest.models ?? [];
}

/** The test images this build ships: {records, images, source} or {images: 0, reason}. */
export async function loadTestImages() {
  const info = await (await fetchOk('data/data.json', 'The description of the test images')).json();
  if (!info.images) return { images: 0, reason: info.reason };
  const bytes = new Uint8Array(await (await fetchOk(`data/${info.file}`, 'The test images file')).arrayBuffer());
  return { records: bytes, images: info.images, source: info.source };
}

// ?engine=plain or ?engine=simd overrides feature detection (to try the fallback build).
function forcedFlavour() {
  const wanted = new URLSearchParams(location.search).get('engine');
  return wanted === 'plain' ? false : wanted === 'simd' ? true : undefined;
}

/** One loaded model: a worker pool with the model in every worker. */
export class ModelSession {
  static async open(entry, onFailure) {
    const bytes = new Uint8Array(await (await fetchOk(`models/${entry.file}`, 'the model file')).arrayBuffer());
    const pool = await createPool({
      size: defaultPoolSize(8),
      workerUrl: new URL('./worker.js', base),
      moduleBase: new URL('./wasm/', base),
      model: { bytes, name: entry.file },
      simd: forcedFlavour(),
      onFailure,
    });
    return new ModelSession(entry, pool);
  }

  constructor(entry, pool) {
    this.entry = entry;
    this.pool = pool;
    this.info = pool.info;
    this.deleteOnePlans = null;
  }

  /** Accuracy of the full network and, if blocks (0-based) are deleted, of the lesioned one. */
  async evaluate(deleted, records, count, onProgress) {
    const plans = planListDeleting(this.info.num_blocks, deleted.length ? [deleted] : []);
    const shape = (r) => ({ imagesDone: r.imagesDone, imagesTotal: r.imagesTotal, baseline: r.baseline, lesioned: r.tallies[0] ?? null });
    const result = await this.pool.run({ plans, records, count, onProgress: (p) => onProgress(shape(p)) });
    return shape(result);
  }

  /** Delete each block in turn; results carry the 0-based deleted block of every bar. */
  async sweepDeleteOne(records, count, onProgress) {
    this.deleteOnePlans ??= await this.pool.plans({ kind: 'delete-one' });
    const plans = this.deleteOnePlans;
    const deletedOf = Array.from({ length: plans.count }, (_, i) => describePlan(plans, i).deleted);
    const shape = (r) => ({
      imagesDone: r.imagesDone,
      imagesTotal: r.imagesTotal,
      baseline: r.baseline,
      results: r.tallies.map((t, i) => ({ deleted: deletedOf[i], tally: t })),
    });
    const result = await this.pool.run({ plans, records, count, onProgress: (p) => onProgress(shape(p)) });
    return shape(result);
  }

  cancel() {
    this.pool.cancel();
  }

  close() {
    this.pool.terminate();
  }
}
