// Breaking-change detection between two versions of a flow, and the semver bump it calls for.
//
// A flow has three contracts with the outside world:
//  - its trigger (what senders send: webhook body schema, the event it consumes, the manual input schema),
//  - the domain events it emits (what consumers receive: event name, contract major, payload fields),
//  - its output (what a parent flow's subflow step receives).
// Breaking any of them is a major bump. New behaviour (steps added or removed, systems called, new events,
// new optional fields) is minor. Anything else that changes the document (mappings, retry settings,
// names, layout) is a patch.
import semver from "semver";
import { diffFlows } from "./diff";
import type { Flow, Mapping, Trigger } from "./schema";
import { stepsOf, type Path } from "./walk";
import { isObj } from "../is-obj";

export type Bump = "major" | "minor" | "patch" | "none";
export type ChangeLevel = "breaking" | "feature" | "fix";

export interface Change {
  /** Stable code, e.g. "emitted-field-removed". */
  code: string;
  level: ChangeLevel;
  message: string;
  stepId?: string;
  path?: Path;
}

export interface BreakingReport {
  changes: Change[];
  breaking: Change[];
  /** The smallest bump that honours the changes. */
  bump: Bump;
}

// ---------------------------------------------------------------------------------------------------
// JSON Schema subset (type, properties, required, enum, items, additionalProperties) for input contracts:
// does everything an old sender sends still get accepted?

function types(s: Record<string, unknown>): Set<string> | null {
  const t = s.type;
  if (typeof t === "string")
    return new Set(t === "integer" ? ["integer"] : t === "number" ? ["number", "integer"] : [t]);
  if (Array.isArray(t)) return new Set(t.flatMap((x) => (x === "number" ? ["number", "integer"] : [String(x)])));
  return null; // any
}

function inputSchemaChanges(prev: unknown, next: unknown, where: string, path: Path, out: Change[], depth = 0): void {
  if (depth > 32 || !isObj(prev) || !isObj(next)) {
    if (isObj(prev) && !isObj(next))
      out.push({
        code: "input-schema-removed",
        level: "feature",
        message: `${where}: the schema was removed (anything is accepted now).`,
        path,
      });
    else if (!isObj(prev) && isObj(next))
      out.push({
        code: "input-schema-added",
        level: "breaking",
        message: `${where}: a schema now restricts what is accepted.`,
        path,
      });
    return;
  }
  const tp = types(prev);
  const tn = types(next);
  if (tn && (!tp || [...tp].some((t) => !tn.has(t) && !(t === "integer" && tn.has("number")))))
    out.push({
      code: "input-type-narrowed",
      level: "breaking",
      message: `${where}: accepts ${[...tn].join("/")} only, it accepted ${tp ? [...tp].join("/") : "anything"}.`,
      path,
    });
  else if (tp && (!tn || [...tn].some((t) => !tp.has(t))))
    out.push({
      code: "input-type-widened",
      level: "feature",
      message: `${where}: accepts more types than before.`,
      path,
    });
  if (Array.isArray(prev.enum) || Array.isArray(next.enum)) {
    const ep = Array.isArray(prev.enum) ? prev.enum.map((x) => JSON.stringify(x)) : null;
    const en = Array.isArray(next.enum) ? next.enum.map((x) => JSON.stringify(x)) : null;
    if (en && (!ep || ep.some((x) => !en.includes(x))))
      out.push({
        code: "input-enum-narrowed",
        level: "breaking",
        message: `${where}: some values accepted before are no longer accepted.`,
        path,
      });
    else if (ep && (!en || en.some((x) => !ep.includes(x))))
      out.push({ code: "input-enum-widened", level: "feature", message: `${where}: accepts more values.`, path });
  }
  const rp = new Set(Array.isArray(prev.required) ? prev.required.map(String) : []);
  const rn = new Set(Array.isArray(next.required) ? next.required.map(String) : []);
  for (const r of rn)
    if (!rp.has(r))
      out.push({
        code: "input-field-now-required",
        level: "breaking",
        message: `${where}: '${r}' is now required; senders that leave it out are rejected.`,
        path: [...path, "required"],
      });
  for (const r of rp)
    if (!rn.has(r))
      out.push({
        code: "input-field-now-optional",
        level: "feature",
        message: `${where}: '${r}' is no longer required.`,
        path: [...path, "required"],
      });
  const pp = isObj(prev.properties) ? prev.properties : {};
  const pn = isObj(next.properties) ? next.properties : {};
  for (const k of Object.keys(pp)) {
    if (!(k in pn)) {
      const closed = next.additionalProperties === false;
      out.push({
        code: closed ? "input-field-rejected" : "input-field-removed",
        level: closed ? "breaking" : "feature",
        message: closed
          ? `${where}: '${k}' is no longer accepted.`
          : `${where}: '${k}' is no longer described (it is still accepted).`,
        path: [...path, "properties", k],
      });
    } else inputSchemaChanges(pp[k], pn[k], `${where}.${k}`, [...path, "properties", k], out, depth + 1);
  }
  for (const k of Object.keys(pn))
    if (!(k in pp))
      out.push({
        code: "input-field-added",
        level: rn.has(k) ? "breaking" : "feature",
        message: `${where}: new field '${k}'.`,
        path: [...path, "properties", k],
      });
  if (prev.additionalProperties !== false && next.additionalProperties === false && Object.keys(pp).length === 0)
    out.push({ code: "input-closed", level: "breaking", message: `${where}: unknown fields are now rejected.`, path });
  if (isObj(prev.items) || isObj(next.items))
    inputSchemaChanges(prev.items, next.items, `${where}[]`, [...path, "items"], out, depth + 1);
}

