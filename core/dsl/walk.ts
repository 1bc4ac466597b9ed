// Walking a (typed) flow: its scopes, its steps, the edges between them and the expressions in them.
// Shared by the validator, the compiler, the diff and the runtime interpreter.
import { declarationExpressions } from "./business-events";
import { APPROVAL_ROUTES, type Block, type Flow, type Mapping, type Step } from "./schema";

export type Path = Array<string | number>;

export type ScopeKind = "flow" | "body" | "branch";

export interface Scope {
  kind: ScopeKind;
  /** The foreach/parallel step that owns the scope; null for the flow. */
  owner: string | null;
  /** Index of the parallel branch. */
  branch?: number;
  start?: string;
  steps: Step[];
  /** JSON path of the scope's `steps` array. */
  path: Path;
  parent: Scope | null;
}

export interface StepVisit {
  step: Step;
  path: Path;
  scope: Scope;
}

/** Every scope of a flow, outermost first (iterative; the validator has bounded nesting already). */
export function scopesOf(flow: Pick<Flow, "start" | "steps">): Scope[] {
  const root: Scope = {
    kind: "flow",
    owner: null,
    start: flow.start,
    steps: flow.steps,
    path: ["steps"],
    parent: null,
  };
  const out: Scope[] = [];
  const queue: Scope[] = [root];
  while (queue.length > 0) {
    const scope = queue.shift()!;
    out.push(scope);
    scope.steps.forEach((s, i) => {
      if (s.type === "foreach")
        queue.push(blockScope(s.body, "body", s.id, [...scope.path, i, "body", "steps"], scope));
      else if (s.type === "parallel")
        s.branches.forEach((b, j) =>
          queue.push({
            ...blockScope(b, "branch", s.id, [...scope.path, i, "branches", j, "steps"], scope),
            branch: j,
          }),
        );
    });
  }
  return out;
}

function blockScope(b: Block, kind: ScopeKind, owner: string, path: Path, parent: Scope): Scope {
  return { kind, owner, start: b.start, steps: b.steps, path, parent };
}

/** Every step with its JSON path and scope, in document order within each scope. */
export function stepsOf(flow: Pick<Flow, "start" | "steps">): StepVisit[] {
  const out: StepVisit[] = [];
  for (const scope of scopesOf(flow))
    scope.steps.forEach((step, i) => out.push({ step, path: [...scope.path, i], scope }));
  return out;
}

export type EdgeKind = "next" | "case" | "default" | "catch" | "compensate" | "decision";

export interface StepEdge {
  kind: EdgeKind;
  target: string;
  /** Index of the case or catch route, or of the decision in APPROVAL_ROUTES. */
  index?: number;
  /** JSON path of the reference, relative to the step. */
  path: Path;
}

/** The step's outgoing control-flow edges within its scope. */
export function edgesOf(step: Step): StepEdge[] {
  const out: StepEdge[] = [];
  if (step.type === "switch") {
    step.cases.forEach((c, i) => out.push({ kind: "case", target: c.next, index: i, path: ["cases", i, "next"] }));
    if (step.default !== undefined) out.push({ kind: "default", target: step.default, path: ["default"] });
  } else if (step.type !== "fail" && step.next !== undefined)
    out.push({ kind: "next", target: step.next, path: ["next"] });
  if (step.type === "approval" && step.routes)
    APPROVAL_ROUTES.forEach((d, i) => {
      const t = step.routes?.[d];
      if (t !== undefined) out.push({ kind: "decision", target: t, index: i, path: ["routes", d] });
    });
  if (step.type !== "fail") {
    step.catch?.forEach((c, i) => out.push({ kind: "catch", target: c.next, index: i, path: ["catch", i, "next"] }));
    if (step.compensate !== undefined) out.push({ kind: "compensate", target: step.compensate, path: ["compensate"] });
  }
  return out;
}

export type ExpressionRole = "value" | "condition" | "key" | "items" | "timestamp";

export interface ExpressionSite {
  /** JSON path relative to the step (or flow for flow-level expressions). */
  path: Path;
  expression: string;
  role: ExpressionRole;
}

function mappingSites(m: Mapping | undefined, path: Path, out: ExpressionSite[]): void {
  if (m === undefined) return;
  if (typeof m === "string") out.push({ path, expression: m, role: "value" });
  else for (const [k, v] of Object.entries(m)) out.push({ path: [...path, k], expression: v, role: "value" });
}

