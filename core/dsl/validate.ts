// The validator: every problem of a document at once, each with a JSON path, a stable code and a sentence
// for the designer. Never throws, whatever the input (not an object, wrong types, deep nesting, hostile
// JSONata); the fuzz tests hold it to that.
//
// Order of work:
//  1. A non-recursive scan bounds the JSON's depth and size before anything recursive (zod) touches it.
//  2. The header and each step are parsed on their own (shallow schemas), so one broken step does not hide
//     the problems of the others; the graph checks work on a loose model read from the raw document.
//  3. Graph checks per scope: start, dangling/cross-scope references, duplicate ids, cycles, reachability.
//  4. Typed checks on the steps that parsed: expressions (syntax with position, step references that may
//     not have run yet, $item outside a foreach), durations in range, catalog (connector, operation,
//     connection, required input fields), subflows, cron and time zone.
import { ReconDefinition } from "../reconcile/schema";
import { CronExpressionParser } from "cron-parser";
import semver from "semver";
import type { z } from "zod";
import type { Catalog } from "./catalog";
import {
  approvalDecisions,
  LIMITS,
  parseDuration,
  POLL_INTERVAL_MAX_MS,
  POLL_INTERVAL_MIN_MS,
  PLACEHOLDER_CONNECTOR,
  WEBHOOK_CONNECTOR,
} from "./defaults";
import { describeInputFault, inspectInput } from "../input-guard";
import { checkExpression, checkExpressions, expressionRefs, type JsonataAst } from "./expressions";
import { credentialScope, offScopeMessage } from "../../connectors/sdk/credential-scope";
import { closest, formatPath, issuesToProblems, type Problem, type Severity } from "./problems";
import {
  APPROVAL_DECISIONS,
  APPROVAL_ROUTES,
  RESERVED_STEP_IDS,
  ShallowFlowSchema,
  ShallowStepSchema,
  STEP_TYPES,
  TriggerSchema,
  type Flow,
  type Mapping,
  type ReconResync,
  type RetryPolicy,
  type Step,
  type Trigger,
} from "./schema";
import { collectExpressions, pollTriggerSites, stepExpressions, type ExpressionSite, type Path } from "./walk";
import { isObj } from "../is-obj";
import { declarationExpressions, type BusinessEventDecl } from "./business-events";
import { STAFFING_FUNCTION_SIGNATURES } from "../staffing/rank";

export type { Problem, Severity } from "./problems";

export interface ValidateOptions {
  /** Connectors, connections and published flows; when absent the catalog checks are skipped. */
  catalog?: Catalog;
}

export interface ValidationResult {
  /** No problem of severity "error". */
  ok: boolean;
  problems: Problem[];
  /** The typed document, when it passed the schema (it may still have semantic errors: see `ok`). */
  flow?: Flow;
}

type Raw = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

// ---------------------------------------------------------------------------------------------------
// 1. Size and depth, without recursion.

function shapeProblem(input: unknown): Problem | null {
  // The same scan as the input guard at the edge (core/input-guard.ts), with the DSL's own limits.
  const f = inspectInput(input, { maxDepth: LIMITS.maxJsonDepth, maxNodes: LIMITS.maxJsonNodes });
  if (!f) return null;
  if (f.kind === "too-deep")
    return {
      path: [],
      code: "too-deep",
      message: `The document is nested more than ${LIMITS.maxJsonDepth} levels deep; a flow never needs that.`,
      severity: "error",
    };
  if (f.kind === "too-large")
    return {
      path: [],
      code: "too-large",
      message: `The document has more than ${LIMITS.maxJsonNodes.toLocaleString("en")} values; a flow never needs that.`,
      severity: "error",
    };
  // NUL and unpaired surrogates: Postgres cannot store them and canonical JSON (the content hash) throws.
  return { path: f.path, code: "bad-text", message: describeInputFault(f, "The document"), severity: "error" };
}

// ---------------------------------------------------------------------------------------------------
// 2. Loose model

interface LScope {
  idx: number;
  kind: "flow" | "body" | "branch";
  /** Index (into steps) of the owning foreach/parallel; -1 for the flow. */
  owner: number;
  branch?: number;
  start?: string;
  startPath: Path;
  steps: number[];
  parent: number;
  depth: number;
}

interface LStep {
  idx: number;
  id?: string;
  type?: string;
  raw: Raw;
  path: Path;
  scope: number;
  /** The step as parsed (own fields checked; nested steps are checked on their own). */
  parsed?: Step;
}

interface Ctx {
  problems: Problem[];
  scopes: LScope[];
  steps: LStep[];
  /** First step with each id. */
  byId: Map<string, LStep>;
  catalog?: Catalog;
  flowKey?: string;
}

const STEP_KEYS = new Map<string, readonly string[]>(
  ShallowStepSchema.options.map(
    (o) => [String((o.shape.type as unknown as { value: unknown }).value), Object.keys(o.shape)] as const,
  ),
);
const FLOW_KEYS = Object.keys(ShallowFlowSchema.shape);
const TRIGGER_KEYS = new Map<string, readonly string[]>(
  TriggerSchema.options.map(
    (o) => [String((o.shape.type as unknown as { value: unknown }).value), Object.keys(o.shape)] as const,
  ),
);

function add(ctx: Ctx, p: { stepId?: string; path: Path; code: string; message: string; severity?: Severity }): void {
  ctx.problems.push({
    ...(p.stepId !== undefined ? { stepId: p.stepId } : {}),
    path: p.path,
    code: p.code,
    message: p.message,
    severity: p.severity ?? "error",
  });
}

const q = (id: string) => `'${id}'`;
const stepWord = (s: LStep) => (s.id !== undefined ? `Step ${q(s.id)}` : `The step at ${formatPath(s.path)}`);

function valueAt(root: unknown, rel: Path): unknown {
  let v = root;
  for (const p of rel) {
    if (Array.isArray(v) && typeof p === "number") v = v[p];
    else if (isObj(v) && typeof p === "string") v = v[p];
    else return undefined;
  }
  return v;
}

function readModel(raw: Raw, ctx: Ctx): void {
  const scopes = ctx.scopes;
  const pending: Array<{ arr: unknown; path: Path; scope: LScope }> = [];
  const root: LScope = {
    idx: 0,
    kind: "flow",
    owner: -1,
    start: str(raw.start),
    startPath: ["start"],
    steps: [],
    parent: -1,
    depth: 0,
  };
  scopes.push(root);
  pending.push({ arr: raw.steps, path: ["steps"], scope: root });
  while (pending.length > 0) {
    const { arr, path, scope } = pending.shift()!;
    if (!Array.isArray(arr)) continue; // the shallow schema reports the wrong type
    arr.forEach((item, i) => {
      const sPath = [...path, i];
      if (!isObj(item)) {
        add(ctx, { path: sPath, code: "wrong-type", message: `The step at ${formatPath(sPath)} must be an object.` });
        return;
      }
      const s: LStep = {
        idx: ctx.steps.length,
        id: str(item.id),
        type: str(item.type),
        raw: item,
        path: sPath,
        scope: scope.idx,
      };
      ctx.steps.push(s);
      scope.steps.push(s.idx);
      parseStep(s, ctx);
      const nest = (kind: "body" | "branch", block: unknown, blockPath: Path, branch?: number) => {
        if (!isObj(block)) return;
        const child: LScope = {
          idx: scopes.length,
          kind,
          owner: s.idx,
          ...(branch !== undefined ? { branch } : {}),
          start: str(block.start),
          startPath: [...blockPath, "start"],
          steps: [],
          parent: scope.idx,
          depth: scope.depth + 1,
        };
        if (child.depth > LIMITS.maxScopeDepth) {
          add(ctx, {
            stepId: s.id,
            path: blockPath,
            code: "too-deep-nesting",
            message: `${stepWord(s)} nests foreach/parallel steps more than ${LIMITS.maxScopeDepth} levels deep. Move the inner part to a subflow.`,
          });
          return;
        }
        scopes.push(child);
        pending.push({ arr: block.steps, path: [...blockPath, "steps"], scope: child });
      };
      if (s.type === "foreach") nest("body", item.body, [...sPath, "body"]);
      else if (s.type === "parallel" && Array.isArray(item.branches))
        item.branches.forEach((b, j) => nest("branch", b, [...sPath, "branches", j], j));
    });
  }
}

function parseStep(s: LStep, ctx: Ctx): void {
  const r = ShallowStepSchema.safeParse(s.raw);
  if (r.success) {
    s.parsed = s.raw as unknown as Step; // no transforms or defaults: the parsed value is the input
    return;
  }
  const subject =
    s.id !== undefined
      ? `Step ${q(s.id)}${s.type && STEP_KEYS.has(s.type) ? ` (${s.type})` : ""}`
      : `The step at ${formatPath(s.path)}`;
  ctx.problems.push(
    ...issuesToProblems(r.error.issues, {
      base: s.path,
      stepId: s.id,
      subject,
      knownKeys: (rel) => (rel.length === 0 && s.type ? STEP_KEYS.get(s.type) : undefined),
      valueAt: (rel) => valueAt(s.raw, rel),
    }),
  );
}

// ---------------------------------------------------------------------------------------------------
// 3. Graph checks

interface LEdge {
  /** "recover": a catch route with an `output` — the step counts as having run (its output is that). */
  kind: "next" | "case" | "default" | "catch" | "recover" | "compensate" | "decision";
  target: string;
  path: Path;
}

function looseEdges(s: LStep): LEdge[] {
  const r = s.raw;
  const out: LEdge[] = [];
  const push = (kind: LEdge["kind"], v: unknown, rel: Path) => {
    if (typeof v === "string") out.push({ kind, target: v, path: [...s.path, ...rel] });
  };
  if (s.type !== "switch") push("next", r.next, ["next"]);
  if (Array.isArray(r.cases)) r.cases.forEach((c, i) => isObj(c) && push("case", c.next, ["cases", i, "next"]));
  push("default", r.default, ["default"]);
  if (Array.isArray(r.catch))
    r.catch.forEach(
      (c, i) => isObj(c) && push(c.output === undefined ? "catch" : "recover", c.next, ["catch", i, "next"]),
    );
  push("compensate", r.compensate, ["compensate"]);
  if (s.type === "approval" && isObj(r.routes))
    for (const d of APPROVAL_ROUTES) push("decision", r.routes[d], ["routes", d]);
  return out;
}

