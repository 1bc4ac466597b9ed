// Contract-test harness: a started sandbox, a guard that allow-lists exactly its host:port (the way an
// admin would), and a `run` that goes through executeOperation — the same path the runtime takes.
import "server-only";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { AnyConnectorDefinition } from "./define";
import { executeOperation, type LogSink } from "./execute";
import { HttpGuard } from "./http-guard";
import type { FaultConfig, Sandbox, SandboxInfo } from "../sandbox-kit/server";

export interface Harness {
  sandbox: Sandbox;
  info: SandboxInfo;
  guard: HttpGuard;
  logs: Array<{ level: string; msg?: string; obj: object }>;
  run(
    operation: string,
    input: unknown,
    opts?: {
      idempotencyKey?: string;
      connectionKey?: string;
      connection?: Partial<{ config: Record<string, unknown>; secrets: Record<string, string> }>;
      signal?: AbortSignal;
      maxInCallWaitMs?: number;
    },
  ): Promise<unknown>;
  faults(f: FaultConfig & { expireTokens?: boolean }): Promise<void>;
  admin<T>(path: string): Promise<T>;
  close(): Promise<void>;
}

let n = 0;

export async function startHarness(
  def: AnyConnectorDefinition,
  make: () => { sandbox: Sandbox; info: () => SandboxInfo },
): Promise<Harness> {
  const { sandbox, info: infoOf } = make();
  await sandbox.start("127.0.0.1", 0);
  const info = infoOf();
  const host = new URL(sandbox.baseUrl).host;
  const guard = new HttpGuard({ allowHosts: [host] });
  const logs: Harness["logs"] = [];
  const sink: LogSink = {
    debug: (obj, msg) => logs.push({ level: "debug", obj, msg }),
    info: (obj, msg) => logs.push({ level: "info", obj, msg }),
    warn: (obj, msg) => logs.push({ level: "warn", obj, msg }),
    error: (obj, msg) => logs.push({ level: "error", obj, msg }),
  };
  // A fresh connection key per harness: token caches and limiters are per connection.
  const key = `test-${def.manifest.key}-${process.pid}-${++n}`;
  const config = info.config as Record<string, unknown>;
  const secrets = info.secrets as Record<string, string>;
  const adminFetch = async <T>(path: string, init?: RequestInit): Promise<T> => {
    const res = await fetch(`${sandbox.baseUrl}/__sandbox/${path}`, init);
    return (await res.json()) as T;
  };
  return {
    sandbox,
    info,
    guard,
    logs,
    run: (operation, input, opts = {}) =>
      executeOperation({
        definitions: { [def.manifest.key]: def },
        connectorKey: def.manifest.key,
        operation,
        input,
        connection: {
          key: opts.connectionKey ?? (opts.connection ? `${key}-custom-${++n}` : key),
          connectorKey: def.manifest.key,
          config: { ...config, ...opts.connection?.config },
          secrets: { ...secrets, ...opts.connection?.secrets },
        },
        idempotencyKey: opts.idempotencyKey,
        signal: opts.signal,
        logger: sink,
        httpGuard: guard,
        maxInCallWaitMs: opts.maxInCallWaitMs,
      }),
    faults: async (f) => {
      await adminFetch("faults", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(f),
      });
    },
    admin: (path) => adminFetch(path),
    close: async () => {
      await guard.close();
      await sandbox.close();
    },
  };
}

/** A throwaway database for a test file: WEFT_TEST_ADMIN_URL's server (set by the vitest global setup) or the local Postgres. */
export async function throwawayDatabase(): Promise<{ url: URL; name: string; drop(): Promise<void> }> {
  const pg = (await import("pg")).default;
  const admin = new URL(process.env.WEFT_TEST_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
  const name = `weft_conn_${Math.random().toString(36).slice(2, 10)}`;
  const c = new pg.Client({ connectionString: admin.toString() });
  await c.connect();
  await c.query(`CREATE DATABASE "${name}"`);
  await c.end();
  const url = new URL(admin.toString());
  url.pathname = `/${name}`;
  return {
    url,
    name,
    async drop() {
      const d = new pg.Client({ connectionString: admin.toString() });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await d.end();
    },
  };
}

/** One request a test listener received, with its whole body. */
export interface ReceivedRequest {
  method?: string;
  url?: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface TestListener {
  server: http.Server;
  /** http://127.0.0.1:<port> */
  base: string;
  /** host:port, for an allow-list. */
  host: string;
  port: number;
  /** Every request, in arrival order. */
  received: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * A local HTTP endpoint for a test (a vendor API, a webhook receiver) on a free port of 127.0.0.1 (or of
 * every address, `listen: "::"`, for tests that reach it through IPv6 spellings): the handler sees each
 * request once its body has arrived, and every request is recorded in `received`.
 */
export async function startListener(
  handle: (req: ReceivedRequest, res: http.ServerResponse) => void,
  opts: { listen?: "127.0.0.1" | "::" } = {},
): Promise<TestListener> {
  const received: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r: ReceivedRequest = {
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      received.push(r);
      handle(r, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, opts.listen ?? "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  const host = `127.0.0.1:${port}`;
  return {
    server,
    base: `http://${host}`,
    host,
    port,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** Answers a test listener's request with JSON. */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(payload));
}
