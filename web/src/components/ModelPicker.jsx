// ModelPicker.jsx - choose one of the networks this build ships or the user opened from a file
// (listed apart, as "your files"), one to compare it with, and how many of the page's test images
// live runs use.
const describe = (m) => `${m.name} — ${m.num_blocks} blocks${typeof m.accuracy === 'number' ? `, ${(m.accuracy > 1 ? m.accuracy : 100 * m.accuracy).toFixed(1)}% test accuracy` : ''}${m.note ? ` (${m.note})` : ''}`;

// The shipped networks, then the user's own files in a group of their own.
function Options({ models, label }) {
  const option = (m) => <option value={m.name} key={m.name}>{label(m)}</option>;
  const own = models.filter((m) => m.user);
  if (!own.length) return models.map(option);
  return (
    <>
      <optgroup label="Shipped with the lab">{models.filter((m) => !m.user).map(option)}</optgroup>
      <optgroup label="Your files (kept in this browser)">{own.map(option)}</optgroup>
    </>
  );
}

export function ModelPicker({ models, value, onChange, disabled }) {
  return (
    <label class="picker">
      <span>Network</span>
      <select id="model-select" value={value} disabled={disabled} onChange={(e) => onChange(e.currentTarget.value)}>
        <Options models={models} label={describe} />
      </select>
    </label>
  );
}

/** What the shown network is, how it was trained and what of the paper it reproduces: the
 * manifest's "description", written by models/zoo_report.py from the measurements (the user's
 * own files have none; OpenModel says what they are). */
export function ModelDescription({ entry }) {
  if (!entry?.description) return null;
  return (
    <p class="model-description" data-testid="model-description" data-model={entry.name}>
      <strong>{entry.name}</strong>: {entry.description}
    </p>
  );
}

/** The second network of the delete-one chart; the manifest's "compare" pairs are the default. */
export function ComparePicker({ models, model, value, onChange }) {
  return (
    <label class="picker">
      <span>Compare with</span>
      <select id="compare-select" value={value ?? ''} onChange={(e) => onChange(e.currentTarget.value || null)}>
        <option value="">nothing</option>
        <Options models={models.filter((m) => m.name !== model)} label={(m) => (m.user ? `${m.name} (your file)` : m.name)} />
      </select>
    </label>
  );
}

/** How many of the shipped test images live runs use. */
export function ImagesPicker({ available, value, onChange, disabled }) {
  const options = [100, 200, 500, 1000, 2000, 5000, 10000].filter((n) => n < available);
  options.push(available);
  if (!options.includes(value)) options.splice(options.findIndex((n) => n > value), 0, value); // a count from a link
  return (
    <label class="picker">
      <span>Live runs on</span>
      <select id="images-select" value={value} disabled={disabled} onChange={(e) => onChange(Number(e.currentTarget.value))}>
        {options.map((n) => <option value={n} key={n}>{n === available ? `${n} test images (all in this build)` : `${n} test images`}</option>)}
      </select>
    </label>
  );
}
