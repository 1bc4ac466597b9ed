import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { exampleCatalog } from "@/examples/catalog";
import type { Catalog } from "./catalog";
import { validate, validateText, type Problem } from "./validate";

type Doc = Record<string, unknown>;

function base(steps: unknown[], extra: Doc = {}): Doc {
  return {
    dsl: "weft/1",
    key: "test-flow",
    version: "1.0.0",
    name: "Test",
    description: "",
    domain: "invoice",
    owner: "finance",
    classification: "internal",
    trigger: { type: "manual" },
    start: (steps[0] as { id?: string } | undefined)?.id,
    steps,
    ...extra,
  };
}
const map = (id: string, extra: Doc = {}) => ({ id, type: "map", output: "$trigger", ...extra });
const codes = (ps: Problem[]) => ps.map((p) => p.code);
const find = (ps: Problem[], code: string) => ps.find((p) => p.code === code);

describe("examples", () => {
  const files = readdirSync("examples").filter((f) => f.endsWith(".weft.json"));
  it("has the reference journey", () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });
  for (const f of files) {
    it(`${f} is valid, with and without the catalog, without warnings`, () => {
      const doc = JSON.parse(readFileSync(`examples/${f}`, "utf8")) as unknown;
      for (const r of [validate(doc), validate(doc, { catalog: exampleCatalog })]) {
        expect(r.problems).toEqual([]);
        expect(r.ok).toBe(true);
        expect(r.flow).toBeDefined();
      }
    });
  }
  it("together the examples use every step type and every trigger type", () => {
    const text = files.map((f) => readFileSync(`examples/${f}`, "utf8")).join("\n");
    for (const t of ["call", "map", "switch", "foreach", "parallel", "wait", "emit", "subflow", "fail"])
      expect(text).toContain(`"type": "${t}"`);
    for (const t of ["webhook", "schedule", "event", "poll"]) expect(text).toContain(`"type": "${t}"`);
  });
});

describe("schema problems", () => {
  it("names unknown keys, with a suggestion", () => {
    const r = validate(base([map("a", { retyr: { maxAttempts: 2 } })], { owener: "x" }));
    const step = r.problems.find((p) => p.code === "unknown-key" && p.stepId === "a")!;
    expect(step.path).toEqual(["steps", 0, "retyr"]);
    expect(step.message).toContain("'retyr'");
    expect(step.message).toContain("Did you mean 'retry'?");
    const top = r.problems.find((p) => p.code === "unknown-key" && p.stepId === undefined)!;
    expect(top.path).toEqual(["owener"]);
    expect(top.message).toContain("Did you mean 'owner'?");
    expect(r.ok).toBe(false);
  });

  it("reports a missing required field by name", () => {
    const r = validate(base([{ id: "c", type: "call", connector: "netsuite", operation: "createInvoice" }]));
    const p = find(r.problems, "missing-field")!;
    expect(p.path).toEqual(["steps", 0, "connection"]);
    expect(p.message).toBe("Step 'c' (call) needs 'connection'.");
  });

  it("reports an unknown step type with the choices", () => {
    const r = validate(base([{ id: "x", type: "loop" }]));
    const p = find(r.problems, "unknown-step-type")!;
    expect(p.path).toEqual(["steps", 0, "type"]);
    expect(p.message).toContain("call, map, switch, foreach, parallel, wait, emit, subflow, fail");
  });

  it("reports wrong types and out-of-range numbers with the value", () => {
    const r = validate(base([map("a", { retry: { maxAttempts: 40 }, timeout: 5 })]));
    const range = find(r.problems, "out-of-range")!;
    expect(range.path).toEqual(["steps", 0, "retry", "maxAttempts"]);
    expect(range.message).toContain("at most 25 (it is 40)");
    const type = find(r.problems, "wrong-type")!;
    expect(type.path).toEqual(["steps", 0, "timeout"]);
  });

  it("keeps checking other steps when one step is broken", () => {
    const r = validate(base([map("a", { next: "b", bogus: 1 }), map("b", { output: "$steps.zz.output" })]));
    expect(codes(r.problems)).toContain("unknown-key");
    expect(codes(r.problems)).toContain("unknown-step-reference");
    expect(r.flow).toBeUndefined();
  });

  it("checks the expressions of a step whose schema failed", () => {
    const r = validate(base([map("a", { output: "1 +", bogus: true })]));
    expect(codes(r.problems)).toEqual(expect.arrayContaining(["unknown-key", "expression-syntax"]));
  });

  it("rejects a document of another DSL version and non-objects", () => {
    expect(codes(validate({ ...base([map("a")]), dsl: "weft/2" }).problems)).toEqual(["unsupported-dsl-version"]);
    expect(codes(validate([1, 2]).problems)).toEqual(["not-a-flow"]);
    expect(codes(validate(null).problems)).toEqual(["not-a-flow"]);
    expect(codes(validateText("{ nope").problems)).toEqual(["not-json"]);
  });

  it("checks header enums and formats", () => {
    const r = validate(base([map("a")], { domain: "sales", version: "v1", key: "Bad Key" }));
    expect(r.problems.find((p) => p.path[0] === "domain")?.code).toBe("invalid-value");
    expect(r.problems.find((p) => p.path[0] === "version")?.code).toBe("invalid-format");
    expect(r.problems.find((p) => p.path[0] === "key")?.code).toBe("invalid-format");
  });
});

