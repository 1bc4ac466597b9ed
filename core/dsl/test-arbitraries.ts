// fast-check arbitraries for the DSL tests: valid flow documents of every construct (nested foreach and
// parallel, switches, catch routes, compensation), with or without a complete canvas layout.
// Control flow only jumps forward within a scope, so generated documents are acyclic and valid.
import fc from "fast-check";
import type { Flow, Mapping, Step, StepType, Trigger } from "./schema";

const EXPRS = [
  "$trigger.id",
  "$trigger.amount * 2",
  "'constant'",
  "$uppercase($trigger.name)",
  "$trigger.lines[amount > 10]",
  "42",
  "$now()",
  "$flow.key & '-' & $run.id",
];
const CONDS = [
  "$trigger.amount > 100",
  "$trigger.type = 'fixed'",
  "$exists($trigger.customer)",
  "$count($trigger.lines) = 0",
];
const FIELDS = ["id", "name", "customer.id", "customer.name", "amount", "lines", "currency", "memo"];
const DURATIONS = ["1s", "30s", "5m", "PT1H", "2h", "P1D"];

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

/** Removes keys whose value is undefined (documents never carry explicit undefined). */
export function clean<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

const expr = fc.constantFrom(...EXPRS);
const mapping: fc.Arbitrary<Mapping> = fc.oneof(
  expr,
  fc
    .uniqueArray(fc.constantFrom(...FIELDS.filter((f) => f !== "customer")), { maxLength: 4 })
    .chain((keys) =>
      fc.tuple(...keys.map(() => expr)).map((vals) => Object.fromEntries(keys.map((k, i) => [k, vals[i]!]))),
    ),
);
// "customer" and "customer.id" in one mapping would clash; the field list above has no bare "customer".

const retry = fc
  .record({
    on: opt(
      fc.uniqueArray(fc.constantFrom("transient", "timeout", "auth", "business:credit_hold", "any"), {
        minLength: 1,
        maxLength: 3,
      }),
    ),
    maxAttempts: fc.integer({ min: 2, max: 10 }),
    interval: opt(fc.constantFrom("1s", "5s", "250ms")),
    backoffRate: opt(fc.constantFrom(1, 1.5, 2, 3)),
    maxDelay: opt(fc.constantFrom("1m", "10m", "PT1H")),
    jitter: opt(fc.constantFrom("none" as const, "full" as const, "equal" as const)),
  })
  .map(clean);

const common = fc.record({
  name: opt(fc.string({ maxLength: 20 })),
  description: opt(fc.string({ maxLength: 40 })),
  retry: opt(retry),
  timeout: opt(fc.constantFrom(...DURATIONS)),
  idempotencyKey: opt(expr),
  concurrencyKey: opt(expr),
});

/** The shape of one step before ids are given: offsets are forward jumps within the scope. */
interface Shape {
  type: StepType;
  cfg: Record<string, unknown>;
  common: Record<string, unknown>;
  next?: number;
  cases?: number[];
  default?: number;
  catches?: Array<{ errors: string[]; to: number; output?: string }>;
  compensate?: number;
  children?: Shape[][];
}

const offset = fc.integer({ min: 1, max: 4 });

