// JSONata everywhere: compiled once and cached, syntax-checked with positions, evaluated with guardrails.
// Pure (no I/O): the browser designer, the CLI and the runtime share it.
//
// Guardrails: jsonata 2.1+ checks `timeout` (ms of evaluation) and `stack` (evaluation depth) on every
// evaluation step, which is what stops `($f := function($x){ $f($x) }; $f(1))`. The parser itself is
// recursive, so nesting is bounded by a cheap scan *before* jsonata sees the text, and a stack overflow
// that slips through is caught like any other syntax error.
import jsonata from "jsonata";
import type { Mapping } from "./schema";
import { STAFFING_FUNCTIONS } from "../staffing/rank";

export const EXPRESSION_LIMITS = {
  maxLength: 20_000,
  /** Brackets/parentheses/braces nested in one another. */
  maxNesting: 64,
  timeoutMs: 1_000,
  maxDepth: 500,
  /** Largest sequence an expression may build. */
  maxSequence: 1_000_000,
} as const;

export type JsonataAst = jsonata.ExprNode;

export type ExpressionCheck =
  { ok: true; ast: JsonataAst } | { ok: false; code: string; position: number | null; message: string };

export interface ExpressionScope {
  /** The trigger payload (webhook: { body, headers, query }; event: the event payload; schedule: { firedAt }; manual: the input). */
  trigger?: unknown;
  /** Outputs (and errors) of steps that ran: { <id>: { output, error? } }. */
  steps?: Record<string, { output?: unknown; error?: unknown }>;
  /** Inside a foreach body: the current element and its index. */
  item?: unknown;
  index?: number;
  /** { key, version, name, domain, owner, classification }. */
  flow?: unknown;
  /** { id, startedAt, isTest, attempt }. */
  run?: unknown;
  /** In a step reached through a catch route: the caught error { errorClass, code, message, stepId }. */
  error?: unknown;
  /** A step's business events (business-events.ts): the step's own input and output, and `each`'s element. */
  input?: unknown;
  output?: unknown;
  record?: unknown;
}

export interface EvaluateOptions {
  timeoutMs?: number;
  maxDepth?: number;
}

/** A failed evaluation, already classified for the runtime as a mapping error. */
export class ExpressionError extends Error {
  readonly errorClass = "mapping" as const;
  constructor(
    readonly code: string,
    message: string,
    readonly position: number | null,
    readonly expression: string,
  ) {
    super(message);
    this.name = "ExpressionError";
  }
}

// ---------------------------------------------------------------------------------------------------
// Bounded caches (Map keeps insertion order: the oldest entry is evicted first).

const MAX_CACHE = 10_000;
const checks = new Map<string, ExpressionCheck>();
const compiled = new Map<string, jsonata.Expression>();

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= MAX_CACHE) {
    const oldest = cache.keys().next();
    if (!oldest.done) cache.delete(oldest.value);
  }
  cache.set(key, value);
  return value;
}

/** Empties the caches (benchmarks measure cold validation with it). */
export function clearExpressionCache(): void {
  checks.clear();
  compiled.clear();
}

interface JsonataErrorShape {
  code?: unknown;
  position?: unknown;
  message?: unknown;
  token?: unknown;
}

function describe(err: unknown): { code: string; position: number | null; message: string } {
  if (err instanceof RangeError)
    return { code: "too-complex", position: null, message: "The expression is nested too deeply to be read." };
  const e = (typeof err === "object" && err !== null ? err : {}) as JsonataErrorShape;
  const code = typeof e.code === "string" ? e.code : "error";
  const position = typeof e.position === "number" ? e.position : null;
  const message = typeof e.message === "string" ? e.message : String(err);
  return { code, position, message };
}

/** Scans nesting depth outside string literals; the jsonata parser recurses once per level. */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "(" || c === "[" || c === "{") {
      depth++;
      if (depth > max) max = depth;
    } else if (c === ")" || c === "]" || c === "}") depth = Math.max(0, depth - 1);
  }
  return max;
}

