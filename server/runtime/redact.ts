// Secrets never reach an exception record, a log line or the timeline: values under secret-looking keys
// are replaced, known secret values (a connection's secrets) are masked wherever they appear, and long
// bodies are cut to an excerpt.
const SECRET_KEY = /(authori[sz]ation|password|passwd|secret|token|api[-_]?key|cookie|signature|private[-_]?key|credential|session)/i;
export const REDACTED = "[redacted]";

export interface RedactOptions {
  /** Literal secret values to mask anywhere they appear (e.g. the connection's secrets). */
  secrets?: readonly string[];
  /** Longest string kept whole. */
  maxString?: number;
  maxDepth?: number;
  maxKeys?: number;
}

export function redact(value: unknown, opts: RedactOptions = {}): unknown {
  const secrets = (opts.secrets ?? []).filter((s) => s.length >= 4);
  const maxString = opts.maxString ?? 2000;
  const maxDepth = opts.maxDepth ?? 8;
  const maxKeys = opts.maxKeys ?? 100;
  const mask = (s: string): string => {
    let out = s;
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    // Bearer/Basic credentials inside free text (e.g. a curl line in an error message).
    out = out.replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`);
    return out.length > maxString ? `${out.slice(0, maxString)}… [${out.length - maxString} more characters]` : out;
  };
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return mask(v);
    if (v === null || typeof v !== "object") return v;
    if (depth >= maxDepth) return "[…]";
    if (Array.isArray(v)) {
      const items = v.slice(0, maxKeys).map((x) => walk(x, depth + 1));
      if (v.length > maxKeys) items.push(`… ${v.length - maxKeys} more items`);
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
  return walk(value, 0);
}