/** The JSONata expressions of one step (not of its nested steps). */
export function stepExpressions(step: Step): ExpressionSite[] {
  const out: ExpressionSite[] = [];
  switch (step.type) {
    case "call":
      mappingSites(step.input, ["input"], out);
      break;
    case "map":
      mappingSites(step.output, ["output"], out);
      break;
    case "switch":
      step.cases.forEach((c, i) => out.push({ path: ["cases", i, "when"], expression: c.when, role: "condition" }));
      break;
    case "foreach":
      out.push({ path: ["items"], expression: step.items, role: "items" });
      break;
    case "wait":
      if (step.until !== undefined) out.push({ path: ["until"], expression: step.until, role: "timestamp" });
      break;
    case "emit":
      mappingSites(step.payload, ["payload"], out);
      break;
    case "subflow":
      mappingSites(step.input, ["input"], out);
      break;
    case "fail":
      mappingSites(step.details, ["details"], out);
      return out;
    case "reconcile":
      for (const [side, src] of Object.entries(step.sources)) {
        if ("connector" in src) mappingSites(src.input, ["sources", side, "input"], out);
        else
          src.params?.forEach((e, i) =>
            out.push({ path: ["sources", side, "params", i], expression: e, role: "value" }),
          );
      }
      break;
    case "approval":
      if (step.when !== undefined) out.push({ path: ["when"], expression: step.when, role: "condition" });
      out.push({ path: ["title"], expression: step.title, role: "value" });
      if (step.summary !== undefined) out.push({ path: ["summary"], expression: step.summary, role: "value" });
      if (step.requester !== undefined) out.push({ path: ["requester"], expression: step.requester, role: "value" });
      break;
    case "parallel":
      break;
  }
  if ("business" in step && step.business)
    step.business.forEach((d, i) => {
      for (const e of declarationExpressions(d))
        out.push({
          path: ["business", i, ...e.path],
          expression: e.expression,
          role: e.path[0] === "when" ? "condition" : e.path[0] === "each" ? "items" : "value",
        });
    });
  step.catch?.forEach((c, i) => mappingSites(c.output, ["catch", i, "output"], out));
  if (step.idempotencyKey !== undefined)
    out.push({ path: ["idempotencyKey"], expression: step.idempotencyKey, role: "key" });
  if (step.concurrencyKey !== undefined)
    out.push({ path: ["concurrencyKey"], expression: step.concurrencyKey, role: "key" });
  return out;
}

/** foreach `collect` and `itemKeys` are evaluated inside the body (they see $item and the body's steps), so they are listed apart. */
export function collectExpressions(step: Step): ExpressionSite[] {
  const out: ExpressionSite[] = [];
  if (step.type !== "foreach") return out;
  mappingSites(step.collect, ["collect"], out);
  for (const [k, e] of Object.entries(step.itemKeys ?? {}))
    out.push({ path: ["itemKeys", k], expression: e, role: "key" });
  return out;
}

/** A poll trigger's expressions: the operation's input (evaluated with `$trigger = { cursor }`) and the per-record ones. */
export function pollTriggerSites(t: Extract<Flow["trigger"], { type: "poll" }>): ExpressionSite[] {
  const out: ExpressionSite[] = [];
  mappingSites(t.input, ["trigger", "input"], out);
  if (t.records !== undefined) out.push({ path: ["trigger", "records"], expression: t.records, role: "items" });
  out.push({ path: ["trigger", "cursor"], expression: t.cursor, role: "key" });
  out.push({ path: ["trigger", "recordId"], expression: t.recordId, role: "key" });
  if (t.version !== undefined) out.push({ path: ["trigger", "version"], expression: t.version, role: "key" });
  return out;
}

/** Flow-level expressions: trigger settings, concurrency key, business keys, output. */
export function flowExpressions(flow: Flow): ExpressionSite[] {
  const out: ExpressionSite[] = [];
  const t = flow.trigger;
  if (t.type === "webhook" && t.idempotencyKey !== undefined)
    out.push({ path: ["trigger", "idempotencyKey"], expression: t.idempotencyKey, role: "key" });
  if (t.type === "event" && t.filter !== undefined)
    out.push({ path: ["trigger", "filter"], expression: t.filter, role: "condition" });
  if (t.type === "poll") out.push(...pollTriggerSites(t));
  if (flow.concurrency) out.push({ path: ["concurrency", "key"], expression: flow.concurrency.key, role: "key" });
  for (const [k, v] of Object.entries(flow.businessKeys ?? {}))
    out.push({ path: ["businessKeys", k], expression: v, role: "key" });
  mappingSites(flow.output, ["output"], out);
  return out;
}

/** Looks a step up by id anywhere in the flow. */
export function findStep(flow: Pick<Flow, "start" | "steps">, id: string): StepVisit | undefined {
  return stepsOf(flow).find((v) => v.step.id === id);
}
