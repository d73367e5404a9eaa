// main.jsx - entry point: check that this browser (and this site) can run the lab, then start it.
import { render } from 'preact';
import { App } from './app.jsx';
import { webAssemblySupported } from './lab.js';
import { Notice } from './components/Notice.jsx';
import { startFrameResize } from './embed.jsx';
import { probeWebAssembly, explain } from './loadErrors.js';

window.unravelStarted = true; // boot.js: the module loaded; from here on the app shows its own errors
const root = document.getElementById('app');
startFrameResize();

// Failures before the lab starts still appear inside the page's layout.
const Shell = ({ children }) => (
  <main>
    <header><h1>Unravel</h1><p class="subtitle">Residual networks behave like ensembles of relatively shallow networks — try it yourself.</p></header>
    {children}
  </main>
);

async function start() {
  if (!webAssemblySupported()) {
    return <Shell><Notice kind="error" title="This browser cannot run WebAssembly">The lab runs its neural networks with WebAssembly, which this browser does not offer (or has switched off). Any current Chrome, Edge, Firefox or Safari will do.</Notice></Shell>;
  }
  if (typeof Worker === 'undefined') {
    return <Shell><Notice kind="error" title="This browser has no Web Workers">The lab runs its networks in background workers so the page stays responsive; this browser does not provide them.</Notice></Shell>;
  }
  const blocked = await probeWebAssembly();
  if (blocked) {
    const { title, text, detail } = explain(blocked);
    return <Shell><Notice kind="error" title={title}>{text}{detail && <span class="notice-detail"> ({detail})</span>}</Notice></Shell>;
  }
  return <App />;
}

start().then((view) => {
  root.textContent = '';
  render(view, root);
});
