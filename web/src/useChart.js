// useChart.js - one Chart.js chart per canvas, created once and updated in place.
import { useEffect, useRef } from 'preact/hooks';
import { Chart, BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip, Filler } from 'chart.js';
import { BoxPlotController, BoxAndWiskers } from '@sgratzl/chartjs-chart-boxplot';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip, Filler, BoxPlotController, BoxAndWiskers);
// Small phones: smaller type, so that legends leave room for the chart.
if (globalThis.matchMedia?.('(max-width: 600px)').matches) Chart.defaults.font.size = 10;

/** create() returns the initial config; update(chart, data) mutates chart.data (and options) for new data. */
export function useChart(create, update, data) {
  const canvas = useRef(null);
  const chart = useRef(null);
  useEffect(() => {
    chart.current = new Chart(canvas.current, create());
    return () => chart.current.destroy();
  }, []);
  useEffect(() => {
    if (!chart.current) return;
    update(chart.current, data);
    chart.current.update('none');
    // What the chart drew, for readers of the DOM (the end-to-end tests): per dataset, its label
    // and the number of values it holds.
    canvas.current.dataset.series = JSON.stringify(chart.current.data.datasets.map((d) => ({ label: d.label, values: d.data.filter((v) => v != null).length })));
  }, [data]);
  return canvas;
}
