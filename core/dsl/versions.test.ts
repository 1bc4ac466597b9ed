import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { detectBreakingChanges, proposeVersion, semverBump, versionBump } from "./breaking";
import { diffFlows, formatDiff } from "./diff";
import { canonicalJson, contentHash, verifyContentHash } from "./hash";
import { dslJsonSchema } from "./json-schema";
import type { EmitStep, Flow, Step } from "./schema";
import { flowArb } from "./test-arbitraries";

const load = (f: string) => JSON.parse(readFileSync(`examples/${f}.weft.json`, "utf8")) as Flow;
const opp = load("opportunity-won-to-project");
const onboarding = load("worker-onboarding-hris-to-psa");
const clone = <T>(v: T): T => structuredClone(v);
const step = (f: Flow, id: string): Step => {
  const walk = (list: Step[]): Step | undefined => {
    for (const s of list) {
      if (s.id === id) return s;
      const inner =
        s.type === "foreach"
          ? walk(s.body.steps)
          : s.type === "parallel"
            ? s.branches.map((b) => walk(b.steps)).find(Boolean)
            : undefined;
      if (inner) return inner;
    }
    return undefined;
  };
  return walk(f.steps)!;
};
const reverseKeys = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(reverseKeys)
    : typeof v === "object" && v !== null
      ? Object.fromEntries(
          Object.entries(v)
            .reverse()
            .map(([k, x]) => [k, reverseKeys(x)]),
        )
      : v;
const codes = (f: Flow, g: Flow) => detectBreakingChanges(f, g).changes.map((c) => c.code);

describe("content hash", () => {
  it("is sha256 over canonical JSON: key order and formatting do not matter", () => {
    const h = contentHash(opp);
    expect(h).toMatch(/^sha256:[0-9a-f]{64}$/);
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(opp).reverse()))) as Flow;
    expect(contentHash(reordered)).toBe(h);
    expect(verifyContentHash(reordered, h)).toBe(true);
  });

  it("changes with any change, the layout included unless asked", () => {
    const moved: Flow = { ...opp, layout: { nodes: { trigger: { x: 1, y: 2 } } } };
    expect(contentHash(moved)).not.toBe(contentHash(opp));
    expect(contentHash(moved, { behaviourOnly: true })).toBe(contentHash(opp, { behaviourOnly: true }));
    const edited = clone(opp);
    (step(edited, "announce") as EmitStep).event = "project.opened";
    expect(contentHash(edited)).not.toBe(contentHash(opp));
  });

  it("is sha256 of RFC 8785 JSON (checked against node:crypto)", () => {
    expect(canonicalJson({ b: [true, null], a: 1, c: 1e21, d: "é" })).toBe('{"a":1,"b":[true,null],"c":1e+21,"d":"é"}');
    expect(contentHash(opp)).toBe(`sha256:${createHash("sha256").update(canonicalJson(opp), "utf8").digest("hex")}`);
  });

  it("is stable under key reordering for any document", () => {
    fc.assert(
      fc.property(flowArb(), (flow) => {
        const shuffled = reverseKeys(flow) as Flow;
        expect(JSON.stringify(shuffled)).not.toBe(JSON.stringify(flow));
        expect(contentHash(shuffled)).toBe(contentHash(flow));
      }),
      { numRuns: 50 },
    );
  });
});

