// sweepFacts.js - what the page says about a delete-one sweep, computed one way for every caption:
// each deleted block's error over the intact error, with block 1 and the downsampling blocks set
// apart as the paper's figures set them apart. The rest are the "ordinary" blocks.

/** A sweep's errors as [{block, error}] (block numbers from 1), from the core's summary. */
export const errorsOf = (summary) => (summary?.rows ?? []).map((r) => ({ block: r.deleted[0], error: 1 - r.accuracy }));

/**
 * base: the intact error; errors: [{block, error}]; isDownsampling(block). Returns the ordinary
 * blocks' count, how many cost more than one point (over), the worst, the mean and median cost
 * (fractions of error), the downsampling blocks' errors and block 1's.
 */
export function deleteOneFacts(base, errors, isDownsampling) {
  const ordinary = errors.filter(({ block }) => block !== 1 && !isDownsampling(block));
  const costs = ordinary.map((r) => r.error - base).sort((a, b) => a - b);
  const mid = costs.length >> 1;
  return {
    base,
    count: ordinary.length,
    over: costs.filter((c) => c > 0.01).length,
    worst: ordinary.reduce((w, r) => (r.error > (w?.error ?? -1) ? r : w), null),
    meanCost: costs.reduce((sum, c) => sum + c, 0) / Math.max(1, costs.length),
    medianCost: costs.length ? (costs.length % 2 ? costs[mid] : (costs[mid - 1] + costs[mid]) / 2) : NaN,
    down: errors.filter(({ block }) => isDownsampling(block)),
    first: errors.find(({ block }) => block === 1)?.error ?? null,
    lowest: Math.min(...errors.map((r) => r.error)),
    highest: Math.max(...errors.map((r) => r.error)),
  };
}
