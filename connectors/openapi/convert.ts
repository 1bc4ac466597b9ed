// OpenAPI import: openApiToConnector(doc) turns an OpenAPI 3.0 / 3.1 document into a connector definition
// whose every operation is a typed action. Pure and browser-safe (the admin page can preview an upload).
//   - input  = { path?, query?, headers?, body? } from the parameters (path-level merged with
//     operation-level) and the request body (JSON, form or text);
//   - output = the union of the 2xx JSON response schemas;
//   - schemas go through zod 4's z.fromJSONSchema with only the definitions each one reaches; $ref
//     (to components, deep pointers, parameters/requestBodies/responses/pathItems), allOf, oneOf, anyOf,
//     recursion and 3.0 `nullable` are handled; readOnly properties are not required in inputs and
//     writeOnly ones not in outputs; anything zod cannot express degrades to z.unknown() with a warning;
//   - the handler builds the request (server variables, path templating, form/deepObject query styles,
//     bracket-encoded form bodies) and authenticates with the chosen security scheme.
// Responses are checked leniently: real APIs drift from their specs, so a mismatch is logged, not fatal.
import { z } from "zod";
import type {
  AccessToken,
  AnyConnectorDefinition,
  ConnectorContext,
  HttpRequest,
  OperationSpec,
  QueryValue,
} from "../sdk/define";
import { defineConnector, implementConnector, vendorData } from "../sdk/define";
import { requestToken, withBearer } from "../sdk/oauth";
import { ConnectorError } from "../sdk/errors";
import { rateLimitSchema } from "../sdk/common";
import { isObj as isObject } from "../../core/is-obj";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

export class OpenApiImportError extends Error {}

export interface OpenApiImportOptions {
  key?: string;
  name?: string;
  /** Stop after this many operations (the rest are reported in warnings). */
  maxOperations?: number;
}

export interface OpenApiOperationMeta {
  method: string;
  path: string;
  parameters: Array<{ name: string; in: "path" | "query" | "header" | "cookie"; style?: string; explode?: boolean }>;
  bodyMediaType?: string;
  /** Every media type the request body may have (the caller's content-type must be one of them). */
  bodyMediaTypes?: string[];
  security?: string[];
}

export interface OpenApiConnector extends AnyConnectorDefinition {
  warnings: string[];
  /** Per operation: how to build its request (also useful for the admin preview). */
  operationsMeta: Record<string, OpenApiOperationMeta>;
}

const UNSUPPORTED = new Set([
  "unevaluatedItems",
  "unevaluatedProperties",
  "if",
  "then",
  "else",
  "dependentSchemas",
  "dependentRequired",
]);
const TYPES = new Set(["string", "number", "integer", "boolean", "object", "array", "null"]);
const validType = (v: Json): boolean =>
  typeof v === "string" ? TYPES.has(v) : Array.isArray(v) && v.every((t) => typeof t === "string" && TYPES.has(t));

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
const isObj = (v: unknown): v is JsonObject => isObject(v);

function decodePointer(p: string): string[] {
  return p
    .replace(/^#\/?/, "")
    .split("/")
    .filter((s) => s.length)
    .map((s) => decodeURIComponent(s).replace(/~1/g, "/").replace(/~0/g, "~"));
}

function at(doc: JsonObject, ref: string): Json | undefined {
  let cur: Json | undefined = doc;
  for (const part of decodePointer(ref)) {
    if (Array.isArray(cur)) cur = cur[Number(part)];
    else if (isObj(cur)) cur = cur[part];
    else return undefined;
  }
  return cur;
}

function identifier(s: string): string {
  const words = s
    .replace(/[^A-Za-z0-9]+/g, " ")
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  const id = words
    .map((w, i) => (i === 0 ? w.charAt(0).toLowerCase() + w.slice(1) : w.charAt(0).toUpperCase() + w.slice(1)))
    .join("");
  return /^[A-Za-z_]/.test(id) ? id : `op${id.charAt(0).toUpperCase()}${id.slice(1)}`;
}

export function slugKey(s: string): string {
  const k = s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48);
  return /^[a-z]/.test(k) ? k : `api-${k || "import"}`;
}

/** Converts schemas of one document, sharing definition bookkeeping across operations. */
class SchemaConverter {
  private defs = new Map<string, { json: Json; key: string }>(); // ref → def
  private keys = new Set<string>();
  private directRefs = new Map<string, string[]>();
  private prepared = new Map<string, Json>(); // mode|ref → transformed def
  fallbacks = 0;
  converted = 0;
  /** Keywords removed because zod cannot express them, with counts. */
  readonly dropped = new Map<string, number>();
  private slots: Array<{ id: string; mode: "input" | "output"; json: Json; refs: Set<string>; where: string }> = [];
  private built = new Map<string, z.ZodType>();

  constructor(
    private readonly doc: JsonObject,
    private readonly version: "3.0" | "3.1",
    private readonly warn: (w: string) => void,
  ) {}

  private defsKey(): string {
    return this.version === "3.0" ? "definitions" : "$defs";
  }

  /** A safe definition key for a reference, registering its target. */
  private defFor(ref: string): string | undefined {
    const hit = this.defs.get(ref);
    if (hit) return hit.key;
    if (!ref.startsWith("#")) return undefined;
    const target = at(this.doc, ref);
    if (target === undefined) return undefined;
    let key = decodePointer(ref)
      .slice(-3)
      .join("_")
      .replace(/[^A-Za-z0-9_]/g, "_")
      .replace(/^(components_schemas_|schemas_)/, "");
    while (this.keys.has(key)) key = `${key}_`;
    this.keys.add(key);
    this.defs.set(ref, { json: target, key });
    return key;
  }

