// The web front (before Next.js): the access log keeps the path only, request ids are bounded, and the client
// address comes from the socket unless the peer is a trusted proxy. A plain handler stands in for Next.js.
import http from "node:http";
import net from "node:net";
import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keepIdleConnections, webFront } from "./web";
import { CLIENT_IP_HEADER } from "@/server/http/client-ip";

describe("web front", () => {
  const lines: string[] = [];
  const seen: Array<{ ip: string | undefined; requestId: string | undefined }> = [];
  const hooks: string[] = [];
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const front = webFront(
      (req, res) => {
        seen.push({
          ip: req.headers[CLIENT_IP_HEADER] as string | undefined,
          requestId: req.headers["x-request-id"] as string | undefined,
        });
        res.end("ok");
      },
      pino({ level: "info" }, sink),
      async (_req, res, flowKey) => {
        hooks.push(flowKey);
        res.end("hook");
      },
    );
    server = http.createServer(front);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("never logs a query string: a password in the URL stays out of the log", async () => {
    lines.length = 0;
    const res = await fetch(`${base}/login?email=admin%40weft.local&password=weft-demo`);
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 50));
    const log = lines.join("");
    expect(log).toContain('"url":"/login"');
    expect(log).not.toContain("weft-demo");
    expect(log).not.toContain("password");
  });

  it("keeps a safe caller request id and replaces anything else", async () => {
    const ok = await fetch(`${base}/x`, { headers: { "x-request-id": "trace-42.a:b" } });
    expect(ok.headers.get("x-request-id")).toBe("trace-42.a:b");
    for (const bad of ["<script>alert(1)</script>", "a".repeat(65), "id with spaces", "-leading-dash"]) {
      const res = await fetch(`${base}/x`, { headers: { "x-request-id": bad } });
      expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      expect(seen.at(-1)!.requestId).toBe(res.headers.get("x-request-id"));
    }
  });

  it("takes the client address from the socket, ignoring a forwarded header and a forged client-ip header from an untrusted peer", async () => {
    await fetch(`${base}/x`, { headers: { "x-forwarded-for": "203.0.113.9", [CLIENT_IP_HEADER]: "198.51.100.1" } });
    expect(seen.at(-1)!.ip).toBe("127.0.0.1");
  });

  it("answers webhook deliveries itself (POST /api/hooks/<flow>) and hands everything else to Next.js", async () => {
    hooks.length = 0;
    const post = (p: string) => fetch(`${base}${p}`, { method: "POST", body: "{}" }).then((r) => r.text());
    expect(await post("/api/hooks/order-sync?env=test")).toBe("hook");
    expect(await post("/api/hooks/a%2Eb")).toBe("hook");
    expect(hooks).toEqual(["order-sync", "a.b"]);
    expect(await post("/api/hooks/a/b")).toBe("ok");
    expect(await post("/api/hooks/%E0%A4%A")).toBe("ok");
    expect(await fetch(`${base}/api/hooks/order-sync`).then((r) => r.text())).toBe("ok");
    expect(hooks).toHaveLength(2);
  });

  it("keeps an idle connection open past Node's 5 s (a load balancer reusing it gets an answer), where Node's default closes it", async () => {
    const idleThenAsk = async (server: http.Server): Promise<string> => {
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const socket = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
      let got = "";
      let closed = false;
      socket.on("data", (d: Buffer) => (got += d.toString()));
      socket.on("close", () => (closed = true));
      const ask = () => socket.write("GET /x HTTP/1.1\r\nHost: weft\r\n\r\n");
      ask();
      // Idle longer than Node's default keep-alive (5 s, plus the 1 s buffer newer Node adds to it).
      await new Promise((r) => setTimeout(r, 8_000));
      if (!closed) ask();
      await new Promise((r) => setTimeout(r, 300));
      socket.destroy();
      server.close();
      return closed ? "closed" : `${got.split("HTTP/1.1 200").length - 1} answers`;
    };
    const handler = webFront((_req, res) => res.end("ok"), pino({ level: "silent" }));
    const kept = http.createServer(handler);
    keepIdleConnections(kept, 65);
    const [withSetting, nodeDefault] = await Promise.all([idleThenAsk(kept), idleThenAsk(http.createServer(handler))]);
    expect(withSetting).toBe("2 answers");
    expect(nodeDefault).toBe("closed");
  }, 20_000);
});
