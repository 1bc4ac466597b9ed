// The sandbox kit: a small node:http server each vendor sandbox is built on. It gives a sandbox routes
// with path parameters, bearer-token issue and checks, vendor-shaped errors, fault injection, idempotent
// writes with effect counting, and an admin API under /__sandbox:
//   GET    /__sandbox/state             counts per collection, faults, token state
//   GET    /__sandbox/effects           per idempotency key: {calls, effects}; and the write log
//   GET    /__sandbox/records/:name     a collection's records (to inspect what flows wrote)
//   POST   /__sandbox/faults            merge a FaultConfig; {"expireTokens":true} revokes issued tokens
//   DELETE /__sandbox/faults            clear faults
//   GET    /__sandbox/inject            the data faults this sandbox can inject, with their parameters
//   POST   /__sandbox/inject            {"fault": name, …params}: change the seeded data the way a real
//                                       integration drifts (a dropped invoice line, a renamed customer…)
//   POST   /__sandbox/reset             reseed, clear writes, effects, faults and past push deliveries (subscriptions stay)
import "server-only";
import http from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { mulberry32 } from "./random";
import { PushHub, pushAdmin } from "./push";

export interface SbRequest {
  method: string;
  path: string;
  url: URL;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  params: Record<string, string>;
  body: unknown;
  raw: string;
}

export interface SbResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Sent as-is (e.g. text/plain) instead of JSON. */
  text?: string;
}

export type SbHandler = (req: SbRequest) => SbResponse | Promise<SbResponse>;

/** Error responses in the vendor's own format. */
export interface VendorErrors {
  error(status: number, code: string, message: string, field?: string): SbResponse;
}

export interface FaultConfig {
  /** Probability (0..1) of answering an API call with `errorStatus` (default 503). */
  errorRate?: number;
  errorStatus?: number;
  /** Added to every API call. */
  latencyMs?: number;
  /** Probability (0..1) of a 429 with Retry-After. */
  rateLimitRate?: number;
  retryAfterSeconds?: number;
  /** A queue of forced answers, consumed one call at a time: [{status:429, retryAfterSeconds:1, times:2}]. */
  next?: Array<{ status: number; retryAfterSeconds?: number; times?: number }>;
  /** Lifetime of tokens issued from now on. */
  tokenTtlSeconds?: number;
  /** Concurrent API calls allowed; above it → 429 (NetSuite-style concurrency governance). */
  maxConcurrent?: number;
  /** Faults apply only to paths matching this regular expression. */
  pathPattern?: string;
  seed?: number;
}

/** A data fault a sandbox can inject (POST /__sandbox/inject): changes its records, says what changed. */
export interface DataFault {
  description: string;
  params: Record<string, string>;
  apply(params: Record<string, unknown>): Record<string, unknown>;
}

/** Thrown by a data fault for bad parameters: the admin API answers 400 with the message. */
export class InjectError extends Error {}

interface Route {
  method: string;
  parts: string[];
  handler: SbHandler;
  auth: boolean;
}

export interface WriteRecord {
  at: string;
  method: string;
  path: string;
  idempotencyKey?: string;
  collection: string;
  id: string;
  action: "create" | "update" | "upsert" | "delete";
  replayed?: boolean;
}

export interface SandboxInfo {
  system: string;
  connectorKey: string;
  name: string;
  baseUrl: string;
  /** Everything a connection needs, config and secrets: printed by `npm run sandboxes`. */
  [k: string]: unknown;
}

export interface SandboxOptions {
  system: string;
  connectorKey: string;
  name: string;
  errors: VendorErrors;
  defaultTokenTtlSeconds?: number;
  /** Headers added to every API response (e.g. Sforce-Limit-Info). */
  responseHeaders?: (req: SbRequest) => Record<string, string>;
  /** Static concurrency limit (NetSuite). */
  maxConcurrent?: number;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): SbResponse => ({
  status,
  body,
  headers,
});
export { json };

