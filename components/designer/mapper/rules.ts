// One target field's JSONata expression, read as a mapper rule (a source field, a function applied to
// source fields, a fixed value, an element-wise list mapping) and written back. Whatever does not read
// as a rule is "custom": shown and kept verbatim, never dropped or rewritten. A rule is only recognised
// when writing it back reads as the same rule, so the round trip is exact by construction.
import { checkExpression, fieldsToJsonata } from "@/core/dsl";
import type { FieldType } from "./schema-tree";

export type FnId =
  | "formatDate"
  | "money"
  | "round"
  | "formatNumber"
  | "concat"
  | "lookup"
  | "default"
  | "uppercase"
  | "lowercase"
  | "trim"
  | "toText"
  | "toNumber"
  | "toBoolean";

export type Literal = string | number | boolean | null;

/**
 * A fixed value as typed in the mapper: numbers, true, false and null are typed — except onto a text field,
 * which gets exactly what was typed as text (a subsidiary id "1" must not become the number 1).
 */
export function literalFrom(text: string, target?: string): Literal {
  if (target === "string") return text;
  const t = text.trim();
  if (t === "true" || t === "false" || t === "null") return JSON.parse(t) as Literal;
  if (t !== "" && /^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  return text;
}

export type FieldRule =
  /** A source field as it is. `source` is a JSONata path ("$trigger.customer.name", or "sku" inside a list mapping). */
  | { kind: "source"; source: string }
  | { kind: "fn"; fn: FnId; sources: string[]; param?: Literal | Record<string, string> }
  | { kind: "literal"; value: Literal }
  /** Element-wise: every element of `source` becomes one element of the target list; `fields` are relative to an element. */
  | { kind: "each"; source: string; fields: Record<string, string> }
  | { kind: "custom"; expr: string };

type Ast = {
  type: string;
  value?: unknown;
  expression?: Ast;
  steps?: Ast[];
  arguments?: Ast[];
  procedure?: Ast;
  expressions?: Ast[];
  lhs?: unknown;
  condition?: Ast;
  then?: Ast;
  else?: Ast;
  position?: number;
  stages?: unknown;
  predicate?: unknown;
  group?: unknown;
  focus?: unknown;
  index?: unknown;
  tuple?: unknown;
  keepArray?: unknown;
};

export interface FnDef {
  id: FnId;
  label: string;
  hint: string;
  output: FieldType;
  /** "many": takes several source fields (concat). */
  arity: "one" | "many";
  param?: {
    label: string;
    kind: "text" | "number" | "table" | "value";
    default: Literal | Record<string, string>;
    presets?: ReadonlyArray<{ label: string; value: string }>;
  };
}

export const FUNCTIONS: readonly FnDef[] = [
  {
    id: "formatDate",
    label: "Format date",
    hint: "Reformats a date or timestamp with an XPath picture.",
    output: "string",
    arity: "one",
    param: {
      label: "Picture",
      kind: "text",
      default: "[Y0001]-[M01]-[D01]",
      presets: [
        { label: "2026-01-31", value: "[Y0001]-[M01]-[D01]" },
        { label: "31/01/2026", value: "[D01]/[M01]/[Y0001]" },
        { label: "01/31/2026", value: "[M01]/[D01]/[Y0001]" },
        { label: "31 January 2026", value: "[D1] [MNn] [Y0001]" },
        { label: "2026-01-31T09:30:00Z", value: "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01]Z" },
      ],
    },
  },
  {
    id: "money",
    label: "Money",
    hint: 'An amount as decimal text with fixed decimals ("1234.50"), as the canonical model\'s Money.amount expects.',
    output: "string",
    arity: "one",
    param: { label: "Decimals", kind: "number", default: 2 },
  },
  {
    id: "round",
    label: "Round",
    hint: "A number rounded to the given decimals (text amounts are converted).",
    output: "number",
    arity: "one",
    param: { label: "Decimals", kind: "number", default: 2 },
  },
  {
    id: "formatNumber",
    label: "Format number",
    hint: "A number as text with a decimal picture.",
    output: "string",
    arity: "one",
    param: {
      label: "Picture",
      kind: "text",
      default: "#,##0.00",
      presets: [
        { label: "1,234.50", value: "#,##0.00" },
        { label: "1234.5", value: "0.##" },
        { label: "12%", value: "0%" },
      ],
    },
  },
  {
    id: "concat",
    label: "Concatenate",
    hint: "Joins several fields with a separator (missing fields are skipped).",
    output: "string",
    arity: "many",
    param: { label: "Separator", kind: "text", default: " " },
  },
  {
    id: "lookup",
    label: "Lookup",
    hint: "Translates codes through a table (unknown codes give nothing).",
    output: "string",
    arity: "one",
    param: { label: "Table", kind: "table", default: {} },
  },
  {
    id: "default",
    label: "Default",
    hint: "The field, or a fixed value when it is missing.",
    output: "any",
    arity: "one",
    param: { label: "Default value", kind: "value", default: "" },
  },
  { id: "uppercase", label: "Upper case", hint: "Text in upper case.", output: "string", arity: "one" },
  { id: "lowercase", label: "Lower case", hint: "Text in lower case.", output: "string", arity: "one" },
  {
    id: "trim",
    label: "Trim",
    hint: "Text without leading, trailing or repeated spaces.",
    output: "string",
    arity: "one",
  },
  { id: "toText", label: "To text", hint: "Any value as text.", output: "string", arity: "one" },
  { id: "toNumber", label: "To number", hint: "Text as a number.", output: "number", arity: "one" },
  { id: "toBoolean", label: "To yes/no", hint: "Any value as true or false.", output: "boolean", arity: "one" },
];

export const FN_BY_ID = new Map(FUNCTIONS.map((f) => [f.id, f] as const));

const SIMPLE_FN: Partial<Record<FnId, string>> = {
  uppercase: "uppercase",
  lowercase: "lowercase",
  trim: "trim",
  toText: "string",
  toNumber: "number",
  toBoolean: "boolean",
};

// ---------------------------------------------------------------------------------------------------
// Paths

const RESERVED = new Set(["and", "or", "in", "true", "false", "null", "function"]);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A field name as a JSONata path step (back-quoted when it is not a plain name). */
export function nameStep(name: string): string {
  return IDENT.test(name) && !RESERVED.has(name) ? name : `\`${name}\``;
}

/** `base` + field path ("customer.name", "[]" segments skipped: JSONata maps over lists by itself). */
export function sourcePath(base: string, fieldPath: string): string {
  const steps = fieldPath
    .split(".")
    .filter((s) => s !== "" && s !== "[]")
    .map(nameStep);
  if (!base) return steps.join(".");
  return steps.length ? `${base}.${steps.join(".")}` : base;
}

/** The AST of a plain path ($var.a.b, or a.b) as text; null for anything else (filters, functions…). */
function pathText(ast: Ast): string | null {
  if (ast.type === "variable" && typeof ast.value === "string" && ast.value !== "") return `$${ast.value}`;
  if (ast.type === "name" && typeof ast.value === "string") return nameStep(ast.value);
  if (ast.type !== "path" || !Array.isArray(ast.steps) || ast.steps.length === 0 || ast.keepArray) return null;
  const parts: string[] = [];
  for (const [i, s] of ast.steps.entries()) {
    if (s.stages || s.predicate || s.group || s.focus || s.index || s.tuple || s.keepArray) return null;
    if (s.type === "variable" && i === 0 && typeof s.value === "string" && s.value !== "") parts.push(`$${s.value}`);
    else if (s.type === "name" && typeof s.value === "string") parts.push(nameStep(s.value));
    else return null;
  }
  return parts.join(".");
}

function parse(text: string): Ast | null {
  const c = checkExpression(text);
  return c.ok ? (c.ast as unknown as Ast) : null;
}

/** A (possibly parenthesised) expression without its parentheses. */
function unblock(ast: Ast): Ast {
  let cur = ast;
  while (cur.type === "block" && cur.expressions?.length === 1) cur = cur.expressions[0]!;
  return cur;
}

function literalOf(ast: Ast): { ok: true; value: Literal } | { ok: false } {
  if (ast.type === "string" && typeof ast.value === "string") return { ok: true, value: ast.value };
  if (ast.type === "number" && typeof ast.value === "number") return { ok: true, value: ast.value };
  if (ast.type === "value" && (ast.value === true || ast.value === false || ast.value === null))
    return { ok: true, value: ast.value as Literal };
  if (
    ast.type === "unary" &&
    ast.value === "-" &&
    ast.expression?.type === "number" &&
    typeof ast.expression.value === "number"
  )
    return { ok: true, value: -ast.expression.value };
  return { ok: false };
}

const lit = (v: Literal): string => (typeof v === "string" ? JSON.stringify(v) : String(v));

function fnCall(ast: Ast): { name: string; args: Ast[] } | null {
  if (ast.type !== "function" || ast.procedure?.type !== "variable" || typeof ast.procedure.value !== "string")
    return null;
  return { name: ast.procedure.value, args: ast.arguments ?? [] };
}

/** The object constructor's pairs as [key, value] when every key is a literal string. */
function pairsOf(ast: Ast): Array<[string, Ast]> | null {
  if (ast.type !== "unary" || ast.value !== "{" || !Array.isArray(ast.lhs)) return null;
  const out: Array<[string, Ast]> = [];
  for (const pair of ast.lhs as Array<[Ast, Ast]>) {
    if (pair[0]?.type !== "string" || typeof pair[0].value !== "string") return null;
    out.push([pair[0].value, pair[1]]);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Rules → JSONata

export function renderRule(rule: FieldRule): string {
  switch (rule.kind) {
    case "source":
      return rule.source;
    case "literal":
      return lit(rule.value);
    case "custom":
      return rule.expr;
    case "each":
      // [ … ] keeps a one-element list a list (JSONata would otherwise unwrap it).
      return `[${rule.source}.${Object.keys(rule.fields).length ? fieldsToJsonata(rule.fields) : "{}"}]`;
    case "fn":
      return renderFn(rule.fn, rule.sources, rule.param);
  }
}

function renderFn(fn: FnId, sources: string[], param: Literal | Record<string, string> | undefined): string {
  const s = sources[0] ?? "$";
  const simple = SIMPLE_FN[fn];
  if (simple) return `$${simple}(${s})`;
  const def = FN_BY_ID.get(fn)!;
  const p = param ?? def.param?.default ?? null;
  switch (fn) {
    case "formatDate":
      return `$fromMillis($toMillis(${s}), ${lit(String(p))})`;
    case "money": {
      const n = Math.max(0, Math.min(6, Math.trunc(Number(p) || 0)));
      return `$formatNumber($number(${s}), ${lit(n ? `0.${"0".repeat(n)}` : "0")})`;
    }
    case "round":
      return `$round($number(${s}), ${Number(p) || 0})`;
    case "formatNumber":
      return `$formatNumber($number(${s}), ${lit(String(p))})`;
    case "concat":
      return `$join([${sources.map((x) => `$string(${x})`).join(", ")}], ${lit(String(p ?? ""))})`;
    case "lookup":
      return `$lookup(${JSON.stringify(typeof p === "object" && p !== null ? p : {})}, ${s})`;
    case "default":
      return `${s} ?? ${lit(typeof p === "object" && p !== null ? null : (p as Literal))}`;
    default:
      return s;
  }
}

// ---------------------------------------------------------------------------------------------------
// JSONata → rules

function readFn(ast: Ast): Extract<FieldRule, { kind: "fn" }> | null {
  // `a ?? d` is desugared by the parser into `$exists(a) ? a : d`.
  if (ast.type === "condition" && ast.condition && ast.then && ast.else) {
    const c = fnCall(ast.condition);
    const src = pathText(ast.then);
    const d = literalOf(ast.else);
    if (c?.name === "exists" && c.args.length === 1 && src && pathText(c.args[0]!) === src && d.ok)
      return { kind: "fn", fn: "default", sources: [src], param: d.value };
    return null;
  }
  const call = fnCall(ast);
  if (!call) return null;
  const { name, args } = call;
  for (const [id, fname] of Object.entries(SIMPLE_FN)) {
    if (fname === name && args.length === 1) {
      const src = pathText(args[0]!);
      return src ? { kind: "fn", fn: id as FnId, sources: [src] } : null;
    }
  }
  const inner = (a: Ast | undefined, fname: string): string | null => {
    const c = a ? fnCall(a) : null;
    return c && c.name === fname && c.args.length === 1 ? pathText(c.args[0]!) : null;
  };
  if (name === "fromMillis" && args.length === 2) {
    const src = inner(args[0], "toMillis");
    const pic = literalOf(args[1]!);
    if (src && pic.ok && typeof pic.value === "string")
      return { kind: "fn", fn: "formatDate", sources: [src], param: pic.value };
  }
  if (name === "round" && args.length === 2) {
    const src = inner(args[0], "number");
    const d = literalOf(args[1]!);
    if (src && d.ok && typeof d.value === "number") return { kind: "fn", fn: "round", sources: [src], param: d.value };
  }
  if (name === "formatNumber" && args.length === 2) {
    const src = inner(args[0], "number");
    const pic = literalOf(args[1]!);
    // A plain "0.00" picture is how Money is written.
    if (src && pic.ok && typeof pic.value === "string" && /^0(\.0{1,6})?$/.test(pic.value))
      return { kind: "fn", fn: "money", sources: [src], param: pic.value.length > 1 ? pic.value.length - 2 : 0 };
    if (src && pic.ok && typeof pic.value === "string")
      return { kind: "fn", fn: "formatNumber", sources: [src], param: pic.value };
  }
  if (name === "join" && args.length === 2) {
    const sep = literalOf(args[1]!);
    const list = args[0]!;
    if (list.type === "unary" && list.value === "[" && sep.ok && typeof sep.value === "string") {
      const sources = (list.expressions ?? []).map((e) => inner(e, "string"));
      if (sources.length > 0 && sources.every((x): x is string => !!x))
        return { kind: "fn", fn: "concat", sources, param: sep.value };
    }
  }
  if (name === "lookup" && args.length === 2) {
    const pairs = pairsOf(args[0]!);
    const src = pathText(args[1]!);
    if (pairs && src) {
      const table: Record<string, string> = {};
      for (const [k, v] of pairs) {
        const l = literalOf(v);
        if (!l.ok || typeof l.value !== "string") return null;
        table[k] = l.value;
      }
      return { kind: "fn", fn: "lookup", sources: [src], param: table };
    }
  }
  return null;
}

function readEach(text: string, ast: Ast): Extract<FieldRule, { kind: "each" }> | null {
  if (ast.type !== "unary" || ast.value !== "[" || ast.expressions?.length !== 1) return null;
  const path = ast.expressions[0]!;
  if (path.type !== "path" || !path.steps || path.steps.length < 2) return null;
  const last = path.steps[path.steps.length - 1]!;
  if (
    last.type !== "unary" ||
    last.value !== "{" ||
    last.stages ||
    last.predicate ||
    last.group ||
    typeof last.position !== "number"
  )
    return null;
  const source = pathText({ type: "path", steps: path.steps.slice(0, -1) });
  if (!source) return null;
  const start = last.position - 1;
  const end = matchingClose(text, start);
  if (end < 0) return null;
  const fields = decomposeObject(text.slice(start, end + 1));
  return fields ? { kind: "each", source, fields } : null;
}

const same = (a: FieldRule, b: FieldRule) => JSON.stringify(a) === JSON.stringify(b);

/** Reads one field expression as a rule; anything else is custom (kept verbatim). */
export function parseRule(expr: string): FieldRule {
  const custom: FieldRule = { kind: "custom", expr };
  const ast0 = parse(expr);
  if (!ast0) return custom;
  const ast = unblock(ast0);
  let rule: FieldRule | null;
  const src = pathText(ast);
  if (src) rule = { kind: "source", source: src };
  else {
    const l = literalOf(ast);
    if (l.ok) rule = { kind: "literal", value: l.value };
    else
      rule =
        readFn(ast) ??
        readEach(
          expr
            .trim()
            .replace(/^\(([\s\S]*)\)$/, (m, inner: string) =>
              matchingClose(m, 0) === m.length - 1 ? inner.trim() : m,
            ),
          ast,
        );
  }
  if (!rule) return custom;
  // Only accept a reading that writes back as itself.
  const again = parse(renderRule(rule));
  if (!again) return custom;
  const back = rule.kind === "each" ? parseRuleNoVerify(renderRule(rule)) : rule;
  return back && same(back, rule) ? rule : custom;
}

function parseRuleNoVerify(text: string): FieldRule | null {
  const ast = parse(text);
  return ast ? readEach(text, unblock(ast)) : null;
}

// ---------------------------------------------------------------------------------------------------
// Object constructors → dotted field mappings, slicing the original text so nothing is re-printed.

/** Index of the bracket closing the one at `open` (strings, back-quoted names and comments skipped), or -1. */
export function matchingClose(text: string, open: number): number {
  const pairs: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
  const stack: string[] = [];
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === "`") {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === "\\" && c !== "`") i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const e = text.indexOf("*/", i + 2);
      if (e < 0) return -1;
      i = e + 1;
      continue;
    }
    if (pairs[c]) stack.push(pairs[c]!);
    else if (c === ")" || c === "]" || c === "}") {
      if (stack.pop() !== c) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

/** Top-level ":" and "," positions of an object constructor's body (between its braces). */
function splitPairs(text: string): Array<{ key: string; value: string }> | null {
  const body = text.trim();
  if (!body.startsWith("{") || matchingClose(body, 0) !== body.length - 1) return null;
  const inner = body.slice(1, -1);
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === '"' || c === "'" || c === "`") {
      for (i++; i < inner.length && inner[i] !== c; i++) if (inner[i] === "\\" && c !== "`") i++;
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth--;
    else if (c === "," && depth === 0) {
      parts.push(inner.slice(from, i));
      from = i + 1;
    }
  }
  const tail = inner.slice(from);
  if (tail.trim() !== "") parts.push(tail);
  else if (parts.length > 0) return null; // a trailing comma is not JSONata
  const out: Array<{ key: string; value: string }> = [];
  for (const p of parts) {
    const m = /^\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*:([\s\S]*)$/.exec(p);
    if (!m) return null;
    const rawKey = m[1]!;
    let key: string;
    try {
      key = rawKey.startsWith('"')
        ? (JSON.parse(rawKey) as string)
        : (JSON.parse(`"${rawKey.slice(1, -1).replace(/"/g, '\\"')}"`) as string);
    } catch {
      return null;
    }
    const value = m[2]!.trim();
    if (!value) return null;
    out.push({ key, value });
  }
  return out;
}

/** Strips one pair of parentheses that wraps a whole single expression. */
function stripParens(text: string): string {
  const t = text.trim();
  if (!t.startsWith("(") || matchingClose(t, 0) !== t.length - 1) return t;
  const ast = parse(t);
  if (!ast || ast.type !== "block" || ast.expressions?.length !== 1) return t;
  return t.slice(1, -1).trim();
}

const FIELD_NAME = /^[^.\s][^.]*$/;

/**
 * An object constructor as dotted field mappings ({"a": {"b": x}} → {"a.b": "x"}), or null when it is
 * not one that field mappings can say exactly (computed keys, dots in names, duplicates, comments).
 */
export function decomposeObject(text: string): Record<string, string> | null {
  if (text.includes("/*")) return null; // comments would be lost in field form
  const ast = parse(text);
  if (!ast) return null;
  const top = unblock(ast);
  if (!pairsOf(top)) return null;
  const out: Record<string, string> = {};
  const walk = (t: string, prefix: string): boolean => {
    const pairs = splitPairs(t);
    if (!pairs) return false;
    const seen = new Set<string>();
    for (const { key, value } of pairs) {
      if (!FIELD_NAME.test(key) || seen.has(key) || key !== key.trim()) return false;
      seen.add(key);
      const path = prefix ? `${prefix}.${key}` : key;
      const v = stripParens(value);
      const vAst = parse(v);
      if (!vAst) return false;
      const nested = unblock(vAst);
      if (pairsOf(nested) && (nested.lhs as unknown[]).length > 0 && v.startsWith("{")) {
        if (!walk(v, path)) return false;
      } else out[path] = v;
    }
    return true;
  };
  const body = stripParens(text);
  if (!walk(body, "")) return null;
  if (Object.keys(out).length === 0 && !/^\{\s*\}$/.test(body)) return null;
  // Field paths that clash ("a" and "a.b") cannot be said as fields either.
  const keys = Object.keys(out);
  if (keys.some((k) => keys.some((o) => o.startsWith(`${k}.`)))) return null;
  return out;
}
