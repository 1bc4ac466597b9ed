// SSRF guard tests against real local HTTP servers: refused ranges (IPv4, IPv6, mapped and embedded
// forms), URL encodings of loopback, DNS answers that point inside, DNS rebinding between a check and
// the connect, redirects into forbidden space, allow-lists by host:port / name / CIDR, and body caps.
// Every refusal also asserts the target server saw no request.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectorError } from "./errors";
import { allowListFromEnv, forbiddenRange, HttpGuard, SsrfError, type Resolver } from "./http-guard";
import { createHttpClient } from "./http";
import { createRedactor } from "./redact";
import { startListener } from "./testing";
import { FORBIDDEN_ADDRESS_FORMS, PUBLIC_TRANSITION_FORMS } from "./ssrf-forms";

interface Target {
  port: number;
  hits: number;
  lastHeaders?: http.IncomingHttpHeaders;
  lastMethod?: string;
  server: http.Server;
}

async function target(
  handler?: (req: http.IncomingMessage, res: http.ServerResponse, t: Target) => void,
): Promise<Target> {
  const t = { hits: 0 } as Target;
  t.server = http.createServer((req, res) => {
    t.hits++;
    t.lastHeaders = req.headers;
    t.lastMethod = req.method;
    req.resume();
    if (handler) handler(req, res, t);
    else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, path: req.url }));
  });
  await new Promise<void>((r) => t.server.listen(0, "127.0.0.1", () => r()));
  t.port = (t.server.address() as AddressInfo).port;
  return t;
}

let a: Target; // allow-listed, redirects on demand
let b: Target; // not allow-listed
let big: Target;
const guards: HttpGuard[] = [];
const guard = (opts: ConstructorParameters<typeof HttpGuard>[0]) => {
  const g = new HttpGuard(opts);
  guards.push(g);
  return g;
};

beforeAll(async () => {
  b = await target();
  a = await target((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    const to = u.searchParams.get("to");
    if (u.pathname === "/redirect" && to)
      res.writeHead(Number(u.searchParams.get("status") ?? 302), { location: to }).end();
    else if (u.pathname === "/loop") res.writeHead(302, { location: "/loop" }).end();
    else
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ ok: true, method: req.method, auth: req.headers.authorization ?? null }));
  });
  big = await target((req, res) => {
    const chunk = Buffer.alloc(64 * 1024, 120);
    if (req.url === "/declared") res.writeHead(200, { "content-length": String(2 * 1024 * 1024) });
    else res.writeHead(200); // chunked, no length
    let sent = 0;
    const pump = () => {
      while (sent < 2 * 1024 * 1024) {
        sent += chunk.length;
        if (!res.write(chunk)) return res.once("drain", pump);
      }
      res.end();
    };
    pump();
  });
});
afterAll(async () => {
  for (const g of guards) await g.close();
  for (const t of [a, b, big]) {
    t.server.closeAllConnections();
    await new Promise((r) => t.server.close(r));
  }
});

async function refused(p: Promise<unknown>): Promise<SsrfError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(SsrfError);
  expect(e).toMatchObject({ errorClass: "validation", reason: "ssrf" });
  return e as SsrfError;
}

describe("address ranges", () => {
  it.each([
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.0.10", "private"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["0.0.0.0", "unspecified"],
    ["169.254.169.254", "linkLocal"],
    ["100.64.0.1", "carrierGradeNat"],
    ["224.0.0.251", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "linkLocal"],
    ["fc00::1", "uniqueLocal"],
    ["fd12:3456::1", "uniqueLocal"],
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:10.0.0.1", "private"],
    ["::ffff:169.254.169.254", "linkLocal"],
    ["64:ff9b::7f00:1", "loopback"],
    ["2002:7f00:1::1", "loopback"],
    ["2001:0:4136:e378::1", "reserved"],
    ["ff02::1", "multicast"],
  ])("refuses %s (%s)", (addr, range) => {
    expect(forbiddenRange(addr) ?? "allowed").toMatch(new RegExp(`^${range}`));
  });

  it.each(FORBIDDEN_ADDRESS_FORMS.map((f) => [f.host, f.range]))(
    "judges the IPv4 address inside the transition form %s (%s)",
    (host, range) => {
      expect(forbiddenRange(host) ?? "allowed").toMatch(new RegExp(`^${range}`));
    },
  );

  it.each(PUBLIC_TRANSITION_FORMS)("allows %s, which reaches a public IPv4 address", (addr) => {
    expect(forbiddenRange(addr)).toBeUndefined();
  });

  it.each(["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e"])(
    "allows public %s",
    (addr) => {
      expect(forbiddenRange(addr)).toBeUndefined();
    },
  );
});

