// main.jsx - entry point: check that this browser can run the lab, then start it.
import { render } from 'preact';
import { App } from './app.jsx';
import { webAssemblySupported } from './lab.js';
import { Notice } from './components/Notice.jsx';
import { startFrameResize } from './embed.jsx';

const root = document.getElementById('app');
root.textContent = '';
startFrameResize();
if (!webAssemblySupported()) {
  render(<Notice kind="error" title="This browser cannot run WebAssembly">The lab runs its neural networks with WebAssembly, which this browser does not offer (or has switched off). Any current Chrome, Edge, Firefox or Safari will do.</Notice>, root);
} else if (typeof Worker === 'undefined') {
  render(<Notice kind="error" title="This browser has no Web Workers">The lab runs its networks in background workers so the page stays responsive; this browser does not provide them.</Notice>, root);
} else {
  render(<App />, root);
}
