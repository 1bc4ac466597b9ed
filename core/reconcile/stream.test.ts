// Streaming properties: checkpoint + resume gives the one-pass result, and the matcher holds only the
// current key group (its own counter, not timing or process memory, is what is asserted).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  matchStreams,
  newStats,
  sortForMatch,
  type Checkpoint,
  type Outcome,
  type ReconDefinitionInput,
  type Totals,
} from "./index";

const oneToOne: ReconDefinitionInput = {
  key: "one",
  name: "One to one",
  period: { from: "2026-01-01", to: "2026-01-31" },
  sides: [
    { name: "a", key: ["k"], normalise: { caseFold: true, stripLeadingZeros: true }, id: "id", date: "d" },
    { name: "b", key: ["k"], normalise: { caseFold: true, stripLeadingZeros: true }, id: "id", date: "d" },
  ],
  rules: [
    { id: "amount", type: "money", a: { side: "a", path: "v" }, b: { side: "b", path: "v" } },
    { id: "label", type: "equal", a: { side: "a", path: "s" }, b: { side: "b", path: "s" } },
  ],
  impact: {
    money: [
      { side: "a", path: "v" },
      { side: "b", path: "v" },
    ],
  },
};

const oneToMany: ReconDefinitionInput = {
  ...oneToOne,
  key: "many",
  name: "One to many",
  sides: [{ ...oneToOne.sides[0]!, many: true }, oneToOne.sides[1]!],
  rules: [{ id: "amount", type: "money", a: { side: "a", path: "v" }, b: { side: "b", path: "v" } }],
  impact: {
    money: [
      { side: "a", path: "v" },
      { side: "b", path: "v" },
    ],
    hours: [{ side: "a", path: "v", unit: "minutes" }],
  },
};

const record = (id: string) =>
  fc.record({
    id: fc.constant(id),
    k: fc.oneof(
      fc.constantFrom("", "  "),
      fc.integer({ min: 0, max: 40 }).map((n) => `00${n}`),
      fc.constantFrom("X1", "x1", " Y2 "),
    ),
    d: fc.constantFrom("2026-01-05", "2026-01-31", "2026-02-01"),
    v: fc.integer({ min: -500, max: 500 }).map((c) => (c / 100).toFixed(2)),
    s: fc.constantFrom("p", "q"),
  });

/** Keyed records sorted; unkeyed and out-of-period records left where the generator put them relative to each other. */
function arrange(def: ReconDefinitionInput, side: string, records: Array<Record<string, unknown>>): unknown[] {
  const sorted = sortForMatch(def, side, records);
  // Move the unkeyed ones (sorted first) to positions spread through the stream, as a feeder might.
  const unkeyed = sorted.filter((r) => String((r as { k: string }).k).trim() === "");
  const keyed = sorted.filter((r) => String((r as { k: string }).k).trim() !== "");
  const out: unknown[] = [];
  unkeyed.forEach((u, i) => {
    out.push(...keyed.splice(0, i + 1), u);
  });
  return [...out, ...keyed];
}

async function run(
  def: ReconDefinitionInput,
  sources: Record<string, unknown[]>,
  opts: { stopAfter?: number; resumeFrom?: Checkpoint },
) {
  const outcomes: Outcome[] = [];
  let checkpoints = 0;
  for await (const ev of matchStreams(def, sources, { checkpointEvery: 1, resumeFrom: opts.resumeFrom })) {
    if (ev.type === "outcome") outcomes.push(ev.outcome);
    else if (ev.type === "checkpoint") {
      if (opts.stopAfter !== undefined && ++checkpoints === opts.stopAfter)
        return { outcomes, checkpoint: ev.checkpoint, totals: null };
    } else return { outcomes, checkpoint: ev.checkpoint, totals: ev.totals };
  }
  throw new Error("no result");
}

