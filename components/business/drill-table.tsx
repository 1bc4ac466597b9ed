// One table of the Business drill-down: a heading, labelled columns (numeric ones right-aligned) and rows.
// The exceptions, team and person tables differ only in their columns.
import type { ReactNode } from "react";
import { clsx } from "clsx";

export interface DrillColumn<T> {
  label: string;
  numeric?: boolean;
  /** Extra classes of the column's cells (e.g. monospace ids, truncation). */
  className?: string;
  cell: (row: T) => ReactNode;
}

export function DrillTable<T>({
  title,
  label,
  rows,
  rowKey,
  columns,
}: {
  title: string;
  /** The table's accessible name. */
  label: string;
  rows: readonly T[];
  rowKey: (row: T) => string;
  columns: ReadonlyArray<DrillColumn<T>>;
}) {
  return (
    <div>
      <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">{title}</h3>
      <table className="mt-1 w-full text-sm" aria-label={label}>
        <thead className="text-left text-xs text-slate-500">
          <tr>
            {columns.map((c) => (
              <th key={c.label} className={clsx("py-1 font-medium", c.numeric ? "text-right" : "pr-3")}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((r) => (
            <tr key={rowKey(r)}>
              {columns.map((c) => (
                <td
                  key={c.label}
                  className={clsx("py-1.5", c.numeric ? "text-right tabular-nums" : "pr-3", c.className)}
                >
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
