// The reconcile step editor's edits as pure `(step, …) → step` functions (like ../edits.ts): the inspector
// hands each result to onChange. Types come from the schemas (core/reconcile/schema.ts, core/dsl/schema.ts);
// the definition is edited in its input form (defaults may be absent) because a draft is stored as written.
import type { ReconSource, StepConfig } from "@/core/dsl";
import type { ReconDefinitionInput } from "@/core/reconcile";
import type { JsonSchema } from "../mapper/types";

export type ReconStep = Extract<StepConfig, { type: "reconcile" }>;
export type Def = ReconDefinitionInput;
export type SideDef = Def["sides"][number];
export type RuleDef = NonNullable<Def["rules"]>[number];
export type RuleType = RuleDef["type"];
export type OperandDef = RuleDef["a"];
export type NormaliseDef = NonNullable<SideDef["normalise"]>;
export type ImpactDef = NonNullable<Def["impact"]>;
export type SqlSource = Extract<ReconSource, { sql: string }>;
export type OperationSource = Extract<ReconSource, { connector: string }>;
export type SourceKind = "sql" | "operation";

export const RULE_TYPES: readonly RuleType[] = ["equal", "money", "hours", "date"];
export const MAX_KEY_PATHS = 4;
export const MAX_SIDES = 3;
export const MIN_SIDES = 2;

/** The step's definition as the editor reads it: missing lists are empty (a palette template may be partial). */
export function definitionOf(step: ReconStep): Def {
  const d = (step.definition ?? {}) as Partial<Def>;
  return { ...d, key: d.key ?? "", name: d.name ?? "", sides: d.sides ?? [], rules: d.rules ?? [] } as Def;
}

export function setDefinition(step: ReconStep, def: Def): ReconStep {
  return { ...step, definition: def as unknown as Record<string, unknown> };
}

const patchDef = (step: ReconStep, f: (d: Def) => Def) => setDefinition(step, f(definitionOf(step)));

/** Sets (or, with an empty value, removes) one top-level text field of the definition. */
export function setDefinitionField(step: ReconStep, field: "key" | "name", value: string): ReconStep {
  return patchDef(step, (d) => ({ ...d, [field]: value }));
}

/** The period in scope: both dates, or none (the schema wants both). */
export function setPeriod(step: ReconStep, period: { from: string; to: string } | undefined): ReconStep {
  return patchDef(step, (d) => {
    const { period: _drop, ...rest } = d;
    return period ? { ...rest, period } : rest;
  });
}

export function setCurrency(step: ReconStep, currency: string): ReconStep {
  return patchDef(step, (d) => {
    const { currency: _drop, ...impact } = d.impact ?? {};
    const c = currency.trim().toUpperCase();
    return { ...d, impact: c ? { ...impact, currency: c } : impact };
  });
}

// ---------------------------------------------------------------------------------------------------
// Sides and their sources

/** A side name not used yet: the first free of erp, psa, crm…, else sideN. */
export function freeSideName(def: Def): string {
  const used = new Set(def.sides.map((s) => s.name));
  for (const n of ["left", "right", "third"]) if (!used.has(n)) return n;
  let i = def.sides.length + 1;
  while (used.has(`side${i}`)) i++;
  return `side${i}`;
}

export function addSide(step: ReconStep): ReconStep {
  const def = definitionOf(step);
  if (def.sides.length >= MAX_SIDES) return step;
  return setDefinition(step, { ...def, sides: [...def.sides, { name: freeSideName(def), key: ["id"] }] });
}

/** Removes a side with its source and every impact operand on it (rules naming it stay, flagged by validation). */
export function removeSide(step: ReconStep, index: number): ReconStep {
  const def = definitionOf(step);
  const name = def.sides[index]?.name;
  if (name === undefined) return step;
  const { [name]: _drop, ...sources } = step.sources ?? {};
  const impact = def.impact ? withImpactOperands(def.impact, (ops) => ops.filter((o) => o.side !== name)) : undefined;
  return {
    ...setDefinition(step, {
      ...def,
      sides: def.sides.filter((_, i) => i !== index),
      ...(impact ? { impact } : {}),
    }),
    sources,
  };
}