  /**
   * Rewrites a schema for zod: $refs to definition keys, readOnly/writeOnly handling for the mode, and
   * 3.1 keywords zod does not take. Collects the refs it meets.
   */
  private rewrite(node: Json, mode: "input" | "output", refs: Set<string>, depth = 0): Json {
    if (depth > 200) return {};
    if (Array.isArray(node)) return node.map((n) => this.rewrite(n, mode, refs, depth + 1));
    if (!isObj(node)) return node;
    const distributed = this.distributeRequired(node);
    if (distributed) return this.rewrite(distributed, mode, refs, depth + 1);
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") {
        const key = this.defFor(v);
        if (key === undefined) {
          this.warn(`unresolvable $ref ${v} (treated as any value)`);
          continue;
        }
        refs.add(v);
        out.$ref = `#/${this.defsKey()}/${key}`;
        continue;
      }
      if (
        k.startsWith("x-") ||
        k === "example" ||
        k === "examples" ||
        k === "xml" ||
        k === "externalDocs" ||
        k === "discriminator" ||
        k === "$schema" ||
        k === "$id" ||
        k === "$comment"
      )
        continue;
      // Keywords zod cannot express: dropped, so validation is looser there but the import goes through.
      if (UNSUPPORTED.has(k) || (k === "not" && !(isObj(v) && Object.keys(v).length === 0))) {
        this.dropped.set(k, (this.dropped.get(k) ?? 0) + 1);
        continue;
      }
      if (k === "type" && !validType(v)) {
        this.dropped.set(`type ${JSON.stringify(v)}`, (this.dropped.get(`type ${JSON.stringify(v)}`) ?? 0) + 1);
        continue;
      }
      if (k === "properties" && isObj(v)) {
        const props: JsonObject = {};
        for (const [p, s] of Object.entries(v)) props[p] = this.rewrite(s, mode, refs, depth + 1);
        out.properties = props;
        continue;
      }
      // Keywords whose values are not schemas are copied as they are.
      if (
        k === "enum" ||
        k === "const" ||
        k === "default" ||
        k === "required" ||
        k === "type" ||
        k === "format" ||
        k === "pattern" ||
        k === "description" ||
        k === "title"
      ) {
        out[k] = v;
        continue;
      }
      out[k] = this.rewrite(v, mode, refs, depth + 1);
    }
    // Requests never carry readOnly fields and responses never writeOnly ones: neither is required there.
    if (isObj(node.properties) && Array.isArray(out.required)) {
      const props = node.properties;
      out.required = out.required.filter((r) => {
        const p = typeof r === "string" ? props[r] : undefined;
        const resolved = isObj(p) && typeof p.$ref === "string" ? at(this.doc, p.$ref) : p;
        return !(isObj(resolved) && (mode === "input" ? resolved.readOnly === true : resolved.writeOnly === true));
      });
    }
    // A "pattern" the JS engine cannot compile would make zod throw: drop it (validation gets looser).
    if (typeof out.pattern === "string") {
      try {
        new RegExp(out.pattern, "u");
      } catch {
        delete out.pattern;
      }
    }
    return out;
  }

  /**
   * `anyOf`/`oneOf` branches that only list `required` fields ("email or phone", usually beside
   * `additionalProperties: false`) constrain the object they sit in, but zod reads such a branch as "any value"
   * and the constraint vanishes. Distributing the object over the branches is exact:
   * {properties, anyOf: [{required: [a]}, {required: [b]}]} ≡ anyOf: [{properties, required: [a]}, {properties, required: [b]}].
   * Where the branches have no object to distribute over, the constraint is dropped with a warning.
   */
  private distributeRequired(node: JsonObject): JsonObject | undefined {
    for (const k of ["anyOf", "oneOf"] as const) {
      const branches = node[k];
      if (!Array.isArray(branches) || !branches.length) continue;
      const requiredOnly = branches.every(
        (b) =>
          isObj(b) &&
          Array.isArray(b.required) &&
          Object.keys(b).every(
            (x) => x === "required" || x === "description" || x === "title" || (x === "type" && b.type === "object"),
          ),
      );
      if (!requiredOnly) continue;
      const { [k]: _branches, description, title, ...base } = node;
      if (!isObj(base.properties) && base.additionalProperties === undefined) {
        this.dropped.set(
          `${k} of required-only branches without properties`,
          (this.dropped.get(`${k} of required-only branches without properties`) ?? 0) + 1,
        );
        return {
          ...base,
          ...(description !== undefined ? { description } : {}),
          ...(title !== undefined ? { title } : {}),
        };
      }
      const own = Array.isArray(base.required) ? base.required : [];
      const out: JsonObject = {
        [k]: branches.map((b) => ({
          ...base,
          type: "object",
          required: [...new Set([...own, ...((b as JsonObject).required as Json[])])],
        })),
      };
      if (description !== undefined) out.description = description;
      if (title !== undefined) out.title = title;
      return out;
    }
    return undefined;
  }

  private preparedDef(ref: string, mode: "input" | "output"): { json: Json; refs: string[] } {
    const id = `${mode}|${ref}`;
    const cached = this.prepared.get(id);
    if (cached !== undefined) return { json: cached, refs: this.directRefs.get(id)! };
    const refs = new Set<string>();
    const json = this.rewrite(this.defs.get(ref)!.json, mode, refs);
    this.prepared.set(id, json);
    this.directRefs.set(id, [...refs]);
    return { json, refs: [...refs] };
  }

  /** Registers a schema to convert later (all at once); returns a getter for its zod type. */
  slot(schema: Json | undefined, mode: "input" | "output", where: string): () => z.ZodType {
    if (schema === undefined || schema === true || (isObj(schema) && Object.keys(schema).length === 0))
      return () => z.unknown();
    const id = `s${this.slots.length}`;
    const refs = new Set<string>();
    const json = this.rewrite(schema, mode, refs);
    this.slots.push({ id, mode, json, refs, where });
    return () => this.built.get(id) ?? z.unknown();
  }

  /**
   * Converts every registered schema: one z.fromJSONSchema call per mode over a synthetic object whose
   * properties are the schemas, so each shared definition is converted once (Stripe reaches most of its
   * ~1000 definitions from every operation). If that call fails, schemas are converted one by one.
   */
  build(): void {
    for (const mode of ["input", "output"] as const) {
      const slots = this.slots.filter((x) => x.mode === mode);
      if (!slots.length) continue;
      const defs = this.reachable(
        slots.flatMap((x) => [...x.refs]),
        mode,
      );
      const root: JsonObject = {
        type: "object",
        properties: Object.fromEntries(slots.map((x) => [x.id, x.json])),
        required: slots.map((x) => x.id),
      };
      if (Object.keys(defs).length) root[this.defsKey()] = defs;
      try {
        const obj = z.fromJSONSchema(root as Parameters<typeof z.fromJSONSchema>[0], {
          defaultTarget: this.version === "3.0" ? "openapi-3.0" : "draft-2020-12",
        });
        const shape = (obj as unknown as { shape: Record<string, z.ZodType> }).shape;
        for (const x of slots) if (shape[x.id]) this.built.set(x.id, shape[x.id]!);
        this.converted += slots.length;
      } catch {
        for (const x of slots) this.built.set(x.id, this.convertOne(x.json, x.refs, mode, x.where));
      }
    }
  }

  private reachable(start: string[], mode: "input" | "output"): JsonObject {
    const defs: JsonObject = {};
    const queue = [...start];
    const seen = new Set<string>();
    while (queue.length) {
      const r = queue.pop()!;
      if (seen.has(r)) continue;
      seen.add(r);
      const p = this.preparedDef(r, mode);
      defs[this.defs.get(r)!.key] = p.json;
      queue.push(...p.refs);
    }
    return defs;
  }

  private convertOne(root: Json, refs: Set<string>, mode: "input" | "output", where: string): z.ZodType {
    this.converted++;
    const defs = this.reachable([...refs], mode);
    const doc: JsonObject = isObj(root) ? { ...root } : { allOf: [root] };
    if (Object.keys(defs).length) doc[this.defsKey()] = defs;
    try {
      return z.fromJSONSchema(doc as Parameters<typeof z.fromJSONSchema>[0], {
        defaultTarget: this.version === "3.0" ? "openapi-3.0" : "draft-2020-12",
      });
    } catch (e) {
      this.fallbacks++;
      this.warn(`${where}: schema not representable (${(e as Error).message.slice(0, 120)}); accepting any value`);
      return z.unknown();
    }
  }

  /** The zod type of a schema, with the definitions it reaches; z.unknown() if zod cannot take it. */
  convert(schema: Json | undefined, mode: "input" | "output", where: string): z.ZodType {
    if (schema === undefined || schema === true || (isObj(schema) && Object.keys(schema).length === 0))
      return z.unknown();
    this.converted++;
    const refs = new Set<string>();
    const root = this.rewrite(schema, mode, refs);
    const defs: JsonObject = {};
    const queue = [...refs];
    const seen = new Set<string>();
    while (queue.length) {
      const r = queue.pop()!;
      if (seen.has(r)) continue;
      seen.add(r);
      const p = this.preparedDef(r, mode);
      defs[this.defs.get(r)!.key] = p.json;
      queue.push(...p.refs);
    }
    const doc: JsonObject = isObj(root) ? { ...root } : { allOf: [root] };
    if (Object.keys(defs).length) doc[this.defsKey()] = defs;
    try {
      return z.fromJSONSchema(doc as Parameters<typeof z.fromJSONSchema>[0], {
        defaultTarget: this.version === "3.0" ? "openapi-3.0" : "draft-2020-12",
      });
    } catch (e) {
      this.fallbacks++;
      this.warn(`${where}: schema not representable (${(e as Error).message.slice(0, 120)}); accepting any value`);
      return z.unknown();
    }
  }
}

