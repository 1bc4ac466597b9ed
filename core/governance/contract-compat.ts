// Event-contract compatibility, as a schema registry's modes define it (Confluent: BACKWARD — consumers
// using the new schema can read events written with the old one; FORWARD — the reverse; FULL — both).
// Both reduce to one question, "does every payload the writer schema allows pass the reader schema?",
// answered structurally over the JSON Schema subset contracts use. Pure: no I/O.
//
// Subset: type (incl. type arrays), properties, required, additionalProperties (boolean or schema),
// items, enum, const, minLength/maxLength/pattern/format, minimum/maximum/exclusive*, minItems/maxItems.
// Other keywords (anyOf, $ref, …) are compared verbatim: when they differ compatibility cannot be proven
// and the change is reported as breaking. One deliberate choice: adding an optional property to an open
// object is compatible (the change registry users expect to make); Confluent's stricter open-content rule
// would flag it because old events might have carried that name with another type.
import semver from "semver";

export interface JsonSchema {
  type?: JsonType | JsonType[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  title?: string;
  description?: string;
  [keyword: string]: unknown;
}

export type JsonType = "string" | "number" | "integer" | "boolean" | "object" | "array" | "null";
export type CompatibilityMode = "BACKWARD" | "FORWARD" | "FULL" | "NONE";

export interface CompatIssue {
  path: string;
  message: string;
}

const KNOWN = new Set([
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "enum",
  "const",
  "minLength",
  "maxLength",
  "pattern",
  "format",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minItems",
  "maxItems",
  "title",
  "description",
  "default",
  "examples",
  "$schema",
  "$id",
  "$comment",
]);

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const types = (s: JsonSchema): JsonType[] | null =>
  s.type === undefined ? null : Array.isArray(s.type) ? s.type : [s.type];
const join = (path: string, key: string) =>
  /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;

/** Problems that let a payload valid under `writer` fail `reader`; empty when the reader accepts them all. */
export function readerAccepts(reader: JsonSchema, writer: JsonSchema, path = "$"): CompatIssue[] {
  const out: CompatIssue[] = [];
  const issue = (message: string, at = path) => out.push({ path: at, message });

  for (const k of new Set([...Object.keys(reader), ...Object.keys(writer)])) {
    if (!KNOWN.has(k) && !same(reader[k], writer[k])) issue(`"${k}" changed; its compatibility cannot be checked`);
  }

  const rt = types(reader);
  const wt = types(writer);
  if (rt) {
    if (!wt) issue(`now must be ${rt.join(" or ")}, but any type was allowed`);
    else
      for (const t of wt)
        if (!rt.includes(t) && !(t === "integer" && rt.includes("number")))
          issue(`type ${t} is no longer accepted (now ${rt.join(" or ")})`);
  }

  if (reader.enum) {
    const written = writer.enum ?? (writer.const !== undefined ? [writer.const] : null);
    if (!written) issue(`now restricted to ${JSON.stringify(reader.enum)}, but any value was allowed`);
    else
      for (const v of written)
        if (!reader.enum.some((r) => same(r, v))) issue(`value ${JSON.stringify(v)} is no longer allowed`);
  }
  if (
    reader.const !== undefined &&
    !(same(writer.const, reader.const) || (writer.enum?.length === 1 && same(writer.enum[0], reader.const)))
  ) {
    issue(`now must equal ${JSON.stringify(reader.const)}`);
  }

  // Lower bounds may only fall and upper bounds only rise.
  const lower = (k: "minLength" | "minimum" | "exclusiveMinimum" | "minItems") => {
    const r = reader[k];
    if (r !== undefined && !(writer[k] !== undefined && writer[k] >= r)) issue(`${k} tightened to ${r}`);
  };
  const upper = (k: "maxLength" | "maximum" | "exclusiveMaximum" | "maxItems") => {
    const r = reader[k];
    if (r !== undefined && !(writer[k] !== undefined && writer[k] <= r)) issue(`${k} tightened to ${r}`);
  };
  lower("minLength");
  lower("minimum");
  lower("exclusiveMinimum");
  lower("minItems");
  upper("maxLength");
  upper("maximum");
  upper("exclusiveMaximum");
  upper("maxItems");
  if (reader.pattern !== undefined && reader.pattern !== writer.pattern) issue(`pattern changed to ${reader.pattern}`);
  if (reader.format !== undefined && reader.format !== writer.format) issue(`format changed to ${reader.format}`);

  // Objects.
  const wRequired = new Set(writer.required ?? []);
  for (const r of reader.required ?? [])
    if (!wRequired.has(r)) issue(`"${r}" is now required, but events may omit it`, join(path, r));
  const rProps = reader.properties ?? {};
  const wProps = writer.properties ?? {};
  for (const [name, w] of Object.entries(wProps)) {
    const r = rProps[name];
    if (r) out.push(...readerAccepts(r, w, join(path, name)));
    else if (reader.additionalProperties === false)
      issue(`"${name}" was removed from a closed object, but events may carry it`, join(path, name));
    else if (typeof reader.additionalProperties === "object")
      out.push(...readerAccepts(reader.additionalProperties, w, join(path, name)));
  }
  if (
    reader.additionalProperties === false &&
    writer.additionalProperties !== false &&
    (rt?.includes("object") || reader.properties)
  ) {
    issue("the object is now closed (additionalProperties: false), but events may carry other properties");
  } else if (typeof reader.additionalProperties === "object") {
    const wa = writer.additionalProperties;
    if (typeof wa === "object") out.push(...readerAccepts(reader.additionalProperties, wa, `${path}.*`));
    else if (wa !== false) issue("other properties are now constrained, but any were allowed");
  }

  // Arrays.
  if (reader.items) {
    if (writer.items) out.push(...readerAccepts(reader.items, writer.items, `${path}[]`));
    else issue("array items are now constrained, but any were allowed");
  }
  return out;
}

export function checkCompatibility(previous: JsonSchema, next: JsonSchema, mode: CompatibilityMode): CompatIssue[] {
  switch (mode) {
    case "NONE":
      return [];
    case "BACKWARD":
      return readerAccepts(next, previous);
    case "FORWARD":
      return readerAccepts(previous, next);
    case "FULL":
      return [
        ...readerAccepts(next, previous),
        ...readerAccepts(previous, next).map((i) => ({ ...i, message: `(forward) ${i.message}` })),
      ];
  }
}

export type Bump = "major" | "minor" | "patch";

export interface ContractChangeCheck {
  ok: boolean;
  /** The smallest bump this change needs: major when it breaks compatibility with its major line. */
  requiredBump: Bump;
  issues: CompatIssue[];
  problems: string[];
}

const BUMP_ORDER: Record<Bump, number> = { patch: 0, minor: 1, major: 2 };

/**
 * A new version of an event contract. `history` holds the published versions of the event (any majors).
 * Within a major, the new schema must be compatible with every earlier version (transitively, so that a
 * consumer on the newest schema reads any event of that major); a breaking change needs a new major.
 */
export function checkContractChange(
  history: ReadonlyArray<{ version: string; schema: JsonSchema }>,
  nextVersion: string,
  nextSchema: JsonSchema,
  mode: CompatibilityMode = "BACKWARD",
): ContractChangeCheck {
  const problems: string[] = [];
  const v = semver.valid(nextVersion);
  if (!v)
    return {
      ok: false,
      requiredBump: "major",
      issues: [],
      problems: [`"${nextVersion}" is not a semantic version (e.g. 1.2.0).`],
    };
  const sorted = [...history]
    .filter((h) => semver.valid(h.version))
    .sort((a, b) => semver.compare(a.version, b.version));
  const latest = sorted.at(-1);
  if (!latest) return { ok: true, requiredBump: "major", issues: [], problems: [] };
  if (!semver.gt(v, latest.version)) problems.push(`${v} is not above the latest version ${latest.version}.`);
  const sameMajor = sorted.filter((h) => semver.major(h.version) === semver.major(latest.version));
  const issues = sameMajor.flatMap((h) =>
    checkCompatibility(h.schema, nextSchema, mode).map((i) => ({ ...i, message: `vs ${h.version}: ${i.message}` })),
  );
  const requiredBump: Bump = issues.length ? "major" : same(latest.schema, nextSchema) ? "patch" : "minor";
  const actual: Bump =
    semver.major(v) > semver.major(latest.version)
      ? "major"
      : semver.minor(v) > semver.minor(latest.version)
        ? "minor"
        : "patch";
  if (semver.gt(v, latest.version) && BUMP_ORDER[actual] < BUMP_ORDER[requiredBump]) {
    problems.push(
      requiredBump === "major"
        ? `This change is not ${mode} compatible with ${latest.version}: publish it as ${semver.major(latest.version) + 1}.0.0.`
        : `This change adds to the schema: it needs at least a minor version (${semver.inc(latest.version, "minor")}).`,
    );
  }
  return { ok: problems.length === 0, requiredBump, issues: actual === "major" ? [] : issues, problems };
}

/** Validates a payload against the same subset (for checking what a flow emits against its contract). */
export function validatePayload(schema: JsonSchema, value: unknown, path = "$"): CompatIssue[] {
  const out: CompatIssue[] = [];
  const issue = (message: string, at = path) => out.push({ path: at, message });
  const t = types(schema);
  const actual: JsonType =
    value === null
      ? "null"
      : Array.isArray(value)
        ? "array"
        : typeof value === "number"
          ? Number.isInteger(value)
            ? "integer"
            : "number"
          : (typeof value as JsonType);
  if (t && !t.includes(actual) && !(actual === "integer" && t.includes("number"))) {
    issue(`expected ${t.join(" or ")}, got ${actual}`);
    return out;
  }
  if (schema.enum && !schema.enum.some((e) => same(e, value))) issue(`must be one of ${JSON.stringify(schema.enum)}`);
  if (schema.const !== undefined && !same(schema.const, value)) issue(`must equal ${JSON.stringify(schema.const)}`);
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) issue(`shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength) issue(`longer than ${schema.maxLength}`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value))
      issue(`does not match ${schema.pattern}`);
    if (schema.format === "date-time" && Number.isNaN(Date.parse(value))) issue("is not a date-time");
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) issue(`below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) issue(`above ${schema.maximum}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum)
      issue(`not above ${schema.exclusiveMinimum}`);
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum)
      issue(`not below ${schema.exclusiveMaximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) issue(`fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) issue(`more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((v, i) => out.push(...validatePayload(schema.items!, v, `${path}[${i}]`)));
  }
  if (actual === "object") {
    const obj = value as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in obj)) issue(`"${r}" is required`, join(path, r));
    for (const [k, v] of Object.entries(obj)) {
      const p = schema.properties?.[k];
      if (p) out.push(...validatePayload(p, v, join(path, k)));
      else if (schema.additionalProperties === false) issue(`"${k}" is not in the contract`, join(path, k));
      else if (typeof schema.additionalProperties === "object")
        out.push(...validatePayload(schema.additionalProperties, v, join(path, k)));
    }
  }
  return out;
}

/**
 * A flow's emit step maps fields onto the event; without a sample payload the static check is on field
 * names: every required field is mapped and, for closed contracts, nothing outside the contract is.
 */
export function checkEmittedFields(schema: JsonSchema, fields: readonly string[]): CompatIssue[] {
  const out: CompatIssue[] = [];
  const have = new Set(fields);
  for (const r of schema.required ?? [])
    if (!have.has(r))
      out.push({ path: join("$", r), message: `"${r}" is required by the contract but the flow does not set it` });
  if (schema.additionalProperties === false) {
    for (const f of fields)
      if (!schema.properties?.[f]) out.push({ path: join("$", f), message: `"${f}" is not in the contract` });
  }
  return out;
}
