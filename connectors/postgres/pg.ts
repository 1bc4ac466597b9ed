// Shared PostgreSQL plumbing for the postgres and reporting connectors: a small pool per connection,
// connected to the address the guard resolved (not the name, so DNS cannot change between check and
// connect), identifier quoting, and pg errors mapped onto connector error classes.
import "server-only";
import { createHash } from "node:crypto";
import pg from "pg";
import { ConnectorError } from "../sdk/errors";
import type { ConnectorContext } from "../sdk/define";

export interface PgConfig {
  host: string;
  port: number;
  database: string;
  user: string;
  ssl: "disable" | "require" | "verify-full";
  statementTimeoutMs: number;
}

const pools = new Map<string, pg.Pool>();

export async function poolFor(ctx: ConnectorContext<PgConfig, { password?: string }>): Promise<pg.Pool> {
  const { config, secrets } = ctx.connection;
  const address = await ctx.net.resolveAllowed(config.host, config.port);
  const key = createHash("sha256")
    .update(JSON.stringify([ctx.connection.key, address, config, secrets.password ?? ""]))
    .digest("hex");
  let pool = pools.get(key);
  if (!pool) {
    pool = new pg.Pool({
      host: address,
      port: config.port,
      database: config.database,
      user: config.user,
      password: secrets.password,
      ssl:
        config.ssl === "disable"
          ? false
          : { rejectUnauthorized: config.ssl === "verify-full", servername: config.host },
      max: 4,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: 10_000,
      statement_timeout: config.statementTimeoutMs,
      application_name: "weft-connector",
    });
    pool.on("error", () => undefined); // an idle client dying is reported on its next use
    pools.set(key, pool);
  }
  return pool;
}

export async function closePostgresPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.end().catch(() => undefined)));
}

export function quoteIdent(name: string): string {
  return name
    .split(".")
    .map((p) => `"${p.replace(/"/g, '""')}"`)
    .join(".");
}

/** SQLSTATE → class: connection trouble, deadlocks and shutdowns are transient; auth is auth; the rest validation. */
export function pgError(e: unknown, what: string): ConnectorError {
  if (e instanceof ConnectorError) return e;
  const err = e as { code?: string; message?: string; detail?: string; constraint?: string };
  const code = err.code ?? "";
  const base = {
    message: `${what}: ${err.message ?? String(e)}`,
    code: code || undefined,
    details: { detail: err.detail, constraint: err.constraint },
    cause: e,
  };
  if (
    /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE)$/.test(code) ||
    /timeout|Connection terminated/i.test(err.message ?? "")
  )
    return new ConnectorError({ ...base, errorClass: "transient", reason: "network" });
  if (code.startsWith("08") || ["40001", "40P01", "57P01", "57P02", "57P03", "53300", "55P03"].includes(code))
    return new ConnectorError({ ...base, errorClass: "transient", reason: "server" });
  if (code === "57014") return new ConnectorError({ ...base, errorClass: "transient", reason: "timeout" });
  if (code.startsWith("28")) return new ConnectorError({ ...base, errorClass: "auth", reason: "unauthorized" });
  if (code === "42501") return new ConnectorError({ ...base, errorClass: "auth", reason: "forbidden" });
  if (code === "23505") return new ConnectorError({ ...base, errorClass: "validation", reason: "conflict" });
  if (code) return new ConnectorError({ ...base, errorClass: "validation", reason: "invalid_request" });
  return new ConnectorError({ ...base, errorClass: "internal", reason: "internal" });
}

/** Builds `INSERT … VALUES (…), (…)` with parameters for every value; columns are the union of the rows' keys. */
export function insertSql(
  table: string,
  rows: Array<Record<string, unknown>>,
  tail = "",
): { text: string; values: unknown[]; columns: string[] } {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const values: unknown[] = [];
  const tuples = rows.map(
    (r) =>
      `(${columns
        .map((c) => {
          const v = r[c];
          values.push(v !== null && typeof v === "object" && !(v instanceof Date) ? JSON.stringify(v) : v);
          return `$${values.length}`;
        })
        .join(", ")})`,
  );
  return {
    text: `INSERT INTO ${quoteIdent(table)} (${columns.map(quoteIdent).join(", ")}) VALUES ${tuples.join(", ")}${tail}`,
    values,
    columns,
  };
}
