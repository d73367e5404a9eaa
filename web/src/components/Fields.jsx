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

/** A range [lo, hi] of a sweep as two inputs, "<label> from" and "to". */
export function RangeFields({ label, range, min, max, testids, onInput }) {
  const [lo, hi] = range;
  return (
    <>
      <NumberField label={`${label} from`} value={lo} min={min} max={max} testid={testids[0]} onInput={(v) => onInput([v, hi])} />
      <NumberField label="to" value={hi} min={min} max={max} testid={testids[1]} onInput={(v) => onInput([lo, v])} />
    </>
  );
}

/** How many random draws a sweep makes per setting, and the seed they come from (form.trials, form.seed). */
export function DrawFields({ label, form, testid, onInput }) {
  return (
    <>
      <NumberField label={label} value={form.trials} min={1} max={500} testid={`${testid}-trials`} onInput={(trials) => onInput({ ...form, trials })} />
      <NumberField label="seed" value={form.seed} min={0} testid={`${testid}-seed`} onInput={(seed) => onInput({ ...form, seed })} />
    </>
  );
}
