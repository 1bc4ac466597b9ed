// "Test connection": resolve the stored connection (secrets decrypted here, on the server, only), run the
// connector's test hook — its cheapest authenticated call — through the guarded HTTP client, and record
// the outcome (ok / error class + message / latency) on the connection row.
import "server-only";
import { isConnectorError, runConnectionTest, type HttpGuard } from "../../connectors/server";
import type { Db, Prisma } from "../db/client";
import { importedDefinition } from "./imported";
import { resolveConnection } from "./service";

export interface TestOutcome {
  ok: boolean;
  /** transient | auth | validation | internal, when it failed. */
  errorClass: string | null;
  code: string | null;
  message: string;
  latencyMs: number;
  at: Date;
}

export async function testStoredConnection(
  db: Db,
  key: string,
  opts: { httpGuard?: HttpGuard; timeoutMs?: number } = {},
): Promise<TestOutcome> {
  const conn = await resolveConnection(db, key);
  const started = performance.now();
  let outcome: Omit<TestOutcome, "latencyMs" | "at">;
  try {
    const imported = await importedDefinition(db, conn.connectorKey);
    const { detail } = await runConnectionTest({
      connectorKey: conn.connectorKey,
      connection: conn,
      extra: imported ? [imported] : undefined,
      httpGuard: opts.httpGuard,
      timeoutMs: opts.timeoutMs ?? 15_000,
      // One attempt, no waiting on Retry-After: a test reports what it finds now.
      maxInCallWaitMs: -1,
      signal: AbortSignal.timeout(30_000),
    });
    outcome = { ok: true, errorClass: null, code: null, message: detail };
  } catch (e) {
    if (isConnectorError(e))
      outcome = { ok: false, errorClass: e.errorClass, code: e.code ?? null, message: e.message };
    else outcome = { ok: false, errorClass: "internal", code: null, message: (e as Error).message };
  }
  const latencyMs = Math.round(performance.now() - started);
  // Error messages are built from redacted excerpts; cap them for the page.
  return { ...outcome, message: outcome.message.slice(0, 1000), latencyMs, at: new Date() };
}

/** Stores the outcome on the connection (inside the caller's transaction, next to its audit row). */
export async function recordTestOutcome(tx: Prisma.TransactionClient, key: string, o: TestOutcome): Promise<void> {
  // Raw: a test is not an edit, so updated_at (Prisma's @updatedAt) must not move.
  await tx.$executeRaw`UPDATE connection SET last_test_at = ${o.at}, last_test_ok = ${o.ok}, last_test_error_class = ${o.errorClass}, last_test_message = ${o.message}, last_test_latency_ms = ${o.latencyMs} WHERE key = ${key}`;
}
