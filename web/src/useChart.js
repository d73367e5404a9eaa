// useChart.js - one Chart.js chart per canvas, created once and updated in place, with its data
// table (chartTable.js) read from what it draws after every update.
import { useEffect, useRef, useState } from 'preact/hooks';
import { Chart, BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip, Filler } from 'chart.js';
import { BoxPlotController, BoxAndWiskers } from '@sgratzl/chartjs-chart-boxplot';
import { chartTable } from './chartTable.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip, Filler, BoxPlotController, BoxAndWiskers);
// Small phones: smaller type, so that legends leave room for the chart.
if (globalThis.matchMedia?.('(max-width: 600px)').matches) Chart.defaults.font.size = 10;

// Dark mode follows the system: text, grid and the page's dataset colours get dark-background
// variants, and live charts switch when the system does.
const darkQuery = globalThis.matchMedia?.('(prefers-color-scheme: dark)');
const DARK_COLORS = { '59,110,168': '125,176,234', '176,42,55': '242,139,149', '108,117,125': '160,168,179', '42,157,92': '92,200,138', '217,130,43': '240,163,94' };
const hexToRgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(',');
function darken(value) {
  if (Array.isArray(value)) return value.map(darken);
  if (typeof value !== 'string') return value;
  if (/^#[0-9a-f]{6}$/i.test(value)) {
    const to = DARK_COLORS[hexToRgb(value)];
    return to ? `rgb(${to})` : value;
  }
  return value.replace(/(rgba?)\((\d+),\s*(\d+),\s*(\d+)/, (m, fn, r, g, b) => {
    const to = DARK_COLORS[`${r},${g},${b}`];
    return to ? `${fn}(${to}` : m;
  });
}
const COLOR_KEYS = ['borderColor', 'backgroundColor', 'pointBorderColor', 'pointBackgroundColor', 'outlierBackgroundColor', 'outlierBorderColor', 'medianColor', 'meanBackgroundColor'];
const live = new Set();

/** Text, grid and dataset colours for the current scheme (a chart's datasets are rebuilt light). */
function theme(chart) {
  const dark = !!darkQuery?.matches;
  const text = dark ? '#c9d1db' : '#5b6675';
  const grid = dark ? 'rgba(255,255,255,0.12)' : 'rgba(0,0,0,0.1)';
  chart.options.color = text;
  for (const scale of Object.values(chart.options.scales ?? {})) {
    scale.ticks = { ...scale.ticks, color: text };
    scale.grid = { ...scale.grid, color: grid };
    if (scale.title) scale.title.color = text;
  }
  if (chart.options.plugins?.legend?.labels) chart.options.plugins.legend.labels.color = text;
  chart.canvas.dataset.theme = dark ? 'dark' : 'light';
  if (dark) {
    for (const d of chart.data.datasets) {
      d.lightColors ??= Object.fromEntries(COLOR_KEYS.filter((k) => d[k] !== undefined).map((k) => [k, d[k]]));
      for (const [k, v] of Object.entries(d.lightColors)) d[k] = darken(v);
    }
  } else {
    for (const d of chart.data.datasets) if (d.lightColors) Object.assign(d, d.lightColors);
  }
}
darkQuery?.addEventListener?.('change', () => {
  for (const chart of live) {
    theme(chart);
    chart.update('none');
  }
});

/**
 * create() returns the initial config (its `table` member: the data table's options, see
 * chartTable.js); update(chart, data) mutates chart.data (and options) for new data. Returns
 * {canvas, table}: the canvas ref and the table of what the chart shows now (ChartFigure).
 */
export function useChart(create, update, data) {
  const canvas = useRef(null);
  const chart = useRef(null);
  const tableOptions = useRef(null);
  const [table, setTable] = useState(null);
  useEffect(() => {
    const { table: options, ...config } = create();
    tableOptions.current = options ?? {};
    const created = new Chart(canvas.current, config);
    chart.current = created;
    theme(created);
    created.update('none');
    live.add(created);
    return () => {
      live.delete(created);
      created.destroy();
    };
  }, []);
  useEffect(() => {
    if (!chart.current) return;
    update(chart.current, data);
    theme(chart.current);
    chart.current.update('none');
    // What the chart drew, for readers of the DOM (the end-to-end tests): per dataset, its label
    // and the number of values it holds.
    canvas.current.dataset.series = JSON.stringify(chart.current.data.datasets.map((d) => ({ label: d.label, values: d.data.filter((v) => v != null).length })));
    const next = chartTable(chart.current, tableOptions.current);
    const text = JSON.stringify(next);
    setTable((prev) => (prev?.text === text ? prev : { ...next, text }));
  }, [data]);
  return { canvas, table };
}