function resolveRef<T extends Json>(doc: JsonObject, v: Json | undefined, seen = 0): T | undefined {
  if (isObj(v) && typeof v.$ref === "string" && seen < 20) return resolveRef<T>(doc, at(doc, v.$ref), seen + 1);
  return v as T | undefined;
}

function pickMedia(content: Json | undefined): { type: string; schema: Json | undefined } | undefined {
  if (!isObj(content)) return undefined;
  const types = Object.keys(content);
  const order = [
    (t: string) => /^application\/json\b/i.test(t),
    (t: string) => /\+json\b/i.test(t) || /json/i.test(t),
    (t: string) => /x-www-form-urlencoded/i.test(t),
    (t: string) => /multipart\/form-data/i.test(t),
    (t: string) => /^text\//i.test(t),
    () => true,
  ];
  for (const test of order) {
    const t = types.find(test);
    if (t) {
      const m = content[t];
      return { type: t, schema: isObj(m) ? m.schema : undefined };
    }
  }
  return undefined;
}

// Request body media types. Binary ones (application/octet-stream, application/pdf, image/png, …) carry bytes:
// base64 in the DSL (flows are JSON), decoded to bytes on the wire. A wildcard (`*/*`, `image/*`) is never sent
// as a content-type: the caller names the concrete type in the content-type header, or it is derived from the body.
const isJsonMedia = (t: string) => /[/+]json\b|^application\/json/i.test(t);
const isFormMedia = (t: string) => /x-www-form-urlencoded|multipart\//i.test(t);
const isTextMedia = (t: string) => /^text\/|[/+]xml\b/i.test(t);
const isWildcardMedia = (t: string) => t.includes("*");
export const isBinaryMedia = (t: string) =>
  !isWildcardMedia(t) && !isJsonMedia(t) && !isFormMedia(t) && !isTextMedia(t);
