// RunStatus.jsx - where an experiment's numbers come from and how far it is: precomputed on the
// full test set, waiting behind another run, running (with cancel), done, cancelled, replaced.
import { Progress } from './Progress.jsx';
import { plural } from '../format.js';
import { userFileOf } from '../userModels.js';

export function RunStatus({ label, name, spec, state, onCancel, onRun, runText = 'Run it live', liveImages, settings = false }) {
  const status = state?.status ?? 'none';
  const run = onRun && (
    <button type="button" class="primary" data-testid={`run-${label}`} onClick={onRun}>
      {runText}{liveImages ? ` on ${plural(liveImages, 'test image')}` : ''}
    </button>
  );
  let line;
  if (state?.precomputed) {
    line = <span class="source" data-testid={`source-${label}`}><strong>{state.imagesTotal} test images, precomputed</strong> by the native CLI on {state.precomputed.source}.</span>;
  } else if (status === 'queued') {
    line = <span>{state.waitingFor ? `Waiting: the ${state.waitingFor} runs first.` : 'Starting…'}{state.replaced ? ' It replaces the run of your earlier settings (cancelled).' : ''}</span>;
  } else if (status === 'running') {
    line = state.replaced ? <span data-testid={`replaced-${label}`}>It replaced the run of your earlier settings (cancelled).</span> : null;
  } else if (status === 'done') {
    line = <span class="source">Live, in this browser: the page's first {plural(state.imagesDone, 'test image')}.</span>;
  } else if (status === 'cancelled') {
    line = <span>Cancelled after {plural(state.imagesDone ?? 0, 'image')}: the chart shows those.</span>;
  } else if (status === 'superseded') {
    line = <span>Replaced by your newer settings.</span>;
  } else if (status === 'error') {
    line = <span class="error-text">Failed: {state.error}</span>;
  } else if (userFileOf(spec)) {
    line = <span class="source" data-testid={`source-${label}`}><strong>Your file:</strong> nothing is precomputed for it; its numbers are computed live, in this browser.</span>;
  } else {
    line = <span>Not computed yet.</span>;
  }
  const active = status === 'running' || status === 'queued';
  const liveDone = status === 'done' && !state?.precomputed && !settings; // a panel with settings may run new ones
  return (
    <div class="run-status" data-testid={`status-${label}`} data-state={status} data-images={state?.imagesDone ?? 0} data-precomputed={state?.precomputed ? 'true' : 'false'}
      data-spec={spec ? JSON.stringify(spec) : ''} data-summary-rows={state?.summary?.rows?.length ?? ''} data-summary-images={state?.summary?.baseline.images ?? ''}>
      {name && <strong class="run-name">{name}:</strong>}
      {line && <span class="run-line" aria-live="polite">{line}</span>}
      {status === 'running' && <Progress label={label} done={state.imagesDone ?? 0} total={state.imagesTotal ?? 0} running onCancel={onCancel} />}
      {status === 'queued' && <button type="button" class="cancel" onClick={onCancel} data-testid={`cancel-${label}`}>Cancel</button>}
      {(settings || !active) && !liveDone && run}
    </div>
  );
}
