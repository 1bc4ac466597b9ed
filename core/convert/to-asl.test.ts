// `toAsl` (weft export --to asl): Weft → ASL → Weft gives the same flow (normalised: step names, defaults
// written out, durations in ms), ASL → Weft → ASL is stable, and what ASL cannot express is refused by name.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDuration, validate, type Flow, type Step } from "../dsl";
import { fromAsl, mappingExpression, toAsl } from ".";
import { exportableFlow, machine } from "./test-arbitraries";

const ms = (d: string | undefined) => (d === undefined ? undefined : parseDuration(d));

/** A flow's steps as a comparable document: by id, defaults written out, mappings as one expression. */
function normal(steps: Step[], start: string | undefined): unknown {
  const byId: Record<string, unknown> = {};
  for (const s of steps) {
    const { name: _name, ...rest } = s;
    const o: Record<string, unknown> = { ...rest };
    if ("timeout" in s && s.timeout) o.timeout = ms(s.timeout);
    if ("retry" in s && s.retry)
      o.retry = {
        on: s.retry.on ?? ["transient", "timeout"],
        maxAttempts: s.retry.maxAttempts,
        interval: ms(s.retry.interval ?? "1s"),
        backoffRate: s.retry.backoffRate ?? 2,
        maxDelay: ms(s.retry.maxDelay),
        jitter: s.retry.jitter ?? "full",
      };
    switch (s.type) {
      case "map":
        o.output = mappingExpression(s.output);
        break;
      case "switch":
        o.cases = s.cases.map((c) => ({ ...c, label: c.label ?? `→ ${c.next}` }));
        break;
      case "wait":
        if (s.duration) o.duration = ms(s.duration);
        break;
      case "fail":
        o.errorClass = s.errorClass ?? "business";
        break;
      case "foreach":
        o.maxConcurrency = s.maxConcurrency ?? 1;
        o.body = normal(s.body.steps, s.body.start);
        break;
      case "parallel":
        o.branches = s.branches.map((b) => ({ name: b.name, body: normal(b.steps, b.start) }));
        break;
      default:
    }
    byId[s.id] = JSON.parse(JSON.stringify(o));
  }
  return { start: start ?? steps[0]?.id, steps: byId };
}

