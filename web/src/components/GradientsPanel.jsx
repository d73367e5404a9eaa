// GradientsPanel.jsx - Figs. 6b and 6c: how much gradient flows along paths of each length. First
// paint is the native CLI's full protocol on the training set (web/src/precomputed/gradients-*.json,
// `unravel gradients`); "Sample live" runs the same protocol on the page's test images in the
// workers, refining as rounds finish, with cancel.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useChart } from '../useChart.js';
import { axis, chartConfig, percentTicks } from '../chartConfig.js';
import { figures, PAPER_BLOCKS } from '../paper.js';
import { NumberField } from './Fields.jsx';
import { CancelledError } from '../lab.js';
import { ChartFigure } from './ChartFigure.jsx';

const fig6b = figures.fig6b_gradient_per_path_length;
const fig6c = figures.fig6c_total_gradient_per_path_length;

const logChartConfig = () => chartConfig('line',
  { x: axis('path length k (residual branches on the path)'), y: axis('log10 of the mean gradient norm') },
  { table: { values: { y: 'number' } } });

function updateLog(chart, { summary, name }) {
  const lengths = summary?.lengths ?? [];
  chart.data.labels = lengths.map((l) => String(l.length));
  const at0 = lengths[0]?.length === 0 ? lengths[0].log10_mean : null;
  chart.data.datasets = [
    { label: name, data: lengths.map((l) => (Number.isFinite(l.log10_mean) ? l.log10_mean : null)), borderColor: '#3b6ea8', backgroundColor: '#3b6ea8', pointRadius: 1.5, borderWidth: 1.5 },
  ];
  if (at0 != null) {
    // The paper's units differ: its curve is shifted to start where ours does, so that the slopes compare.
    const base = Math.log10(fig6b['magnitude_1e-5'][0]);
    chart.data.datasets.push({ label: 'paper Fig. 6b (shifted to agree at k = 0)', data: lengths.map((l) => { const i = fig6b.k.indexOf(l.length); return i < 0 ? null : at0 + Math.log10(fig6b['magnitude_1e-5'][i]) - base; }),
      borderColor: '#6c757d', backgroundColor: '#6c757d', borderDash: [5, 4], pointRadius: 2, borderWidth: 1.5 });
  }
}

const totalChartConfig = () => chartConfig('bar',
  { x: axis('path length k'), y: axis('share of the total gradient', { min: 0, ticks: percentTicks }) });

function updateTotal(chart, { summary, name, L }) {
  const lengths = summary?.lengths ?? [];
  const band = summary?.bands?.[1];
  chart.data.labels = lengths.map((l) => String(l.length));
  const paperSum = fig6c.total.reduce((a, b) => a + b, 0);
  // Fig. 6c's shape is that of 54 blocks (C(54, k) paths of length k): drawn only beside a 54-block network.
  chart.data.datasets = [
    { type: 'bar', label: band ? `${name}: C(n,k) × mean norm (${Math.round(100 * band.mass)}% band ${band.lo}–${band.hi} shaded dark)` : name,
      data: lengths.map((l) => l.total), backgroundColor: lengths.map((l) => (band && l.length >= band.lo && l.length <= band.hi ? 'rgba(59,110,168,0.8)' : 'rgba(59,110,168,0.3)')) },
    { type: 'line', label: 'paper Fig. 6c (54 blocks), normalised', data: lengths.map((l) => { const i = fig6c.k.indexOf(l.length); return i < 0 ? null : fig6c.total[i] / paperSum; }),
      borderColor: '#6c757d', borderDash: [5, 4], pointRadius: 2, borderWidth: 1.5 },
  ];
  if (L !== PAPER_BLOCKS) chart.data.datasets.pop();
}

const fmt = (v) => (v * 100 < 0.01 ? `${(v * 100).toExponential(1)}%` : `${(v * 100).toPrecision(2)}%`);

