// Vitest global setup: one Postgres for the whole run — DATABASE_URL's server when set (CI may point it at
// the machine's Postgres), otherwise an embedded one in a temporary folder — plus a migrated template
// database that each test file clones (CREATE DATABASE … TEMPLATE) into a throwaway database of its own.
import "server-only";
import { mkdtemp, rm, chmod } from "node:fs/promises";
import os from "node:os";
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../db/embedded";
import { migrate } from "../db/migrator";

export default async function setup(): Promise<() => Promise<void>> {
  let embedded: EmbeddedDatabase | undefined;
  let tmp: string | undefined;
  let adminUrl: string;
  const given = process.env.WEFT_TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (given) {
    const u = new URL(given);
    u.pathname = "/postgres";
    adminUrl = u.toString();
  } else {
    tmp = await mkdtemp(path.join(os.tmpdir(), "weft-test-"));
    await chmod(tmp, 0o755);
    // Several test files run at once (vitest.config.ts), each with its app pools, pg-boss pools and spawned worker
    // processes: together they came within twenty of Postgres's default 100 connections, where a file drawing heavy
    // neighbours would fail on "too many clients". The test server gets room for that.
    embedded = await startEmbeddedPostgres({ dataDir: tmp, settings: { max_connections: "400" } });
    adminUrl = embedded.adminUrl;
  }
  const runId = `${process.pid}_${Date.now().toString(36)}`;
  const template = `weft_tpl_${runId}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  if (given) {
    const { rows } = await admin.query<{ max_connections: string }>("SHOW max_connections");
    const max = Number(rows[0]!.max_connections);
    if (max < 200)
      console.warn(
        `warning: the test Postgres allows ${max} connections; the suite's files running at once peak above 100 — raise max_connections or expect "too many clients" failures`,
      );
  }
  await admin.query(`CREATE DATABASE "${template}"`);
  const tplUrl = withDatabase(adminUrl, template);
  await migrate(tplUrl);
  await admin.end();

  process.env.WEFT_TEST_ADMIN_URL = adminUrl;
  process.env.WEFT_TEST_TEMPLATE_DB = template;
  process.env.WEFT_TEST_RUN_ID = runId;
  // The audit chain's key lives outside the database (server/audit/key.ts); each test run gets its own.
  process.env.WEFT_AUDIT_KEY ??= randomBytes(32).toString("base64");

  return async () => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    const { rows } = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2`,
      [`weft_t_${runId}_%`, template],
    );
    for (const r of rows) await c.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`).catch(() => undefined);
    await c.end();
    if (embedded) await embedded.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
