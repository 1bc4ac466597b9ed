// A per-connection limiter: a token bucket (requests per second with a burst) and a concurrency cap.
// Vendors limit per account (NetSuite's concurrency governance, Salesforce's concurrent long requests),
// so one limiter is shared by every call made with the same connection in this process.
export interface RateLimit {
  /** Sustained requests per second; 0 or undefined = unlimited. */
  requestsPerSecond?: number;
  /** Bucket size (default: max(1, requestsPerSecond)). */
  burst?: number;
  /** Requests in flight at once; undefined = unlimited. */
  maxConcurrent?: number;
}

export class RateLimiter {
  private tokens: number;
  private last = Date.now();
  private inFlight = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly limit: RateLimit) {
    this.tokens = this.capacity();
  }

  private capacity(): number {
    return this.limit.burst ?? Math.max(1, this.limit.requestsPerSecond ?? 1);
  }

  private refill(): void {
    const rps = this.limit.requestsPerSecond;
    if (!rps) return;
    const now = Date.now();
    this.tokens = Math.min(this.capacity(), this.tokens + ((now - this.last) / 1000) * rps);
    this.last = now;
  }

  /** Waits for a slot; the returned function releases it. Rejects if the signal aborts while waiting. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    for (;;) {
      signal?.throwIfAborted();
      const concurrencyOk = this.limit.maxConcurrent === undefined || this.inFlight < this.limit.maxConcurrent;
      this.refill();
      const rateOk = !this.limit.requestsPerSecond || this.tokens >= 1;
      if (concurrencyOk && rateOk) {
        if (this.limit.requestsPerSecond) this.tokens -= 1;
        this.inFlight++;
        let released = false;
        return () => {
          if (released) return;
          released = true;
          this.inFlight--;
          const w = this.waiters.shift();
          w?.();
        };
      }
      const waitMs = !rateOk ? Math.ceil(((1 - this.tokens) / this.limit.requestsPerSecond!) * 1000) : undefined;
      await new Promise<void>((resolve, reject) => {
        const done = () => {
          clearTimeout(t);
          signal?.removeEventListener("abort", onAbort);
          this.waiters = this.waiters.filter((x) => x !== done);
          resolve();
        };
        const onAbort = () => {
          done();
          reject(signal!.reason instanceof Error ? signal!.reason : new Error("aborted"));
        };
        // Woken by a release (concurrency) or by the refill time (rate), whichever comes first.
        const t = waitMs !== undefined ? setTimeout(done, waitMs) : undefined;
        if (!concurrencyOk) this.waiters.push(done);
        signal?.addEventListener("abort", onAbort, { once: true });
      });
    }
  }

  get active(): number {
    return this.inFlight;
  }
}

const limiters = new Map<string, { sig: string; limiter: RateLimiter }>();

/** The shared limiter of a connection (replaced when its limits change). */
export function limiterFor(connectionKey: string, limit: RateLimit | undefined): RateLimiter | undefined {
  if (!limit || (!limit.requestsPerSecond && limit.maxConcurrent === undefined)) return undefined;
  const sig = JSON.stringify(limit);
  const hit = limiters.get(connectionKey);
  if (hit && hit.sig === sig) return hit.limiter;
  const limiter = new RateLimiter(limit);
  limiters.set(connectionKey, { sig, limiter });
  return limiter;
}