/** A description of where a scope is, for messages. */
function scopeWord(ctx: Ctx, scope: LScope): string {
  if (scope.kind === "flow") return "the main flow";
  const owner = ctx.steps[scope.owner]!;
  if (scope.kind === "body") return `the body of foreach ${q(owner.id ?? "?")}`;
  const name = valueAt(owner.raw, ["branches", scope.branch ?? 0, "name"]);
  return `branch ${typeof name === "string" ? q(name) : String(scope.branch)} of parallel ${q(owner.id ?? "?")}`;
}

function checkIds(ctx: Ctx): void {
  for (const s of ctx.steps) {
    if (s.id === undefined) continue;
    const first = ctx.byId.get(s.id);
    if (first) {
      add(ctx, {
        stepId: s.id,
        path: [...s.path, "id"],
        code: "duplicate-id",
        message: `Two steps are called ${q(s.id)} (${formatPath(first.path)} and ${formatPath(s.path)}). Step ids must be unique in the whole flow.`,
      });
      continue;
    }
    ctx.byId.set(s.id, s);
    if (RESERVED_STEP_IDS.has(s.id))
      add(ctx, {
        stepId: s.id,
        path: [...s.path, "id"],
        code: "reserved-id",
        message: `${q(s.id)} is a reserved word and cannot be a step id; pick another name.`,
      });
  }
}

interface ScopeGraph {
  /** step idx → successors (idx) with edge kind */
  succ: Map<number, Array<{ to: number; kind: LEdge["kind"] }>>;
}

function checkScopes(ctx: Ctx): ScopeGraph[] {
  const graphs: ScopeGraph[] = [];
  for (const scope of ctx.scopes) {
    const g: ScopeGraph = { succ: new Map() };
    graphs.push(g);
    const owner = scope.owner >= 0 ? ctx.steps[scope.owner]! : undefined;
    const inScope = (id: string) => {
      const t = ctx.byId.get(id);
      return t !== undefined && t.scope === scope.idx ? t : undefined;
    };
    const refProblem = (from: string, id: string, path: Path, stepId?: string): LStep | undefined => {
      const t = ctx.byId.get(id);
      if (!t) {
        const hint = closest(id, ctx.byId.keys());
        add(ctx, {
          stepId,
          path,
          code: "unknown-step",
          message: `${from} goes to ${q(id)}, but there is no step with that id.${hint ? ` Did you mean ${q(hint)}?` : ""}`,
        });
        return undefined;
      }
      if (t.scope !== scope.idx) {
        add(ctx, {
          stepId,
          path,
          code: "cross-scope-reference",
          message: `${from} goes to ${q(id)}, which is in ${scopeWord(ctx, ctx.scopes[t.scope]!)}; a step can only go to steps in ${scopeWord(ctx, scope)}.`,
        });
        return undefined;
      }
      return t;
    };
    // start
    if (scope.steps.length === 0) {
      if (scope.kind === "flow") add(ctx, { path: ["steps"], code: "no-steps", message: "The flow has no steps yet." });
      else
        add(ctx, {
          stepId: owner?.id,
          path: scope.startPath.slice(0, -1),
          code: "empty-scope",
          message: `${scopeWord(ctx, scope)[0]!.toUpperCase()}${scopeWord(ctx, scope).slice(1)} has no steps.`,
        });
      if (scope.start !== undefined)
        refProblem(`The start of ${scopeWord(ctx, scope)}`, scope.start, scope.startPath, owner?.id);
      continue;
    }
    let start: LStep | undefined;
    if (scope.start === undefined)
      add(ctx, {
        stepId: owner?.id,
        path: scope.startPath,
        code: "missing-start",
        message: `${scopeWord(ctx, scope)[0]!.toUpperCase()}${scopeWord(ctx, scope).slice(1)} does not say which step comes first ('start').`,
      });
    else start = refProblem(`The start of ${scopeWord(ctx, scope)}`, scope.start, scope.startPath, owner?.id);
    // edges
    for (const idx of scope.steps) {
      const s = ctx.steps[idx]!;
      const list: Array<{ to: number; kind: LEdge["kind"] }> = [];
      for (const e of looseEdges(s)) {
        const t = refProblem(stepWord(s), e.target, e.path, s.id);
        if (t) list.push({ to: t.idx, kind: e.kind });
      }
      g.succ.set(idx, list);
    }
    // reachability from start, over every kind of edge
    const reached = new Set<number>();
    if (start) {
      const stack = [start.idx];
      while (stack.length > 0) {
        const i = stack.pop()!;
        if (reached.has(i)) continue;
        reached.add(i);
        for (const e of g.succ.get(i) ?? []) stack.push(e.to);
      }
      for (const idx of scope.steps) {
        const s = ctx.steps[idx]!;
        if (!reached.has(idx) && (s.id === undefined || ctx.byId.get(s.id) === s))
          add(ctx, {
            stepId: s.id,
            path: s.path,
            code: "unreachable-step",
            severity: "warning",
            message: `${stepWord(s)} can never run: no step leads to it from ${q(scope.start ?? "?")}.`,
          });
      }
    }
    findCycles(ctx, scope, g);
    void inScope;
  }
  return graphs;
}

