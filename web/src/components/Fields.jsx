// Fields.jsx - the small inputs of the panels' settings.
export function NumberField({ label, value, min, max, step = 1, onInput, testid }) {
  return (
    <label class="field">
      <span>{label}</span>
      <input type="number" value={value} min={min} max={max} step={step} data-testid={testid} onInput={(e) => onInput(Number(e.currentTarget.value))} />
    </label>
  );
}

export function ChoiceField({ label, value, options, onChange, testid }) {
  return (
    <label class="field">
      <span>{label}</span>
      <select value={value} data-testid={testid} onChange={(e) => onChange(e.currentTarget.value)}>
        {options.map(([v, text]) => <option key={v} value={v}>{text}</option>)}
      </select>
    </label>
  );
}
