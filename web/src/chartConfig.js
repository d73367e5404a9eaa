// chartConfig.js - the options every chart of the lab shares (no animation, fills its box, legend
// below, band edges without a label kept out of the legend), so that a panel states only its axes.

/** Ticks of a 0..1 axis shown as percentages. */
export const percentTicks = { callback: (v) => `${Math.round(v * 100)}%` };

/** An axis titled `text`; `more`: its other Chart.js scale options. */
export const axis = (text, more = {}) => ({ ...more, title: { display: true, text } });

/** A 0..100% axis titled `text`, fixed so that it does not jump as results arrive. */
export const percentAxis = (text, more = {}) => axis(text, { min: 0, max: 1, ticks: percentTicks, ...more });

/**
 * A Chart.js config for useChart: `type`, `scales`, and optionally `table` (the data table's
 * options, chartTable.js), `tooltip` (the tooltip plugin's options) and `indexAxis`.
 */
export function chartConfig(type, scales, { table, tooltip, indexAxis } = {}) {
  const plugins = { legend: { position: 'bottom', labels: { boxWidth: 14, filter: (item) => item.text !== '' } } };
  if (tooltip) plugins.tooltip = tooltip;
  const options = { animation: false, responsive: true, maintainAspectRatio: false, scales, plugins };
  if (indexAxis) options.indexAxis = indexAxis;
  return { type, data: { labels: [], datasets: [] }, options, ...(table ? { table } : {}) };
}