/** Tarjan's strongly connected components, iteratively; every component with a loop is one problem. */
function findCycles(ctx: Ctx, scope: LScope, g: ScopeGraph): void {
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  let counter = 0;
  for (const root of scope.steps) {
    if (index.has(root)) continue;
    const work: Array<{ v: number; i: number }> = [{ v: root, i: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const succ = g.succ.get(frame.v) ?? [];
      if (frame.i < succ.length) {
        const w = succ[frame.i++]!.to;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ v: w, i: 0 });
        } else if (onStack.has(w)) low.set(frame.v, Math.min(low.get(frame.v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.v;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.v)!));
      }
      if (low.get(frame.v) === index.get(frame.v)) {
        const comp: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
        } while (w !== frame.v);
        const selfLoop = comp.length === 1 && (g.succ.get(comp[0]!) ?? []).some((e) => e.to === comp[0]);
        if (comp.length > 1 || selfLoop) {
          const members = comp.map((i) => ctx.steps[i]!).sort((a, b) => a.idx - b.idx);
          const names = members.map((m) => q(m.id ?? "?"));
          const first = members[0]!;
          add(ctx, {
            stepId: first.id,
            path: first.path,
            code: "cycle",
            message: selfLoop
              ? `${stepWord(first)} leads back to itself. Repeat work with a foreach step instead of a loop.`
              : `Steps ${names.join(" → ")} form a loop. Loops are not allowed; repeat work with a foreach step.`,
          });
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// "Guaranteed to have run" analysis: for each step, the steps of its scope that have certainly completed
// before it starts, whatever path was taken. Must-analysis over bitsets: in[s] = ∩ over predecessors p of
// (in[p] ∪ {p}) — except along a catch edge, where p failed, so only in[p] (a catch route that gives the
// step an output, "recover", counts as p having run).

class Bits {
  readonly w: Uint32Array;
  constructor(n: number) {
    this.w = new Uint32Array((n + 31) >>> 5);
  }
  has(i: number): boolean {
    return ((this.w[i >>> 5]! >>> (i & 31)) & 1) === 1;
  }
  set(i: number): void {
    this.w[i >>> 5]! |= 1 << (i & 31);
  }
  copy(): Bits {
    const b = new Bits(0);
    (b as { w: Uint32Array }).w = this.w.slice();
    return b;
  }
  /** this ∩= o; returns whether anything changed. */
  and(o: Bits): boolean {
    let changed = false;
    for (let i = 0; i < this.w.length; i++) {
      const v = this.w[i]! & o.w[i]!;
      if (v !== this.w[i]) {
        this.w[i] = v;
        changed = true;
      }
    }
    return changed;
  }
}

/** in-sets by step idx (local numbering per scope = position in scope.steps). */
function guaranteed(ctx: Ctx, scope: LScope, g: ScopeGraph): Map<number, Bits> {
  const local = new Map<number, number>();
  scope.steps.forEach((idx, i) => local.set(idx, i));
  const n = scope.steps.length;
  const inSets = new Map<number, Bits>();
  const start = scope.start !== undefined ? ctx.byId.get(scope.start) : undefined;
  if (!start || start.scope !== scope.idx) return inSets;
  inSets.set(start.idx, new Bits(n));
  // Worklist; converges quickly on DAGs (and terminates on cycles: sets only shrink).
  const work: number[] = [start.idx];
  const queued = new Set<number>(work);
  let guard = 0;
  while (work.length > 0 && guard++ < 50 * (n + 1)) {
    const p = work.shift()!;
    queued.delete(p);
    const inP = inSets.get(p)!;
    for (const e of g.succ.get(p) ?? []) {
      const contrib = inP.copy();
      if (e.kind !== "catch") contrib.set(local.get(p)!);
      const cur = inSets.get(e.to);
      let changed: boolean;
      if (!cur) {
        inSets.set(e.to, contrib);
        changed = true;
      } else changed = cur.and(contrib);
      if (changed && !queued.has(e.to)) {
        queued.add(e.to);
        work.push(e.to);
      }
    }
  }
  return inSets;
}

// ---------------------------------------------------------------------------------------------------
// 4. Typed checks

function checkDurations(
  ctx: Ctx,
  retry: RetryPolicy | undefined,
  timeout: string | undefined,
  base: Path,
  stepId: string | undefined,
  subject: string,
): void {
  if (retry) {
    const interval = retry.interval !== undefined ? parseDuration(retry.interval) : null;
    const maxDelay = retry.maxDelay !== undefined ? parseDuration(retry.maxDelay) : null;
    if (interval !== null && (interval < 100 || interval > LIMITS.retryIntervalMaxMs))
      add(ctx, {
        stepId,
        path: [...base, "retry", "interval"],
        code: "retry-out-of-range",
        message: `${subject} waits ${retry.interval} before retrying; use between 100ms and 1h.`,
      });
    if (maxDelay !== null && (maxDelay < 100 || maxDelay > LIMITS.retryMaxDelayMaxMs))
      add(ctx, {
        stepId,
        path: [...base, "retry", "maxDelay"],
        code: "retry-out-of-range",
        message: `${subject} has a maximum retry delay of ${retry.maxDelay}; use between 100ms and 24h.`,
      });
    if (interval !== null && maxDelay !== null && maxDelay < interval)
      add(ctx, {
        stepId,
        path: [...base, "retry", "maxDelay"],
        code: "retry-out-of-range",
        message: `${subject}'s maximum retry delay (${retry.maxDelay}) is shorter than its first delay (${retry.interval}).`,
      });
    if (retry.maxAttempts === 1 && (retry.interval !== undefined || retry.backoffRate !== undefined))
      add(ctx, {
        stepId,
        path: [...base, "retry", "maxAttempts"],
        code: "retry-never-used",
        severity: "warning",
        message: `${subject} has a retry policy with maxAttempts 1, so it never retries.`,
      });
  }
  if (timeout !== undefined) {
    const t = parseDuration(timeout);
    if (t !== null && (t < LIMITS.timeoutMinMs || t > LIMITS.timeoutMaxMs))
      add(ctx, {
        stepId,
        path: [...base, "timeout"],
        code: "timeout-out-of-range",
        message: `${subject} has a timeout of ${timeout}; use between 1s and 24h.`,
      });
  }
}

function mappingClashes(
  ctx: Ctx,
  m: Mapping | undefined,
  path: Path,
  stepId: string | undefined,
  subject: string,
): void {
  if (m === undefined || typeof m === "string") return;
  const keys = Object.keys(m);
  const set = new Set(keys);
  for (const k of keys) {
    const segs = k.split(".");
    for (let i = 1; i < segs.length; i++) {
      const prefix = segs.slice(0, i).join(".");
      if (set.has(prefix)) {
        add(ctx, {
          stepId,
          path: [...path, k],
          code: "conflicting-field-mapping",
          message: `${subject} maps both '${prefix}' and '${k}'; map either the whole '${prefix}' or its fields.`,
        });
        break;
      }
    }
  }
}

/** An approval step: someone to decide, decisions that fit the form, times that make sense together. */
function checkApproval(ctx: Ctx, s: LStep, step: Extract<Step, { type: "approval" }>, subject: string): void {
  const a = step.assignee;
  if (a.team === undefined && a.role === undefined && a.user === undefined)
    add(ctx, {
      stepId: s.id,
      path: [...s.path, "assignee"],
      code: "approval-needs-assignee",
      message: `${subject} names nobody to decide: set assignee.team, assignee.role or assignee.user.`,
    });
  if (a.user !== undefined && (a.team !== undefined || a.role !== undefined))
    add(ctx, {
      stepId: s.id,
      path: [...s.path, "assignee", "user"],
      code: "approval-assignee-conflict",
      message: `${subject} names one person and a team or role; name either the person or the team/role.`,
    });
  const decisions = step.decisions ?? [];
  if (new Set(decisions).size !== decisions.length)
    add(ctx, {
      stepId: s.id,
      path: [...s.path, "decisions"],
      code: "duplicate-decision",
      message: `${subject} lists a decision twice.`,
    });
  if (decisions.includes("approve-with-changes") && step.form === undefined)
    add(ctx, {
      stepId: s.id,
      path: [...s.path, "form"],
      code: "approval-changes-need-form",
      message: `${subject} offers approve-with-changes but has no form: add a form (JSON Schema) with the fields an approver may change.`,
    });
  if (step.form !== undefined && step.form.type !== undefined && step.form.type !== "object")
    add(ctx, {
      stepId: s.id,
      path: [...s.path, "form", "type"],
      code: "approval-form-not-object",
      message: `${subject}: the form must be a JSON Schema of an object (type "object"), with one property per field.`,
    });
  const offered = approvalDecisions(step);
  if (step.routes)
    for (const d of APPROVAL_DECISIONS)
      if (step.routes[d] !== undefined && !offered.includes(d))
        add(ctx, {
          stepId: s.id,
          path: [...s.path, "routes", d],
          code: "route-for-unoffered-decision",
          message: `${subject} routes '${d}', which it does not offer (decisions: ${offered.join(", ")}).`,
        });
  if (step.routes?.expired !== undefined && step.expiresAfter === undefined)
    add(ctx, {
      stepId: s.id,
      path: [...s.path, "routes", "expired"],
      code: "expired-route-without-expiry",
      message: `${subject} has an 'expired' route but no expiresAfter, so it never expires.`,
    });
  const due = step.due !== undefined ? parseDuration(step.due) : null;
  const exp = step.expiresAfter !== undefined ? parseDuration(step.expiresAfter) : null;
  for (const [field, ms] of [
    ["due", due],
    ["expiresAfter", exp],
  ] as const)
    if (ms !== null && (ms < 1000 || ms > LIMITS.waitMaxMs))
      add(ctx, {
        stepId: s.id,
        path: [...s.path, field],
        code: "approval-time-out-of-range",
        message: `${subject}: ${field} must be between 1s and 366 days.`,
      });
  if (due !== null && exp !== null && exp <= due)
    add(ctx, {
      stepId: s.id,
      path: [...s.path, "expiresAfter"],
      code: "approval-expires-before-due",
      message: `${subject} expires (${step.expiresAfter}) before or when it is due (${step.due}); escalation could never help.`,
    });
  if (step.escalation && step.due === undefined)
    add(ctx, {
      stepId: s.id,
      path: [...s.path, "escalation"],
      code: "escalation-without-due",
      message: `${subject} has an escalation but no due time: set 'due' (e.g. "2d").`,
    });
  const r = step.escalation?.reassignTo;
  if (r && (r.team === undefined) === (r.user === undefined))
    add(ctx, {
      stepId: s.id,
      path: [...s.path, "escalation", "reassignTo"],
      code: "escalation-reassign-target",
      message: `${subject}: escalation.reassignTo names exactly one of team or user.`,
    });
  if (step.requester !== undefined && !step.fourEyes)
    add(ctx, {
      stepId: s.id,
      path: [...s.path, "requester"],
      code: "requester-without-four-eyes",
      severity: "warning",
      message: `${subject} names a requester but fourEyes is off, so the requester may still decide.`,
    });
  if (step.retry !== undefined)
    add(ctx, {
      stepId: s.id,
      path: [...s.path, "retry"],
      code: "approval-retry-ignored",
      severity: "warning",
      message: `${subject}: a person's decision is not retried; remove 'retry'.`,
    });
}

function checkStepSettings(ctx: Ctx, s: LStep, step: Step): void {
  const subject = stepWord(s);
  if ("business" in step && step.business) checkBusinessEvents(ctx, s, step.business, subject);
  if (step.type !== "fail") checkDurations(ctx, step.retry, step.timeout, s.path, s.id, subject);
  switch (step.type) {
    case "wait": {
      if ((step.duration === undefined) === (step.until === undefined))
        add(ctx, {
          stepId: s.id,
          path: s.path,
          code: "wait-needs-duration-or-until",
          message: `${subject} must have either a 'duration' or an 'until' time (not both, not neither).`,
        });
      const d = step.duration !== undefined ? parseDuration(step.duration) : null;
      if (d !== null && d > LIMITS.waitMaxMs)
        add(ctx, {
          stepId: s.id,
          path: [...s.path, "duration"],
          code: "wait-out-of-range",
          message: `${subject} waits ${step.duration}; a wait can last at most 366 days.`,
        });
      break;
    }
    case "parallel": {
      const seen = new Set<string>();
      step.branches.forEach((b, j) => {
        if (seen.has(b.name))
          add(ctx, {
            stepId: s.id,
            path: [...s.path, "branches", j, "name"],
            code: "duplicate-branch-name",
            message: `${subject} has two branches called ${q(b.name)}.`,
          });
        seen.add(b.name);
      });
      break;
    }
    case "subflow": {
      if (semver.validRange(step.version) === null)
        add(ctx, {
          stepId: s.id,
          path: [...s.path, "version"],
          code: "invalid-version-range",
          message: `${subject}: "${step.version}" is not a version range (try "^1.0.0").`,
        });
      else if (ctx.catalog?.flows) {
        const f = ctx.catalog.flows[step.flow];
        if (!f)
          add(ctx, {
            stepId: s.id,
            path: [...s.path, "flow"],
            code: "unknown-flow",
            message: `${subject} starts flow ${q(step.flow)}, which has no published version.`,
          });
        else if (semver.maxSatisfying(f.versions, step.version) === null)
          add(ctx, {
            stepId: s.id,
            path: [...s.path, "version"],
            code: "no-matching-version",
            message: `${subject} wants flow ${q(step.flow)} ${step.version}, but its published versions are ${f.versions.join(", ") || "none"}.`,
          });
      }
      if (step.flow === ctx.flowKey)
        add(ctx, {
          stepId: s.id,
          path: [...s.path, "flow"],
          code: "recursive-subflow",
          severity: "warning",
          message: `${subject} starts this same flow; make sure it cannot go on forever.`,
        });
      mappingClashes(ctx, step.input, [...s.path, "input"], s.id, subject);
      break;
    }
    case "reconcile":
      checkReconcile(ctx, s, step, subject);
      break;
    case "approval":
      checkApproval(ctx, s, step, subject);
      break;
    case "call":
      mappingClashes(ctx, step.input, [...s.path, "input"], s.id, subject);
      if (step.connector === PLACEHOLDER_CONNECTOR) {
        add(ctx, {
          stepId: s.id,
          path: [...s.path, "connector"],
          code: "placeholder-step",
          message: `${subject} is a placeholder: ${step.description ?? "replace it with a real step."}`,
        });
        break;
      }
      if (ctx.catalog) checkCall(ctx, s, step);
      if (ctx.catalog && step.input && typeof step.input === "object")
        checkSourceFields(ctx, s, step.input, [...s.path, "input"], subject);
      break;
    case "map":
      mappingClashes(ctx, step.output, [...s.path, "output"], s.id, subject);
      if (ctx.catalog && typeof step.output === "object")
        checkSourceFields(ctx, s, step.output, [...s.path, "output"], `Map step ${q(s.id ?? "?")}`);
      break;
    case "emit":
      mappingClashes(ctx, step.payload, [...s.path, "payload"], s.id, subject);
      break;
    default:
      break;
  }
  if (step.type !== "fail" && step.catch) {
    const seen = new Map<string, number>();
    step.catch.forEach((route, i) => {
      for (const m of route.errors) {
        const prev = seen.get(m) ?? (seen.has("any") ? seen.get("any") : undefined);
        if (prev !== undefined)
          add(ctx, {
            stepId: s.id,
            path: [...s.path, "catch", i, "errors"],
            code: "shadowed-catch-route",
            severity: "warning",
            message: `${subject}: catch route ${i + 1} handles '${m}', which route ${prev + 1} already handles.`,
          });
        else seen.set(m, i);
      }
    });
  }
}

/** A step's business events: what the schema cannot say (keys present, $record only with each, project.live's system). */
function checkBusinessEvents(ctx: Ctx, s: LStep, decls: BusinessEventDecl[], subject: string): void {
  decls.forEach((d, i) => {
    const at = [...s.path, "business", i];
    const what = `${subject}: business event ${i + 1} (${d.type})`;
    if (Object.values(d.keys).every((v) => v === undefined))
      add(ctx, {
        stepId: s.id,
        path: [...at, "keys"],
        code: "business-event-without-keys",
        message: `${what} has no business keys; give at least one (e.g. project, invoice, timeEntry) so KPIs can join it.`,
      });
    if (d.type === "project.live" && d.system === undefined)
      add(ctx, {
        stepId: s.id,
        path: [...at, "system"],
        code: "business-event-needs-system",
        message: `${what} must say which system the project is live in: system "'psa'" or "'erp'".`,
      });
    if (d.amount !== undefined && d.currency === undefined)
      add(ctx, {
        stepId: s.id,
        path: [...at, "currency"],
        code: "business-event-without-currency",
        severity: "warning",
        message: `${what} has an amount but no currency; money in different currencies would be added up.`,
      });
    if (d.each === undefined)
      for (const e of declarationExpressions(d)) {
        const c = checkExpression(e.expression);
        if (c.ok && expressionRefs(c.ast).variables.has("record"))
          add(ctx, {
            stepId: s.id,
            path: [...at, ...e.path],
            code: "record-without-each",
            message: `${what}: ${formatPath(e.path)} uses $record, which exists only when the event has 'each'.`,
          });
      }
  });
}

// --- Catalog: connector, operation, connection, required input fields -------------------------------

interface ZodDefLike {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  catchall?: z.ZodType;
  options?: z.ZodType[];
  element?: z.ZodType;
}
const defOf = (s: z.ZodType): ZodDefLike => (s as unknown as { _zod: { def: ZodDefLike } })._zod.def;

/** Strips optional/nullable/default/readonly/pipe wrappers. */
function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (let i = 0; i < 16; i++) {
    const d = defOf(cur);
    if (
      (d.type === "optional" ||
        d.type === "nullable" ||
        d.type === "default" ||
        d.type === "prefault" ||
        d.type === "readonly" ||
        d.type === "nonoptional" ||
        d.type === "catch") &&
      d.innerType
    )
      cur = d.innerType;
    else if (d.type === "pipe" && d.in) cur = d.in;
    else break;
  }
  return cur;
}

function isRequired(s: z.ZodType): boolean {
  try {
    return !s.safeParse(undefined).success;
  } catch {
    return true; // async refinements and the like: assume the field matters
  }
}

/** How an object treats keys it does not declare: "never" (strict), "strip", "open" (passed through untyped) or "typed" (a record-like catchall). */
type ExtraKeys = "never" | "strip" | "open" | "typed";
interface ObjectView {
  shape: Record<string, z.ZodType>;
  /** Per field: required (read separately because a union's field is required only where every branch requires it). */
  required: (k: string) => boolean;
  extra: ExtraKeys;
}
const extraKeys = (d: ZodDefLike): ExtraKeys => {
  const t = d.catchall ? defOf(d.catchall).type : undefined;
  return t === undefined ? "strip" : t === "never" ? "never" : t === "unknown" || t === "any" ? "open" : "typed";
};

/**
 * The object a schema describes, for field checks: an object itself, or a union of objects (OpenAPI anyOf /
 * oneOf bodies such as "email or phone required") read as one object whose fields are every branch's, required
 * where every branch requires them, strict only where every branch is.
 */
function objectView(schema: z.ZodType): ObjectView | undefined {
  const d = defOf(unwrap(schema));
  if (d.type === "object" && d.shape) {
    const shape = d.shape;
    return { shape, required: (k) => !!shape[k] && isRequired(shape[k]), extra: extraKeys(d) };
  }
  if (d.type !== "union" || !d.options?.length) return undefined;
  const views = d.options.map(objectView);
  if (views.some((v) => !v)) return undefined;
  const vs = views as ObjectView[];
  const shape: Record<string, z.ZodType> = {};
  for (const v of vs) for (const [k, f] of Object.entries(v.shape)) if (!(k in shape)) shape[k] = f;
  const order: ExtraKeys[] = ["typed", "open", "strip", "never"];
  const extra = order.find((o) => vs.some((v) => v.extra === o)) ?? "strip";
  return { shape, required: (k) => vs.every((v) => v.required(k)), extra };
}

/** Where input-field problems are reported: the call's input, or the output of the map step that builds it. */
interface InputSite {
  stepId: string | undefined;
  /** The mapping's path: the call's input, or the feeding map step's output. */
  base: Path;
  /** The mapping's own keys (a problem points at the key that holds the field). */
  keys: string[];
  /** "Step 'post' calls netsuite.createCustomer" or "Map step 'prepare' builds the input of …". */
  lead: string;
  /** Who maps the fields: "Step 'post'" or "Map step 'prepare'". */
  who: string;
  op: string;
}

function checkObjectFields(ctx: Ctx, schema: z.ZodType, mapped: string[][], prefix: string[], site: InputSite): void {
  const d = objectView(schema);
  if (!d) return;
  const heads = new Map<string, string[][]>();
  for (const m of mapped) {
    const [h, ...rest] = m;
    if (h === undefined) continue;
    const list = heads.get(h) ?? [];
    list.push(rest);
    heads.set(h, list);
  }
  const op = site.op;
  for (const [key, field] of Object.entries(d.shape)) {
    const full = [...prefix, key].join(".");
    const subs = heads.get(key);
    if (!subs) {
      if (d.required(key))
        add(ctx, {
          stepId: site.stepId,
          path: site.base,
          code: "missing-required-input",
          message: `${site.lead} but no input is mapped to required field '${full}'.`,
        });
      continue;
    }
    // Only sub-fields mapped: the object they build must itself be complete.
    if (subs.every((r) => r.length > 0)) checkObjectFields(ctx, field, subs, [...prefix, key], site);
  }
  // Extra keys: an error where the schema forbids them (strict, additionalProperties: false); a warning where it
  // merely does not declare them (stripped, or passed through as unknown — OpenAPI's default, and the likely
  // place of a typo such as 'customer.idd'); nothing where the schema types them (a record-like catchall) or
  // declares no fields at all. unknown and any are treated alike because a schema that went through JSON Schema
  // (the designer's copy of an imported connector) comes back with either, and the designer, the CLI and the
  // server must report the same problems.
  const declared = Object.keys(d.shape);
  const severity =
    d.extra === "never"
      ? "error"
      : d.extra === "strip" || (d.extra === "open" && declared.length)
        ? "warning"
        : undefined;
  if (severity) {
    for (const [h] of heads) {
      if (!(h in d.shape)) {
        const hint = closest(h, declared);
        const fieldPath = [...prefix, h].join(".");
        const key = site.keys.find((k) => k === fieldPath || k.startsWith(`${fieldPath}.`));
        // One wording for stripped and passed-through objects: the designer's copy of an imported schema cannot
        // tell them apart, and its Problems panel must say what the CLI says.
        const what = d.extra === "never" ? "does not take" : "does not declare (a typo?)";
        add(ctx, {
          stepId: site.stepId,
          path: key ? [...site.base, key] : site.base,
          code: "unknown-input-field",
          severity,
          message: `${site.who} maps '${fieldPath}', which ${op} ${what}.${hint ? ` Did you mean '${[...prefix, hint].join(".")}'?` : ""}`,
        });
      }
    }
  }
}

/** A reconcile step: its definition parses (core/reconcile) and every side has exactly one source. */
function checkReconcile(ctx: Ctx, s: LStep, step: Step & { type: "reconcile" }, subject: string): void {
  if (step.resync) checkResync(ctx, s, step.resync, subject);
  const parsed = ReconDefinition.safeParse(step.definition);
  if (!parsed.success) {
    for (const issue of parsed.error.issues.slice(0, 20))
      add(ctx, {
        stepId: s.id,
        path: [...s.path, "definition", ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))],
        code: "invalid-reconciliation",
        message: `${subject}: definition.${issue.path.join(".")}: ${issue.message}`,
      });
    return;
  }
  const sides = new Set(parsed.data.sides.map((x) => x.name));
  for (const name of sides)
    if (!Object.hasOwn(step.sources, name))
      add(ctx, {
        stepId: s.id,
        // The side's own source path, so the designer shows it at that side's "Records come from".
        path: [...s.path, "sources", name],
        code: "missing-reconcile-source",
        message: `${subject}: side ${q(name)} has no source (a connector operation or a SQL query).`,
      });
  for (const name of Object.keys(step.sources)) {
    if (!sides.has(name))
      add(ctx, {
        stepId: s.id,
        path: [...s.path, "sources", name],
        code: "unknown-reconcile-side",
        message: `${subject}: source ${q(name)} names no side of the definition (${[...sides].join(", ")}).`,
      });
    const src = step.sources[name]!;
    const at: LStep = { ...s, path: [...s.path, "sources", name] };
    if ("connector" in src) {
      if (src.input !== undefined) mappingClashes(ctx, src.input, [...at.path, "input"], s.id, subject);
      // The same catalog checks as a call step (connector, operation, connection, required input), at the source.
      if (ctx.catalog) checkCall(ctx, at, { type: "call", id: step.id, ...src });
    } else if (ctx.catalog?.connections) {
      const c = ctx.catalog.connections.find((x) => x.key === src.connection);
      if (!c || c.connectorKey !== "postgres")
        add(ctx, {
          stepId: s.id,
          path: [...at.path, "connection"],
          code: c ? "connection-mismatch" : "unknown-connection",
          message: c
            ? `${subject}: side ${q(name)} runs SQL on connection ${q(src.connection)}, which is for ${q(c.connectorKey)}, not postgres.`
            : `${subject}: side ${q(name)} uses connection ${q(src.connection)}, which does not exist in this workspace.`,
        });
    }
  }
}

