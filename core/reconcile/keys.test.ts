// The key order must equal what the feeding SQL sorts by (UTF-8 bytes, Postgres COLLATE "C"), and the
// streaming matcher must find exactly the keys a plain in-memory grouping finds.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compareKeys,
  matchArrays,
  recordKey,
  ReconDefinition,
  type KeyOutcome,
  type ReconDefinitionInput,
} from "./index";

const codePoints = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0x20, max: 0x7e }),
      fc.integer({ min: 0, max: 0x10ffff }).filter((c) => c < 0xd800 || c > 0xdfff),
      fc.constantFrom(0xe000, 0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff),
    ),
    { maxLength: 6 },
  )
  .map((cps) => String.fromCodePoint(...cps));

describe("compareKeys", () => {
  it('is the UTF-8 byte order (Postgres COLLATE "C"), which JavaScript\'s < is not above U+FFFF', () => {
    expect("\u{1F600}" < "\uFFFD").toBe(true); // UTF-16 order
    expect(compareKeys("\u{1F600}", "\uFFFD")).toBeGreaterThan(0);
    fc.assert(
      fc.property(codePoints, codePoints, (a, b) => {
        expect(Math.sign(compareKeys(a, b))).toBe(
          Math.sign(Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"))),
        );
      }),
      { numRuns: 2000 },
    );
  });
});

describe("streaming equals grouping in memory", () => {
  const def: ReconDefinitionInput = {
    key: "g",
    name: "G",
    maps: { m: { x: "y", "7": "07" } },
    sides: [
      { name: "a", key: ["k", "j"], normalise: { caseFold: true, stripLeadingZeros: true, map: "m" }, many: true },
      { name: "b", key: ["k", "j"], normalise: { caseFold: true, stripLeadingZeros: true, map: "m" } },
      { name: "c", key: ["k", "j"], normalise: { caseFold: true, stripLeadingZeros: true, map: "m" } },
    ],
  };
  const parsed = ReconDefinition.parse(def);
  const rec = fc.record({
    k: fc.oneof(codePoints, fc.constantFrom("007", "X", "x", " y ", "Y")),
    j: fc.constantFrom("1", "01", "", "a"),
  });

  it("finds every key once, in order, with the sides it is missing on", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(rec, { maxLength: 30 }),
        fc.array(rec, { maxLength: 30 }),
        fc.array(rec, { maxLength: 30 }),
        async (a, b, c) => {
          const records = { a, b, c };
          const r = await matchArrays(def, records);
          const groups = new Map<string, Record<string, number>>();
          let unkeyed = 0;
          for (const side of parsed.sides)
            for (const x of records[side.name as "a" | "b" | "c"]) {
              const key = recordKey(side, x, parsed.maps);
              if (key === null) {
                unkeyed++;
                continue;
              }
              const g = groups.get(key) ?? { a: 0, b: 0, c: 0 };
              g[side.name]!++;
              groups.set(key, g);
            }
          const keyed = r.outcomes.filter((o): o is KeyOutcome => o.kind === "key");
          expect(keyed.map((o) => o.key)).toEqual([...groups.keys()].sort(compareKeys));
          for (const o of keyed) {
            const g = groups.get(o.key)!;
            expect(o.rows).toEqual(g);
            expect(o.missingOn).toEqual(["a", "b", "c"].filter((s) => g[s] === 0));
            const dup = ["b", "c"].filter((s) => g[s]! > 1);
            expect(o.status).toBe(dup.length ? "duplicate" : o.missingOn.length ? "missing" : "matched");
          }
          expect(r.totals.unkeyed).toBe(unkeyed);
        },
      ),
      { numRuns: 300 },
    );
  });
});
