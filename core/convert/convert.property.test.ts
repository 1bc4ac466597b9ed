// Property tests: any state machine of the convertible subset (and any n8n graph of the mapped node types)
// becomes a draft that validates — no schema, graph or expression error — and the converter never throws on
// arbitrary JSON except with a ConvertError.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validate } from "../dsl";
import { ConvertError, fromAsl, fromN8n } from ".";
import { machine } from "./test-arbitraries";

/** An n8n workflow: a trigger, then nodes wired forward only (fan-outs, IF/Switch outputs, Merge inputs). */
const N8N_TYPES = ["httpRequest", "set", "if", "switch", "merge", "noOp", "wait", "code"] as const;
const n8nWorkflow = fc
  .array(
    fc.tuple(
      fc.constantFrom(...N8N_TYPES),
      fc.array(fc.tuple(fc.nat(3), fc.nat(20), fc.nat(1)), { maxLength: 3 }),
      fc.boolean(),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((specs) => {
    const names = ["Trigger", ...specs.map((s, i) => `${s[0]} ${i}`)];
    const nodes: Record<string, unknown>[] = [
      { name: "Trigger", type: "n8n-nodes-base.manualTrigger", typeVersion: 1, position: [0, 0], parameters: {} },
    ];
    const connections: Record<string, { main: { node: string; type: string; index: number }[][] }> = {
      Trigger: { main: [[{ node: names[1]!, type: "main", index: 0 }]] },
    };
    specs.forEach(([type, outs, disabled], i) => {
      const name = names[i + 1]!;
      const parameters: Record<string, unknown> =
        type === "httpRequest"
          ? { url: "={{ $json.url }}", method: "POST", sendBody: true, specifyBody: "json", jsonBody: "={{ $json }}" }
          : type === "set"
            ? { assignments: { assignments: [{ name: "x", value: "={{ $json.a }}", type: "string" }] } }
            : type === "if"
              ? {
                  conditions: {
                    conditions: [
                      { leftValue: "={{ $json.n }}", rightValue: 1, operator: { type: "number", operation: "gt" } },
                    ],
                    combinator: "and",
                  },
                }
              : type === "switch"
                ? {
                    rules: {
                      values: [
                        {
                          conditions: {
                            conditions: [
                              {
                                leftValue: "={{ $json.s }}",
                                rightValue: "a",
                                operator: { type: "string", operation: "equals" },
                              },
                            ],
                          },
                        },
                      ],
                    },
                    options: { fallbackOutput: "extra" },
                  }
                : type === "wait"
                  ? { amount: 5, unit: "seconds" }
                  : type === "code"
                    ? { jsCode: "return items;" }
                    : {};
      nodes.push({
        name,
        type: `n8n-nodes-base.${type}`,
        typeVersion: type === "set" ? 3.4 : type === "if" ? 2 : type === "switch" ? 3 : type === "merge" ? 3 : 1,
        position: [200 * (i + 1), 0],
        parameters,
        ...(disabled && i % 3 === 2 ? { disabled: true } : {}),
      });
      const main: { node: string; type: string; index: number }[][] = [];
      for (const [out, to, input] of outs) {
        const target = names[i + 2 + (to % Math.max(1, specs.length - i - 1))];
        if (!target || names.indexOf(target) <= i + 1) continue;
        const o = type === "if" || type === "switch" ? out % 2 : 0;
        (main[o] ??= []).push({ node: target, type: "main", index: target.startsWith("merge") ? input : 0 });
      }
      for (let k = 0; k < main.length; k++) main[k] ??= [];
      if (main.length) connections[name] = { main };
    });
    return { name: "Generated", nodes, connections };
  });

describe("converter properties", () => {
  it("every generated n8n workflow of the mapped node types becomes a draft whose errors are its placeholders or named in the report", () => {
    fc.assert(
      fc.property(n8nWorkflow, (w) => {
        const { flow, report } = fromN8n(w);
        const errors = validate(flow).problems.filter((p) => p.severity === "error");
        expect(errors.filter((p) => p.code === "placeholder-step").length).toBe(
          report.entries.filter((e) => e.status === "placeholder").length,
        );
        // What n8n wires that Weft cannot (e.g. a node reading one side of an IF after the sides rejoin) is
        // named in the report, in the validator's own words.
        const said = [...report.entries.flatMap((e) => e.notes), ...report.notes].join("\n");
        for (const p of errors.filter((x) => x.code !== "placeholder-step")) expect(said).toContain(p.message);
      }),
      { numRuns: 300 },
    );
  });

  it("every generated state machine of the convertible subset becomes a draft whose only errors are its placeholders", () => {
    fc.assert(
      fc.property(machine(2), (m) => {
        const { flow, report } = fromAsl(m);
        const errors = validate(flow).problems.filter((p) => p.severity === "error");
        expect(errors.filter((p) => p.code !== "placeholder-step")).toEqual([]);
        expect(errors.length).toBe(report.entries.filter((e) => e.status === "placeholder").length);
      }),
      { numRuns: 150 },
    );
  });

  it("never throws on arbitrary JSON except with a ConvertError", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.boolean(), (v, asl) => {
        try {
          (asl ? fromAsl : fromN8n)(v);
        } catch (e) {
          expect(e).toBeInstanceOf(ConvertError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
