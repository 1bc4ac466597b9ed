// Weft's webhook ingress over real HTTP for tests that need a sender outside the process's function calls (a
// vendor sandbox pushing): POST /api/hooks/<flowKey> → acceptWebhook, as app/api/hooks/[flowKey]/route.ts
// does inside Next.js. `failNext` answers the next n calls with 503 first, to prove a sender retries.
import "server-only";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { PgBoss } from "pg-boss";
import { acceptWebhook } from "../runtime/ingress";
import type { Pool } from "../runtime/sql";
import { webhookPath } from "../../core/dsl/defaults";

export interface HookServer {
  baseUrl: string;
  /** The URL a sender posts to for `flowKey`. */
  url(flowKey: string): string;
  /** Answer the next `n` calls with 503 (before the ingress sees them). */
  failNext(n: number): void;
  /** Every answer given, in order. */
  answers: Array<{ flowKey: string; status: number }>;
  close(): Promise<void>;
}

export async function startHookServer(deps: { pool: Pool; boss: PgBoss }): Promise<HookServer> {
  let failing = 0;
  const answers: HookServer["answers"] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://weft");
      const m = /^\/api\/hooks\/([^/]+)$/.exec(url.pathname);
      const flowKey = m ? decodeURIComponent(m[1]!) : "";
      const send = (status: number, body: unknown) => {
        answers.push({ flowKey, status });
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      };
      if (req.method !== "POST" || !m) return send(404, { error: "not found" });
      if (failing > 0) {
        failing--;
        return send(503, { error: "The webhook could not be accepted right now; retry later." });
      }
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      acceptWebhook(deps, { flowKey, headers, body: Buffer.concat(chunks), query: url.search.slice(1) }).then(
        (r) => send(r.status, r.body),
        (e: unknown) => send(503, { error: String(e) }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    url: (flowKey) => `${baseUrl}${webhookPath(flowKey)}`,
    failNext: (n) => {
      failing = n;
    },
    answers,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