function withImpactOperands(impact: ImpactDef, f: (ops: OperandDef[]) => OperandDef[]): ImpactDef {
  const out: ImpactDef = { ...impact };
  for (const kind of ["money", "hours"] as const) {
    const ops = impact[kind];
    if (!ops) continue;
    const next = f(ops);
    if (next.length) out[kind] = next;
    else delete out[kind];
  }
  return out;
}

/** Renames a side everywhere it is named: its source, rule operands and impact operands. */
export function renameSide(step: ReconStep, index: number, name: string): ReconStep {
  const def = definitionOf(step);
  const old = def.sides[index]?.name;
  if (old === undefined || old === name) return step;
  const re = (o: OperandDef): OperandDef => (o.side === old ? { ...o, side: name } : o);
  const sources: Record<string, ReconSource> = {};
  for (const [k, v] of Object.entries(step.sources ?? {})) sources[k === old ? name : k] = v;
  const next: Def = {
    ...def,
    sides: def.sides.map((s, i) => (i === index ? { ...s, name } : s)),
    rules: (def.rules ?? []).map((r) => ({ ...r, a: re(r.a), b: re(r.b) })),
    ...(def.impact ? { impact: withImpactOperands(def.impact, (ops) => ops.map(re)) } : {}),
  };
  return { ...setDefinition(step, next), sources };
}

/** Merges `patch` into side `index`; undefined values remove the field (optional paths left blank). */
export function setSide(step: ReconStep, index: number, patch: Partial<SideDef>): ReconStep {
  return patchDef(step, (d) => ({
    ...d,
    sides: d.sides.map((s, i) => (i === index ? dropUndefined({ ...s, ...patch }) : s)),
  }));
}

export function setSideNormalise(step: ReconStep, index: number, patch: Partial<NormaliseDef>): ReconStep {
  const side = definitionOf(step).sides[index];
  if (!side) return step;
  return setSide(step, index, { normalise: dropUndefined({ ...side.normalise, ...patch }) });
}

/** Key paths: blank entries are kept while typing (validation names them), at most four. */
export function setKeyPath(step: ReconStep, index: number, at: number, path: string): ReconStep {
  const side = definitionOf(step).sides[index];
  if (!side) return step;
  return setSide(step, index, { key: side.key.map((k, i) => (i === at ? path : k)) });
}
export function addKeyPath(step: ReconStep, index: number): ReconStep {
  const side = definitionOf(step).sides[index];
  if (!side || side.key.length >= MAX_KEY_PATHS) return step;
  return setSide(step, index, { key: [...side.key, ""] });
}
export function removeKeyPath(step: ReconStep, index: number, at: number): ReconStep {
  const side = definitionOf(step).sides[index];
  if (!side || side.key.length <= 1) return step;
  return setSide(step, index, { key: side.key.filter((_, i) => i !== at) });
}

type Where = NonNullable<SideDef["where"]>[number];
/** A `where` filter's values typed as the user wrote them: numbers and true/false become JSON values. */
export function parseWhereValues(text: string): Where["in"] {
  return text
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "")
    .map((v) => (v === "true" ? true : v === "false" ? false : /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v));
}
export const formatWhereValues = (values: Where["in"]) => values.map(String).join(", ");

export function setWhere(step: ReconStep, index: number, where: Where[]): ReconStep {
  return setSide(step, index, { where: where.length ? where : undefined });
}

export function sourceKind(src: ReconSource | undefined): SourceKind | undefined {
  return !src ? undefined : "sql" in src ? "sql" : "operation";
}

/** Switches a side's source between a SQL query and a connector operation, keeping the connection when it fits. */
export function setSourceKind(
  step: ReconStep,
  side: string,
  kind: SourceKind,
  defaults: { sqlConnection?: string; operation?: { connector: string; operation: string; connection: string } },
): ReconStep {
  const cur = step.sources?.[side];
  if (sourceKind(cur) === kind) return step;
  const src: ReconSource =
    kind === "sql"
      ? { connection: defaults.sqlConnection ?? "", sql: "", sortKey: "", idColumn: "" }
      : { connector: "", operation: "", connection: "", ...defaults.operation };
  return setSource(step, side, src);
}

