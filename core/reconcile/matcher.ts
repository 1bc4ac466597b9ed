// The streaming matcher: a sorted-merge join over 2 or 3 record streams, each sorted by its normalised key
// (compareKeys order). One pass; it holds only the current key group plus one look-ahead record per side,
// and exposes that count (`stats`) so tests and the runtime can prove it stays bounded. It can emit
// checkpoints (last key completed + running totals) and resume from one with the same final result.
import { DomainError } from "../domain-error";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { canonicalJson } from "../dsl/hash";
import { abs, add, cmp, formatDec, max, mulInt, parseDec, shift, sub, ZERO, type Dec } from "./decimal";
import { compareKeys, getPath, normaliseText, recordKey } from "./keys";
import { ReconDefinition, type Operand, type ReconDefinitionInput, type Rule, type Side } from "./schema";

export type Scalar = string | number | boolean | null;

export interface Difference {
  rule: string;
  type: Rule["type"];
  a: { side: string; value: Scalar };
  b: { side: string; value: Scalar };
  /** Why it breaks: the difference (money, hours, days) or what was unreadable. */
  detail: string;
}

export type KeyStatus = "matched" | "mismatched" | "missing" | "duplicate";

export interface KeyOutcome {
  kind: "key";
  key: string;
  /** duplicate (a one-row side has several rows) > missing > mismatched > matched. */
  status: KeyStatus;
  missingOn: string[];
  duplicateOn: string[];
  /** Broken rules between sides that are present. */
  differences: Difference[];
  rows: Record<string, number>;
  /** Record ids per side (the side's `id` path), at most MAX_IDS each. */
  ids: Record<string, string[]>;
  moneyAtStake: string;
  hoursAtStake: string;
}

/** A record whose key is missing or empty after normalisation: it can match nothing. */
export interface UnkeyedOutcome {
  kind: "unkeyed";
  side: string;
  id: string | null;
}

export type Outcome = KeyOutcome | UnkeyedOutcome;

export interface Totals {
  keys: number;
  matched: number;
  mismatched: number;
  missing: number;
  duplicate: number;
  unkeyed: number;
  /** Records outside the period or a side's `where` scope (dropped). */
  outOfScope: number;
  /** In-scope keyed records read per side. */
  records: Record<string, number>;
  missingOn: Record<string, number>;
  /** Breaks per rule id (a key counts once per rule it breaks). */
  byRule: Record<string, number>;
  /** Exact decimal. */
  moneyAtStake: string;
  /** Exact decimal minutes (hours are derived for display: minutes need not divide into a decimal). */
  minutesAtStake: string;
}

export interface Checkpoint {
  /** The definition the checkpoint was taken with (definitionHash): resuming under another one is refused. */
  definition: string;
  /** The last key whose group is complete and counted. */
  lastKey: string;
  totals: Totals;
}

export type MatchEvent =
  | { type: "outcome"; outcome: Outcome }
  | { type: "checkpoint"; checkpoint: Checkpoint }
  | { type: "done"; totals: Totals; summary: Summary; checkpoint: Checkpoint | null };

export interface Summary {
  matchRate: number;
  breaks: number;
  moneyAtStake: string;
  hoursAtStake: string;
}

export interface MatchStats {
  /** Records held right now (look-ahead + current group). */
  buffered: number;
  maxBuffered: number;
  /** Records read from the sources, including skipped ones when resuming. */
  read: number;
}

export interface MatchOptions {
  /** Emit a checkpoint after every n key groups (0: only at the end). */
  checkpointEvery?: number;
  resumeFrom?: Checkpoint;
  /** Filled while matching. */
  stats?: MatchStats;
}

const MAX_IDS = 100;

export type Sources = Record<string, AsyncIterable<unknown> | Iterable<unknown>>;

export function newStats(): MatchStats {
  return { buffered: 0, maxBuffered: 0, read: 0 };
}

export function emptyTotals(def: ReconDefinition): Totals {
  const perSide = () => Object.fromEntries(def.sides.map((s) => [s.name, 0]));
  return {
    keys: 0,
    matched: 0,
    mismatched: 0,
    missing: 0,
    duplicate: 0,
    unkeyed: 0,
    outOfScope: 0,
    records: perSide(),
    missingOn: perSide(),
    byRule: Object.fromEntries(def.rules.map((r) => [r.id, 0])),
    moneyAtStake: "0",
    minutesAtStake: "0",
  };
}