function shapeArb(depth: number): fc.Arbitrary<Shape> {
  const leafTypes: StepType[] = ["call", "map", "switch", "wait", "emit", "subflow", "fail"];
  const types: StepType[] = depth > 0 ? [...leafTypes, "foreach", "parallel"] : leafTypes;
  return fc.constantFrom(...types).chain((type): fc.Arbitrary<Shape> => {
    const edges = fc.record({
      next: opt(offset),
      catches: opt(
        fc.array(
          fc.record({
            errors: fc.uniqueArray(fc.constantFrom("transient", "validation", "business:credit_hold", "timeout"), {
              minLength: 1,
              maxLength: 2,
            }),
            to: offset,
            output: opt(fc.constant('{"error": $error.message}')),
          }),
          { minLength: 1, maxLength: 2 },
        ),
      ),
      compensate: opt(offset),
    });
    const base = fc.record({ common, edges });
    switch (type) {
      case "call":
        return fc
          .record({
            b: base,
            connector: fc.constantFrom("salesforce", "netsuite", "kantata"),
            operation: fc.constantFrom("getRecord", "createInvoice", "createProject"),
            input: opt(mapping),
          })
          .map(({ b, connector, operation, input }) => ({
            type,
            cfg: clean({ connector, operation, connection: `${connector}-prod`, input }),
            common: clean(b.common),
            ...clean(b.edges),
          }));
      case "map":
        return fc
          .record({ b: base, output: mapping })
          .map(({ b, output }) => ({ type, cfg: { output }, common: clean(b.common), ...clean(b.edges) }));
      case "switch":
        return fc
          .record({
            b: base,
            cases: fc.array(
              fc.record({ when: fc.constantFrom(...CONDS), label: opt(fc.string({ maxLength: 10 })), to: offset }),
              { minLength: 1, maxLength: 3 },
            ),
            def: opt(offset),
          })
          .map(({ b, cases, def }) => ({
            type,
            cfg: { cases: cases.map((c) => clean({ when: c.when, label: c.label })) },
            common: clean(b.common),
            cases: cases.map((c) => c.to),
            ...(def !== undefined ? { default: def } : {}),
            ...clean({ catches: b.edges.catches, compensate: b.edges.compensate }),
          }));
      case "wait":
        return fc
          .record({
            b: base,
            which: fc.boolean(),
            duration: fc.constantFrom(...DURATIONS),
            until: fc.constant("$trigger.dueAt"),
          })
          .map(({ b, which, duration, until }) => ({
            type,
            cfg: which ? { duration } : { until },
            common: clean(b.common),
            ...clean(b.edges),
          }));
      case "emit":
        return fc
          .record({
            b: base,
            event: fc.constantFrom("project.created", "invoice.created", "crm.opportunity.won"),
            version: opt(fc.integer({ min: 1, max: 3 })),
            payload: mapping,
          })
          .map(({ b, event, version, payload }) => ({
            type,
            cfg: clean({ event, version, payload }),
            common: clean(b.common),
            ...clean(b.edges),
          }));
      case "subflow":
        return fc
          .record({
            b: base,
            input: opt(mapping),
            wait: opt(fc.boolean()),
            version: fc.constantFrom("^1.0.0", "1.x", "~2.1.0"),
          })
          .map(({ b, input, wait, version }) => ({
            type,
            cfg: clean({ flow: "child-flow", version, input, wait }),
            common: clean(b.common),
            ...clean(b.edges),
          }));
      case "reconcile": // not generated: its definition is checked by core/reconcile's own tests
        throw new Error("reconcile steps are not generated");
      case "approval": // not generated: its routes are covered by core/dsl/approval-step.test.ts
        throw new Error("approval steps are not generated");
      case "fail":
        return fc
          .record({
            name: opt(fc.string({ maxLength: 10 })),
            errorClass: opt(fc.constantFrom("business" as const, "validation" as const)),
            code: fc.constantFrom("credit_hold", "missing_customer"),
            message: fc.constantFrom("Something is wrong.", "Customer on hold"),
            details: opt(mapping),
          })
          .map(({ name, ...cfg }) => ({ type, cfg: clean(cfg), common: clean({ name }) }));
      case "foreach":
        return fc
          .record({
            b: base,
            maxConcurrency: opt(fc.integer({ min: 1, max: 20 })),
            toleratedFailurePercent: opt(fc.integer({ min: 0, max: 100 })),
            collect: opt(fc.constantFrom("$item.id", "$item")),
            body: scopeArb(depth - 1),
          })
          .map(({ b, body, ...cfg }) => ({
            type,
            cfg: clean({ items: "$trigger.lines", ...cfg }),
            common: clean(b.common),
            ...clean(b.edges),
            children: [body],
          }));
      case "parallel":
        return fc
          .record({
            b: base,
            join: fc.constantFrom("all" as const, "any" as const, "settled" as const),
            branches: fc.array(scopeArb(depth - 1), { minLength: 2, maxLength: 3 }),
          })
          .map(({ b, join, branches }) => ({
            type,
            cfg: { join },
            common: clean(b.common),
            ...clean(b.edges),
            children: branches,
          }));
    }
  });
}

