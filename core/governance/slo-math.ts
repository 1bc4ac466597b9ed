// SLO arithmetic: pure functions over pre-aggregated buckets, no I/O (shared by the server, the
// benchmark and the tests). Definitions follow the SRE workbook: attainment = good / total, error budget =
// (1 − target) × total, burn rate = error ratio / (1 − target), and the multi-window multi-burn-rate rules
// of its table 5-8 (short window = 1/12 of the long one), with a minimum-event guard for low volume.

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** Runs are folded into buckets of this width, keyed by when they finished. */
export const BUCKET_MS = 5 * MINUTE;

/**
 * Upper bounds (inclusive, ms) of the latency / freshness histogram bins; the last bin is "above 7 d".
 * SLO thresholds must be one of these, so "share of runs under the threshold" is exact, not interpolated.
 */
export const LATENCY_BOUNDS_MS = [
  100,
  250,
  500,
  1_000,
  2_000,
  5_000,
  10_000,
  15_000,
  30_000,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  4 * HOUR,
  8 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  3 * DAY,
  7 * DAY,
] as const;
export const HIST_BINS = LATENCY_BOUNDS_MS.length + 1;

export const SLO_KINDS = ["success", "latency", "freshness"] as const;
export type SloKind = (typeof SLO_KINDS)[number];

export interface SloSpec {
  kind: SloKind;
  /** Fraction of good events, 0 < target < 1 (e.g. 0.99). */
  target: number;
  windowDays: number;
  /** latency / freshness only: one of LATENCY_BOUNDS_MS. */
  thresholdMs: number | null;
  /** A burn-rate rule does not fire with fewer events than this in its long window. */
  minEvents: number;
}

export interface Bucket {
  /** Bucket start, ms since the epoch (a multiple of BUCKET_MS). */
  start: number;
  total: number;
  succeeded: number;
  /** Cumulative: element k = succeeded runs whose latency is at or under LATENCY_BOUNDS_MS[k]; the last = all succeeded. */
  latencyHist: readonly number[];
  /** Cumulative, like latencyHist, for freshness (finish − source event time). */
  freshnessHist: readonly number[];
}

export interface Point {
  start: number;
  total: number;
  good: number;
}

export interface BurnRateRule {
  id: string;
  severity: "page" | "ticket";
  longMs: number;
  shortMs: number;
  burnRate: number;
}

/** The four window pairs (SRE workbook table 5-8; 1 d / 2 h as in Sloth's google-30d windows). */
export const BURN_RATE_RULES: readonly BurnRateRule[] = [
  { id: "1h/5m", severity: "page", longMs: HOUR, shortMs: 5 * MINUTE, burnRate: 14.4 },
  { id: "6h/30m", severity: "page", longMs: 6 * HOUR, shortMs: 30 * MINUTE, burnRate: 6 },
  { id: "1d/2h", severity: "ticket", longMs: DAY, shortMs: 2 * HOUR, burnRate: 3 },
  { id: "3d/6h", severity: "ticket", longMs: 3 * DAY, shortMs: 6 * HOUR, burnRate: 1 },
];