describe("placeholder steps", () => {
  it("refuses a placeholder with its description, with or without a catalog", () => {
    const step = {
      id: "rewriteMe",
      type: "call",
      connector: "placeholder",
      operation: "rewrite",
      connection: "placeholder",
      description: "Rewrite this n8n Code node.",
    };
    for (const r of [validate(base([step])), validate(base([step]), { catalog: exampleCatalog })]) {
      expect(r.ok).toBe(false);
      expect(r.problems.filter((p) => p.severity === "error").map((p) => [p.code, p.stepId, p.path])).toEqual([
        ["placeholder-step", "rewriteMe", ["steps", 0, "connector"]],
      ]);
      expect(find(r.problems, "placeholder-step")?.message).toBe(
        "Step 'rewriteMe' is a placeholder: Rewrite this n8n Code node.",
      );
    }
  });
});

describe("graph problems", () => {
  it("finds dangling and duplicate ids", () => {
    const r = validate(base([map("a", { next: "nope" }), map("a")]));
    expect(find(r.problems, "unknown-step")?.path).toEqual(["steps", 0, "next"]);
    expect(find(r.problems, "duplicate-id")?.path).toEqual(["steps", 1, "id"]);
  });

  it("suggests the closest id for a typo", () => {
    const r = validate(base([map("postInvoice", { next: "sendMial" }), map("sendMail")]));
    expect(find(r.problems, "unknown-step")?.message).toContain("Did you mean 'sendMail'?");
  });

  it("finds unreachable steps (as warnings) and cycles (as errors)", () => {
    const r = validate(base([map("a", { next: "b" }), map("b", { next: "a" }), map("lonely")]));
    const cycle = find(r.problems, "cycle")!;
    expect(cycle.severity).toBe("error");
    expect(cycle.message).toContain("'a' → 'b'");
    const un = find(r.problems, "unreachable-step")!;
    expect(un.stepId).toBe("lonely");
    expect(un.severity).toBe("warning");
  });

  it("finds a self loop", () => {
    expect(codes(validate(base([map("a", { next: "a" })])).problems)).toContain("cycle");
  });

  it("finds cycles through switch cases and catch routes", () => {
    const r = validate(
      base([
        { id: "s", type: "switch", cases: [{ when: "true", next: "a" }] },
        {
          id: "a",
          type: "call",
          connector: "x",
          operation: "y",
          connection: "z",
          catch: [{ errors: ["any"], next: "s" }],
        },
      ]),
    );
    expect(codes(r.problems)).toContain("cycle");
  });

  it("does not let a step jump into or out of a foreach body", () => {
    const r = validate(
      base([
        map("a", { next: "inner" }),
        {
          id: "loop",
          type: "foreach",
          items: "$trigger.lines",
          body: { start: "inner", steps: [map("inner", { next: "a" })] },
        },
      ]),
    );
    const cross = r.problems.filter((p) => p.code === "cross-scope-reference");
    expect(cross.map((p) => p.path)).toEqual([
      ["steps", 0, "next"],
      ["steps", 1, "body", "steps", 0, "next"],
    ]);
    expect(cross[0]!.message).toContain("the body of foreach 'loop'");
  });

  it("requires a start and steps", () => {
    expect(codes(validate(base([])).problems)).toContain("no-steps");
    const doc = base([map("a")]);
    delete doc.start;
    expect(codes(validate(doc).problems)).toContain("missing-start");
    expect(codes(validate(base([{ id: "l", type: "foreach", items: "$x", body: { steps: [] } }])).problems)).toContain(
      "empty-scope",
    );
  });

  it("rejects reserved ids", () => {
    expect(codes(validate(base([map("trigger")])).problems)).toContain("reserved-id");
    expect(codes(validate(base([map("and")])).problems)).toContain("reserved-id");
    // Every name of Object.prototype (on a plain object `__proto__` would swallow a step's output).
    for (const id of Object.getOwnPropertyNames(Object.prototype)) {
      const r = validate(base([map(id)]));
      expect(r.ok, id).toBe(false);
      expect(r.problems.find((p) => p.code === "reserved-id")).toMatchObject({
        stepId: id,
        path: ["steps", 0, "id"],
        message: `'${id}' is a reserved word and cannot be a step id; pick another name.`,
      });
    }
  });

  it("bounds nesting of scopes", () => {
    let inner: Doc = map("leaf");
    for (let i = 0; i < 10; i++)
      inner = { id: `l${i}`, type: "foreach", items: "$x", body: { start: inner.id, steps: [inner] } };
    expect(codes(validate(base([inner])).problems)).toContain("too-deep-nesting");
  });
});

