// DeleteOnePanel.jsx - Figs. 3 and 8: each block deleted in turn, the error per deleted block,
// for the chosen network and the one it is compared with, on the same axes, beside the paper.
import { useChart } from '../useChart.js';
import { axis, chartConfig, percentAxis } from '../chartConfig.js';
import { usePanelSpec, useExperiment } from '../useExperiment.js';
import { andList as list, percent } from '../format.js';
import { figures, fig3ResNet, fig3Vgg, fig8, PAPER_BLOCKS, PAPER_DOWNSAMPLING } from '../paper.js';
import { RunStatus } from './RunStatus.jsx';
import { SummaryTable } from './SummaryTable.jsx';
import { ChartFigure } from './ChartFigure.jsx';
import { deleteOneFacts, errorsOf } from '../sweepFacts.js';

const COLORS = { ours: '#3b6ea8', compare: '#2a9d5c', down: '#d9822b', paper: '#6c757d', chance: '#b02a37' };

const deleteOneChart = () => chartConfig('line', { x: axis('deleted block', { type: 'linear' }), y: percentAxis('test error') },
  { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${percent(c.parsed.y, 1)}` } } });


function updateChart(chart, { nets, fraction, paper }) {
  const pos = (b, L) => (fraction ? b / L : b);
  const datasets = [];
  const span = fraction ? [0, 1] : [1, PAPER_BLOCKS];
  nets.forEach(({ model, summary, color }) => {
    if (!summary) return;
    const L = model.info.num_blocks;
    const points = errorsOf(summary).map(({ block, error }) => ({ x: pos(block, L), y: error, name: fraction ? `block ${block} of ${L}` : undefined }));
    datasets.push({ label: `${model.name}: one block deleted`, data: points, borderColor: color, backgroundColor: color, borderWidth: 1.5,
      pointRadius: errorsOf(summary).map(({ block }) => (model.info.blocks[block - 1]?.downsamples ? 6 : 3)),
      pointBorderColor: errorsOf(summary).map(({ block }) => (model.info.blocks[block - 1]?.downsamples ? COLORS.down : color)),
      pointBackgroundColor: errorsOf(summary).map(({ block }) => (model.info.blocks[block - 1]?.downsamples ? COLORS.down : color)) });
    datasets.push({ label: `${model.name}: nothing deleted`, data: [{ x: fraction ? 0 : 1, y: 1 - summary.baseline.accuracy }, { x: fraction ? 1 : L, y: 1 - summary.baseline.accuracy }],
      borderColor: color, borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0 });
  });
  datasets.push({ label: 'chance (90% error)', data: span.map((x) => ({ x, y: 0.9 })), borderColor: COLORS.chance, borderDash: [2, 3], borderWidth: 1, pointRadius: 0 });
  if (paper.fig3) datasets.push({ label: 'paper, ResNet-110 (Fig. 3)', data: fig3ResNet({ fraction }), borderColor: COLORS.paper, borderWidth: 1, pointRadius: 1.5, backgroundColor: COLORS.paper });
  if (paper.vgg) datasets.push({ label: 'paper, VGG-15 (Fig. 3)', data: fig3Vgg(), borderColor: COLORS.paper, showLine: false, pointStyle: 'triangle', pointRadius: 4, backgroundColor: COLORS.paper });
  if (paper.fig8) {
    const f = fig8({ fraction });
    datasets.push({ label: 'paper, Fig. 8: most blocks', data: [{ x: f.band.from, y: f.band.high }, { x: f.band.to, y: f.band.high }],
      tableLabel: 'paper, Fig. 8: most blocks, highest error', borderColor: 'rgba(108,117,125,0.5)', backgroundColor: 'rgba(108,117,125,0.25)', fill: '+1', pointRadius: 0, borderWidth: 1 });
    datasets.push({ label: '', tableLabel: 'paper, Fig. 8: most blocks, lowest error', data: [{ x: f.band.from, y: f.band.low }, { x: f.band.to, y: f.band.low }], borderColor: 'rgba(108,117,125,0.5)', pointRadius: 0, borderWidth: 1 });
    datasets.push({ label: 'paper, Fig. 8: blocks 1, 19, 37', data: f.points, showLine: false, pointStyle: 'rectRot', pointRadius: 5, borderColor: COLORS.paper, backgroundColor: COLORS.paper });
  }
  chart.data.datasets = datasets;
  chart.options.scales.x.min = span[0];
  chart.options.scales.x.max = span[1];
  chart.options.scales.x.title.text = fraction ? 'position of the deleted block, as a fraction of the depth (block b of L at b/L)' : 'deleted block';
}

// Measured facts for the caption, over the ordinary blocks (neither downsampling nor block 1):
// the average cost of deleting one in points of error, how many cost more than one point, the worst.
function costs(model, summary) {
  if (!summary) return null;
  const facts = deleteOneFacts(1 - summary.baseline.accuracy, errorsOf(summary), (b) => !!model.info.blocks[b - 1]?.downsamples);
  return { ...facts, images: summary.baseline.images, name: model.name };
}

// What a downsampling block's shortcut does, by the format's shortcut type (models/FORMAT.md).
const SHORTCUTS = { A: 'a subsampling that pads the new channels with zeros (option A)', B: 'projections (1×1 convolutions of stride 2)' };
const points = (x) => `${(100 * x).toFixed(1)} points`;
const signed = (x) => `${x < 0 ? '−' : '+'}${Math.abs(100 * x).toFixed(1)}`;

/** "+5.9 points for block 19 (resnet110: +79.3)...": each downsampling block's cost over each network's own error. */
function downCosts(mine, theirs) {
  return mine.down.map(({ block, error }) => {
    const other = theirs.down.find((r) => r.block === block);
    return `${signed(error - mine.base)} points for block ${block}${other ? ` (${theirs.name}: ${signed(other.error - theirs.base)})` : ''}`;
  }).join(', ');
}

/** The paper's Fig. 8 claim, tested on our pair: fewer costly blocks and a smaller average cost. */
export const moreRobust = (mine, theirs) => mine.meanCost < theirs.meanCost && mine.over <= theirs.over;

function Caption({ model, compare, summary, compareSummary, fraction }) {
  const mine = costs(model, summary);
  const theirs = compare && costs(compare, compareSummary);
  const plain = !model.info.skip;
  const sd = model.entry.kind === 'stochastic-depth';
  return (
    <p class="lead" data-testid="caption-delete-one">
      Each point is the test error of the network with one block removed at test time
      {plain ? ' (in a plain network nothing carries the signal past it)' : ' (its skip connection still carries the signal past it)'}; the dashed line is the
      error with nothing removed, the red dotted line chance. Orange points are downsampling blocks.
      {mine && ` Measured: deleting one of the ${mine.count} ordinary blocks of ${model.name} (not block 1, not a downsampling block) costs ${points(mine.meanCost)} of error on average, more than one point for ${mine.over} of them${mine.worst ? `; the worst is block ${mine.worst.block} (${percent(mine.worst.error)} error)` : ''}.`}
      {theirs && ` For ${compare.name}: ${points(theirs.meanCost)} on average, over a point for ${theirs.over} of ${theirs.count}.`}
      {mine && mine.images < 1000 && ` On ${mine.images} images one image is ${(100 / mine.images).toFixed(1)} points, so small differences are noise: run on more images to be sure.`}
      {!plain && ' The paper found that almost every block of its ResNet-110 can go with under a point lost, while a plain network (VGG) fails whatever layer is removed.'}
      {sd && theirs && (!moreRobust(mine, theirs)
        ? ` Unlike the paper's stochastic-depth network (Fig. 8), ours is not more robust than its normally trained twin: deleting a block costs it ${points(mine.meanCost)} on average against ${points(theirs.meanCost)}, and its error starts higher (${percent(mine.base)} against ${percent(theirs.base)}). Stochastic depth is known to need long training to pay off (the model card says how long this one was trained).`
        : ` As in the paper (Fig. 8), the stochastic-depth network is the more robust one here: deleting a block costs it ${points(mine.meanCost)} on average against ${points(theirs.meanCost)}.`)}
      {sd && theirs && mine.down.length > 0 && ` Deleting a downsampling block costs it ${downCosts(mine, theirs)}; the paper found that stochastic depth mainly reduces this dependence ("only the dependence on the downsampling layers seems to be reduced"), its block 19 costing under a point.`}
      {!sd && theirs && mine.down.length > 0 && model.info.shortcut !== compare.info.shortcut && ` Deleting a downsampling block costs it ${downCosts(mine, theirs)}: its downsampling shortcuts are ${SHORTCUTS[model.info.shortcut] ?? model.info.shortcut}, ${compare.name}'s ${SHORTCUTS[compare.info.shortcut] ?? compare.info.shortcut}; the paper's network lost ${list(PAPER_DOWNSAMPLING.map((b) => `${signed(figures.fig3_delete_one_block.resnet110[b - 1] - figures.fig3_delete_one_block.baseline_error)} at block ${b}`))}.`}
      {model.entry.kind === 'short-paths' && " This network was trained on short paths only: 23 of its 54 residual branches drawn afresh for each mini-batch, so training saw paths of about 11.5 blocks (the paper's section 5, which reports only its accuracy: the paper's curve shown is its normally trained ResNet-110 of Fig. 3)."}
      {sd && ' The grey band is the paper\'s stochastic-depth ResNet-110 (Fig. 8, given in the paper as a summary): 5.1–5.8% error with most blocks deleted, and the diamonds blocks 1, 19 and 37.'}
      {fraction && ` The paper's network has ${PAPER_BLOCKS} blocks: networks with fewer are plotted against position as a fraction of depth, so that block b of L sits at b/L.`}
    </p>
  );
}

