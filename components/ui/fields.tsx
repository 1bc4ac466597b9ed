// Small labelled form controls used by filter bars: every control has an accessible name.
import { useId } from "react";
export function SelectField({
  label,
  value,
  options,
  onChange,
  anyLabel = "Any",
}: {
  label: string;
  value: string;
  options: ReadonlyArray<{ value: string; label: string }>;
  onChange: (v: string) => void;
  anyLabel?: string;
}) {
  // The label sits beside the select (not around it), so the select's name is the label alone, not every option.
  const id = useId();
  return (
    <div className="text-xs font-medium text-slate-600">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        className="mt-1 block rounded-md border border-slate-300 bg-white px-2 py-2 text-sm"
        value={value}
        onChange={(e) => onChange(e.target.value)}
      >
        <option value="">{anyLabel}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function TextField({
  label,
  value,
  onChange,
  type = "text",
  placeholder,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  type?: string;
  placeholder?: string;
}) {
  return (
    <label className="text-xs font-medium text-slate-600">
      {label}
      <input
        type={type}
        placeholder={placeholder}
        className="mt-1 block rounded-md border border-slate-300 px-2 py-1.5 text-sm"
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </label>
  );
}
