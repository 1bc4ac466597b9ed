// The browser-safe connector catalog: every built-in manifest plus the workspace's imported (OpenAPI)
// connectors, with auth and operation schemas as JSON Schema (zod schemas cannot cross the wire). The
// Connections page builds its forms from `auth`; the designer's palette lists `operations`.
import "server-only";
import { z } from "zod";
import { connectorCatalog, connectors as builtIn } from "../../connectors/registry";
import type { Catalog, CatalogConnection } from "../../core/dsl/catalog";
import { settingsOrigins } from "../../connectors/sdk/credential-scope";
import { definitions } from "../../connectors/server";
import type { AnyManifest } from "../../connectors/sdk/define";
import type { Db } from "../db/client";
import { allImportedDefinitions } from "./imported";

export type JsonSchema = Record<string, unknown>;

export interface CatalogOperation {
  key: string;
  kind: "action" | "trigger";
  name: string;
  description: string;
  docs?: string;
  effect?: "read" | "write";
  trigger?: { type: string };
  http?: { method: string; path: string };
  input: JsonSchema;
  output: JsonSchema;
}

export interface CatalogConnector {
  key: string;
  name: string;
  system: string;
  icon: string;
  description: string;
  docs?: string;
  version: string;
  source: "built-in" | "imported";
  /** Whether "Test connection" can do anything for it (webhook/schedule triggers make no calls). */
  testable: boolean;
  /** Whether connections can be made for it (its auth has any settings or secrets, or it calls out). */
  needsConnection: boolean;
  auth: { type: string; docs?: string; config: JsonSchema; secrets: JsonSchema };
  operationCount: number;
  operations?: Record<string, CatalogOperation>;
}

export function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  try {
    return z.toJSONSchema(schema, {
      io,
      unrepresentable: "any",
      cycles: "ref",
      reused: "inline",
      target: "draft-2020-12",
    }) as JsonSchema;
  } catch {
    // A schema zod cannot express (e.g. a transform on the output side): "anything".
    return {};
  }
}

function describe(
  m: AnyManifest,
  source: CatalogConnector["source"],
  testable: boolean,
  withOperations: boolean,
): CatalogConnector {
  const ops = Object.entries(m.operations);
  const config = jsonSchema(m.auth.config, "input");
  const secrets = jsonSchema(m.auth.secrets, "input");
  const hasFields = (s: JsonSchema) => Object.keys((s.properties as object | undefined) ?? {}).length > 0;
  const out: CatalogConnector = {
    key: m.key,
    name: m.name,
    system: m.system,
    icon: m.icon,
    description: m.description,
    ...(m.docs ? { docs: m.docs } : {}),
    version: m.version,
    source,
    testable,
    needsConnection: testable || hasFields(config) || hasFields(secrets),
    auth: { type: m.auth.type, ...(m.auth.docs ? { docs: m.auth.docs } : {}), config, secrets },
    operationCount: ops.length,
  };
  if (withOperations) {
    out.operations = Object.fromEntries(
      ops.map(([key, o]) => [
        key,
        {
          key,
          kind: o.kind,
          name: o.name,
          description: o.description,
          ...(o.docs ? { docs: o.docs } : {}),
          ...(o.effect ? { effect: o.effect } : {}),
          ...(o.trigger ? { trigger: o.trigger } : {}),
          ...(o.http ? { http: o.http } : {}),
          input: jsonSchema(o.input, "input"),
          output: jsonSchema(o.output, "output"),
        } satisfies CatalogOperation,
      ]),
    );
  }
  return out;
}

// Conversions are pure functions of a manifest: cache them (an imported spec's by its manifest object,
// which the imported-definition cache replaces when the spec changes).
const cache = new WeakMap<AnyManifest, { light?: CatalogConnector; full?: CatalogConnector }>();
function cached(
  m: AnyManifest,
  source: CatalogConnector["source"],
  testable: boolean,
  withOperations: boolean,
): CatalogConnector {
  const entry = cache.get(m) ?? {};
  cache.set(m, entry);
  if (withOperations) return (entry.full ??= describe(m, source, testable, true));
  return (entry.light ??= describe(m, source, testable, false));
}

/** Every connector the workspace can use; `withOperations` adds each operation's input/output JSON Schema. */
export async function catalog(db: Db, opts: { withOperations: boolean }): Promise<CatalogConnector[]> {
  const builtins = Object.values(builtIn).map((m) =>
    cached(m, "built-in", !!definitions.get(m.key)?.test, opts.withOperations),
  );
  const imported = (await allImportedDefinitions(db)).map((d) =>
    cached(d.manifest, "imported", true, opts.withOperations),
  );
  return [...builtins, ...imported];
}

/**
 * The DSL validator's catalog (zod schemas) on the server: built-in connectors plus the imported ones, so a
 * flow calling an OpenAPI import validates. Pass the workspace's connections to check `call.connection`.
 */
export async function dslCatalog(db: Db, connections?: Catalog["connections"]): Promise<Catalog> {
  return connectorCatalog(
    (await allImportedDefinitions(db)).map((d) => d.manifest),
    connections,
  );
}

/**
 * The workspace's connections as the validator sees them (the designer, publishing, `weft import`): key,
 * connector and — for those holding secrets — where the credentials may go. Nothing secret: settings URLs
 * and allowed hosts are shown to every signed-in user on the Connections page anyway (`config` is for the
 * server's callers, e.g. the designer catalog's host; the validator ignores it).
 */
export async function workspaceConnections(
  db: Db,
): Promise<Array<CatalogConnection & { name: string; config: unknown }>> {
  const rows = await db.connection.findMany({
    orderBy: [{ connectorKey: "asc" }, { key: "asc" }],
    select: { key: true, name: true, connectorKey: true, config: true, allowedHosts: true, secretsEnc: true },
  });
  return rows.map((r) => ({
    key: r.key,
    name: r.name,
    connectorKey: r.connectorKey,
    config: r.config,
    ...(r.secretsEnc ? { credentials: { origins: [...settingsOrigins(r.config)], allowedHosts: r.allowedHosts } } : {}),
  }));
}