/** Variables of a run's scope that do not exist when a re-sync input is evaluated (outside any run). */
const RUN_ONLY_VARIABLES = new Set(["steps", "item", "index", "error", "run", "flow"]);
/** Only the break is in scope of a re-sync's input; the flow it names should be published. */
function checkResync(ctx: Ctx, s: LStep, resync: ReconResync, subject: string): void {
  const at = [...s.path, "resync"];
  if (ctx.catalog?.flows && !ctx.catalog.flows[resync.flow])
    add(ctx, {
      stepId: s.id,
      path: [...at, "flow"],
      code: "unknown-flow",
      severity: "warning",
      message: `${subject} re-syncs through flow ${q(resync.flow)}, which has no published version yet: "Re-sync" will refuse until it has one.`,
    });
  const sites =
    resync.input === undefined
      ? []
      : typeof resync.input === "string"
        ? [{ path: [...at, "input"], expression: resync.input }]
        : Object.entries(resync.input).map(([k, e]) => ({ path: [...at, "input", k], expression: e }));
  for (const site of sites) {
    const check = checkExpression(site.expression);
    if (!check.ok) {
      add(ctx, {
        stepId: s.id,
        path: site.path,
        code: "expression-syntax",
        message: `${subject}: the re-sync input at ${formatPath(site.path.slice(s.path.length))} has an error: ${check.message}`,
      });
      continue;
    }
    const refs = expressionRefs(check.ast);
    const other = [...refs.variables].filter((v) => RUN_ONLY_VARIABLES.has(v));
    if (refs.steps.length || other.length)
      add(ctx, {
        stepId: s.id,
        path: site.path,
        code: "resync-scope",
        message: `${subject}: the re-sync input at ${formatPath(site.path.slice(s.path.length))} reads ${refs.steps.length ? "$steps" : `$${other[0]}`}; it is evaluated over the break only (recordKey, keyParts, rule, ids.<side>, values.<side>).`,
      });
  }
}

