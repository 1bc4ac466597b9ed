// Webhook ingress: POST /api/hooks/<flowKey>. Signature-authenticated (no session): HMAC-SHA256 over
// "<timestamp>.<raw body>" with the flow's signing secret, stale timestamps refused (replay window),
// size and content-type limits, de-duplication by the configured idempotency key, then the run and its
// job commit together and the caller gets 202 {runId}.
import "server-only";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { PgBoss } from "pg-boss";
import type { Pool } from "./sql";
import { createRun } from "./runs";
import { loadPublishedFlow, resolveConnectionKey } from "./flow-source";
import { flowView, evaluateKey } from "./dsl-view";
import { validatePayload, type JsonSchema } from "../../core/governance/contract-compat";
import { open } from "../connections/secret-box";
import { webhookInput } from "../../core/dsl/trigger-input";
import {
  defaultWebhookSecret,
  WEBHOOK_SECRET_FIELD,
  WEBHOOK_SIGNATURE_HEADER as SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER as TIMESTAMP_HEADER,
  WEBHOOK_TOLERANCE_SECONDS as SIGNATURE_TOLERANCE_SECONDS,
} from "../../core/dsl/defaults";
import { metrics } from "../observability/metrics";
import { describeInputFault, inputFaultStatus, inspectInput } from "../../core/input-guard";

export {
  WEBHOOK_SIGNATURE_HEADER as SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER as TIMESTAMP_HEADER,
  WEBHOOK_TOLERANCE_SECONDS as SIGNATURE_TOLERANCE_SECONDS,
} from "../../core/dsl/defaults";
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

export interface IngressResult {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface IngressRequest {
  flowKey: string;
  headers: Headers;
  body: Buffer;
  /** The query string, without "?". */
  query?: string;
  now?: number;
  /**
   * The environment the delivery is for (`/api/hooks/<flow>?env=test`; default production): its deployment
   * runs, its binding of the signing-secret connection verifies the signature.
   */
  environment?: string;
}

/** What a sender computes: `v1=` + hex HMAC-SHA256(secret, `${timestamp}.${body}`). */
export function signWebhook(secret: string, timestamp: number | string, body: string | Buffer): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex")}`;
}

export function verifySignature(secret: string, timestamp: string, body: Buffer, header: string): boolean {
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  // A header may carry several signatures during secret rotation: "v1=…,v1=…".
  return header.split(/[,\s]+/).some((candidate) => {
    const c = Buffer.from(candidate.replace(/^sha256=/, "v1="));
    return c.length === expected.length && timingSafeEqual(c, expected);
  });
}