export function setSource(step: ReconStep, side: string, src: ReconSource): ReconStep {
  return { ...step, sources: { ...step.sources, [side]: dropUndefined(src) as ReconSource } };
}

// ---------------------------------------------------------------------------------------------------
// Maps (external-id tables)

export function addMap(step: ReconStep): ReconStep {
  const def = definitionOf(step);
  const maps = def.maps ?? {};
  let i = Object.keys(maps).length + 1;
  while (`map${i}` in maps) i++;
  return setDefinition(step, { ...def, maps: { ...maps, [`map${i}`]: {} } });
}

/** Renames a map and every normalisation that applies it. */
export function renameMap(step: ReconStep, from: string, to: string): ReconStep {
  const def = definitionOf(step);
  if (from === to || !def.maps || !(from in def.maps)) return step;
  const maps = Object.fromEntries(Object.entries(def.maps).map(([k, v]) => [k === from ? to : k, v]));
  const re = <N extends NormaliseDef | undefined>(n: N): N => (n?.map === from ? { ...n, map: to } : n);
  return setDefinition(step, {
    ...def,
    maps,
    sides: def.sides.map((s) => (s.normalise ? { ...s, normalise: re(s.normalise) } : s)),
    rules: (def.rules ?? []).map((r) => (r.type === "equal" && r.normalise ? { ...r, normalise: re(r.normalise) } : r)),
  });
}

/** Removes a map; normalisations that applied it stop applying a map. */
export function removeMap(step: ReconStep, name: string): ReconStep {
  const def = definitionOf(step);
  const { [name]: _drop, ...maps } = def.maps ?? {};
  const re = <N extends NormaliseDef | undefined>(n: N): N => {
    if (n?.map !== name) return n;
    const { map: _m, ...rest } = n;
    return rest as N;
  };
  return setDefinition(step, {
    ...def,
    maps,
    sides: def.sides.map((s) => (s.normalise ? { ...s, normalise: re(s.normalise) } : s)),
    rules: (def.rules ?? []).map((r) => (r.type === "equal" && r.normalise ? { ...r, normalise: re(r.normalise) } : r)),
  });
}

export function setMapRows(step: ReconStep, name: string, rows: ReadonlyArray<readonly [string, string]>): ReconStep {
  const def = definitionOf(step);
  return setDefinition(step, { ...def, maps: { ...def.maps, [name]: Object.fromEntries(rows) } });
}

/**
 * Rows pasted from a spreadsheet: tab- or comma-separated, two columns (from → to), quotes around a cell
 * allowed ("Acme, Inc."). A first row reading from/to (or source/target, key/value) is a header and skipped.
 */
export function parseTable(text: string): Array<[string, string]> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const tab = lines.some((l) => l.includes("\t"));
  const rows = lines.map((l) => splitRow(l, tab ? "\t" : ","));
  const out: Array<[string, string]> = [];
  rows.forEach((r, i) => {
    const [from, to] = [r[0]?.trim() ?? "", r[1]?.trim() ?? ""];
    if (from === "") return;
    if (i === 0 && /^(from|source|key|external[ _-]?id)$/i.test(from) && /^(to|target|value|id)$/i.test(to)) return;
    out.push([from, to]);
  });
  return out;
}

function splitRow(line: string, sep: string): string[] {
  const cells: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur.trim() === "") {
      quoted = true;
      cur = "";
    } else if (c === sep) {
      cells.push(cur);
      cur = "";
    } else cur += c;
  }
  cells.push(cur);
  return cells;
}

/** Pasted rows merged into a table (a pasted from-value replaces its old row). */
export function mergeRows(
  table: Readonly<Record<string, string>>,
  rows: ReadonlyArray<readonly [string, string]>,
): Array<[string, string]> {
  return Object.entries({ ...table, ...Object.fromEntries(rows) });
}

// ---------------------------------------------------------------------------------------------------
// Rules and impact

