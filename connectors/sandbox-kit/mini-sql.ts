// A small SELECT dialect shared by the Salesforce (SOQL) and NetSuite (SuiteQL) sandboxes:
//   SELECT f1, Rel.f2, … FROM Table [WHERE cond] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], …] [LIMIT n] [OFFSET n]
// cond: comparisons (= != <> < <= > >=), LIKE, IN (…), NOT IN (…), AND / OR / NOT and parentheses.
// Values: 'strings', numbers, TRUE/FALSE/NULL, dates (2026-05-01), date-times (2026-05-01T00:00:00Z),
// SOQL date literals (TODAY, YESTERDAY, LAST_N_DAYS:n) and SuiteQL's TO_DATE('…', 'YYYY-MM-DD').
// String comparison is case-insensitive, as in both vendors. Enough for the queries flows make.

export class SqlError extends Error {
  constructor(
    message: string,
    readonly kind: "syntax" | "field" | "table",
  ) {
    super(message);
  }
}

type Value = string | number | boolean | null | { date: string };
type Cond =
  | { op: "and" | "or"; left: Cond; right: Cond }
  | { op: "not"; inner: Cond }
  | { op: "cmp"; field: string; cmp: string; value: Value }
  | { op: "in"; field: string; values: Value[]; negate: boolean }
  | { op: "like"; field: string; pattern: string; negate: boolean };

export interface SelectQuery {
  fields: string[];
  table: string;
  where?: Cond;
  orderBy: Array<{ field: string; desc: boolean; nullsFirst?: boolean }>;
  limit?: number;
  offset?: number;
}

const TOKEN =
  /\s*(?:(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))|(\d{4}-\d{2}-\d{2})|('(?:[^'\\]|\\.|'')*')|(-?\d+(?:\.\d+)?)|(<=|>=|!=|<>|=|<|>|\(|\)|,|\*)|([A-Za-z_][A-Za-z0-9_.]*(?::\d+)?))/y;

function tokenize(q: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < q.length) {
    if (/^\s*$/.test(q.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(q);
    if (!m) throw new SqlError(`unexpected token at position ${pos}: '${q.slice(pos, pos + 20).trim()}'`, "syntax");
    out.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? m[6]!);
    pos = TOKEN.lastIndex;
  }
  return out;
}

