// Timing for the benchmarks: elapsed milliseconds, percentiles, and p50/p95 of an operation after warm-up.

/** Milliseconds since `t0` (process.hrtime.bigint()). */
export const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/** The p-th percentile (0–1) of `xs`, lower value at ties. */
export const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

/** p50 and p95 of `fn` over `iterations` timed calls, after `warmups` untimed ones (plans and caches warm). */
export async function timeIt(
  fn: () => Promise<unknown>,
  iterations: number,
  warmups = 2,
): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < warmups; i++) await fn();
  const xs: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    xs.push(ms(t0));
  }
  return { p50: pct(xs, 0.5), p95: pct(xs, 0.95) };
}
