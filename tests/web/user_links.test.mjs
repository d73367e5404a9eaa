// user_links.test.mjs - the pure parts of the user's own model (node, no browser): the name a file
// gets (safe for a link and for the CLI's NAME.safetensors, unique), the size cap checked from
// File.size, and links that name a user's file by its SHA-256 (web/src/urlState.js): found
// wherever the browser keeps that file, named in a one-line problem where it does not.
import { parseHash, writeHash, modelRef } from '../../web/src/urlState.js';
import { nameFromFile, refuseFile, MAX_MODEL_BYTES } from '../../web/src/userModels.js';
import { check, report } from './helpers.mjs';

// ---- names ------------------------------------------------------------------------------------
const none = new Set();
const cases = [
  ['tiny-resnet.safetensors', 'tiny-resnet'],
  ['My Net (v2).SAFETENSORS', 'My-Net-v2'],
  ['..hidden.safetensors', 'hidden'],
  ['../../etc/passwd', 'etc-passwd'],
  ['été.safetensors', 't'],
  ['.safetensors', 'model'],
  ['\u001b[2J.safetensors', '2J'],
];
for (const [file, want] of cases) {
  const got = nameFromFile(file, none);
  check(got === want, `nameFromFile(${JSON.stringify(file)}) = ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  check(/^[A-Za-z0-9_+][A-Za-z0-9._+-]*$/.test(got) && got.length <= 48, `${JSON.stringify(got)} is a plain file name (no slash, no leading dot, no control character)`);
}
check(nameFromFile('x'.repeat(200), none).length === 48, 'a long file name is cut to 48 characters');
const taken = new Set(['resnet20', 'resnet20-2']);
check(nameFromFile('resnet20.safetensors', taken) === 'resnet20-3', `a taken name gets a number (${nameFromFile('resnet20.safetensors', taken)})`);

// ---- the size cap, from File.size alone -------------------------------------------------------
const refusal = refuseFile({ name: 'big.safetensors', size: MAX_MODEL_BYTES + 1 });
check(refusal?.startsWith('big.safetensors: ') && refusal.includes('64 MiB') && /not read/.test(refusal), `over the cap: "${refusal}"`);
check(refuseFile({ name: 'ok.safetensors', size: MAX_MODEL_BYTES }) === null, 'a file of exactly the cap is opened');

// ---- links ------------------------------------------------------------------------------------
const sha = 'ab'.repeat(32);
const shipped = [{ name: 'resnet20', num_blocks: 9, compare: 'plain20' }, { name: 'plain20', num_blocks: 9 }];
const mine = { name: 'tiny', num_blocks: 6, user: true, sha256: sha };
const models = [...shipped, mine];
check(modelRef(shipped[0]) === 'resnet20' && modelRef(mine) === `tiny~${sha.slice(0, 16)}`, `modelRef: ${modelRef(shipped[0])}, ${modelRef(mine)}`);

const hash = writeHash({ model: modelRef(mine), compare: 'plain20', defaultCompare: null, deleted: [2, 6], images: 100, defaultImages: 1000 });
check(hash === `#model=tiny~${sha.slice(0, 16)}&compare=plain20&deleted=2,6&images=100`, `the hash of a user's model: ${hash}`);
const back = parseHash(hash, { models, maxImages: 1000 });
check(back.problems.length === 0 && back.state.model === mine && back.state.compare === 'plain20' && back.state.deleted.join() === '2,6',
  `it reads back where the browser keeps the file (${JSON.stringify(back.problems)})`);

// Another browser: the file is not kept there.
const elsewhere = parseHash(hash, { models: shipped, maxImages: 1000 });
const line = elsewhere.problems.find((p) => p.startsWith(`model=tiny~${sha.slice(0, 16)}`)) ?? '';
check(elsewhere.state.model === null && line.includes('tiny') && /not kept in this browser/.test(line) && /showing resnet20/.test(line), `elsewhere, one line names the file: "${line}"`);
check(elsewhere.problems.some((p) => p.startsWith('deleted=2,6')) === false, 'the lesion is checked against the fallback network (blocks 2 and 6 exist in resnet20)');

// The same file under another name in this browser is still found (by its SHA-256).
const renamed = parseHash(hash, { models: [...shipped, { ...mine, name: 'tiny-2' }], maxImages: 1000 });
check(renamed.state.model?.name === 'tiny-2' && renamed.problems.length === 0, 'a link finds the file by its SHA-256 whatever its name here');

// A user's model as the comparison, and a prefix that matches nothing.
const compared = parseHash(`#model=resnet20&compare=tiny~${sha.slice(0, 16)}`, { models, maxImages: 1000 });
check(compared.state.compare === 'tiny' && compared.problems.length === 0, 'compare= takes a user\'s file too');
const ghost = parseHash('#model=ghost~0123456789abcdef', { models, maxImages: 1000 });
check(ghost.problems.length === 1 && ghost.problems[0].includes('ghost') && ghost.state.model === null, `an unknown file: "${ghost.problems[0]}"`);
// Old links (a plain name) still work, and an unknown plain name lists only the shipped networks.
check(parseHash('#model=tiny', { models, maxImages: 1000 }).state.model === mine, 'a plain name finds a user\'s model of that name');
const unknown = parseHash('#model=nosuch', { models, maxImages: 1000 }).problems[0] ?? '';
check(unknown.includes('(resnet20, plain20)'), `an unknown name lists the shipped networks: "${unknown}"`);

report('user_links');