function checkCall(ctx: Ctx, s: LStep, step: Step & { type: "call" }): void {
  const catalog = ctx.catalog!;
  const subject = stepWord(s);
  const connector = catalog.connectors[step.connector];
  if (!connector) {
    const hint = closest(step.connector, Object.keys(catalog.connectors));
    add(ctx, {
      stepId: s.id,
      path: [...s.path, "connector"],
      code: "unknown-connector",
      message: `${subject} uses connector ${q(step.connector)}, which is not installed.${hint ? ` Did you mean ${q(hint)}?` : ""}`,
    });
    return;
  }
  if (catalog.connections) {
    const c = catalog.connections.find((x) => x.key === step.connection);
    if (!c)
      add(ctx, {
        stepId: s.id,
        path: [...s.path, "connection"],
        code: "unknown-connection",
        message: `${subject} uses connection ${q(step.connection)}, which does not exist in this workspace.`,
      });
    else if (c.connectorKey !== step.connector)
      add(ctx, {
        stepId: s.id,
        path: [...s.path, "connection"],
        code: "connection-mismatch",
        message: `${subject} calls ${connector.name} but connection ${q(step.connection)} is for ${q(c.connectorKey)}.`,
      });
    else if (c.credentials && step.input && typeof step.input === "object")
      checkRequestUrls(ctx, s, step, c.credentials);
  }
  const op = connector.operations[step.operation];
  if (!op) {
    const hint = closest(step.operation, Object.keys(connector.operations));
    add(ctx, {
      stepId: s.id,
      path: [...s.path, "operation"],
      code: "unknown-operation",
      message: `${subject}: ${connector.name} has no operation ${q(step.operation)}.${hint ? ` Did you mean ${q(hint)}?` : ""}`,
    });
    return;
  }
  if (op.kind !== "action") {
    add(ctx, {
      stepId: s.id,
      path: [...s.path, "operation"],
      code: "not-an-action",
      message: `${subject}: ${step.connector}.${step.operation} is a trigger, not something a step can call.`,
    });
    return;
  }
  const opName = `${step.connector}.${step.operation}`;
  // What the input is at design time: field mappings; one expression that is an object constructor (its
  // fields); or exactly `$steps.<map>.output` of a map step with field mappings (the map builds this input).
  let leaves: InputLeaf[] | null = null;
  let site: InputSite = {
    stepId: s.id,
    base: [...s.path, "input"],
    keys: [],
    lead: `Step ${q(s.id ?? "?")} calls ${opName}`,
    who: `Step ${q(s.id ?? "?")}`,
    op: opName,
  };
  if (step.input === undefined || typeof step.input !== "string") {
    leaves = mappingLeaves(step.input ?? {});
    site.keys = Object.keys(step.input ?? {});
  } else {
    const feeder = mapStepRead(ctx, step.input);
    if (feeder?.parsed?.type === "map" && typeof feeder.parsed.output !== "string") {
      leaves = mappingLeaves(feeder.parsed.output);
      site = {
        stepId: feeder.id,
        base: [...feeder.path, "output"],
        keys: Object.keys(feeder.parsed.output),
        lead: `Map step ${q(feeder.id ?? "?")} builds the input of ${q(s.id ?? "?")} (${opName})`,
        who: `Map step ${q(feeder.id ?? "?")}`,
        op: opName,
      };
    } else if (!feeder) {
      const c = checkExpression(step.input);
      const fields = c.ok ? objectLeaves(c.ast, []) : null;
      if (fields) leaves = fields; // else: only known at run time
    }
  }
  if (!leaves) return;
  try {
    checkObjectFields(
      ctx,
      op.input,
      leaves.map((l) => l.path),
      [],
      site,
    );
    for (const leaf of leaves) checkLeafType(ctx, op.input, leaf, site, s);
  } catch {
    // A connector schema we cannot introspect is not the designer's problem.
  }
}

// --- What a mapping provably gives each input field ------------------------------------------------

interface InputLeaf {
  path: string[];
  /** The mapping key holding it (the problem's location). */
  key?: string;
  ast: JsonataAst | null;
}

/** Field mappings as leaves; a field whose expression is itself an object constructor contributes its fields. */
function mappingLeaves(m: Record<string, string>): InputLeaf[] {
  const out: InputLeaf[] = [];
  for (const [k, text] of Object.entries(m)) {
    const c = checkExpression(text);
    const base = k.split(".");
    const inner = c.ok ? objectLeaves(c.ast, base) : null;
    if (inner && inner.length) out.push(...inner.map((l) => ({ ...l, key: k })));
    else out.push({ path: base, key: k, ast: c.ok ? c.ast : null });
  }
  return out;
}

/** The fields of a JSONata object constructor with literal keys (`{ "body": { "a": 1 } }`), else null. */
function objectLeaves(ast: JsonataAst, prefix: string[]): InputLeaf[] | null {
  const a = ast as { type: string; value?: unknown; lhs?: unknown };
  if (
    a.type === "block" &&
    Array.isArray((ast as { expressions?: unknown[] }).expressions) &&
    (ast as { expressions: unknown[] }).expressions.length === 1
  )
    return objectLeaves((ast as { expressions: JsonataAst[] }).expressions[0]!, prefix);
  if (a.type !== "unary" || a.value !== "{" || !Array.isArray(a.lhs)) return null;
  const out: InputLeaf[] = [];
  for (const pair of a.lhs as Array<[JsonataAst, JsonataAst]>) {
    const key = pair[0] as { type: string; value?: unknown };
    if (key.type !== "string" || typeof key.value !== "string") return null;
    const path = [...prefix, key.value];
    const inner = objectLeaves(pair[1], path);
    if (inner && inner.length) out.push(...inner);
    else out.push({ path, ast: pair[1] });
  }
  return out;
}

/** The step an input expression reads whole when it is exactly `$steps.<id>.output`. */
function mapStepRead(ctx: Ctx, text: string): LStep | undefined {
  const m = /^\s*\$steps\.([A-Za-z_][A-Za-z0-9_]*)\.output\s*$/.exec(text);
  return m ? ctx.byId.get(m[1]!) : undefined;
}

type Prim = "string" | "number" | "boolean" | "object" | "array" | "null";
const PRIM_WORD: Record<Prim, string> = {
  string: "text",
  number: "a number",
  boolean: "yes/no",
  object: "an object",
  array: "a list",
  null: "null",
};

/** The one JSON type a zod schema accepts, when it accepts exactly one. */
function primOf(schema: z.ZodType): Prim | undefined {
  const d = defOf(unwrap(schema)) as ZodDefLike & { values?: unknown[]; entries?: Record<string, unknown> };
  switch (d.type) {
    case "string":
    case "enum":
      return "string";
    case "number":
    case "int":
      return "number";
    case "boolean":
      return "boolean";
    case "object":
      return "object";
    case "array":
      return "array";
    case "literal": {
      const v = d.values?.[0];
      return typeof v === "string"
        ? "string"
        : typeof v === "number"
          ? "number"
          : typeof v === "boolean"
            ? "boolean"
            : undefined;
    }
    default:
      return undefined;
  }
}