export function addRule(step: ReconStep, type: RuleType): ReconStep {
  const def = definitionOf(step);
  const rules = def.rules ?? [];
  const ids = new Set(rules.map((r) => r.id));
  let i = rules.length + 1;
  while (ids.has(`${type}${i}`)) i++;
  const [a, b] = [def.sides[0]?.name ?? "", def.sides[1]?.name ?? ""];
  const rule = withType({ id: `${type}${i}`, type: "equal", a: { side: a, path: "" }, b: { side: b, path: "" } }, type);
  return setDefinition(step, { ...def, rules: [...rules, rule] });
}

/** A rule of another type: id and operands kept, the old type's own settings dropped, units that no longer apply too. */
export function withType(rule: RuleDef, type: RuleType): RuleDef {
  const unitFits = (o: OperandDef): OperandDef => {
    const fits = (o.unit === "cents" && type === "money") || (o.unit === "minutes" && type === "hours");
    if (!o.unit || fits) return o;
    const { unit: _u, ...rest } = o;
    return rest;
  };
  const base = { id: rule.id, a: unitFits(rule.a), b: unitFits(rule.b) };
  switch (type) {
    case "equal":
      return { ...base, type };
    case "money":
      return { ...base, type, tolerance: "0.01" };
    case "hours":
      return { ...base, type, tolerance: "0.25" };
    case "date":
      return { ...base, type, withinDays: 0 };
  }
}

export function setRule(step: ReconStep, index: number, rule: RuleDef): ReconStep {
  return patchDef(step, (d) => ({ ...d, rules: (d.rules ?? []).map((r, i) => (i === index ? rule : r)) }));
}

export function setOperand(step: ReconStep, index: number, which: "a" | "b", patch: Partial<OperandDef>): ReconStep {
  const rule = definitionOf(step).rules?.[index];
  if (!rule) return step;
  return setRule(step, index, { ...rule, [which]: dropUndefined({ ...rule[which], ...patch }) } as RuleDef);
}

export function removeRule(step: ReconStep, index: number): ReconStep {
  return patchDef(step, (d) => ({ ...d, rules: (d.rules ?? []).filter((_, i) => i !== index) }));
}

export function moveRule(step: ReconStep, index: number, by: -1 | 1): ReconStep {
  const rules = [...(definitionOf(step).rules ?? [])];
  const j = index + by;
  if (j < 0 || j >= rules.length) return step;
  [rules[index], rules[j]] = [rules[j]!, rules[index]!];
  return patchDef(step, (d) => ({ ...d, rules }));
}

/** The money or hours at stake on one side: a path (and unit), or none (blank path). */
export function setImpactOperand(
  step: ReconStep,
  kind: "money" | "hours",
  side: string,
  patch: { path: string; unit?: OperandDef["unit"] },
): ReconStep {
  return patchDef(step, (d) => {
    const impact = d.impact ?? {};
    const ops = (impact[kind] ?? []).filter((o) => o.side !== side);
    const next = patch.path.trim() ? [...ops, dropUndefined({ side, path: patch.path.trim(), unit: patch.unit })] : ops;
    // Keep the order of the definition's sides (how the page lists them).
    const order = d.sides.map((s) => s.name);
    next.sort((x, y) => order.indexOf(x.side) - order.indexOf(y.side));
    const out: ImpactDef = { ...impact };
    if (next.length) out[kind] = next;
    else delete out[kind];
    return { ...d, impact: out };
  });
}

// ---------------------------------------------------------------------------------------------------
// Re-sync and run settings

/** The variables a re-sync input is evaluated over (core/reconcile/resync.ts resyncContext). */
export function resyncVariables(def: Def): Array<{ path: string; type: string; detail: string }> {
  const vars = [
    { path: "recordKey", type: "string", detail: "The break's normalised key (composite keys joined)" },
    { path: "keyParts", type: "array", detail: "The key's parts, one per key path" },
    { path: "rule", type: "string", detail: "The rule that broke (absent for a missing record)" },
    { path: "reconciliation", type: "string", detail: "This reconciliation's key" },
  ];
  for (const s of def.sides) {
    vars.push({
      path: `ids.${s.name}`,
      type: "array",
      detail: `Ids of the records on ${s.name} (ids.${s.name}[0] is the first)`,
    });
    vars.push({ path: `values.${s.name}`, type: "any", detail: `The value the rule compared on ${s.name}` });
  }
  return vars;
}