export class Sandbox {
  readonly system: string;
  readonly connectorKey: string;
  readonly name: string;
  baseUrl = "";
  private routes: Route[] = [];
  private server?: http.Server;
  private tokens = new Map<string, { expiresAt: number; subject: string }>();
  private faults: FaultConfig = {};
  private rand = mulberry32(1);
  private inFlight = 0;
  readonly effects = new Map<string, { calls: number; effects: number }>();
  private stored = new Map<string, Promise<SbResponse>>();
  writes: WriteRecord[] = [];
  /** Collections the admin API exposes; the sandbox registers its stores here. */
  readonly collections = new Map<string, () => unknown[]>();
  private resetHook: () => void = () => undefined;
  private dataFaults = new Map<string, DataFault>();
  /**
   * Test hook: runs after a route answered an API call and before the answer is sent — e.g. to change a
   * record while a client's poll is in flight (the read already done, its answer not yet received).
   */
  afterHandle: ((req: SbRequest, res: SbResponse) => void | Promise<void>) | null = null;
  apiCalls = 0;
  /** Subscribers of the system's change notifications (vendor-originated pushes; see push.ts). */
  readonly push = new PushHub();

  constructor(readonly opts: SandboxOptions) {
    this.system = opts.system;
    this.connectorKey = opts.connectorKey;
    this.name = opts.name;
  }

  onReset(fn: () => void): void {
    this.resetHook = fn;
  }

  /** Registers a data fault the admin API can inject (reset reseeds, which undoes it). */
  dataFault(name: string, fault: DataFault): void {
    this.dataFaults.set(name, fault);
  }

  route(method: string, pattern: string, handler: SbHandler, opts: { auth?: boolean } = {}): void {
    this.routes.push({
      method: method.toUpperCase(),
      parts: pattern.split("/").filter(Boolean),
      handler,
      auth: opts.auth ?? true,
    });
  }

  error(status: number, code: string, message: string, field?: string): SbResponse {
    return this.opts.errors.error(status, code, message, field);
  }

  issueToken(subject: string): { token: string; expiresIn: number } {
    const ttl = this.faults.tokenTtlSeconds ?? this.opts.defaultTokenTtlSeconds ?? 3600;
    const token = `${this.system.slice(0, 2)}_${randomBytes(18).toString("base64url")}`;
    this.tokens.set(token, { expiresAt: Date.now() + ttl * 1000, subject });
    return { token, expiresIn: ttl };
  }

  /** Revokes every issued token (an "auth expiry" fault: clients must fetch a new one). */
  expireTokens(): void {
    this.tokens.clear();
  }

  tokenValid(req: SbRequest): boolean {
    const m = /^Bearer\s+(\S+)$/i.exec(String(req.headers.authorization ?? ""));
    const t = m ? this.tokens.get(m[1]!) : undefined;
    return !!t && t.expiresAt > Date.now();
  }

  /**
   * Runs a write at most once per idempotency key: a repeat (or a concurrent duplicate) gets the first
   * answer, marked Idempotent-Replayed. Failed attempts are not stored, so a retry after a 5xx runs again.
   */
  async idempotent(key: string | undefined, fn: () => SbResponse | Promise<SbResponse>): Promise<SbResponse> {
    if (!key) {
      const e = this.effects.get("(none)") ?? { calls: 0, effects: 0 };
      e.calls++;
      e.effects++;
      this.effects.set("(none)", e);
      return fn();
    }
    const e = this.effects.get(key) ?? { calls: 0, effects: 0 };
    e.calls++;
    this.effects.set(key, e);
    const prior = this.stored.get(key);
    if (prior) {
      const r = await prior;
      if (r.status < 400) {
        return { ...r, headers: { ...r.headers, "idempotent-replayed": "true" } };
      }
    }
    const p = Promise.resolve().then(fn);
    this.stored.set(key, p);
    const r = await p;
    if (r.status < 400) e.effects++;
    else this.stored.delete(key);
    return r;
  }

  recordWrite(w: Omit<WriteRecord, "at">): void {
    this.writes.push({ at: new Date().toISOString(), ...w });
  }

