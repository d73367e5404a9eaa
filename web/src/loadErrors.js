// loadErrors.js - what went wrong while loading, in plain words: the raw message of a failed
// fetch, worker or WebAssembly compile becomes a sentence saying what happened and what to do.

const CSP = /Content Security Policy|unsafe-eval|wasm-unsafe-eval/i;

export const CSP_MESSAGE = "This site's security settings block WebAssembly, which the lab needs to run its networks. " +
  "Whoever hosts this page can allow it by adding 'wasm-unsafe-eval' to the script-src of its Content-Security-Policy; " +
  'or open the lab on a site that allows it.';

export const FILE_MESSAGE = 'This page was opened from a file (file://), and browsers do not let such a page load its scripts, ' +
  'workers and data. Serve its folder instead (for example `python3 -m http.server` inside it, then open http://localhost:8000/), ' +
  'or open the single-file build (unravel.html), which works from a double click.';

/** {title, text} for an error met while starting the lab or loading a model. */
export function explain(error, what = 'The lab could not start') {
  const message = String(error?.message ?? error ?? 'unknown error');
  if (CSP.test(message)) return { title: 'WebAssembly is blocked here', text: CSP_MESSAGE, detail: message, kind: 'csp' };
  if (location.protocol === 'file:' && !globalThis.UNRAVEL_FILES) return { title: 'Opened from a file', text: FILE_MESSAGE, detail: message, kind: 'file' };
  const http = /\(([^)]+)\) answered HTTP (\d+)/.exec(message);
  if (http) {
    const missing = http[2] === '404';
    return {
      title: missing ? 'A file of the lab is missing' : 'The server refused a file of the lab',
      text: `${missing ? 'This server has no' : `This server answered HTTP ${http[2]} for`} ${http[1]}. Whoever hosts the lab should copy the whole web/dist folder, as it is.`,
      detail: message, kind: 'missing',
    };
  }
  if (/could not be fetched|Failed to fetch|NetworkError/i.test(message)) {
    return { title: 'The connection failed', text: 'A file of the lab could not be downloaded (the connection dropped or the server is down). Reload the page to try again.', detail: message, kind: 'network' };
  }
  if (/worker/i.test(message)) {
    return { title: 'The lab\'s background workers could not start', text: 'The lab runs its networks in background workers, and they failed to start here. Reload the page; if it keeps failing, try another browser.', detail: message, kind: 'worker' };
  }
  return { title: what, text: message, detail: null, kind: 'other' };
}

// The smallest valid module (magic and version): compiling it tells whether WebAssembly may run.
const EMPTY_MODULE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);

/** null when this page may compile WebAssembly, else the error (a CSP forbids it, ...). */
export async function probeWebAssembly() {
  try {
    await WebAssembly.compile(EMPTY_MODULE);
    return null;
  } catch (e) {
    return e;
  }
}