const CONCRETE_MEDIA = /^[A-Za-z0-9][\w.+-]*\/[A-Za-z0-9][\w.+-]*(\s*;.*)?$/;
const mediaAccepts = (declared: string, actual: string): boolean => {
  const [dt, ds] = declared.split(";")[0]!.trim().toLowerCase().split("/");
  const [at, as] = actual.split(";")[0]!.trim().toLowerCase().split("/");
  return (dt === "*" || dt === at) && (ds === "*" || ds === as);
};

/** Decodes base64 (standard or URL-safe, whitespace ignored) without Buffer, so this module stays browser-safe. */
function base64Bytes(text: string): Uint8Array | undefined {
  const t = text.replace(/\s+/g, "").replace(/-/g, "+").replace(/_/g, "/");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t) || t.replace(/=+$/, "").length % 4 === 1) return undefined;
  const bin = atob(t.padEnd(Math.ceil(t.length / 4) * 4, "="));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// apiKey schemes in the Authorization header: most APIs want a scheme word before the key ("Bearer <key>",
// "SSWS <token>", "Token <key>"). Taken from an x- extension or the scheme's description when the spec gives
// it; the connection's "prefix" setting (default: that, else Bearer) lets the user enter only the key.
const KNOWN_PREFIXES = [
  "Bearer",
  "Token",
  "Basic",
  "SSWS",
  "ApiKey",
  "Api-Key",
  "Apikey",
  "Key",
  "JWT",
  "OAuth",
  "GenieKey",
  "DeepL-Auth-Key",
  "Klaviyo-API-Key",
  "Zoho-oauthtoken",
  "sso-key",
  "Splunk",
];
const PLACEHOLDER = String.raw`(?:<[^>\n]{1,60}>|\{\{?[^}\n]{1,60}\}?\}|\[[^\]\n]{1,60}\]|\$\{?[A-Za-z_]+\}?|YOUR[_ -][A-Za-z_ -]{1,30}|[A-Z][A-Z0-9]*_[A-Z0-9_]+|x{3,}|\.\.\.)`;
export function authorizationPrefix(s: JsonObject): string | undefined {
  for (const [k, v] of Object.entries(s))
    if (/^x-.*(prefix|scheme)/i.test(k) && typeof v === "string" && /^[\w.-]{1,40}$/.test(v.trim())) return v.trim();
  const d = typeof s.description === "string" ? s.description : "";
  const known = KNOWN_PREFIXES.map((p) => p.replace(/-/g, "\\-")).join("|");
  const patterns = [
    new RegExp(String.raw`authorization\s*:\s*["'\x60]?([A-Za-z][\w-]{1,30})\s+${PLACEHOLDER}`, "i"),
    new RegExp(String.raw`["'\x60]([A-Za-z][\w-]{1,30})\s+${PLACEHOLDER}`),
    new RegExp(
      String.raw`prefix(?:ed)?\s+(?:it\s+)?(?:with|by)\s+(?:the\s+)?(?:word\s+)?["'\x60]?([A-Za-z][\w-]{1,30})`,
      "i",
    ),
    new RegExp(String.raw`\b(${known})\s+${PLACEHOLDER}`, "i"),
  ];
  for (const re of patterns) {
    const m = re.exec(d);
    if (m?.[1] && !/^(your|the|an?|my|use|with|header|authorization)$/i.test(m[1]))
      return KNOWN_PREFIXES.find((p) => p.toLowerCase() === m[1]!.toLowerCase()) ?? m[1];
  }
  return undefined;
}

interface SecurityScheme {
  name: string;
  type: string;
  /** apiKey in the Authorization header: the scheme word the spec asks for, if it says. */
  prefix?: string;
  in?: string;
  paramName?: string;
  scheme?: string;
  tokenUrl?: string;
  scopes?: string[];
}

function serverUrl(doc: JsonObject): string | undefined {
  const servers = Array.isArray(doc.servers) ? doc.servers : [];
  const s = servers.find(isObj);
  if (!s || typeof s.url !== "string") return undefined;
  let url = s.url;
  if (isObj(s.variables))
    for (const [k, v] of Object.entries(s.variables))
      if (isObj(v) && typeof v.default === "string") url = url.split(`{${k}}`).join(v.default);
  return url;
}

/** form-style encoding of nested values as Stripe and Rails read them: a[b]=1, a[c][0]=x. */
export function bracketEncode(value: unknown, prefix = "", out: Array<[string, string]> = []): Array<[string, string]> {
  if (value === undefined) return out;
  if (value === null) {
    out.push([prefix, ""]);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => bracketEncode(v, `${prefix}[${i}]`, out));
  } else if (typeof value === "object") {
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      bracketEncode(v, prefix ? `${prefix}[${k}]` : k, out);
  } else out.push([prefix, String(value)]);
  return out;
}

