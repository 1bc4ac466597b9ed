// What both importers (n8n, Step Functions) share: the report, step ids, the flow header, placeholders and
// JSONata literals. Pure: no I/O, so the CLI and the browser convert the same way.
import {
  PLACEHOLDER_CONNECTOR,
  RESERVED_STEP_IDS,
  validate,
  type CallStep,
  type Flow,
  type Step,
  type Trigger,
} from "../dsl";
import type { Classification, Domain } from "../dsl";

export type ConvertSource = "n8n" | "asl";

/** How one source node/state came across. */
export type EntryStatus =
  /** Became Weft steps with the same meaning. */
  | "converted"
  /** Became Weft steps whose meaning differs somewhere; `notes` say where. */
  | "approximated"
  /** Became a placeholder step (fails validation until replaced). */
  | "placeholder"
  /** Left out on purpose (disabled, a second trigger, a sticky note); `notes` say why. */
  | "skipped";

export interface ReportEntry {
  /** The node's name (n8n) or the state's name (ASL). */
  source: string;
  /** The node type (`n8n-nodes-base.httpRequest`) or state type (`Task`). */
  sourceType: string;
  status: EntryStatus;
  /** The step it became (where to look on the canvas); "trigger" for a trigger. */
  stepId?: string;
  /** What it became, in a few words ("call http.request", "switch"). */
  became?: string;
  notes: string[];
}

/** A connection the converted flow names and someone must create in Weft (the source's secrets stay there). */
export interface ConnectionToCreate {
  key: string;
  connector: string;
  /** How it authenticates, in the connector's preset words ("basic", "bearer", "apiKey", …), if known. */
  auth?: string;
  /** What it stands for in the source (an n8n credential name, an EventBridge connection ARN). */
  from: string;
  steps: string[];
}

export interface ConversionReport {
  source: ConvertSource;
  name: string;
  entries: ReportEntry[];
  /** Notes about the whole flow (semantics that differ everywhere, settings without an equivalent). */
  notes: string[];
  connections: ConnectionToCreate[];
  /** Pinned data of the source, by step id (or "trigger"): samples for the designer's test runs. */
  pinned: Record<string, unknown>;
  /** Nodes/states converted without a placeholder / all nodes/states considered (skipped ones excluded). */
  converted: number;
  total: number;
}

export interface ConvertResult {
  flow: Flow;
  report: ConversionReport;
}

export interface ConvertOptions {
  /** Flow name (default: the source's name, or the state machine's Comment). */
  name?: string;
  /** Flow key (default: from the name). */
  key?: string;
  domain?: Domain;
  owner?: string;
  classification?: Classification;
}

/** A step id from a source name: letters, digits and _, unique, never reserved. */
export class StepIds {
  private readonly used = new Set<string>(["trigger"]);
  take(name: string): string {
    let base = name
      .normalize("NFKD")
      .replace(/[^\w\s-]/g, "")
      .trim()
      .split(/[\s_-]+/)
      .filter(Boolean)
      .map((w, i) =>
        i > 0
          ? w.charAt(0).toUpperCase() + w.slice(1)
          : w === w.toUpperCase()
            ? w.toLowerCase()
            : w.charAt(0).toLowerCase() + w.slice(1),
      )
      .join("")
      .replace(/\W/g, "");
    if (!base) base = "step";
    if (/^\d/.test(base)) base = `s${base}`;
    base = base.slice(0, 56);
    let id = base;
    for (let n = 2; this.used.has(id) || RESERVED_STEP_IDS.has(id); n++) id = `${base}${n}`;
    this.used.add(id);
    return id;
  }
}

/** A flow key from a name: lower-case words joined by "-" (2–64 characters). */
export function flowKeyFrom(name: string): string {
  const key = name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .replace(/^(\d)/, "f-$1")
    .slice(0, 60)
    .replace(/-+$/, "");
  return key.length >= 2 ? key : "imported-flow";
}