// Most mapping expressions are a plain path ("$steps.post.output.id", "$item.projectCode") or a literal.
// jsonata rebuilds its whole operator table on every parse (~20 µs), so these get a hand-made AST of the
// same shape instead; anything else (and any path segment that is a JSONata keyword) goes to jsonata.
const SIMPLE_PATH = /^(\$?)([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)$/;
const SIMPLE_LITERAL = /^(?:'[^'\\]*'|"[^"\\]*"|-?(?:0|[1-9]\d{0,14})(?:\.\d{1,15})?)$/;
const KEYWORDS = new Set(["and", "or", "in", "true", "false", "null", "function"]);

function simpleAst(text: string): JsonataAst | null {
  if (SIMPLE_LITERAL.test(text)) {
    const value: unknown = text.startsWith("'") ? text.slice(1, -1) : JSON.parse(text);
    return {
      type: typeof value === "number" ? "number" : "string",
      value,
      position: text.length,
    } as unknown as JsonataAst;
  }
  const m = SIMPLE_PATH.exec(text);
  if (!m) return null;
  const [, dollar, head, rest] = m;
  const names = rest ? rest.slice(1).split(".") : [];
  if ([head!, ...names].some((n) => KEYWORDS.has(n))) return null;
  if (!dollar && names.length === 0) return null; // a bare name: leave it to jsonata
  let pos = dollar!.length + head!.length;
  const steps: Array<Record<string, unknown>> = [{ type: dollar ? "variable" : "name", value: head, position: pos }];
  for (const n of names) {
    pos += 1 + n.length;
    steps.push({ type: "name", value: n, position: pos });
  }
  if (steps.length === 1) return steps[0] as unknown as JsonataAst;
  return { type: "path", steps } as unknown as JsonataAst;
}

/** Parses an expression (cached). Never throws. */
export function checkExpression(text: string): ExpressionCheck {
  const hit = checks.get(text);
  if (hit) return hit;
  let result: ExpressionCheck;
  const simple = typeof text === "string" && text.length < 500 ? simpleAst(text) : null;
  if (simple) result = { ok: true, ast: simple };
  else if (typeof text !== "string" || text.trim() === "")
    result = { ok: false, code: "empty", position: null, message: "The expression is empty." };
  else if (text.length > EXPRESSION_LIMITS.maxLength)
    result = {
      ok: false,
      code: "too-long",
      position: null,
      message: `The expression is longer than ${EXPRESSION_LIMITS.maxLength} characters.`,
    };
  else if (nestingDepth(text) > EXPRESSION_LIMITS.maxNesting)
    result = {
      ok: false,
      code: "too-complex",
      position: null,
      message: `The expression nests brackets more than ${EXPRESSION_LIMITS.maxNesting} levels deep.`,
    };
  else {
    try {
      result = { ok: true, ast: jsonata(text).ast() };
    } catch (err) {
      result = { ok: false, ...describe(err) };
    }
  }
  return remember(checks, text, result);
}

/**
 * Whether the text can share one jsonata parse with others: no regex, comment or backtick (their lexing
 * depends on context), no `..` (a range is valid only inside an array constructor — which the batch is),
 * every string closed, brackets balanced and never closing more than they opened.
 * For such texts, lexing inside `[e1, e2, …]` is the same as alone, so the batch parses iff every element does
 * (an element with a top-level comma shows up as an extra element).
 */
function batchable(text: string): boolean {
  if (text.length > 2000 || text.includes("/") || text.includes("`") || text.includes("..")) return false;
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === "(" || c === "[" || c === "{") {
      if (++depth > EXPRESSION_LIMITS.maxNesting) return false;
    } else if (c === ")" || c === "]" || c === "}") {
      if (--depth < 0) return false;
    }
  }
  return quote === null && depth === 0 && text.trim() !== "";
}

interface ArrayAst {
  type?: string;
  value?: string;
  expressions?: JsonataAst[];
}

function parseBatch(texts: string[]): void {
  if (texts.length === 0) return;
  if (texts.length === 1) {
    checkExpression(texts[0]!);
    return;
  }
  let elements: JsonataAst[] | undefined;
  try {
    const ast = jsonata(`[${texts.join(",\n")}]`).ast() as unknown as ArrayAst;
    if (ast.type === "unary" && ast.value === "[" && ast.expressions?.length === texts.length)
      elements = ast.expressions;
  } catch {
    // one of them is wrong: halve and retry, so one bad expression costs log(n) parses, not n
  }
  if (elements) {
    texts.forEach((t, i) => remember(checks, t, { ok: true, ast: elements[i]! }));
    return;
  }
  const mid = Math.ceil(texts.length / 2);
  parseBatch(texts.slice(0, mid));
  parseBatch(texts.slice(mid));
}

