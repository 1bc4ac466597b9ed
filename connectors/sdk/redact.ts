// Redaction for connector logs and exception excerpts: values under secret-looking keys and header names
// are replaced, the connection's secret values (and tokens obtained with them) are masked wherever they
// appear, and long values are cut. The one redactor: the runtime's (server/runtime/redact.ts, for exception
// records, logs and the timeline) is this one with its own limits. Browser-safe.
const SECRET_KEY =
  /(authori[sz]ation|password|passwd|secret|token|api[-_]?key|cookie|signature|private[-_]?key|credential|session|assertion)/i;
export const REDACTED = "[redacted]";

export interface Redactor {
  add(secret: string): void;
  /** Whether `s` holds any secret (in any spelling add() knows); the credential scope check uses it. */
  contains(s: string): boolean;
  /** Whether any secret is known at all. */
  readonly empty: boolean;
  value(v: unknown): unknown;
  text(s: string): string;
}

export interface RedactorLimits {
  /** Longest string kept whole (default 2,000). */
  maxString?: number;
  /** Deeper values become "[…]" (default 8). */
  maxDepth?: number;
  /** Array items kept (default 50). */
  maxItems?: number;
  /** Object keys kept (default: all). */
  maxKeys?: number;
}

export function createRedactor(initial: readonly string[] = [], limits: RedactorLimits = {}): Redactor {
  const { maxString = 2000, maxDepth = 8, maxItems = 50, maxKeys = Infinity } = limits;
  const secrets = new Set<string>();
  const add = (s: string) => {
    if (typeof s === "string" && s.length >= 4) secrets.add(s);
    // Also the form-encoded and JSON-escaped spellings a secret takes inside a logged body.
    if (typeof s === "string" && s.length >= 4) {
      secrets.add(encodeURIComponent(s));
      secrets.add(JSON.stringify(s).slice(1, -1));
    }
  };
  initial.forEach(add);
  const text = (s: string): string => {
    let out = s;
    for (const secret of [...secrets].sort((a, b) => b.length - a.length))
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    out = out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`);
    return out.length > maxString ? `${out.slice(0, maxString)}… [${out.length - maxString} more characters]` : out;
  };
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return text(v);
    if (v === null || typeof v !== "object") return v;
    if (depth >= maxDepth) return "[…]";
    if (Array.isArray(v)) {
      const items = v.slice(0, maxItems).map((x) => walk(x, depth + 1));
      if (v.length > maxItems) items.push(`… ${v.length - maxItems} more items`);
      return items;
    }
    if (v instanceof Date) return v.toISOString();
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (n++ >= maxKeys) {
        out["…"] = "more keys omitted";
        break;
      }
      out[k] = SECRET_KEY.test(k) && x !== null && x !== undefined && x !== "" ? REDACTED : walk(x, depth + 1);
    }
    return out;
  };
  const contains = (s: string): boolean => {
    for (const secret of secrets) if (s.includes(secret)) return true;
    return false;
  };
  return {
    add,
    contains,
    get empty() {
      return secrets.size === 0;
    },
    value: (v) => walk(v, 0),
    text,
  };
}