export function parseSelect(q: string): SelectQuery {
  const t = tokenize(q);
  let i = 0;
  const peek = () => t[i];
  const kw = (w: string) => peek()?.toUpperCase() === w;
  const expect = (w: string) => {
    if (!kw(w)) throw new SqlError(`expected ${w} but found '${peek() ?? "end of query"}'`, "syntax");
    i++;
  };
  expect("SELECT");
  const fields: string[] = [];
  for (;;) {
    const f = t[i++];
    if (!f || f === ",") throw new SqlError("expected a field name", "syntax");
    if (f.toUpperCase() === "COUNT" && t[i] === "(") {
      i += 2;
      fields.push("COUNT()");
    } else fields.push(f);
    if (peek() === ",") {
      i++;
      continue;
    }
    break;
  }
  expect("FROM");
  const table = t[i++];
  if (!table || !/^[A-Za-z_]/.test(table)) throw new SqlError("expected a table after FROM", "syntax");
  const query: SelectQuery = { fields, table, orderBy: [] };

  const value = (): Value => {
    const v = t[i++];
    if (v === undefined) throw new SqlError("expected a value", "syntax");
    if (v.startsWith("'")) return v.slice(1, -1).replace(/''/g, "'").replace(/\\(.)/g, "$1");
    if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
    if (/^\d{4}-\d{2}-\d{2}/.test(v)) return { date: v };
    const u = v.toUpperCase();
    if (u === "TRUE") return true;
    if (u === "FALSE") return false;
    if (u === "NULL") return null;
    if (u === "TO_DATE") {
      if (t[i++] !== "(") throw new SqlError("expected ( after TO_DATE", "syntax");
      const s = value();
      if (t[i] === ",") {
        i++;
        value();
      }
      if (t[i++] !== ")") throw new SqlError("expected ) after TO_DATE arguments", "syntax");
      return { date: String(s) };
    }
    const day = (offset: number) => ({ date: new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10) });
    if (u === "TODAY") return day(0);
    if (u === "YESTERDAY") return day(-1);
    const n = /^LAST_N_DAYS:(\d+)$/.exec(u);
    if (n) return day(-Number(n[1]));
    throw new SqlError(`unexpected value '${v}'`, "syntax");
  };

  const primary = (): Cond => {
    if (peek() === "(") {
      i++;
      const c = or();
      if (t[i++] !== ")") throw new SqlError("missing )", "syntax");
      return c;
    }
    if (kw("NOT")) {
      i++;
      return { op: "not", inner: primary() };
    }
    const field = t[i++];
    if (!field || !/^[A-Za-z_]/.test(field))
      throw new SqlError(`expected a field but found '${field ?? "end of query"}'`, "syntax");
    let negate = false;
    if (kw("NOT")) {
      negate = true;
      i++;
    }
    if (kw("IN")) {
      i++;
      if (t[i++] !== "(") throw new SqlError("expected ( after IN", "syntax");
      const values: Value[] = [];
      while (peek() !== ")") {
        values.push(value());
        if (peek() === ",") i++;
        else if (peek() !== ")") throw new SqlError("expected , or ) in IN list", "syntax");
      }
      i++;
      return { op: "in", field, values, negate };
    }
    if (kw("LIKE")) {
      i++;
      return { op: "like", field, pattern: String(value()), negate };
    }
    if (negate) throw new SqlError("NOT must be followed by IN or LIKE here", "syntax");
    const cmp = t[i++];
    if (!cmp || !["=", "!=", "<>", "<", ">", "<=", ">="].includes(cmp))
      throw new SqlError(`expected an operator after ${field}`, "syntax");
    if (kw("IS")) throw new SqlError("use = null", "syntax");
    return { op: "cmp", field, cmp: cmp === "<>" ? "!=" : cmp, value: value() };
  };
  const and = (): Cond => {
    let left = primary();
    while (kw("AND")) {
      i++;
      left = { op: "and", left, right: primary() };
    }
    return left;
  };
  const or = (): Cond => {
    let left = and();
    while (kw("OR")) {
      i++;
      left = { op: "or", left, right: and() };
    }
    return left;
  };

  if (kw("WHERE")) {
    i++;
    query.where = or();
  }
  if (kw("ORDER")) {
    i++;
    expect("BY");
    for (;;) {
      const field = t[i++];
      if (!field) throw new SqlError("expected a field after ORDER BY", "syntax");
      let desc = false;
      let nullsFirst: boolean | undefined;
      if (kw("ASC")) i++;
      else if (kw("DESC")) {
        desc = true;
        i++;
      }
      if (kw("NULLS")) {
        i++;
        nullsFirst = kw("FIRST");
        i++;
      }
      query.orderBy.push({ field, desc, nullsFirst });
      if (peek() === ",") {
        i++;
        continue;
      }
      break;
    }
  }
  if (kw("LIMIT")) {
    i++;
    query.limit = Number(t[i++]);
  }
  if (kw("OFFSET")) {
    i++;
    query.offset = Number(t[i++]);
  }
  if (i < t.length) throw new SqlError(`unexpected '${t[i]}'`, "syntax");
  return query;
}

/** Looks a (possibly dotted) field up case-insensitively; `undefined` means the field does not exist. */
export type FieldGetter = (row: Record<string, unknown>, field: string) => { found: boolean; value: unknown };

export function caseInsensitiveGetter(row: Record<string, unknown>, field: string): { found: boolean; value: unknown } {
  let cur: unknown = row;
  for (const part of field.split(".")) {
    if (cur === null || cur === undefined) return { found: true, value: null };
    if (typeof cur !== "object") return { found: false, value: undefined };
    const key = Object.keys(cur as object).find((k) => k.toLowerCase() === part.toLowerCase());
    if (key === undefined) return { found: false, value: undefined };
    cur = (cur as Record<string, unknown>)[key];
  }
  return { found: true, value: cur };
}

function norm(v: unknown): { kind: "null" | "num" | "str" | "date" | "bool"; v: number | string | boolean | null } {
  if (v === null || v === undefined) return { kind: "null", v: null };
  if (typeof v === "boolean") return { kind: "bool", v };
  if (typeof v === "number") return { kind: "num", v };
  if (typeof v === "object" && "date" in (v as object))
    return { kind: "date", v: String((v as { date: string }).date) };
  const s = String(v);
  if (/^\d{4}-\d{2}-\d{2}/.test(s)) return { kind: "date", v: s };
  if (/^-?\d+(\.\d+)?$/.test(s)) return { kind: "num", v: Number(s) };
  return { kind: "str", v: s.toLowerCase() };
}