describe("toAsl", () => {
  it("Weft → ASL → Weft gives the same flow for every generated flow of the exportable subset", () => {
    fc.assert(
      fc.property(exportableFlow(), (doc) => {
        const flow = doc as unknown as Flow;
        const { definition, report } = toAsl(flow);
        expect(report.entries.filter((e) => e.status !== "exported")).toEqual([]);
        expect(report.exported).toBe(report.total);
        const back = fromAsl(definition).flow;
        expect(normal(back.steps, back.start)).toEqual(normal(flow.steps, flow.start));
      }),
      { numRuns: 200 },
    );
  });

  it("ASL → Weft → ASL is stable for every generated state machine whose draft is exportable", () => {
    let exportable = 0;
    fc.assert(
      fc.property(machine(2), (m) => {
        const first = toAsl(fromAsl(m).flow);
        if (first.report.exported !== first.report.total) return;
        exportable++;
        const second = toAsl(fromAsl(first.definition).flow);
        expect(second.report.exported).toBe(second.report.total);
        expect({ ...second.definition, Comment: undefined }).toEqual({ ...first.definition, Comment: undefined });
      }),
      { numRuns: 200 },
    );
    expect(exportable).toBeGreaterThan(20);
  });

  it("each corpus state machine that converts without placeholders round-trips", () => {
    const dir = path.join(__dirname, "fixtures", "asl");
    let checked = 0;
    for (const f of readdirSync(dir)) {
      const { flow, report } = fromAsl(JSON.parse(readFileSync(path.join(dir, f), "utf8")));
      if (report.converted !== report.total) continue;
      const first = toAsl(flow);
      const refused = first.report.entries.filter((e) => e.status === "refused");
      // Whatever is refused is named with the reason; the rest goes across and comes back the same.
      for (const e of refused) expect(e.notes.join(" ")).not.toBe("");
      if (refused.length) continue;
      checked++;
      const back = fromAsl(first.definition).flow;
      expect(normal(back.steps, back.start), f).toEqual(normal(flow.steps, flow.start));
      expect(toAsl(back).definition).toEqual({ ...first.definition, Comment: back.name });
    }
    expect(checked).toBeGreaterThan(0);
  });

  it("refuses what ASL cannot express, naming the step and why, and keeps the state machine whole", () => {
    const flow = {
      dsl: "weft/1",
      key: "refusals",
      version: "0.1.0",
      name: "Refusals",
      domain: "reporting",
      owner: "platform",
      classification: "internal",
      trigger: { type: "webhook" },
      steps: [
        { id: "sf", type: "call", connector: "salesforce", operation: "getRecord", connection: "sf", next: "ev" },
        { id: "ev", type: "emit", event: "order.created", payload: "$trigger", next: "par" },
        {
          id: "par",
          type: "parallel",
          join: "any",
          branches: [
            { name: "a", steps: [{ id: "a1", type: "map", output: "$error.message" }] },
            { name: "b", steps: [{ id: "b1", type: "map", output: "$run.id" }] },
          ],
          next: "w",
        },
        { id: "w", type: "wait", duration: "5s", next: "pick" },
        { id: "pick", type: "switch", cases: [{ when: "$trigger.a = 1", next: "out" }], timeout: "5s" },
        { id: "out", type: "map", output: "$steps.w.output", next: "count" },
        { id: "count", type: "map", output: "$count($trigger.items)" },
      ],
    } as unknown as Flow;
    expect(validate(flow).problems.filter((p) => p.code === "schema")).toEqual([]);
    const { definition, report } = toAsl(flow);
    const why = Object.fromEntries(report.entries.map((e) => [e.stepId, `${e.status}: ${e.notes.join(" ")}`]));
    expect(why.sf).toMatch(/^refused: salesforce\.getRecord: only calls of the http connector/);
    expect(why.ev).toMatch(/^refused: A emit step has no ASL equivalent/);
    expect(why.par).toMatch(/^refused: join "any"/);
    expect(why.a1).toMatch(/^refused: It reads \$error/);
    expect(why.b1).toMatch(/^refused: It reads \$run/);
    expect(why.w).toBe("exported: ");
    expect(why.pick).toMatch(/^refused: A Choice state has no Retry, Catch or TimeoutSeconds/);
    expect(why.out).toMatch(/^refused: It reads the output of 'w', a wait step/);
    expect(report.notes.join(" ")).toMatch(/webhook trigger has no ASL equivalent/);
    expect(why.count).toMatch(
      /^refused: It calls \$count\(…\), which the variable holding step 'count''s output would hide/,
    );
    expect(report).toMatchObject({ exported: 1, total: 9 });
    // Every step is still a state (a Pass naming why), so the definition keeps its shape.
    const states = definition.States as Record<string, { Type: string; Comment?: string; Next?: string }>;
    expect(Object.keys(states)).toEqual(["sf", "ev", "par", "w", "pick", "out", "count"]);
    expect(states.pick).toEqual(expect.not.objectContaining({ TimeoutSeconds: expect.anything() }));
    expect(states.sf).toMatchObject({ Type: "Pass", Next: "ev" });
    expect(states.sf!.Comment).toMatch(/^NOT EXPORTED/);
  });

  it("writes JSONata-mode ASL: HTTP tasks, variables for step outputs, choices, maps, retries and catches", () => {
    const flow = {
      dsl: "weft/1",
      key: "orders",
      version: "0.1.0",
      name: "Orders",
      domain: "reporting",
      owner: "platform",
      classification: "internal",
      trigger: { type: "manual" },
      steps: [
        {
          id: "post",
          type: "call",
          connector: "http",
          operation: "request",
          connection: "crm",
          input: { method: '"POST"', url: '"https://crm.example/orders"', body: "$trigger" },
          retry: { on: ["transient"], maxAttempts: 3, interval: "2s" },
          catch: [{ errors: ["business:order.rejected"], next: "rejected" }],
          next: "check",
        },
        {
          id: "check",
          type: "switch",
          cases: [{ when: "$steps.post.output.status = 201", next: "each", label: "created" }],
          default: "rejected",
        },
        {
          id: "each",
          type: "foreach",
          items: "$steps.post.output.body.lines",
          maxConcurrency: 5,
          body: { steps: [{ id: "line", type: "map", output: { sku: "$item.sku", n: "$index" } }] },
        },
        { id: "rejected", type: "fail", code: "order.rejected", message: "The CRM refused the order." },
      ],
    } as unknown as Flow;
    const { definition, report } = toAsl(flow);
    expect(report).toMatchObject({ exported: 5, total: 5 });
    expect(definition).toEqual({
      Comment: "Orders",
      QueryLanguage: "JSONata",
      StartAt: "post",
      States: {
        post: {
          Type: "Task",
          Resource: "arn:aws:states:::http:invoke",
          Arguments: {
            ApiEndpoint: '{% "https://crm.example/orders" %}',
            Method: '{% "POST" %}',
            RequestBody: "{% $states.context.Execution.Input %}",
            Authentication: { ConnectionArn: "arn:aws:events:us-east-1:000000000000:connection/crm/weft" },
          },
          Assign: {
            post: '{% {"status": $states.result.StatusCode, "body": $states.result.ResponseBody, "headers": $states.result.Headers} %}',
          },
          Retry: [
            {
              ErrorEquals: ["States.Http.Socket"],
              MaxAttempts: 2,
              IntervalSeconds: 2,
              BackoffRate: 2,
              JitterStrategy: "FULL",
            },
          ],
          Catch: [{ ErrorEquals: ["order.rejected"], Next: "rejected" }],
          Next: "check",
        },
        check: {
          Type: "Choice",
          Choices: [{ Condition: "{% $post.status = 201 %}", Next: "each", Comment: "created" }],
          Default: "rejected",
        },
        each: {
          Type: "Map",
          Items: "{% $post.body.lines %}",
          MaxConcurrency: 5,
          ItemProcessor: {
            StartAt: "line",
            States: {
              line: {
                Type: "Pass",
                Output: {
                  sku: "{% $states.context.Map.Item.Value.sku %}",
                  n: "{% $states.context.Map.Item.Index %}",
                },
                Assign: {
                  line: {
                    sku: "{% $states.context.Map.Item.Value.sku %}",
                    n: "{% $states.context.Map.Item.Index %}",
                  },
                },
                End: true,
              },
            },
          },
          Assign: { each: "{% $states.result %}" },
          End: true,
        },
        rejected: { Type: "Fail", Error: "order.rejected", Cause: "The CRM refused the order." },
      },
    });
  });
});
