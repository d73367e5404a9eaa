// BlockDiagram.jsx - the network as stages of residual blocks; clicking a block deletes it
// (its skip connection stays) or restores it.
const RESOLUTION = [32, 16, 8];

function blockTitle(b, block, deleted) {
  const what = block.downsamples ? 'first block of its stage: halves the resolution and widens the channels (its shortcut downsamples)' : 'residual block';
  return `Block ${b + 1}: ${what}. Click to ${deleted ? 'restore' : 'delete'} it.`;
}

export function BlockDiagram({ info, deleted, onToggle, onRestoreAll }) {
  const deletedSet = new Set(deleted);
  const stages = [0, 1, 2].map((s) => info.blocks.map((block, b) => ({ block, b })).filter((x) => x.block.stage === s));
  return (
    <div class="diagram" data-testid="diagram">
      <div class="diagram-end">image<br />3×32×32</div>
      <div class="diagram-arrow">→</div>
      <div class="diagram-end">conv<br />3→{info.widths[0]}</div>
      {stages.map((blocks, s) => (
        <div class="stage" key={s}>
          <div class="stage-label">
            Stage {s + 1} · {info.widths[s]} channels · {RESOLUTION[s]}×{RESOLUTION[s]}
          </div>
          <div class="stage-blocks">
            {blocks.map(({ block, b }) => {
              const isDeleted = deletedSet.has(b);
              return (
                <button
                  key={b}
                  type="button"
                  class={`block${block.downsamples ? ' downsample' : ''}${isDeleted ? ' deleted' : ''}`}
                  data-block={b + 1}
                  aria-pressed={isDeleted ? 'true' : 'false'}
                  title={blockTitle(b, block, isDeleted)}
                  onClick={() => onToggle(b)}
                >
                  {b + 1}
                  {block.downsamples && <span class="badge">↓2</span>}
                </button>
              );
            })}
          </div>
        </div>
      ))}
      <div class="diagram-end">pool +<br />linear → 10</div>
      <div class="diagram-legend">
        <span class="block sample">n</span> residual block
        <span class="block sample downsample">n<span class="badge">↓2</span></span> downsampling block
        <span class="block sample deleted">n</span> deleted
        {deleted.length > 0 && (
          <button type="button" class="link" onClick={onRestoreAll}>restore all</button>
        )}
      </div>
    </div>
  );
}
