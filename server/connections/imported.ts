// Connectors imported from OpenAPI documents: parsing an upload (JSON or YAML) or a URL fetched through
// the SSRF guard, previewing what openApiToConnector makes of it, and loading stored imports as connector
// definitions for the runtime, "test connection" and the catalog. The stored spec is the source of truth;
// the converted definition is cached per process by the spec's hash (large specs take seconds to convert).
import "server-only";
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import { parse as parseYaml } from "yaml";
import { connectors as builtIn } from "../../connectors/registry";
import {
  openApiToConnector,
  OpenApiImportError,
  slugKey,
  type OpenApiConnector,
} from "../../connectors/openapi/convert";
import { ConnectorError } from "../../connectors/sdk/errors";
import { defaultGuard, type HttpGuard } from "../../connectors/sdk/http-guard";
import type { AnyConnectorDefinition } from "../../connectors/sdk/define";
import type { Db } from "../db/client";

/** Largest document accepted (GitHub's full spec is ~13 MB). */
export const MAX_SPEC_BYTES = 30 * 1024 * 1024;

export class SpecError extends Error {}

/** Parses an uploaded document: JSON when it looks like JSON, YAML otherwise (YAML is a superset anyway). */
export function parseSpecText(text: string): unknown {
  const t = text.replace(/^\uFEFF/, "").trim();
  if (!t) throw new SpecError("The document is empty.");
  if (t.startsWith("{")) {
    try {
      return JSON.parse(t);
    } catch (e) {
      throw new SpecError(`The document is not valid JSON: ${(e as Error).message}`);
    }
  }
  try {
    return parseYaml(t, { maxAliasCount: 1000 });
  } catch (e) {
    throw new SpecError(`The document is neither JSON nor valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
}

/** Fetches a document from a URL through the outbound HTTP guard (private addresses refused unless allow-listed). */
export async function fetchSpec(url: string, guard: HttpGuard = defaultGuard()): Promise<string> {
  let res;
  try {
    res = await guard.request(url, {
      headers: { accept: "application/json, application/yaml, text/yaml, */*" },
      maxResponseBytes: MAX_SPEC_BYTES,
    });
  } catch (e) {
    throw new SpecError(e instanceof ConnectorError ? e.message : `Could not fetch ${url}: ${(e as Error).message}`);
  }
  if (res.status >= 400) throw new SpecError(`Fetching ${url} answered HTTP ${res.status}.`);
  return res.body.toString("utf8");
}

export function specHash(doc: unknown): string {
  return createHash("sha256")
    .update(canonicalize(doc) ?? "")
    .digest("hex");
}

export interface ImportPreview {
  key: string;
  name: string;
  version: string;
  description: string;
  baseUrl: string | null;
  operationCount: number;
  operations: Array<{ key: string; name: string; method: string; path: string; description: string }>;
  warnings: string[];
}

export function convert(doc: unknown, opts: { key?: string; name?: string } = {}): OpenApiConnector {
  try {
    return openApiToConnector(doc, opts);
  } catch (e) {
    if (e instanceof OpenApiImportError) throw new SpecError(e.message);
    throw new SpecError(`The document could not be converted: ${(e as Error).message}`);
  }
}

/** What the admin sees before saving: the operations (method, path) and the converter's warnings. */
export function preview(c: OpenApiConnector, limit = 2000): ImportPreview {
  const m = c.manifest;
  // The document's first server, when it names an absolute one (it becomes the config default).
  const parsedBase = m.auth.config.safeParse({});
  const baseUrl = parsedBase.success ? ((parsedBase.data as { baseUrl?: string }).baseUrl ?? null) : null;
  const ops = Object.entries(m.operations);
  return {
    key: m.key,
    name: m.name,
    version: m.version,
    description: m.description,
    baseUrl,
    operationCount: ops.length,
    operations: ops.slice(0, limit).map(([key, o]) => ({
      key,
      name: o.name,
      method: o.http?.method ?? "",
      path: o.http?.path ?? "",
      description: o.description,
    })),
    warnings: c.warnings,
  };
}

/** A key for a new import: the given one, or a slug of the title; refuses clashes with built-in connectors. */
export function importKey(requested: string | undefined, title: string): string {
  const key = requested?.trim() || slugKey(title);
  if (!/^[a-z][a-z0-9-]{1,47}$/.test(key))
    throw new SpecError(
      `Connector key "${key}" must be 2–48 lower-case letters, digits or '-', starting with a letter.`,
    );
  if (key in builtIn) throw new SpecError(`"${key}" is the key of a built-in connector; choose another key.`);
  return key;
}

// ---------------------------------------------------------------------------------------------------
// Loading stored imports.

interface Cached {
  hash: string;
  def: OpenApiConnector;
}
const cache = new Map<string, Cached>();

function fromRow(row: { key: string; name: string; spec: unknown; specHash: string }): OpenApiConnector {
  const hit = cache.get(row.key);
  if (hit && hit.hash === row.specHash) return hit.def;
  const def = openApiToConnector(row.spec, { key: row.key, name: row.name });
  cache.set(row.key, { hash: row.specHash, def });
  return def;
}

/** Keeps a just-saved import's conversion, so the first call after saving does not convert again. */
export function rememberImported(key: string, hash: string, def: OpenApiConnector): void {
  cache.set(key, { hash, def });
}

export function forgetImported(key: string): void {
  cache.delete(key);
}

/** The definition of one imported connector, or undefined (a built-in key is never looked up here). */
export async function importedDefinition(db: Db, key: string): Promise<OpenApiConnector | undefined> {
  if (key in builtIn) return undefined;
  const head = await db.importedConnector.findUnique({ where: { key }, select: { specHash: true, name: true } });
  if (!head) {
    cache.delete(key);
    return undefined;
  }
  const hit = cache.get(key);
  if (hit && hit.hash === head.specHash) return hit.def;
  const row = await db.importedConnector.findUniqueOrThrow({
    where: { key },
    select: { key: true, name: true, spec: true, specHash: true },
  });
  return fromRow(row);
}

/** The same for callers holding a pg pool (the runtime): only the hash is read unless the cache is stale. */
export async function importedDefinitionVia(
  query: <R>(sql: string, params: unknown[]) => Promise<R[]>,
  key: string,
): Promise<AnyConnectorDefinition | undefined> {
  if (key in builtIn) return undefined;
  const [head] = await query<{ spec_hash: string }>(`SELECT spec_hash FROM imported_connector WHERE key = $1`, [key]);
  if (!head) {
    cache.delete(key);
    return undefined;
  }
  const hit = cache.get(key);
  if (hit && hit.hash === head.spec_hash) return hit.def;
  const [row] = await query<{ key: string; name: string; spec: unknown; spec_hash: string }>(
    `SELECT key, name, spec, spec_hash FROM imported_connector WHERE key = $1`,
    [key],
  );
  return row ? fromRow({ key: row.key, name: row.name, spec: row.spec, specHash: row.spec_hash }) : undefined;
}

/** Every imported connector's definition (for the catalog). */
export async function allImportedDefinitions(db: Db): Promise<OpenApiConnector[]> {
  const heads = await db.importedConnector.findMany({ select: { key: true, specHash: true }, orderBy: { key: "asc" } });
  const out: OpenApiConnector[] = [];
  for (const h of heads) {
    const d = await importedDefinition(db, h.key);
    if (d) out.push(d);
  }
  return out;
}

/** The manifest (built-in or imported) a connection's connector key names. */
export async function manifestFor(db: Db, connectorKey: string) {
  return builtIn[connectorKey] ?? (await importedDefinition(db, connectorKey))?.manifest;
}
