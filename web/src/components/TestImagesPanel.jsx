// TestImagesPanel.jsx - the first test images of the page, each with the intact and the
// lesioned network's predicted class; images whose prediction flipped are marked. Clicking one
// shows its ten class probabilities before and after the lesion.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useChart } from '../useChart.js';
import { chartConfig, percentTicks } from '../chartConfig.js';
import { useExperiment } from '../useExperiment.js';
import { RunStatus } from './RunStatus.jsx';
import { plural, percent } from '../format.js';
import { ChartFigure } from './ChartFigure.jsx';

export const GRID = 40;
const RECORD = 3073;

function Thumbnail({ record }) {
  const canvas = useRef(null);
  useEffect(() => {
    const ctx = canvas.current.getContext('2d');
    const img = ctx.createImageData(32, 32);
    for (let p = 0; p < 1024; p++) {
      img.data[4 * p] = record[1 + p];
      img.data[4 * p + 1] = record[1 + 1024 + p];
      img.data[4 * p + 2] = record[1 + 2048 + p];
      img.data[4 * p + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [record]);
  return <canvas ref={canvas} width="32" height="32" class="thumb" />;
}

const probabilityChart = () => chartConfig('bar', { x: { min: 0, max: 1, ticks: percentTicks } },
  { indexAxis: 'y', table: { values: { x: 'percent' }, index: 'class' } });

function updateProbabilities(chart, { classes, probs, lesioned }) {
  chart.data.labels = classes;
  chart.data.datasets = probs ? [
    { label: 'intact network', data: probs.intact[0], backgroundColor: '#3b6ea8' },
    ...(lesioned ? [{ label: 'with the deleted blocks', data: probs.lesioned[0], backgroundColor: '#d9822b' }] : []),
  ] : [];
}

export function TestImagesPanel({ lab, model, deleted }) {
  const images = Math.min(GRID, lab.images.images || 0);
  const spec = images ? lab.spec(model, 'eval', deleted.length ? { deleted } : {}, { images }) : null;
  const state = useExperiment(lab, spec);
  const [chosen, setChosen] = useState(null);
  const [probs, setProbs] = useState(null);
  const classes = model.info.classes;
  const run = () => lab.submit(spec, { slot: 'test-images', label: 'test images', interactive: true });
  // A lesion is a change by the user: evaluate the grid for it at once.
  useEffect(() => {
    if (spec && deleted.length) run();
  }, [model.name, deleted.join(',')]);
  useEffect(() => {
    setProbs(null);
    if (chosen == null) return;
    let stale = false;
    lab.probabilities(model, lab.images.records.subarray(chosen * RECORD, (chosen + 1) * RECORD), deleted).then((p) => !stale && setProbs(p), () => {});
    return () => (stale = true);
  }, [chosen, model.name, deleted.join(',')]);
  const chart = useChart(probabilityChart, updateProbabilities, { classes, probs, lesioned: deleted.length > 0 });
  if (!images) return null;
  const predictions = state?.status === 'done' ? state.predictions : null;
  const lesioned = deleted.length > 0 && predictions && predictions.length >= 2 * images;
  const flips = [];
  for (let i = 0; lesioned && i < images; i++) if (predictions[i] !== predictions[images + i]) flips.push(i);
  const label = (i) => lab.images.records[i * RECORD];
  return (
    <section class="panel" data-testid="panel-test-images">
      <h2>Test images</h2>
      <p class="lead" data-testid="caption-test-images">
        The first {images} test images of the page, each with its true class and the network's guess{deleted.length ? ', intact → with blocks deleted' : ''}.
        {lesioned ? ` Deleting ${deleted.length === 1 ? 'block' : 'blocks'} ${deleted.join(', ')} changed the prediction for ${plural(flips.length, 'image')} (outlined).` : ' Delete blocks above to see which predictions change.'}
        {' '}Click an image to see how sure the network is of each class.
      </p>
      <RunStatus label="test-images" spec={spec} state={state} onCancel={() => lab.cancel(spec)} onRun={predictions ? null : run} runText="Show the predictions" />
      <div class="thumbs" data-testid="thumbs" data-flips={flips.join(',')}>
        {Array.from({ length: images }, (_, i) => {
          const before = predictions?.[i];
          const after = lesioned ? predictions[images + i] : before;
          const flipped = lesioned && before !== after;
          return (
            <button type="button" key={i} class={`thumb-cell${flipped ? ' flipped' : ''}${chosen === i ? ' chosen' : ''}`} data-image={i} onClick={() => setChosen(i)}
              title={`image ${i + 1}: ${classes[label(i)]}`}>
              <Thumbnail record={lab.images.records.subarray(i * RECORD, (i + 1) * RECORD)} />
              <span class="thumb-true">{classes[label(i)]}</span>
              {predictions && <span class={`thumb-guess${after === label(i) ? ' right' : ' wrong'}`}>{classes[before]}{lesioned && before !== after ? ` → ${classes[after]}` : ''}</span>}
            </button>
          );
        })}
      </div>
      <div class="probabilities" hidden={chosen == null}>
        <h3>Image {chosen == null ? '' : chosen + 1}: {chosen == null ? '' : classes[label(chosen)]}{probs ? ` — intact: ${classes[argmax(probs.intact[0])]} (${percent(Math.max(...probs.intact[0]))})${deleted.length ? `, lesioned: ${classes[argmax(probs.lesioned[0])]} (${percent(Math.max(...probs.lesioned[0]))})` : ''}` : ''}</h3>
        <ChartFigure chart={chart} id="probabilities" small label="class probabilities of the chosen image" caption={chosen == null ? 'Class probabilities' : `Class probabilities of image ${chosen + 1} (${classes[label(chosen)]})`} />
      </div>
    </section>
  );
}

const argmax = (row) => row.indexOf(Math.max(...row));
