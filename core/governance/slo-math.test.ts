// SLO arithmetic against hand-computed cases (numbers worked out in the comments).
import { describe, expect, it } from "vitest";
import {
  BUCKET_MS,
  DAY,
  HIST_BINS,
  HOUR,
  MINUTE,
  WindowSums,
  binOf,
  computeSeries,
  computeStatus,
  evaluateRules,
  foldRuns,
  goodInBucket,
  windowRange,
  type Bucket,
  type Point,
  type SloSpec,
} from "./slo-math";

// Buckets are placed relative to NOW (a bucket start); windows are evaluated at END, the end of the
// bucket starting at NOW, so a 5-minute window is exactly that bucket and a 1-hour window it and the 11 before.
const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);
const END = NOW + BUCKET_MS;
const spec = (s: Partial<SloSpec> = {}): SloSpec => ({
  kind: "success",
  target: 0.99,
  windowDays: 28,
  thresholdMs: null,
  minEvents: 10,
  ...s,
});
/** A point `bucketsAgo` buckets before the current one. */
const at = (bucketsAgo: number, total: number, bad: number): Point => ({
  start: NOW - bucketsAgo * BUCKET_MS,
  total,
  good: total - bad,
});

describe("histogram bins", () => {
  it("puts a value equal to a bound in that bound's bin and anything above it in the next", () => {
    expect(binOf(0)).toBe(0);
    expect(binOf(100)).toBe(0);
    expect(binOf(101)).toBe(1);
    expect(binOf(1000)).toBe(3); // bounds 100, 250, 500, 1000
    expect(binOf(7 * DAY)).toBe(HIST_BINS - 2);
    expect(binOf(7 * DAY + 1)).toBe(HIST_BINS - 1);
  });

  it("counts good latency events as the cumulative count at the threshold", () => {
    // 5 runs ≤ 100 ms, 7 in (500 ms, 1 s], 11 in (1 s, 2 s] → cumulative 5, 5, 5, 12, 23, 23, …
    const hist = [5, 5, 5, 12, ...new Array<number>(HIST_BINS - 4).fill(23)];
    const b: Bucket = { start: NOW, total: 30, succeeded: 23, latencyHist: hist, freshnessHist: hist };
    expect(goodInBucket(b, { kind: "success", thresholdMs: null })).toBe(23);
    expect(goodInBucket(b, { kind: "latency", thresholdMs: 1000 })).toBe(12);
    expect(goodInBucket(b, { kind: "freshness", thresholdMs: 2000 })).toBe(23);
    expect(() => goodInBucket(b, { kind: "latency", thresholdMs: 1234 })).toThrow(/threshold/);
  });

  it("folds runs into 5-minute buckets by finish time", () => {
    const t = NOW + 2 * MINUTE;
    const buckets = foldRuns([
      { status: "succeeded", finishedAt: t, startedAt: t - 800, sourceAt: t - 3 * MINUTE },
      { status: "failed", finishedAt: t + MINUTE, startedAt: t, sourceAt: t },
      { status: "succeeded", finishedAt: NOW + BUCKET_MS, startedAt: NOW + BUCKET_MS - 50, sourceAt: NOW },
    ]);
    expect(buckets.map((b) => [b.start, b.total, b.succeeded])).toEqual([
      [NOW, 2, 1],
      [NOW + BUCKET_MS, 1, 1],
    ]);
    // 800 ms → (500 ms, 1 s]: counted at bound 1 s and every bound above, not at 500 ms.
    expect(buckets[0]!.latencyHist.slice(0, 5)).toEqual([0, 0, 0, 1, 1]);
    expect(buckets[0]!.latencyHist[HIST_BINS - 1]).toBe(1);
    // 3 min → (2 min, 5 min]
    expect(buckets[0]!.freshnessHist[binOf(3 * MINUTE) - 1]).toBe(0);
    expect(buckets[0]!.freshnessHist[binOf(3 * MINUTE)]).toBe(1);
    expect(buckets[1]!.latencyHist[0]).toBe(1);
  });
});

