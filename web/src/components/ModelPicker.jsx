// ModelPicker.jsx - choose one of the networks this build ships.
export function ModelPicker({ models, value, onChange, disabled }) {
  return (
    <label class="picker">
      <span>Network</span>
      <select id="model-select" value={value} disabled={disabled} onChange={(e) => onChange(e.currentTarget.value)}>
        {models.map((m) => (
          <option value={m.name} key={m.name}>
            {m.name} — {m.blocks} blocks{typeof m.accuracy === 'number' ? `, ${(m.accuracy > 1 ? m.accuracy : 100 * m.accuracy).toFixed(1)}% test accuracy` : ''}{m.note ? ` (${m.note})` : ''}
          </option>
        ))}
      </select>
    </label>
  );
}

/** How many of the shipped test images each experiment uses. */
export function ImagesPicker({ available, value, onChange, disabled }) {
  const options = [100, 200, 500, 1000, 2000, 5000, 10000].filter((n) => n < available);
  options.push(available);
  return (
    <label class="picker">
      <span>Test images</span>
      <select id="images-select" value={value} disabled={disabled} onChange={(e) => onChange(Number(e.currentTarget.value))}>
        {options.map((n) => (
          <option value={n} key={n}>{n === available ? `${n} (all in this build)` : n}</option>
        ))}
      </select>
    </label>
  );
}
