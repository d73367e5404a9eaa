// LesionPanel.jsx - test accuracy of the full network and of the one with the clicked blocks
// deleted, each with the images it rests on and its 95% Wilson interval.
import { useExperiment } from '../useExperiment.js';
import { accuracyWithInterval, percent } from '../format.js';
import { RunStatus } from './RunStatus.jsx';
import { SummaryTable } from './SummaryTable.jsx';

/** The eval params of a lesion: deleted blocks and, when not the usual one, the order (1-based). */
export const lesionParams = (deleted, order) => (order ? { deleted, order } : { deleted });

export function LesionPanel({ lab, model, deleted, order = null, images }) {
  const intactSpec = lab.defaultSpec(model, 'eval');
  const intact = useExperiment(lab, intactSpec);
  const changed = deleted.length > 0 || !!order;
  const lesionSpec = changed && images ? lab.spec(model, 'eval', lesionParams(deleted, order), { images }) : null;
  const lesion = useExperiment(lab, lesionSpec);
  const row = lesion?.summary?.rows?.[0];
  // Nothing precomputed: the lesion's own run measured the full network on the same images.
  const full = intact?.summary ?? lesion?.summary;
  const done = lesion?.status === 'done';
  return (
    <div class="accuracy" data-testid="accuracy" data-state={lesion?.status ?? 'none'} data-deleted={deleted.join(',')} data-correct={row?.correct ?? ''} data-images={lesion?.imagesDone ?? 0}>
      <div class="figure">
        <div class="figure-label">Full network</div>
        <div class="figure-value" data-testid="baseline-accuracy">{percent(full?.baseline.accuracy)}</div>
        <div class="figure-note" data-testid="baseline-note">{full ? accuracyWithInterval(full.baseline) : ''}</div>
        {(intact || !full) && <RunStatus label="eval" spec={intactSpec} state={intact} onCancel={() => lab.cancel(intactSpec)} onRun={intact ? null : () => lab.submit(intactSpec, { slot: 'eval', interactive: true })} runText="Compute it" liveImages={images} />}
      </div>
      <div class="figure">
        <div class="figure-label">{deleted.length ? `${deleted.length === 1 ? 'Block' : 'Blocks'} ${deleted.join(', ')} deleted${order ? ', blocks reordered' : ''}` : order ? 'Blocks reordered' : 'Nothing deleted yet: click blocks above'}</div>
        <div class={`figure-value${done ? '' : ' stale'}`} data-testid="lesioned-accuracy">{changed ? (row ? percent(row.accuracy) : '…') : ''}</div>
        {changed && (
          <div class="figure-note" data-testid="lesioned-note">
            {row ? `${accuracyWithInterval(row)}; the full network on the same images: ${percent(lesion.summary.baseline.accuracy)}` : ''}
          </div>
        )}
        {changed && <RunStatus label="lesion" spec={lesionSpec} state={lesion} onCancel={() => lab.cancel(lesionSpec)} />}
      </div>
      <div class="figure-tables">
        <SummaryTable label="eval" title="the full network" state={intact} />
        {changed && <SummaryTable label="lesion" title="the lesioned network" state={lesion} />}
      </div>
    </div>
  );
}
