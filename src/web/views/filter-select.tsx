/**
 * A labelled `<select>` for list filters: an "any" choice first, then the options, the current one
 * selected. Used by the Operations and Findings filters.
 * @module
 */

/** Props of {@link FilterSelect}. */
export interface FilterSelectProps {
  label: string;
  name: string;
  /** Text of the empty choice ("Any tenant"). */
  anyLabel: string;
  /** `[value, label]` pairs. */
  options: readonly (readonly [string, string])[];
  /** The current value, if any. */
  selected: string | undefined;
}

/** One filter dropdown. */
export function FilterSelect({ label, name, anyLabel, options, selected }: FilterSelectProps) {
  return (
    <label>
      {label}
      <select name={name}>
        <option value="">{anyLabel}</option>
        {options.map(([value, text]) => (
          <option value={value} selected={selected === value}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}