describe("diff", () => {
  it("reports nothing for the same document, for any document", () => {
    fc.assert(
      fc.property(flowArb(), (flow) => {
        const d = diffFlows(flow, clone(flow));
        expect(d.same).toBe(true);
        expect(d.steps).toEqual([]);
        expect(detectBreakingChanges(flow, clone(flow)).bump).toBe("none");
      }),
      { numRuns: 100 },
    );
  });

  it("reports per step: added, removed, changed, moved", () => {
    const next = clone(opp);
    next.steps = next.steps.filter((s) => s.id !== "setRates");
    (step(next, "chooseBilling") as Extract<Step, { type: "switch" }>).default = "createErpProject";
    next.steps.push({ id: "notify", type: "map", output: "'x'" });
    const call = step(next, "createMilestone") as Extract<Step, { type: "call" }>;
    call.retry = { maxAttempts: 3 };
    const d = diffFlows(opp, next);
    expect(d.steps.map((s) => [s.id, s.change])).toEqual([
      ["chooseBilling", "changed"],
      ["setRates", "removed"],
      ["createMilestone", "changed"],
      ["notify", "added"],
    ]);
    expect(d.steps[0]!.changes).toEqual([
      { path: ["default"], kind: "changed", before: "setRates", after: "createErpProject" },
    ]);
    expect(d.steps[2]!.changes).toEqual([{ path: ["retry"], kind: "added", after: { maxAttempts: 3 } }]);
    const text = formatDiff(d);
    expect(text).toContain("- step setRates (call)");
    expect(text).toContain('~ default: "setRates" → "createErpProject"');
  });

  it("reports layout-only changes as such", () => {
    const d = diffFlows(opp, { ...opp, layout: { nodes: {} } });
    expect(d.same).toBe(true);
    expect(d.layoutChanged).toBe(true);
    expect(detectBreakingChanges(opp, { ...opp, layout: { nodes: {} } }).bump).toBe("patch");
  });
});

describe("breaking changes", () => {
  it("a removed emitted field is breaking (major)", () => {
    const next = clone(opp);
    const emit = step(next, "announce") as EmitStep;
    emit.payload = { ...(emit.payload as Record<string, string>) };
    delete (emit.payload as Record<string, string>).billing;
    const r = detectBreakingChanges(opp, next);
    expect(r.breaking.map((c) => c.code)).toEqual(["emitted-field-removed"]);
    expect(r.breaking[0]!.message).toContain("'billing'");
    expect(r.bump).toBe("major");
  });

  it("an added emitted field is a feature (minor)", () => {
    const next = clone(opp);
    const emit = step(next, "announce") as EmitStep;
    emit.payload = { ...(emit.payload as Record<string, string>), region: "'EU'" };
    const r = detectBreakingChanges(opp, next);
    expect(r.breaking).toEqual([]);
    expect(r.changes.map((c) => c.code)).toContain("emitted-field-added");
    expect(r.bump).toBe("minor");
  });

  it("an event no longer emitted, or emitted at a new major, is breaking", () => {
    const gone = clone(opp);
    gone.steps = gone.steps.filter((s) => s.id !== "announce");
    expect(codes(opp, gone)).toContain("event-no-longer-emitted");
    const v2 = clone(opp);
    (step(v2, "announce") as EmitStep).version = 2;
    expect(codes(opp, v2)).toContain("event-version-changed");
    expect(detectBreakingChanges(opp, v2).bump).toBe("major");
  });

  it("trigger contract: type, event name, new required webhook field", () => {
    expect(codes(opp, { ...opp, trigger: { type: "manual" } })).toContain("trigger-type-changed");
    expect(codes(opp, { ...opp, trigger: { type: "event", event: "crm.opportunity.closed" } })).toContain(
      "trigger-event-changed",
    );
    const next = clone(onboarding);
    if (next.trigger.type !== "webhook") throw new Error("webhook expected");
    next.trigger.payloadSchema = {
      ...next.trigger.payloadSchema,
      required: ["workerId", "eventType", "effectiveDate"],
    };
    const r = detectBreakingChanges(onboarding, next);
    expect(r.breaking.map((c) => c.code)).toEqual(["input-field-now-required"]);
    const relaxed = clone(onboarding);
    if (relaxed.trigger.type !== "webhook") throw new Error("webhook expected");
    relaxed.trigger.payloadSchema = { ...relaxed.trigger.payloadSchema, required: ["workerId"] };
    expect(detectBreakingChanges(onboarding, relaxed).bump).toBe("minor");
    const narrowed = clone(onboarding);
    if (narrowed.trigger.type !== "webhook") throw new Error("webhook expected");
    narrowed.trigger.payloadSchema = {
      ...narrowed.trigger.payloadSchema,
      properties: { workerId: { type: "integer" }, eventType: { type: "string", enum: ["HIRE"] } },
    };
    expect(codes(onboarding, narrowed)).toEqual(expect.arrayContaining(["input-type-narrowed", "input-enum-narrowed"]));
  });

  it("flow output: a removed field is breaking", () => {
    const next = clone(opp);
    next.output = { projectId: "$steps.createProject.output.id", customerId: "$steps.upsertCustomer.output.id" };
    expect(detectBreakingChanges(opp, next).breaking.map((c) => c.code)).toEqual(["output-field-removed"]);
    expect(detectBreakingChanges(opp, { ...opp, output: undefined }).breaking.map((c) => c.code)).toEqual([
      "output-removed",
    ]);
  });

  it("mapping tweaks are a patch, new steps a minor", () => {
    const tweak = clone(opp);
    (step(tweak, "getAccount") as Extract<Step, { type: "call" }>).timeout = "45s";
    expect(detectBreakingChanges(opp, tweak).bump).toBe("patch");
    const added = clone(opp);
    added.steps.push({ id: "extra", type: "map", output: "1" });
    expect(detectBreakingChanges(opp, added).bump).toBe("minor");
  });
});

