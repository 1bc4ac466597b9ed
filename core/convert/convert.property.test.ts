// Property tests: any state machine of the convertible subset (and any n8n graph of the mapped node types)
// becomes a draft that validates — no schema, graph or expression error — and the converter never throws on
// arbitrary JSON except with a ConvertError.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validate } from "../dsl";
import { ConvertError, fromAsl, fromN8n } from ".";

// State names that make awkward step ids: reserved words, digits first, non-ASCII, spaces.
const NAMES = ["Charge card", "and", "trigger", "1st", "Δelta", "x y-z"];
const path = fc.constantFrom("$", "$.a", "$.a.b", "$.items[0]", "$['odd key']", "$.list[*].id", "$$.Execution.Input.x");
const choiceRule: fc.Arbitrary<Record<string, unknown>> = fc.letrec((tie) => ({
  rule: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({ Variable: path, NumericGreaterThan: fc.integer() }),
    fc.record({ Variable: path, StringEquals: fc.string({ maxLength: 5 }) }),
    fc.record({ Variable: path, BooleanEquals: fc.boolean() }),
    fc.record({ Variable: path, TimestampLessThanEqualsPath: path }),
    fc.record({ Variable: path, StringMatches: fc.constantFrom("a*", "*.csv", "x\\*y") }),
    fc.record({ Variable: path, IsPresent: fc.boolean() }),
    fc.record({ And: fc.array(tie("rule"), { minLength: 1, maxLength: 2 }) }),
    fc.record({ Not: tie("rule") }),
  ),
})).rule as fc.Arbitrary<Record<string, unknown>>;

/** A state machine: a forward-only chain of states (Choice may jump ahead), nested Parallel/Map bodies. */
function machine(depth: number): fc.Arbitrary<Record<string, unknown>> {
  return fc.array(fc.nat(depth > 0 ? 8 : 6), { minLength: 1, maxLength: 6 }).chain((kinds) =>
    fc.tuple(...kinds.map((k) => stateOf(k, depth))).map((states) => {
      const names = states.map((_, i) => NAMES[i % NAMES.length]!);
      const out: Record<string, unknown> = {};
      states.forEach((s, i) => {
        const next = names[i + 1];
        const st = { ...s };
        if (st.Type === "Choice") {
          const later = names.slice(i + 1);
          st.Choices = (st.Choices as Record<string, unknown>[]).map((c, j) => ({
            ...c,
            Next: later.length ? later[j % later.length] : undefined,
          }));
          if (!later.length) st.Choices = [];
          if (later.length) st.Default = later[later.length - 1];
          if (!later.length) {
            out[names[i]!] = { Type: "Succeed" };
            return;
          }
        } else if (st.Type !== "Succeed" && st.Type !== "Fail") {
          if (next) st.Next = next;
          else st.End = true;
        }
        out[names[i]!] = st;
      });
      return { StartAt: names[0], States: out };
    }),
  );
}
function stateOf(k: number, depth: number): fc.Arbitrary<Record<string, unknown>> {
  switch (k) {
    case 0:
      return fc.record({
        Type: fc.constant("Pass"),
        Result: fc.jsonValue({ maxDepth: 2 }),
        ResultPath: fc.constantFrom("$", "$.r", "$.a.b", null),
      });
    case 1:
      return fc.record({
        Type: fc.constant("Pass"),
        Parameters: fc.constant({ "x.$": "$.a", "n.$": "States.Format('v{}', $.b)", k: 1 }),
      });
    case 2:
      return fc.oneof(
        fc.record({ Type: fc.constant("Wait"), Seconds: fc.integer({ min: 1, max: 10_000 }) }),
        fc.record({ Type: fc.constant("Wait"), TimestampPath: path }),
      );
    case 3:
      return fc.record({ Type: fc.constant("Choice"), Choices: fc.array(choiceRule, { minLength: 1, maxLength: 3 }) });
    case 4:
      return fc.record({
        Type: fc.constant("Task"),
        Resource: fc.constantFrom(
          "arn:aws:states:::http:invoke",
          "arn:aws:states:::lambda:invoke",
          "arn:aws:states:::sqs:sendMessage",
        ),
        Parameters: fc.constant({ "ApiEndpoint.$": "$.url", Method: "POST", "RequestBody.$": "$" }),
        ResultSelector: fc.constant({ "body.$": "$.ResponseBody" }),
        ResultPath: fc.constantFrom("$", "$.res", null),
        Retry: fc.array(
          fc.record({
            ErrorEquals: fc.subarray(["States.ALL", "States.Timeout", "Custom.Error", "Lambda.ServiceException"], {
              minLength: 1,
            }),
            MaxAttempts: fc.integer({ min: 0, max: 30 }),
            IntervalSeconds: fc.integer({ min: 1, max: 5000 }),
            BackoffRate: fc.double({ min: 1, max: 12, noNaN: true }),
          }),
          { maxLength: 2 },
        ),
        TimeoutSeconds: fc.integer({ min: 1, max: 200_000 }),
      });
    case 5:
      return fc.record({
        Type: fc.constant("Fail"),
        Error: fc.constantFrom("Order.Rejected", "X", "42bad", "États"),
        Cause: fc.string({ maxLength: 20 }),
      });
    case 6:
      return fc.constant({ Type: "Succeed" });
    case 7:
      return fc.tuple(machine(depth - 1), machine(depth - 1)).map(([a, b]) => ({ Type: "Parallel", Branches: [a, b] }));
    default:
      return fc
        .tuple(machine(depth - 1), fc.integer({ min: 0, max: 500 }))
        .map(([body, mc]) => ({ Type: "Map", ItemsPath: "$.items", MaxConcurrency: mc, ItemProcessor: body }));
  }
}

describe("converter properties", () => {
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