/** The input schema's field at a path (through objects only). */
function fieldAt(schema: z.ZodType, path: string[]): z.ZodType | undefined {
  let cur: z.ZodType | undefined = schema;
  for (const seg of path) {
    const v: ObjectView | undefined = cur ? objectView(cur) : undefined;
    cur = v?.shape[seg];
    if (!cur) return undefined;
  }
  return cur;
}

/** The schema of what a path expression reads, when its source is described: a call step's output, the trigger. */
function sourceSchema(ctx: Ctx, ast: JsonataAst): { schema: z.ZodType; what: string } | undefined {
  const a = ast as {
    type: string;
    steps?: Array<{ type: string; value?: unknown; stages?: unknown; predicate?: unknown; group?: unknown }>;
  };
  if (a.type !== "path" || !a.steps?.length) return undefined;
  if (a.steps.some((st) => st.stages || st.predicate || st.group || (st.type !== "name" && st.type !== "variable")))
    return undefined;
  const [root, ...rest] = a.steps;
  if (root!.type !== "variable" || root!.value !== "steps" || rest.length < 2 || rest[1]!.value !== "output")
    return undefined;
  const src = ctx.byId.get(String(rest[0]!.value));
  if (src?.parsed?.type !== "call") return undefined;
  const op = ctx.catalog?.connectors[src.parsed.connector]?.operations[src.parsed.operation];
  if (!op) return undefined;
  const names = rest.slice(2).map((st) => String(st.value));
  const f = fieldAt(op.output, names);
  return f
    ? { schema: f, what: `$steps.${String(rest[0]!.value)}.output${names.length ? `.${names.join(".")}` : ""}` }
    : undefined;
}

/** What a plain path into a call step's output reads, walked through the operation's output schema. */
interface SourceRead {
  /** The path as written, e.g. "$steps.get.output.lines.amount". */
  what: string;
  /** The call it reads, e.g. "netsuite.getInvoice". */
  op: string;
  /** The list it went through (the path then yields one value per element), e.g. "lines". */
  list?: string;
  /** A field the output does not describe (a closed object: every field it has is declared), with a hint. */
  unknown?: { field: string; hint?: string };
}

function readSource(ctx: Ctx, ast: JsonataAst): SourceRead | undefined {
  const a = ast as {
    type: string;
    steps?: Array<{ type: string; value?: unknown; stages?: unknown; predicate?: unknown; group?: unknown }>;
  };
  if (a.type !== "path" || !a.steps?.length) return undefined;
  if (a.steps.some((st) => st.stages || st.predicate || st.group || (st.type !== "name" && st.type !== "variable")))
    return undefined;
  const [root, ...rest] = a.steps;
  if (root!.type !== "variable" || root!.value !== "steps" || rest.length < 2 || rest[1]!.value !== "output")
    return undefined;
  const src = ctx.byId.get(String(rest[0]!.value));
  if (src?.parsed?.type !== "call") return undefined;
  const opName = `${src.parsed.connector}.${src.parsed.operation}`;
  const op = ctx.catalog?.connectors[src.parsed.connector]?.operations[src.parsed.operation];
  if (!op) return undefined;
  const names = rest.slice(2).map((st) => String(st.value));
  const read: SourceRead = {
    what: `$steps.${String(rest[0]!.value)}.output${names.length ? `.${names.join(".")}` : ""}`,
    op: opName,
  };
  let cur: z.ZodType = op.output;
  const seen: string[] = [];
  for (const name of names) {
    // JSONata maps a path over a list: the fields after it are the elements' fields, one value per element.
    let d = defOf(unwrap(cur));
    while (d.type === "array" && d.element) {
      read.list ??= seen.join(".") || "output";
      cur = d.element;
      d = defOf(unwrap(cur));
    }
    const v = objectView(cur);
    if (!v) return read; // not described further (unknown, any, a scalar): nothing to say
    const next = v.shape[name];
    if (!next) {
      // Only an object that declares every field it has can say a field is not there.
      if (v.extra === "strip" || v.extra === "never")
        read.unknown = { field: [...seen, name].join("."), hint: closest(name, Object.keys(v.shape)) ?? undefined };
      return read;
    }
    seen.push(name);
    cur = next;
  }
  if (defOf(unwrap(cur)).type === "array") read.list ??= seen.join(".") || "output";
  return read;
}

/**
 * Fields a mapping reads from a call step's output that the operation does not describe (a typo, or a field
 * of another record type): a warning, as the data mapper shows it, so the Problems panel and the publish
 * checks say it too.
 */
function checkSourceFields(ctx: Ctx, s: LStep, mapping: Record<string, string>, base: Path, who: string): void {
  for (const leaf of mappingLeaves(mapping)) {
    if (!leaf.ast) continue;
    const read = readSource(ctx, leaf.ast);
    if (!read?.unknown) continue;
    add(ctx, {
      stepId: s.id,
      path: leaf.key ? [...base, leaf.key] : base,
      code: "unknown-source-field",
      severity: "warning",
      message: `${who} maps '${leaf.path.join(".")}' from ${read.what}, but ${read.op} does not return a field '${read.unknown.field}'.${read.unknown.hint ? ` Did you mean '${read.unknown.hint}'?` : ""}`,
    });
  }
}

/**
 * A field's value, checked against the operation's schema when it is known at design time: a fixed value
 * (literal) must be accepted as it is; a path into a described source must have the field's type.
 */
function checkLeafType(ctx: Ctx, input: z.ZodType, leaf: InputLeaf, site: InputSite, s: LStep): void {
  if (!leaf.ast) return;
  const field = fieldAt(input, leaf.path);
  if (!field) return;
  const name = leaf.path.join(".");
  const where = leaf.key ? [...site.base, leaf.key] : site.base;
  const want = primOf(field);
  const a = leaf.ast as { type: string; value?: unknown };
  const lead = site.stepId === s.id ? site.who : site.lead;
  if (
    a.type === "string" ||
    a.type === "number" ||
    (a.type === "value" && (typeof a.value === "boolean" || a.value === null))
  ) {
    const value = a.value;
    if (field.safeParse(value).success) return;
    const got: Prim = value === null ? "null" : (typeof value as Prim);
    const hint =
      want === "string" && got === "number"
        ? ` Write it in quotes ('${String(value)}') to send text.`
        : want === "number" && got === "string" && value !== "" && !Number.isNaN(Number(value))
          ? ` Write it without quotes (${String(value)}) to send a number.`
          : "";
    const why =
      want && want !== got
        ? `expects ${PRIM_WORD[want]}`
        : `does not accept it (${field.safeParse(value).error?.issues[0]?.message ?? "invalid"})`;
    add(ctx, {
      stepId: site.stepId,
      path: where,
      code: "input-literal-type",
      message: `${lead}: input '${name}' is the fixed value ${JSON.stringify(value)} (${PRIM_WORD[got]}), but ${site.op} ${why}.${hint}`,
    });
    return;
  }
  const read = readSource(ctx, leaf.ast);
  if (read?.list && !read.unknown && want && want !== "array") {
    add(ctx, {
      stepId: site.stepId,
      path: where,
      code: "list-to-value",
      severity: "warning",
      message: `${lead}: input '${name}' reads ${read.what}, one value per element of the list '${read.list}', but ${site.op} expects one value (${PRIM_WORD[want]}) there. Map the list element by element, or pick or aggregate one value (e.g. [0], $join(…), $sum(…)).`,
    });
    return;
  }
  const src = sourceSchema(ctx, leaf.ast);
  if (!src || !want) return;
  const have = primOf(src.schema);
  if (!have || have === want) return;
  add(ctx, {
    stepId: site.stepId,
    path: where,
    code: "input-type-mismatch",
    message: `${lead}: input '${name}' reads ${src.what}, which is ${PRIM_WORD[have]}, but ${site.op} expects ${PRIM_WORD[want]} there. Convert it (e.g. $string(…), $number(…)).`,
  });
}

/**
 * A request URL typed into the step (a top-level `url` / `…Url` input field whose expression is a literal, or
 * starts with a literal origin) must lie where the connection's credentials may go; the runtime refuses the
 * rest anyway (connectors/sdk/http.ts), this says so while designing, on the field.
 */
function checkRequestUrls(
  ctx: Ctx,
  s: LStep,
  step: Step & { type: "call" },
  credentials: { origins: string[]; allowedHosts: string[] },
): void {
  const scope = credentialScope(credentials.origins, credentials.allowedHosts);
  for (const [field, expr] of Object.entries(step.input as Record<string, string>)) {
    if (field.includes(".") || !(field === "url" || /Url$/.test(field)) || typeof expr !== "string") continue;
    const url = literalUrl(expr);
    if (!url || scope.allows(url)) continue;
    add(ctx, {
      stepId: s.id,
      path: [...s.path, "input", field],
      code: "credentials-off-origin",
      message: `${stepWord(s)}: ${offScopeMessage(step.connection, url, scope)}`,
    });
  }
}

