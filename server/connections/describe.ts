// Output descriptions for the designer: what a step reads depends on the target account (a Salesforce
// record has the fields the org's sObject has, custom ones included). The connector's describe operation
// runs here, on the server, with the step's stored connection through the guarded HTTP client — the
// credentials never reach the browser, which receives only the description. Cached briefly per
// connection (and its last change), operation and subject: designers reopen the same steps all the time.
import "server-only";
import { DomainError } from "../../core/domain-error";
import { isConnectorError, runOperation, type HttpGuard } from "../../connectors/server";
import type { Db } from "../db/client";
import { importedDefinition, manifestFor } from "./imported";
import { resolveConnection } from "./service";

const TTL_MS = 5 * 60_000;
const cache = new Map<string, { at: number; description: unknown }>();

export async function describeForDesigner(
  db: Db,
  args: { key: string; operation: string; subject: string },
  opts: { httpGuard?: HttpGuard } = {},
): Promise<{ subject: string; description: unknown }> {
  const conn = await resolveConnection(db, args.key);
  const manifest = await manifestFor(db, conn.connectorKey);
  const described = manifest?.operations[args.operation]?.describedOutput;
  if (!manifest || !described)
    throw new DomainError("invalid", `${conn.connectorKey}.${args.operation} has no output to describe.`);
  const row = await db.connection.findUnique({ where: { key: args.key }, select: { updatedAt: true } });
  const id = `${args.key}|${row?.updatedAt.getTime() ?? 0}|${args.operation}|${args.subject}`;
  const hit = cache.get(id);
  if (hit && Date.now() - hit.at < TTL_MS) return { subject: args.subject, description: hit.description };
  const imported = await importedDefinition(db, conn.connectorKey);
  try {
    const description = await runOperation({
      connectorKey: conn.connectorKey,
      operation: described.describe.operation,
      input: described.describe.input(args.subject),
      connection: conn,
      extra: imported ? [imported] : undefined,
      httpGuard: opts.httpGuard,
      timeoutMs: 15_000,
      // The designer falls back to the connector's canonical shapes; it should not wait on a rate limit.
      maxInCallWaitMs: -1,
      signal: AbortSignal.timeout(30_000),
    });
    if (cache.size > 500) cache.clear();
    cache.set(id, { at: Date.now(), description });
    return { subject: args.subject, description };
  } catch (e) {
    if (isConnectorError(e))
      throw new DomainError(
        e.errorClass === "validation" ? "invalid" : "precondition",
        `Could not describe ${args.subject} with connection "${args.key}": ${e.message}`.slice(0, 600),
      );
    throw e;
  }
}
