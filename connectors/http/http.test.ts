// Generic HTTP connector against a real local server: methods and bodies, each auth preset (OAuth token
// cached and renewed on 401), Idempotency-Key on writes, error classes, Retry-After, and the guard.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectorError } from "../sdk/errors";
import { executeOperation } from "../sdk/execute";
import { HttpGuard } from "../sdk/http-guard";
import { sendJson, startListener, type TestListener } from "../sdk/testing";
import { http as httpConnector } from "./client";

let server: TestListener;
let base: string;
let guard: HttpGuard;
let tokensIssued = 0;
let validToken = "";
let flaky = 0;

beforeAll(async () => {
  server = await startListener((req, res) => {
    const body = req.body.toString();
    const u = new URL(req.url ?? "/", "http://x");
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) =>
      sendJson(res, status, payload, headers);
    if (u.pathname === "/oauth/token") {
      const f = new URLSearchParams(body);
      // RFC 6749 §5.2 answers: a refused grant and a malformed request, both 400.
      if (f.get("client_id") === "revoked") return send(400, { error: "invalid_grant", error_description: "revoked" });
      if (f.get("client_id") === "malformed") return send(400, { error: "invalid_request" });
      if (f.get("client_id") !== "app" || f.get("client_secret") !== "app-secret-123")
        return send(401, { error: "invalid_client" });
      validToken = `tok-${++tokensIssued}-abcdefgh`;
      return send(200, { access_token: validToken, token_type: "Bearer", expires_in: 3600 });
    }
    if (u.pathname === "/protected")
      return req.headers.authorization === `Bearer ${validToken}`
        ? send(200, { ok: true })
        : send(401, { error: "invalid_token" });
    if (u.pathname === "/status")
      return send(
        Number(u.searchParams.get("code")),
        { message: `status ${u.searchParams.get("code")}` },
        u.searchParams.get("retry") ? { "retry-after": u.searchParams.get("retry")! } : {},
      );
    if (u.pathname === "/flaky")
      return ++flaky % 2 === 1 ? send(503, { message: "try again" }) : send(200, { attempt: flaky });
    if (u.pathname === "/redirect")
      return res.writeHead(Number(u.searchParams.get("status")), { location: u.searchParams.get("to")! }).end();
    if (u.pathname === "/text") return res.writeHead(200, { "content-type": "text/plain" }).end("plain text");
    send(200, { method: req.method, query: Object.fromEntries(u.searchParams), headers: req.headers, body });
  });
  base = server.base;
  guard = new HttpGuard({ allowHosts: [server.host] });
});
afterAll(async () => {
  await guard.close();
  await server.close();
});

const run = (
  input: unknown,
  config: Record<string, unknown> = {},
  secrets: Record<string, string> = {},
  opts: { key?: string; idempotencyKey?: string; guard?: HttpGuard } = {},
) =>
  executeOperation({
    definitions: { http: httpConnector },
    connectorKey: "http",
    operation: "request",
    input,
    connection: { key: opts.key ?? "http-test", config: { baseUrl: base, ...config }, secrets },
    httpGuard: opts.guard ?? guard,
    idempotencyKey: opts.idempotencyKey,
    maxInCallWaitMs: 2000,
  });

type Echo = {
  status: number;
  body: { method: string; query: Record<string, string>; headers: Record<string, string>; body: string };
};

async function failure(p: Promise<unknown>): Promise<ConnectorError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ConnectorError);
  return e as ConnectorError;
}