export function GradientsPanel({ lab, model, images }) {
  const precomputed = model.gradients?.result ?? null;
  const [live, setLive] = useState(null); // {summary, done, total, status}
  const [samples, setSamples] = useState(20);
  const abort = useRef(null);
  useEffect(() => {
    setLive(null);
    return () => abort.current?.abort();
  }, [model.name]);
  const summary = live?.summary ?? precomputed;
  const logChart = useChart(logChartConfig, updateLog, { summary, name: model.name });
  const plain = !model.info.skip;
  const L = model.info.num_blocks;
  const totalChart = useChart(totalChartConfig, updateTotal, { summary, name: model.name, L });

  const run = () => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setLive({ summary: null, done: 0, total: samples, status: 'running' });
    lab.gradients(model, { samples, batch: 16, seed: 1 }, ({ summary: s, done, total }) => !controller.signal.aborted && setLive({ summary: s, done, total, status: 'running' }), controller.signal)
      .then(() => setLive((prev) => ({ ...prev, status: 'done' })))
      .catch((e) => setLive((prev) => ({ ...prev, status: e instanceof CancelledError || controller.signal.aborted ? 'cancelled' : 'error', error: e.message })));
  };
  const cancel = () => abort.current?.abort();

  const [b90, b97] = summary?.bands ?? [];
  return (
    <section class="panel" data-testid="panel-gradients">
      <h2>Gradient flow by path length (paper Figs. 6b and 6c)</h2>
      {plain ? (
        <p class="lead" data-testid="caption-gradients">{model.name} is a plain network: its one path goes through all {L} blocks, so there is no distribution of gradient over path lengths to measure.</p>
      ) : (
        <p class="lead" data-testid="caption-gradients">
          Training sends gradient back along every path. To measure how much comes along paths of length k, a batch of 16 images
          goes forward through the whole network; on the way back, k random blocks pass the gradient through their residual branch
          only and the others through their skip connection only. The gradient shrinks with every residual branch it crosses
          (left: log scale), but there are C({L}, k) paths of length k; multiplying the two (right) shows where the gradient actually comes from.
          {b90 && b97 && ` For ${model.name}, ${Math.round(100 * b97.mass)}% of it comes from paths of length ${b97.lo}–${b97.hi} (${fmt(b97.path_fraction)} of all paths) and ${Math.round(100 * b90.mass)}% from ${b90.lo}–${b90.hi};`}
          {summary?.decay && Number.isFinite(summary.decay.decades_per_block) && ` the mean norm ${summary.decay.decades_per_block < 0 ? 'falls' : 'rises'} ${Math.abs(summary.decay.decades_per_block).toFixed(2)} decades per block over lengths ${summary.decay.lo}–${summary.decay.hi}`}
          {summary && ' '}(the paper, 54 blocks: 97% from lengths 5–17, 0.45% of its paths; its norm falls {Math.abs(fig6b.log_slope_decades_per_block)} decades per block).
          {L !== PAPER_BLOCKS && ` The paper's Fig. 6c is drawn only beside a ${PAPER_BLOCKS}-block network: its shape belongs to C(${PAPER_BLOCKS}, k).`}
          {' '}The effective band is also shaded on the paths chart below{b97 && b97.path_fraction < 0.5 ? ': most paths lie outside it, so most of the paths a lesion removes are ones training hardly used.' : '.'}
        </p>
      )}
      {!plain && (
        <div class="run-status" data-testid="status-gradients" data-state={live?.status ?? (precomputed ? 'precomputed' : 'none')} data-samples={live?.done ?? precomputed?.samples ?? 0}
          data-log10-means={summary ? JSON.stringify(summary.lengths.map((l) => l.log10_mean)) : ''} data-bands={summary ? JSON.stringify(summary.bands.map((b) => [b.lo, b.hi])) : ''}>
          {!live && precomputed && <span class="source" data-testid="source-gradients"><strong>Precomputed</strong> by the native CLI (`unravel gradients`): {precomputed.samples} samples per length, batch {precomputed.batch}, training images.</span>}
          {!live && !precomputed && (model.entry.user
            ? <span class="source" data-testid="source-gradients"><strong>Your file:</strong> nothing is precomputed for it; sample it live, in this browser.</span>
            : <span>Not computed yet.</span>)}
          {live?.status === 'running' && (
            <div class="progress" data-testid="progress-gradients">
              <progress max={live.total} value={live.done} />
              <span class="progress-text">{live.done} / {live.total} samples per length (page's test images)</span>
              <button type="button" class="cancel" onClick={cancel} data-testid="cancel-gradients">Cancel</button>
            </div>
          )}
          {live?.status === 'done' && <span class="source">Live, in this browser: {live.done} samples per length on the page's test images (the paper used training images).</span>}
          {live?.status === 'cancelled' && <span>Cancelled after {live.done} samples per length: the charts show those.</span>}
          {live?.status === 'error' && <span class="error-text">Failed: {live.error}</span>}
          {images > 0 && live?.status !== 'running' && (
            <>
              <NumberField label="samples per length" value={samples} min={1} max={1000} testid="gradients-samples" onInput={setSamples} />
              <button type="button" class="primary" data-testid="run-gradients" onClick={run}>Sample live on the test images</button>
            </>
          )}
        </div>
      )}
      <div class="chart-pair" hidden={plain}>
        <ChartFigure chart={logChart} id="gradients-norm" label="log10 of the mean gradient norm per path length" caption={`Log10 of the mean gradient norm per path length: ${model.name}`} />
        <ChartFigure chart={totalChart} id="gradients-total" label="share of the total gradient per path length" caption={`Share of the total gradient per path length: ${model.name}`} />
      </div>
    </section>
  );
}