describe("checkpoint and resume", () => {
  for (const def of [oneToOne, oneToMany]) {
    it(`${def.name}: stopping at any checkpoint and resuming gives the one-pass outcomes and totals`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(record("a"), { maxLength: 40 }),
          fc.array(record("b"), { maxLength: 40 }),
          fc.nat(),
          async (ra, rb, cut) => {
            const number = (rs: Array<Record<string, unknown>>, p: string) =>
              rs.map((r, i) => ({ ...r, id: `${p}${i}` }));
            const a = arrange(def, "a", number(ra, "a"));
            const b = arrange(def, "b", number(rb, "b"));
            const whole = await run(def, { a, b }, {});
            const keys = whole.totals!.keys;
            if (keys === 0) return;
            const first = await run(def, { a, b }, { stopAfter: 1 + (cut % keys) });
            // The checkpoint survives being stored as JSON.
            const resumeFrom = JSON.parse(JSON.stringify(first.checkpoint)) as Checkpoint;
            const rest = await run(def, { a, b }, { resumeFrom });
            expect([...first.outcomes, ...rest.outcomes]).toEqual(whole.outcomes);
            expect(rest.totals).toEqual(whole.totals);
          },
        ),
        { numRuns: 150 },
      );
    });
  }
});

describe("resuming under another definition", () => {
  it("is refused: the checkpoint's totals belong to the definition it was taken with", async () => {
    const a = [{ id: "a1", k: "K1", d: "2026-01-02", v: "1.00", s: "p" }];
    const first = await run(oneToOne, { a, b: a }, { stopAfter: 1 });
    const changed: ReconDefinitionInput = { ...oneToOne, rules: [oneToOne.rules![0]!] };
    await expect(run(changed, { a, b: a }, { resumeFrom: first.checkpoint! })).rejects.toMatchObject({
      code: "conflict",
      field: "resumeFrom",
    });
    // Spelling out a default is the same definition.
    const same: ReconDefinitionInput = { ...oneToOne, maps: {} };
    expect((await run(same, { a, b: a }, { resumeFrom: first.checkpoint! })).totals).toMatchObject({
      keys: 1,
      matched: 1,
    });
  });
});

/** Generated records, never held: side b lacks every 1000th key and differs in amount on every 777th. */
async function* generate(side: "a" | "b", n: number) {
  for (let i = 0; i < n; i++) {
    if (side === "b" && i % 1000 === 999) continue;
    const cents = 10_000 + (i % 5000) + (side === "b" && i % 777 === 0 ? 2 : 0);
    yield {
      id: `${side}${i}`,
      k: `K${String(i).padStart(7, "0")}`,
      d: "2026-01-15",
      v: (cents / 100).toFixed(2),
      s: "p",
    };
  }
}

describe("memory", () => {
  it("matches 100,000 × 100,000 generated records holding at most one group and one look-ahead per side", async () => {
    const n = 100_000;
    const stats = newStats();
    let totals: Totals | null = null;
    let breaks = 0;
    for await (const ev of matchStreams(
      oneToOne,
      { a: generate("a", n), b: generate("b", n) },
      { stats, checkpointEvery: 10_000 },
    )) {
      if (ev.type === "outcome" && ev.outcome.kind === "key" && ev.outcome.status !== "matched") breaks++;
      if (ev.type === "done") totals = ev.totals;
    }
    let missing = 0;
    let mismatched = 0;
    for (let i = 0; i < n; i++) {
      if (i % 1000 === 999) missing++;
      else if (i % 777 === 0) mismatched++;
    }
    expect(totals).toMatchObject({
      keys: n,
      missing,
      mismatched,
      matched: n - missing - mismatched,
      records: { a: n, b: n - missing },
    });
    expect(breaks).toBe(missing + mismatched);
    expect(stats.read).toBe(2 * n - missing);
    // Per side: the group's one row plus the next record read to find the group's end.
    expect(stats.maxBuffered).toBeLessThanOrEqual(4);
    expect(stats.buffered).toBe(0);
  });

  it("a many side holds its key group only", async () => {
    const stats = newStats();
    async function* children() {
      for (let p = 0; p < 2000; p++)
        for (let c = 0; c < 25; c++)
          yield { id: `c${p}-${c}`, k: `K${String(p).padStart(5, "0")}`, d: "2026-01-02", v: "1.00" };
    }
    async function* parents() {
      for (let p = 0; p < 2000; p++)
        yield { id: `p${p}`, k: `K${String(p).padStart(5, "0")}`, d: "2026-01-02", v: "25.00" };
    }
    let totals: Totals | null = null;
    for await (const ev of matchStreams(oneToMany, { a: children(), b: parents() }, { stats }))
      if (ev.type === "done") totals = ev.totals;
    expect(totals).toMatchObject({ keys: 2000, matched: 2000 });
    expect(stats.maxBuffered).toBeLessThanOrEqual(25 + 1 + 2);
  });
});
