// A small idempotent HTTP target for the runtime's process-level tests, standing in for a vendor sandbox:
// it applies an effect once per Idempotency-Key (a repeat returns the stored result), counts every call,
// and can hold requests for a step open so a test can kill or cut a worker while a call is in flight.
import "server-only";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface TestTarget {
  url: string;
  /** Effects applied per idempotency key (must never exceed 1). */
  effects: Map<string, number>;
  /** Calls received per idempotency key (a crash may repeat a call; the effect still happens once). */
  calls: Map<string, number>;
  /** Hold calls for this step until release(); resolves waiters as they arrive. */
  hold(step: string | null): void;
  waitForHeld(n: number, timeoutMs?: number): Promise<void>;
  release(): void;
  stop(): Promise<void>;
}

export async function startTestTarget(): Promise<TestTarget> {
  const effects = new Map<string, number>();
  const calls = new Map<string, number>();
  const results = new Map<string, string>();
  let holdStep: string | null = null;
  let held: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const key = String(req.headers["idempotency-key"] ?? "");
      const step = String(req.headers["x-step"] ?? "");
      calls.set(key, (calls.get(key) ?? 0) + 1);
      const respond = (body: string) => {
        if (!res.destroyed) res.writeHead(200, { "content-type": "application/json" }).end(body);
      };
      const stored = results.get(key);
      if (stored !== undefined) return respond(stored);
      effects.set(key, (effects.get(key) ?? 0) + 1);
      const body = JSON.stringify({ id: `fx-${effects.size}`, step, received: Buffer.concat(chunks).length });
      results.set(key, body);
      if (holdStep && step === holdStep) held.push(() => respond(body));
      else respond(body);
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    effects,
    calls,
    hold: (step) => {
      holdStep = step;
    },
    async waitForHeld(n, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      while (held.length < n) {
        if (Date.now() > until) throw new Error(`only ${held.length} of ${n} calls arrived`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    release() {
      holdStep = null;
      const h = held;
      held = [];
      for (const f of h) f();
    },
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