function triggerChanges(a: Trigger, b: Trigger, out: Change[]): void {
  if (a.type !== b.type) {
    out.push({
      code: "trigger-type-changed",
      level: "breaking",
      message: `The flow is no longer started by ${a.type} but by ${b.type}.`,
      path: ["trigger", "type"],
    });
    return;
  }
  if (a.type === "webhook" && b.type === "webhook") {
    inputSchemaChanges(a.payloadSchema, b.payloadSchema, "The webhook body", ["trigger", "payloadSchema"], out);
    if (a.secret !== b.secret)
      out.push({
        code: "webhook-secret-changed",
        level: "feature",
        message: "The webhook is signed with another secret; senders need it.",
        path: ["trigger", "secret"],
      });
    if (a.idempotencyKey !== b.idempotencyKey)
      out.push({
        code: "webhook-idempotency-changed",
        level: "feature",
        message: "Duplicate webhook requests are recognised differently.",
        path: ["trigger", "idempotencyKey"],
      });
    if ((b.maxBodyBytes ?? Infinity) < (a.maxBodyBytes ?? Infinity))
      out.push({
        code: "webhook-limit-lowered",
        level: "breaking",
        message: "The webhook accepts smaller bodies than before.",
        path: ["trigger", "maxBodyBytes"],
      });
  } else if (a.type === "event" && b.type === "event") {
    if (a.event !== b.event)
      out.push({
        code: "trigger-event-changed",
        level: "breaking",
        message: `The flow now listens to ${b.event} instead of ${a.event}.`,
        path: ["trigger", "event"],
      });
    else if ((a.version ?? 1) !== (b.version ?? 1))
      out.push({
        code: "trigger-event-version-changed",
        level: "breaking",
        message: `The flow now consumes ${b.event} v${b.version ?? 1} instead of v${a.version ?? 1}.`,
        path: ["trigger", "version"],
      });
    if (a.filter !== b.filter)
      out.push({
        code: "trigger-filter-changed",
        level: "feature",
        message: "Which events start a run changed.",
        path: ["trigger", "filter"],
      });
  } else if (a.type === "schedule" && b.type === "schedule") {
    if (a.cron !== b.cron || a.timezone !== b.timezone)
      out.push({
        code: "schedule-changed",
        level: "feature",
        message: `The schedule changed from "${a.cron}" (${a.timezone}) to "${b.cron}" (${b.timezone}).`,
        path: ["trigger"],
      });
  } else if (a.type === "poll" && b.type === "poll") {
    if (
      a.connector !== b.connector ||
      a.connection !== b.connection ||
      a.operation !== b.operation ||
      JSON.stringify(a.input) !== JSON.stringify(b.input)
    )
      out.push({
        code: "poll-source-changed",
        level: "feature",
        message: `The poll now reads ${b.connector}.${b.operation} through ${b.connection} with its input as changed; the cursor carries on from where the last version left it.`,
        path: ["trigger"],
      });
    if (a.cursor !== b.cursor || a.recordId !== b.recordId || a.version !== b.version)
      out.push({
        code: "poll-identity-changed",
        level: "breaking",
        message: "Records are identified or versioned differently: records already started may start again.",
        path: ["trigger"],
      });
  } else if (a.type === "manual" && b.type === "manual")
    inputSchemaChanges(a.inputSchema, b.inputSchema, "The manual input", ["trigger", "inputSchema"], out);
}

// ---------------------------------------------------------------------------------------------------
// Output contracts: emitted events and the flow output, as sets of field paths (null = one opaque expression).

