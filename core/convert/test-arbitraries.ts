// fast-check generators shared by the converter's property tests (import and export round trip).
import fc from "fast-check";

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
export function machine(depth: number): fc.Arbitrary<Record<string, unknown>> {
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

/**
 * A weft/1 flow in the part of Weft that ASL expresses (see ./to-asl): chains of map, http call, wait, switch,
 * subflow, foreach and parallel steps, each scope ending in a map (its result), a fail a switch or catch may jump to,
 * retry policies and catch routes. Step ids are already what `fromAsl` makes of a state name (camelCase).
 */
export function exportableFlow(): fc.Arbitrary<Record<string, unknown>> {
  return weftScope(2, "s", false, []).map((steps) => ({
    dsl: "weft/1",
    key: "generated",
    version: "0.1.0",
    name: "Generated",
    domain: "reporting",
    owner: "platform",
    classification: "internal",
    trigger: { type: "manual" },
    steps,
  }));
}

const duration = fc.constantFrom("5s", "2m", "1h", "30s");
const retryPolicy = fc.record(
  {
    on: fc.subarray(["any", "timeout", "auth", "internal", "mapping", "transient", "business:order.rejected"], {
      minLength: 1,
    }),
    maxAttempts: fc.integer({ min: 2, max: 25 }),
    interval: fc.constantFrom("1s", "5s", "1m"),
    backoffRate: fc.constantFrom(1, 1.5, 2, 10),
    maxDelay: fc.constantFrom("1h", "2h"),
    jitter: fc.constantFrom("none", "full"),
  },
  { requiredKeys: ["maxAttempts"] },
);

function weftScope(depth: number, prefix: string, inForeach: boolean, outer: string[]): fc.Arbitrary<unknown[]> {
  const kinds = fc.array(fc.nat(depth > 0 ? 6 : 3), { minLength: 0, maxLength: 4 });
  return fc.tuple(kinds, fc.boolean()).chain(([ks, withFail]) => {
    const ids = [...ks.map((_, i) => `${prefix}${i}`), `${prefix}${ks.length}`];
    const failId = `${prefix}f`;
    const later = (i: number) => [...ids.slice(i + 1), ...(withFail ? [failId] : [])];
    // Steps whose output an expression may read: earlier map/call/foreach/parallel steps of this scope, and outer ones.
    const readable: string[][] = [];
    let acc = [...outer];
    ks.forEach((k, i) => {
      readable.push(acc);
      if (k !== 2 && k !== 3) acc = [...acc, ids[i]!];
    });
    readable.push(acc);
    const expr = (i: number) =>
      fc.constantFrom(
        "$trigger.a",
        '"text"',
        "$count($trigger.items)",
        ...(readable[i]!.length ? readable[i]!.map((r) => `$steps.${r}.output.x`) : []),
        ...(inForeach ? ["$item.k", "$index + 1"] : []),
      );
    const step = (k: number, i: number): fc.Arbitrary<unknown> => {
      const id = ids[i]!;
      const next = ids[i + 1]!;
      switch (k) {
        case 0:
          return fc
            .oneof(expr(i), fc.record({ a: expr(i), "b.c": expr(i) }))
            .map((output) => ({ id, type: "map", output, next }));
        case 1:
          return fc
            .record(
              {
                connection: fc.constantFrom("http", "crm-api"),
                url: expr(i),
                body: expr(i),
                timeout: duration,
                retry: retryPolicy,
                catch: fc.constantFrom(...later(i)).map((to) => [{ errors: ["any"], next: to }]),
              },
              { requiredKeys: ["connection", "url"] },
            )
            .map(({ connection, url, body, ...policies }) => ({
              id,
              type: "call",
              connector: "http",
              operation: "request",
              connection,
              input: { method: '"POST"', url, ...(body ? { body } : {}) },
              ...policies,
              next,
            }));
        case 2:
          return fc
            .oneof(
              duration.map((d) => ({ duration: d })),
              expr(i).map((u) => ({ until: u })),
            )
            .map((w) => ({ id, type: "wait", ...w, next }));
        case 3:
          return fc
            .array(
              fc.record(
                { when: expr(i).map((e) => `${e} = 1`), next: fc.constantFrom(...later(i)), label: fc.constant("one") },
                { requiredKeys: ["when", "next"] },
              ),
              { minLength: 1, maxLength: 2 },
            )
            .map((cases) => ({ id, type: "switch", cases, default: next }));
        case 4:
          return fc
            .tuple(
              weftScope(depth - 1, `${id}x`, true, readable[i]!),
              fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
            )
            .map(([body, mc]) => ({
              id,
              type: "foreach",
              items: "$trigger.items",
              ...(mc ? { maxConcurrency: mc } : {}),
              body: { steps: body },
              next,
            }));
        case 6:
          return fc
            .record({ input: fc.option(expr(i), { nil: undefined }), wait: fc.boolean() })
            .map(({ input, wait }) => ({
              id,
              type: "subflow",
              flow: "child-flow",
              version: "^0.1.0",
              ...(input ? { input } : {}),
              ...(wait ? {} : { wait: false }),
              next,
            }));
        default:
          return fc
            .tuple(
              weftScope(depth - 1, `${id}x`, inForeach, readable[i]!),
              weftScope(depth - 1, `${id}y`, inForeach, readable[i]!),
              fc.constantFrom(["b1", "b2"], ["fetch", "store_2"], ["_a", "B"]),
            )
            .map(([a, b, [n1, n2]]) => ({
              id,
              type: "parallel",
              join: "all",
              branches: [
                { name: n1, steps: a },
                { name: n2, steps: b },
              ],
              next,
            }));
      }
    };
    const last = ids.length - 1;
    return fc
      .tuple(
        ...ks.map((k, i) => step(k, i)),
        expr(last).map((output) => ({ id: ids[last], type: "map", output })),
        fc.constant(withFail ? { id: failId, type: "fail", code: "order.rejected", message: "Rejected" } : undefined),
      )
      .map((steps) => steps.filter((s) => s !== undefined));
  });
}