export function openApiToConnector(input: unknown, opts: OpenApiImportOptions = {}): OpenApiConnector {
  if (!isObj(input as Json)) throw new OpenApiImportError("An OpenAPI document is a JSON/YAML object.");
  const doc = input as JsonObject;
  if (typeof doc.swagger === "string")
    throw new OpenApiImportError(
      `Swagger ${doc.swagger} documents are not supported; convert to OpenAPI 3 first (e.g. with swagger2openapi).`,
    );
  const openapi = typeof doc.openapi === "string" ? doc.openapi : "";
  const version = openapi.startsWith("3.0") ? "3.0" : openapi.startsWith("3.1") ? "3.1" : undefined;
  if (!version)
    throw new OpenApiImportError(
      `Unsupported OpenAPI version "${openapi || "missing"}"; 3.0.x and 3.1.x are supported.`,
    );
  const warnings: string[] = [];
  const warnSet = new Set<string>();
  const warn = (w: string) => {
    if (!warnSet.has(w) && warnings.length < 500) {
      warnSet.add(w);
      warnings.push(w);
    }
  };
  const info = isObj(doc.info) ? doc.info : {};
  const title = typeof info.title === "string" ? info.title : "Imported API";
  const conv = new SchemaConverter(doc, version, warn);

  // --- security schemes → auth config/secrets --------------------------------------------------------
  const schemes: SecurityScheme[] = [];
  const comps = isObj(doc.components) ? doc.components : {};
  for (const [name, raw] of Object.entries(isObj(comps.securitySchemes) ? comps.securitySchemes : {})) {
    const s = resolveRef<JsonObject>(doc, raw);
    if (!isObj(s) || typeof s.type !== "string") continue;
    const cc = isObj(s.flows) && isObj(s.flows.clientCredentials) ? s.flows.clientCredentials : undefined;
    const inAuthorization =
      s.type === "apiKey" &&
      s.in === "header" &&
      typeof s.name === "string" &&
      s.name.toLowerCase() === "authorization";
    schemes.push({
      name,
      type: s.type,
      prefix: inAuthorization ? authorizationPrefix(s) : undefined,
      in: typeof s.in === "string" ? s.in : undefined,
      paramName: typeof s.name === "string" ? s.name : undefined,
      scheme: typeof s.scheme === "string" ? s.scheme.toLowerCase() : undefined,
      tokenUrl: cc && typeof cc.tokenUrl === "string" ? cc.tokenUrl : undefined,
      scopes: cc && isObj(cc.scopes) ? Object.keys(cc.scopes) : undefined,
    });
  }
  const globalSecurity = Array.isArray(doc.security) ? doc.security.filter(isObj).flatMap((r) => Object.keys(r)) : [];
  const defaultScheme = globalSecurity.find((n) => schemes.some((s) => s.name === n)) ?? schemes[0]?.name;
  const base = serverUrl(doc);

  const operations: Record<string, OperationSpec> = {};
  const operationsMeta: Record<string, OpenApiOperationMeta> = {};
  const usedKeys = new Set<string>();
  const recipes: Array<{ key: string; shape: Record<string, () => z.ZodType>; outputOf: () => z.ZodType }> = [];
  const paths = isObj(doc.paths) ? doc.paths : {};
  let count = 0;
  let skipped = 0;

  for (const [path, rawItem] of Object.entries(paths)) {
    const item = resolveRef<JsonObject>(doc, rawItem);
    if (!isObj(item)) continue;
    const pathParams = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of METHODS) {
      const op = item[method];
      if (!isObj(op)) continue;
      if (opts.maxOperations !== undefined && count >= opts.maxOperations) {
        skipped++;
        continue;
      }
      count++;
      let key = identifier(typeof op.operationId === "string" && op.operationId ? op.operationId : `${method} ${path}`);
      while (usedKeys.has(key)) key = `${key}_`;
      usedKeys.add(key);
      const where = `${method.toUpperCase()} ${path}`;

      // Parameters: operation-level ones override path-level ones with the same name and location.
      const params = new Map<string, JsonObject>();
      for (const p of [...pathParams, ...(Array.isArray(op.parameters) ? op.parameters : [])]) {
        const r = resolveRef<JsonObject>(doc, p);
        if (isObj(r) && typeof r.name === "string" && typeof r.in === "string") params.set(`${r.in}:${r.name}`, r);
        else warn(`${where}: a parameter could not be resolved`);
      }
      const groups: Record<"path" | "query" | "header" | "cookie", Record<string, () => z.ZodType>> = {
        path: {},
        query: {},
        header: {},
        cookie: {},
      };
      const meta: OpenApiOperationMeta = { method: method.toUpperCase(), path, parameters: [] };
      for (const p of params.values()) {
        const loc = p.in as keyof typeof groups;
        if (!(loc in groups)) continue;
        const name = p.name as string;
        const schema = p.schema ?? pickMedia(p.content)?.schema;
        const get = conv.slot(schema, "input", `${where} parameter ${name}`);
        const desc = typeof p.description === "string" ? p.description.slice(0, 300) : undefined;
        const required = p.required === true || loc === "path";
        groups[loc][name] = () => {
          let t = get();
          if (desc) t = t.describe(desc);
          return required ? t : t.optional();
        };
        meta.parameters.push({
          name,
          in: loc,
          style: typeof p.style === "string" ? p.style : undefined,
          explode: typeof p.explode === "boolean" ? p.explode : undefined,
        });
      }
      const shape: Record<string, () => z.ZodType> = {};
      const build = (g: Record<string, () => z.ZodType>) =>
        Object.fromEntries(Object.entries(g).map(([k, f]) => [k, f()]));
      const anyRequired = (g: Record<string, z.ZodType>) =>
        Object.values(g).some((t) => !t.safeParse(undefined).success);
      const group =
        (g: Record<string, () => z.ZodType>, alwaysOptional = false) =>
        () => {
          const o = build(g);
          return !alwaysOptional && anyRequired(o) ? z.object(o) : z.object(o).optional();
        };
      if (Object.keys(groups.path).length) shape.path = () => z.object(build(groups.path));
      if (Object.keys(groups.query).length) shape.query = group(groups.query);
      if (Object.keys(groups.cookie).length) shape.cookies = group(groups.cookie, true);

      const rb = resolveRef<JsonObject>(doc, op.requestBody);
      if (isObj(rb)) {
        const media = pickMedia(rb.content);
        if (media) {
          meta.bodyMediaType = media.type;
          meta.bodyMediaTypes = Object.keys(rb.content as JsonObject);
          if (/multipart/i.test(media.type))
            warn(`${where}: multipart bodies are sent form-encoded (file parts are not supported)`);
          const s = resolveRef<JsonObject>(doc, media.schema);
          const binarySchema =
            !isObj(s) ||
            Object.keys(s).length === 0 ||
            (s.type === "string" && (s.format === "binary" || s.format === "byte" || s.contentEncoding === "base64"));
          const get = isTextMedia(media.type)
            ? () => z.string()
            : isBinaryMedia(media.type) || (isWildcardMedia(media.type) && binarySchema)
              ? () =>
                  z
                    .string()
                    .describe(
                      `The body's bytes, base64-encoded (sent as ${isWildcardMedia(media.type) ? "the content-type header's type" : media.type})`,
                    )
              : conv.slot(media.schema, "input", `${where} request body`);
          const required = rb.required === true;
          shape.body = () => (required ? get() : get().optional());
          // Where the operation takes more than one kind of body (a wildcard, or several types), the caller says
          // which one it sends; a spec-declared Content-Type parameter is used as it is.
          const choice =
            meta.bodyMediaTypes.length > 1 || meta.bodyMediaTypes.some((t) => isWildcardMedia(t) || isBinaryMedia(t));
          if (choice && !Object.keys(groups.header).some((h) => h.toLowerCase() === "content-type")) {
            const types = meta.bodyMediaTypes.join(", ");
            groups.header["content-type"] = () =>
              z
                .string()
                .regex(CONCRETE_MEDIA, "a concrete media type such as application/pdf (no wildcards)")
                .describe(`Content type of the body; the operation accepts ${types}`)
                .optional();
            meta.parameters.push({ name: "content-type", in: "header" });
          }
        }
      }

      if (Object.keys(groups.header).length) shape.headers = group(groups.header);

      // Output: the union of the 2xx JSON bodies (or "default" when no 2xx is declared).
      const responses = isObj(op.responses) ? op.responses : {};
      const ok = Object.keys(responses).filter((s) => /^2(\d\d|XX)$/i.test(s));
      const outs: Array<() => z.ZodType> = [];
      let noContent = false;
      for (const status of ok.length ? ok : Object.keys(responses).filter((s) => s === "default")) {
        const r = resolveRef<JsonObject>(doc, responses[status]);
        const media = isObj(r) ? pickMedia(r.content) : undefined;
        if (!media) noContent = true;
        else if (/json/i.test(media.type)) outs.push(conv.slot(media.schema, "output", `${where} response ${status}`));
        else outs.push(() => z.string());
      }
      const outputOf = (): z.ZodType => {
        const built = outs.map((f) => f());
        const u: z.ZodType =
          built.length === 0
            ? z.unknown()
            : built.length === 1
              ? built[0]!
              : z.union(built as [z.ZodType, z.ZodType, ...z.ZodType[]]);
        return noContent && built.length ? u.optional() : u;
      };

      const opSecurity = Array.isArray(op.security)
        ? op.security.filter(isObj).flatMap((r) => Object.keys(r))
        : undefined;
      if (opSecurity) meta.security = opSecurity;
      const summary = typeof op.summary === "string" ? op.summary : undefined;
      const description = typeof op.description === "string" ? op.description : undefined;
      operations[key] = {
        kind: "action",
        name: (summary ?? `${method.toUpperCase()} ${path}`).slice(0, 120),
        description: (summary ?? description ?? where).slice(0, 300),
        docs: description?.slice(0, 4000),
        effect: method === "get" || method === "head" || method === "options" ? "read" : "write",
        input: z.unknown(), // replaced after conv.build()
        output: z.unknown(),
        http: { method: method.toUpperCase(), path },
        outputValidation: "lenient",
      };
      recipes.push({ key, shape, outputOf });
      operationsMeta[key] = meta;
    }
  }
  conv.build();
  for (const r of recipes) {
    const op = operations[r.key]!;
    op.input = z.object(Object.fromEntries(Object.entries(r.shape).map(([k, f]) => [k, f()])));
    op.output = r.outputOf();
  }
  for (const [k, n] of conv.dropped)
    warn(`"${k}" is not supported by the schema converter and was ignored ${n} time(s)`);
  if (skipped) warn(`${skipped} operations beyond maxOperations were not imported`);
  if (!count) throw new OpenApiImportError("The document has no operations under paths.");

  const schemeNames = schemes.map((s) => s.name);
  const inAuthorization = (s: SecurityScheme) =>
    s.type === "apiKey" && s.in === "header" && s.paramName?.toLowerCase() === "authorization";
  const authorizationScheme =
    schemes.find((s) => s.name === defaultScheme && inAuthorization(s)) ?? schemes.find(inAuthorization);
  const manifest = defineConnector({
    key: opts.key ?? slugKey(title),
    name: opts.name ?? title,
    system: "generic",
    icon: "api",
    version: typeof info.version === "string" ? info.version : "1.0.0",
    description: (typeof info.description === "string"
      ? info.description
      : `Imported from an OpenAPI ${openapi} document.`
    ).slice(0, 500),
    docs: `Imported from OpenAPI ${openapi}: ${count} operations.`,
    auth: {
      type: "preset",
      config: z.object({
        baseUrl: (base && /^https?:\/\//.test(base) ? z.url().default(base) : z.url()).describe(
          "API base URL (the document's first server by default)",
        ),
        securityScheme: (schemeNames.length
          ? z.enum(schemeNames as [string, ...string[]]).default(defaultScheme ?? schemeNames[0]!)
          : z.string().optional()
        ).describe("Which of the document's security schemes to use"),
        ...(authorizationScheme
          ? {
              prefix: z
                .string()
                .max(40)
                .default(authorizationScheme.prefix ?? "Bearer")
                .describe(
                  `Written before the API key in the Authorization header${authorizationScheme.prefix ? " (as the API's documentation says)" : ""}; "none" to send the key alone`,
                ),
            }
          : {}),
        rateLimit: rateLimitSchema.optional(),
      }),
      secrets: z.object({
        apiKey: z.string().optional(),
        token: z.string().optional(),
        username: z.string().optional(),
        password: z.string().optional(),
        clientId: z.string().optional(),
        clientSecret: z.string().optional(),
      }),
    },
    operations,
  });

  type Ctx = ConnectorContext<
    { baseUrl: string; securityScheme?: string; prefix?: string },
    Record<string, string | undefined>
  >;
  const need = (v: string | undefined, what: string): string => {
    if (!v)
      throw new ConnectorError({
        errorClass: "auth",
        reason: "unauthorized",
        code: "missing_secret",
        message: `The connection needs ${what} for this API's security scheme.`,
      });
    return v;
  };

  const handlers: Record<string, (input: unknown, ctx: ConnectorContext) => Promise<unknown>> = {};
  for (const [key, meta] of Object.entries(operationsMeta)) {
    handlers[key] = async (rawInput, rawCtx) => {
      const ctx = rawCtx as Ctx;
      const input = (rawInput ?? {}) as {
        path?: Record<string, unknown>;
        query?: Record<string, unknown>;
        headers?: Record<string, unknown>;
        cookies?: Record<string, unknown>;
        body?: unknown;
      };
      let url = meta.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
        const v = input.path?.[name];
        if (v === undefined)
          throw new ConnectorError({
            errorClass: "validation",
            reason: "schema",
            code: "missing_path_parameter",
            message: `Path parameter ${name} is missing.`,
          });
        return encodeURIComponent(String(v));
      });
      const query: Record<string, QueryValue> = {};
      const extraPairs: Array<[string, string]> = [];
      for (const p of meta.parameters.filter((x) => x.in === "query")) {
        const v = input.query?.[p.name];
        if (v === undefined) continue;
        if (
          p.style === "deepObject" ||
          (v !== null && typeof v === "object" && !Array.isArray(v) && p.explode !== false)
        )
          extraPairs.push(...bracketEncode(v, p.name));
        else if (Array.isArray(v)) {
          if (p.explode === false || p.style === "spaceDelimited" || p.style === "pipeDelimited")
            query[p.name] = v.join(p.style === "spaceDelimited" ? " " : p.style === "pipeDelimited" ? "|" : ",");
          else query[p.name] = v.map(String);
        } else query[p.name] = v === null ? "" : String(v);
      }
      if (extraPairs.length)
        url +=
          (url.includes("?") ? "&" : "?") +
          extraPairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(input.headers ?? {}))
        if (v !== undefined && v !== null) headers[k] = String(v);
      const cookies = Object.entries(input.cookies ?? {})
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
      const req: HttpRequest = {
        method: meta.method,
        url: url.replace(/^\//, ""),
        baseUrl: ctx.connection.config.baseUrl,
        query,
        headers,
      };
      // The caller's content-type (any spelling of the header) is taken out and sent once, as chosen below.
      const ctKey = Object.keys(headers).find((h) => h.toLowerCase() === "content-type");
      const askedType = ctKey ? headers[ctKey] : undefined;
      if (ctKey) delete headers[ctKey];
      if (input.body !== undefined) {
        const mt = bodyContentType(meta, askedType, input.body);
        if (isFormMedia(mt)) {
          req.body = bracketEncode(input.body)
            .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
            .join("&");
          headers["content-type"] = "application/x-www-form-urlencoded";
        } else if (isJsonMedia(mt)) {
          req.json = input.body;
          headers["content-type"] = mt;
        } else if (isBinaryMedia(mt)) {
          const bytes =
            input.body instanceof Uint8Array
              ? input.body
              : typeof input.body === "string"
                ? base64Bytes(input.body)
                : undefined;
          if (!bytes)
            throw new ConnectorError({
              errorClass: "validation",
              reason: "schema",
              code: "body_not_base64",
              message: `The ${mt} body must be the file's bytes, base64-encoded.`,
            });
          req.body = bytes;
          headers["content-type"] = mt;
        } else {
          req.body = typeof input.body === "string" ? input.body : JSON.stringify(input.body);
          headers["content-type"] = mt;
        }
      } else if (askedType) headers["content-type"] = askedType;
      // Authentication with the chosen scheme (an operation may declare `security: []` = none).
      const schemeName = meta.security && meta.security.length === 0 ? undefined : ctx.connection.config.securityScheme;
      const scheme = schemes.find((s) => s.name === schemeName);
      const secrets = ctx.connection.secrets;
      if (scheme?.type === "apiKey") {
        const v = need(secrets.apiKey, "an API key");
        if (scheme.in === "query") query[scheme.paramName ?? "api_key"] = v;
        else if (scheme.in === "cookie") cookies.push(`${scheme.paramName ?? "api_key"}=${encodeURIComponent(v)}`);
        else if ((scheme.paramName ?? "").toLowerCase() === "authorization") {
          // "Bearer <key>" and the like: the user enters only the key (one already carrying the prefix is kept).
          const configured = (ctx.connection.config.prefix ?? scheme.prefix ?? "").trim();
          const prefix = configured.toLowerCase() === "none" ? "" : configured;
          headers.authorization =
            !prefix || v.toLowerCase().startsWith(`${prefix.toLowerCase()} `) ? v : `${prefix} ${v}`;
        } else headers[scheme.paramName ?? "X-API-Key"] = v;
      } else if (scheme?.type === "http" && scheme.scheme === "basic") {
        headers.authorization = `Basic ${btoa(`${need(secrets.username ?? secrets.apiKey, "a username")}:${secrets.password ?? ""}`)}`;
      } else if (
        (scheme?.type === "http" && scheme.scheme === "bearer") ||
        ((scheme?.type === "oauth2" || scheme?.type === "openIdConnect") && !scheme.tokenUrl)
      ) {
        headers.authorization = `Bearer ${need(secrets.token ?? secrets.apiKey, "a token")}`;
      }
      if (cookies.length) headers.cookie = cookies.join("; ");
      if (scheme?.type === "oauth2" && scheme.tokenUrl) {
        const tokenUrl = new URL(scheme.tokenUrl, ctx.connection.config.baseUrl).toString();
        const getToken = async (): Promise<AccessToken> => {
          // baseUrl: the token endpoint is the document's own (an admin uploaded it), so the client secret may go there.
          return requestToken(ctx, {
            url: tokenUrl,
            baseUrl: tokenUrl,
            form: {
              grant_type: "client_credentials",
              client_id: need(secrets.clientId, "a client id"),
              client_secret: need(secrets.clientSecret, "a client secret"),
            },
          });
        };
        return vendorData((await withBearer(ctx, getToken, () => req)).body);
      }
      return vendorData((await ctx.http.request(req)).body);
    };
  }
  // "Test connection": the shortest parameterless GET the document declares, called with the connection's
  // auth (the cheapest authenticated read); without one, a GET of the base URL.
  const test = async (rawCtx: ConnectorContext) => {
    const ctx = rawCtx as Ctx;
    const candidates = Object.entries(operationsMeta)
      .filter(([, m]) => m.method === "GET" && !m.path.includes("{"))
      .sort((a, b) => a[1].path.length - b[1].path.length);
    for (const [k, m] of candidates.slice(0, 20)) {
      const parsed = manifest.operations[k]!.input.safeParse({});
      if (!parsed.success) continue;
      await handlers[k]!(parsed.data, ctx);
      return { detail: `GET ${m.path} (${k}) succeeded with the connection's credentials.` };
    }
    const res = await ctx.http.request({
      url: ctx.connection.config.baseUrl,
      acceptStatus: (st) => st < 500 && st !== 401 && st !== 403,
      responseType: "text",
    });
    return { detail: `The API declares no parameterless GET; its base URL answered HTTP ${res.status}.` };
  };
  const def = implementConnector(manifest, {});
  return { manifest: def.manifest, handlers, test, warnings, operationsMeta };
}