describe("step references", () => {
  it("flags a step that may not have run (not on every path)", () => {
    const r = validate(
      base([
        { id: "s", type: "switch", cases: [{ when: "$trigger.x", next: "a" }], default: "b" },
        map("a", { next: "b" }),
        map("b", { output: "$steps.a.output" }),
      ]),
    );
    const p = find(r.problems, "step-not-yet-run")!;
    expect(p.stepId).toBe("b");
    expect(p.path).toEqual(["steps", 2, "output"]);
  });

  it("accepts a step that runs on every path", () => {
    const r = validate(
      base([
        map("a", { next: "s" }),
        { id: "s", type: "switch", cases: [{ when: "$trigger.x", next: "b" }], default: "c" },
        map("b", { next: "c", output: "$steps.a.output" }),
        map("c", { output: "$steps.a.output.x & $steps.s.output" }),
      ]),
    );
    expect(r.problems).toEqual([]);
  });

  it("does not count a step that failed into a catch handler", () => {
    const r = validate(
      base([
        {
          id: "post",
          type: "call",
          connector: "n",
          operation: "o",
          connection: "c",
          catch: [{ errors: ["business"], next: "handle" }],
          next: "done",
        },
        map("handle", { output: "$steps.post.output.id & $steps.post.error.message & $error.code" }),
        map("done", { output: "$steps.post.output.id" }),
      ]),
    );
    expect(r.problems.filter((p) => p.code === "step-not-yet-run").map((p) => p.stepId)).toEqual(["handle"]);
  });

  it("counts a step whose catch route gives it an output as having run, and checks that output", () => {
    const r = validate(
      base([
        {
          id: "post",
          type: "call",
          connector: "n",
          operation: "o",
          connection: "c",
          catch: [{ errors: ["any"], next: "done", output: '{"error": $error.message}' }],
          next: "done",
        },
        map("done", { output: "$steps.post.output.error ? 'failed' : $steps.post.output.id" }),
      ]),
    );
    expect(r.problems).toEqual([]);
    const bad = validate(
      base([
        {
          id: "post",
          type: "call",
          connector: "n",
          operation: "o",
          connection: "c",
          catch: [{ errors: ["any"], next: "done", output: '{"error": $error.message' }],
          next: "done",
        },
        map("done", { output: "$steps.post.output" }),
      ]),
    );
    expect(bad.problems.map((p) => [p.stepId, p.path.join(".")])).toEqual([["post", "steps.0.catch.0.output"]]);
  });

  it("lets a compensation step read the step it undoes", () => {
    const r = validate(
      base([
        {
          id: "create",
          type: "call",
          connector: "n",
          operation: "o",
          connection: "c",
          compensate: "undo",
          next: "after",
        },
        map("after"),
        {
          id: "undo",
          type: "call",
          connector: "n",
          operation: "d",
          connection: "c",
          input: { id: "$steps.create.output.id" },
        },
      ]),
    );
    expect(r.problems).toEqual([]);
  });

  it("flags references to a sibling parallel branch", () => {
    const r = validate(
      base([
        {
          id: "par",
          type: "parallel",
          join: "all",
          branches: [
            { name: "left", start: "l", steps: [map("l")] },
            { name: "right", start: "r", steps: [map("r", { output: "$steps.l.output" })] },
          ],
        },
      ]),
    );
    const p = find(r.problems, "step-not-yet-run")!;
    expect(p.stepId).toBe("r");
    expect(p.message).toContain("another branch of parallel 'par'");
  });

  it("flags reading a foreach body step from outside, and points to the foreach output", () => {
    const r = validate(
      base([
        {
          id: "loop",
          type: "foreach",
          items: "$trigger.lines",
          body: { start: "inner", steps: [map("inner")] },
          next: "after",
        },
        map("after", { output: "$steps.inner.output" }),
      ]),
    );
    const p = find(r.problems, "step-out-of-scope")!;
    expect(p.message).toContain("$steps.loop.output");
  });

  it("lets a body step read outer steps that ran before the foreach, not the foreach itself", () => {
    const r = validate(
      base([
        map("a", { next: "loop" }),
        {
          id: "loop",
          type: "foreach",
          items: "$steps.a.output",
          body: { start: "i", steps: [map("i", { output: "$steps.a.output & $item & $steps.loop.output" })] },
        },
      ]),
    );
    expect(r.problems.map((p) => [p.code, p.stepId])).toEqual([["step-not-yet-run", "i"]]);
  });

  it("flags $item outside a foreach, unknown steps, and self references", () => {
    const r = validate(base([map("a", { output: "$item.x & $steps.ghost.output & $steps.a.output" })]));
    expect(codes(r.problems).sort()).toEqual(["item-outside-foreach", "step-not-yet-run", "unknown-step-reference"]);
  });

  it("flags $steps in expressions evaluated before any step runs", () => {
    const r = validate(base([map("a")], { concurrency: { key: "$steps.a.output" } }));
    expect(find(r.problems, "step-not-yet-run")?.path).toEqual(["concurrency", "key"]);
  });

  it("reports JSONata syntax errors with the position", () => {
    const r = validate(base([map("a", { output: { total: "$sum(lines.amount" } })]));
    const p = find(r.problems, "expression-syntax")!;
    expect(p.path).toEqual(["steps", 0, "output", "total"]);
    expect(p.message).toMatch(/at position \d+/);
  });
});

