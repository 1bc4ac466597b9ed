// Pure helpers of the KPI definitions (core/kpis/definitions.ts): weeks, ageing buckets, percentiles. The
// server's SQL computes the same things in Postgres; these define them for tests, the UI and the docs.
import { AGEING_BUCKETS, type AgeingBucketId } from "./definitions";

const DAY = 86_400_000;

/** The start (Monday 00:00 UTC) of the ISO week holding `t` — Postgres date_trunc('week', t AT TIME ZONE 'UTC'). */
export function weekStart(t: Date): Date {
  const d = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()));
  const dow = (d.getUTCDay() + 6) % 7; // Monday = 0
  return new Date(d.getTime() - dow * DAY);
}

/** The last `n` week starts up to and including the week of `asOf`, oldest first. */
export function lastWeeks(asOf: Date, n: number): Date[] {
  const end = weekStart(asOf).getTime();
  return Array.from({ length: n }, (_, i) => new Date(end - (n - 1 - i) * 7 * DAY));
}

/** Whole days between approval and `asOf` → its ageing bucket. */
export function ageingBucket(approvedAt: Date, asOf: Date): AgeingBucketId {
  const days = Math.floor((asOf.getTime() - approvedAt.getTime()) / DAY);
  return (AGEING_BUCKETS.find((b) => days >= b.min && days <= b.max) ?? AGEING_BUCKETS[0]).id;
}

/** Continuous percentile (linear interpolation), as Postgres percentile_cont. null for no values. */
export function percentile(values: readonly number[], p: number): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const rank = p * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo]! + (s[hi]! - s[lo]!) * (rank - lo);
}
