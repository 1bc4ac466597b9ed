// Named connections to external systems. Secrets are sealed with AES-256-GCM (bound to the connection
// key as associated data) and only ever decrypted on the server, for a connector call or a test.
import "server-only";
import { DomainError } from "../../core/domain-error";
import type { Db, Prisma } from "../db/client";
import { open, seal } from "./secret-box";

export interface ConnectionView {
  id: string;
  key: string;
  name: string;
  connectorKey: string;
  config: Record<string, unknown>;
  /** Hosts besides those in `config` the credentials may go to (connectors/sdk/credential-scope.ts). */
  allowedHosts: string[];
  /** Names of the secret fields that hold a value — never the values. */
  secretFields: string[];
  updatedAt: Date;
  /** The last "test connection", if any. */
  lastTest: {
    at: Date;
    ok: boolean;
    errorClass: string | null;
    message: string | null;
    latencyMs: number | null;
  } | null;
}

export interface ResolvedConnection {
  key: string;
  connectorKey: string;
  config: Record<string, unknown>;
  secrets: Record<string, string>;
  allowedHosts: string[];
}

type Row = {
  id: string;
  key: string;
  name: string;
  connectorKey: string;
  config: Prisma.JsonValue;
  allowedHosts?: string[] | null;
  secretsEnc: string | null;
  updatedAt: Date;
  lastTestAt?: Date | null;
  lastTestOk?: boolean | null;
  lastTestErrorClass?: string | null;
  lastTestMessage?: string | null;
  lastTestLatencyMs?: number | null;
};

function secretsOf(row: Pick<Row, "key" | "secretsEnc">): Record<string, string> {
  return row.secretsEnc ? (JSON.parse(open(row.secretsEnc, `connection:${row.key}`)) as Record<string, string>) : {};
}

export function toView(row: Row): ConnectionView {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    connectorKey: row.connectorKey,
    config: (row.config ?? {}) as Record<string, unknown>,
    allowedHosts: row.allowedHosts ?? [],
    secretFields: Object.keys(secretsOf(row)).sort(),
    updatedAt: row.updatedAt,
    lastTest: row.lastTestAt
      ? {
          at: row.lastTestAt,
          ok: row.lastTestOk === true,
          errorClass: row.lastTestErrorClass ?? null,
          message: row.lastTestMessage ?? null,
          latencyMs: row.lastTestLatencyMs ?? null,
        }
      : null,
  };
}

/** What an audit row records of a connection: never a secret value, only which secret fields are set. */
export function auditedView(
  v: ConnectionView,
): Pick<ConnectionView, "name" | "config" | "allowedHosts" | "secretFields"> {
  return { name: v.name, config: v.config, allowedHosts: v.allowedHosts, secretFields: v.secretFields };
}

export function sealSecrets(key: string, secrets: Record<string, string>): string | null {
  const clean = Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== ""));
  return Object.keys(clean).length ? seal(JSON.stringify(clean), `connection:${key}`) : null;
}

/** Merges a partial secrets update: omitted fields keep their value, "" clears one. */
export function mergeSecrets(
  row: Pick<Row, "key" | "secretsEnc">,
  update: Record<string, string> | undefined,
): string | null {
  if (!update) return row.secretsEnc;
  const merged = { ...secretsOf(row), ...update };
  return sealSecrets(row.key, merged);
}

/** For the runtime and "test connection": the connection with its secrets, server-side only. */
export async function resolveConnection(db: Db, key: string): Promise<ResolvedConnection> {
  const row = await db.connection.findUnique({ where: { key } });
  if (!row) throw new DomainError("not_found", `No connection named "${key}".`);
  return {
    key: row.key,
    connectorKey: row.connectorKey,
    config: (row.config ?? {}) as Record<string, unknown>,
    secrets: secretsOf(row),
    allowedHosts: row.allowedHosts ?? [],
  };
}