export function isJsonContentType(ct: string | null): boolean {
  if (!ct) return false;
  const type = ct.split(";")[0]!.trim().toLowerCase();
  return type === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

interface SecretCacheEntry {
  at: number;
  secrets: string[];
}
const secretCache = new Map<string, SecretCacheEntry>();

/** The flow's signing secret(s): a Connection (connector "webhook") whose sealed secrets hold `signingSecret`
 *  (and optionally `previousSigningSecret` during rotation). Cached briefly like the flow itself. */
async function signingSecrets(pool: Pool, connectionKey: string): Promise<string[]> {
  const hit = secretCache.get(connectionKey);
  if (hit && Date.now() - hit.at < 2000) return hit.secrets;
  const { rows } = await pool.query<{ secrets_enc: string | null }>(
    `SELECT secrets_enc FROM connection WHERE key = $1`,
    [connectionKey],
  );
  const enc = rows[0]?.secrets_enc;
  const all = enc ? (JSON.parse(open(enc, `connection:${connectionKey}`)) as Record<string, string>) : {};
  const secrets = [all[WEBHOOK_SECRET_FIELD], all.previousSigningSecret, all.secret].filter(
    (s): s is string => typeof s === "string" && s.length > 0,
  );
  secretCache.set(connectionKey, { at: Date.now(), secrets });
  return secrets;
}

function reject(status: number, error: string, flowKey: string): IngressResult {
  metrics().runtimeIngress.inc({ flow: flowKey, outcome: String(status) });
  return { status, body: { error } };
}

export async function acceptWebhook(deps: { pool: Pool; boss: PgBoss }, req: IngressRequest): Promise<IngressResult> {
  const { flowKey, headers, body } = req;
  if (!/^[a-z0-9][a-z0-9._-]{0,127}$/i.test(flowKey)) return reject(404, "No such flow.", "-");
  const environment = req.environment ?? "production";
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(environment)) return reject(404, "No such environment.", "-");
  const flow = await loadPublishedFlow(deps.pool, flowKey, { environment });
  if (!flow)
    return reject(
      404,
      environment === "production"
        ? "No version of this flow runs in production; a published version gets there by a promotion from test."
        : `No version of this flow is deployed to the ${environment} environment.`,
      "-",
    );
  const view = flowView(flow.dsl);
  const trigger = view.trigger;
  if (trigger.kind !== "webhook") return reject(404, "This flow is not started by a webhook.", flowKey);
  const maxBytes = trigger.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (body.length > maxBytes) return reject(413, `The body exceeds ${maxBytes} bytes.`, flowKey);
  if (!isJsonContentType(headers.get("content-type"))) return reject(415, "Send application/json.", flowKey);

  const ts = headers.get(TIMESTAMP_HEADER);
  const sig = headers.get(SIGNATURE_HEADER);
  if (!ts || !sig || !/^\d{9,11}$/.test(ts))
    return reject(401, `Missing or malformed ${TIMESTAMP_HEADER} / ${SIGNATURE_HEADER}.`, flowKey);
  const now = req.now ?? Date.now();
  if (Math.abs(now / 1000 - Number(ts)) > (trigger.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS)) {
    return reject(401, "Stale timestamp: the signature is too old or from the future.", flowKey);
  }
  // Each environment may bind the secret's connection to its own: a test sender never holds production's secret.
  const secretKey = await resolveConnectionKey(
    deps.pool,
    environment,
    trigger.secretConnection ?? defaultWebhookSecret(flowKey),
  );
  const secrets = await signingSecrets(deps.pool, secretKey);
  if (!secrets.length)
    return reject(
      503,
      `This flow's webhook signing secret ("${secretKey}") is not configured: create it from the flow's trigger in the designer.`,
      flowKey,
    );
  if (!secrets.some((s) => verifySignature(s, ts, body, sig))) return reject(401, "Bad signature.", flowKey);

  let payload: unknown;
  try {
    payload = JSON.parse(body.toString("utf8"));
  } catch {
    return reject(400, "The body is not valid JSON.", flowKey);
  }
  // $trigger of a webhook run: the one definition in core/dsl (trigger-input.ts).
  const input = webhookInput(payload, headers.entries(), req.query ?? "");
  // Before anything recursive (expressions, JSON.stringify, jsonb): a 4xx the sender will not retry, naming
  // the field, rather than a 503 it would retry for ever.
  const fault = inspectInput(input);
  if (fault) return reject(inputFaultStatus(fault), describeInputFault(fault), flowKey);
  if (trigger.rejectInvalidPayload && trigger.payloadSchema) {
    // Enforcement at the door (the trigger's onInvalidPayload: "reject"): nothing is stored, the sender learns why.
    const issues = validatePayload(trigger.payloadSchema as JsonSchema, payload);
    if (issues.length) {
      const r = reject(422, "The body does not match the webhook's payload schema.", flowKey);
      return {
        ...r,
        body: { ...r.body, issues: issues.slice(0, 50).map((i) => ({ path: i.path, message: i.message })) },
      };
    }
  }

  let idempotencyKey: string | null = null;
  try {
    if (trigger.idempotencyKey) idempotencyKey = await evaluateKey(trigger.idempotencyKey, input);
  } catch (err) {
    return reject(422, `The idempotency key expression failed: ${(err as Error).message}`, flowKey);
  }
  // Without a configured key, the sender's Idempotency-Key header; else the signed content itself, so a
  // re-delivery of the same signed request (same timestamp and body) is recognised.
  idempotencyKey ??=
    headers.get("idempotency-key") ?? `sig:${createHash("sha256").update(ts).update(".").update(body).digest("hex")}`;
  let concurrencyKey: string | null = null;
  if (view.concurrencyKey) concurrencyKey = await evaluateKey(view.concurrencyKey, input).catch(() => null);

  const r = await createRun(deps.pool, deps.boss, {
    flowId: flow.flowId,
    flowVersionId: flow.versionId,
    triggerType: "webhook",
    input,
    // Per environment: the same delivery to test and to production are two runs.
    idempotencyKey: environment === "production" ? `hook:${idempotencyKey}` : `hook:${environment}:${idempotencyKey}`,
    concurrencyKey: concurrencyKey ? `${flowKey}:${concurrencyKey}` : null,
    environment,
  });
  metrics().runtimeIngress.inc({ flow: flowKey, outcome: r.created ? "accepted" : "duplicate" });
  return { status: 202, body: { runId: r.runId, duplicate: !r.created } };
}
