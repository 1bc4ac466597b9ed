// The validator (and compile) must never throw, whatever they are given: arbitrary JSON, valid documents
// with random mutations, megabytes of nesting, hostile JSONata. Every problem must be well formed.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exampleCatalog } from "@/examples/catalog";
import { compile, type CanvasGraph } from "./graph";
import { contentHash } from "./hash";
import type { Flow } from "./schema";
import { flowArb } from "./test-arbitraries";
import { validate, validateText, type Problem } from "./validate";

function wellFormed(problems: Problem[]): void {
  for (const p of problems) {
    expect(typeof p.code).toBe("string");
    expect(p.code).toMatch(/^[a-z0-9-]+$/);
    expect(typeof p.message).toBe("string");
    expect(p.message.length).toBeGreaterThan(0);
    expect(p.message).not.toMatch(/\n\s+at /); // no stack traces
    expect(["error", "warning"]).toContain(p.severity);
    expect(Array.isArray(p.path)).toBe(true);
    for (const seg of p.path) expect(["string", "number"]).toContain(typeof seg);
  }
}

const json = fc.jsonValue({ maxDepth: 6 });

/** Sets a random path of a document to a random value. */
function mutate(doc: unknown, path: number[], value: unknown): unknown {
  if (path.length === 0 || typeof doc !== "object" || doc === null) return value;
  const keys = Array.isArray(doc) ? doc.map((_, i) => i) : Object.keys(doc);
  if (keys.length === 0) return value;
  const k = keys[path[0]! % keys.length]!;
  const copy = (Array.isArray(doc) ? [...(doc as unknown[])] : { ...(doc as Record<string, unknown>) }) as Record<
    string | number,
    unknown
  >;
  copy[k] = mutate((doc as Record<string | number, unknown>)[k], path.slice(1), value);
  return copy;
}

const HOSTILE = [
  "($f := function($x){ $f($x) }; $f(1))",
  "($f := function($x){ $f($x) + 1 }; $f(1))",
  "[1..10000000].($ * 2)",
  "(".repeat(10_000) + "1" + ")".repeat(10_000),
  "-".repeat(20_000) + "1",
  "$eval('$eval(\"1\")')",
  "$steps.`__proto__`.output.constructor",
  '"\\u0000" & $string($)',
  "{".repeat(3000),
  "x".repeat(25_000),
  "$steps.constructor.output",
  "$steps.__proto__.output",
];