/** Hours from exact minutes, rounded half away from zero to 4 places (display only). */
export function hoursFromMinutes(minutes: string): string {
  const d = parseDec(minutes) ?? ZERO;
  const den = 60n * 10n ** BigInt(d.scale);
  const num = d.units * 10000n;
  const neg = num < 0n;
  const q = ((neg ? -num : num) * 2n + den) / (2n * den);
  return formatDec({ units: neg ? -q : q, scale: 4 });
}

export function summarise(t: Totals): Summary {
  return {
    matchRate: t.keys === 0 ? 1 : t.matched / t.keys,
    breaks: t.mismatched + t.missing + t.duplicate + t.unkeyed,
    moneyAtStake: t.moneyAtStake,
    hoursAtStake: hoursFromMinutes(t.minutesAtStake),
  };
}

// ---------------------------------------------------------------------------------------------------
// Values

interface MoneyValue {
  dec: Dec;
  currency: string | null;
}

function scalar(v: unknown): Scalar {
  if (v === undefined || v === null) return null;
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (typeof v === "bigint") return v.toString();
  return JSON.stringify(v);
}

/** A money operand: a decimal string/number, or canonical Money {amount, currency}. */
function readMoney(record: unknown, op: Operand): MoneyValue | null {
  let raw = getPath(record, op.path);
  let currency: string | null = null;
  if (raw !== null && typeof raw === "object" && "amount" in raw) {
    const m = raw as { amount: unknown; currency?: unknown };
    currency = typeof m.currency === "string" ? m.currency : null;
    raw = m.amount;
  }
  const dec = parseDec(raw);
  if (!dec) return null;
  return { dec: op.unit === "cents" ? shift(dec, 2) : dec, currency };
}

/** An hours operand, as exact minutes. */
function readMinutes(record: unknown, op: Operand): Dec | null {
  const dec = parseDec(getPath(record, op.path));
  if (!dec) return null;
  return op.unit === "minutes" ? dec : mulInt(dec, 60);
}

function sumMoney(rows: unknown[], op: Operand): MoneyValue | string {
  let total = ZERO;
  let currency: string | null = null;
  for (const row of rows) {
    const v = readMoney(row, op);
    if (!v) return `${op.side}.${op.path} is not a number`;
    if (v.currency && currency && v.currency !== currency)
      return `${op.side} mixes currencies ${currency} and ${v.currency}`;
    currency ??= v.currency;
    total = add(total, v.dec);
  }
  return { dec: total, currency };
}

function sumMinutes(rows: unknown[], op: Operand): Dec | string {
  let total = ZERO;
  for (const row of rows) {
    const v = readMinutes(row, op);
    if (!v) return `${op.side}.${op.path} is not a number`;
    total = add(total, v);
  }
  return total;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})/;

/** Days since the epoch of the calendar date a value starts with (YYYY-MM-DD…), or null. */
function dayNumber(v: unknown): number | null {
  if (typeof v !== "string") return null;
  const m = DATE.exec(v);
  if (!m) return null;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = new Date(t);
  if (d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) return null;
  return t / 86_400_000;
}

// ---------------------------------------------------------------------------------------------------
// One key group

interface Compiled {
  def: ReconDefinition;
  sides: Side[];
  tolerances: Map<string, Dec>;
}

function compile(def: ReconDefinition): Compiled {
  const tolerances = new Map<string, Dec>();
  for (const r of def.rules) {
    if (r.type === "money") tolerances.set(r.id, parseDec(r.tolerance)!);
    if (r.type === "hours") tolerances.set(r.id, mulInt(parseDec(r.tolerance)!, 60));
  }
  return { def, sides: def.sides, tolerances };
}

