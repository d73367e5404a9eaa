// chartTable.js - the text alternative of a chart: a table read from the Chart.js chart itself
// (its labels, datasets and the box statistics it computed), so that it holds exactly what is
// drawn. Rows are the category labels, or for a numeric x axis the x positions of the points;
// a column per labelled dataset (a box plot gives three: median, quartiles, range). A dataset
// of two points at one height (a reference line across the axis) fills every row it spans.
//
// Options (the chart config's `table` member, see useChart.js):
//   values: {axisId: 'percent' | 'number' | 'yes'}  how values on that axis read (default percent)
//   index:  header of the row column (default: the index axis' title)
// Datasets may carry tableLabel (a column for a dataset kept out of the legend, label '') and
// tableFormat (one of the formats, for that dataset); points may carry name (said after the x value, e.g. "block 3 of 9").

const percentText = (v) => {
  const p = 100 * v;
  if (p === 0) return '0%';
  return Math.abs(p) >= 0.01 ? `${p.toFixed(2)}%` : `${p.toExponential(2)}%`;
};
const FORMATS = {
  percent: percentText,
  number: (v) => v.toFixed(3),
  yes: (v) => (v ? 'yes' : ''),
};
const xText = (x) => String(Number(x.toFixed(4)));
const key = (x) => Math.round(x * 1e9);

const isPoint = (p) => p !== null && typeof p === 'object' && !Array.isArray(p) && typeof p.x === 'number';
// Two points at one height spanning part of the axis: a reference line.
const isLevel = (data) => data.length === 2 && isPoint(data[0]) && isPoint(data[1]) && data[0].y === data[1].y && data[0].x !== data[1].x;

const BOX_PARTS = ['median', 'middle half (quartiles)', 'range (min–max)'];

/** {index, groups: [{label, parts}], rows: [{head, cells}]} of what a Chart.js chart draws now:
 * index heads the row column, each group one column (parts null) or one per part. */
export function chartTable(chart, options = {}) {
  const indexAxis = chart.options.indexAxis === 'y' ? 'y' : 'x';
  const valueAxisOf = (d) => (indexAxis === 'y' ? d.xAxisID ?? 'x' : d.yAxisID ?? 'y');
  const format = (d) => FORMATS[d.tableFormat ?? options.values?.[valueAxisOf(d)] ?? 'percent'];
  const datasets = chart.data.datasets
    .map((d, i) => ({ d, i, label: d.tableLabel ?? d.label ?? '' }))
    .filter(({ label }) => label !== '');
  const labels = chart.data.labels ?? [];
  const boxplot = (d) => (d.type ?? chart.config.type) === 'boxplot';

  // Column headers: the row column, then per dataset its label and, for a box plot, its three parts.
  const index = options.index ?? chart.options.scales?.[indexAxis]?.title?.text ?? '';
  const groups = datasets.map(({ d, label }) => ({ label, parts: boxplot(d) ? BOX_PARTS : null }));

  let rows;
  if (labels.length) {
    rows = labels.map((l, j) => ({ head: String(l), at: (d, i) => ({ value: d.data[j], parsed: boxplot(d) ? chart.getDatasetMeta(i).controller.getParsed(j) : null }) }));
  } else {
    // A numeric x axis: the points' x positions, with the names points give them.
    const xs = new Map();
    const pointSets = datasets.filter(({ d }) => !isLevel(d.data));
    for (const { d } of pointSets.length ? pointSets : datasets) {
      for (const p of d.data) {
        if (!isPoint(p)) continue;
        const row = xs.get(key(p.x)) ?? { x: p.x, names: [] };
        if (p.name && !row.names.includes(p.name)) row.names.push(p.name);
        xs.set(key(p.x), row);
      }
    }
    rows = [...xs.values()].sort((a, b) => a.x - b.x).map(({ x, names }) => ({
      head: names.length ? `${xText(x)} (${names.join(', ')})` : xText(x),
      at: (d) => {
        if (isLevel(d.data)) {
          const [a, b] = d.data;
          return { value: x >= Math.min(a.x, b.x) - 1e-12 && x <= Math.max(a.x, b.x) + 1e-12 ? a.y : null };
        }
        return { value: d.data.find((p) => isPoint(p) && key(p.x) === key(x))?.y ?? null };
      },
    }));
  }

  const cellsOf = (row) => {
    const cells = [];
    for (const { d, i } of datasets) {
      const { value, parsed } = row.at(d, i);
      const f = format(d);
      if (boxplot(d)) {
        const s = parsed && typeof parsed.median === 'number' ? parsed : null;
        cells.push(s ? f(s.median) : '', s ? `${f(s.q1)}–${f(s.q3)}` : '', s ? `${f(s.min)}–${f(s.max)}` : '');
      } else {
        cells.push(typeof value === 'number' && Number.isFinite(value) ? f(value) : '');
      }
    }
    return cells;
  };
  const body = rows.map((row) => ({ head: row.head, cells: cellsOf(row) })).filter((r) => r.cells.some((c) => c !== ''));
  return { index, groups, rows: body };
}
