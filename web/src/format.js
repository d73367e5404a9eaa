// format.js - how numbers read on the page.
export const percent = (x, digits = 1) => (x == null || Number.isNaN(x) ? '–' : `${(100 * x).toFixed(digits)}%`);
export const accuracyOf = (tally) => (tally && tally.images ? tally.correct / tally.images : null);
export const blockList = (blocks) => blocks.map((b) => b + 1).join(', ');