export function setResync(step: ReconStep, resync: ReconStep["resync"] | undefined): ReconStep {
  const { resync: _drop, ...rest } = step;
  return resync ? { ...rest, resync: dropUndefined(resync) } : rest;
}

export function setCheckpointEvery(step: ReconStep, text: string): ReconStep {
  const { checkpointEvery: _drop, ...rest } = step;
  const n = Number(text);
  return text.trim() !== "" && Number.isFinite(n) ? { ...rest, checkpointEvery: n } : rest;
}

export function setConcurrencyKey(step: ReconStep, expr: string): ReconStep {
  const { concurrencyKey: _drop, ...rest } = step;
  return expr.trim() ? { ...rest, concurrencyKey: expr } : rest;
}

/** A good first reconcile step from the palette: two sides keyed by id, no sources yet. */
export function reconcileTemplate(): ReconStep {
  return {
    type: "reconcile",
    definition: {
      key: "my-reconciliation",
      name: "My reconciliation",
      sides: [
        { name: "left", key: ["id"] },
        { name: "right", key: ["id"] },
      ],
      rules: [],
    },
    sources: {},
  };
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The id of the datalist of side `index`'s known record fields (rules and impact paths use it too). */
export const sideFieldsListId = (index: number) => `recon-fields-${index}`;

/**
 * The record fields a connector operation's output offers at its `items` path (default "items"): dotted
 * paths of its scalar leaves, for the side's path fields to suggest (three levels deep is plenty).
 */
export function recordFieldsOf(output: JsonSchema | undefined, items = "items"): string[] {
  if (!output) return [];
  const root = output;
  const deref = (s: JsonSchema | JsonSchema[] | undefined): JsonSchema | undefined => {
    if (Array.isArray(s)) return undefined;
    let cur = s;
    for (let i = 0; cur && i < 10; i++) {
      if (cur.$ref?.startsWith("#/$defs/")) cur = root.$defs?.[cur.$ref.slice(8)];
      else if (cur.anyOf) cur = cur.anyOf.find((x) => x.type !== "null") ?? cur.anyOf[0];
      else break;
    }
    return cur;
  };
  let at = deref(output);
  for (const seg of items.split(".").filter(Boolean)) at = deref(at?.properties?.[seg]);
  const record = deref(at?.items);
  const out: string[] = [];
  const walk = (s: JsonSchema | undefined, prefix: string, depth: number) => {
    const d = deref(s);
    if (d?.properties && depth < 3)
      for (const [k, v] of Object.entries(d.properties)) walk(v, prefix ? `${prefix}.${k}` : k, depth + 1);
    else if (prefix) out.push(prefix);
  };
  walk(record, "", 0);
  return out;
}

/**
 * The column names a SQL side's SELECT list names (`a`, `t.b`, `x AS c`, `count(*) AS n`), for the path
 * fields to suggest: only a suggestion (`*` and unaliased expressions name nothing).
 */
export function sqlColumnsOf(sql: string): string[] {
  const m = /^\s*select\s+(?:distinct\s+)?([\s\S]*?)\s+from\s/i.exec(sql);
  if (!m) return [];
  const items: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of m[1]!) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      items.push(cur);
      cur = "";
    } else cur += ch;
  }
  items.push(cur);
  const out: string[] = [];
  for (const item of items) {
    const t = item.trim();
    const alias = /\bas\s+"?([A-Za-z_][A-Za-z0-9_]*)"?$/i.exec(t);
    const plain = /^(?:[A-Za-z_][A-Za-z0-9_]*\.)?"?([A-Za-z_][A-Za-z0-9_]*)"?$/.exec(t);
    const name = alias?.[1] ?? plain?.[1];
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}