describe("the validator never throws", () => {
  it("on arbitrary JSON", () => {
    fc.assert(
      fc.property(json, (v) => {
        const r = validate(v, { catalog: exampleCatalog });
        expect(r.ok).toBe(false);
        wellFormed(r.problems);
      }),
      { numRuns: 500 },
    );
  });

  it("on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        wellFormed(validateText(text).problems);
      }),
      { numRuns: 300 },
    );
  });

  it("on valid documents with one random part replaced", () => {
    fc.assert(
      fc.property(flowArb(), fc.array(fc.nat(), { maxLength: 8 }), json, (flow, path, value) => {
        const r = validate(mutate(flow, path, value), { catalog: exampleCatalog });
        wellFormed(r.problems);
        if (!r.ok) expect(r.problems.some((p) => p.severity === "error")).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("on documents with unknown keys anywhere: rejected and named", () => {
    fc.assert(
      fc.property(flowArb({ depth: 1 }), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), (flow, path) => {
        // Pick an object inside the document and add a key no schema has.
        const target = { objects: [] as Array<Record<string, unknown>> };
        const collect = (v: unknown) => {
          if (Array.isArray(v)) v.forEach(collect);
          else if (typeof v === "object" && v !== null) {
            target.objects.push(v as Record<string, unknown>);
            Object.values(v).forEach(collect);
          }
        };
        const copy = structuredClone(flow);
        collect(copy);
        // Records whose keys are free (field mappings, layout, business keys, JSON Schemas) accept any key.
        const JSON_SCHEMA_TYPES = ["object", "string", "number", "integer", "boolean", "array", "null"];
        const closed = target.objects.filter(
          (o) =>
            ("type" in o && !JSON_SCHEMA_TYPES.includes(String(o.type))) ||
            "dsl" in o ||
            "maxAttempts" in o ||
            "errors" in o ||
            "when" in o ||
            ("name" in o && "steps" in o),
        );
        const obj = closed[path[0]! % closed.length]!;
        obj.zzUnknownSetting = 1;
        const r = validate(copy);
        const p = r.problems.find((x) => x.code === "unknown-key");
        expect(p).toBeDefined();
        expect(p!.path.at(-1)).toBe("zzUnknownSetting");
        expect(p!.message).toContain("'zzUnknownSetting'");
      }),
      { numRuns: 200 },
    );
  });

  it("on 100,000 levels of nesting (objects and arrays), fast", () => {
    let deepArr: unknown = 1;
    let deepObj: unknown = "x";
    for (let i = 0; i < 100_000; i++) {
      deepArr = [deepArr];
      deepObj = { a: deepObj };
    }
    const t = Date.now();
    for (const steps of [deepArr, [deepObj]]) {
      const r = validate({ dsl: "weft/1", key: "deep", steps });
      expect(r.problems.map((p) => p.code)).toEqual(["too-deep"]);
    }
    // Text of the same nesting: JSON.parse copes; the validator must too.
    const text = `{"dsl":"weft/1","steps":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    expect(validateText(text).problems.map((p) => p.code)).toEqual(["too-deep"]);
    expect(Date.now() - t).toBeLessThan(5000);
  });

  it("on megabytes of flat data", () => {
    const big = {
      dsl: "weft/1",
      key: "big",
      description: "x".repeat(3_000_000),
      steps: Array.from({ length: 20_000 }, (_, i) => ({ id: `s${i}`, type: "map", output: "1" })),
    };
    const r = validate(big);
    wellFormed(r.problems);
    expect(r.problems.some((p) => p.path[0] === "description" && p.code === "too-long")).toBe(true);
  });

  it("on hostile JSONata: reported, not run, not crashing", () => {
    for (const h of HOSTILE) {
      const doc = {
        dsl: "weft/1",
        key: "hostile",
        version: "1.0.0",
        name: "h",
        description: "",
        domain: "invoice",
        owner: "x",
        classification: "internal",
        trigger: { type: "manual" },
        start: "a",
        businessKeys: { k: h },
        steps: [{ id: "a", type: "map", output: h, idempotencyKey: h }],
      };
      const t = Date.now();
      const r = validate(doc);
      wellFormed(r.problems);
      expect(Date.now() - t).toBeLessThan(2000);
    }
  });

  it("on hostile JSONata fed to fc-generated expression slots", () => {
    fc.assert(
      fc.property(flowArb({ depth: 1 }), fc.string({ maxLength: 60 }), fc.nat(), (flow, text, n) => {
        const copy = structuredClone(flow) as Flow & { steps: Array<Record<string, unknown>> };
        const s = copy.steps[n % copy.steps.length]!;
        s.idempotencyKey = text.length > 0 ? text : "(";
        wellFormed(validate(copy).problems);
      }),
      { numRuns: 300 },
    );
  });
});

describe("compile never throws", () => {
  it("on arbitrary canvas-shaped junk", () => {
    const node = fc.record({
      id: fc.oneof(fc.string({ maxLength: 4 }), fc.constant("trigger")),
      type: fc.string({ maxLength: 8 }),
      position: fc.oneof(fc.record({ x: fc.double(), y: fc.double() }), json),
      parentId: fc.option(fc.string({ maxLength: 4 }), { nil: undefined }),
      data: json,
    });
    const edge = fc.record({
      id: fc.string({ maxLength: 4 }),
      source: fc.string({ maxLength: 4 }),
      target: fc.string({ maxLength: 4 }),
      sourceHandle: fc.option(fc.string({ maxLength: 8 })),
      data: fc.option(json),
    });
    fc.assert(
      fc.property(
        fc.record({
          flow: json,
          nodes: fc.array(fc.oneof(node, json), { maxLength: 8 }),
          edges: fc.array(fc.oneof(edge, json), { maxLength: 8 }),
        }),
        (g) => {
          const r = compile(g as unknown as CanvasGraph);
          wellFormed(r.problems);
          wellFormed(validate(r.flow).problems);
        },
      ),
      { numRuns: 500 },
    );
  });
});

// Text Postgres cannot store and canonical JSON cannot hash: NUL and unpaired UTF-16 surrogates (a JSON
// file may spell them as "\u0000" or "\ud800"). The validator refuses them at their path, so nothing it
// accepts makes contentHash throw later.
describe("text that cannot be stored", () => {
  type Site = { path: Array<string | number>; key: boolean };
  const sites = (doc: unknown): Site[] => {
    const out: Site[] = [];
    const stack: Array<[unknown, Array<string | number>]> = [[doc, []]];
    while (stack.length) {
      const [v, p] = stack.pop()!;
      if (typeof v === "string") out.push({ path: p, key: false });
      else if (Array.isArray(v)) v.forEach((c, i) => stack.push([c, [...p, i]]));
      else if (typeof v === "object" && v !== null)
        for (const [k, c] of Object.entries(v)) {
          out.push({ path: [...p, k], key: true });
          stack.push([c, [...p, k]]);
        }
    }
    return out;
  };
  const spoil = (doc: unknown, site: Site, bad: string): { doc: unknown; path: Array<string | number> } => {
    const copy = structuredClone(doc) as Record<string | number, unknown>;
    let parent: Record<string | number, unknown> = copy;
    for (const seg of site.path.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
    const last = site.path.at(-1)!;
    if (!site.key) {
      parent[last] = `${String(parent[last]).slice(0, 3)}${bad}${String(parent[last]).slice(3)}`;
      return { doc: copy, path: site.path };
    }
    const renamed = `${String(last)}${bad}`;
    const entries = Object.entries(parent).map(([k, v]) => [k === last ? renamed : k, v] as const);
    for (const k of Object.keys(parent)) delete parent[k];
    for (const [k, v] of entries) parent[k] = v;
    return { doc: copy, path: [...site.path.slice(0, -1), renamed] };
  };

  it("a NUL or unpaired surrogate in any string or field name is a bad-text problem at its path", () => {
    fc.assert(
      fc.property(
        flowArb(),
        fc.nat(),
        fc.constantFrom("\u0000", "\ud800", "\udbff", "\udc00", "\udfff"),
        (flow, pick, bad) => {
          const all = sites(flow);
          const { doc, path } = spoil(flow, all[pick % all.length]!, bad);
          const r = validate(doc, { catalog: exampleCatalog });
          expect(r.ok).toBe(false);
          wellFormed(r.problems);
          expect(r.problems).toEqual([expect.objectContaining({ code: "bad-text", path })]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("every document the validator accepts has a content hash", () => {
    fc.assert(
      fc.property(
        flowArb(),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.oneof(json, fc.string({ unit: "binary" })),
        (flow, path, value) => {
          const doc = mutate(flow, path, value);
          if (validate(doc, { catalog: exampleCatalog }).ok)
            expect(contentHash(doc as Flow)).toMatch(/^sha256:[0-9a-f]{64}$/);
        },
      ),
      { numRuns: 300 },
    );
  });
});