/** The absolute http(s) URL an expression starts with, when its origin is spelled out literally. */
function literalUrl(expr: string): string | undefined {
  const check = checkExpression(expr);
  if (!check.ok) return undefined;
  let node = check.ast as { type: string; value?: unknown; lhs?: unknown };
  let whole = true;
  while (node.type === "binary" && node.value === "&" && node.lhs) {
    node = node.lhs as typeof node;
    whole = false;
  }
  if (node.type !== "string" || typeof node.value !== "string") return undefined;
  // A concatenation's literal prefix names the host only once the authority has ended.
  const m = /^https?:\/\/[^/?#\s]+/i.exec(node.value);
  if (!m || (!whole && node.value.length === m[0].length)) return undefined;
  try {
    return new URL(m[0]).toString();
  } catch {
    return undefined;
  }
}

// --- Expressions -----------------------------------------------------------------------------------

interface ExprPlace {
  /** The step the expression belongs to (undefined: flow level). */
  step?: LStep;
  site: ExpressionSite;
  /** Absolute path. */
  path: Path;
  /** Inside the foreach body (collect) rather than at the step itself. */
  insideBody?: boolean;
  /** Flow-level expression evaluated before any step runs (trigger, concurrency key). */
  beforeSteps?: boolean;
}

function checkExpressionPlaces(ctx: Ctx, places: ExprPlace[], inSets: Map<number, Bits>): void {
  checkExpressions(places.map((p) => p.site.expression));
  for (const place of places) {
    const { site, step } = place;
    const where = step ? stepWord(step) : "The flow";
    const check = checkExpression(site.expression);
    if (!check.ok) {
      const pos = check.position !== null ? ` at position ${check.position}` : "";
      add(ctx, {
        stepId: step?.id,
        path: place.path,
        code: "expression-syntax",
        message: `${where}: the expression at ${formatPath(site.path)} has an error${pos}: ${check.message}`,
      });
      continue;
    }
    const refs = expressionRefs(check.ast);
    if (refs.variables.has("item") || refs.variables.has("index")) {
      const inForeach = place.insideBody || (step !== undefined && scopeChainHasBody(ctx, step.scope));
      if (!inForeach)
        add(ctx, {
          stepId: step?.id,
          path: place.path,
          code: "item-outside-foreach",
          message: `${where}: ${formatPath(site.path)} uses $item or $index, which only exist inside a foreach body.`,
        });
    }
    for (const ref of refs.steps) checkStepRef(ctx, place, ref.id, inSets, ref.field === "error");
    for (const call of refs.calls) {
      const sig = Object.hasOwn(STAFFING_FUNCTION_SIGNATURES, call.name)
        ? STAFFING_FUNCTION_SIGNATURES[call.name as keyof typeof STAFFING_FUNCTION_SIGNATURES]
        : undefined;
      if (sig && (call.args < sig.min || call.args > sig.max))
        add(ctx, {
          stepId: step?.id,
          path: place.path,
          code: "function-arguments",
          message: `${where}: ${formatPath(site.path)} calls $${call.name} with ${call.args} argument${call.args === 1 ? "" : "s"} (position ${call.position}); it takes ${sig.usage}.`,
        });
    }
  }
}

function scopeChainHasBody(ctx: Ctx, scopeIdx: number): boolean {
  for (let sc: LScope | undefined = ctx.scopes[scopeIdx]; sc; sc = sc.parent >= 0 ? ctx.scopes[sc.parent] : undefined)
    if (sc.kind === "body") return true;
  return false;
}

function checkStepRef(ctx: Ctx, place: ExprPlace, id: string, inSets: Map<number, Bits>, readsError = false): void {
  const { step, site } = place;
  const where = step ? stepWord(step) : "The flow";
  const field = formatPath(site.path);
  const target = ctx.byId.get(id);
  const stepId = step?.id;
  if (!target) {
    const hint = closest(id, ctx.byId.keys());
    add(ctx, {
      stepId,
      path: place.path,
      code: "unknown-step-reference",
      message: `${where}: ${field} reads $steps.${id}, but there is no step ${q(id)}.${hint ? ` Did you mean ${q(hint)}?` : ""}`,
    });
    return;
  }
  if (place.beforeSteps) {
    add(ctx, {
      stepId,
      path: place.path,
      code: "step-not-yet-run",
      message: `${where}: ${field} is evaluated before any step runs, so it cannot read $steps.${id}.`,
    });
    return;
  }
  // Flow-level (business keys, output): any step of the main flow; evaluated with what has run.
  const fromScope = step ? step.scope : 0;
  // Walk up from the referencing step to the scope of the target.
  let at: LStep | undefined = step;
  let sc = fromScope;
  // For `collect`, the expression lives inside the body: references to body steps are allowed as they stand.
  if (place.insideBody && step) {
    const bodyScope = ctx.scopes.find((x) => x.owner === step.idx && x.kind === "body");
    if (bodyScope && target.scope === bodyScope.idx) return;
  }
  const chain: number[] = [];
  for (let c: number = sc; c >= 0; c = ctx.scopes[c]!.parent) chain.push(c);
  if (!chain.includes(target.scope)) {
    // Target is in a scope that does not enclose the reader.
    const tScope = ctx.scopes[target.scope]!;
    const parallelOwner = tScope.kind === "branch" ? ctx.steps[tScope.owner]! : undefined;
    const readerInSameParallel =
      parallelOwner !== undefined &&
      chain.some((c) => ctx.scopes[c]!.owner === parallelOwner.idx && ctx.scopes[c]!.kind === "branch");
    if (readerInSameParallel)
      add(ctx, {
        stepId,
        path: place.path,
        code: "step-not-yet-run",
        message: `${where}: ${field} reads $steps.${id}, which runs in another branch of parallel ${q(parallelOwner.id ?? "?")}, so it may not have run yet.`,
      });
    else {
      const container = ctx.steps[tScope.owner];
      add(ctx, {
        stepId,
        path: place.path,
        code: "step-out-of-scope",
        message: `${where}: ${field} reads $steps.${id}, which is inside ${scopeWord(ctx, tScope)}; from here read ${container?.id !== undefined ? `$steps.${container.id}.output` : "the container's output"} instead.`,
      });
    }
    return;
  }
  if (!step) return; // flow-level expressions may read any main-flow step
  // `$steps.<id>.error` is read in catch handlers, after the step failed: it need not have completed.
  if (readsError) return;
  // Lift the reader to the step that stands for it in the target's scope.
  while (sc !== target.scope && at) {
    const scope = ctx.scopes[sc]!;
    at = ctx.steps[scope.owner];
    sc = scope.parent;
  }
  if (!at) return;
  if (at === target) {
    const own = at === step;
    add(ctx, {
      stepId,
      path: place.path,
      code: "step-not-yet-run",
      message: own
        ? `${where}: ${field} reads its own output ($steps.${id}), which does not exist yet.`
        : `${where}: ${field} reads $steps.${id}, which is still running (it contains this step).`,
    });
    return;
  }
  const inSet = inSets.get(at.idx);
  if (!inSet) return; // unreachable: reported already
  const local = ctx.scopes[target.scope]!.steps.indexOf(target.idx);
  if (!inSet.has(local))
    add(ctx, {
      stepId,
      path: place.path,
      code: "step-not-yet-run",
      message: `${where}: ${field} reads $steps.${id}, but ${q(id)} does not run on every path before ${at === step ? "this step" : q(at.id ?? "?")}, so it may not have run yet.`,
    });
}

/** The expression sites of a step that failed its schema, read defensively. */
function looseExpressions(raw: Raw): ExpressionSite[] {
  try {
    const sites =
      typeof raw.type === "string" && (STEP_TYPES as readonly string[]).includes(raw.type)
        ? stepExpressions(raw as unknown as Step)
        : [];
    return sites.filter((x) => typeof x.expression === "string" && x.expression.length > 0);
  } catch {
    return [];
  }
}

// --- Trigger --------------------------------------------------------------------------------------

export function cronProblem(cron: string, timezone: string): { field: "cron" | "timezone"; message: string } | null {
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
  } catch {
    return {
      field: "timezone",
      message: `"${timezone}" is not a time zone; use an IANA name such as "Europe/Amsterdam".`,
    };
  }
  const fields = cron.trim().split(/\s+/);
  if (!cron.trim().startsWith("@") && (fields.length < 5 || fields.length > 6))
    return {
      field: "cron",
      message: `"${cron}" is not a cron expression: it needs 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first.`,
    };
  try {
    CronExpressionParser.parse(cron, { tz: timezone }).next();
    return null;
  } catch (err) {
    return { field: "cron", message: `"${cron}" is not a valid cron expression: ${(err as Error).message}.` };
  }
}

function checkPollTrigger(ctx: Ctx, t: Extract<Trigger, { type: "poll" }>): void {
  const interval = parseDuration(t.interval);
  if (interval === null || interval < POLL_INTERVAL_MIN_MS || interval > POLL_INTERVAL_MAX_MS)
    add(ctx, {
      path: ["trigger", "interval"],
      code: "invalid-poll-interval",
      message: `The poll trigger: interval ${q(t.interval)} must be between 10s and 24h.`,
    });
  const lookback = t.lookback === undefined ? 0 : parseDuration(t.lookback);
  if (lookback === null || lookback > POLL_INTERVAL_MAX_MS)
    add(ctx, {
      path: ["trigger", "lookback"],
      code: "invalid-poll-lookback",
      message: `The poll trigger: lookback ${q(t.lookback ?? "")} must be a duration of at most 24h.`,
    });
  const catalog = ctx.catalog;
  if (!catalog) return;
  const connector = catalog.connectors[t.connector];
  if (!connector) {
    const hint = closest(t.connector, Object.keys(catalog.connectors));
    add(ctx, {
      path: ["trigger", "connector"],
      code: "unknown-connector",
      message: `The poll trigger uses connector ${q(t.connector)}, which is not installed.${hint ? ` Did you mean ${q(hint)}?` : ""}`,
    });
    return;
  }
  if (catalog.connections) {
    const c = catalog.connections.find((x) => x.key === t.connection);
    if (!c)
      add(ctx, {
        path: ["trigger", "connection"],
        code: "unknown-connection",
        message: `The poll trigger reads through connection ${q(t.connection)}, which does not exist in this workspace.`,
      });
    else if (c.connectorKey !== t.connector)
      add(ctx, {
        path: ["trigger", "connection"],
        code: "connection-mismatch",
        message: `The poll trigger reads ${connector.name} but connection ${q(t.connection)} is for ${q(c.connectorKey)}.`,
      });
  }
  const op = connector.operations[t.operation];
  if (!op) {
    const hint = closest(t.operation, Object.keys(connector.operations));
    add(ctx, {
      path: ["trigger", "operation"],
      code: "unknown-operation",
      message: `The poll trigger: ${connector.name} has no operation ${q(t.operation)}.${hint ? ` Did you mean ${q(hint)}?` : ""}`,
    });
  } else if (op.effect === "write") {
    // A poll repeats its call every interval: an operation that changes the vendor would change it each time.
    add(ctx, {
      path: ["trigger", "operation"],
      code: "poll-operation-writes",
      message: `The poll trigger: ${t.connector}.${t.operation} changes data in ${connector.name}; a poll may only read.`,
    });
  }
}