/**
 * Checks many expressions at once (what the validator does first). jsonata rebuilds its parser tables on
 * every call, so parsing expressions in batches of up to 200 is several times faster than one by one.
 */
export function checkExpressions(texts: readonly string[]): void {
  const todo: string[] = [];
  const seen = new Set<string>();
  for (const t of texts) {
    if (typeof t !== "string" || seen.has(t) || checks.has(t)) continue;
    seen.add(t);
    if (t.length < 500 && simpleAst(t)) continue; // cheap anyway
    if (batchable(t)) todo.push(t);
  }
  for (let i = 0; i < todo.length; i += 200) parseBatch(todo.slice(i, i + 200));
}

/** The compiled expression with guardrails (cached per text and limits). Throws ExpressionError on bad syntax. */
export function compileExpression(text: string, opts: EvaluateOptions = {}): jsonata.Expression {
  const timeout = opts.timeoutMs ?? EXPRESSION_LIMITS.timeoutMs;
  const stack = opts.maxDepth ?? EXPRESSION_LIMITS.maxDepth;
  const key = `${timeout}|${stack}|${text}`;
  const hit = compiled.get(key);
  if (hit) return hit;
  const check = checkExpression(text);
  if (!check.ok) throw new ExpressionError(check.code, check.message, check.position, text);
  const expr = jsonata(text, { timeout, stack, sequence: EXPRESSION_LIMITS.maxSequence });
  return remember(compiled, key, expr);
}

const GUARD_MESSAGES: Record<string, (limitMs: number) => string> = {
  D1011: () => "The expression recursed too deeply (is a function calling itself forever?).",
  // Said plainly, with the limit and the usual cause: a scan of one list per element of another grows with the data.
  D1012: (ms) =>
    `The expression ran longer than its ${ms} ms limit and was stopped: an endless loop, or work that grows with the data (a filter over one list inside a loop over another — build a lookup object once, e.g. $merge(list.{ key: value }), and read it with $lookup).`,
  D2015: () => "The expression built a sequence that is too large.",
};

/** Plain JSON out: drops jsonata's sequence markers and functions. */
function toJson(v: unknown): unknown {
  if (v === undefined || v === null || typeof v !== "object") return typeof v === "function" ? undefined : v;
  return JSON.parse(JSON.stringify(v)) as unknown;
}

/** The bindings an expression sees: $trigger, $steps, $item, $index, $flow, $run, $error (+ $input, $output,
 *  $record in business events) — and Weft's own pure functions beside JSONata's (`$staffingRank`,
 *  `$workingDays`: core/staffing, docs/dsl.md). */
function bindingsOf(scope: ExpressionScope): Record<string, unknown> {
  return {
    ...STAFFING_FUNCTIONS,
    trigger: scope.trigger,
    steps: scope.steps ?? {},
    item: scope.item,
    index: scope.index,
    flow: scope.flow,
    run: scope.run,
    error: scope.error,
    input: scope.input,
    output: scope.output,
    record: scope.record,
  };
}

/**
 * Evaluates an expression against a scope. The context (`$`) is `$item` inside a foreach body and
 * `$trigger` elsewhere. Throws ExpressionError (class "mapping") on syntax errors, runtime errors and
 * when a guardrail (time, depth, sequence size) stops it.
 */
export async function evaluate(text: string, scope: ExpressionScope, opts: EvaluateOptions = {}): Promise<unknown> {
  const expr = compileExpression(text, opts);
  try {
    const focus = scope.record !== undefined ? scope.record : scope.item !== undefined ? scope.item : scope.trigger;
    return toJson(await expr.evaluate(focus, bindingsOf(scope)));
  } catch (err) {
    const d = describe(err);
    const guard = GUARD_MESSAGES[d.code];
    throw new ExpressionError(
      d.code,
      guard ? guard(opts.timeoutMs ?? EXPRESSION_LIMITS.timeoutMs) : d.message,
      d.position,
      text,
    );
  }
}

