// userModels.js - networks the user opens from their own .safetensors files: the size cap checked
// before a file is read, the name a file gets in the picker, and the browser's storage
// (IndexedDB) that keeps them for the next visit. Nothing here parses a model: the bytes go to a
// worker (lab.openFile -> pool.load), where the core checks them.

/** The largest file the page opens. The largest network the engine loads at the usual widths
 * (3 x 128 blocks of 16/32/64 channels, float32) is about 50 MB; resnet110 is 3.5 MB. */
export const MAX_MODEL_BYTES = 64 * 1024 * 1024;
export const MAX_MODEL_TEXT = '64 MiB';

const mib = (n) => `${(n / (1024 * 1024)).toFixed(1)} MiB`;
const bytes = (n) => `${n.toLocaleString('en-US')} bytes`;

/** Why a file is refused before it is read (its size), or null. */
export function refuseFile(file) {
  if (file.size > MAX_MODEL_BYTES) {
    return `${file.name}: ${mib(file.size)} (${bytes(file.size)}) is over the ${MAX_MODEL_TEXT} (${bytes(MAX_MODEL_BYTES)}) this page opens; the largest network the engine loads needs about 50 MB. The file was not read.`;
  }
  return null;
}

/**
 * The name a file's network gets (in the picker, the link, specs and exports): the file name
 * without .safetensors, in characters that are safe in a file name and a link (the CLI's `run`
 * reads NAME.safetensors), made unique among the names taken.
 */
export function nameFromFile(fileName, taken) {
  const stem = String(fileName).replace(/\.safetensors$/i, '');
  const base = stem.replace(/[^A-Za-z0-9._+-]+/g, '-').replace(/^[.-]+/, '').slice(0, 48).replace(/[.-]+$/, '') || 'model';
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  return name;
}

/** What the file's metadata says the network is, from the core's info (shown beside the picker). */
export function describeInfo(info) {
  const kind = info.skip ? `${info.block === 'preact' ? 'pre' : 'post'}-activation ResNet` : `plain ${info.block === 'preact' ? 'pre' : 'post'}-activation network`;
  return `${kind}, ${info.num_blocks} blocks, shortcut ${info.shortcut}, widths ${info.widths.join('/')}, ${info.params.toLocaleString('en-US')} parameters`;
}

// The SHA-256s of the user's models this visit, and their file names: RunStatus and the exports
// say "your file" for them (a spec carries the model's name and SHA-256 only).
const userFiles = new Map();
export const noteUserModel = (sha256, fileName) => userFiles.set(sha256, fileName);
export const forgetUserModel = (sha256) => userFiles.delete(sha256);
/** The file a spec's model was opened from, when it is one of the user's, else null. */
export const userFileOf = (spec) => userFiles.get(spec?.model?.sha256) ?? null;

// ---- storage: IndexedDB, one record per file, keyed by its SHA-256 -----------------------------
// {sha256, name, fileName, bytes (ArrayBuffer), num_blocks, about, added}

const DB_NAME = 'unravel';
const STORE = 'user-models';

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

let opening = null;
function database() {
  if (typeof indexedDB === 'undefined') return Promise.reject(new Error('this browser offers no IndexedDB storage here'));
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'sha256' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
    req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab of this page'));
  });
  opening.catch(() => (opening = null));
  return opening;
}

async function transaction(mode, fn) {
  const db = await database();
  const tx = db.transaction(STORE, mode);
  // Written (or read) only once the transaction completes: a put can still abort (quota).
  const done = new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction was aborted (storage full?)'));
  });
  const [result] = await Promise.all([request(fn(tx.objectStore(STORE))), done]);
  return result;
}

// Records stored before the count took the C API's name (num_blocks) call it `blocks`.
const renamedCount = ({ blocks, ...r }) => (r.num_blocks === undefined && Number.isInteger(blocks) ? { ...r, num_blocks: blocks } : r);

/** The stored records, oldest first; {records, problem} (problem: why storage is unusable). */
export async function storedModels() {
  try {
    // The lab waits for this at start: a storage that never answers must not keep it waiting.
    const late = new Promise((_, reject) => setTimeout(() => reject(new Error('the browser\'s storage did not answer within 5 s')), 5000));
    const records = await Promise.race([transaction('readonly', (store) => store.getAll()), late]);
    const kept = records.filter((r) => r?.bytes instanceof ArrayBuffer && /^[0-9a-f]{64}$/.test(r.sha256)).sort((a, b) => a.added - b.added);
    return { records: kept.map(renamedCount), problem: null };
  } catch (e) {
    return { records: [], problem: e?.message ?? String(e) };
  }
}

export const storeModel = (record) => transaction('readwrite', (store) => store.put(record));
export const deleteStoredModel = (sha256) => transaction('readwrite', (store) => store.delete(sha256));
