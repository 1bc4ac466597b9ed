// Waiting for a run in tests: polls its row until it has finished.
import "server-only";
import type { Run } from "../db/generated/client";
import type { TestDatabase } from "./db";

/** A run once it has finished (succeeded, failed or cancelled); throws naming its status after `ms`. */
export async function runSettled(
  t: Pick<TestDatabase, "db">,
  runId: string,
  ms = 60_000,
  intervalMs = 100,
): Promise<Run> {
  const until = Date.now() + ms;
  for (;;) {
    const r = await t.db.run.findUniqueOrThrow({ where: { id: runId } });
    if (["succeeded", "failed", "cancelled"].includes(r.status)) return r;
    if (Date.now() > until) throw new Error(`run ${runId} is still ${r.status}`);
    await new Promise((res) => setTimeout(res, intervalMs));
  }
}

/** A run's row as the runtime's own pool reads it (snake_case), for tests that drive the runtime directly. */
export interface RunRow {
  status: string;
  output: Record<string, unknown>;
  error: Record<string, unknown> | null;
  business_keys: unknown;
}

/** runSettled over a pg pool (the runtime's, not Prisma). */
export async function runRowSettled(
  pool: { query(sql: string, params: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }> },
  runId: string,
  ms = 20_000,
  intervalMs = 50,
): Promise<RunRow> {
  const until = Date.now() + ms;
  for (;;) {
    const { rows } = await pool.query(
      `SELECT status::text AS status, output, error, business_keys FROM run WHERE id = $1`,
      [runId],
    );
    const status = rows[0]?.status as string | undefined;
    if (status && ["succeeded", "failed", "cancelled"].includes(status)) return rows[0] as unknown as RunRow;
    if (Date.now() > until) throw new Error(`run ${runId} is still ${status}`);
    await new Promise((res) => setTimeout(res, intervalMs));
  }
}