describe("versions", () => {
  it("semverBump and versionBump", () => {
    expect(semverBump(true, [])).toBe("major");
    expect(semverBump(false, [{ level: "feature" }, { level: "fix" }])).toBe("minor");
    expect(semverBump(false, [{ level: "fix" }])).toBe("patch");
    expect(semverBump(false, [])).toBe("none");
    expect(versionBump("1.2.0", "2.0.0")).toBe("major");
    expect(versionBump("1.2.0", "1.3.0")).toBe("minor");
    expect(versionBump("1.2.0", "1.2.1")).toBe("patch");
    expect(versionBump("1.2.0", "1.2.0")).toBe("none");
    expect(versionBump("1.2.0", "1.1.9")).toBe("invalid");
  });

  it("proposeVersion proposes the bump and judges the declared one", () => {
    // Pinned at 1.2.0: the shipped example's own version moves as it is improved.
    const base: Flow = { ...clone(opp), version: "1.2.0" };
    const next = clone(base);
    (step(next, "announce") as EmitStep).version = 2;
    const low = proposeVersion(base, { ...next, version: "1.3.0" });
    expect(low).toMatchObject({ required: "major", version: "2.0.0", declared: "minor", ok: false });
    expect(proposeVersion(base, { ...next, version: "2.0.0" }).ok).toBe(true);
    expect(proposeVersion(base, clone(base))).toMatchObject({ required: "none", version: "1.2.0", ok: true });
  });
});

describe("JSON Schema", () => {
  const schema = dslJsonSchema();
  it("is draft 2020-12 with every step type and strict objects", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    const defs = schema.$defs as Record<string, Record<string, unknown>>;
    for (const t of [
      "CallStep",
      "MapStep",
      "SwitchStep",
      "ForeachStep",
      "ParallelStep",
      "WaitStep",
      "EmitStep",
      "SubflowStep",
      "FailStep",
    ]) {
      expect(defs[t]?.additionalProperties).toBe(false);
    }
    expect(schema.required).toEqual(
      expect.arrayContaining([
        "dsl",
        "key",
        "version",
        "name",
        "domain",
        "owner",
        "classification",
        "trigger",
        "steps",
      ]),
    );
    expect(schema.additionalProperties).toBe(false);
    const props = schema.properties as Record<string, Record<string, unknown>>;
    expect(props.dsl).toMatchObject({ const: "weft/1" });
  });
  it("is JSON and a fresh copy each time", () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    (schema as Record<string, unknown>).title = "mutated";
    expect(dslJsonSchema().title).toBe("Weft flow (weft/1)");
  });
});
