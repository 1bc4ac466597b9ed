// Reading fields and keys out of records, and the one key order both the matcher and whatever feeds it use.
import type { Normalise, ReconDefinition, Side } from "./schema";

/** The value at a dotted path, or undefined. */
export function getPath(record: unknown, path: string): unknown {
  let cur: unknown = record;
  let start = 0;
  while (cur !== null && cur !== undefined) {
    const dot = path.indexOf(".", start);
    const name = dot === -1 ? path.slice(start) : path.slice(start, dot);
    if (typeof cur !== "object") return undefined;
    cur = Object.hasOwn(cur, name) ? (cur as Record<string, unknown>)[name] : undefined;
    if (dot === -1) return cur;
    start = dot + 1;
  }
  return undefined;
}

/** Normalises a text (a key part or a compared field). */
export function normaliseText(value: string, n: Partial<Normalise> | undefined, maps: ReconDefinition["maps"]): string {
  let s = value;
  if (n?.trim !== false) s = s.trim().replace(/\s+/g, " ");
  if (n?.caseFold) s = s.toLowerCase();
  if (n?.stripLeadingZeros) s = s.replace(/^0+(?=.)/, "");
  if (n?.map) {
    const table = maps[n.map];
    if (table && Object.hasOwn(table, s)) s = table[s]!;
  }
  return s;
}

/** Joins the parts of a composite key; below every printable character so "a" sorts before "a␟b". */
export const KEY_SEPARATOR = "\u001f";

/** The normalised key of a record on a side, or null when a key part is missing or empty. */
export function recordKey(side: Side, record: unknown, maps: ReconDefinition["maps"]): string | null {
  const parts: string[] = [];
  for (const path of side.key) {
    const raw = getPath(record, path);
    if (raw === null || raw === undefined) return null;
    if (typeof raw !== "string" && typeof raw !== "number" && typeof raw !== "bigint" && typeof raw !== "boolean")
      return null;
    const part = normaliseText(String(raw), side.normalise, maps);
    if (part === "") return null;
    parts.push(part);
  }
  return parts.join(KEY_SEPARATOR);
}

/**
 * The key order: Unicode code points, which is also the byte order of UTF-8 — what Postgres sorts by
 * with `COLLATE "C"`. (JavaScript's `<` compares UTF-16 units, which differs for characters above U+FFFF.)
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (U+D800–DFFF) encodes a code point above U+FFFF: it sorts after every BMP character.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
