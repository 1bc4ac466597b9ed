// The inspector's curl example, run for real: bash + openssl + curl against an HTTP server that checks the
// request with the ingress's own signature verification.
import { execFile } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// eslint-disable-next-line @typescript-eslint/no-restricted-imports -- a test on Node, not browser code: it checks the example against the server's own verifier
import { verifySignature, SIGNATURE_HEADER, TIMESTAMP_HEADER } from "@/server/runtime/ingress";
import { SECRET_ENV, webhookCurlExample } from "./webhook-example";

const run = promisify(execFile);
const SECRET = "s3cr3t-with-'quote'-and-$dollar-0123456789";
const received: Array<{ ok: boolean; body: string }> = [];
let server: http.Server;
let url = "";

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const ok =
        verifySignature(SECRET, String(req.headers[TIMESTAMP_HEADER]), body, String(req.headers[SIGNATURE_HEADER])) &&
        req.headers["content-type"] === "application/json";
      received.push({ ok, body: body.toString("utf8") });
      res.writeHead(ok ? 202 : 401, { "content-type": "application/json" }).end(JSON.stringify({ ok }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/hooks/it's-a-flow`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("webhook curl example", () => {
  const body = { note: "O'Brien's 100% \"approved\" $HOME `date`", hours: 7.5 };

  it("never contains the secret and signs the body so the ingress accepts it", async () => {
    const script = webhookCurlExample({ url, secretKey: "webhook-x", body });
    expect(script).not.toContain(SECRET);
    const { stdout } = await run("bash", ["-c", script], { env: { ...process.env, [SECRET_ENV]: SECRET } });
    expect(JSON.parse(stdout)).toEqual({ ok: true });
    expect(JSON.parse(received.at(-1)!.body)).toEqual(body);
  });

  it("with a wrong secret the signature is refused; without one it stops before calling", async () => {
    const script = webhookCurlExample({ url, secretKey: "webhook-x", body });
    const { stdout } = await run("bash", ["-c", script], {
      env: { ...process.env, [SECRET_ENV]: "wrong-secret-0123456789" },
    });
    expect(JSON.parse(stdout)).toEqual({ ok: false });
    const before = received.length;
    const env = { ...process.env };
    delete env[SECRET_ENV];
    await expect(run("bash", ["-c", script], { env })).rejects.toMatchObject({
      stderr: expect.stringContaining(`set ${SECRET_ENV} to the signing secret of connection webhook-x`),
    });
    expect(received.length).toBe(before);
  });
});
