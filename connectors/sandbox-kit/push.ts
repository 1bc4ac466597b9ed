// Vendor-originated pushes: a sandbox's subscribers (set through its admin API, `/__sandbox/subscriptions`)
// receive the system's change notifications over HTTP as the real system would send them, signed, and
// retried with backoff when the receiver fails. Signing uses Weft's webhook scheme (`x-weft-timestamp` and
// `x-weft-signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`): the vendor notes
// (../shared/reference) name no signing scheme for Kantata webhooks, and Salesforce Change Data Capture is
// delivered by a subscriber (the Pub/Sub API has no signed HTTP push), so the sandbox plays that relay.
import { createHmac, randomUUID } from "node:crypto";
import { WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from "../../core/dsl/defaults";

export interface Subscription {
  id: string;
  url: string;
  /** Signing secret; deliveries are unsigned without one (a receiver that does not verify). */
  secret?: string;
  /** Event names this subscription receives ("OpportunityChangeEvent", "time_entry:approved"); empty = all. */
  events: string[];
  /** Attempts per delivery before it is given up (default 5). */
  maxAttempts: number;
  /** Delay before the first retry, doubled per attempt (default 500 ms). */
  retryDelayMs: number;
}

export interface Delivery {
  id: string;
  subscriptionId: string;
  event: string;
  attempts: number;
  status: "pending" | "delivered" | "failed";
  lastStatus?: number;
  lastError?: string;
  deliveredAt?: string;
}

/** The HMAC a subscriber's receiver checks: the same function as Weft's `signWebhook`. */
export function signPush(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.`).update(body).digest("hex")}`;
}

const MAX_DELIVERIES = 10_000;

export class PushHub {
  private subs = new Map<string, Subscription>();
  readonly deliveries: Delivery[] = [];
  private inFlight = new Set<Promise<void>>();

  subscribe(input: Partial<Subscription> & { url: string }): Subscription {
    const s: Subscription = {
      id: input.id ?? randomUUID(),
      url: input.url,
      secret: input.secret,
      events: input.events ?? [],
      maxAttempts: input.maxAttempts ?? 5,
      retryDelayMs: input.retryDelayMs ?? 500,
    };
    this.subs.set(s.id, s);
    return s;
  }

  unsubscribe(id: string): boolean {
    return this.subs.delete(id);
  }

  list(): Subscription[] {
    return [...this.subs.values()];
  }

  /** Forgets past deliveries. Subscriptions stay: they are the subscriber's registration, not sandbox data. */
  clearDeliveries(): void {
    this.deliveries.length = 0;
  }

  /** Sends `body` to every subscription of `event`; returns at once (deliveries run in the background). */
  emit(event: string, body: unknown): void {
    for (const s of this.subs.values()) {
      if (s.events.length && !s.events.includes(event)) continue;
      const d: Delivery = { id: randomUUID(), subscriptionId: s.id, event, attempts: 0, status: "pending" };
      this.deliveries.push(d);
      // A long-running dev server pushes for hours: keep the newest deliveries only.
      if (this.deliveries.length > MAX_DELIVERIES) this.deliveries.splice(0, this.deliveries.length - MAX_DELIVERIES);
      const p = this.deliver(s, d, JSON.stringify(body)).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }
  }

  /** Resolves when every delivery started so far (and its retries) has finished. */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  private async deliver(s: Subscription, d: Delivery, body: string): Promise<void> {
    while (d.attempts < s.maxAttempts) {
      d.attempts++;
      // Signed per attempt: a retry carries a fresh timestamp, so a receiver's replay window never refuses it.
      const ts = Math.floor(Date.now() / 1000);
      const headers: Record<string, string> = { "content-type": "application/json", "x-sandbox-delivery": d.id };
      if (s.secret) {
        headers[WEBHOOK_TIMESTAMP_HEADER] = String(ts);
        headers[WEBHOOK_SIGNATURE_HEADER] = signPush(s.secret, ts, body);
      }
      try {
        const res = await fetch(s.url, { method: "POST", headers, body, signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer().catch(() => undefined);
        d.lastStatus = res.status;
        d.lastError = undefined;
        if (res.ok) {
          d.status = "delivered";
          d.deliveredAt = new Date().toISOString();
          return;
        }
        // A 4xx other than 408/429 will not get better by resending the same request.
        if (res.status < 500 && res.status !== 408 && res.status !== 429) break;
      } catch (e) {
        d.lastError = (e as Error).message;
      }
      if (d.attempts < s.maxAttempts) await new Promise((r) => setTimeout(r, s.retryDelayMs * 2 ** (d.attempts - 1)));
    }
    d.status = "failed";
  }
}

/** The admin API's subscription endpoints (`sub` is the path after `/__sandbox/`); undefined if not one of them. */
export function pushAdmin(
  hub: PushHub,
  method: string,
  sub: string,
  body: unknown,
): { status: number; body: unknown } | undefined {
  if (sub === "subscriptions" && method === "GET")
    return {
      status: 200,
      body: { subscriptions: hub.list().map((s) => ({ ...s, secret: s.secret ? "(set)" : undefined })) },
    };
  if (sub === "subscriptions" && method === "POST") {
    const b = (body ?? {}) as Record<string, unknown>;
    const problems: string[] = [];
    let url: URL | undefined;
    try {
      url = new URL(String(b.url ?? ""));
      if (url.protocol !== "http:" && url.protocol !== "https:") problems.push("url: must be http(s)");
    } catch {
      problems.push("url: required, an absolute http(s) URL");
    }
    if (b.secret !== undefined && (typeof b.secret !== "string" || !b.secret))
      problems.push("secret: a non-empty string");
    if (b.events !== undefined && (!Array.isArray(b.events) || b.events.some((e) => typeof e !== "string")))
      problems.push("events: an array of event names");
    for (const k of ["maxAttempts", "retryDelayMs"] as const)
      if (b[k] !== undefined && (!Number.isInteger(b[k]) || (b[k] as number) < (k === "maxAttempts" ? 1 : 0)))
        problems.push(`${k}: a ${k === "maxAttempts" ? "positive" : "non-negative"} integer`);
    if (problems.length) return { status: 400, body: { error: "invalid subscription", problems } };
    const s = hub.subscribe({
      url: url!.toString(),
      secret: b.secret as string | undefined,
      events: b.events as string[] | undefined,
      maxAttempts: b.maxAttempts as number | undefined,
      retryDelayMs: b.retryDelayMs as number | undefined,
    });
    return { status: 201, body: { subscription: { ...s, secret: s.secret ? "(set)" : undefined } } };
  }
  const m = /^subscriptions\/([^/]+)$/.exec(sub);
  if (m && method === "DELETE")
    return hub.unsubscribe(decodeURIComponent(m[1]!))
      ? { status: 200, body: { deleted: true } }
      : { status: 404, body: { error: "no such subscription" } };
  if (sub === "deliveries" && method === "GET") return { status: 200, body: { deliveries: hub.deliveries } };
  return undefined;
}
