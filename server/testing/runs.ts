// Waiting for a run in tests: polls its row until it has finished.
import "server-only";
import type { Run } from "../db/generated/client";
import type { TestDatabase } from "./db";

/** A run once it has finished (succeeded, failed or cancelled); throws naming its status after `ms`. */
export async function runSettled(t: Pick<TestDatabase, "db">, runId: string, ms = 60_000, intervalMs = 100): Promise<Run> {
  const until = Date.now() + ms;
  for (;;) {
    const r = await t.db.run.findUniqueOrThrow({ where: { id: runId } });
    if (["succeeded", "failed", "cancelled"].includes(r.status)) return r;
    if (Date.now() > until) throw new Error(`run ${runId} is still ${r.status}`);
    await new Promise((res) => setTimeout(res, intervalMs));
  }
}
