// `call` steps go through the connectors SDK's executeOperation: input/output validated against the
// manifest, the guarded HTTP client (SSRF guard, WEFT_HTTP_ALLOWLIST), the idempotency key sent on writes,
// and every failure thrown as a classified ConnectorError (which classifyError reads as is).
import "server-only";
import type pino from "pino";
import { runOperation } from "../../connectors/server";
import { forgetTokens } from "../../connectors/sdk/oauth";
import { open } from "../connections/secret-box";
import { importedDefinitionVia } from "../connections/imported";
import { StepError } from "./errors";
import type { RunEnv } from "./engine/run";
import { resolveConnectionKey } from "./flow-source";

interface Conn {
  key: string;
  connectorKey: string;
  config: Record<string, unknown>;
  secrets: Record<string, string>;
  allowedHosts: string[];
}

const connections = new Map<string, { at: number; conn: Conn }>();
// Short: another process's change (a rotated secret, a changed base URL) is picked up within seconds, without
// a lookup per call; the OAuth token cache is keyed by a hash of the settings, so it misses then too.
const CONNECTION_TTL_MS = 5000;

/** Called when this process changed or deleted a connection: its next call reads it afresh and fetches a new token. */
export function forgetConnection(key: string): void {
  connections.delete(key);
  forgetTokens(key);
}

async function connection(env: Pick<RunEnv, "pool">, key: string): Promise<Conn> {
  const hit = connections.get(key);
  if (hit && Date.now() - hit.at < CONNECTION_TTL_MS) return hit.conn;
  const { rows } = await env.pool.query<{
    key: string;
    connector_key: string;
    config: Record<string, unknown> | null;
    secrets_enc: string | null;
    allowed_hosts: string[] | null;
  }>(`SELECT key, connector_key, config, secrets_enc, allowed_hosts FROM connection WHERE key = $1`, [key]);
  const r = rows[0];
  if (!r)
    throw new StepError({
      errorClass: "validation",
      code: "unknown_connection",
      message: `No connection named "${key}".`,
    });
  const conn: Conn = {
    key: r.key,
    connectorKey: r.connector_key,
    config: r.config ?? {},
    secrets: r.secrets_enc ? (JSON.parse(open(r.secrets_enc, `connection:${r.key}`)) as Record<string, string>) : {},
    allowedHosts: r.allowed_hosts ?? [],
  };
  connections.set(key, { at: Date.now(), conn });
  return conn;
}

export async function callConnector(
  env: Pick<RunEnv, "pool"> & { run?: { environment?: string } },
  a: {
    connector: string;
    operation: string;
    connection: string;
    input: unknown;
    idempotencyKey: string;
    signal: AbortSignal;
    timeoutMs?: number;
    logger: pino.Logger;
  },
): Promise<unknown> {
  // The DSL names a logical connection; the run's environment binds it to a concrete one (docs/environments.md).
  const concrete = await resolveConnectionKey(env.pool, env.run?.environment ?? "production", a.connection);
  const conn = await connection(env, concrete);
  // Not a built-in connector: an OpenAPI import stored in the database (cached by its spec hash).
  const imported = await importedDefinitionVia(
    async <R>(sql: string, params: unknown[]) => (await env.pool.query(sql, params)).rows as R[],
    a.connector,
  );
  return runOperation({
    extra: imported ? [imported] : undefined,
    connectorKey: a.connector,
    operation: a.operation,
    input: a.input,
    connection: conn,
    idempotencyKey: a.idempotencyKey,
    signal: a.signal,
    timeoutMs: a.timeoutMs,
    logger: a.logger,
    // No in-call retries (any wait exceeds -1 ms): the step's DSL retry policy alone decides what is retried, with durable backoff.
    maxInCallWaitMs: -1,
  });
}
