// PathsPanel.jsx - Figs. 6a and 7: a residual network of L blocks has 2^L paths, C(L,k) of
// length k; deleting d blocks leaves C(L-d,k) of them, updated as blocks are clicked. The counts
// are the core's (model.info.paths, the CLI's `unravel paths --json`).
// The effective paths (the shortest lengths holding 97% of the gradient, GradientsPanel) are shaded.
import { useChart } from '../useChart.js';
import { axis, chartConfig, percentAxis, percentTicks } from '../chartConfig.js';
import { powerOfTwoInWords, percent } from '../format.js';
import { ChartFigure } from './ChartFigure.jsx';

const pathsChart = () => chartConfig('bar', {
  x: axis('path length (blocks a path goes through)'),
  y: axis('share of all paths', { min: 0, grace: '8%', ticks: percentTicks }),
  remain: percentAxis('share of that length left', { position: 'right', grid: { display: false } }),
}, { table: { values: { y: 'percent', remain: 'percent' } } });

function updateChart(chart, { paths, d, band }) {
  const all = paths.length_counts;
  const left = paths.remaining[d].fraction; // of each length, the share a lesion of d blocks leaves
  chart.data.labels = all.map((_, k) => String(k));
  chart.data.datasets = [
    { type: 'bar', label: 'all paths, by length', data: all.map((c) => c / paths.paths), backgroundColor: 'rgba(59,110,168,0.45)', yAxisID: 'y', order: 2 },
    { type: 'bar', label: `paths left after deleting ${d} block${d === 1 ? '' : 's'}`, data: all.map((c, k) => (c * left[k]) / paths.paths), backgroundColor: 'rgba(217,130,43,0.7)', yAxisID: 'y', order: 1, grouped: false },
    { type: 'line', label: 'share of each length left', data: left.slice(), borderColor: '#b02a37', borderWidth: 1.5, pointRadius: 1.5, yAxisID: 'remain', order: 0 },
  ];
  if (band) {
    chart.data.datasets.push({ type: 'bar', label: `effective paths: lengths ${band.lo}–${band.hi} carry ${Math.round(100 * band.mass)}% of the gradient`, tableLabel: 'in the effective band', tableFormat: 'yes', data: all.map((_, k) => (k >= band.lo && k <= band.hi ? 1 : null)),
      backgroundColor: 'rgba(40,160,90,0.12)', yAxisID: 'remain', order: 3, grouped: false, barPercentage: 1, categoryPercentage: 1 });
  }
}

// The share of the paths with length in the band that a lesion of d blocks leaves.
function effectiveLeft(all, left, band) {
  let kept = 0, total = 0;
  for (let k = band.lo; k <= band.hi; k++) {
    total += all[k];
    kept += all[k] * left[k];
  }
  return total ? kept / total : 0;
}

export function PathsPanel({ model, deleted }) {
  const L = model.info.num_blocks;
  const d = deleted.length;
  const plain = !model.info.skip;
  const band = model.gradients?.result?.bands?.[1] ?? null; // the CLI's 97% band (precomputed)
  const paths = model.info.paths;
  const chart = useChart(pathsChart, updateChart, { paths, d, band });
  const all = paths.length_counts;
  const peak = all.reduce((best, c, k) => (c > all[best] ? k : best), 0);
  return (
    <section class="panel" data-testid="panel-paths">
      <h2>Paths through the network (paper Figs. 6a and 7)</h2>
      {plain ? (
        <p class="lead" data-testid="caption-paths">
          {model.name} is a plain network: it has no skip connections, so there is exactly one path, through all {L} of its
          blocks, and deleting any one of them cuts it. That is why deleting a single layer sends it to chance.
        </p>
      ) : (
        <p class="lead" data-testid="caption-paths">
          Each block can be passed through or skipped, so {model.name} holds <strong data-testid="paths-total">{powerOfTwoInWords(L)}</strong> paths from input
          to output. A path that goes through k blocks has length k, and C({L}, k) paths have that length: most are of middling length
          (the most common is {peak}), very few are as deep as the network. Deleting a block removes every path through it: after
          deleting <span data-testid="paths-deleted">{d}</span> block{d === 1 ? '' : 's'}, {d ? `${powerOfTwoInWords(L - d)} paths are left, ${percent(2 ** -d, d > 6 ? 2 : 1)} of them` : 'all are left'}.
          Click blocks above to delete them; the short paths survive best, which is why the network degrades gracefully.
          {band && <span data-testid="paths-effective">{` The shaded lengths ${band.lo}–${band.hi} are the effective paths, which carry ${Math.round(100 * band.mass)}% of the training gradient (gradients panel): ${d ? `${percent(effectiveLeft(all, paths.remaining[d].fraction, band), 1)} of them are left after this lesion` : 'all of them are left'}.`}</span>}
        </p>
      )}
      <ChartFigure chart={chart} id="paths" hidden={plain} label="number of paths of each length" caption={`Paths of each length in ${model.name}, and those left after deleting ${d} block${d === 1 ? '' : 's'}`} />
    </section>
  );
}
