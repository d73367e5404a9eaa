// format.js - how numbers read on the page.
export const percent = (x, digits = 1) => (x == null || Number.isNaN(x) ? '–' : `${(100 * x).toFixed(digits)}%`);
export const blockList = (blocks) => blocks.map((b) => b + 1).join(', ');
export const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "86.7% (95% interval 84.4–88.7%, 1000 images)" from a core row {accuracy, wilson95, images}. */
export function accuracyWithInterval(row, digits = 1) {
  if (!row) return '–';
  const [lo, hi] = row.wilson95 ?? [];
  const interval = lo == null ? '' : `, 95% interval ${(100 * lo).toFixed(digits)}–${percent(hi, digits)}`;
  return `${percent(row.accuracy, digits)} (${row.correct} of ${row.images} images${interval})`;
}

const SCALES = [
  [1e18, 'billion billion'], [1e15, 'million billion'], [1e12, 'thousand billion'], [1e9, 'billion'], [1e6, 'million'], [1e3, 'thousand'],
];

/** 2^n in words: "2^54, about 18 million billion". */
export function powerOfTwoInWords(n) {
  const value = 2 ** n;
  if (value < 1000) return `2^${n} = ${value}`;
  const [scale, word] = SCALES.find(([s]) => value >= s);
  const amount = value / scale;
  return `2^${n}, about ${amount >= 10 ? Math.round(amount) : amount.toFixed(1)} ${word}`;
}

/** "a, b and c": a list in words. */
export const andList = (xs) => (xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);
