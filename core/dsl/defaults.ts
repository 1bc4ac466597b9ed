// Defaults the schema leaves out on purpose (a parsed document is exactly what its author wrote), resolved
// here once so the runtime, the validator and the docs agree on them.
import {
  APPROVAL_DECISIONS,
  type ApprovalDecision,
  type ApprovalStep,
  type ErrorClass,
  type Flow,
  type RetryPolicy,
  type Step,
} from "./schema";

/** The connector of connections holding a webhook signing secret, and the secret field the ingress reads. */
export const WEBHOOK_CONNECTOR = "webhook";
export const WEBHOOK_SECRET_FIELD = "signingSecret";
/** The signing scheme: `x-weft-signature: v1=<hex HMAC-SHA256(secret, "<x-weft-timestamp>.<body>")>`. */
export const WEBHOOK_SIGNATURE_HEADER = "x-weft-signature";
export const WEBHOOK_TIMESTAMP_HEADER = "x-weft-timestamp";
/** Signed requests older (or newer) than this many seconds are refused unless the trigger says otherwise. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
/** Where a flow's webhook is called, relative to Weft's base URL. */
export function webhookPath(flowKey: string): string {
  return `/api/hooks/${encodeURIComponent(flowKey)}`;
}

/** The signing-secret connection a new webhook trigger names: one per flow, so a leaked secret opens one door.
 *  The designer proposes it and the ingress falls back to it — one definition. */
export function defaultWebhookSecret(flowKey: string): string {
  return `webhook-${flowKey}`;
}

/** The connector of a placeholder step: a `call` standing in for something an importer (core/convert) could
 *  not carry over. It always fails validation (`placeholder-step`, with its description), so a converted
 *  draft cannot be published or run until someone replaces it. */
export const PLACEHOLDER_CONNECTOR = "placeholder";

export const DEFAULT_RETRY_ON: readonly string[] = ["transient", "timeout"];
export const DEFAULT_STEP_TIMEOUT_MS = 5 * 60_000;
export const LIMITS = {
  retryIntervalMaxMs: 60 * 60_000,
  retryMaxDelayMaxMs: 24 * 60 * 60_000,
  timeoutMinMs: 1_000,
  timeoutMaxMs: 24 * 60 * 60_000,
  waitMaxMs: 366 * 24 * 60 * 60_000,
  /** Scopes (foreach bodies, parallel branches) nested in one another. */
  maxScopeDepth: 8,
  /** Nesting of the raw JSON document, checked before anything recursive touches it. */
  maxJsonDepth: 64,
  maxJsonNodes: 2_000_000,
} as const;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a DSL duration ("30s", "5m", "PT1H30M", "P1D"), or null when it is not one. */
export function parseDuration(text: string): number | null {
  const short = /^(\d{1,9})(ms|s|m|h|d)$/.exec(text);
  if (short) return Number(short[1]) * UNIT_MS[short[2]!]!;
  const iso =
    /^P(?!$)(?:(\d{1,6})W)?(?:(\d{1,6})D)?(?:T(?=\d)(?:(\d{1,6})H)?(?:(\d{1,6})M)?(?:(\d{1,6}(?:\.\d{1,3})?)S)?)?$/.exec(
      text,
    );
  if (!iso) return null;
  const [, w, d, h, m, s] = iso;
  return Math.round(
    Number(w ?? 0) * 7 * 86_400_000 +
      Number(d ?? 0) * 86_400_000 +
      Number(h ?? 0) * 3_600_000 +
      Number(m ?? 0) * 60_000 +
      Number(s ?? 0) * 1000,
  );
}

export interface EffectiveRetry {
  on: readonly string[];
  maxAttempts: number;
  intervalMs: number;
  backoffRate: number;
  maxDelayMs: number;
  jitter: "none" | "full" | "equal";
}

/** The retry policy that applies to a step: its own, else the flow's default, else one attempt. */
export function effectiveRetry(step: Step, flow: Pick<Flow, "defaults">): EffectiveRetry {
  const p: RetryPolicy | undefined = ("retry" in step ? step.retry : undefined) ?? flow.defaults?.retry;
  return {
    on: p?.on ?? DEFAULT_RETRY_ON,
    maxAttempts: p?.maxAttempts ?? 1,
    intervalMs: parseDuration(p?.interval ?? "1s") ?? 1000,
    backoffRate: p?.backoffRate ?? 2,
    maxDelayMs: parseDuration(p?.maxDelay ?? "5m") ?? 300_000,
    jitter: p?.jitter ?? "full",
  };
}

/** Delay before retry number `retry` (1 = the first retry), before jitter. */
export function retryDelayMs(r: EffectiveRetry, retry: number): number {
  return Math.min(r.maxDelayMs, r.intervalMs * Math.pow(r.backoffRate, Math.max(0, retry - 1)));
}

/** Time limit of one attempt of a step. */
export function effectiveTimeoutMs(step: Step, flow: Pick<Flow, "defaults">): number {
  const t = ("timeout" in step ? step.timeout : undefined) ?? flow.defaults?.timeout;
  return (t !== undefined ? parseDuration(t) : null) ?? DEFAULT_STEP_TIMEOUT_MS;
}

/**
 * Whether an error matcher list covers an error: a class name, "any", or "business:<code>" for one typed
 * business error. Used for retry `on` lists and catch routes alike.
 */
export function errorMatches(
  matchers: readonly string[],
  error: { errorClass: ErrorClass | string; code?: string },
): boolean {
  for (const m of matchers) {
    if (m === "any" || m === error.errorClass) return true;
    if (m.startsWith("business:") && error.errorClass === "business" && m.slice(9) === error.code) return true;
  }
  return false;
}

/** Poll triggers: the allowed interval, and the failing poll's backoff (doubling from the interval, capped). */
export const POLL_INTERVAL_MIN_MS = 10_000;
export const POLL_INTERVAL_MAX_MS = 86_400_000;
export const POLL_BACKOFF_MAX_MS = 3_600_000;

/** Delay before the next poll after `failures` consecutive failures (0 = the last poll succeeded). */
export function pollDelayMs(intervalMs: number, failures: number): number {
  if (failures <= 0) return intervalMs;
  return Math.min(Math.max(intervalMs, POLL_BACKOFF_MAX_MS), intervalMs * Math.pow(2, Math.min(failures, 30)));
}

/** The decisions an approval step offers: its own list, else approve/reject (and approve-with-changes with a form). */
export function approvalDecisions(step: Pick<ApprovalStep, "decisions" | "form">): ApprovalDecision[] {
  return step.decisions ?? (step.form ? [...APPROVAL_DECISIONS] : ["approve", "reject"]);
}

/** The business error an approval step fails with when it expired and has no `expired` route. */
export const APPROVAL_EXPIRED_CODE = "approval_expired";