describe("literal and encoded hosts", () => {
  it("refuses loopback in every spelling and never reaches the server", async () => {
    const g = guard({});
    const p = b.port;
    for (const url of [
      `http://127.0.0.1:${p}/`,
      `http://localhost:${p}/`,
      `http://sub.localhost:${p}/`,
      `http://[::1]:${p}/`,
      `http://2130706433:${p}/`, // decimal 127.0.0.1
      `http://0x7f.0.0.1:${p}/`, // hex octet
      `http://127.1:${p}/`, // short form
      `http://017700000001:${p}/`, // octal
      `http://[::ffff:127.0.0.1]:${p}/`,
      `http://[::ffff:7f00:1]:${p}/`,
      `http://0.0.0.0:${p}/`,
    ]) {
      await refused(g.request(url));
    }
    expect(b.hits).toBe(0);
  });

  it("refuses every IPv6 transition form of an internal address, on a dual-stack listener that would answer", async () => {
    const v6 = await startListener((_req, res) => res.end("reached"), { listen: "::" });
    const port = v6.port;
    try {
      const g = guard({});
      for (const f of FORBIDDEN_ADDRESS_FORMS) {
        const e = await refused(g.request(`http://${f.host}:${port}/latest/meta-data/`));
        expect(e.message).toContain(f.range);
      }
      // The listener is reachable at all (through an allow-listed mapped spelling), so hits 0 means refused.
      expect(
        (await guard({ allowHosts: [`127.0.0.1:${port}`] }).request(`http://[::ffff:127.0.0.1]:${port}/`)).status,
      ).toBe(200);
      expect(v6.received).toHaveLength(1);
    } finally {
      await v6.close();
    }
  });

  it("refuses cloud metadata by address and by name", async () => {
    const g = guard({ resolve: async () => [{ address: "169.254.169.254", family: 4 }] });
    await refused(g.request("http://169.254.169.254/latest/meta-data/"));
    await refused(g.request("http://metadata.google.internal/computeMetadata/v1/"));
    await refused(g.request("http://[fd00:ec2::254]/latest/meta-data/"));
  });

  it("refuses non-http schemes and credentials in the URL", async () => {
    const g = guard({});
    await refused(g.request("file:///etc/passwd"));
    await refused(g.request("ftp://example.com/x"));
    await refused(g.request("gopher://127.0.0.1:6379/_INFO"));
    await refused(g.request("http://user:pass@example.com/"));
  });
});

describe("DNS answers", () => {
  const fake =
    (answers: Record<string, string[] | (() => string[])>): Resolver =>
    async (host) => {
      const v = answers[host];
      const list = typeof v === "function" ? v() : v;
      if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
      return list.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
    };

  it("refuses names that resolve to private, loopback or ULA addresses, or to a mix", async () => {
    const g = guard({
      resolve: fake({
        "intranet.test": ["10.0.0.5"],
        "loop.test": ["127.0.0.1"],
        "v6.test": ["fd00::5"],
        "mixed.test": ["93.184.216.34", "127.0.0.1"],
        "mapped.test": ["::ffff:192.168.1.1"],
        "compat.test": ["::a9fe:a9fe"],
        "nat64.test": ["64:ff9b::a00:1"],
        "sixtofour.test": ["2002:7f00:1::1"],
      }),
    });
    for (const h of [
      "intranet.test",
      "loop.test",
      "v6.test",
      "mixed.test",
      "mapped.test",
      "compat.test",
      "nat64.test",
      "sixtofour.test",
    ])
      await refused(g.request(`http://${h}:${b.port}/`));
    expect(b.hits).toBe(0);
  });

  it("checks the address it connects to, so DNS rebinding after a check is refused", async () => {
    let calls = 0;
    // First answer public (passes a pre-flight check), every later answer loopback: the classic rebind.
    const g = guard({ resolve: fake({ "rebind.test": () => (++calls === 1 ? ["93.184.216.34"] : ["127.0.0.1"]) }) });
    await expect(g.check(`http://rebind.test:${b.port}/`)).resolves.toBeInstanceOf(URL);
    await refused(g.request(`http://rebind.test:${b.port}/`));
    expect(calls).toBe(2);
    expect(b.hits).toBe(0);
  });

  it("classifies a name that does not resolve as transient (network)", async () => {
    const g = guard({ resolve: fake({}) });
    const e = await g.request("http://nowhere.test/").then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ConnectorError);
    expect(e).toMatchObject({ errorClass: "transient", reason: "network", code: "ENOTFOUND" });
  });
});