function checkRule(c: Compiled, rule: Rule, rowsA: unknown[], rowsB: unknown[]): Difference | null {
  const base = { rule: rule.id, type: rule.type };
  const side = (o: Operand, value: Scalar) => ({ side: o.side, value });
  switch (rule.type) {
    case "money": {
      const a = sumMoney(rowsA, rule.a);
      const b = sumMoney(rowsB, rule.b);
      if (typeof a === "string" || typeof b === "string") {
        const av = typeof a === "string" ? scalar(getPath(rowsA[0], rule.a.path)) : formatDec(a.dec);
        const bv = typeof b === "string" ? scalar(getPath(rowsB[0], rule.b.path)) : formatDec(b.dec);
        return { ...base, a: side(rule.a, av), b: side(rule.b, bv), detail: typeof a === "string" ? a : (b as string) };
      }
      if (a.currency && b.currency && a.currency !== b.currency)
        return {
          ...base,
          a: side(rule.a, `${formatDec(a.dec)} ${a.currency}`),
          b: side(rule.b, `${formatDec(b.dec)} ${b.currency}`),
          detail: "currencies differ",
        };
      const diff = sub(a.dec, b.dec);
      if (cmp(abs(diff), c.tolerances.get(rule.id)!) <= 0) return null;
      return {
        ...base,
        a: side(rule.a, formatDec(a.dec)),
        b: side(rule.b, formatDec(b.dec)),
        detail: `differs by ${formatDec(diff)}`,
      };
    }
    case "hours": {
      const a = sumMinutes(rowsA, rule.a);
      const b = sumMinutes(rowsB, rule.b);
      if (typeof a === "string" || typeof b === "string") {
        const av = typeof a === "string" ? scalar(getPath(rowsA[0], rule.a.path)) : hoursFromMinutes(formatDec(a));
        const bv = typeof b === "string" ? scalar(getPath(rowsB[0], rule.b.path)) : hoursFromMinutes(formatDec(b));
        return { ...base, a: side(rule.a, av), b: side(rule.b, bv), detail: typeof a === "string" ? a : (b as string) };
      }
      const diff = sub(a, b);
      if (cmp(abs(diff), c.tolerances.get(rule.id)!) <= 0) return null;
      return {
        ...base,
        a: side(rule.a, hoursFromMinutes(formatDec(a))),
        b: side(rule.b, hoursFromMinutes(formatDec(b))),
        detail: `differs by ${hoursFromMinutes(formatDec(diff))} h`,
      };
    }
    case "date": {
      const av = getPath(rowsA[0], rule.a.path);
      const bv = getPath(rowsB[0], rule.b.path);
      const a = dayNumber(av);
      const b = dayNumber(bv);
      if (a === null || b === null)
        return { ...base, a: side(rule.a, scalar(av)), b: side(rule.b, scalar(bv)), detail: "not a date (YYYY-MM-DD)" };
      const days = Math.abs(a - b);
      if (days <= rule.withinDays) return null;
      return { ...base, a: side(rule.a, scalar(av)), b: side(rule.b, scalar(bv)), detail: `${days} days apart` };
    }
    case "equal": {
      const av = scalar(getPath(rowsA[0], rule.a.path));
      const bv = scalar(getPath(rowsB[0], rule.b.path));
      // Other scalars compare as their text, normalised too: a map can then equate a flag with a code
      // (Kantata's disabled: false with Workday's Active_Status "1").
      const norm = (v: Scalar) =>
        v === null || v === "" ? null : normaliseText(String(v), rule.normalise, c.def.maps);
      const na = norm(av);
      const nb = norm(bv);
      if (na === nb) return null;
      return { ...base, a: side(rule.a, av), b: side(rule.b, bv), detail: "values differ" };
    }
  }
}

/** The side's impact value summed over its rows; null when the side has no impact operand or a value is unreadable. */
function impactOf(c: Compiled, kind: "money" | "hours", side: string, rows: unknown[]): Dec | null {
  const op = c.def.impact[kind]?.find((o) => o.side === side);
  if (!op) return null;
  let total = ZERO;
  for (const row of rows) {
    const v = kind === "money" ? readMoney(row, op)?.dec : readMinutes(row, op);
    if (!v) return null;
    total = add(total, v);
  }
  return total;
}

/**
 * What a break puts at stake: a missing or duplicated record's whole value; for a mismatch the spread
 * between the sides when the impact field itself differs (an amount off by 0.02 stakes 0.02), else the
 * whole value (a renamed customer's invoice is unreconciled in full).
 */
function stake(c: Compiled, kind: "money" | "hours", status: KeyStatus, groups: Map<string, unknown[]>): Dec {
  if (status === "matched") return ZERO;
  const values: Dec[] = [];
  for (const [side, rows] of groups) {
    if (rows.length === 0) continue;
    const v = impactOf(c, kind, side, rows);
    if (v) values.push(v);
  }
  if (values.length === 0) return ZERO;
  let hi = values[0]!;
  let lo = values[0]!;
  let big = abs(values[0]!);
  for (const v of values) {
    hi = max(hi, v);
    if (cmp(v, lo) < 0) lo = v;
    big = max(big, abs(v));
  }
  if (status === "mismatched") {
    const spread = sub(hi, lo);
    if (spread.units !== 0n) return spread;
  }
  return big;
}