describe("settings", () => {
  it("checks cron and time zone", () => {
    expect(
      find(
        validate(base([map("a")], { trigger: { type: "schedule", cron: "61 * * * *", timezone: "UTC" } })).problems,
        "invalid-cron",
      )?.path,
    ).toEqual(["trigger", "cron"]);
    expect(
      codes(validate(base([map("a")], { trigger: { type: "schedule", cron: "* * *", timezone: "UTC" } })).problems),
    ).toEqual(["invalid-cron"]);
    expect(
      codes(
        validate(base([map("a")], { trigger: { type: "schedule", cron: "0 6 * * *", timezone: "Mars/Olympus" } }))
          .problems,
      ),
    ).toEqual(["invalid-timezone"]);
    expect(
      validate(base([map("a")], { trigger: { type: "schedule", cron: "0 6 * * 1-5", timezone: "Europe/Amsterdam" } }))
        .ok,
    ).toBe(true);
  });

  it("a webhook that rejects invalid bodies needs a schema to check them against", () => {
    const hook = (t: Record<string, unknown>) =>
      validate(base([map("a")], { trigger: { type: "webhook", secret: "webhook-x", ...t } }));
    expect(find(hook({ onInvalidPayload: "reject" }).problems, "reject-without-schema")?.path).toEqual([
      "trigger",
      "onInvalidPayload",
    ]);
    expect(hook({ onInvalidPayload: "reject", payloadSchema: { type: "object" } }).ok).toBe(true);
    expect(hook({ onInvalidPayload: "accept" }).ok).toBe(true);
    expect(hook({ onInvalidPayload: "drop" }).ok).toBe(false);
  });

  it("checks retry and timeout ranges", () => {
    const r = validate(base([map("a", { retry: { maxAttempts: 3, interval: "2h", maxDelay: "2d" }, timeout: "P2D" })]));
    expect(r.problems.filter((p) => p.code === "retry-out-of-range").map((p) => p.path.at(-1))).toEqual([
      "interval",
      "maxDelay",
    ]);
    expect(find(r.problems, "timeout-out-of-range")?.path).toEqual(["steps", 0, "timeout"]);
    const order = validate(base([map("a", { retry: { maxAttempts: 3, interval: "1m", maxDelay: "10s" } })]));
    expect(find(order.problems, "retry-out-of-range")?.message).toContain("shorter than its first delay");
  });

  it("a wait needs exactly one of duration and until", () => {
    expect(codes(validate(base([{ id: "w", type: "wait" }])).problems)).toEqual(["wait-needs-duration-or-until"]);
    expect(codes(validate(base([{ id: "w", type: "wait", duration: "1h", until: "$x" }])).problems)).toEqual([
      "wait-needs-duration-or-until",
    ]);
    expect(codes(validate(base([{ id: "w", type: "wait", duration: "400d" }])).problems)).toEqual([
      "wait-out-of-range",
    ]);
  });

  it("flags conflicting field mappings and shadowed catch routes", () => {
    const r = validate(
      base([
        {
          id: "c",
          type: "call",
          connector: "n",
          operation: "o",
          connection: "c",
          input: { customer: "$x", "customer.id": "$y" },
          catch: [
            { errors: ["any"], next: "h" },
            { errors: ["business"], next: "h" },
          ],
        },
        map("h"),
      ]),
    );
    expect(codes(r.problems).sort()).toEqual(["conflicting-field-mapping", "shadowed-catch-route"]);
  });
});