// ---------------------------------------------------------------------------------------------------
// Mappings

interface FieldTree {
  leaf?: string;
  children: Map<string, FieldTree>;
}

/**
 * Field mappings → one JSONata object constructor: { "customer.id": "$x" } → { "customer": { "id": ($x) } }.
 * A field mapped both as a whole and per sub-field keeps the sub-fields (the validator reports the clash).
 */
export function fieldsToJsonata(fields: Record<string, string>): string {
  const root: FieldTree = { children: new Map() };
  for (const [path, expr] of Object.entries(fields)) {
    let node = root;
    for (const seg of path.split(".")) {
      let child = node.children.get(seg);
      if (!child) node.children.set(seg, (child = { children: new Map() }));
      node = child;
    }
    node.leaf = expr;
  }
  const render = (t: FieldTree): string => {
    if (t.children.size === 0) return `(${t.leaf ?? "null"})`;
    return `{${[...t.children].map(([k, v]) => `${JSON.stringify(k)}: ${render(v)}`).join(", ")}}`;
  };
  return render(root);
}

/** A mapping (one expression, or field mappings) as one JSONata expression. */
export function mappingToJsonata(m: Mapping): string {
  return typeof m === "string" ? m : fieldsToJsonata(m);
}

/** Evaluates a mapping. An empty field mapping yields {}. */
export async function evaluateMapping(m: Mapping, scope: ExpressionScope, opts?: EvaluateOptions): Promise<unknown> {
  if (typeof m !== "string" && Object.keys(m).length === 0) return {};
  return evaluate(mappingToJsonata(m), scope, opts);
}

// ---------------------------------------------------------------------------------------------------
// References (what the validator checks: steps that may not have run yet, $item outside a foreach)

export interface ExpressionRefs {
  /** Step ids named as `$steps.<id>`, with the position of the id and the field read (`output`, `error`). */
  steps: Array<{ id: string; position: number; field?: string }>;
  /** Variables read ($item, $trigger, …), without the `$`. */
  variables: Set<string>;
  /** Calls of a function named by a variable (`$staffingRank(…)`): its name, argument count and position. */
  calls: Array<{ name: string; args: number; position: number }>;
}

const refsCache = new WeakMap<object, ExpressionRefs>();

/** Walks the AST without recursion (ASTs of accepted expressions are shallow, but the walker should not care). Cached per AST. */
export function expressionRefs(ast: JsonataAst): ExpressionRefs {
  const hit = refsCache.get(ast);
  if (hit) return hit;
  const refs = walkRefs(ast);
  refsCache.set(ast, refs);
  return refs;
}

function walkRefs(ast: JsonataAst): ExpressionRefs {
  const steps: ExpressionRefs["steps"] = [];
  const variables = new Set<string>();
  const calls: ExpressionRefs["calls"] = [];
  const stack: unknown[] = [ast];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== "object" || node === null || seen.has(node)) continue;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const n of node) stack.push(n);
      continue;
    }
    const o = node as Record<string, unknown>;
    if (o.type === "variable" && typeof o.value === "string" && o.value !== "") variables.add(o.value);
    const proc = o.procedure as Record<string, unknown> | undefined;
    if (o.type === "function" && proc?.type === "variable" && typeof proc.value === "string")
      calls.push({
        name: proc.value,
        args: Array.isArray(o.arguments) ? o.arguments.length : 0,
        position: typeof proc.position === "number" ? proc.position : 0,
      });
    if (o.type === "path" && Array.isArray(o.steps)) {
      const [first, second, third] = o.steps as Array<Record<string, unknown> | undefined>;
      if (
        first?.type === "variable" &&
        first.value === "steps" &&
        second?.type === "name" &&
        typeof second.value === "string"
      )
        steps.push({
          id: second.value,
          position: typeof second.position === "number" ? second.position : 0,
          ...(third?.type === "name" && typeof third.value === "string" ? { field: third.value } : {}),
        });
    }
    for (const v of Object.values(o)) if (typeof v === "object" && v !== null) stack.push(v);
  }
  return { steps, variables, calls };
}
