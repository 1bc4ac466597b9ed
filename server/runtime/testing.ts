// Test fixtures for the runtime (real Postgres, real pg-boss): a team, a flow with a published version,
// a webhook signing secret. Used by server/runtime/*.test.ts and the benchmark.
import "server-only";
import { randomUUID } from "node:crypto";
import { PgBoss } from "pg-boss";
import type { Pool } from "./sql";
import { seal } from "../connections/secret-box";
import { defaultWebhookSecret } from "../../core/dsl/defaults";
import { forgetPublishedFlow } from "./flow-source";

export async function ensureTeam(pool: Pool, key = "platform"): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO team (id, key, name) VALUES ($1, $2, $2) ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name RETURNING id`,
    [randomUUID(), key],
  );
  return rows[0]!.id;
}

/** Creates (or replaces the draft of) a flow and publishes `dsl` as a new approved version. */
export async function publishFlow(
  pool: Pool,
  flowKey: string,
  dsl: unknown,
  opts: { version?: string } = {},
): Promise<{ flowId: string; versionId: string }> {
  const teamId = await ensureTeam(pool);
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO flow (id, key, name, domain, owner_team_id, lifecycle, draft, updated_at)
     VALUES ($1, $2, $2, 'project', $3, 'active', $4, now())
     ON CONFLICT (key) DO UPDATE SET draft = EXCLUDED.draft, lifecycle = 'active' RETURNING id`,
    [randomUUID(), flowKey, teamId, JSON.stringify(dsl)],
  );
  const flowId = rows[0]!.id;
  const versionId = randomUUID();
  const { rows: n } = await pool.query<{ c: string }>(
    `SELECT count(*)::text AS c FROM flow_version WHERE flow_id = $1`,
    [flowId],
  );
  await pool.query(
    `INSERT INTO flow_version (id, flow_id, version, dsl, content_hash, status, approved_at) VALUES ($1, $2, $3, $4, $5, 'approved', now())`,
    [versionId, flowId, opts.version ?? `1.${n[0]!.c}.0`, JSON.stringify(dsl), randomUUID()],
  );
  forgetPublishedFlow(flowKey);
  return { flowId, versionId };
}

export async function setWebhookSecret(
  pool: Pool,
  flowKey: string,
  secret: string,
  connectionKey = defaultWebhookSecret(flowKey),
): Promise<void> {
  await pool.query(
    `INSERT INTO connection (id, key, name, connector_key, config, secrets_enc, updated_at) VALUES ($1, $2, $2, 'webhook', '{}', $3, now())
     ON CONFLICT (key) DO UPDATE SET secrets_enc = EXCLUDED.secrets_enc`,
    [randomUUID(), connectionKey, seal(JSON.stringify({ signingSecret: secret }), `connection:${connectionKey}`)],
  );
}

/** A connection row as an admin would save it: settings as given, secrets sealed for that connection. */
export async function insertConnection(
  pool: Pool,
  c: { key: string; connectorKey: string; config: unknown; secrets: Record<string, string> },
): Promise<void> {
  await pool.query(
    `INSERT INTO connection (id, key, name, connector_key, config, secrets_enc, updated_at) VALUES ($1, $2, $2, $3, $4, $5, now())`,
    [
      randomUUID(),
      c.key,
      c.connectorKey,
      JSON.stringify(c.config),
      seal(JSON.stringify(c.secrets), `connection:${c.key}`),
    ],
  );
}

/** A `postgres` connection to the database at `url` (a test's warehouse). */
export function postgresConnection(key: string, url: string) {
  const u = new URL(url);
  return {
    key,
    connectorKey: "postgres",
    config: {
      host: u.hostname,
      port: Number(u.port || 5432),
      database: decodeURIComponent(u.pathname.slice(1)),
      user: decodeURIComponent(u.username || "postgres"),
      ssl: "disable",
    },
    secrets: (u.password ? { password: decodeURIComponent(u.password) } : {}) as Record<string, string>,
  };
}

/** A pg-boss instance on the test database; `supervise` makes it the fast supervisor (expiry, heartbeats). */
export async function testBoss(url: string, opts: { supervise?: boolean; schedule?: boolean } = {}): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: url,
    schema: "pgboss",
    max: 6,
    supervise: opts.supervise ?? false,
    schedule: opts.schedule ?? false,
    useListenNotify: true,
    superviseIntervalSeconds: 1,
    monitorIntervalSeconds: 1,
    cronWorkerIntervalSeconds: 1,
    cronMonitorIntervalSeconds: 1,
    migrate: true,
  });
  boss.on("error", () => undefined);
  await boss.start();
  return boss;
}

export function ensureTestSecrets(): void {
  process.env.WEFT_SECRET_KEY ??= Buffer.alloc(32, 7).toString("base64");
  process.env.BETTER_AUTH_SECRET ??= "test-auth-secret-0123456789-0123456789-abcd";
}

// --- The invoice-lines reconciliation: two warehouse tables (erp_lines, dw_lines: line_id, customer, amount)
// matched by line, the fixture of the reconcile step's tests, the Reconciliation page's tests and bench:recon.

export const LINE_COLUMNS = "line_id, customer, amount::text AS amount";

/** A SQL side over one of the two tables, paged by line. */
export function lineSide(table: "erp_lines" | "dw_lines", pageSize?: number) {
  return {
    connection: "warehouse",
    sql: `SELECT ${LINE_COLUMNS} FROM ${table}`,
    sortKey: "line_id",
    idColumn: "line_id",
    ...(pageSize !== undefined ? { pageSize } : {}),
  };
}

/** Lines by id on both sides; amounts within 0.01 and customers equal. */
export function lineDefinition(key: string, name: string, impact?: Record<string, unknown>) {
  return {
    key,
    name,
    sides: [
      { name: "erp", key: ["line_id"], id: "line_id" },
      { name: "dw", key: ["line_id"], id: "line_id" },
    ],
    rules: [
      { id: "amount", type: "money", a: { side: "erp", path: "amount" }, b: { side: "dw", path: "amount" } },
      { id: "customer", type: "equal", a: { side: "erp", path: "customer" }, b: { side: "dw", path: "customer" } },
    ],
    ...(impact ? { impact } : {}),
  };
}

/** A manual flow whose one step is `step` (id "match"). */
export function reconcileFlow(key: string, name: string, step: Record<string, unknown>) {
  return {
    dsl: "weft/1",
    key,
    version: "1.0.0",
    name,
    description: "",
    domain: "invoice",
    owner: "platform",
    classification: "internal",
    trigger: { type: "manual" },
    start: "match",
    steps: [{ id: "match", type: "reconcile", ...step }],
  };
}