export function DeleteOnePanel({ lab, model, compare, images }) {
  const main = usePanelSpec(lab, model, 'delete-one', { label: `delete-one sweep of ${model.name}`, images });
  const compareSpec = compare ? (main.live ? lab.spec(compare, 'delete-one', {}, { images: main.spec.images }) : lab.defaultSpec(compare, 'delete-one')) : null;
  const compareState = useExperiment(lab, compareSpec);
  const L = model.info.num_blocks;
  const fraction = L !== PAPER_BLOCKS || (compare && compare.info.num_blocks !== PAPER_BLOCKS);
  const sd = model.entry.kind === 'stochastic-depth';
  const paper = { fig3: !sd && !!model.info.skip, vgg: !model.info.skip || (compare && !compare.info.skip), fig8: sd };
  const nets = [{ model, summary: main.state?.summary, color: COLORS.ours }];
  if (compare) nets.push({ model: compare, summary: compareState?.summary, color: COLORS.compare });
  const chart = useChart(deleteOneChart, updateChart, { nets, fraction, paper });
  const run = () => {
    main.change({}, 1, true);
    if (compare) lab.submit(lab.spec(compare, 'delete-one', {}, { images }), { slot: 'delete-one-compare', label: `delete-one sweep of ${compare.name}`, force: true });
  };
  return (
    <section class="panel" data-testid="panel-delete-one">
      <h2>Delete one block (paper Figs. 3 and 8)</h2>
      <Caption model={model} compare={compare} summary={main.state?.summary} compareSummary={compareState?.summary} fraction={fraction} />
      {/* one button runs both networks: it sits under the last of their statuses */}
      <RunStatus label="delete-one" spec={main.spec} name={compare ? model.name : null} state={main.state} onCancel={main.cancel} onRun={images && !compare ? run : null} liveImages={images} />
      {compare && <RunStatus label="delete-one-compare" spec={compareSpec} name={compare.name} state={compareState} onCancel={() => lab.cancel(compareSpec)} onRun={images ? run : null} liveImages={images} />}
      <ChartFigure chart={chart} id="delete-one" label="test error per deleted block" caption={`Test error with one block deleted: ${compare ? `${model.name} and ${compare.name}` : model.name}, beside the paper`} />
      <SummaryTable label="delete-one" title={model.name} state={main.state} />
      {compare && <SummaryTable label="delete-one-compare" title={compare.name} state={compareState} />}
    </section>
  );
}