/** Which histogram bin a duration falls in: the number of bounds strictly below it. */
export function binOf(valueMs: number): number {
  let lo = 0;
  let hi: number = LATENCY_BOUNDS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (LATENCY_BOUNDS_MS[mid]! < valueMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function bucketStartOf(ms: number): number {
  return Math.floor(ms / BUCKET_MS) * BUCKET_MS;
}

export function isValidThreshold(ms: number): boolean {
  return (LATENCY_BOUNDS_MS as readonly number[]).includes(ms);
}

/** Good events of one bucket for an SLO: succeeded runs, or succeeded runs at or under the threshold. */
export function goodInBucket(b: Bucket, spec: Pick<SloSpec, "kind" | "thresholdMs">): number {
  if (spec.kind === "success") return b.succeeded;
  const k = (LATENCY_BOUNDS_MS as readonly number[]).indexOf(spec.thresholdMs ?? -1);
  if (k < 0) throw new Error(`A ${spec.kind} SLO needs a threshold from LATENCY_BOUNDS_MS (got ${spec.thresholdMs}).`);
  const hist = spec.kind === "latency" ? b.latencyHist : b.freshnessHist;
  return hist[k] ?? 0;
}

export function toPoints(buckets: readonly Bucket[], spec: Pick<SloSpec, "kind" | "thresholdMs">): Point[] {
  return buckets
    .map((b) => ({ start: b.start, total: b.total, good: goodInBucket(b, spec) }))
    .sort((a, b) => a.start - b.start);
}

export interface Counts {
  total: number;
  good: number;
}

/** Prefix sums over time-ordered points: any window's totals in O(log n). */
export class WindowSums {
  private readonly starts: number[];
  private readonly total: Float64Array;
  private readonly good: Float64Array;

  constructor(points: readonly Point[]) {
    const sorted = [...points].sort((a, b) => a.start - b.start);
    this.starts = sorted.map((p) => p.start);
    this.total = new Float64Array(sorted.length + 1);
    this.good = new Float64Array(sorted.length + 1);
    sorted.forEach((p, i) => {
      this.total[i + 1] = this.total[i]! + p.total;
      this.good[i + 1] = this.good[i]! + p.good;
    });
  }

  /** First index whose start is >= ms. */
  private index(ms: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Events in buckets starting in [from, to). */
  sum(from: number, to: number): Counts {
    const a = this.index(from);
    const b = this.index(to);
    if (b <= a) return { total: 0, good: 0 };
    return { total: this.total[b]! - this.total[a]!, good: this.good[b]! - this.good[a]! };
  }
}

/**
 * A window of length W evaluated at `now` covers [now − W, now), widened to whole buckets at its start:
 * every bucket starting from the one that contains now − W, up to (not including) a bucket starting at
 * `now`. At a bucket boundary that is exactly W; in between, up to one bucket more.
 */
export function windowRange(now: number, lengthMs: number): { from: number; to: number } {
  return { from: bucketStartOf(now - lengthMs), to: now };
}

export function errorRate(c: Counts): number {
  return c.total === 0 ? 0 : (c.total - c.good) / c.total;
}

export function burnRate(c: Counts, target: number): number {
  return errorRate(c) / (1 - target);
}

export interface WindowEval extends Counts {
  errorRate: number;
  burnRate: number;
}

export interface RuleEval {
  rule: BurnRateRule;
  long: WindowEval;
  short: WindowEval;
  /** Error ratio both windows must exceed: burnRate × (1 − target). */
  threshold: number;
  /** True when the long window has fewer than minEvents events (the rule is held back). */
  guarded: boolean;
  firing: boolean;
}

// Float products such as 14.4 × 0.001 are not exact; "exceeds" must not flip on the last bit.
const EPS = 1e-9;

function windowEval(sums: WindowSums, now: number, lengthMs: number, target: number): WindowEval {
  const { from, to } = windowRange(now, lengthMs);
  const c = sums.sum(from, to);
  return { ...c, errorRate: errorRate(c), burnRate: burnRate(c, target) };
}

export function evaluateRules(
  sums: WindowSums,
  now: number,
  spec: Pick<SloSpec, "target" | "minEvents">,
  rules: readonly BurnRateRule[] = BURN_RATE_RULES,
): RuleEval[] {
  return rules.map((rule) => {
    const long = windowEval(sums, now, rule.longMs, spec.target);
    const short = windowEval(sums, now, rule.shortMs, spec.target);
    const threshold = rule.burnRate * (1 - spec.target);
    const guarded = long.total < spec.minEvents;
    const exceeds = (w: WindowEval) => w.total > 0 && w.errorRate > threshold * (1 + EPS);
    return { rule, long, short, threshold, guarded, firing: !guarded && exceeds(long) && exceeds(short) };
  });
}

/**
 * What the rules' evaluation changes about an SLO's alerts (technical or business: their tables differ, the
 * state machine does not): a rule firing without an open alert fires one; an open alert whose rule no longer
 * fires is resolved.
 */
export function alertTransitions<A extends { rule: string }>(
  evals: readonly RuleEval[],
  open: readonly A[],
): { fire: RuleEval[]; resolve: A[] } {
  const fire: RuleEval[] = [];
  const resolve: A[] = [];
  for (const e of evals) {
    const current = open.find((a) => a.rule === e.rule.id);
    if (e.firing && !current) fire.push(e);
    else if (!e.firing && current) resolve.push(current);
  }
  return { fire, resolve };
}

/** The columns of a newly firing alert row, the same for technical and business SLOs. */
export function firingAlert(e: RuleEval, now: Date) {
  return {
    rule: e.rule.id,
    severity: e.rule.severity,
    state: "firing" as const,
    burnLong: e.long.burnRate,
    burnShort: e.short.burnRate,
    longEvents: e.long.total,
    firedAt: now,
  };
}

export type SloState = "no-data" | "ok" | "at-risk" | "breached" | "firing";

export interface SloStatus extends Counts {
  bad: number;
  /** good / total over the SLO window; null without events. */
  attainment: number | null;
  /** Bad events the window may hold: (1 − target) × total. */
  allowedBad: number;
  /** Share of the error budget left: 1 untouched, 0 spent, negative overspent. 1 without events. */
  budgetRemaining: number;
  /** Burn rate over the whole window (1 = spending the budget exactly over the window). */
  burnRate: number;
  rules: RuleEval[];
  state: SloState;
}

/** Budget remaining under which a healthy SLO is shown as at risk. */
export const AT_RISK_BUDGET = 0.25;

export function budgetRemaining(c: Counts, target: number): number {
  if (c.total === 0) return 1;
  const allowed = (1 - target) * c.total;
  const bad = c.total - c.good;
  if (allowed === 0) return bad === 0 ? 1 : -Infinity;
  return 1 - bad / allowed;
}

export function computeStatus(points: readonly Point[], spec: SloSpec, now: number): SloStatus {
  const sums = new WindowSums(points);
  const { from, to } = windowRange(now, spec.windowDays * DAY);
  const c = sums.sum(from, to);
  const rules = evaluateRules(sums, now, spec);
  const remaining = budgetRemaining(c, spec.target);
  const state: SloState = rules.some((r) => r.firing)
    ? "firing"
    : c.total === 0
      ? "no-data"
      : remaining < 0
        ? "breached"
        : remaining < AT_RISK_BUDGET
          ? "at-risk"
          : "ok";
  return {
    ...c,
    bad: c.total - c.good,
    attainment: c.total === 0 ? null : c.good / c.total,
    allowedBad: (1 - spec.target) * c.total,
    budgetRemaining: remaining,
    burnRate: burnRate(c, spec.target),
    rules,
    state,
  };
}

export interface SeriesPoint {
  at: number;
  /** Rolling attainment over the SLO window ending at `at`; null without events. */
  attainment: number | null;
  budgetRemaining: number;
  total: number;
}

/** Rolling-window attainment and budget at regular steps in (from, to]: the charts' data. */
export function computeSeries(
  points: readonly Point[],
  spec: Pick<SloSpec, "target" | "windowDays">,
  from: number,
  to: number,
  stepMs: number,
): SeriesPoint[] {
  const sums = new WindowSums(points);
  const out: SeriesPoint[] = [];
  const windowMs = spec.windowDays * DAY;
  for (let at = from + stepMs; at <= to; at += stepMs) {
    const c = sums.sum(at - windowMs, at);
    out.push({
      at,
      attainment: c.total === 0 ? null : c.good / c.total,
      budgetRemaining: budgetRemaining(c, spec.target),
      total: c.total,
    });
  }
  return out;
}

export interface FinishedRun {
  status: "succeeded" | "failed";
  finishedAt: number;
  startedAt: number;
  /** When the event that caused the run happened (freshness = finishedAt − sourceAt). */
  sourceAt: number;
}

/** The reference fold (the SQL fold in slo-store.ts must agree with it): runs → 5-minute buckets. */
export function foldRuns(runs: readonly FinishedRun[]): Bucket[] {
  const by = new Map<
    number,
    { start: number; total: number; succeeded: number; latencyHist: number[]; freshnessHist: number[] }
  >();
  for (const r of runs) {
    const start = bucketStartOf(r.finishedAt);
    let b = by.get(start);
    if (!b) {
      b = {
        start,
        total: 0,
        succeeded: 0,
        latencyHist: new Array<number>(HIST_BINS).fill(0),
        freshnessHist: new Array<number>(HIST_BINS).fill(0),
      };
      by.set(start, b);
    }
    b.total++;
    if (r.status === "succeeded") {
      b.succeeded++;
      for (let i = binOf(Math.max(0, r.finishedAt - r.startedAt)); i < HIST_BINS; i++) b.latencyHist[i]!++;
      for (let i = binOf(Math.max(0, r.finishedAt - r.sourceAt)); i < HIST_BINS; i++) b.freshnessHist[i]!++;
    }
  }
  return [...by.values()].sort((a, b) => a.start - b.start);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < MINUTE) return `${ms / 1000} s`;
  if (ms < HOUR) return `${ms / MINUTE} min`;
  if (ms < DAY) return `${ms / HOUR} h`;
  return `${ms / DAY} d`;
}
