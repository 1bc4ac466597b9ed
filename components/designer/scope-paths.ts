// What an expression at one node can refer to, and the dotted paths of schemas and samples that fill it: pure,
// apart from the CodeMirror editor (expression-field.tsx), so the designer computes scope without loading it.
import type { JsonSchema } from "./mapper/types";

/** What an expression at one node can refer to: dotted paths with a type hint. */
export interface ExprScope {
  paths: Array<{ path: string; type: string; detail?: string }>;
}

/** Dotted paths of a JSON Schema (arrays contribute their items' fields, as JSONata maps over arrays). */
export function schemaPaths(
  root: string,
  schema: JsonSchema | undefined,
  out: ExprScope["paths"] = [],
  depth = 0,
): ExprScope["paths"] {
  if (!schema || depth > 5) return out;
  const s =
    schema.anyOf?.find((x) => x.type === "object" || x.properties) ??
    schema.oneOf?.find((x) => x.type === "object" || x.properties) ??
    schema;
  const items = s.type === "array" && s.items && !Array.isArray(s.items) ? s.items : undefined;
  const obj = items ?? s;
  for (const [k, v] of Object.entries(obj.properties ?? {})) {
    const name = /^[A-Za-z_]\w*$/.test(k) ? k : `\`${k}\``;
    const type = Array.isArray(v.type) ? v.type.join("|") : (v.type ?? (v.anyOf ? "any" : "any"));
    out.push({ path: `${root}.${name}`, type: String(type), ...(v.description ? { detail: v.description } : {}) });
    schemaPaths(`${root}.${name}`, v, out, depth + 1);
  }
  return out;
}

/** Dotted paths of a sample value. */
export function samplePaths(
  root: string,
  sample: unknown,
  out: ExprScope["paths"] = [],
  depth = 0,
): ExprScope["paths"] {
  if (depth > 5 || sample === null || typeof sample !== "object") return out;
  const obj = Array.isArray(sample) ? sample[0] : sample;
  if (!obj || typeof obj !== "object") return out;
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const name = /^[A-Za-z_]\w*$/.test(k) ? k : `\`${k}\``;
    out.push({
      path: `${root}.${name}`,
      type: Array.isArray(v) ? "array" : v === null ? "null" : typeof v,
      detail: `sample: ${JSON.stringify(v)?.slice(0, 60)}`,
    });
    samplePaths(`${root}.${name}`, v, out, depth + 1);
  }
  return out;
}