function compare(a: unknown, b: unknown): number | undefined {
  const x = norm(a);
  const y = norm(b);
  if (x.kind === "null" || y.kind === "null") return x.kind === y.kind ? 0 : undefined;
  if (x.kind === "date" || y.kind === "date") {
    // A date literal against a date-time compares by day, as both vendors do.
    const xs = String(x.v);
    const ys = String(y.v);
    const len = Math.min(xs.length === 10 || ys.length === 10 ? 10 : 99, xs.length, ys.length);
    const xd = xs.length > 10 && len > 10 ? Date.parse(xs) : Date.parse(xs.slice(0, 10));
    const yd = ys.length > 10 && len > 10 ? Date.parse(ys) : Date.parse(ys.slice(0, 10));
    return xd === yd ? 0 : xd < yd ? -1 : 1;
  }
  if (x.kind === "num" && y.kind === "num") return (x.v as number) - (y.v as number);
  const xs = String(x.v).toLowerCase();
  const ys = String(y.v).toLowerCase();
  return xs === ys ? 0 : xs < ys ? -1 : 1;
}

export function evaluate(cond: Cond, row: Record<string, unknown>, get: FieldGetter): boolean {
  const field = (f: string) => {
    const r = get(row, f);
    if (!r.found) throw new SqlError(`No such column '${f}'`, "field");
    return r.value;
  };
  switch (cond.op) {
    case "and":
      return evaluate(cond.left, row, get) && evaluate(cond.right, row, get);
    case "or":
      return evaluate(cond.left, row, get) || evaluate(cond.right, row, get);
    case "not":
      return !evaluate(cond.inner, row, get);
    case "in": {
      const v = field(cond.field);
      const hit = cond.values.some((x) => compare(v, x) === 0);
      return cond.negate ? !hit : hit;
    }
    case "like": {
      const v = field(cond.field);
      const re = new RegExp(
        `^${cond.pattern
          .replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
          .replace(/%/g, ".*")
          .replace(/_/g, ".")}$`,
        "is",
      );
      const hit = v !== null && v !== undefined && re.test(String(v));
      return cond.negate ? !hit : hit;
    }
    case "cmp": {
      const c = compare(field(cond.field), cond.value);
      if (c === undefined) return cond.cmp === "!=";
      switch (cond.cmp) {
        case "=":
          return c === 0;
        case "!=":
          return c !== 0;
        case "<":
          return c < 0;
        case ">":
          return c > 0;
        case "<=":
          return c <= 0;
        default:
          return c >= 0;
      }
    }
  }
}

/** Filters, orders and windows rows; checks every referenced field exists (on the first row's shape). */
export function runSelect(
  q: SelectQuery,
  rows: Array<Record<string, unknown>>,
  get: FieldGetter = caseInsensitiveGetter,
  sample?: Record<string, unknown>,
): Array<Record<string, unknown>> {
  const shape = sample ?? rows[0];
  if (shape) {
    for (const f of [...q.fields.filter((f) => f !== "*" && f !== "COUNT()"), ...q.orderBy.map((o) => o.field)]) {
      if (!get(shape, f).found) throw new SqlError(`No such column '${f}' on ${q.table}`, "field");
    }
  }
  let out = q.where ? rows.filter((r) => evaluate(q.where!, r, get)) : [...rows];
  if (q.orderBy.length) {
    out.sort((a, b) => {
      for (const o of q.orderBy) {
        const av = get(a, o.field).value;
        const bv = get(b, o.field).value;
        const an = av === null || av === undefined;
        const bn = bv === null || bv === undefined;
        if (an || bn) {
          if (an && bn) continue;
          const nullsFirst = o.nullsFirst ?? !o.desc;
          return an === nullsFirst ? -1 : 1;
        }
        const c = compare(av, bv) ?? 0;
        if (c !== 0) return o.desc ? -c : c;
      }
      return 0;
    });
  }
  if (q.offset) out = out.slice(q.offset);
  if (q.limit !== undefined) out = out.slice(0, q.limit);
  return out;
}