describe("attainment and error budget", () => {
  // 1 000 runs in the window, target 99 %: the budget is 10 bad runs.
  const window = (bad: number) => [at(100, 500, 0), at(2, 500, bad)];

  it("5 bad of 1 000: 99.5 % attained, half the budget left, burn rate 0.5", () => {
    const s = computeStatus(window(5), spec(), END);
    expect(s.total).toBe(1000);
    expect(s.attainment).toBeCloseTo(0.995, 12);
    expect(s.allowedBad).toBeCloseTo(10, 9);
    expect(s.budgetRemaining).toBeCloseTo(0.5, 12);
    expect(s.burnRate).toBeCloseTo(0.5, 12);
    expect(s.state).toBe("ok");
  });

  it("8 bad: 20 % left is at risk; 12 bad: −20 %, breached", () => {
    expect(computeStatus(window(8), spec({ minEvents: 100_000 }), END)).toMatchObject({ state: "at-risk" });
    expect(computeStatus(window(8), spec(), END).budgetRemaining).toBeCloseTo(0.2, 12);
    const breached = computeStatus(window(12), spec({ minEvents: 100_000 }), END);
    expect(breached.budgetRemaining).toBeCloseTo(-0.2, 12);
    expect(breached.state).toBe("breached");
  });

  it("only counts the rolling window: a bucket 28 days back falls out", () => {
    const pts = [
      at(0, 10, 0),
      { start: NOW - 28 * DAY, total: 90, good: 0 },
      { start: NOW - 28 * DAY + BUCKET_MS, total: 40, good: 40 },
    ];
    // The 28-day window at END is [END − 28 d, END) = [NOW + 5 min − 28 d, NOW + 5 min).
    const s = computeStatus(pts, spec(), END);
    expect(s.total).toBe(50);
    expect(s.attainment).toBe(1);
  });

  it("no runs means no data and an untouched budget", () => {
    const s = computeStatus([], spec(), END);
    expect(s).toMatchObject({ total: 0, attainment: null, budgetRemaining: 1, state: "no-data" });
  });
});

