// BlockDiagram.jsx - the network as stages of blocks; clicking a block deletes it (its skip
// connection stays) or restores it. Residual blocks are drawn with their skip connection (an arc
// over the block); a plain network has none, and is drawn without.
const RESOLUTION = [32, 16, 8];

// What a screen reader says for a block: "block 19, downsampling, stage 2, deleted".
function blockName(b, block, deleted) {
  return `block ${b}${block.downsamples ? ', downsampling' : ''}, stage ${block.stage + 1}${deleted ? ', deleted' : ''}`;
}

function blockTitle(b, block, deleted, plain) {
  const what = block.downsamples ? 'first block of its stage: halves the resolution and widens the channels' + (plain ? '' : ' (its shortcut downsamples)') : plain ? 'two layers, no skip connection' : 'residual block';
  return `Block ${b}: ${what}. Click to ${deleted ? 'restore' : 'delete'} it.`;
}

/** deleted: 1-based block numbers, as in specs. */
export function BlockDiagram({ info, deleted, onToggle, onRestoreAll }) {
  const deletedSet = new Set(deleted);
  const plain = !info.skip;
  const stages = [0, 1, 2].map((s) => info.blocks.map((block, i) => ({ block, b: i + 1 })).filter((x) => x.block.stage === s));
  return (
    <div class={`diagram${plain ? ' plain' : ''}`} data-testid="diagram" data-skip={plain ? 'false' : 'true'}>
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
                <button key={b} type="button" class={`block${block.downsamples ? ' downsample' : ''}${isDeleted ? ' deleted' : ''}`} data-block={b}
                  aria-pressed={isDeleted ? 'true' : 'false'} aria-label={blockName(b, block, isDeleted)} title={blockTitle(b, block, isDeleted, plain)} onClick={() => onToggle(b)}>
                  {!plain && <span class="skip" aria-hidden="true" />}
                  {b}
                  {/* drawn by CSS, so that the visible text ("19") is part of the accessible name */}
                  {block.downsamples && <span class="badge badge-drawn" aria-hidden="true" />}
                </button>
              );
            })}
          </div>
        </div>
      ))}
      <div class="diagram-end">pool +<br />linear → 10</div>
      <div class="diagram-legend">
        {plain ? <span>plain network: no skip connections, one path through every layer ·</span> : <span><span class="skip-sample" /> skip connection ·</span>}
        <span class="block sample">n</span> {plain ? 'block of two layers' : 'residual block'}
        <span class="block sample downsample">n<span class="badge">↓2</span></span> downsampling block
        <span class="block sample deleted">n</span> deleted
        {deleted.length > 0 && (
          <button type="button" class="link" onClick={onRestoreAll}>restore all</button>
        )}
      </div>
    </div>
  );
}
