// DropPanel.jsx - stochastic drop at test time: every block dropped at random with probability p
// (uniform, or rising linearly with depth as in stochastic-depth training); mean error with a
// band of one standard deviation over draws. Beside it, the ensemble reading made visible:
// the averaged softmax outputs of T dropped networks against T, next to one dropped network and
// the intact one.
import { useEffect, useState } from 'preact/hooks';
import { useChart } from '../useChart.js';
import { axis, chartConfig, percentAxis } from '../chartConfig.js';
import { usePanelSpec } from '../useExperiment.js';
import { percent } from '../format.js';
import { RunStatus } from './RunStatus.jsx';
import { SummaryTable } from './SummaryTable.jsx';
import { ChartFigure } from './ChartFigure.jsx';
import { NumberField, ChoiceField, DrawFields } from './Fields.jsx';

const RULES = [['uniform', 'every block with probability p'], ['linear', 'linear: block l with probability p·l/L']];

const bandChart = (yTitle, xTitle, xType = 'category') => () => chartConfig('line', { x: axis(xTitle, { type: xType }), y: percentAxis(yTitle) });

// mean, and mean +- sd as a filled band, of a value per group; x(g): the group's position;
// edges: the data table's names of the band's two edges (value(mean + sd), value(mean - sd)).
function band(groups, value, color, label, edges, x = null) {
  const at = (g, y) => (x ? { x: x(g), y } : y);
  return [
    { label, data: groups.map((g) => at(g, value(g.error.mean))), borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: 3 },
    { label: '', tableLabel: edges[0], data: groups.map((g) => at(g, value(g.error.mean + g.error.sd))), borderWidth: 0, pointRadius: 0, fill: '+1', backgroundColor: `${color}33` },
    { label: '', tableLabel: edges[1], data: groups.map((g) => at(g, value(g.error.mean - g.error.sd))), borderWidth: 0, pointRadius: 0 },
  ];
}

function updateDrop(chart, { summary }) {
  const groups = summary?.groups ?? [];
  const span = [0, Math.max(0.5, ...groups.map((g) => g.prob))];
  chart.data.datasets = [
    ...band(groups, (e) => e, '#3b6ea8', 'mean error (band: ± 1 sd)', ['mean error + 1 sd', 'mean error − 1 sd'], (g) => g.prob),
    { label: 'nothing dropped', data: summary ? span.map((x) => ({ x, y: 1 - summary.baseline.accuracy })) : [], borderColor: '#3b6ea8', borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0 },
    { label: 'chance (90% error)', data: span.map((x) => ({ x, y: 0.9 })), borderColor: '#b02a37', borderDash: [2, 3], borderWidth: 1, pointRadius: 0 },
  ];
  chart.options.scales.x.min = span[0];
  chart.options.scales.x.max = span[1];
}

function updateEnsemble(chart, { summary }) {
  const groups = summary?.groups ?? [];
  const single = groups.find((g) => g.size === 1);
  chart.data.labels = groups.map((g) => String(g.size));
  chart.data.datasets = [
    ...band(groups, (e) => 1 - e, '#2a9d5c', 'T dropped networks averaged (± 1 sd)', ['averaged, mean − 1 sd', 'averaged, mean + 1 sd']),
    { label: 'one dropped network (T = 1)', data: groups.map(() => (single ? 1 - single.error.mean : null)), borderColor: '#d9822b', borderDash: [4, 3], borderWidth: 1.5, pointRadius: 0 },
    { label: 'intact network', data: groups.map(() => (summary ? summary.baseline.accuracy : null)), borderColor: '#3b6ea8', borderDash: [6, 4], borderWidth: 1.5, pointRadius: 0 },
  ];
}