  private match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    const parts = path.split("/").filter(Boolean);
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      let ok = true;
      let i = 0;
      for (; i < route.parts.length; i++) {
        const p = route.parts[i]!;
        if (p === "*") {
          params["*"] = parts.slice(i).map(decodeURIComponent).join("/");
          i = parts.length;
          break;
        }
        const actual = parts[i];
        if (actual === undefined) {
          ok = false;
          break;
        }
        if (p.startsWith(":")) params[p.slice(1)] = decodeURIComponent(actual);
        else if (p !== actual) {
          ok = false;
          break;
        }
      }
      if (ok && i === parts.length) return { route, params };
    }
    return undefined;
  }

  private forcedFault(req: SbRequest): SbResponse | undefined {
    const f = this.faults;
    if (f.pathPattern && !new RegExp(f.pathPattern).test(req.path)) return undefined;
    const head = f.next?.[0];
    if (head) {
      head.times = (head.times ?? 1) - 1;
      if (head.times <= 0) f.next!.shift();
      return this.faultResponse(head.status, head.retryAfterSeconds ?? f.retryAfterSeconds ?? 1);
    }
    if (f.rateLimitRate && this.rand() < f.rateLimitRate) return this.faultResponse(429, f.retryAfterSeconds ?? 1);
    if (f.errorRate && this.rand() < f.errorRate) return this.faultResponse(f.errorStatus ?? 503, 0);
    return undefined;
  }

  private faultResponse(status: number, retryAfterSeconds: number): SbResponse {
    if (status === 401) {
      this.expireTokens();
      return this.error(401, "INVALID_SESSION", "Session expired or invalid");
    }
    const r =
      status === 429
        ? this.error(429, "REQUEST_LIMIT_EXCEEDED", "Too many requests; retry later.")
        : this.error(status, status >= 500 ? "SERVER_UNAVAILABLE" : "FAULT", `Injected fault: HTTP ${status}`);
    if (status === 429 || status === 503) r.headers = { ...r.headers, "retry-after": String(retryAfterSeconds) };
    return r;
  }

  private async admin(req: SbRequest): Promise<SbResponse> {
    const sub = req.path.replace(/^\/__sandbox\/?/, "");
    if (req.method === "GET" && sub === "state") {
      const counts = Object.fromEntries([...this.collections].map(([k, f]) => [k, f().length]));
      return json(200, {
        system: this.system,
        counts,
        faults: this.faults,
        tokens: this.tokens.size,
        apiCalls: this.apiCalls,
        writes: this.writes.length,
      });
    }
    if (req.method === "GET" && sub === "effects") {
      return json(200, { byKey: Object.fromEntries(this.effects), writes: this.writes });
    }
    if (req.method === "GET" && sub.startsWith("records/")) {
      const get = this.collections.get(sub.slice("records/".length));
      return get
        ? json(200, { records: get() })
        : json(404, { error: "no such collection", collections: [...this.collections.keys()] });
    }
    if (req.method === "POST" && sub === "faults") {
      const b = (req.body ?? {}) as FaultConfig & { expireTokens?: boolean };
      if (b.expireTokens) this.expireTokens();
      const { expireTokens: _, ...rest } = b;
      this.faults = { ...this.faults, ...rest };
      if (rest.seed !== undefined) this.rand = mulberry32(rest.seed);
      return json(200, { faults: this.faults });
    }
    if (req.method === "DELETE" && sub === "faults") {
      this.faults = {};
      return json(200, { faults: {} });
    }
    if (req.method === "GET" && sub === "inject") {
      return json(200, {
        faults: Object.fromEntries(
          [...this.dataFaults].map(([k, f]) => [k, { description: f.description, params: f.params }]),
        ),
      });
    }
    if (req.method === "POST" && sub === "inject") {
      const { fault, ...params } = (req.body ?? {}) as { fault?: unknown } & Record<string, unknown>;
      const f = typeof fault === "string" ? this.dataFaults.get(fault) : undefined;
      if (!f)
        return json(400, {
          error: `fault must be one of: ${[...this.dataFaults.keys()].join(", ") || "(none)"}`,
        });
      try {
        return json(200, { injected: fault, ...f.apply(params) });
      } catch (e) {
        if (e instanceof InjectError) return json(400, { error: `${String(fault)}: ${e.message}` });
        throw e;
      }
    }
    const pushed = pushAdmin(this.push, req.method, sub, req.body);
    if (pushed) return json(pushed.status, pushed.body);
    if (req.method === "POST" && sub === "reset") {
      this.reset();
      return json(200, { reset: true });
    }
    return json(404, { error: "unknown admin endpoint" });
  }

  setFaults(f: FaultConfig): void {
    this.faults = { ...f };
  }

  reset(): void {
    this.faults = {};
    this.effects.clear();
    this.stored.clear();
    this.writes = [];
    this.tokens.clear();
    // A reset reseeds the vendor's data; who subscribed to its pushes (e.g. the demo's Weft webhook) stays.
    this.push.clearDeliveries();
    this.resetHook();
  }

  private async handle(req: SbRequest): Promise<SbResponse> {
    if (req.path.startsWith("/__sandbox")) return this.admin(req);
    const m = this.match(req.method, req.path);
    if (!m) return this.error(404, "NOT_FOUND", `The requested resource does not exist: ${req.method} ${req.path}`);
    req.params = m.params;
    if (!m.route.auth) return m.route.handler(req);
    this.apiCalls++;
    const limit = this.faults.maxConcurrent ?? this.opts.maxConcurrent;
    this.inFlight++;
    try {
      if (limit !== undefined && this.inFlight > limit) {
        const r = this.error(429, "CONCURRENCY_LIMIT_EXCEEDED", `Concurrent request limit (${limit}) exceeded.`);
        return { ...r, headers: { ...r.headers, "retry-after": "1" } };
      }
      if (this.faults.latencyMs) await new Promise((r) => setTimeout(r, this.faults.latencyMs));
      const fault = this.forcedFault(req);
      if (fault) return fault;
      if (!this.tokenValid(req)) return this.error(401, "INVALID_SESSION", "Session expired or invalid");
      const res = await m.route.handler(req);
      if (this.afterHandle) await this.afterHandle(req, res);
      return res;
    } finally {
      this.inFlight--;
    }
  }

  async start(host = "127.0.0.1", port = 0): Promise<string> {
    this.server = http.createServer((inc, out) => {
      const chunks: Buffer[] = [];
      inc.on("data", (c: Buffer) => chunks.push(c));
      inc.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const url = new URL(inc.url ?? "/", "http://sandbox");
        const ct = String(inc.headers["content-type"] ?? "");
        let body: unknown = undefined;
        let badJson = false;
        if (raw) {
          if (ct.includes("application/x-www-form-urlencoded")) body = Object.fromEntries(new URLSearchParams(raw));
          else {
            try {
              body = JSON.parse(raw) as unknown;
            } catch {
              badJson = ct.includes("json");
              body = raw;
            }
          }
        }
        const req: SbRequest = {
          method: (inc.method ?? "GET").toUpperCase(),
          path: url.pathname,
          url,
          query: url.searchParams,
          headers: inc.headers,
          params: {},
          body,
          raw,
        };
        const run = badJson
          ? Promise.resolve(this.error(400, "JSON_PARSER_ERROR", "The request body is not valid JSON."))
          : this.handle(req);
        run
          .catch((e: unknown) => this.error(500, "UNKNOWN_EXCEPTION", `Sandbox error: ${(e as Error).message}`))
          .then((r) => {
            if (out.destroyed) return;
            const extra = req.path.startsWith("/__sandbox") ? {} : (this.opts.responseHeaders?.(req) ?? {});
            const headers: Record<string, string> = { ...extra, ...(r.headers ?? {}) };
            if (r.text !== undefined) {
              headers["content-type"] ??= "text/plain; charset=utf-8";
              out.writeHead(r.status, headers).end(r.text);
            } else if (r.body === undefined) out.writeHead(r.status, headers).end();
            else
              out
                .writeHead(r.status, { "content-type": "application/json;charset=UTF-8", ...headers })
                .end(JSON.stringify(r.body));
          })
          // A throw while answering (a bad header from a response hook) must not become an unhandled rejection:
          // in demo mode the sandboxes share Weft's process, which Node would end.
          .catch((e: unknown) => {
            if (!out.headersSent)
              out.writeHead(500, { "content-type": "text/plain" }).end(`Sandbox error: ${String(e)}`);
            else out.destroy();
          });
      });
    });
    this.server.keepAliveTimeout = 2000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(port, host, () => resolve());
    });
    const addr = this.server.address() as AddressInfo;
    this.baseUrl = `http://${host.includes(":") ? `[${host}]` : host}:${addr.port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}

/** Parses HTTP Basic credentials. */
export function basicAuth(req: SbRequest): { user: string; password: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(String(req.headers.authorization ?? ""));
  if (!m) return undefined;
  const s = Buffer.from(m[1]!, "base64").toString("utf8");
  const i = s.indexOf(":");
  return i < 0 ? undefined : { user: s.slice(0, i), password: s.slice(i + 1) };
}

export function header(req: SbRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
