// errorBoxplots.js - the box-plot charts of test error the delete-k and reorder panels draw
// (Figs. 5a, 5b): one chart setup, and the paper's boxes (median and quartiles) beside ours.
import { axis, chartConfig, percentAxis } from './chartConfig.js';

/** A Chart.js config: box plots of test error (0-100%) over categories named xTitle. */
export const errorBoxplotConfig = (xTitle) => chartConfig('boxplot', { x: axis(xTitle), y: percentAxis('test error') });

/** The paper's boxes ({q1, median, q3} or null per category; whiskers at the quartiles), in grey. */
export function paperBoxes(label, paper) {
  return { type: 'boxplot', label, data: paper.map((p) => (p ? { min: p.q1, q1: p.q1, median: p.median, q3: p.q3, max: p.q3 } : null)),
    backgroundColor: 'rgba(108,117,125,0.2)', borderColor: '#6c757d', borderWidth: 1, outlierRadius: 0, itemRadius: 0, meanRadius: 0 };
}
