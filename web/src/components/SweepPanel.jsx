// SweepPanel.jsx - the delete-one sweep: every block deleted in turn, error per block as bars,
// the full network's error as a line and, for ResNet-110, the paper's Fig. 3 beside it.
import { useChart } from '../useChart.js';
import { percent, accuracyOf } from '../format.js';
import { Progress } from './Progress.jsx';
import figures from '../paper-figures.json';

const COLORS = { bar: '#3b6ea8', downsample: '#d9822b', baseline: '#b02a37', paper: '#6c757d' };

function isPaperNetwork(entry, info) {
  return info.num_blocks === figures.fig3_delete_one_block.resnet110.length && /110/.test(entry.name);
}

function chartConfig() {
  return {
    type: 'bar',
    data: { labels: [], datasets: [] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      scales: {
        x: { title: { display: true, text: 'deleted block' }, grid: { display: false } },
        y: { min: 0, title: { display: true, text: 'test error' }, ticks: { callback: (v) => `${Math.round(v * 100)}%` } },
      },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${percent(c.parsed.y, 1)}` } },
      },
    },
  };
}

function updateChart(chart, { info, sweep, paper }) {
  const L = info.num_blocks;
  chart.data.labels = Array.from({ length: L }, (_, b) => String(b + 1));
  const errors = Array(L).fill(null);
  for (const r of sweep?.results ?? []) {
    const a = accuracyOf(r.tally);
    if (a != null && r.deleted.length === 1) errors[r.deleted[0]] = 1 - a;
  }
  const baseAccuracy = accuracyOf(sweep?.baseline);
  const datasets = [
    { type: 'bar', label: 'error with this block deleted', data: errors, order: 2,
      backgroundColor: info.blocks.map((blk) => (blk.downsamples ? COLORS.downsample : COLORS.bar)) },
    { type: 'line', label: 'full network', data: Array(L).fill(baseAccuracy == null ? null : 1 - baseAccuracy), order: 1,
      borderColor: COLORS.baseline, borderWidth: 2, borderDash: [6, 4], pointRadius: 0 },
  ];
  if (paper) {
    const fig = figures.fig3_delete_one_block;
    datasets.push({ type: 'line', label: 'paper, ResNet-110 (Veit et al. 2016, Fig. 3)', data: fig.resnet110, order: 0,
      borderColor: COLORS.paper, borderWidth: 1.5, pointRadius: 2, pointBackgroundColor: COLORS.paper });
    datasets.push({ type: 'line', label: 'paper, full network', data: Array(L).fill(fig.baseline_error), order: 0,
      borderColor: COLORS.paper, borderWidth: 1, borderDash: [2, 3], pointRadius: 0 });
  }
  chart.data.datasets = datasets;
}

function ResultsTable({ info, sweep }) {
  return (
    <details class="numbers">
      <summary>The numbers</summary>
      <table data-testid="sweep-table">
        <thead>
          <tr><th>deleted block</th><th>stage</th><th>accuracy</th><th>error</th><th>correct / images</th></tr>
        </thead>
        <tbody>
          <tr data-block="0" data-correct={sweep.baseline.correct} data-images={sweep.baseline.images}>
            <td>none (full network)</td><td></td><td>{percent(accuracyOf(sweep.baseline), 2)}</td>
            <td>{percent(1 - accuracyOf(sweep.baseline), 2)}</td><td>{sweep.baseline.correct} / {sweep.baseline.images}</td>
          </tr>
          {sweep.results.map((r) => {
            const b = r.deleted[0];
            const a = accuracyOf(r.tally);
            return (
              <tr key={b} data-block={b + 1} data-correct={r.tally.correct} data-images={r.tally.images}>
                <td>{b + 1}{info.blocks[b].downsamples ? ' ↓2' : ''}</td><td>{info.blocks[b].stage + 1}</td>
                <td>{percent(a, 2)}</td><td>{percent(a == null ? null : 1 - a, 2)}</td><td>{r.tally.correct} / {r.tally.images}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </details>
  );
}

export function SweepPanel({ entry, info, state, available, onRun, onCancel, disabled }) {
  const paper = isPaperNetwork(entry, info);
  const sweep = state.results ? state : null;
  const canvas = useChart(chartConfig, updateChart, { info, sweep, paper });
  const running = state.status === 'running';
  return (
    <section class="panel" data-testid="sweep" data-state={state.status} data-images={state.imagesDone ?? 0}>
      <h2>Delete one block at a time</h2>
      <p class="lead">
        Each bar is the network's test error with one block removed — its skip connection still
        carries the signal past it. The dashed red line is the error of the whole network.
        {paper ? ' The grey line is the same experiment in the paper (their ResNet-110 on the original CIFAR-10).' : ''}
        {entry.kind === 'stochastic-depth'
          ? ' This network was trained with stochastic depth: every block was skipped at random during training, the deeper ones more often, so it is used to working with blocks missing. In the paper (Fig. 8) such a ResNet-110 lost less than a point of accuracy for almost every deleted block. Compare with resnet56, trained normally.'
          : ''}
      </p>
      <div class="controls">
        <button type="button" class="primary" data-testid="run-sweep" disabled={disabled || running || !available} onClick={onRun}>
          {sweep && state.status === 'done' ? 'Run the sweep again' : 'Run delete-one sweep'}
        </button>
        {(running || sweep) && (
          <Progress label="sweep" done={state.imagesDone ?? 0} total={state.imagesTotal ?? 0} running={running} onCancel={onCancel} />
        )}
      </div>
      <div class="chart-box">
        <canvas ref={canvas} data-testid="sweep-chart" aria-label="bar chart of test error per deleted block" role="img" />
      </div>
      <p class="chart-note" data-testid="sweep-note">
        {sweep
          ? `${state.status === 'done' ? 'Done:' : state.status === 'cancelled' ? 'Cancelled:' : 'So far:'} every bar rests on the same ${state.imagesDone} test image${state.imagesDone === 1 ? '' : 's'}. Orange bars are downsampling blocks, where the shortcut changes the shape.`
          : 'Press the button to run it: results appear as the images are processed.'}
      </p>
      {sweep && <ResultsTable info={info} sweep={sweep} />}
    </section>
  );
}
