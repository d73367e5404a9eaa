// LesionTicker.jsx - on phones, a line pinned to the bottom of the screen while the block diagram
// scrolls by: the lesioned and the full network's accuracy, so that the blocks and the accuracy
// are visible together even for 54 blocks of 44 px.
import { useExperiment } from '../useExperiment.js';
import { percent } from '../format.js';
import { lesionParams } from './LesionPanel.jsx';

export function LesionTicker({ lab, model, deleted, order, images }) {
  const intact = useExperiment(lab, lab.defaultSpec(model, 'eval'));
  const changed = deleted.length > 0 || !!order;
  const lesion = useExperiment(lab, changed && images ? lab.spec(model, 'eval', lesionParams(deleted, order), { images }) : null);
  const row = lesion?.summary?.rows?.[0];
  const full = intact?.summary ?? lesion?.summary;
  // Said once a result is complete (a live region; the ticker itself repeats what is on screen).
  const said = changed && row && lesion.status === 'done'
    ? `${deleted.length ? `Blocks ${deleted.join(', ')} deleted` : 'Blocks reordered'}: ${percent(row.accuracy)} accuracy on ${row.images} test images; the full network ${percent(lesion.summary.baseline.accuracy)}.` : '';
  return (
    <>
    <div class="sr-only" aria-live="polite" data-testid="lesion-announce">{said}</div>
    <div class="lesion-ticker" data-testid="lesion-ticker" aria-hidden="true">
      <span>full network <strong>{percent(full?.baseline.accuracy)}</strong></span>
      <span>{changed ? <>{deleted.length ? `${deleted.length} deleted` : 'reordered'}: <strong>{row ? percent(row.accuracy) : '…'}</strong>{row && lesion.status !== 'done' ? ` (${row.images} images so far)` : ''}</> : 'tap blocks to delete them'}</span>
    </div>
    </>
  );
}
