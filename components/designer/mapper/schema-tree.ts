// Field trees for the data mapper, built from JSON Schema (connector and canonical zod schemas through
// z.toJSONSchema) or, when a source has no schema, inferred from its pinned sample. Pure: unit-tested.
import type { JsonSchema } from "./types";
import { isObj } from "@/core/is-obj";

export type FieldType = "string" | "number" | "integer" | "boolean" | "object" | "array" | "null" | "any";

export interface FieldNode {
  /** Field name (array elements are "[]"). */
  name: string;
  /** Dotted path from the tree root ("" for the root); "[]" segments stand for array elements. */
  path: string;
  type: FieldType;
  /** A date/date-time/email… format hint. */
  format?: string;
  required: boolean;
  nullable: boolean;
  description?: string;
  enum?: unknown[];
  /** Object fields, or for an array the fields of its elements (element-wise mapping). */
  children: FieldNode[];
  /** For arrays: the element type. */
  itemType?: FieldType;
}

const MAX_DEPTH = 12;
const MAX_FIELDS = 2_000;

function resolveRef(root: JsonSchema, ref: string): JsonSchema | undefined {
  if (!ref.startsWith("#")) return undefined;
  let cur: unknown = root;
  for (const raw of ref.slice(1).split("/").filter(Boolean)) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (!isObj(cur)) return undefined;
    cur = cur[seg];
  }
  return isObj(cur) ? (cur as JsonSchema) : undefined;
}

interface Flat {
  type: FieldType;
  nullable: boolean;
  schema: JsonSchema;
}

/** Collapses $ref, allOf and "X or null" unions into one schema with a type. */
function flatten(root: JsonSchema, s: JsonSchema, seen: Set<string>): Flat {
  if (typeof s.$ref === "string") {
    if (seen.has(s.$ref)) return { type: "any", nullable: false, schema: {} }; // recursive schema: stop here
    const target = resolveRef(root, s.$ref);
    if (target) return flatten(root, { ...target, ...omit(s, "$ref") }, new Set([...seen, s.$ref]));
  }
  if (Array.isArray(s.allOf) && s.allOf.length > 0) {
    const merged: JsonSchema = { ...omit(s, "allOf") };
    const props: Record<string, JsonSchema> = { ...(s.properties ?? {}) };
    const required = new Set(s.required ?? []);
    for (const part of s.allOf) {
      const f = flatten(root, part, seen).schema;
      Object.assign(props, f.properties ?? {});
      for (const r of f.required ?? []) required.add(r);
      if (!merged.type && f.type) merged.type = f.type;
    }
    return flatten(root, { ...merged, properties: props, required: [...required] }, seen);
  }
  const union = s.anyOf ?? s.oneOf;
  if (Array.isArray(union) && union.length > 0) {
    const parts = union.map((u) => flatten(root, u, seen));
    const nonNull = parts.filter((p) => p.type !== "null");
    const nullable = nonNull.length < parts.length;
    if (nonNull.length === 1) return { ...nonNull[0]!, nullable: nullable || nonNull[0]!.nullable };
    // A union of objects (e.g. a discriminated union): offer every field any variant has.
    if (nonNull.length > 1 && nonNull.every((p) => p.type === "object")) {
      const props: Record<string, JsonSchema> = {};
      for (const p of nonNull) Object.assign(props, p.schema.properties ?? {});
      return { type: "object", nullable, schema: { type: "object", properties: props } };
    }
    const types = new Set(nonNull.map((p) => p.type));
    return { type: types.size === 1 ? [...types][0]! : "any", nullable, schema: nonNull[0]?.schema ?? {} };
  }
  let type: FieldType = "any";
  let nullable = false;
  const t = s.type;
  if (typeof t === "string") type = asFieldType(t);
  else if (Array.isArray(t)) {
    const nn = t.filter((x) => x !== "null");
    nullable = nn.length < t.length;
    type = nn.length === 1 ? asFieldType(String(nn[0])) : "any";
  } else if (isObj(s.properties)) type = "object";
  else if (s.items !== undefined) type = "array";
  else if (s.const !== undefined) type = typeOfValue(s.const);
  else if (Array.isArray(s.enum) && s.enum.length > 0) {
    const ts = new Set(s.enum.map(typeOfValue));
    type = ts.size === 1 ? [...ts][0]! : "any";
  }
  return { type, nullable, schema: s };
}

function omit<T extends Record<string, unknown>>(o: T, k: string): T {
  const { [k]: _dropped, ...rest } = o;
  return rest as T;
}

function asFieldType(t: string): FieldType {
  return (["string", "number", "integer", "boolean", "object", "array", "null"] as const).find((x) => x === t) ?? "any";
}

export function typeOfValue(v: unknown): FieldType {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "object") return "object";
  return "any";
}