describe("burn-rate windows", () => {
  it("window edges: at a bucket boundary the 1-hour window is exactly 12 buckets", () => {
    expect(windowRange(END, HOUR)).toEqual({ from: END - HOUR, to: END });
    const sums = new WindowSums([at(11, 1, 0), at(12, 100, 0)]);
    const { from, to } = windowRange(END, HOUR);
    expect(sums.sum(from, to).total).toBe(1);
    // Between boundaries the window reaches back to the start of the bucket holding now − 1 h.
    expect(windowRange(NOW + 90_000, HOUR)).toEqual({ from: NOW - HOUR, to: NOW + 90_000 });
    expect(new WindowSums([at(12, 100, 0), at(0, 1, 0)]).sum(NOW - HOUR, NOW + 90_000).total).toBe(101);
  });

  // Target 99.9 %: the 1h/5m rule fires above 14.4 × 0.1 % = 1.44 % errors in both windows.
  const hourOfTraffic = (currentBad: number) => [
    ...Array.from({ length: 11 }, (_, i) => at(i + 1, 100, i < 10 ? 2 : 0)),
    at(0, 100, currentBad),
  ];

  it("fires 1h/5m when both windows exceed 14.4× the budget rate", () => {
    // long: (20 + 2) / 1 200 = 1.83 % > 1.44 %; short: 2 / 100 = 2 % > 1.44 %.
    const [r1h] = evaluateRules(new WindowSums(hourOfTraffic(2)), END, { target: 0.999, minEvents: 10 });
    expect(r1h!.rule.id).toBe("1h/5m");
    expect(r1h!.threshold).toBeCloseTo(0.0144, 12);
    expect(r1h!.long).toMatchObject({ total: 1200, good: 1178 });
    expect(r1h!.long.burnRate).toBeCloseTo(22 / 1200 / 0.001, 9);
    expect(r1h!.short).toMatchObject({ total: 100, good: 98 });
    expect(r1h!.firing).toBe(true);
  });

  it("does not fire once the short window has recovered", () => {
    // long: 21 / 1 200 = 1.75 % still above; short: 1 / 100 = 1 % below 1.44 %.
    const [r1h] = evaluateRules(new WindowSums(hourOfTraffic(1)), END, { target: 0.999, minEvents: 10 });
    expect(r1h!.long.errorRate).toBeGreaterThan(r1h!.threshold);
    expect(r1h!.short.errorRate).toBeLessThan(r1h!.threshold);
    expect(r1h!.firing).toBe(false);
  });

  it("holds a rule back when the long window has fewer events than the guard", () => {
    const [r1h] = evaluateRules(new WindowSums(hourOfTraffic(2)), END, { target: 0.999, minEvents: 1201 });
    expect(r1h!.guarded).toBe(true);
    expect(r1h!.firing).toBe(false);
    // 3 failures out of 4 runs at night: 75 % errors, but only 4 events < 10.
    const night = evaluateRules(new WindowSums([at(0, 4, 3)]), END, { target: 0.99, minEvents: 10 });
    expect(night.every((r) => r.guarded && !r.firing)).toBe(true);
  });

  it("evaluates all four pairs at their own thresholds (target 99 %, 7 of 100 bad just now)", () => {
    // thresholds: 1h/5m 14.4 %, 6h/30m 6 %, 1d/2h 3 %, 3d/6h 1 %; both windows hold the same 100 runs.
    const rules = evaluateRules(new WindowSums([at(0, 100, 7)]), END, { target: 0.99, minEvents: 10 });
    expect(rules.map((r) => [r.rule.id, r.rule.burnRate, r.firing])).toEqual([
      ["1h/5m", 14.4, false],
      ["6h/30m", 6, true],
      ["1d/2h", 3, true],
      ["3d/6h", 1, true],
    ]);
    expect(rules[1]!.threshold).toBeCloseTo(0.06, 12);
  });

  it("an error ratio exactly at the threshold does not exceed it", () => {
    // 6 of 100 = 6 % = 6 × 1 %: 6h/30m holds; 1d/2h (3 %) and 3d/6h (1 %) fire.
    const rules = evaluateRules(new WindowSums([at(0, 100, 6)]), END, { target: 0.99, minEvents: 10 });
    expect(rules.map((r) => r.firing)).toEqual([false, false, true, true]);
  });

  it("uses each pair's own windows: errors 4 hours ago reach 6h and 1d but not 1h or the short windows", () => {
    // 48 buckets (4 h) ago: 50 runs, 40 bad; now: 100 good runs. Target 99 %.
    const rules = evaluateRules(new WindowSums([at(48, 50, 40), at(0, 100, 0)]), END, { target: 0.99, minEvents: 10 });
    const byId = Object.fromEntries(rules.map((r) => [r.rule.id, r]));
    expect(byId["1h/5m"]!.long).toMatchObject({ total: 100, good: 100 });
    expect(byId["6h/30m"]!.long).toMatchObject({ total: 150, good: 110 }); // 26.7 % > 6 %, short 0 %
    expect(byId["6h/30m"]!.short).toMatchObject({ total: 100, good: 100 });
    expect(byId["3d/6h"]!.short).toMatchObject({ total: 150, good: 110 }); // 6 h short window reaches 4 h back
    expect(byId["3d/6h"]!.firing).toBe(true); // 26.7 % > 1 % in both 3 d and 6 h
    expect(byId["1d/2h"]!.firing).toBe(false); // its 2 h short window is clean
    expect(byId["6h/30m"]!.firing).toBe(false);
  });

  it("a firing rule makes the SLO's state firing", () => {
    expect(computeStatus([at(0, 100, 7)], spec(), END).state).toBe("firing");
  });
});

describe("series for the charts", () => {
  it("gives rolling attainment and budget at each step", () => {
    // 1-day window, target 90 %: day −2 has 10 runs with 2 bad, day −1 has 10 runs with 0 bad.
    const pts: Point[] = [
      { start: NOW - 2 * DAY, total: 10, good: 8 },
      { start: NOW - DAY, total: 10, good: 10 },
    ];
    const s = computeSeries(pts, { target: 0.9, windowDays: 1 }, NOW - 3 * DAY, NOW, DAY);
    expect(s.map((p) => p.at)).toEqual([NOW - 2 * DAY, NOW - DAY, NOW]);
    // window ending at NOW − 2 d excludes the bucket starting then; ending at NOW − 1 d holds day −2 only.
    expect(s[0]).toMatchObject({ attainment: null, budgetRemaining: 1 });
    expect(s[1]!.attainment).toBeCloseTo(0.8, 12);
    expect(s[1]!.budgetRemaining).toBeCloseTo(-1, 12); // 2 bad vs 1 allowed
    expect(s[2]).toMatchObject({ attainment: 1, budgetRemaining: 1 });
  });
});
