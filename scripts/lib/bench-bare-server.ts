// Baseline of `npm run bench:http`: a bare Node HTTP server (no Next.js, no pg-boss) that checks the
// signature and does the run INSERT ingress does, in its own process like the web. What the HTTP + one-INSERT
// floor costs on this machine, measured with the same load process.
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import http from "node:http";
import pg from "pg";

const { DATABASE_URL, BARE_FLOW_ID, BARE_VERSION_ID, BARE_SECRET } = process.env;
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 16 });

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const ts = String(req.headers["x-weft-timestamp"] ?? "");
    const expected = Buffer.from(
      `v1=${createHmac("sha256", BARE_SECRET!).update(`${ts}.`).update(body).digest("hex")}`,
    );
    const got = Buffer.from(String(req.headers["x-weft-signature"] ?? ""));
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) return void res.writeHead(401).end();
    const payload = JSON.parse(body.toString("utf8")) as { orderId: string };
    const id = randomUUID();
    pool
      .query(
        `INSERT INTO run (id, flow_id, flow_version_id, status, trigger_type, input, idempotency_key)
         VALUES ($1::uuid, $2::uuid, $3::uuid, 'queued', 'webhook', $4::jsonb, $5) ON CONFLICT DO NOTHING`,
        [id, BARE_FLOW_ID, BARE_VERSION_ID, JSON.stringify({ body: payload }), `hook:${payload.orderId}`],
      )
      .then(
        () => res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify({ runId: id })),
        () => res.writeHead(503).end(),
      );
  });
});
server.listen(0, "127.0.0.1", () => {
  process.send!({ port: (server.address() as { port: number }).port });
});
process.on("disconnect", () => process.exit(0));