function fieldsOf(m: Mapping | undefined): Set<string> | null | undefined {
  if (m === undefined) return undefined;
  if (typeof m === "string") return null;
  const out = new Set<string>();
  for (const k of Object.keys(m)) {
    const segs = k.split(".");
    for (let i = 1; i <= segs.length; i++) out.add(segs.slice(0, i).join("."));
  }
  return out;
}

interface Emitted {
  major: number;
  fields: Set<string> | null;
  stepIds: string[];
}

function emittedEvents(flow: Flow): Map<string, Emitted> {
  const out = new Map<string, Emitted>();
  for (const { step } of stepsOf(flow)) {
    if (step.type !== "emit") continue;
    const key = `${step.event}@${step.version ?? 1}`;
    const f = fieldsOf(step.payload) ?? null;
    const prev = out.get(key);
    if (!prev) out.set(key, { major: step.version ?? 1, fields: f, stepIds: [step.id] });
    else {
      // Two emits of one event: consumers can rely on the fields both send (an opaque one sends unknown fields).
      prev.fields =
        prev.fields === null ? f : f === null ? prev.fields : new Set([...prev.fields].filter((x) => f.has(x)));
      prev.stepIds.push(step.id);
    }
  }
  return out;
}

function outputChanges(a: Flow, b: Flow, out: Change[]): void {
  const fa = fieldsOf(a.output);
  const fb = fieldsOf(b.output);
  if (fa === undefined && fb === undefined) return;
  if (fa !== undefined && fb === undefined) {
    out.push({
      code: "output-removed",
      level: "breaking",
      message: "The flow no longer returns an output; parent flows that read it break.",
      path: ["output"],
    });
    return;
  }
  if (fa === undefined || fb === undefined) {
    out.push({ code: "output-added", level: "feature", message: "The flow now returns an output.", path: ["output"] });
    return;
  }
  if (fa !== null && fb === null) {
    out.push({
      code: "output-opaque",
      level: "breaking",
      message: "The output is now one expression; its fields can no longer be checked against what callers read.",
      path: ["output"],
    });
    return;
  }
  if (fa === null || fb === null) {
    if (!(fa === null && fb === null && a.output === b.output))
      out.push({
        code: "output-changed",
        level: "feature",
        message: "The output expression changed; check the flows that call this one.",
        path: ["output"],
      });
    return;
  }
  for (const f of fa)
    if (!fb.has(f))
      out.push({
        code: "output-field-removed",
        level: "breaking",
        message: `The output no longer has '${f}'.`,
        path: ["output", f],
      });
  for (const f of fb)
    if (!fa.has(f))
      out.push({
        code: "output-field-added",
        level: "feature",
        message: `The output has a new field '${f}'.`,
        path: ["output", f],
      });
}

function eventChanges(a: Flow, b: Flow, out: Change[]): void {
  const ea = emittedEvents(a);
  const eb = emittedEvents(b);
  for (const [key, pa] of ea) {
    const pb = eb.get(key);
    const [name] = key.split("@");
    if (!pb) {
      const other = [...eb.keys()].find((k) => k.startsWith(`${name}@`));
      out.push({
        code: other ? "event-version-changed" : "event-no-longer-emitted",
        level: "breaking",
        message: other
          ? `${name} is now emitted as v${other.split("@")[1]} instead of v${pa.major}; consumers of v${pa.major} get nothing.`
          : `${name} (v${pa.major}) is no longer emitted; its consumers get nothing.`,
        stepId: pa.stepIds[0],
      });
      continue;
    }
    if (pa.fields !== null && pb.fields === null)
      out.push({
        code: "emitted-payload-opaque",
        level: "breaking",
        message: `${name}: the payload is now one expression, so its fields are no longer known.`,
        stepId: pb.stepIds[0],
      });
    else if (pa.fields !== null && pb.fields !== null) {
      for (const f of pa.fields)
        if (!pb.fields.has(f))
          out.push({
            code: "emitted-field-removed",
            level: "breaking",
            message: `${name}: the payload no longer has '${f}'.`,
            stepId: pb.stepIds[0],
          });
      for (const f of pb.fields)
        if (!pa.fields.has(f))
          out.push({
            code: "emitted-field-added",
            level: "feature",
            message: `${name}: the payload has a new field '${f}'.`,
            stepId: pb.stepIds[0],
          });
    } else if (pa.fields === null && pb.fields !== null)
      out.push({
        code: "emitted-payload-described",
        level: "feature",
        message: `${name}: the payload is now built field by field.`,
        stepId: pb.stepIds[0],
      });
  }
  for (const [key, pb] of eb)
    if (!ea.has(key) && ![...ea.keys()].some((k) => k.split("@")[0] === key.split("@")[0]))
      out.push({
        code: "event-added",
        level: "feature",
        message: `The flow now emits ${key.replace("@", " v")}.`,
        stepId: pb.stepIds[0],
      });
}

