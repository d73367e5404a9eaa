// ReorderPanel.jsx - Fig. 5b: blocks of a stage swapped at random; error against Kendall tau
// (1 = the original order), as box plots in tau bins, beside the paper's.
import { useEffect, useState } from 'preact/hooks';
import { useChart } from '../useChart.js';
import { errorBoxplotConfig, paperBoxes } from '../errorBoxplots.js';
import { usePanelSpec } from '../useExperiment.js';
import { fig5bAt, PAPER_BLOCKS } from '../paper.js';
import { RunStatus } from './RunStatus.jsx';
import { SummaryTable } from './SummaryTable.jsx';
import { ChartFigure } from './ChartFigure.jsx';
import { RangeFields, DrawFields } from './Fields.jsx';

const WIDTHS = [0.01, 0.02, 0.05, 0.1, 0.2];

/**
 * Rows in tau bins: 0.01 wide for 54 blocks, as in the paper; for smaller networks at least the
 * step of tau (one adjacent swap moves it by 2/C(L,2): 0.056 for 9 blocks), so that bins between
 * the observed values are not empty. Bins that no network fell into are left out.
 */
export function tauBins(rows, L) {
  const step = 2 / ((L * (L - 1)) / 2);
  const width = L >= PAPER_BLOCKS ? 0.01 : WIDTHS.find((w) => w >= step) ?? WIDTHS[WIDTHS.length - 1];
  const index = (tau) => Math.round((1 - tau) / width);
  const last = rows.length ? Math.max(...rows.map((r) => index(r.tau))) : -1;
  const bins = Array.from({ length: last + 1 }, (_, i) => ({ tau: 1 - i * width, errors: [] }));
  for (const r of rows) bins[index(r.tau)].errors.push(1 - r.accuracy);
  return { width, bins: bins.filter((b) => b.errors.length) };
}

const chartConfig = () => errorBoxplotConfig('Kendall tau between the original and the shuffled order (1 = unchanged)');

function updateChart(chart, { summary, L, name }) {
  const { width, bins } = tauBins(summary?.rows ?? [], L);
  const digits = width < 0.1 ? 2 : 1;
  chart.data.labels = bins.map((b) => b.tau.toFixed(digits));
  chart.data.datasets = [
    { type: 'boxplot', label: `${name}, tau bins ${width} wide`, data: bins.map((b) => b.errors), backgroundColor: 'rgba(59,110,168,0.25)',
      borderColor: '#3b6ea8', borderWidth: 1.5, outlierRadius: 3, outlierBackgroundColor: '#3b6ea8', itemRadius: 0, meanRadius: 0 },
  ];
  const paper = bins.map((b) => fig5bAt(b.tau));
  if (paper.some(Boolean)) {
    chart.data.datasets.push(paperBoxes('paper, ResNet-110 (Fig. 5b)', paper));
  }
  chart.canvas.dataset.binWidth = String(width);
}

export function ReorderPanel({ lab, model, images }) {
  const panel = usePanelSpec(lab, model, 'reorder', { label: `reorder sweep of ${model.name}`, images });
  const L = model.info.num_blocks;
  const shown = panel.spec.params;
  const formOf = () => ({ swaps: shown.swaps ?? [1, 10], trials: shown.trials ?? 10, seed: panel.spec.seed ?? 1 });
  const [form, setForm] = useState(formOf);
  useEffect(() => setForm(formOf()), [model.name, panel.revision]);
  const chart = useChart(chartConfig, updateChart, { summary: panel.state?.summary, L, name: model.name });
  const run = () => panel.change({ swaps: form.swaps, trials: form.trials }, form.seed, true);
  const plain = !model.info.skip;
  return (
    <section class="panel" data-testid="panel-reorder">
      <h2>Shuffle the blocks (paper Fig. 5b)</h2>
      <p class="lead" data-testid="caption-reorder">
        Pairs of blocks in the same stage swap places (never a downsampling block); the more swaps, the further the order is
        from the original, measured by Kendall tau (1: unchanged, lower: more shuffled). Each box holds the networks whose tau
        falls in that bin. A chain of layers that each expect the previous one's output would break at once; in the paper the
        error of ResNet-110 instead rises slowly as the order gets more scrambled.
        {plain && ' This is a plain network: swapping its layers feeds each one an input it never saw.'}
        {L < PAPER_BLOCKS && ` With ${L} blocks one swap moves tau by ${(4 / (L * (L - 1))).toFixed(3)} or more, so the bins are wider than the paper's 0.01; the paper's boxes appear where a bin centre matches one of its own.`}
      </p>
      <div class="controls">
        <RangeFields label="swaps" range={form.swaps} min={1} testids={['reorder-smin', 'reorder-smax']} onInput={(swaps) => setForm({ ...form, swaps })} />
        <DrawFields label="draws per swap count" form={form} testid="reorder" onInput={setForm} />
      </div>
      <RunStatus label="reorder" settings spec={panel.spec} state={panel.state} onCancel={panel.cancel} onRun={images ? run : null} runText="Run these settings" liveImages={images} />
      <ChartFigure chart={chart} id="reorder" label="box plots of test error per Kendall tau bin" caption={`Test error of shuffled orders by Kendall tau: ${model.name}, beside the paper`} />
      <SummaryTable label="reorder" title={model.name} state={panel.state} groups />
    </section>
  );
}
