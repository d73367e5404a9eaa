// ExportBar.jsx - a panel's downloads: chart (PNG), numbers (CSV), summary with what
// reproduces it (JSON) and the spec alone (for `unravel run`).
import { download, exportName, exportJson, exportCsv, chartPng, exportContext } from '../exports.js';

const NO_CHART = new Set(['eval', 'lesion']);

export function ExportBar({ label, state }) {
  const summary = state?.summary;
  if (!summary) return null;
  const spec = summary.spec;
  const name = exportName(spec);
  const png = async (e) => {
    // The panel's chart of this label (the drop panel holds two), else the section's one.
    const section = e.currentTarget.closest('section');
    const canvas = section?.querySelector(`canvas[data-testid=chart-${label}]`) ?? section?.querySelector('canvas[data-testid^=chart-]');
    if (canvas) download(`${name}.png`, await chartPng(canvas));
  };
  return (
    <div class="export-bar" data-testid={`export-${label}`}>
      <span>Download:</span>
      {!NO_CHART.has(label) && <button type="button" class="secondary small" data-testid={`export-png-${label}`} onClick={png}>chart (PNG)</button>}
      <button type="button" class="secondary small" data-testid={`export-csv-${label}`} onClick={() => download(`${name}.csv`, exportCsv(summary), 'text/csv')}>numbers (CSV)</button>
      <button type="button" class="secondary small" data-testid={`export-json-${label}`} onClick={() => download(`${name}.json`, JSON.stringify(exportJson(state, exportContext()), null, 1))}>everything (JSON)</button>
      <button type="button" class="secondary small" data-testid={`export-spec-${label}`} onClick={() => download(`${name}.spec.json`, JSON.stringify(spec, null, 1))}>spec for the CLI</button>
    </div>
  );
}
