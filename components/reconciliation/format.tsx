// Small shared pieces of the Reconciliation pages: rates, money and hours, a match-rate sparkline.
import { formatMoney } from "@/core/exceptions/business";

export const pct = (r: number | null | undefined): string =>
  r === null || r === undefined ? "—" : `${(Math.floor(r * 1000) / 10).toFixed(1)}%`;

/** A match rate's tone: all matched, a few breaks, many. */
export const rateTone = (r: number): "green" | "amber" | "red" => (r >= 1 ? "green" : r >= 0.95 ? "amber" : "red");

export function money(amount: number | string | null | undefined, currency: string | null | undefined): string {
  const n = typeof amount === "string" ? Number(amount) : (amount ?? 0);
  return formatMoney(Math.round(n * 100) / 100, currency ?? "USD");
}

export function hours(h: number | string | null | undefined): string {
  const n = typeof h === "string" ? Number(h) : (h ?? 0);
  return `${Math.round(n * 100) / 100} h`;
}

/** "missing:dw" → "Missing on dw"; a rule id stays as it is. */
export function ruleLabel(rule: string): string {
  const [kind, side] = rule.split(":");
  if (side && kind === "missing") return `Missing on ${side}`;
  if (side && kind === "duplicate") return `Duplicate on ${side}`;
  if (side && kind === "unkeyed") return `No key on ${side}`;
  return rule;
}

/** Match rate over recent runs (oldest → newest), 0–100 % on a fixed scale so two sparklines compare. */
export function Sparkline({
  points,
  width = 120,
  height = 28,
  label,
}: {
  points: number[];
  width?: number;
  height?: number;
  label: string;
}) {
  if (points.length === 0) return <span className="text-xs text-slate-400">no runs yet</span>;
  const pad = 2;
  const x = (i: number) => (points.length === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (points.length - 1));
  const y = (v: number) => pad + (1 - v) * (height - 2 * pad);
  const d = points.map((v, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
  const last = points.at(-1)!;
  return (
    <svg width={width} height={height} role="img" aria-label={label} className="overflow-visible">
      <line x1={0} x2={width} y1={y(1)} y2={y(1)} className="stroke-slate-200" strokeDasharray="2 2" />
      <path d={d} fill="none" className="stroke-brand-600" strokeWidth={1.5} />
      <circle
        cx={x(points.length - 1)}
        cy={y(last)}
        r={2.5}
        className={last >= 1 ? "fill-emerald-600" : "fill-red-600"}
      />
    </svg>
  );
}