export function DropPanel({ lab, model, images }) {
  const drop = usePanelSpec(lab, model, 'drop', { label: `drop sweep of ${model.name}`, images });
  const ensemble = usePanelSpec(lab, model, 'ensemble', { label: `ensemble sweep of ${model.name}`, images });
  const formOf = () => ({ probs: (drop.spec.params.probs ?? [0.1, 0.2, 0.3, 0.5]).join(', '), rule: drop.spec.params.rule ?? 'uniform', trials: drop.spec.params.trials ?? 10,
    seed: drop.spec.seed ?? 1, prob: ensemble.spec.params.prob ?? 0.2, ensembleTrials: ensemble.spec.params.trials ?? 5 });
  const [form, setForm] = useState(formOf);
  useEffect(() => setForm(formOf()), [model.name, drop.revision, ensemble.revision]);
  const dropChart = useChart(bandChart('test error', 'drop probability p', 'linear'), updateDrop, { summary: drop.state?.summary });
  const ensembleChart = useChart(bandChart('test accuracy', 'networks averaged (T)'), updateEnsemble, { summary: ensemble.state?.summary });
  const probs = form.probs.split(/[,\s]+/).filter(Boolean).map(Number);
  const runDrop = () => drop.change({ probs, rule: form.rule, trials: form.trials }, form.seed, true);
  const runEnsemble = () => ensemble.change({ prob: form.prob, rule: form.rule, sizes: ensemble.spec.params.sizes ?? [1, 2, 4, 8, 16, 32], trials: form.ensembleTrials }, form.seed, true);
  const es = ensemble.state?.summary;
  const ds = drop.state?.summary;
  const worst = ds?.groups?.[ds.groups.length - 1];
  const single = es?.groups?.find((g) => g.size === 1);
  const most = es?.groups?.[es.groups.length - 1];
  return (
    <section class="panel" data-testid="panel-drop">
      <h2>Drop blocks at random</h2>
      <p class="lead" data-testid="caption-drop">
        Every block is skipped with probability p (uniform), or with a probability that grows with depth (linear, the rule
        stochastic-depth training uses), afresh for each draw. The line is the mean error over the draws, the band one
        standard deviation either side. The paper argues that a residual network is an ensemble of its paths; this is the
        same experiment its stochastic-depth training does at every step, here at test time.
        {worst && ` Measured on ${model.name}: with p = ${worst.prob} (${ds.spec.params.rule}) the mean error over ${worst.n} draws is ${percent(worst.error.mean)} ± ${percent(worst.error.sd)}; nothing dropped: ${percent(1 - ds.baseline.accuracy)}.`}
        {model.entry.kind === 'stochastic-depth' && ' This network was trained this way (linear rule), so it should suffer least under it.'}
      </p>
      <div class="controls">
        <label class="field"><span>p values</span><input type="text" value={form.probs} data-testid="drop-probs" onInput={(e) => setForm({ ...form, probs: e.currentTarget.value })} /></label>
        <ChoiceField label="rule" value={form.rule} options={RULES} testid="drop-rule" onChange={(v) => setForm({ ...form, rule: v })} />
        <DrawFields label="draws per p" form={form} testid="drop" onInput={setForm} />
      </div>
      <RunStatus label="drop" settings spec={drop.spec} state={drop.state} onCancel={drop.cancel} onRun={images ? runDrop : null} runText="Run these settings" liveImages={images} />
      <ChartFigure chart={dropChart} id="drop" label="test error against drop probability" caption={`Test error with blocks dropped at random: ${model.name}`} />
      <SummaryTable label="drop" title={model.name} state={drop.state} groups />

      <h3>Averaging dropped networks: the ensemble made visible</h3>
      <p class="lead" data-testid="caption-ensemble">
        The paper argues, but never plots, that the network behaves like an ensemble. Here T networks, each with blocks dropped
        at random (the p and rule below), vote: their softmax outputs are averaged and the top class is the prediction. If the
        dropped networks make different mistakes, the average beats any one of them. Whether it does depends on p. Measured on
        our resnet56 (1000 test images, 3 trials, linear rule): with p = 0.1 one dropped network is right on 76% of the images,
        the average of 32 on 86.5%, the intact network on 86.6%; with p = 0.5 the average gets worse as T grows (44% for one,
        30% for 32): about half the members (47%) have then dropped a downsampling block, which alone sends resnet56 to chance
        (see Delete one), and averaging broken members does not repair them. The first chart shown is for p = 0.1; choose
        p = 0.5 to see the ensemble fail.
        {single && most && ` Measured on ${model.name}: one dropped network is right on ${percent(1 - single.error.mean)} of the images, the average of ${most.size} on ${percent(1 - most.error.mean)}, the intact network on ${percent(es.baseline.accuracy)}.`}
      </p>
      <div class="controls">
        <ChoiceField label="p" value={String(form.prob)} options={[...new Set([...probs, form.prob])].map((p) => [String(p), String(p)])} testid="ensemble-prob" onChange={(v) => setForm({ ...form, prob: Number(v) })} />
        <NumberField label="ensembles per T" value={form.ensembleTrials} min={1} max={100} testid="ensemble-trials" onInput={(v) => setForm({ ...form, ensembleTrials: v })} />
      </div>
      <RunStatus label="ensemble" settings spec={ensemble.spec} state={ensemble.state} onCancel={ensemble.cancel} onRun={images ? runEnsemble : null} runText="Run these settings" liveImages={images} />
      <ChartFigure chart={ensembleChart} id="ensemble" label="accuracy of averaged dropped networks against their number" caption={`Accuracy of T averaged dropped networks: ${model.name}`} />
      <SummaryTable label="ensemble" title={model.name} state={ensemble.state} groups />
    </section>
  );
}