function scopeArb(depth: number): fc.Arbitrary<Shape[]> {
  return fc.array(shapeArb(depth), { minLength: 1, maxLength: depth >= 2 ? 5 : 3 });
}

/** Turns shapes into steps, numbering ids in document order. */
function build(shapes: Shape[], counter: { n: number }, ids: string[]): Step[] {
  const myIds = shapes.map(() => `s${counter.n++}`);
  ids.push(...myIds);
  const target = (i: number, off: number | undefined) =>
    off !== undefined && i + off < shapes.length ? myIds[i + off] : undefined;
  return shapes.map((sh, i) => {
    const id = myIds[i]!;
    const step: Record<string, unknown> = { id, type: sh.type, ...sh.common, ...sh.cfg };
    if (sh.type === "switch") {
      // A case that would jump past the end goes to the next step, or the switch gets no cases beyond it.
      const cases = (sh.cfg.cases as Array<Record<string, unknown>>).map((c, j) => ({
        ...c,
        next: target(i, sh.cases![j]) ?? target(i, 1),
      }));
      const ok = cases.filter((c) => c.next !== undefined);
      if (ok.length === 0) {
        step.type = "map";
        delete step.cases;
        step.output = "$trigger";
      } else step.cases = ok;
      const d = target(i, sh.default);
      if (d !== undefined && step.type === "switch") step.default = d;
    } else if (sh.type !== "fail") {
      const n = target(i, sh.next);
      if (n !== undefined) step.next = n;
    }
    if (sh.type !== "fail") {
      const catches = (sh.catches ?? [])
        .map((c) => ({ errors: c.errors, next: target(i, c.to), ...(c.output ? { output: c.output } : {}) }))
        .filter((c) => c.next !== undefined);
      if (catches.length > 0) step.catch = catches;
      const comp = target(i, sh.compensate);
      if (comp !== undefined) step.compensate = comp;
    }
    if (sh.type === "foreach") {
      const steps = build(sh.children![0]!, counter, ids);
      step.body = { start: steps[0]!.id, steps };
    }
    if (sh.type === "parallel") {
      step.branches = sh.children!.map((c, j) => {
        const steps = build(c, counter, ids);
        return { name: `b${j}`, start: steps[0]!.id, steps };
      });
    }
    return step as unknown as Step;
  });
}

const triggerArb: fc.Arbitrary<Trigger> = fc.oneof(
  fc
    .record({
      type: fc.constant("manual" as const),
      inputSchema: opt(fc.constant({ type: "object", properties: { id: { type: "string" } } })),
    })
    .map(clean),
  fc.record({
    type: fc.constant("schedule" as const),
    cron: fc.constantFrom("0 6 * * 1-5", "*/15 * * * *", "0 0 1 * *"),
    timezone: fc.constantFrom("Europe/Amsterdam", "UTC", "America/New_York"),
  }),
  fc
    .record({
      type: fc.constant("event" as const),
      event: fc.constantFrom("crm.opportunity.won", "psa.timesheet.approved"),
      version: opt(fc.integer({ min: 1, max: 2 })),
      filter: opt(fc.constantFrom(...CONDS)),
    })
    .map(clean),
  fc
    .record({
      type: fc.constant("webhook" as const),
      secret: fc.constant("hook-secret"),
      idempotencyKey: opt(fc.constant("$trigger.body.eventId")),
      toleranceSeconds: opt(fc.integer({ min: 1, max: 600 })),
    })
    .map(clean),
  fc
    .record({
      type: fc.constant("poll" as const),
      connector: fc.constant("salesforce"),
      connection: fc.constant("salesforce-prod"),
      operation: fc.constant("query"),
      interval: fc.constantFrom("1m", "30s", "PT5M"),
      input: fc.constant({
        soql: "'SELECT Id, SystemModstamp FROM Opportunity WHERE SystemModstamp >= ' & $trigger.cursor",
      }),
      cursor: fc.constant("SystemModstamp"),
      recordId: fc.constant("Id"),
      version: opt(fc.constant("SystemModstamp")),
      lookback: opt(fc.constantFrom("2m", "30s")),
    })
    .map(clean),
);