describe("catalog checks", () => {
  const call = (extra: Doc) => ({
    id: "postInvoice",
    type: "call",
    connector: "netsuite",
    operation: "createInvoice",
    connection: "netsuite-prod",
    ...extra,
  });

  it("names the missing required input fields (nested too, against the real NetSuite manifest)", () => {
    const r = validate(
      base([call({ input: { "body.job.id": "$trigger.job", "body.item.items": "$trigger.lines" } })]),
      { catalog: exampleCatalog },
    );
    const p = find(r.problems, "missing-required-input")!;
    expect(p.message).toBe(
      "Step 'postInvoice' calls netsuite.createInvoice but no input is mapped to required field 'body.entity'.",
    );
    expect(p.path).toEqual(["steps", 0, "input"]);
    expect(r.problems).toHaveLength(1);
    const none = validate(base([call({})]), { catalog: exampleCatalog });
    expect(none.problems.map((x) => x.message)).toEqual([
      "Step 'postInvoice' calls netsuite.createInvoice but no input is mapped to required field 'body'.",
    ]);
    const deep = validate(
      base([call({ input: { "body.entity.refName": "'ACME'", "body.item.items": "$trigger.lines" } })]),
      { catalog: exampleCatalog },
    );
    expect(find(deep.problems, "missing-required-input")?.message).toContain("'body.entity.id'");
  });

  it("checks nested required fields when only sub-fields are mapped", () => {
    const catalog: Catalog = {
      connectors: {
        erp: {
          key: "erp",
          name: "ERP",
          system: "erp",
          operations: {
            put: {
              key: "put",
              kind: "action",
              name: "put",
              input: z.object({
                address: z.object({ city: z.string(), zip: z.string() }),
                note: z.string().optional(),
              }),
              output: z.unknown(),
            },
          },
        },
      },
    };
    const r = validate(
      base([
        {
          id: "p",
          type: "call",
          connector: "erp",
          operation: "put",
          connection: "c",
          input: { "address.city": "'Utrecht'" },
        },
      ]),
      { catalog },
    );
    expect(find(r.problems, "missing-required-input")?.message).toContain("'address.zip'");
    const whole = validate(
      base([
        {
          id: "p",
          type: "call",
          connector: "erp",
          operation: "put",
          connection: "c",
          input: { address: "$trigger.address" },
        },
      ]),
      { catalog },
    );
    expect(whole.problems).toEqual([]);
  });

  it("flags fields the operation does not take (error when its schema is strict)", () => {
    const catalog: Catalog = {
      connectors: {
        erp: {
          key: "erp",
          name: "ERP",
          system: "erp",
          operations: {
            strict: {
              key: "strict",
              kind: "action",
              name: "s",
              input: z.strictObject({ id: z.string() }),
              output: z.unknown(),
            },
            plain: {
              key: "plain",
              kind: "action",
              name: "p",
              input: z.object({ id: z.string() }),
              output: z.unknown(),
            },
            loose: {
              key: "loose",
              kind: "action",
              name: "l",
              input: z.looseObject({ id: z.string() }),
              output: z.unknown(),
            },
          },
        },
      },
    };
    const step = (operation: string) =>
      base([{ id: "s", type: "call", connector: "erp", operation, connection: "c", input: { id: "$x", Id: "$x" } }]);
    const strict = find(validate(step("strict"), { catalog }).problems, "unknown-input-field")!;
    expect(strict.severity).toBe("error");
    expect(strict.path).toEqual(["steps", 0, "input", "Id"]);
    expect(strict.message).toContain("Did you mean 'id'?");
    expect(find(validate(step("plain"), { catalog }).problems, "unknown-input-field")?.severity).toBe("warning");
    // Passed through but undeclared (OpenAPI's default when additionalProperties is absent): still a warning.
    const loose = find(validate(step("loose"), { catalog }).problems, "unknown-input-field")!;
    expect(loose.severity).toBe("warning");
    expect(loose.message).toBe("Step 's' maps 'Id', which erp.loose does not declare (a typo?). Did you mean 'id'?");
  });

  it("warns about misspelled nested body fields of loose objects, but not about keys a record-like schema types", () => {
    const customer = z.looseObject({ id: z.string(), email: z.string().optional() });
    const catalog: Catalog = {
      connectors: {
        crm: {
          key: "crm",
          name: "CRM",
          system: "crm",
          operations: {
            put: {
              key: "put",
              kind: "action",
              name: "put",
              input: z.object({
                body: z.looseObject({
                  customer,
                  metadata: z.object({ source: z.string() }).catchall(z.string()).optional(),
                }),
              }),
              output: z.unknown(),
            },
            free: {
              key: "free",
              kind: "action",
              name: "free",
              input: z.object({ body: z.looseObject({}) }),
              output: z.unknown(),
            },
          },
        },
      },
    };
    const put = (input: Record<string, string>) =>
      validate(base([{ id: "up", type: "call", connector: "crm", operation: "put", connection: "c", input }]), {
        catalog,
      }).problems;
    const typo = put({ "body.customer.idd": "$x", "body.customer.email": "$y" });
    expect(typo).toHaveLength(2); // the typo, and the required customer.id it leaves unmapped
    expect(find(typo, "unknown-input-field")).toMatchObject({
      severity: "warning",
      path: ["steps", 0, "input", "body.customer.idd"],
    });
    expect(find(typo, "unknown-input-field")!.message).toContain("Did you mean 'body.customer.id'?");
    expect(
      put({ "body.customer.id": "$x", "body.metadata.source": "'web'", "body.metadata.campaign": "'q4'" }),
    ).toEqual([]);
    expect(
      validate(
        base([
          {
            id: "f",
            type: "call",
            connector: "crm",
            operation: "free",
            connection: "c",
            input: { "body.anything": "$x" },
          },
        ]),
        { catalog },
      ).problems,
    ).toEqual([]);
  });

  it("checks real manifests: Kantata's createStory needs a story_type", () => {
    const r = validate(
      base([
        {
          id: "m",
          type: "call",
          connector: "kantata",
          operation: "createStory",
          connection: "kantata-prod",
          input: { workspace_id: "$x", title: "$x" },
        },
      ]),
      { catalog: exampleCatalog },
    );
    expect(r.problems.map((p) => p.message)).toEqual([
      "Step 'm' calls kantata.createStory but no input is mapped to required field 'story_type'.",
    ]);
  });

  it("flags unknown connector, operation, connection, and trigger operations", () => {
    const cat = { catalog: exampleCatalog };
    expect(
      find(validate(base([call({ connector: "netsuit" })]), cat).problems, "unknown-connector")?.message,
    ).toContain("Did you mean 'netsuite'?");
    expect(
      find(validate(base([call({ operation: "createInvoce" })]), cat).problems, "unknown-operation")?.message,
    ).toContain("Did you mean 'createInvoice'?");
    expect(codes(validate(base([call({ connection: "nope", input: "$x" })]), cat).problems)).toEqual([
      "unknown-connection",
    ]);
    expect(codes(validate(base([call({ connection: "kantata-prod", input: "$x" })]), cat).problems)).toEqual([
      "connection-mismatch",
    ]);
    expect(
      codes(
        validate(
          base([call({ connector: "kantata", operation: "pollApprovedTimeEntries", connection: "kantata-prod" })]),
          cat,
        ).problems,
      ),
    ).toEqual(["not-an-action"]);
  });

  it("flags a literal request URL outside the hosts the connection's credentials may go to, on the field", () => {
    const withConn = (credentials?: { origins: string[]; allowedHosts: string[] }): { catalog: Catalog } => ({
      catalog: { ...exampleCatalog, connections: [{ key: "api", connectorKey: "http", credentials }] },
    });
    const step = (url: string) =>
      base([{ id: "get", type: "call", connector: "http", operation: "request", connection: "api", input: { url } }]);
    const creds = { origins: ["https://api.example.com"], allowedHosts: ["*.files.example.com"] };
    const off = find(
      validate(step(`"https://collector.evil.test/x"`), withConn(creds)).problems,
      "credentials-off-origin",
    )!;
    expect(off).toMatchObject({ stepId: "get", path: ["steps", 0, "input", "url"], severity: "error" });
    expect(off.message).toContain("https://collector.evil.test is not one of them");
    expect(off.message).toContain("https://api.example.com, *.files.example.com");
    // A literal origin in front of a concatenation counts; the connection's own hosts, paths and computed URLs do not.
    expect(codes(validate(step(`"https://collector.evil.test/" & $trigger.id`), withConn(creds)).problems)).toEqual([
      "credentials-off-origin",
    ]);
    for (const fine of [
      `"https://api.example.com/v1/x"`,
      `"https://eu.files.example.com/f"`,
      `"/v1/customers"`,
      `$trigger.url`,
      `"https://" & $trigger.host`,
    ]) {
      expect(validate(step(fine), withConn(creds)).problems, fine).toEqual([]);
    }
    // A connection without secrets has nothing to leak.
    expect(validate(step(`"https://collector.evil.test/x"`), withConn(undefined)).problems).toEqual([]);
  });

  it("checks a webhook trigger's signing secret against the workspace's connections", () => {
    const hook = (secret: string) => base([map("a")], { trigger: { type: "webhook", secret } });
    const missing = find(
      validate(hook("webhook-test-flow"), { catalog: exampleCatalog }).problems,
      "unknown-webhook-secret",
    );
    expect(missing).toMatchObject({ path: ["trigger", "secret"], severity: "error" });
    expect(missing?.message).toBe(
      "The webhook trigger's signing secret 'webhook-test-flow' does not exist in this workspace: create it, or name an existing webhook connection.",
    );
    expect(codes(validate(hook("netsuite-prod"), { catalog: exampleCatalog }).problems)).toEqual([
      "webhook-secret-mismatch",
    ]);
    expect(validate(hook("workday-webhook-signing"), { catalog: exampleCatalog }).problems).toEqual([]);
    // Offline (no workspace connections: the CLI's validate), the name cannot be checked.
    expect(validate(hook("webhook-test-flow")).problems).toEqual([]);
  });

  it("skips input checks when the input is one expression", () => {
    expect(validate(base([call({ input: "$trigger.invoice" })]), { catalog: exampleCatalog }).problems).toEqual([]);
  });

  it("checks subflow references against published versions", () => {
    const sub = (version: string, flow = "assign-default-skills") =>
      base([{ id: "s", type: "subflow", flow, version }]);
    expect(validate(sub("^1.0.0"), { catalog: exampleCatalog }).problems).toEqual([]);
    expect(codes(validate(sub("^2.0.0"), { catalog: exampleCatalog }).problems)).toEqual(["no-matching-version"]);
    expect(codes(validate(sub("^1.0.0", "ghost-flow"), { catalog: exampleCatalog }).problems)).toEqual([
      "unknown-flow",
    ]);
    expect(codes(validate(sub("not a range"), { catalog: exampleCatalog }).problems)).toEqual([
      "invalid-version-range",
    ]);
  });
});

