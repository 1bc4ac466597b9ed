// The load process of `npm run bench:http` (a child, forked with IPC, so the senders' CPU is not the server's):
// signs webhooks as a sender computes them (`v1=` HMAC-SHA256 over "<timestamp>.<body>", docs/dsl.md) and
// POSTs them over keep-alive HTTP, either from N closed-loop senders (each waits for its answer) or as an
// open-loop stream at a fixed rate (one request per tick whatever the answers). Reports what it saw.
import { createHmac } from "node:crypto";
import http from "node:http";

export interface LoadOrder {
  url: string;
  secret: string;
  /** Closed loop: this many senders… */
  concurrency?: number;
  /** …sending this many deliveries in all. */
  count?: number;
  /** Open loop: deliveries per second, for `seconds`. */
  rate?: number;
  seconds?: number;
  /** Prefix of the orderId, so every point's deliveries are new (no de-duplication). */
  prefix: string;
}

export interface LoadReport {
  sent: number;
  accepted: number;
  /** Status → count, for everything but 202. */
  other: Record<string, number>;
  errors: number;
  ms: number;
  /** Request round trips as the sender saw them. */
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export async function runLoad(o: LoadOrder): Promise<LoadReport> {
  const u = new URL(o.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency ?? 1024 });
  const times: number[] = [];
  const other: Record<string, number> = {};
  let accepted = 0;
  let errors = 0;
  let seq = 0;
  const send = () =>
    new Promise<void>((resolve) => {
      const n = seq++;
      const body = JSON.stringify({
        orderId: `${o.prefix}-${n}`,
        amount: 100 + (n % 50),
        lines: [{ sku: "CONSULT", hours: 8 }],
      });
      const ts = String(Math.floor(Date.now() / 1000));
      const sig = `v1=${createHmac("sha256", o.secret).update(`${ts}.`).update(body).digest("hex")}`;
      const t0 = performance.now();
      const req = http.request(
        {
          agent,
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: "POST",
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            "x-weft-timestamp": ts,
            "x-weft-signature": sig,
          },
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            times.push(performance.now() - t0);
            if (res.statusCode === 202) accepted++;
            else other[String(res.statusCode)] = (other[String(res.statusCode)] ?? 0) + 1;
            resolve();
          });
        },
      );
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end(body);
    });

  const t0 = Date.now();
  if (o.rate) {
    const total = Math.round(o.rate * (o.seconds ?? 5));
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const wait = t0 + (i * 1000) / o.rate - Date.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      inflight.push(send());
    }
    await Promise.all(inflight);
  } else {
    const count = o.count ?? 1000;
    await Promise.all(
      Array.from({ length: o.concurrency ?? 16 }, async () => {
        while (seq < count) await send();
      }),
    );
  }
  const ms = Date.now() - t0;
  agent.destroy();
  times.sort((a, b) => a - b);
  return { sent: seq, accepted, other, errors, ms, p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

// Forked by bench-http.ts: one order per message, one report back.
if (process.send) {
  process.on("message", (o: LoadOrder) => {
    void runLoad(o).then((r) => process.send!(r));
  });
}