export interface FlowArbOptions {
  /** "complete": every node has a position; "none": no layout; "any": either. */
  layout?: "complete" | "none" | "any";
  depth?: number;
}

export function flowArb(opts: FlowArbOptions = {}): fc.Arbitrary<Flow> {
  const layoutMode = opts.layout ?? "any";
  return fc
    .record({
      key: fc.constantFrom("approved-time-to-invoice", "opportunity-won-to-project", "x.y-z"),
      version: fc.tuple(fc.nat(20), fc.nat(20), fc.nat(20)).map(([a, b, c]) => `${a}.${b}.${c}`),
      name: fc.constantFrom("A flow", "Invoice run"),
      description: fc.string({ maxLength: 30 }),
      domain: fc.constantFrom("customer" as const, "project" as const, "invoice" as const, "reporting" as const),
      owner: fc.constantFrom("finance", "pmo", "hr"),
      classification: fc.constantFrom(
        "public" as const,
        "internal" as const,
        "confidential" as const,
        "restricted" as const,
      ),
      tags: opt(fc.uniqueArray(fc.constantFrom("a", "b", "c"), { maxLength: 2 })),
      trigger: triggerArb,
      concurrency: opt(fc.record({ key: expr })),
      businessKeys: opt(fc.dictionary(fc.constantFrom("invoice", "project", "customer"), expr, { maxKeys: 2 })),
      onFailure: opt(
        fc.oneof(
          fc
            .record({ type: fc.constant("exception-queue" as const), assignTo: opt(fc.constant("finance")) })
            .map(clean),
          fc.constant({ type: "flow" as const, flow: "failure-handler" }),
        ),
      ),
      defaults: opt(fc.record({ retry: opt(retry), timeout: opt(fc.constantFrom(...DURATIONS)) }).map(clean)),
      output: opt(mapping),
      shapes: scopeArb(opts.depth ?? 2),
      withLayout: layoutMode === "any" ? fc.boolean() : fc.constant(layoutMode === "complete"),
      seed: fc.integer({ min: 1, max: 1_000_000 }),
    })
    .map(({ shapes, withLayout, seed, ...header }) => {
      const ids: string[] = [];
      const steps = build(shapes, { n: 0 }, ids);
      const flow = clean({ dsl: "weft/1" as const, ...header, start: steps[0]!.id, steps }) as unknown as Flow;
      if (withLayout) {
        const containers = new Set<string>();
        const walk = (list: Step[]) =>
          list.forEach((s) => {
            if (s.type === "foreach") {
              containers.add(s.id);
              walk(s.body.steps);
            }
            if (s.type === "parallel") {
              containers.add(s.id);
              s.branches.forEach((b) => walk(b.steps));
            }
          });
        walk(steps);
        const nodes: Record<string, { x: number; y: number; width?: number; height?: number }> = {};
        ["trigger", ...ids].forEach((id, i) => {
          const x = ((seed * (i + 7)) % 1997) - 500;
          const y = ((seed * (i + 13)) % 1499) / 2;
          nodes[id] = containers.has(id) ? { x, y, width: 300 + (i % 5) * 10, height: 200 } : { x, y };
        });
        (flow as { layout?: Flow["layout"] }).layout = { nodes };
      }
      return flow;
    });
}
