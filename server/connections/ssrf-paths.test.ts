// Every outbound path against every address form of the SSRF table (connectors/sdk/ssrf-forms.ts): a step's
// connector call (HTTP connector, OpenAPI-imported operation), "test connection", OpenAPI import by URL and
// team alert webhooks. A dual-stack listener that would answer on each of those addresses must see nothing.
// (SSO's OIDC discovery URL is the operator's environment, fetched by better-auth, not a user-typed URL.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openApiToConnector } from "@/connectors/openapi/convert";
import { runConnectionTest, runOperation, SsrfError } from "@/connectors/server";
import { FORBIDDEN_ADDRESS_FORMS } from "@/connectors/sdk/ssrf-forms";
import { sendJson, startListener, type TestListener } from "@/connectors/sdk/testing";
import { assertPublicUrl, postJson, UnsafeUrlError } from "@/server/governance/webhook";
import { fetchSpec, SpecError } from "./imported";

let server: TestListener;
let port = 0;
let hits = 0;
beforeAll(async () => {
  delete process.env.WEFT_HTTP_ALLOWLIST;
  server = await startListener(
    (_req, res) => {
      hits++;
      sendJson(res, 200, { openapi: "3.0.0", info: { title: "x", version: "1" }, paths: {} });
    },
    { listen: "::" },
  );
  port = server.port;
});
afterAll(async () => {
  await server.close();
});

const spec = {
  openapi: "3.0.0",
  info: { title: "Probe", version: "1.0.0" },
  paths: {
    "/ping": {
      get: {
        operationId: "ping",
        responses: { "200": { description: "ok", content: { "application/json": { schema: { type: "object" } } } } },
      },
    },
  },
};

const paths: Array<[string, (url: string) => Promise<unknown>]> = [
  [
    "HTTP connector call",
    (url) =>
      runOperation({
        connectorKey: "http",
        operation: "request",
        input: { url },
        connection: { key: "probe", config: {}, secrets: {} },
      }),
  ],
  [
    "HTTP connector call with a base URL",
    (url) =>
      runOperation({
        connectorKey: "http",
        operation: "request",
        input: { url: "/x" },
        connection: { key: "probe", config: { baseUrl: url }, secrets: {} },
      }),
  ],
  [
    "OpenAPI-imported operation",
    (url) => {
      const c = openApiToConnector(spec, { key: "probe-api" });
      return runOperation({
        connectorKey: "probe-api",
        operation: "ping",
        input: {},
        connection: { key: "probe-oa", config: { baseUrl: url }, secrets: {} },
        extra: [c],
      });
    },
  ],
  [
    "test connection",
    (url) =>
      runConnectionTest({
        connectorKey: "http",
        connection: { key: "probe-test", config: { baseUrl: url }, secrets: {} },
      }),
  ],
  ["OpenAPI import by URL", (url) => fetchSpec(url)],
  ["alert webhook: saving the URL", (url) => assertPublicUrl(url)],
  [
    "alert webhook: sending",
    async (url) => {
      const r = await postJson(url, { alert: "probe" });
      if (!r.ok) throw new SsrfError(r.error ?? "failed");
      return r;
    },
  ],
];

describe.each(paths)("%s", (_name, call) => {
  it.each(FORBIDDEN_ADDRESS_FORMS.map((f) => [f.host, f.range]))(
    "refuses %s (%s) without a connection",
    async (host, range) => {
      const before = hits;
      const e = await call(`http://${host}:${port}/latest/meta-data/`).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e, `${host} was not refused`).toBeInstanceOf(Error);
      expect(e instanceof SsrfError || e instanceof SpecError || e instanceof UnsafeUrlError).toBe(true);
      expect((e as Error).message).toContain(range);
      if ("errorClass" in (e as object)) expect(e).toMatchObject({ errorClass: "validation", reason: "ssrf" });
      expect(hits).toBe(before);
    },
  );
});
