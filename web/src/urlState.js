// urlState.js - the lab's whole state in the URL hash, so that a link reproduces what is on
// screen: the network and the one it is compared with, the lesion (deleted blocks, order), the
// number of live images, each panel's settings (a spec's params, seed and images), which panels
// show, and embed mode. Blocks are 1-based, as in specs and the CLI.
//
//   #model=resnet20&compare=plain20&deleted=3,8&order=1,3,2,4,5,6,7,8,9&images=100
//    &delete-k=k:1-5,trials:3,eligible:paper,seed:7&drop=p:0.1;0.5,rule:linear,trials:2,seed:1
//    &show=lesion,delete-one&embed=1
//
// parseHash never throws: a value it cannot use is left out and named in `problems` (one line
// each, for the page to show), and the default is used instead. Today's links
// (`#model=resnet20&deleted=4`) are a subset of this format.
//
// A network the user opened from their own file is named with its SHA-256 (first 16 hex digits),
// `#model=my-net~3f2a9c1b7d0e4f5a`, so that a link opens it again wherever the browser has kept
// that very file, and says which file it needs where it has not.

/** Panels a link can show or hide, in page order. */
export const PANELS = ['lesion', 'delete-one', 'delete-k', 'reorder', 'drop', 'gradients', 'paths', 'test-images', 'explanation'];

/** Experiment kinds whose settings a link carries (the panels with settings). */
export const SETTING_KINDS = ['delete-k', 'reorder', 'drop', 'ensemble'];

const MAX_SEED = 2 ** 53 - 1;

// One field of a panel's settings: its name in the link, where it goes, and how it is read and
// written. read returns the value or throws an Error saying what is wrong.
const int = (lo, hi) => (text) => {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < lo || n > hi) throw new Error(`a whole number from ${lo} to ${hi}`);
  return n;
};
const range = (lo, hi) => (text) => {
  const m = /^(\d+)-(\d+)$/.exec(text) ?? /^(\d+)$/.exec(text);
  const a = Number(m?.[1]);
  const b = Number(m?.[2] ?? m?.[1]);
  if (!m || a < lo || b > hi || a > b) throw new Error(`a range like 1-5 within ${lo}-${hi}`);
  return [a, b];
};
const list = (read) => (text) => text.split(';').map(read);
const prob = (text) => {
  const p = Number(text);
  if (text === '' || !Number.isFinite(p) || p < 0 || p > 1) throw new Error('probabilities from 0 to 1');
  return p;
};
const oneOf = (...choices) => (text) => {
  if (!choices.includes(text)) throw new Error(`one of ${choices.join(', ')}`);
  return text;
};
const showRange = ([a, b]) => (a === b ? `${a}` : `${a}-${b}`);

// Field limits: the page's own controls' (trials up to 500), the engine's (sizes up to 64).
const FIELDS = {
  'delete-k': [['k', 'k', range(1, 1000), showRange], ['trials', 'trials', int(1, 500)], ['eligible', 'eligible', oneOf('paper', 'all')]],
  reorder: [['swaps', 'swaps', range(1, 10000), showRange], ['trials', 'trials', int(1, 500)]],
  drop: [['p', 'probs', list(prob), (v) => v.join(';')], ['rule', 'rule', oneOf('uniform', 'linear')], ['trials', 'trials', int(1, 500)]],
  ensemble: [['p', 'prob', prob], ['rule', 'rule', oneOf('uniform', 'linear')], ['sizes', 'sizes', list(int(1, 64)), (v) => v.join(';')], ['trials', 'trials', int(1, 100)]],
};

/** "k:1-5,trials:3,eligible:paper,seed:7" for a panel's settings {params, seed, images}. */
export function writeSettings(kind, { params, seed, images }, globalImages) {
  const parts = [];
  for (const [name, key, , show = String] of FIELDS[kind]) if (params[key] !== undefined) parts.push(`${name}:${show(params[key])}`);
  if (seed !== undefined) parts.push(`seed:${seed}`);
  if (images !== undefined && images !== globalImages) parts.push(`images:${images}`);
  return parts.join(',');
}

/** {params, seed, images?} from writeSettings' text; throws an Error naming the bad field. */
export function readSettings(kind, text, maxImages) {
  const params = {};
  const out = { params, seed: 1 };
  for (const part of text.split(',').filter(Boolean)) {
    const at = part.indexOf(':');
    const name = at < 0 ? part : part.slice(0, at);
    const value = at < 0 ? '' : part.slice(at + 1);
    try {
      if (name === 'seed') out.seed = int(0, MAX_SEED)(value);
      else if (name === 'images') out.images = int(1, maxImages)(value);
      else {
        const field = FIELDS[kind].find(([n]) => n === name);
        if (!field) throw new Error(`not a setting of this panel (${FIELDS[kind].map(([n]) => n).concat('seed', 'images').join(', ')})`);
        params[field[1]] = field[2](value);
      }
    } catch (e) {
      throw new Error(`${name}${at < 0 ? '' : `:${value}`}: ${e.message}`);
    }
  }
  return out;
}

/** How a link names a network: its name, or name~SHA-256 prefix for the user's own files. */
export const modelRef = (entry) => (entry?.user ? `${entry.name}~${entry.sha256.slice(0, 16)}` : entry?.name ?? null);