function evaluate(
  c: Compiled,
  key: string,
  groups: Map<string, unknown[]>,
): { outcome: KeyOutcome; money: Dec; minutes: Dec } {
  const missingOn: string[] = [];
  const duplicateOn: string[] = [];
  const rows: Record<string, number> = {};
  const ids: Record<string, string[]> = {};
  for (const s of c.sides) {
    const g = groups.get(s.name)!;
    rows[s.name] = g.length;
    if (g.length === 0) missingOn.push(s.name);
    if (g.length > 1 && !s.many) duplicateOn.push(s.name);
    if (s.id) {
      const list: string[] = [];
      for (let i = 0; i < g.length && list.length < MAX_IDS; i++) {
        const id = scalar(getPath(g[i], s.id));
        if (id !== null) list.push(String(id));
      }
      ids[s.name] = list;
    }
  }
  const differences: Difference[] = [];
  if (duplicateOn.length === 0) {
    for (const rule of c.def.rules) {
      const a = groups.get(rule.a.side)!;
      const b = groups.get(rule.b.side)!;
      if (a.length === 0 || b.length === 0) continue;
      const d = checkRule(c, rule, a, b);
      if (d) differences.push(d);
    }
  }
  const status: KeyStatus = duplicateOn.length
    ? "duplicate"
    : missingOn.length
      ? "missing"
      : differences.length
        ? "mismatched"
        : "matched";
  const money = stake(c, "money", status, groups);
  const minutes = stake(c, "hours", status, groups);
  const outcome: KeyOutcome = {
    kind: "key",
    key,
    status,
    missingOn,
    duplicateOn,
    differences,
    rows,
    ids,
    moneyAtStake: formatDec(money),
    hoursAtStake: hoursFromMinutes(formatDec(minutes)),
  };
  return { outcome, money, minutes };
}

// ---------------------------------------------------------------------------------------------------
// The merge

interface Head {
  key: string;
  record: unknown;
}

class SideReader {
  private readonly it: Iterator<unknown> | AsyncIterator<unknown>;
  head: Head | null = null;
  private prevKey: string | null = null;
  private skippingUntilAfter: string | null;

  constructor(
    private readonly c: Compiled,
    readonly side: Side,
    source: AsyncIterable<unknown> | Iterable<unknown>,
    resumeAfter: string | null,
    private readonly stats: MatchStats,
    private readonly totals: Totals,
  ) {
    this.it =
      Symbol.asyncIterator in source
        ? source[Symbol.asyncIterator]()
        : (source as Iterable<unknown>)[Symbol.iterator]();
    this.skippingUntilAfter = resumeAfter;
  }

  /** In the period and the side's `where` scope. */
  private inScope(record: unknown): boolean {
    for (const cond of this.side.where) {
      const v = scalar(getPath(record, cond.path));
      if (v === null || !cond.in.some((x) => String(x) === String(v))) return false;
    }
    const period = this.c.def.period;
    if (!period || !this.side.date) return true;
    const v = getPath(record, this.side.date);
    const day = typeof v === "string" ? v.slice(0, 10) : null;
    return day !== null && day >= period.from && day <= period.to;
  }

  /**
   * Moves the look-ahead to the next in-scope keyed record (or the end), counting out-of-scope and
   * unkeyed records on the way into `loose`. When resuming, everything up to the first key after the
   * checkpoint was counted before and is skipped.
   */
  async advance(loose: Outcome[]): Promise<void> {
    this.head = null;
    for (;;) {
      const next = await this.it.next();
      if (next.done) return;
      this.stats.read++;
      const record = next.value;
      const skipping = this.skippingUntilAfter !== null;
      if (!this.inScope(record)) {
        if (!skipping) this.totals.outOfScope++;
        continue;
      }
      const key = recordKey(this.side, record, this.c.def.maps);
      if (key === null) {
        if (!skipping) {
          this.totals.unkeyed++;
          loose.push({
            kind: "unkeyed",
            side: this.side.name,
            id: this.side.id ? String(scalar(getPath(record, this.side.id))) : null,
          });
        }
        continue;
      }
      if (this.prevKey !== null && compareKeys(key, this.prevKey) < 0)
        throw new DomainError(
          "invalid",
          `Side "${this.side.name}" is not sorted by its normalised key: "${key}" comes after "${this.prevKey}".`,
          { field: `sides.${this.side.name}` },
        );
      this.prevKey = key;
      if (skipping) {
        if (compareKeys(key, this.skippingUntilAfter!) <= 0) continue;
        this.skippingUntilAfter = null;
      }
      this.head = { key, record };
      this.stats.buffered++;
      if (this.stats.buffered > this.stats.maxBuffered) this.stats.maxBuffered = this.stats.buffered;
      return;
    }
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}

/** "sha256:<hex>" of the parsed definition's canonical JSON (defaults filled in, so spelling them out hashes alike). */
export function definitionHash(def: ReconDefinition): string {
  return `sha256:${bytesToHex(sha256(utf8ToBytes(canonicalJson(def))))}`;
}

/** Parses a definition, throwing a DomainError that names the field at fault. */
export function parseDefinition(def: ReconDefinition | ReconDefinitionInput): ReconDefinition {
  const parsed = ReconDefinition.safeParse(def);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join(".");
    throw new DomainError("invalid", `Reconciliation definition: ${field ? `${field}: ` : ""}${issue.message}`, {
      field: field || undefined,
    });
  }
  return parsed.data;
}

