// Progress.jsx - images done out of the run's total, with a cancel button while it runs.
export function Progress({ done, total, running, onCancel, label }) {
  return (
    <div class="progress" data-testid={`progress-${label}`}>
      <progress max={total || 1} value={done} aria-label={`${label}: images done`} />
      <span class="progress-text">{done} / {total} images</span>
      {running && (
        <button type="button" class="cancel" onClick={onCancel} data-testid={`cancel-${label}`}>Cancel</button>
      )}
    </div>
  );
}
