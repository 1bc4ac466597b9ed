// The match rate of a reconciliation's recent runs (oldest → newest) as a small line chart with a 0–100 % axis.
import { pct } from "./format";

export function TrendChart({ runs }: { runs: Array<{ at: Date | string; matchRate: number; runId: string }> }) {
  if (runs.length === 0) return <p className="text-sm text-slate-500">No completed run yet.</p>;
  const w = 560;
  const h = 140;
  const left = 40;
  const bottom = 20;
  const x = (i: number) =>
    runs.length === 1 ? left + (w - left) / 2 : left + (i * (w - left - 8)) / (runs.length - 1);
  const y = (v: number) => 6 + (1 - v) * (h - bottom - 6);
  const d = runs.map((r, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(r.matchRate).toFixed(1)}`).join(" ");
  const day = (t: Date | string) => new Date(t).toLocaleDateString("en-GB", { day: "numeric", month: "short" });
  return (
    <svg
      viewBox={`0 0 ${w} ${h}`}
      className="w-full max-w-2xl"
      role="img"
      aria-label={`Match rate over ${runs.length} runs, last ${pct(runs.at(-1)!.matchRate)}`}
    >
      {[1, 0.5, 0].map((v) => (
        <g key={v}>
          <line x1={left} x2={w} y1={y(v)} y2={y(v)} className="stroke-slate-200" strokeDasharray="3 3" />
          <text x={left - 6} y={y(v) + 4} textAnchor="end" className="fill-slate-400 text-[10px]">
            {v * 100}%
          </text>
        </g>
      ))}
      <path d={d} fill="none" className="stroke-brand-600" strokeWidth={2} />
      {runs.map((r, i) => (
        <circle
          key={r.runId}
          cx={x(i)}
          cy={y(r.matchRate)}
          r={3}
          className={r.matchRate >= 1 ? "fill-emerald-600" : "fill-red-600"}
        >
          <title>
            {new Date(r.at).toLocaleString()}: {pct(r.matchRate)}
          </title>
        </circle>
      ))}
      <text x={left} y={h - 4} className="fill-slate-400 text-[10px]">
        {day(runs[0]!.at)}
      </text>
      <text x={w} y={h - 4} textAnchor="end" className="fill-slate-400 text-[10px]">
        {day(runs.at(-1)!.at)}
      </text>
    </svg>
  );
}
