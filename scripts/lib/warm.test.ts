import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NAV } from "@/components/shell/nav";
import { WARM_ROUTES, warmRoutes } from "./warm";

describe("warmRoutes", () => {
  const seen: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      seen.push(req.url ?? "");
      setTimeout(() => {
        inFlight--;
        if (req.url === "/gone") return void res.destroy();
        res.writeHead(req.url === "/flows" ? 307 : 200, { location: "/login" }).end("ok");
      }, 5);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("requests each route once, in order and one at a time, without following redirects, and says when it is done", async () => {
    const lines: string[] = [];
    const r = await warmRoutes(base, (m) => lines.push(m), ["/login", "/flows", "/gone", "/runs"]);
    expect(seen).toEqual(["/login", "/flows", "/gone", "/runs"]);
    expect(maxInFlight).toBe(1);
    expect(r.failed).toEqual(["/gone"]);
    expect(lines[0]).toMatch(/^warming pages…/);
    expect(lines.at(-1)).toMatch(/^ready: pages warmed in \d+ s \(1 did not answer\)$/);
  });

  it("warms the sign-in page first and every section of the navigation", () => {
    expect(WARM_ROUTES[0]).toBe("/login");
    expect(WARM_ROUTES).toEqual(expect.arrayContaining(NAV.map((n) => n.href)));
    expect(new Set(WARM_ROUTES).size).toBe(WARM_ROUTES.length);
  });
});