describe("allow-list", () => {
  it("allows exactly the allow-listed host:port, not the same address on another port", async () => {
    const g = guard({ allowHosts: [`127.0.0.1:${a.port}`] });
    const res = await g.request(`http://127.0.0.1:${a.port}/hello`);
    expect(res.status).toBe(200);
    await refused(g.request(`http://127.0.0.1:${b.port}/`));
    expect(b.hits).toBe(0);
  });

  it("allows by name (resolved to loopback) and by CIDR", async () => {
    const byName = guard({ allowHosts: ["sandbox.test"], resolve: async () => [{ address: "127.0.0.1", family: 4 }] });
    expect((await byName.request(`http://sandbox.test:${b.port}/`)).status).toBe(200);
    const byCidr = guard({ allowHosts: ["127.0.0.0/8"] });
    expect((await byCidr.request(`http://127.0.0.1:${b.port}/`)).status).toBe(200);
    const wildcard = guard({
      allowHosts: ["*.sandboxes.test"],
      resolve: async () => [{ address: "127.0.0.1", family: 4 }],
    });
    expect((await wildcard.request(`http://sf.sandboxes.test:${b.port}/`)).status).toBe(200);
    await refused(wildcard.request(`http://sandboxes.test.evil:${b.port}/`));
  });

  it("reads WEFT_HTTP_ALLOWLIST", () => {
    expect(allowListFromEnv({ WEFT_HTTP_ALLOWLIST: "127.0.0.1:4100, 127.0.0.1:4101 sandbox.local" })).toEqual([
      "127.0.0.1:4100",
      "127.0.0.1:4101",
      "sandbox.local",
    ]);
    expect(allowListFromEnv({})).toEqual([]);
  });
});

describe("redirects", () => {
  it("re-checks every hop: an allowed host cannot redirect into forbidden space", async () => {
    const g = guard({ allowHosts: [`127.0.0.1:${a.port}`], resolve: async () => [{ address: "10.0.0.1", family: 4 }] });
    const base = `http://127.0.0.1:${a.port}/redirect?to=`;
    const before = b.hits;
    await refused(g.request(base + encodeURIComponent(`http://127.0.0.1:${b.port}/secret`)));
    await refused(g.request(base + encodeURIComponent("http://169.254.169.254/latest/meta-data/iam")));
    await refused(g.request(base + encodeURIComponent("http://[::1]/")));
    await refused(g.request(base + encodeURIComponent("http://internal.test/")));
    await refused(g.request(base + encodeURIComponent("file:///etc/passwd")));
    expect(b.hits).toBe(before);
  });

  it("follows allowed redirects, limits their number, and turns a 303 POST into a GET", async () => {
    const g = guard({ allowHosts: [`127.0.0.1:${a.port}`], maxRedirects: 3 });
    const ok = await g.request(`http://127.0.0.1:${a.port}/redirect?to=/final`);
    expect(ok).toMatchObject({ status: 200, redirects: 1 });
    const e = await g.request(`http://127.0.0.1:${a.port}/loop`).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toMatchObject({ errorClass: "validation", code: "too_many_redirects" });
    const posted = await g.request(`http://127.0.0.1:${a.port}/redirect?status=303&to=/after`, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    expect(JSON.parse(posted.body.toString())).toMatchObject({ method: "GET" });
  });

  it("drops credentials on a cross-origin hop and keeps them on the same origin", async () => {
    const g = guard({ allowHosts: [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`] });
    await g.request(`http://127.0.0.1:${a.port}/redirect?to=${encodeURIComponent(`http://127.0.0.1:${b.port}/x`)}`, {
      headers: { authorization: "Bearer s3cr3t-token" },
    });
    expect(b.lastHeaders?.authorization).toBeUndefined();
    const same = await g.request(`http://127.0.0.1:${a.port}/redirect?to=/echo`, {
      headers: { authorization: "Bearer s3cr3t-token" },
    });
    expect(JSON.parse(same.body.toString())).toMatchObject({ auth: "Bearer s3cr3t-token" });
  });
});

describe("response size", () => {
  it("caps declared and streamed bodies", async () => {
    const g = guard({ allowHosts: [`127.0.0.1:${big.port}`], maxResponseBytes: 1024 * 1024 });
    await expect(g.request(`http://127.0.0.1:${big.port}/declared`)).rejects.toMatchObject({ reason: "too_large" });
    await expect(g.request(`http://127.0.0.1:${big.port}/chunked`)).rejects.toMatchObject({ reason: "too_large" });
  });
});

describe("through the connector HTTP client", () => {
  it("does not retry an SSRF refusal and reports it as validation", async () => {
    const g = guard({});
    const client = createHttpClient({
      guard: g,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      redactor: createRedactor(),
    });
    const before = b.hits;
    await expect(client.request({ url: `http://127.0.0.1:${b.port}/` })).rejects.toMatchObject({
      errorClass: "validation",
      reason: "ssrf",
    });
    expect(b.hits).toBe(before);
  });
});
