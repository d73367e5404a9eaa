// useChart.js - one Chart.js chart per canvas, created once and updated in place.
import { useEffect, useRef } from 'preact/hooks';
import { Chart, BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip } from 'chart.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Legend, Tooltip);

/** create() returns the initial config; update(chart, data) mutates chart.data for new data. */
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
    // What the chart really drew, for readers of the DOM (the end-to-end test).
    canvas.current.dataset.bars = String(chart.current.getDatasetMeta(0).data.length);
    canvas.current.dataset.values = String(chart.current.data.datasets[0].data.filter((v) => v != null).length);
  }, [data]);
  return canvas;
}
