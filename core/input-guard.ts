// The input guard: one check of untrusted JSON at the edge (every tRPC procedure, the webhook ingress, flows
// as files), before anything recursive (superjson, zod, JSONata, JSON.stringify, Postgres) touches it.
// It refuses, naming the field:
//  - nesting deeper than a limit (recursive code overflows the stack at a few thousand levels),
//  - more values than a limit,
//  - a NUL character in a string or field name (Postgres text and jsonb cannot store U+0000),
//  - an unpaired UTF-16 surrogate (not Unicode: text columns silently turn it into U+FFFD, jsonb refuses it,
//    and canonical JSON / hashing throws on it).
// Pure and iterative (no recursion, no Node APIs): the DSL validator uses the same scan in the browser.

export const INPUT_LIMITS = {
  /** Nesting of any input; a flow document (itself limited to 64 by the DSL) sits a few levels inside one. */
  maxDepth: 100,
  /** Values (array elements and object fields) in one input. */
  maxNodes: 2_000_000,
} as const;

export type InputFaultKind = "too-deep" | "too-large" | "nul" | "surrogate";

export interface InputFault {
  kind: InputFaultKind;
  /** Where, from the root of the checked value (field names and array indexes). */
  path: Array<string | number>;
  /** Whether the fault is in a field name rather than in a value. */
  inKey?: boolean;
  /** A sentence without the path, e.g. "contains a NUL character (U+0000), which cannot be stored". */
  reason: string;
}

/** "document.steps[3].name"; "" for the root. */
export function formatInputPath(path: ReadonlyArray<string | number>): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(p)) out += out ? `.${p}` : p;
    else out += `[${JSON.stringify(p)}]`;
  }
  return out;
}

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be stored, or null when it can. */
export function textFault(s: string): Exclude<InputFaultKind, "too-deep" | "too-large"> | null {
  if (s.includes("\u0000")) return "nul";
  if (LONE_SURROGATE.test(s)) return "surrogate";
  return null;
}

const TEXT_REASON = {
  nul: "contains a NUL character (U+0000), which cannot be stored; remove it",
  surrogate:
    "contains an unpaired UTF-16 surrogate (not valid Unicode), which cannot be stored; remove it or send valid UTF-8",
} as const;

interface Item {
  v: unknown;
  depth: number;
  key: string | number | null;
  parent: Item | null;
}

function pathOf(item: Item | null): Array<string | number> {
  const out: Array<string | number> = [];
  for (let i = item; i && i.key !== null; i = i.parent) out.push(i.key);
  return out.reverse();
}

/** The first thing in `value` the database or recursive code cannot take, or null. Never recurses. */
export function inspectInput(
  value: unknown,
  limits: { maxDepth: number; maxNodes: number } = INPUT_LIMITS,
): InputFault | null {
  const stack: Item[] = [{ v: value, depth: 0, key: null, parent: null }];
  let nodes = 0;
  while (stack.length > 0) {
    const item = stack.pop()!;
    const v = item.v;
    if (typeof v === "string") {
      const f = textFault(v);
      if (f) return { kind: f, path: pathOf(item), reason: TEXT_REASON[f] };
      continue;
    }
    if (typeof v !== "object" || v === null) continue;
    if (item.depth >= limits.maxDepth) {
      return { kind: "too-deep", path: pathOf(item), reason: `is nested more than ${limits.maxDepth} levels deep` };
    }
    if (Array.isArray(v)) {
      nodes += v.length;
      if (nodes > limits.maxNodes)
        return {
          kind: "too-large",
          path: pathOf(item),
          reason: `makes the input hold more than ${limits.maxNodes.toLocaleString("en")} values`,
        };
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], depth: item.depth + 1, key: i, parent: item });
      continue;
    }
    // Dates, Maps and other class instances only come from trusted callers (superjson has already revived
    // them); plain objects are what untrusted JSON becomes.
    const keys = Object.keys(v);
    nodes += keys.length;
    if (nodes > limits.maxNodes)
      return {
        kind: "too-large",
        path: pathOf(item),
        reason: `makes the input hold more than ${limits.maxNodes.toLocaleString("en")} values`,
      };
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      const f = textFault(k);
      if (f)
        return { kind: f, path: [...pathOf(item), k], inKey: true, reason: `has a field name that ${TEXT_REASON[f]}` };
      stack.push({ v: (v as Record<string, unknown>)[k], depth: item.depth + 1, key: k, parent: item });
    }
  }
  return null;
}

/** The client's sentence: "`name` contains a NUL character …" ("The input …" at the root). */
export function describeInputFault(f: InputFault, rootName = "The input"): string {
  const where = formatInputPath(f.path);
  return `${where ? `\`${where}\`` : rootName} ${f.reason}.`;
}

/** HTTP status for a fault: size limits are 413, characters 400. */
export function inputFaultStatus(f: InputFault): 400 | 413 {
  return f.kind === "too-deep" || f.kind === "too-large" ? 413 : 400;
}

/** Thrown by `assertInput`; the tRPC error formatter and the HTTP routes turn it into a 400/413 naming the field. */
export class InputRejectedError extends Error {
  readonly status: 400 | 413;
  constructor(
    readonly fault: InputFault,
    rootName?: string,
  ) {
    super(describeInputFault(fault, rootName));
    this.name = "InputRejectedError";
    this.status = inputFaultStatus(fault);
  }
}

/** `inspectInput`, throwing InputRejectedError on a fault. */
export function assertInput(value: unknown, rootName?: string): void {
  const f = inspectInput(value);
  if (f) throw new InputRejectedError(f, rootName);
}
