// inlineFiles.js - the single-file page (web/build_single.mjs) carries every file of web/dist it
// needs inside itself, as globalThis.UNRAVEL_FILES = {path: base64}; this module answers fetches
// of those paths from there and makes blob: URLs for the worker and the engine's module, so that
// the page runs from file:// and offline. In the ordinary build there are no inline files.
import { simdSupported, flavourFiles } from '../../wasm/engine.js';

const files = globalThis.UNRAVEL_FILES ?? null;
export const singleFile = !!files;

function bytesOf(path) {
  const text = atob(files[path]);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** A Response for a path of the build (models/x, data/y, precomputed/z), or null. */
export function inlineResponse(path) {
  if (!files) return null;
  if (!(path in files)) return new Response('not in this single-file page', { status: 404 });
  return new Response(bytesOf(path), { status: 200, headers: { 'content-length': String(Math.floor((files[path].length * 3) / 4)) } });
}

/** createPool's options for the inline worker (a classic script with both engine flavours
 * bundled: a page opened from file:// may start blob: workers, but not module ones, and they may
 * import nothing) and the engine's bytes (the flavour this browser runs). */
export function inlinePoolOptions(forced) {
  const simd = forced ?? simdSupported();
  const workerUrl = URL.createObjectURL(new Blob([bytesOf('worker-single.js')], { type: 'text/javascript' }));
  return { createWorker: () => new Worker(workerUrl), moduleBase: location.href, simd, wasmBinary: bytesOf(`wasm/${flavourFiles(simd).wasm}`) };
}