function checkTrigger(ctx: Ctx, raw: unknown): Trigger | undefined {
  if (!isObj(raw)) return undefined; // the flow schema reports it
  const r = TriggerSchema.safeParse(raw);
  if (!r.success) return undefined; // idem (the header parse covers the trigger)
  const t = r.data;
  if (t.type === "webhook" && ctx.catalog?.connections) {
    // Without its connection the published flow would answer every call with 503; say so while designing.
    const c = ctx.catalog.connections.find((x) => x.key === t.secret);
    if (!c)
      add(ctx, {
        path: ["trigger", "secret"],
        code: "unknown-webhook-secret",
        message: `The webhook trigger's signing secret ${q(t.secret)} does not exist in this workspace: create it, or name an existing webhook connection.`,
      });
    else if (c.connectorKey !== WEBHOOK_CONNECTOR)
      add(ctx, {
        path: ["trigger", "secret"],
        code: "webhook-secret-mismatch",
        message: `The webhook trigger's signing secret ${q(t.secret)} is a ${q(c.connectorKey)} connection, not a webhook signing secret.`,
      });
  }
  if (t.type === "webhook" && t.onInvalidPayload === "reject" && !t.payloadSchema) {
    add(ctx, {
      path: ["trigger", "onInvalidPayload"],
      code: "reject-without-schema",
      message: 'The webhook trigger: onInvalidPayload "reject" needs a payloadSchema to check the body against.',
    });
  }
  if (t.type === "poll") checkPollTrigger(ctx, t);
  if (t.type === "schedule") {
    const p = cronProblem(t.cron, t.timezone);
    if (p)
      add(ctx, {
        path: ["trigger", p.field],
        code: p.field === "cron" ? "invalid-cron" : "invalid-timezone",
        message: `The schedule trigger: ${p.message}`,
      });
  }
  return t;
}

// ---------------------------------------------------------------------------------------------------

/** Validates a document (already parsed from JSON/YAML). Never throws. */
export function validate(input: unknown, opts: ValidateOptions = {}): ValidationResult {
  try {
    return validateInner(input, opts);
  } catch (err) {
    // A bug of ours must not become a crash in the designer or the CLI.
    const problem: Problem = {
      path: [],
      code: "internal-error",
      message: `The validator failed on this document: ${(err as Error)?.message ?? String(err)}`,
      severity: "error",
    };
    return { ok: false, problems: [problem] };
  }
}

/** Validates JSON text: a syntax error is a problem, not an exception. */
export function validateText(text: string, opts: ValidateOptions = {}): ValidationResult {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (err) {
    return {
      ok: false,
      problems: [
        { path: [], code: "not-json", message: `This is not JSON: ${(err as Error).message}`, severity: "error" },
      ],
    };
  }
  return validate(value, opts);
}

function validateInner(input: unknown, opts: ValidateOptions): ValidationResult {
  if (!isObj(input)) {
    const what = Array.isArray(input) ? "a list" : input === null ? "null" : typeof input;
    return {
      ok: false,
      problems: [
        {
          path: [],
          code: "not-a-flow",
          message: `A flow document is a JSON object with "dsl": "weft/1"; this is ${what}.`,
          severity: "error",
        },
      ],
    };
  }
  const shape = shapeProblem(input);
  if (shape) return { ok: false, problems: [shape] };
  if (input.dsl !== undefined && input.dsl !== "weft/1" && typeof input.dsl === "string")
    return {
      ok: false,
      problems: [
        {
          path: ["dsl"],
          code: "unsupported-dsl-version",
          message: `This is a "${input.dsl}" document; this version of Weft reads "weft/1".`,
          severity: "error",
        },
      ],
    };

  const ctx: Ctx = {
    problems: [],
    scopes: [],
    steps: [],
    byId: new Map(),
    catalog: opts.catalog,
    flowKey: str(input.key),
  };

  // Header (steps unchecked here).
  const header = ShallowFlowSchema.safeParse(input);
  if (!header.success) {
    ctx.problems.push(
      ...issuesToProblems(header.error.issues, {
        base: [],
        subject: "The flow",
        knownKeys: (rel) =>
          rel.length === 0
            ? FLOW_KEYS
            : rel.length === 1 && rel[0] === "trigger"
              ? TRIGGER_KEYS.get(String(valueAt(input, ["trigger", "type"])))
              : undefined,
        valueAt: (rel) => valueAt(input, rel),
      }).map((p) =>
        p.path[0] === "trigger"
          ? {
              ...p,
              message: p.message
                .replace(/^The flow: 'trigger\./, "The trigger: '")
                .replace(/^The flow, 'trigger'/, "The trigger"),
            }
          : p,
      ),
    );
  }
  const trigger = checkTrigger(ctx, input.trigger);

  readModel(input, ctx);
  checkIds(ctx);
  const graphs = checkScopes(ctx);

  // Guaranteed-before sets, per scope.
  const inSets = new Map<number, Bits>();
  ctx.scopes.forEach((scope, i) => {
    for (const [k, v] of guaranteed(ctx, scope, graphs[i]!)) inSets.set(k, v);
  });

  // Per-step typed checks and expression sites.
  const places: ExprPlace[] = [];
  for (const s of ctx.steps) {
    if (!s.parsed) {
      // Still check the expressions of a step with schema errors: one problem should not hide the others.
      for (const site of looseExpressions(s.raw)) places.push({ step: s, site, path: [...s.path, ...site.path] });
      continue;
    }
    checkStepSettings(ctx, s, s.parsed);
    for (const site of stepExpressions(s.parsed)) places.push({ step: s, site, path: [...s.path, ...site.path] });
    for (const site of collectExpressions(s.parsed))
      places.push({ step: s, site, path: [...s.path, ...site.path], insideBody: true });
  }
  // Flow-level expressions (read loosely: the header may have failed elsewhere).
  const flowSites: ExprPlace[] = [];
  if (trigger?.type === "webhook" && trigger.idempotencyKey !== undefined)
    flowSites.push({
      site: { path: ["trigger", "idempotencyKey"], expression: trigger.idempotencyKey, role: "key" },
      path: ["trigger", "idempotencyKey"],
      beforeSteps: true,
    });
  if (trigger?.type === "event" && trigger.filter !== undefined)
    flowSites.push({
      site: { path: ["trigger", "filter"], expression: trigger.filter, role: "condition" },
      path: ["trigger", "filter"],
      beforeSteps: true,
    });
  if (trigger?.type === "poll")
    for (const site of pollTriggerSites(trigger)) flowSites.push({ site, path: site.path, beforeSteps: true });
  const concurrencyKey = isObj(input.concurrency) ? str(input.concurrency.key) : undefined;
  if (concurrencyKey)
    flowSites.push({
      site: { path: ["concurrency", "key"], expression: concurrencyKey, role: "key" },
      path: ["concurrency", "key"],
      beforeSteps: true,
    });
  if (isObj(input.businessKeys))
    for (const [k, v] of Object.entries(input.businessKeys))
      if (typeof v === "string")
        flowSites.push({ site: { path: ["businessKeys", k], expression: v, role: "key" }, path: ["businessKeys", k] });
  if (typeof input.output === "string")
    flowSites.push({ site: { path: ["output"], expression: input.output, role: "value" }, path: ["output"] });
  else if (isObj(input.output))
    for (const [k, v] of Object.entries(input.output))
      if (typeof v === "string")
        flowSites.push({ site: { path: ["output", k], expression: v, role: "value" }, path: ["output", k] });
  checkExpressionPlaces(ctx, [...places, ...flowSites], inSets);

  // Flow-level settings.
  if (isObj(input.defaults)) {
    const d = input.defaults as { retry?: RetryPolicy; timeout?: string };
    if (header.success) checkDurations(ctx, d.retry, d.timeout, ["defaults"], undefined, "The flow's defaults");
  }
  if (
    isObj(input.onFailure) &&
    typeof input.onFailure.version === "string" &&
    semver.validRange(input.onFailure.version) === null
  )
    add(ctx, {
      path: ["onFailure", "version"],
      code: "invalid-version-range",
      message: `The failure route: "${input.onFailure.version}" is not a version range.`,
    });
  if (input.layout !== undefined && isObj(input.layout) && isObj(input.layout.nodes)) {
    for (const id of Object.keys(input.layout.nodes))
      if (id !== "trigger" && !ctx.byId.has(id))
        add(ctx, {
          path: ["layout", "nodes", id],
          code: "stale-layout",
          severity: "warning",
          message: `The layout has a position for ${q(id)}, which is not a step.`,
        });
  }

  const schemaOk =
    header.success &&
    ctx.steps.every((s) => s.parsed !== undefined) &&
    !ctx.problems.some((p) => p.code === "wrong-type" || p.code === "too-deep-nesting");
  const problems = sortProblems(ctx.problems);
  const ok = !problems.some((p) => p.severity === "error");
  return { ok, problems, ...(schemaOk ? { flow: input as unknown as Flow } : {}) };
}

/** Document order: by path, errors before warnings at the same place. */
function sortProblems(list: Problem[]): Problem[] {
  const cmp = (a: Path, b: Path): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const x = a[i]!;
      const y = b[i]!;
      if (x === y) continue;
      if (typeof x === "number" && typeof y === "number") return x - y;
      return String(x) < String(y) ? -1 : 1;
    }
    return a.length - b.length;
  };
  return list
    .map((p, i) => ({ p, i }))
    .sort(
      (a, b) =>
        cmp(a.p.path, b.p.path) || (a.p.severity === b.p.severity ? a.i - b.i : a.p.severity === "error" ? -1 : 1),
    )
    .map((x) => x.p);
}

/** Parses a document that must be valid; throws with every problem listed otherwise (for tests and seeds). */
export function parseFlow(input: unknown, opts: ValidateOptions = {}): Flow {
  const r = validate(input, opts);
  if (!r.ok || !r.flow)
    throw new Error(
      `Invalid flow:\n${r.problems
        .filter((p) => p.severity === "error")
        .map((p) => `  ${formatPath(p.path)}: ${p.message}`)
        .join("\n")}`,
    );
  return r.flow;
}
