// Loading.jsx - the lab's skeleton while the engine, the list of models and the test images
// download, with what is done and how far; the same boxes the lab then fills (no jump).
const STEPS = [['models', 'the list of networks'], ['images', 'the test images'], ['engine', 'the engine (WebAssembly workers)']];

const kb = (n) => `${Math.round(n / 1024)} KB`;

export function Loading({ progress }) {
  return (
    <div class="skeleton" data-testid="loading" aria-busy="true">
      <div class="panel skeleton-panel">
        <p class="booting" role="status">Loading the lab…</p>
        <ul class="loading-steps">
          {STEPS.map(([step, what]) => {
            const p = progress[step];
            const done = p && p.done >= (p.total || 1) && p.total !== 0 ? true : p?.finished;
            return (
              <li key={step} data-step={step} data-done={done ? 'true' : 'false'}>
                {done ? '✓ ' : '… '}{what}
                {p && step === 'images' && !done && ` (${kb(p.done)}${p.total ? ` of ${kb(p.total)}` : ''})`}
              </li>
            );
          })}
        </ul>
        <div class="skeleton-bar" />
        <div class="skeleton-blocks">{Array.from({ length: 9 }, (_, i) => <span key={i} />)}</div>
      </div>
      <div class="panel skeleton-panel"><div class="skeleton-bar short" /><div class="skeleton-chart" /></div>
    </div>
  );
}
