// SummaryTable.jsx - the numbers behind a chart, exactly as the core summarised them: the
// unmodified network and every row (or group), each with the images it rests on and, for an
// accuracy, its 95% Wilson interval.
import { percent } from '../format.js';
import { ExportBar } from './ExportBar.jsx';

const describeRow = (r) => {
  const parts = [];
  if (r.deleted?.length) parts.push(`blocks ${r.deleted.join(', ')} deleted`);
  if (r.tau !== undefined) parts.push(`tau ${r.tau.toFixed(3)}`);
  if (r.prob !== undefined) parts.push(`p ${r.prob}`);
  if (r.size !== undefined) parts.push(`${r.size} networks averaged`);
  if (r.trial !== undefined) parts.push(`draw ${r.trial + 1}`);
  return parts.join(', ') || 'nothing deleted';
};

const interval = (w) => (w ? `${percent(w[0], 1)}–${percent(w[1], 1)}` : '');

export function SummaryTable({ label, title, state, groups = false, maxRows = 400 }) {
  const s = state?.summary;
  if (!s) return null;
  const images = s.baseline.images;
  return (
    <>
    <details class="numbers" data-testid={`numbers-${label}`}>
      <summary>The numbers{title ? ` for ${title}` : ''} ({images} test images)</summary>
      {groups && s.groups?.length > 0 && (
        <table data-testid={`groups-${label}`}>
          <thead><tr><th>group</th><th>networks</th><th>median error</th><th>quartiles</th><th>mean ± sd</th><th>min–max</th>{s.groups[0].tau_mean !== undefined && <th>mean tau</th>}</tr></thead>
          <tbody>
            {s.groups.map((g, i) => {
              const name = ['k', 'swaps', 'prob', 'size'].find((f) => g[f] !== undefined);
              return (
                <tr key={i} data-group={`${name}=${g[name]}`} data-median={g.error.median} data-mean={g.error.mean}>
                  <td>{name} = {g[name]}</td><td>{g.n}</td><td>{percent(g.error.median, 2)}</td><td>{percent(g.error.q1, 2)}–{percent(g.error.q3, 2)}</td>
                  <td>{percent(g.error.mean, 2)} ± {percent(g.error.sd, 2)}</td><td>{percent(g.error.min, 2)}–{percent(g.error.max, 2)}</td>
                  {g.tau_mean !== undefined && <td>{g.tau_mean.toFixed(3)}</td>}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <table data-testid={`rows-${label}`}>
        <thead><tr><th>network</th><th>accuracy</th><th>95% interval</th><th>correct / images</th></tr></thead>
        <tbody>
          <tr data-row="baseline" data-correct={s.baseline.correct} data-images={s.baseline.images}>
            <td>unmodified</td><td>{percent(s.baseline.accuracy, 2)}</td><td>{interval(s.baseline.wilson95)}</td><td>{s.baseline.correct} / {s.baseline.images}</td>
          </tr>
          {s.rows.slice(0, maxRows).map((r, i) => (
            <tr key={i} data-row={i} data-correct={r.correct} data-images={r.images}>
              <td>{describeRow(r)}</td><td>{percent(r.accuracy, 2)}</td><td>{interval(r.wilson95)}</td><td>{r.correct} / {r.images}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {s.rows.length > maxRows && <p class="chart-note">…and {s.rows.length - maxRows} more rows.</p>}
    </details>
    <ExportBar label={label} state={state} />
    </>
  );
}