/**
 * Matches the sources (one per side, by side name), each sorted by normalised key in compareKeys order.
 * Yields every key's outcome (matched ones too), unkeyed records, checkpoints, and finally `done`.
 * Breaking out of the loop closes the sources.
 */
export async function* matchStreams(
  definition: ReconDefinition | ReconDefinitionInput,
  sources: Sources,
  options: MatchOptions = {},
): AsyncGenerator<MatchEvent, void, undefined> {
  const def = parseDefinition(definition);
  const c = compile(def);
  for (const s of def.sides)
    if (!(s.name in sources))
      throw new DomainError("invalid", `No records given for side "${s.name}".`, { field: `sides.${s.name}` });
  const stats = options.stats ?? newStats();
  const resume = options.resumeFrom ?? null;
  const hash = definitionHash(def);
  if (resume && resume.definition !== hash)
    throw new DomainError(
      "conflict",
      "The checkpoint was taken with a different version of this reconciliation; start the run again.",
      {
        field: "resumeFrom",
      },
    );
  const totals: Totals = resume ? structuredClone(resume.totals) : emptyTotals(def);
  let money = parseDec(totals.moneyAtStake) ?? ZERO;
  let minutes = parseDec(totals.minutesAtStake) ?? ZERO;
  const every = options.checkpointEvery ?? 0;
  let lastKey: string | null = resume?.lastKey ?? null;
  const readers = def.sides.map((s) => new SideReader(c, s, sources[s.name]!, resume?.lastKey ?? null, stats, totals));
  const snapshot = (): Checkpoint | null =>
    lastKey === null
      ? null
      : {
          definition: hash,
          lastKey,
          totals: structuredClone({ ...totals, moneyAtStake: formatDec(money), minutesAtStake: formatDec(minutes) }),
        };
  try {
    const loose: Outcome[] = [];
    for (const r of readers) await r.advance(loose);
    let sinceCheckpoint = 0;
    for (;;) {
      for (const o of loose) yield { type: "outcome", outcome: o };
      loose.length = 0;
      let key: string | null = null;
      for (const r of readers) if (r.head && (key === null || compareKeys(r.head.key, key) < 0)) key = r.head.key;
      if (key === null) break;
      const groups = new Map<string, unknown[]>();
      let held = 0;
      for (const r of readers) {
        const rows: unknown[] = [];
        while (r.head && r.head.key === key) {
          rows.push(r.head.record);
          held++;
          totals.records[r.side.name]!++;
          await r.advance(loose);
        }
        groups.set(r.side.name, rows);
      }
      const { outcome, money: moneyStake, minutes: minutesStake } = evaluate(c, key, groups);
      groups.clear();
      stats.buffered -= held;
      totals.keys++;
      totals[outcome.status]++;
      for (const s of outcome.missingOn) totals.missingOn[s]!++;
      for (const d of outcome.differences) totals.byRule[d.rule] = (totals.byRule[d.rule] ?? 0) + 1;
      money = add(money, moneyStake);
      minutes = add(minutes, minutesStake);
      lastKey = key;
      // Unkeyed records read while collecting this group belong before the checkpoint (they are skipped on resume).
      for (const o of loose) yield { type: "outcome", outcome: o };
      loose.length = 0;
      yield { type: "outcome", outcome };
      if (every > 0 && ++sinceCheckpoint >= every) {
        sinceCheckpoint = 0;
        yield { type: "checkpoint", checkpoint: snapshot()! };
      }
    }
    const final = { ...totals, moneyAtStake: formatDec(money), minutesAtStake: formatDec(minutes) };
    yield { type: "done", totals: final, summary: summarise(final), checkpoint: snapshot() };
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}