describe("http connector", () => {
  it("sends JSON, form and text bodies with query parameters and the step's Idempotency-Key", async () => {
    const j = (await run(
      { method: "POST", url: "/echo", query: { a: 1, tags: ["x", "y"] }, body: { hello: "world" } },
      {},
      {},
      { idempotencyKey: "step-1" },
    )) as Echo;
    expect(j.body).toMatchObject({ method: "POST", query: { a: "1", tags: "y" }, body: '{"hello":"world"}' });
    expect(j.body.headers["idempotency-key"]).toBe("step-1");
    const f = (await run({ method: "PUT", url: "/echo", bodyType: "form", body: { a: "1", b: 2 } })) as Echo;
    expect(f.body.body).toBe("a=1&b=2");
    expect(f.body.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(((await run({ url: "/text" })) as { body: string }).body).toBe("plain text");
  });

  it("applies basic, bearer and API-key presets", async () => {
    const b = (await run({ url: "/echo" }, { auth: { type: "basic" } }, { username: "u", password: "p@ss" })) as Echo;
    expect(b.body.headers.authorization).toBe(`Basic ${Buffer.from("u:p@ss").toString("base64")}`);
    const t = (await run({ url: "/echo" }, { auth: { type: "bearer" } }, { token: "static-token-1" })) as Echo;
    expect(t.body.headers.authorization).toBe("Bearer static-token-1");
    const k = (await run(
      { url: "/echo" },
      { auth: { type: "apiKey", in: "query", name: "api_key" } },
      { apiKey: "k-123456" },
    )) as Echo;
    expect(k.body.query.api_key).toBe("k-123456");
    expect(await failure(run({ url: "/echo" }, { auth: { type: "bearer" } }, {}))).toMatchObject({
      errorClass: "auth",
      code: "missing_secret",
    });
  });

  it("gets an OAuth client-credentials token once, reuses it, and renews it after a 401", async () => {
    const cfg = { auth: { type: "oauth2ClientCredentials", tokenUrl: `${base}/oauth/token` } };
    const sec = { clientId: "app", clientSecret: "app-secret-123" };
    const before = tokensIssued;
    await run({ url: "/protected" }, cfg, sec, { key: "oauth-conn" });
    await run({ url: "/protected" }, cfg, sec, { key: "oauth-conn" });
    expect(tokensIssued - before).toBe(1);
    validToken = "rotated-server-side"; // the server forgets the token
    expect(await run({ url: "/protected" }, cfg, sec, { key: "oauth-conn" })).toMatchObject({ status: 200 });
    expect(tokensIssued - before).toBe(2);
    expect(
      await failure(
        run({ url: "/protected" }, cfg, { clientId: "app", clientSecret: "wrong-secret" }, { key: "oauth-bad" }),
      ),
    ).toMatchObject({ errorClass: "auth" });
  });

  it("a token endpoint's 400 is an auth failure when it refuses the credentials (RFC 6749 §5.2), else a bad request", async () => {
    const cfg = { auth: { type: "oauth2ClientCredentials", tokenUrl: `${base}/oauth/token` } };
    const revoked = await failure(
      run({ url: "/protected" }, cfg, { clientId: "revoked", clientSecret: "x" }, { key: "oauth-revoked" }),
    );
    expect(revoked).toMatchObject({ errorClass: "auth", reason: "unauthorized", code: "invalid_grant", status: 400 });
    const malformed = await failure(
      run({ url: "/protected" }, cfg, { clientId: "malformed", clientSecret: "x" }, { key: "oauth-malformed" }),
    );
    expect(malformed).toMatchObject({ errorClass: "validation", code: "invalid_request", status: 400 });
  });

  it("classifies statuses and honours acceptStatus", async () => {
    expect(await failure(run({ url: "/status", query: { code: 404 } }))).toMatchObject({
      errorClass: "validation",
      reason: "not_found",
    });
    expect(await failure(run({ url: "/status", query: { code: 422 } }))).toMatchObject({
      errorClass: "validation",
      reason: "invalid_request",
      message: expect.stringContaining("status 422"),
    });
    expect(await failure(run({ url: "/status", query: { code: 403 } }))).toMatchObject({
      errorClass: "auth",
      reason: "forbidden",
    });
    expect(await failure(run({ method: "POST", url: "/status", query: { code: 429, retry: 30 } }))).toMatchObject({
      errorClass: "transient",
      reason: "rate_limited",
      retryAfterMs: 30_000,
    });
    expect(await run({ url: "/status", query: { code: 404 }, acceptStatus: [404] })).toMatchObject({ status: 404 });
  });

  it("retries a 503 on GET in-call, but not a POST without an idempotency key", async () => {
    flaky = 0;
    expect(await run({ url: "/flaky" })).toMatchObject({ status: 200 });
    flaky = 0;
    expect(await failure(run({ method: "POST", url: "/flaky", body: {} }))).toMatchObject({
      errorClass: "transient",
      status: 503,
    });
    flaky = 0;
    expect(await run({ method: "POST", url: "/flaky", body: {} }, {}, {}, { idempotencyKey: "k-flaky" })).toMatchObject(
      { status: 200 },
    );
  });

  it("refuses internal targets when the host is not allow-listed, and masks secrets in errors", async () => {
    const strict = new HttpGuard({});
    try {
      const e = await failure(
        run({ url: "http://169.254.169.254/latest/meta-data/" }, { baseUrl: undefined }, {}, { guard: strict }),
      );
      expect(e).toMatchObject({ errorClass: "validation", reason: "ssrf" });
      const e2 = await failure(
        run({ url: "/status", query: { code: 500 } }, { auth: { type: "bearer" } }, { token: "super-secret-token" }),
      );
      expect(JSON.stringify(e2.request)).not.toContain("super-secret-token");
    } finally {
      await strict.close();
    }
  });
});

// The probe's finding: a designer named their own listener as the step's URL and the connection's bearer token
// reached it. The listener is a real server on another port that the SSRF guard lets through, so the only
// thing standing between it and the credentials is the connection's credential scope.
describe("credentials go only to the connection's own hosts", () => {
  let listener: TestListener;
  let evil: string;
  let both: HttpGuard;
  beforeAll(async () => {
    listener = await startListener((_req, res) => sendJson(res, 200, {}));
    evil = listener.base;
    both = new HttpGuard({ allowHosts: [server.host, listener.host] });
  });
  afterAll(async () => {
    await both.close();
    await listener.close();
  });
  const received = () => listener.received;
  const leaked = () =>
    received().filter((r) =>
      JSON.stringify({ url: r.url, headers: r.headers, body: r.body.toString() }).match(
        /s3cr3t|Bearer|Basic|app-secret|k-live|tok-/,
      ),
    );

  it.each([
    ["bearer", { auth: { type: "bearer" } }, { token: "s3cr3t-bearer" }],
    ["basic", { auth: { type: "basic" } }, { username: "svc", password: "s3cr3t-pw" }],
    ["API key in a header", { auth: { type: "apiKey", in: "header", name: "X-Api-Key" } }, { apiKey: "k-live-s3cr3t" }],
    ["API key in the query", { auth: { type: "apiKey", in: "query", name: "api_key" } }, { apiKey: "k-live-s3cr3t" }],
    [
      "OAuth client credentials",
      { auth: { type: "oauth2ClientCredentials", tokenUrl: "" } },
      { clientId: "app", clientSecret: "app-secret-123" },
    ],
  ])("refuses an absolute URL on another host with %s auth, before sending", async (_n, cfg, sec) => {
    const config = JSON.parse(
      JSON.stringify(cfg).replace('"tokenUrl":""', `"tokenUrl":"${base}/oauth/token"`),
    ) as Record<string, unknown>;
    const before = received().length;
    const e = await failure(
      run({ method: "POST", url: `${evil}/collect`, body: { x: 1 } }, config, sec, { guard: both, key: `scope-${_n}` }),
    );
    expect(e).toMatchObject({ errorClass: "validation", reason: "credential_scope", code: "credentials_off_origin" });
    expect(e.message).toContain(`${evil} is not one of them`);
    expect(e.message).toContain(base);
    expect(received().length).toBe(before);
    // The same connection still works against its own base URL.
    expect(
      await run({ url: cfg.auth.type === "oauth2ClientCredentials" ? "/protected" : "/echo" }, config, sec, {
        guard: both,
        key: `scope-${_n}`,
      }),
    ).toMatchObject({ status: 200 });
  });

  it("sends to a host the admin listed in the connection's allowed hosts, and anywhere without credentials", async () => {
    const conn = (allowedHosts: string[]) => ({
      key: "scope-allowed",
      config: { baseUrl: base, auth: { type: "bearer" } },
      secrets: { token: "s3cr3t-listed" },
      allowedHosts,
    });
    const call = (allowedHosts: string[]) =>
      executeOperation({
        definitions: { http: httpConnector },
        connectorKey: "http",
        operation: "request",
        input: { url: `${evil}/listed` },
        connection: conn(allowedHosts),
        httpGuard: both,
      });
    await expect(call([])).rejects.toMatchObject({ reason: "credential_scope" });
    await expect(call(["other.example.com", `127.0.0.1:1`])).rejects.toMatchObject({ reason: "credential_scope" });
    expect(await call([new URL(evil).host])).toMatchObject({ status: 200 });
    expect(received().at(-1)?.headers.authorization).toBe("Bearer s3cr3t-listed");
    received().length = 0;
    // No auth preset and no secrets: nothing to leak, any (guarded) host is fine.
    expect(await run({ url: `${evil}/open` }, {}, {}, { guard: both })).toMatchObject({ status: 200 });
    expect(received()).toHaveLength(1);
    received().length = 0;
  });

  it("never carries credentials across a redirect to another host", async () => {
    received().length = 0;
    const hop = (status: number, path = "/redirect") =>
      `${path}?status=${status}&to=${encodeURIComponent(`${evil}/stolen`)}`;
    // A header credential is dropped on the hop (Authorization and a custom API-key header alike).
    await run(
      { url: hop(302) },
      { auth: { type: "apiKey", in: "header", name: "X-Api-Key" } },
      { apiKey: "k-live-s3cr3t" },
      { guard: both },
    );
    await run({ url: hop(302) }, { auth: { type: "bearer" } }, { token: "s3cr3t-bearer" }, { guard: both });
    expect(received()).toHaveLength(2);
    // A 307 would re-send a body that holds the secret: refused, not followed.
    const e = await failure(
      run(
        { method: "POST", url: hop(307), bodyType: "form", body: { note: "k-live-s3cr3t" } },
        { auth: { type: "apiKey", in: "header", name: "X-Api-Key" } },
        { apiKey: "k-live-s3cr3t" },
        { guard: both },
      ),
    );
    expect(e).toMatchObject({ errorClass: "validation", reason: "credential_scope", code: "credentials_redirected" });
    expect(received()).toHaveLength(2);
    expect(leaked()).toEqual([]);
  });
});