// ---------------------------------------------------------------------------------------------------

export function detectBreakingChanges(prev: Flow, next: Flow): BreakingReport {
  const changes: Change[] = [];
  if (prev.key !== next.key)
    changes.push({
      code: "flow-key-changed",
      level: "breaking",
      message: `The flow key changed from ${prev.key} to ${next.key}; callers and subscribers refer to it by key.`,
      path: ["key"],
    });
  triggerChanges(prev.trigger, next.trigger, changes);
  eventChanges(prev, next, changes);
  outputChanges(prev, next, changes);

  const d = diffFlows(prev, next);
  for (const c of d.header) {
    const k = c.path[0];
    if (k === "version" || k === "key") continue;
    const level = k === "domain" || k === "owner" || k === "classification" ? "feature" : "fix";
    changes.push({
      code: `${String(k)}-changed`,
      level,
      message: `The ${String(k)} changed from ${JSON.stringify(c.before)} to ${JSON.stringify(c.after)}.`,
      path: c.path,
    });
  }
  for (const c of d.settings) {
    const k = String(c.path[0]);
    if (k === "output") continue; // covered above
    const level: ChangeLevel =
      k === "businessKeys" || k === "concurrency" || k === "onFailure" || k === "start" ? "feature" : "fix";
    changes.push({ code: `${k}-changed`, level, message: `Flow setting ${c.path.join(".")} changed.`, path: c.path });
  }
  for (const s of d.steps) {
    if (s.change === "added")
      changes.push({
        code: "step-added",
        level: "feature",
        message: `Step '${s.id}' (${s.type}) was added.`,
        stepId: s.id,
      });
    else if (s.change === "removed")
      changes.push({
        code: "step-removed",
        level: "feature",
        message: `Step '${s.id}' (${s.type}) was removed.`,
        stepId: s.id,
      });
    else {
      const touches = s.changes.some((c) =>
        ["type", "connector", "operation", "event", "flow"].includes(String(c.path[0])),
      );
      const cosmetic = s.changes.every((c) => c.path[0] === "name" || c.path[0] === "description") && !s.movedFrom;
      changes.push({
        code: touches ? "step-target-changed" : cosmetic ? "step-renamed" : "step-changed",
        level: touches || s.movedFrom ? "feature" : "fix",
        message: `Step '${s.id}' changed${s.movedFrom ? ` (moved from ${s.movedFrom} to ${s.movedTo})` : ""}: ${s.changes.map((c) => c.path.join(".") || "(whole)").join(", ") || "position"}.`,
        stepId: s.id,
      });
    }
  }
  if (d.layoutChanged && changes.length === 0)
    changes.push({ code: "layout-changed", level: "fix", message: "Only the layout changed." });
  const breaking = changes.filter((c) => c.level === "breaking");
  return { changes, breaking, bump: semverBump(breaking.length > 0, changes) };
}

/** The bump a set of changes calls for. */
export function semverBump(breaking: boolean, changes: readonly Pick<Change, "level">[]): Bump {
  if (breaking || changes.some((c) => c.level === "breaking")) return "major";
  if (changes.some((c) => c.level === "feature")) return "minor";
  if (changes.length > 0) return "patch";
  return "none";
}

const RANK: Record<Bump, number> = { none: 0, patch: 1, minor: 2, major: 3 };

/** What a version number says about itself relative to the previous one. */
export function versionBump(prev: string, next: string): Bump | "invalid" {
  if (!semver.valid(prev) || !semver.valid(next)) return "invalid";
  if (!semver.gt(next, prev)) return semver.eq(next, prev) ? "none" : "invalid";
  if (semver.major(next) > semver.major(prev)) return "major";
  if (semver.minor(next) > semver.minor(prev)) return "minor";
  return "patch";
}

export interface VersionProposal {
  /** The bump the changes require. */
  required: Bump;
  /** prev.version bumped by `required` (prev.version when nothing changed). */
  version: string;
  /** The bump next.version declares. */
  declared: Bump | "invalid";
  /** next.version is at least the proposed version. */
  ok: boolean;
  report: BreakingReport;
}

/** Proposes next's version from prev's, and says whether the version next declares is enough. */
export function proposeVersion(prev: Flow, next: Flow): VersionProposal {
  const report = detectBreakingChanges(prev, next);
  const required = report.bump;
  const base = semver.valid(prev.version) ?? "0.0.0";
  const version = required === "none" ? base : (semver.inc(base, required) ?? base);
  const declared = versionBump(base, next.version);
  const ok = declared !== "invalid" && RANK[declared] >= RANK[required] && (required === "none" || declared !== "none");
  return { required, version, declared, ok, report };
}