const join = (base: string, name: string) => (base ? `${base}.${name}` : name);

/** The field tree of a JSON Schema. Recursive schemas stop at the first repeat; very deep or wide ones are cut. */
export function schemaTree(schema: JsonSchema, name = ""): FieldNode {
  let count = 0;
  const build = (
    s: JsonSchema,
    fieldName: string,
    path: string,
    required: boolean,
    depth: number,
    seen: Set<string>,
  ): FieldNode => {
    count++;
    const refs = typeof s.$ref === "string" ? new Set([...seen, s.$ref]) : seen;
    const f = flatten(schema, s, seen);
    const node: FieldNode = { name: fieldName, path, type: f.type, required, nullable: f.nullable, children: [] };
    if (typeof f.schema.format === "string") node.format = f.schema.format;
    if (typeof f.schema.description === "string") node.description = f.schema.description;
    if (Array.isArray(f.schema.enum)) node.enum = f.schema.enum;
    if (depth >= MAX_DEPTH || count > MAX_FIELDS) return node;
    if (f.type === "object" && isObj(f.schema.properties)) {
      const req = new Set(Array.isArray(f.schema.required) ? f.schema.required : []);
      for (const [k, v] of Object.entries(f.schema.properties)) {
        if (!isObj(v)) continue;
        node.children.push(build(v as JsonSchema, k, join(path, k), req.has(k), depth + 1, refs));
      }
    } else if (f.type === "array") {
      const items = Array.isArray(f.schema.items) ? f.schema.items[0] : f.schema.items;
      if (isObj(items)) {
        const el = build(items as JsonSchema, "[]", join(path, "[]"), true, depth + 1, refs);
        node.itemType = el.type;
        if (el.format) node.format = el.format;
        node.children = el.children; // element fields sit directly under the array
      }
    }
    return node;
  };
  return build(schema, name, "", true, 0, new Set());
}

/** The field tree of a sample value (every field of every element of an array is merged). */
export function sampleTree(sample: unknown, name = ""): FieldNode {
  const build = (v: unknown, fieldName: string, path: string, depth: number): FieldNode => {
    const type = typeOfValue(v);
    const node: FieldNode = { name: fieldName, path, type, required: false, nullable: v === null, children: [] };
    if (depth >= MAX_DEPTH) return node;
    if (type === "string" && typeof v === "string" && /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v))
      node.format = v.length > 10 ? "date-time" : "date";
    if (isObj(v)) for (const [k, c] of Object.entries(v)) node.children.push(build(c, k, join(path, k), depth + 1));
    else if (Array.isArray(v)) {
      const merged = new Map<string, FieldNode>();
      let itemType: FieldType | undefined;
      for (const el of v.slice(0, 50)) {
        const t = typeOfValue(el);
        itemType =
          itemType === undefined || itemType === t ? t : itemType === "integer" && t === "number" ? "number" : "any";
        if (!isObj(el)) continue;
        for (const child of build(el, "[]", join(path, "[]"), depth + 1).children) {
          const prev = merged.get(child.name);
          if (!prev) merged.set(child.name, child);
          else if (prev.type !== child.type && child.type !== "null") {
            // 3 and 50.5 in one column: a number; mixed kinds: any.
            const widened: FieldType =
              prev.type === "null"
                ? child.type
                : [prev.type, child.type].every((t) => t === "integer" || t === "number")
                  ? "number"
                  : "any";
            merged.set(child.name, { ...prev, type: widened, nullable: prev.nullable || prev.type === "null" });
          }
        }
      }
      if (itemType) node.itemType = itemType;
      node.children = [...merged.values()];
    }
    return node;
  };
  return build(sample, name, "", 0);
}

/** Every node of a tree, depth first (the root included). */
export function walkTree(node: FieldNode, out: FieldNode[] = []): FieldNode[] {
  out.push(node);
  for (const c of node.children) walkTree(c, out);
  return out;
}

/** The node at a dotted path ("[]" segments may be left out: "lines.sku" finds "lines.[].sku"). */
export function findNode(root: FieldNode, path: string): FieldNode | undefined {
  if (path === "") return root;
  let cur: FieldNode | undefined = root;
  for (const seg of path.split(".")) {
    if (seg === "[]") continue;
    cur = cur?.children.find((c) => c.name === seg);
    if (!cur) return undefined;
  }
  return cur;
}

/** Whether a value of type `from` can fill a field of type `to` without a conversion. */
export function typesCompatible(from: FieldType, to: FieldType): boolean {
  if (from === "any" || to === "any" || from === to) return true;
  if (to === "number" && from === "integer") return true;
  return false;
}

export const TYPE_LABEL: Record<FieldType, string> = {
  string: "text",
  number: "number",
  integer: "integer",
  boolean: "yes/no",
  object: "object",
  array: "list",
  null: "null",
  any: "any",
};