/**
 * The content-type a request body is sent with: the caller's, when it is concrete and one the operation accepts;
 * else the declared type; for a wildcard, JSON for structured values and application/octet-stream for strings.
 */
function bodyContentType(meta: OpenApiOperationMeta, asked: string | undefined, body: unknown): string {
  const declared = meta.bodyMediaTypes?.length ? meta.bodyMediaTypes : [meta.bodyMediaType ?? "application/json"];
  if (asked !== undefined) {
    if (!CONCRETE_MEDIA.test(asked.trim()))
      throw new ConnectorError({
        errorClass: "validation",
        reason: "schema",
        code: "content_type_invalid",
        message: `content-type "${asked}" is not a concrete media type (such as application/pdf).`,
      });
    if (!declared.some((d) => mediaAccepts(d, asked)))
      throw new ConnectorError({
        errorClass: "validation",
        reason: "schema",
        code: "content_type_not_accepted",
        message: `content-type "${asked}" is not one this operation accepts (${declared.join(", ")}).`,
      });
    return asked.trim();
  }
  const picked = meta.bodyMediaType ?? declared[0]!;
  if (!isWildcardMedia(picked)) return picked;
  const concrete = declared.find((d) => !isWildcardMedia(d));
  if (concrete) return concrete;
  return typeof body === "string" || body instanceof Uint8Array ? "application/octet-stream" : "application/json";
}
