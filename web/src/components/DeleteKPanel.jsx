// DeleteKPanel.jsx - Fig. 5a: k random blocks deleted, many draws per k; box plots of the error
// per k (median, quartiles, range as the core summarised them) beside the paper's.
import { useEffect, useState } from 'preact/hooks';
import { useChart } from '../useChart.js';
import { errorBoxplotConfig, paperBoxes } from '../errorBoxplots.js';
import { usePanelSpec } from '../useExperiment.js';
import { percent } from '../format.js';
import { fig5aAt, PAPER_BLOCKS } from '../paper.js';
import { RunStatus } from './RunStatus.jsx';
import { SummaryTable } from './SummaryTable.jsx';
import { ChartFigure } from './ChartFigure.jsx';
import { ChoiceField, RangeFields, DrawFields } from './Fields.jsx';

const chartConfig = () => errorBoxplotConfig('blocks deleted (k)');

function updateChart(chart, { summary, L, name }) {
  const groups = summary?.groups ?? [];
  chart.data.labels = groups.map((g) => String(g.k));
  const paper = groups.map((g) => fig5aAt(g.k, L));
  chart.data.datasets = [
    { type: 'boxplot', label: name, data: groups.map((g) => ({ min: g.error.min, q1: g.error.q1, median: g.error.median, q3: g.error.q3, max: g.error.max, mean: g.error.mean })),
      // coef 0: whiskers at the best and worst draw, as the caption says (not 1.5 IQR)
      coef: 0, backgroundColor: 'rgba(59,110,168,0.25)', borderColor: '#3b6ea8', borderWidth: 1.5, outlierRadius: 0, itemRadius: 0, meanRadius: 0 },
  ];
  if (paper.some(Boolean)) {
    chart.data.datasets.push(paperBoxes(L === PAPER_BLOCKS ? 'paper, ResNet-110 (Fig. 5a)' : 'paper, ResNet-110 (Fig. 5a), same fraction deleted', paper));
  }
}

export function DeleteKPanel({ lab, model, images }) {
  const panel = usePanelSpec(lab, model, 'delete-k', { label: `delete-k sweep of ${model.name}`, images });
  const L = model.info.num_blocks;
  const shown = panel.spec.params;
  const formOf = () => ({ k: shown.k ?? [1, Math.max(1, Math.min(20, L - 4))], trials: shown.trials ?? 10, eligible: shown.eligible ?? 'paper', seed: panel.spec.seed ?? 1 });
  const [form, setForm] = useState(formOf);
  useEffect(() => setForm(formOf()), [model.name, panel.revision]);
  const chart = useChart(chartConfig, updateChart, { summary: panel.state?.summary, L, name: model.name });
  const run = () => panel.change({ k: form.k, trials: form.trials, eligible: form.eligible }, form.seed, true);
  const groups = panel.state?.summary?.groups ?? [];
  const last = groups[groups.length - 1];
  return (
    <section class="panel" data-testid="panel-delete-k">
      <h2>Delete k random blocks (paper Fig. 5a)</h2>
      <p class="lead" data-testid="caption-delete-k">
        For each k, k blocks chosen at random are removed together, many times over (each draw is one network); the box shows
        the middle half of the errors, the line in it the median, the whiskers the best and worst draw. If the blocks acted
        like one deep chain, deleting several would be fatal; in the paper the error instead grows smoothly with k, like an
        ensemble losing members. "Paper" draws never take block 1 or a downsampling block ({L - 3} of {L} blocks can be drawn),
        as the paper's draws most likely did; "all" draws from every block, and draws that hit a downsampling block go to chance.
        {last && ` Measured on ${model.name}: with ${last.k} blocks deleted the median error is ${percent(last.error.median)} over ${last.n} draws (nothing deleted: ${percent(1 - panel.state.summary.baseline.accuracy)}).`}
        {L !== PAPER_BLOCKS && ` The paper's network has ${PAPER_BLOCKS} blocks; its grey boxes (median and quartiles) are drawn at the same fraction of the network deleted: k of ${L} beside k·54/${L} of 54.`}
      </p>
      <div class="controls">
        <RangeFields label="k" range={form.k} min={1} max={L} testids={['delete-k-kmin', 'delete-k-kmax']} onInput={(k) => setForm({ ...form, k })} />
        <DrawFields label="draws per k" form={form} testid="delete-k" onInput={setForm} />
        <ChoiceField label="blocks drawn" value={form.eligible} testid="delete-k-eligible" onChange={(v) => setForm({ ...form, eligible: v })}
          options={[['paper', 'paper: not block 1 or downsampling'], ['all', 'all blocks']]} />
      </div>
      <RunStatus label="delete-k" settings spec={panel.spec} state={panel.state} onCancel={panel.cancel} onRun={images ? run : null} runText="Run these settings" liveImages={images} />
      <ChartFigure chart={chart} id="delete-k" label="box plots of test error per number of deleted blocks" caption={`Test error with k random blocks deleted: ${model.name}, beside the paper`} />
      <SummaryTable label="delete-k" title={model.name} state={panel.state} groups />
    </section>
  );
}
