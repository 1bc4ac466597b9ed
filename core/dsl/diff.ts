// Structural diff of two versions of a flow: header, trigger, flow settings, and per step (matched by id,
// wherever it sits). The layout is reported as one flag: moving boxes is not a change of behaviour.
import { stepsOf, type Path, type Scope } from "./walk";
import type { Flow, Step, StepType } from "./schema";
import { isObj } from "../is-obj";

export interface ValueChange {
  /** Relative to the section (the step, the trigger, the flow). */
  path: Path;
  kind: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
}

export interface StepDiff {
  id: string;
  type: StepType;
  change: "added" | "removed" | "changed";
  /** Where the step sits ("main", "body of loop", "branch b of fanOut") before/after, when it moved. */
  movedFrom?: string;
  movedTo?: string;
  changes: ValueChange[];
}

export interface FlowDiff {
  header: ValueChange[];
  trigger: ValueChange[];
  settings: ValueChange[];
  steps: StepDiff[];
  layoutChanged: boolean;
  /** Nothing but (possibly) the layout changed. */
  same: boolean;
}

const HEADER_KEYS = ["dsl", "key", "version", "name", "description", "domain", "owner", "classification"] as const;
const SETTING_KEYS = ["tags", "concurrency", "businessKeys", "onFailure", "defaults", "output", "start"] as const;

/** Deep equality of JSON values; an object key holding undefined counts as absent. */
export function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => equal(a[k], b[k]));
  }
  return false;
}

/** Leaf-level changes between two JSON values (arrays of equal length compare per element). */
export function diffValues(a: unknown, b: unknown, path: Path = [], out: ValueChange[] = []): ValueChange[] {
  if (equal(a, b)) return out;
  if (a === undefined) out.push({ path, kind: "added", after: b });
  else if (b === undefined) out.push({ path, kind: "removed", before: a });
  else if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) diffValues(a[k], b[k], [...path, k], out);
  } else if (Array.isArray(a) && Array.isArray(b) && a.length === b.length)
    a.forEach((x, i) => diffValues(x, b[i], [...path, i], out));
  else out.push({ path, kind: "changed", before: a, after: b });
  return out;
}

/** A step's own content for comparison: nested steps are compared on their own, so only their ids stay. */
function ownContent(step: Step): Record<string, unknown> {
  const o: Record<string, unknown> = { ...step };
  if (step.type === "foreach") o.body = { start: step.body.start, steps: step.body.steps.map((s) => s.id) };
  if (step.type === "parallel")
    o.branches = step.branches.map((b) => ({ name: b.name, start: b.start, steps: b.steps.map((s) => s.id) }));
  return o;
}

function scopeName(scope: Scope): string {
  if (scope.kind === "flow") return "main";
  if (scope.kind === "body") return `body of ${scope.owner}`;
  return `branch ${scope.branch} of ${scope.owner}`;
}

export function diffFlows(a: Flow, b: Flow): FlowDiff {
  const header: ValueChange[] = [];
  for (const k of HEADER_KEYS) diffValues(a[k], b[k], [k], header);
  const trigger = diffValues(a.trigger, b.trigger);
  const settings: ValueChange[] = [];
  for (const k of SETTING_KEYS) diffValues(a[k], b[k], [k], settings);

  const before = new Map(stepsOf(a).map((v) => [v.step.id, v] as const));
  const after = new Map(stepsOf(b).map((v) => [v.step.id, v] as const));
  const steps: StepDiff[] = [];
  for (const [id, va] of before) {
    const vb = after.get(id);
    if (!vb) {
      steps.push({ id, type: va.step.type, change: "removed", changes: [] });
      continue;
    }
    const changes = diffValues(ownContent(va.step), ownContent(vb.step));
    const from = scopeName(va.scope);
    const to = scopeName(vb.scope);
    if (changes.length > 0 || from !== to)
      steps.push({
        id,
        type: vb.step.type,
        change: "changed",
        changes,
        ...(from !== to ? { movedFrom: from, movedTo: to } : {}),
      });
  }
  for (const [id, vb] of after)
    if (!before.has(id))
      steps.push({ id, type: vb.step.type, change: "added", changes: diffValues(undefined, ownContent(vb.step)) });

  const layoutChanged = !equal(a.layout, b.layout);
  // The version number alone changing is not a content change either.
  const same =
    header.every((c) => c.path[0] === "version") && trigger.length === 0 && settings.length === 0 && steps.length === 0;
  return { header, trigger, settings, steps, layoutChanged, same };
}

const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? "∅" : s.length > 80 ? `${s.slice(0, 77)}…` : s;
};
const p = (path: Path) =>
  path
    .map((x) => (typeof x === "number" ? `[${x}]` : x))
    .join(".")
    .replace(/\.\[/g, "[");

function lines(changes: ValueChange[], indent: string): string[] {
  return changes.map((c) =>
    c.kind === "added"
      ? `${indent}+ ${p(c.path)}: ${show(c.after)}`
      : c.kind === "removed"
        ? `${indent}- ${p(c.path)}: ${show(c.before)}`
        : `${indent}~ ${p(c.path)}: ${show(c.before)} → ${show(c.after)}`,
  );
}

/** A human-readable diff (the CLI's output). */
export function formatDiff(d: FlowDiff): string {
  const out: string[] = [];
  if (d.header.length) out.push("Header:", ...lines(d.header, "  "));
  if (d.trigger.length) out.push("Trigger:", ...lines(d.trigger, "  "));
  if (d.settings.length) out.push("Flow settings:", ...lines(d.settings, "  "));
  for (const s of d.steps) {
    if (s.change === "added") out.push(`+ step ${s.id} (${s.type})`);
    else if (s.change === "removed") out.push(`- step ${s.id} (${s.type})`);
    else {
      out.push(`~ step ${s.id} (${s.type})${s.movedFrom ? ` moved from ${s.movedFrom} to ${s.movedTo}` : ""}`);
      out.push(...lines(s.changes, "    "));
    }
  }
  if (d.layoutChanged) out.push("(layout changed)");
  if (out.length === 0) out.push("No differences.");
  return out.join("\n");
}