export function header(name: string, description: string, trigger: Trigger, opts: ConvertOptions): Omit<Flow, "steps"> {
  return {
    dsl: "weft/1",
    key: opts.key ?? flowKeyFrom(name),
    version: "0.1.0",
    name: name.slice(0, 200) || "Imported flow",
    description: description.slice(0, 4000),
    domain: opts.domain ?? "reporting",
    owner: opts.owner ?? "platform",
    classification: opts.classification ?? "internal",
    tags: ["imported"],
    trigger,
  };
}

/** A placeholder step: a call the validator refuses (`placeholder-step`) with `todo` as its message. */
export function placeholder(id: string, name: string, todo: string, input?: Record<string, string>): CallStep {
  return {
    id,
    type: "call",
    name: name.slice(0, 200),
    description: todo.slice(0, 4000),
    connector: PLACEHOLDER_CONNECTOR,
    operation: "rewrite",
    connection: PLACEHOLDER_CONNECTOR,
    ...(input && Object.keys(input).length ? { input } : {}),
  };
}

/** A JSON value as a JSONata literal (JSON is JSONata, apart from strings, which JSON.stringify quotes safely). */
export function literal(v: unknown): string {
  if (v === undefined) return "null";
  return JSON.stringify(v);
}

/** A JSONata path step: a name, back-quoted when it is not a plain identifier. */
export function pathName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) &&
    !["and", "or", "in", "true", "false", "null", "function"].includes(name)
    ? name
    : `\`${name.replace(/`/g, "")}\``;
}

/** `base` with `.a.b` appended; a base that is not a plain path is parenthesised. */
export function appendPath(base: string, names: (string | number)[]): string {
  if (names.length === 0) return base;
  const plain = /^\$?[A-Za-z_][\w]*(?:\.(?:[A-Za-z_]\w*|`[^`]*`)|\[\d+\])*$/.test(base);
  let out = plain ? base : `(${base})`;
  for (const n of names) out += typeof n === "number" ? `[${n}]` : `.${pathName(n)}`;
  return out;
}

/** Seconds as a Weft duration ("90s"). */
export function seconds(n: number): string {
  return Number.isInteger(n) ? `${n}s` : `${Math.max(100, Math.round(n * 1000))}ms`;
}

/** Counts and builds the report. */
export function finishReport(r: Omit<ConversionReport, "converted" | "total">): ConversionReport {
  const counted = r.entries.filter((e) => e.status !== "skipped");
  return { ...r, total: counted.length, converted: counted.filter((e) => e.status !== "placeholder").length };
}

/** Depth-first steps of a scope list (for collecting ids). */
export function allSteps(steps: Step[]): Step[] {
  const out: Step[] = [];
  for (const s of steps) {
    out.push(s);
    if (s.type === "foreach") out.push(...allSteps(s.body.steps));
    if (s.type === "parallel") for (const b of s.branches) out.push(...allSteps(b.steps));
  }
  return out;
}

/**
 * What the converter could not make valid is reported, never left for the designer to discover: every
 * validation error other than a placeholder becomes a note (and "approximated") on the entry of the source
 * node/state whose step it names, or a flow note. (No catalog here; the CLI and the designer validate
 * against theirs as well.)
 */
export function reportValidation(flow: Flow, entries: ReportEntry[], flowNotes: string[]): ReportEntry[] {
  const byStep = new Map(entries.filter((e) => e.stepId).map((e) => [e.stepId!, e]));
  for (const p of validate(flow).problems) {
    if (p.severity !== "error" || p.code === "placeholder-step") continue;
    // Derived steps (`<state>Output`, `<node>Branches`) report on the entry they came from.
    const e = p.stepId
      ? (byStep.get(p.stepId) ?? [...byStep.entries()].find(([id]) => p.stepId!.startsWith(id))?.[1])
      : undefined;
    const text = `Fix in the designer: ${p.message} (${p.code})`;
    if (!e) {
      if (!flowNotes.includes(text)) flowNotes.push(text);
      continue;
    }
    if (!e.notes.includes(text)) e.notes.push(text);
    if (e.status === "converted") e.status = "approximated";
  }
  return entries;
}