// {name, sha} of a link's name~sha reference, or null for a plain name.
function userRef(value) {
  const m = /^(.*)~([0-9a-f]{8,64})$/.exec(value);
  return m ? { name: m[1], sha: m[2] } : null;
}

// The network a link's value names, or a reason why none: a user's file is found by its SHA-256.
function findModel(models, value) {
  const ref = userRef(value);
  if (ref) {
    const found = models.find((m) => m.user && m.sha256.startsWith(ref.sha));
    return found ? { found } : { why: `${ref.name || 'this network'} is someone's own model file (SHA-256 ${ref.sha}…), not kept in this browser; open that file here to use the link` };
  }
  const found = models.find((m) => m.name === value);
  return found ? { found } : { why: `no network of that name in this build (${models.filter((m) => !m.user).map((m) => m.name).join(', ')})` };
}

const blockList = (text) => text.split(',').filter((s) => s !== '').map((s) => (/^\d+$/.test(s) ? Number(s) : NaN));

/**
 * The state a hash asks for, checked against the build's models (manifest entries: name, num_blocks)
 * and the number of test images it ships. Returns {state, problems}; state holds only what the
 * hash gave validly (null or absent: the page's default).
 */
export function parseHash(hash, { models, maxImages }) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const problems = [];
  const bad = (key, value, why, fallback) => problems.push(`${key}=${value}: ${why}; ${fallback}.`);
  const state = { model: null, compare: undefined, deleted: [], order: null, images: null, settings: {}, show: null, embed: false };

  const wanted = params.get('model');
  const fallbackModel = models.find((m) => m.name === 'resnet20') ?? models[0];
  let model = fallbackModel;
  if (wanted !== null) {
    const { found, why } = findModel(models, wanted);
    if (found) model = state.model = found;
    else bad('model', wanted, why, `showing ${fallbackModel?.name}`);
  }
  const L = model?.num_blocks ?? 0;

  if (params.has('compare')) {
    const c = params.get('compare');
    const { found, why } = c === '' ? {} : findModel(models, c);
    if (c === '') state.compare = null;
    else if (!found) bad('compare', c, why, 'comparing with its usual partner');
    else if (found === model) bad('compare', c, 'the same network as model', 'comparing with its usual partner');
    else state.compare = found.name;
  }

  if (params.has('deleted')) {
    const text = params.get('deleted');
    const blocks = blockList(text);
    if (blocks.some((b) => !Number.isInteger(b) || b < 1 || b > L)) bad('deleted', text, `${model.name} has blocks 1 to ${L}`, 'deleting none');
    else state.deleted = [...new Set(blocks)].sort((a, b) => a - b);
  }

  if (params.has('order')) {
    const text = params.get('order');
    const order = blockList(text);
    const permutation = order.length === L && [...order].sort((a, b) => a - b).every((b, i) => b === i + 1);
    if (!permutation) bad('order', text, `not an order of ${model.name}'s blocks 1 to ${L}, each once`, 'using the usual order');
    else if (order.some((b, i) => b !== i + 1)) state.order = order;
  }

  if (params.has('images')) {
    const text = params.get('images');
    try {
      state.images = int(1, Math.max(1, maxImages))(text);
    } catch (e) {
      bad('images', text, `live runs take ${e.message} (the images this build ships)`, 'using the default');
    }
  }

  for (const kind of SETTING_KINDS) {
    if (!params.has(kind)) continue;
    try {
      state.settings[kind] = readSettings(kind, params.get(kind), Math.max(1, maxImages));
    } catch (e) {
      bad(kind, params.get(kind), e.message, 'the panel shows its default');
    }
  }

  if (params.has('show')) {
    const names = params.get('show').split(',').filter(Boolean);
    const unknown = names.filter((n) => !PANELS.includes(n));
    if (unknown.length) bad('show', params.get('show'), `no panel named ${unknown.join(', ')} (panels: ${PANELS.join(', ')})`, 'ignoring those');
    state.show = names.filter((n) => PANELS.includes(n));
  }

  if (params.has('embed')) {
    const e = params.get('embed');
    if (e === '1' || e === '0') state.embed = e === '1';
    else bad('embed', e, 'embed takes 1 or 0', 'showing the full page');
  }

  const known = new Set(['model', 'compare', 'deleted', 'order', 'images', 'show', 'embed', ...SETTING_KINDS]);
  for (const key of new Set(params.keys())) if (!known.has(key)) bad(key, params.get(key), 'not something a link can set', 'ignored');
  return { state, problems };
}

// Values keep , : ; - . readable; anything else is percent-encoded.
const encode = (value) => encodeURIComponent(value).replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%3B/g, ';');

/** The hash of a state (the inverse of parseHash); defaults are left out. */
export function writeHash({ model, compare, defaultCompare, deleted = [], order = null, images, defaultImages, settings = {}, show = null, embed = false }) {
  const parts = [['model', model]];
  if (compare !== defaultCompare) parts.push(['compare', compare ?? '']);
  if (deleted.length) parts.push(['deleted', deleted.join(',')]);
  if (order) parts.push(['order', order.join(',')]);
  if (images !== defaultImages) parts.push(['images', String(images)]);
  for (const kind of SETTING_KINDS) if (settings[kind]) parts.push([kind, writeSettings(kind, settings[kind], images)]);
  if (show) parts.push(['show', show.join(',')]);
  if (embed) parts.push(['embed', '1']);
  return `#${parts.map(([k, v]) => `${k}=${encode(v)}`).join('&')}`;
}
