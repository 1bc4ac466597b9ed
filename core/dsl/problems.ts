// The problem type every check returns, and the translation of zod's issues into sentences a designer
// understands ("Step 'postInvoice' has an unknown setting 'retires'. Did you mean 'retry'?").
import type { z } from "zod";
import type { Path } from "./walk";

export type Severity = "error" | "warning";

export interface Problem {
  /** The step the problem is about (absent for flow-level problems). */
  stepId?: string;
  /** JSON path into the document, e.g. ["steps", 3, "retry", "maxAttempts"]. */
  path: Path;
  /** Stable machine code, e.g. "missing-required-input". */
  code: string;
  message: string;
  severity: Severity;
}

/** `retry.maxAttempts`, `cases[0].when` — a path as a designer would read it. */
export function formatPath(path: Path): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(p)) out += out === "" ? p : `.${p}`;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

/** Levenshtein distance, for "did you mean" on misspelt keys (short strings only). */
export function editDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Math.max(a.length, b.length);
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(
        prev[j]! + 1,
        prev[j - 1]! + 1,
        diag + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
      );
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length * 0.45)) ? best : undefined;
}

function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return v.length > 40 ? `a text ("${v.slice(0, 37)}…")` : `"${v}"`;
  return String(v);
}

const TYPE_WORDS: Record<string, string> = {
  string: "a text",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "an object",
  array: "a list",
  record: "an object",
};

export interface IssueContext {
  /** Path of the parsed value in the document. */
  base: Path;
  stepId?: string;
  /** Who the problem is about: "Step 'x'", "The trigger", "The flow". */
  subject: string;
  /** Known keys of objects by relative path (formatted), for "did you mean". */
  knownKeys?: (relPath: Path) => readonly string[] | undefined;
  /** Value at a relative path of the parsed input (for "it is 30"). */
  valueAt?: (relPath: Path) => unknown;
}

/** zod issues → problems. Union issues are flattened to their most specific branch. */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[], ctx: IssueContext): Problem[] {
  const out: Problem[] = [];
  for (const issue of issues) issueToProblems(issue, ctx, out);
  return out;
}

function issueToProblems(issue: z.core.$ZodIssue, ctx: IssueContext, out: Problem[]): void {
  const rel = issue.path.filter((p): p is string | number => typeof p !== "symbol");
  const path = [...ctx.base, ...rel];
  const field = formatPath(rel);
  const where = field ? `${ctx.subject}: '${field}'` : ctx.subject;
  const push = (code: string, message: string, p: Path = path) =>
    out.push({
      ...(ctx.stepId !== undefined ? { stepId: ctx.stepId } : {}),
      path: p,
      code,
      message,
      severity: "error",
    });
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = ctx.knownKeys?.(rel);
      for (const key of issue.keys) {
        const hint = known ? closest(key, known) : undefined;
        push(
          "unknown-key",
          `${field ? `${ctx.subject}, '${field}'` : ctx.subject} has an unknown setting '${key}'.${hint ? ` Did you mean '${hint}'?` : ""}`,
          [...path, key],
        );
      }
      return;
    }
    case "invalid_type": {
      const received = ctx.valueAt?.(rel);
      if (received === undefined && issue.expected !== "undefined") {
        push("missing-field", `${ctx.subject} needs '${field}'.`);
        return;
      }
      push(
        "wrong-type",
        `${where} must be ${TYPE_WORDS[issue.expected] ?? issue.expected}, not ${describeValue(received)}.`,
      );
      return;
    }
    case "too_big":
    case "too_small": {
      const bound = issue.code === "too_big" ? issue.maximum : issue.minimum;
      const val = ctx.valueAt?.(rel);
      if (issue.origin === "number" || issue.origin === "int" || issue.origin === "bigint") {
        const word = issue.code === "too_big" ? "at most" : "at least";
        push(
          "out-of-range",
          `${where} must be ${word} ${String(bound)}${typeof val === "number" ? ` (it is ${val})` : ""}.`,
        );
      } else if (issue.origin === "array" || issue.origin === "set") {
        push(
          issue.code === "too_big" ? "too-many" : "too-few",
          /needs|must|at least|at most/.test(issue.message) && !issue.message.startsWith("Too")
            ? `${where}: ${issue.message}`
            : `${where} must have ${issue.code === "too_big" ? "at most" : "at least"} ${String(bound)} entr${Number(bound) === 1 ? "y" : "ies"}.`,
        );
      } else {
        push(
          issue.code === "too_big" ? "too-long" : "too-short",
          issue.message.startsWith("Too")
            ? `${where} must have ${issue.code === "too_big" ? "at most" : "at least"} ${String(bound)} character${Number(bound) === 1 ? "" : "s"}.`
            : `${where}: ${issue.message}`,
        );
      }
      return;
    }
    case "invalid_format":
      push(
        "invalid-format",
        `${where} is ${describeValue(ctx.valueAt?.(rel))}. ${issue.message.startsWith("Invalid") ? "That is not the expected format." : issue.message}`,
      );
      return;
    case "invalid_value": {
      const opts = issue.values.map((v) => JSON.stringify(v));
      if (ctx.valueAt?.(rel) === undefined && rel.length > 0) {
        push(
          "missing-field",
          opts.length === 1
            ? `${ctx.subject} needs '${field}': ${opts[0]}.`
            : `${ctx.subject} needs '${field}': one of ${opts.join(", ")}.`,
        );
        return;
      }
      push(
        "invalid-value",
        opts.length === 1
          ? `${where} must be ${opts[0]}.`
          : `${where} must be one of ${opts.join(", ")} (not ${describeValue(ctx.valueAt?.(rel))}).`,
      );
      return;
    }
    case "invalid_union": {
      // A discriminated union whose `type` matched nothing: name the choices.
      const disc = (issue as { discriminator?: unknown }).discriminator;
      const options = (issue as { options?: unknown[] }).options;
      if (typeof disc === "string" && Array.isArray(options)) {
        const got = ctx.valueAt?.(rel);
        const list = options.map((o) => String(o)).join(", ");
        const isStep = ctx.subject.startsWith("Step");
        const what = isStep && rel.length <= 1 ? "step type" : `'${field || disc}'`;
        if (got === undefined)
          push(
            isStep && rel.length <= 1 ? "missing-type" : "missing-field",
            `${ctx.subject} needs a '${disc}': one of ${list}.`,
          );
        else
          push(
            isStep && rel.length <= 1 ? "unknown-step-type" : "invalid-value",
            `${ctx.subject}: ${describeValue(got)} is not a ${what}; use one of ${list}.`,
          );
        return;
      }
      if (ctx.valueAt?.(rel) === undefined) {
        push("missing-field", `${ctx.subject} needs '${field}'.`);
        return;
      }
      // Plain unions (mappings: text or field map): report the branch that got furthest.
      const branches = issue.errors.filter((b) => b.length > 0);
      const best = branches.sort((a, b) => depth(b) - depth(a))[0];
      if (best && depth(best) > 0) {
        for (const sub of best)
          issueToProblems({ ...sub, path: [...issue.path, ...sub.path] } as z.core.$ZodIssue, ctx, out);
        return;
      }
      push(
        "wrong-type",
        `${where} must be a JSONata expression (text) or an object of field mappings, not ${describeValue(ctx.valueAt?.(rel))}.`,
      );
      return;
    }
    case "invalid_key":
      push("invalid-key", `${where} has an invalid key: ${issue.issues.map((i) => i.message).join("; ")}`);
      return;
    default:
      push("invalid", `${where}: ${issue.message}`);
  }
}

function depth(issues: readonly z.core.$ZodIssue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length));
}
