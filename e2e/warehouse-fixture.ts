// A "warehouse" for the reconciliation specs: two invoice-line tables (an ERP's and a warehouse copy) in a
// schema of their own in the server's database, and a postgres connection to them an admin creates.
import type { APIRequestContext } from "@playwright/test";
import pg from "pg";
import { serverDatabaseUrl } from "./servers";
import { test } from "./test";
import { trpcMutation, trpcQuery } from "./triage-helpers";

/** This worker's server's database: the orchestrator's, else the embedded one the demo boot started (its reporting connection's port). */
async function databaseOfServer(request: APIRequestContext): Promise<URL> {
  const given = serverDatabaseUrl(test.info().parallelIndex);
  if (given) return new URL(given);
  const list = await trpcQuery<
    Array<{ key: string; config: { host: string; port: number; database: string; user: string } }>
  >(request, "connections.list");
  const c = list.find((x) => x.key === "reporting-warehouse")!.config;
  return new URL(`postgresql://${c.user}:weft-embedded@${c.host}:${c.port}/${c.database}`);
}

/**
 * `schema`.erp_lines holds `erpValues` (SQL VALUES rows: line_id, customer, amount); `schema`.dw_lines is a
 * copy with `warehouseChanges` (SQL statements over `schema`) applied. Then, as the signed-in admin of
 * `request`, the postgres connection `connection` to that database.
 */
export async function lineWarehouse(
  request: APIRequestContext,
  opts: { schema: string; erpValues: string; warehouseChanges: string; connection: string; name: string },
): Promise<void> {
  const url = await databaseOfServer(request);
  const db = new pg.Client({ connectionString: url.toString() });
  await db.connect();
  try {
    const s = opts.schema;
    await db.query(`CREATE SCHEMA ${s};
      CREATE TABLE ${s}.erp_lines (line_id text PRIMARY KEY, customer text, amount numeric(12,2));
      CREATE TABLE ${s}.dw_lines (line_id text PRIMARY KEY, customer text, amount numeric(12,2));
      INSERT INTO ${s}.erp_lines VALUES ${opts.erpValues};
      INSERT INTO ${s}.dw_lines SELECT * FROM ${s}.erp_lines;
      ${opts.warehouseChanges}`);
  } finally {
    await db.end();
  }
  const created = await trpcMutation(request, "connections.create", {
    key: opts.connection,
    name: opts.name,
    connectorKey: "postgres",
    config: {
      host: url.hostname,
      port: Number(url.port || 5432),
      database: decodeURIComponent(url.pathname.slice(1)),
      user: decodeURIComponent(url.username),
      ssl: "disable",
    },
    secrets: url.password ? { password: decodeURIComponent(url.password) } : {},
  });
  if (created.status !== 200) throw new Error(`connections.create: ${created.status} ${created.error}`);
}

/** Runs `sql` in the server's database as the fixture did (e.g. a change to the warehouse copy after set-up). */
export async function warehouseSql(request: APIRequestContext, sql: string): Promise<void> {
  const db = new pg.Client({ connectionString: (await databaseOfServer(request)).toString() });
  await db.connect();
  try {
    await db.query(sql);
  } finally {
    await db.end();
  }
}