describe("what a call's input provably gives the operation (literals, whole-input objects, map steps, typed sources)", () => {
  const customer = (input: unknown, extra: Doc = {}) => ({
    id: "createCustomer",
    type: "call",
    connector: "netsuite",
    operation: "createCustomer",
    connection: "netsuite-prod",
    input,
    ...extra,
  });

  it("a fixed value of the wrong type is an error naming the field, with the fix", () => {
    const r = validate(base([customer({ "body.companyName": "1", "body.subsidiary.id": "'1'" })]), {
      catalog: exampleCatalog,
    });
    expect(r.problems.map((p) => [p.code, p.path, p.message])).toEqual([
      [
        "input-literal-type",
        ["steps", 0, "input", "body.companyName"],
        "Step 'createCustomer': input 'body.companyName' is the fixed value 1 (a number), but netsuite.createCustomer expects text. Write it in quotes ('1') to send text.",
      ],
    ]);
    // The same value as text, or an expression whose type is not known before the run, passes.
    expect(
      validate(base([customer({ "body.companyName": "'1'", "body.subsidiary.id": "'1'" })]), {
        catalog: exampleCatalog,
      }).ok,
    ).toBe(true);
    expect(
      validate(base([customer({ "body.companyName": "$trigger.name", "body.subsidiary.id": "'1'" })]), {
        catalog: exampleCatalog,
      }).ok,
    ).toBe(true);
    // A literal the schema refuses for another reason (an empty name) is named too.
    expect(
      find(
        validate(base([customer({ "body.companyName": "''", "body.subsidiary.id": "'1'" })]), {
          catalog: exampleCatalog,
        }).problems,
        "input-literal-type",
      )?.message,
    ).toMatch(/fixed value "" \(text\), but netsuite.createCustomer does not accept it/);
  });

  it("a whole input written as one object expression is checked like field mappings: {} misses the required body", () => {
    const empty = validate(base([customer("{}")]), { catalog: exampleCatalog });
    expect(empty.problems.map((p) => p.message)).toEqual([
      "Step 'createCustomer' calls netsuite.createCustomer but no input is mapped to required field 'body'.",
    ]);
    const partial = validate(base([customer("{ 'body': { 'companyName': 42 } }")]), { catalog: exampleCatalog });
    expect(codes(partial.problems).sort()).toEqual(["input-literal-type", "missing-required-input"]);
    expect(find(partial.problems, "missing-required-input")!.message).toContain("'body.subsidiary'");
    // An expression that is not an object constructor is only known at run time.
    expect(validate(base([customer("$trigger.customer")]), { catalog: exampleCatalog }).ok).toBe(true);
  });

  it("a call fed whole by a map step ($steps.<map>.output) is checked against the map's fields, reported on the map", () => {
    const prep = (output: Record<string, string>) => ({ id: "prep", type: "map", output, next: "createCustomer" });
    const r = validate(base([prep({ "body.companyName": "$trigger.name" }), customer("$steps.prep.output")]), {
      catalog: exampleCatalog,
    });
    expect(r.problems.map((p) => [p.code, p.stepId, p.path, p.message])).toEqual([
      [
        "missing-required-input",
        "prep",
        ["steps", 0, "output"],
        "Map step 'prep' builds the input of 'createCustomer' (netsuite.createCustomer) but no input is mapped to required field 'body.subsidiary'.",
      ],
    ]);
    const typed = validate(
      base([prep({ "body.companyName": "7", "body.subsidiary.id": "'1'" }), customer("$steps.prep.output")]),
      { catalog: exampleCatalog },
    );
    expect(typed.problems.map((p) => [p.code, p.path])).toEqual([
      ["input-literal-type", ["steps", 0, "output", "body.companyName"]],
    ]);
    expect(
      validate(
        base([
          prep({ "body.companyName": "$trigger.name", "body.subsidiary.id": "'1'" }),
          customer("$steps.prep.output"),
        ]),
        { catalog: exampleCatalog },
      ).ok,
    ).toBe(true);
  });

  it("a path into a described source (a call's output) must have the field's type", () => {
    const catalog: Catalog = {
      connectors: {
        erp: {
          key: "erp",
          name: "ERP",
          system: "erp",
          operations: {
            get: {
              key: "get",
              kind: "action",
              name: "get",
              input: z.object({}),
              output: z.object({ total: z.number(), code: z.string(), lines: z.array(z.object({ sku: z.string() })) }),
            },
            put: {
              key: "put",
              kind: "action",
              name: "put",
              input: z.object({ memo: z.string(), amount: z.number().optional() }),
              output: z.unknown(),
            },
          },
        },
      },
    };
    const flow = (input: Record<string, string>) =>
      base([
        { id: "get", type: "call", connector: "erp", operation: "get", connection: "c", next: "put" },
        { id: "put", type: "call", connector: "erp", operation: "put", connection: "c", input },
      ]);
    const bad = validate(flow({ memo: "$steps.get.output.total", amount: "$steps.get.output.code" }), { catalog });
    expect(bad.problems.map((p) => [p.code, p.path, p.message])).toEqual([
      [
        "input-type-mismatch",
        ["steps", 1, "input", "amount"],
        "Step 'put': input 'amount' reads $steps.get.output.code, which is text, but erp.put expects a number there. Convert it (e.g. $string(…), $number(…)).",
      ],
      [
        "input-type-mismatch",
        ["steps", 1, "input", "memo"],
        "Step 'put': input 'memo' reads $steps.get.output.total, which is a number, but erp.put expects text there. Convert it (e.g. $string(…), $number(…)).",
      ],
    ]);
    expect(validate(flow({ memo: "$steps.get.output.code", amount: "$steps.get.output.total" }), { catalog }).ok).toBe(
      true,
    );
    // Converted, filtered or unknown paths are not judged.
    expect(
      validate(flow({ memo: "$string($steps.get.output.total)", amount: "$sum($steps.get.output.lines.qty)" }), {
        catalog,
      }).ok,
    ).toBe(true);
  });

  it("the data mapper's warnings are the validator's: a source field the call does not return, a list onto one value", () => {
    const catalog: Catalog = {
      connectors: {
        erp: {
          key: "erp",
          name: "ERP",
          system: "erp",
          operations: {
            get: {
              key: "get",
              kind: "action",
              name: "get",
              input: z.object({}),
              output: z.object({
                code: z.string(),
                lines: z.array(z.object({ sku: z.string(), qty: z.number() })),
                extra: z.looseObject({ id: z.string() }),
              }),
            },
            put: {
              key: "put",
              kind: "action",
              name: "put",
              input: z.object({
                memo: z.string().optional(),
                skus: z.array(z.string()).optional(),
                body: z.object({ sku: z.string() }).optional(),
              }),
              output: z.unknown(),
            },
          },
        },
      },
    };
    const get = { id: "get", type: "call", connector: "erp", operation: "get", connection: "c", next: "shape" };
    const flow = (output: Record<string, string>, input: unknown = "$steps.shape.output") =>
      base([
        get,
        { id: "shape", type: "map", output, next: "put" },
        { id: "put", type: "call", connector: "erp", operation: "put", connection: "c", input },
      ]);
    const r = validate(
      flow({
        memo: "$steps.get.output.codes",
        "body.sku": "$steps.get.output.lines.sku",
        skus: "$steps.get.output.lines.sku",
      }),
      { catalog },
    );
    expect(r.ok).toBe(true); // warnings: they do not block, but the Problems panel and the publish checks list them
    expect(r.problems.map((p) => [p.code, p.severity, p.path, p.message])).toEqual([
      [
        "list-to-value",
        "warning",
        ["steps", 1, "output", "body.sku"],
        "Map step 'shape' builds the input of 'put' (erp.put): input 'body.sku' reads $steps.get.output.lines.sku, one value per element of the list 'lines', but erp.put expects one value (text) there. Map the list element by element, or pick or aggregate one value (e.g. [0], $join(…), $sum(…)).",
      ],
      [
        "unknown-source-field",
        "warning",
        ["steps", 1, "output", "memo"],
        "Map step 'shape' maps 'memo' from $steps.get.output.codes, but erp.get does not return a field 'codes'. Did you mean 'code'?",
      ],
    ]);
    // Element fields are checked too; a list onto a list, a picked element and an open object's fields are fine.
    expect(
      validate(flow({ memo: "$steps.get.output.lines.skus" }), { catalog }).problems.map((p) => p.message),
    ).toEqual([
      "Map step 'shape' maps 'memo' from $steps.get.output.lines.skus, but erp.get does not return a field 'lines.skus'. Did you mean 'sku'?",
    ]);
    expect(
      validate(
        flow({
          skus: "$steps.get.output.lines.sku",
          memo: "$steps.get.output.lines[0].sku",
          "body.sku": "$steps.get.output.extra.anything",
        }),
        { catalog },
      ).problems,
    ).toEqual([]);
    // The same on a call's own input.
    expect(
      validate(flow({}, { memo: "$steps.get.output.lines.sku" }), { catalog }).problems.map((p) => [p.code, p.path]),
    ).toEqual([["list-to-value", ["steps", 2, "input", "memo"]]]);
  });
});
