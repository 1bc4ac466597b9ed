/** A JSON-style object: not null, not an array. The one copy of this guard (documents, schemas and payloads are walked as unknown). */
export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Any object, arrays included (reading properties of a thrown value or an error's metadata). */
export function isObjectLike(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null;
}
