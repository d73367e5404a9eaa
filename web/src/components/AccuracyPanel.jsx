// AccuracyPanel.jsx - test accuracy of the full network and of the one with the deleted blocks.
import { percent, accuracyOf, blockList } from '../format.js';
import { Progress } from './Progress.jsx';

export function AccuracyPanel({ state, deleted, onCancel }) {
  const base = accuracyOf(state.baseline);
  const lesioned = deleted.length ? accuracyOf(state.lesioned) : base;
  const shownFor = state.deleted ?? [];
  const current = shownFor.join(',') === deleted.join(',');
  return (
    <div class="accuracy" data-testid="accuracy" data-state={current ? state.status : 'pending'} data-deleted={shownFor.map((b) => b + 1).join(',')}
      data-correct={deleted.length ? state.lesioned?.correct ?? '' : state.baseline?.correct ?? ''} data-images={state.imagesDone ?? 0}>
      <div class="figure">
        <div class="figure-label">Full network</div>
        <div class="figure-value" data-testid="baseline-accuracy">{percent(base)}</div>
      </div>
      <div class="figure">
        <div class="figure-label">{deleted.length ? `Blocks ${blockList(deleted)} deleted` : 'Nothing deleted yet'}</div>
        <div class={`figure-value${current ? '' : ' stale'}`} data-testid="lesioned-accuracy">{current ? percent(lesioned) : '…'}</div>
      </div>
      <div class="figure-note">
        {state.status === 'pending'
          ? 'Waiting for the sweep to finish…'
          : `test accuracy on ${state.imagesDone ?? 0} of ${state.imagesTotal ?? 0} images${state.status === 'cancelled' ? ' (cancelled)' : ''}`}
      </div>
      {state.status === 'running' && <Progress label="eval" done={state.imagesDone} total={state.imagesTotal} running onCancel={onCancel} />}
    </div>
  );
}
