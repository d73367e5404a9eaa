// ChartFigure.jsx - every chart of the page with its text alternative: the canvas (an image with
// a name) and under it, at all times, a "Data table" of exactly what it draws (chartTable.js,
// read from the chart after each update), with a caption and header cells.

// One header row, or two when a box plot's column splits into median, quartiles and range.
function Head({ table }) {
  const split = table.groups.some((g) => g.parts);
  const tall = split ? 2 : 1;
  return (
    <thead>
      <tr>
        <th scope="col" rowSpan={tall}>{table.index}</th>
        {table.groups.map((g, i) => (g.parts
          ? <th key={i} scope="colgroup" colSpan={g.parts.length}>{g.label}</th>
          : <th key={i} scope="col" rowSpan={tall}>{g.label}</th>))}
      </tr>
      {split && <tr>{table.groups.flatMap((g, i) => (g.parts ?? []).map((p, j) => <th key={`${i}-${j}`} scope="col">{p}</th>))}</tr>}
    </thead>
  );
}

export function ChartFigure({ chart, id, label, caption, small = false, hidden = false }) {
  const table = chart.table;
  const title = caption ?? label[0].toUpperCase() + label.slice(1);
  const detailsId = `chart-data-${id}`;
  return (
    <figure class="chart-figure" hidden={hidden} data-testid={`figure-${id}`}>
      <div class={`chart-box${small ? ' small' : ''}`}>
        <canvas ref={chart.canvas} data-testid={`chart-${id}`} role="img" aria-label={label} aria-details={detailsId} />
      </div>
      <details class="chart-data" id={detailsId} data-testid={detailsId}>
        <summary>Data table of this chart</summary>
        {table?.rows.length ? (
          <>
            {/* the caption, visible where the table scrolls sideways (phones); the table's own for screen readers */}
            <p class="chart-caption" aria-hidden="true">{title}</p>
            <div class="table-scroll" role="region" tabIndex={0} aria-label={`data table: ${label}`}>
              <table data-testid={`chart-table-${id}`}>
                <caption class="sr-only">{title}</caption>
                <Head table={table} />
                <tbody>
                  {table.rows.map((r, i) => (
                    <tr key={i}><th scope="row">{r.head}</th>{r.cells.map((c, j) => <td key={j}>{c}</td>)}</tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        ) : (
          <p class="chart-note">Nothing drawn yet: the chart is empty.</p>
        )}
      </details>
    </figure>
  );
}
