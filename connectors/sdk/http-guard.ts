// Outbound HTTP guard against server-side request forgery. Connectors call URLs that integration owners
// type in (and OpenAPI documents name), so every connection Weft opens is checked:
//   - the address actually connected to must be public unicast: private, loopback, link-local, ULA,
//     CGNAT, multicast, reserved and cloud metadata are refused; an IPv6 transition form (IPv4-mapped,
//     -translated, -compatible, NAT64, 6to4, Teredo) is judged by the IPv4 address it carries, and the
//     forms that do not simply reach that address (compatible, local NAT64, 6to4, Teredo) are refused;
//   - the check runs inside the undici connector on the resolved address, and the socket connects to that
//     same address, so a DNS answer that changes between a check and the connect (rebinding) cannot slip
//     through;
//   - redirects are followed by hand, each hop re-checked, at most `maxRedirects`; credentials are
//     dropped on a cross-origin hop;
//   - response bodies are capped.
// An admin may allow-list hosts (name, *.suffix, host:port, IP or CIDR, optionally with :port), e.g. the
// sandboxes on 127.0.0.1 — through WEFT_HTTP_ALLOWLIST or the `allowHosts` option. There is no switch
// that turns the guard off.
import "server-only";
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";
import ipaddr from "ipaddr.js";
import { Agent, buildConnector, request as undiciRequest, type Dispatcher } from "undici";
import { ConnectorError } from "./errors";
import { withArticle } from "./text";

export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export interface HttpGuardOptions {
  /** Hosts that may resolve to non-public addresses: "sandbox.local", "*.corp.example", "127.0.0.1:4100", "10.0.0.0/8", "[::1]:8080". */
  allowHosts?: readonly string[];
  /** DNS resolution (tests inject answers to simulate rebinding); default: the OS resolver, all addresses. */
  resolve?: Resolver;
  maxRedirects?: number;
  maxResponseBytes?: number;
  connectTimeoutMs?: number;
}

/** Hostnames refused whatever they resolve to (cloud metadata services). */
const BLOCKED_NAMES = new Set([
  "metadata.google.internal",
  "metadata.goog",
  "metadata",
  "instance-data",
  "instance-data.ec2.internal",
]);

export class SsrfError extends ConnectorError {
  constructor(message: string, url?: string) {
    super({
      errorClass: "validation",
      reason: "ssrf",
      code: "ssrf_blocked",
      message,
      request: url ? { url } : undefined,
    });
    this.name = "SsrfError";
  }
}

interface AllowRule {
  host?: string; // lower-case name, or "*.suffix"
  cidr?: [ipaddr.IPv4 | ipaddr.IPv6, number];
  port?: number;
}

function parseRule(raw: string): AllowRule | undefined {
  let s = raw.trim().toLowerCase();
  if (!s) return undefined;
  let port: number | undefined;
  // "[v6]:port", "v4:port", "name:port"; a bare IPv6 (several colons) has no port.
  const bracket = /^\[([^\]]+)\](?::(\d+))?(\/\d+)?$/.exec(s);
  if (bracket) {
    s = bracket[1]! + (bracket[3] ?? "");
    if (bracket[2]) port = Number(bracket[2]);
  } else if ((s.match(/:/g) ?? []).length === 1) {
    const [h, p] = s.split(":");
    s = h!;
    port = Number(p);
  }
  if (s.includes("/")) {
    try {
      return { cidr: ipaddr.parseCIDR(s), port };
    } catch {
      return undefined;
    }
  }
  if (ipaddr.isValid(s)) {
    const a = ipaddr.parse(s);
    return { cidr: [a, a.kind() === "ipv4" ? 32 : 128], port };
  }
  return { host: s, port };
}

function normalise(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress())
    return (addr as ipaddr.IPv6).toIPv4Address();
  return addr;
}

const v6 = (cidr: string) => ipaddr.parseCIDR(cidr) as [ipaddr.IPv6, number];
const v4From = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);

/**
 * IPv6 forms that carry an IPv4 address, and where it sits. `reaches` forms are translated to that IPv4
 * address by the host or a NAT64 gateway, so the IPv4 address is what gets judged; the others (deprecated,
 * relay-dependent or local-use) are refused whatever they carry — but the refusal names what they carry.
 * ipaddr.js's range() calls IPv4-compatible addresses (::a9fe:a9fe) plain "unicast", hence this table.
 */
const TRANSITION_FORMS: Array<{
  name: string;
  net: [ipaddr.IPv6, number];
  reaches: boolean;
  v4: (p: number[]) => ipaddr.IPv4[];
}> = [
  { name: "IPv4-mapped", net: v6("::ffff:0:0/96"), reaches: true, v4: (p) => [v4From(p[6]!, p[7]!)] },
  { name: "IPv4-translated (RFC 6145)", net: v6("::ffff:0:0:0/96"), reaches: true, v4: (p) => [v4From(p[6]!, p[7]!)] },
  { name: "NAT64 (64:ff9b::/96)", net: v6("64:ff9b::/96"), reaches: true, v4: (p) => [v4From(p[6]!, p[7]!)] },
  {
    name: "local-use NAT64 (64:ff9b:1::/48)",
    net: v6("64:ff9b:1::/48"),
    reaches: false,
    v4: (p) => [v4From(p[6]!, p[7]!)],
  },
  { name: "6to4", net: v6("2002::/16"), reaches: false, v4: (p) => [v4From(p[1]!, p[2]!)] },
  // Teredo: the server's address in plain, the client's obfuscated (bit-inverted) in the last 32 bits.
  {
    name: "Teredo",
    net: v6("2001::/32"),
    reaches: false,
    v4: (p) => [v4From(p[2]!, p[3]!), v4From(~p[6]! & 0xffff, ~p[7]! & 0xffff)],
  },
  // IPv4-compatible (deprecated by RFC 4291); :: and ::1 are matched by ipaddr.js's own ranges first.
  { name: "IPv4-compatible", net: v6("::/96"), reaches: false, v4: (p) => [v4From(p[6]!, p[7]!)] },
];

/** The IPv4 address(es) an IPv6 transition form carries, or undefined when the address is not one. */
export function embeddedIPv4(address: ipaddr.IPv6): { form: string; reaches: boolean; v4: ipaddr.IPv4[] } | undefined {
  const own = address.range();
  if (own === "unspecified" || own === "loopback") return undefined;
  const f = TRANSITION_FORMS.find((t) => address.match(t.net));
  return f ? { form: f.name, reaches: f.reaches, v4: f.v4(address.parts) } : undefined;
}

/** Why an address may not be connected to, or undefined when it is public unicast. */
export function forbiddenRange(address: string): string | undefined {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    let bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
    // Read IPv6 the way the socket will: ipaddr.js parses "::1.2.3.4" as IPv4-mapped, the WHATWG URL parser
    // (and the kernel) as IPv4-compatible ::102:304.
    if (bare.includes(":")) bare = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
    parsed = ipaddr.parse(bare);
  } catch {
    return "unparseable";
  }
  if (parsed.kind() === "ipv6") {
    // Judge the IPv4 address inside a transition form, whatever ipaddr.js calls the IPv6 range.
    const t = embeddedIPv4(parsed as ipaddr.IPv6);
    if (t) {
      for (const v4 of t.v4) {
        const r = v4.range();
        if (r !== "unicast") return `${r} (${v4.toString()} in ${t.form} form)`;
      }
      return t.reaches ? undefined : `${t.form} IPv6`;
    }
  }
  const range = parsed.range();
  return range === "unicast" ? undefined : range;
}

export interface GuardedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  url: string;
  redirects: number;
}

export interface GuardedRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  maxRedirects?: number;
  maxResponseBytes?: number;
  /**
   * Whether a header value, URL or body carries the caller's credentials (connectors/sdk/http.ts passes the
   * connection's secrets). On a cross-origin hop such headers are dropped like Authorization, and a hop
   * that would carry them in its URL or re-sent body is refused.
   */
  carriesCredentials?: (text: string) => boolean;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"];

export class HttpGuard {
  readonly dispatcher: Agent;
  private readonly rules: AllowRule[];
  private readonly resolver: Resolver;
  private readonly maxRedirects: number;
  private readonly maxResponseBytes: number;

  constructor(opts: HttpGuardOptions = {}) {
    this.rules = (opts.allowHosts ?? []).map(parseRule).filter((r): r is AllowRule => r !== undefined);
    this.resolver = opts.resolve ?? ((h) => dnsLookup(h, { all: true, verbatim: true }));
    this.maxRedirects = opts.maxRedirects ?? 5;
    this.maxResponseBytes = opts.maxResponseBytes ?? 20 * 1024 * 1024;
    const base = buildConnector({ timeout: opts.connectTimeoutMs ?? 10_000 });
    // The check runs here, on every new connection, and the socket goes to the address just checked.
    const connect: buildConnector.connector = (o, cb) => {
      const port = Number(o.port) || (o.protocol === "https:" ? 443 : 80);
      const host = o.hostname.replace(/^\[|\]$/g, "");
      this.resolveAllowed(host, port).then(
        (address) => base({ ...o, hostname: address, servername: o.servername ?? (isIP(host) ? undefined : host) }, cb),
        (err: Error) => cb(err, null),
      );
    };
    this.dispatcher = new Agent({ connect, keepAliveTimeout: 4_000 });
  }

  /** Whether the admin allow-listed this host (by name) or address, for this port. */
  allowListed(host: string, port: number, address?: string): boolean {
    const name = host
      .toLowerCase()
      .replace(/^\[|\]$/g, "")
      .replace(/\.$/, "");
    const addrs: Array<ipaddr.IPv4 | ipaddr.IPv6> = [];
    for (const a of [address, ipaddr.isValid(name) ? name : undefined]) {
      if (a && ipaddr.isValid(a)) addrs.push(normalise(ipaddr.parse(a)));
    }
    return this.rules.some((r) => {
      if (r.port !== undefined && r.port !== port) return false;
      if (r.host) return r.host.startsWith("*.") ? name.endsWith(r.host.slice(1)) : name === r.host;
      if (r.cidr) {
        const [net, bits] = r.cidr;
        const netN = normalise(net);
        return addrs.some(
          (a) => a.kind() === netN.kind() && a.match(netN, netN.kind() === net.kind() ? bits : bits - 96),
        );
      }
      return false;
    });
  }

  /** Resolves `host` and returns the address to connect to, or throws SsrfError. */
  async resolveAllowed(host: string, port: number): Promise<string> {
    const name = host
      .toLowerCase()
      .replace(/^\[|\]$/g, "")
      .replace(/\.$/, "");
    if (isIP(name)) {
      const why = forbiddenRange(name);
      if (why && !this.allowListed(name, port, name))
        throw new SsrfError(`Refusing to connect to ${name}: it is ${withArticle(why)} address and not allow-listed.`);
      return name;
    }
    if (BLOCKED_NAMES.has(name) && !this.allowListed(name, port))
      throw new SsrfError(`Refusing to connect to ${name}: a cloud metadata host.`);
    if (name === "localhost" || name.endsWith(".localhost")) {
      if (!this.allowListed(name, port))
        throw new SsrfError(`Refusing to connect to ${name}: loopback names are not allow-listed.`);
    }
    let answers: Array<{ address: string; family: number }>;
    try {
      answers = await this.resolver(name);
    } catch (e) {
      throw new ConnectorError({
        errorClass: "transient",
        reason: "network",
        code: (e as { code?: string }).code ?? "EAI_FAIL",
        message: `Could not resolve ${name}: ${(e as Error).message}`,
        cause: e,
      });
    }
    if (!answers.length)
      throw new ConnectorError({
        errorClass: "transient",
        reason: "network",
        code: "ENOTFOUND",
        message: `${name} does not resolve.`,
      });
    const byName = this.allowListed(name, port);
    // Every answer must pass: connecting to "the first public one" would let a mixed answer pick later.
    for (const a of answers) {
      const why = forbiddenRange(a.address);
      if (why && !byName && !this.allowListed(name, port, a.address)) {
        throw new SsrfError(
          `Refusing to connect to ${name}: it resolves to ${a.address}, ${withArticle(why)} address, and is not allow-listed.`,
        );
      }
    }
    return answers[0]!.address;
  }

  /** A pre-flight check (e.g. when a URL is saved); the binding check still happens at connect time. */
  async check(rawUrl: string): Promise<URL> {
    const url = parseHttpUrl(rawUrl);
    await this.resolveAllowed(url.hostname, portOf(url));
    return url;
  }

  /** One request through the guard: redirects followed by hand and re-checked, body capped. */
  async request(rawUrl: string, init: GuardedRequest = {}): Promise<GuardedResponse> {
    let url = parseHttpUrl(rawUrl);
    let method = (init.method ?? "GET").toUpperCase();
    let headers: Record<string, string> = { ...(init.headers ?? {}) };
    let body = init.body;
    const maxRedirects = init.maxRedirects ?? this.maxRedirects;
    const maxBytes = init.maxResponseBytes ?? this.maxResponseBytes;
    for (let hop = 0; ; hop++) {
      // Literal-IP hosts skip DNS; the connector checks them too, but refusing here avoids a socket at all.
      if (isIP(url.hostname.replace(/^\[|\]$/g, ""))) await this.resolveAllowed(url.hostname, portOf(url));
      const res = await undiciRequest(url, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body,
        signal: init.signal,
        dispatcher: this.dispatcher,
        headersTimeout: init.headersTimeoutMs ?? 30_000,
        bodyTimeout: init.bodyTimeoutMs ?? 30_000,
      });
      const outHeaders = flatHeaders(res.headers);
      const location = outHeaders["location"];
      if (REDIRECTS.has(res.statusCode) && location) {
        await res.body.dump().catch(() => undefined);
        if (hop >= maxRedirects)
          throw new ConnectorError({
            errorClass: "validation",
            reason: "invalid_request",
            code: "too_many_redirects",
            message: `More than ${maxRedirects} redirects from ${rawUrl}.`,
            request: { method, url: url.toString() },
          });
        const next = parseHttpUrl(new URL(location, url).toString());
        if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === "POST")) {
          method = "GET";
          body = undefined;
          headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !/^content-/i.test(k)));
        }
        if (next.origin !== url.origin) {
          const secret = init.carriesCredentials ?? (() => false);
          headers = Object.fromEntries(
            Object.entries(headers).filter(([k, v]) => !CREDENTIAL_HEADERS.includes(k.toLowerCase()) && !secret(v)),
          );
          if (secret(next.toString()) || (body !== undefined && secret(body.toString()))) {
            throw new ConnectorError({
              errorClass: "validation",
              reason: "credential_scope",
              code: "credentials_redirected",
              message: `${url.host} redirected to ${next.host} with the credentials in the ${body !== undefined && secret(body.toString()) ? "body" : "URL"}; a redirect to another host is not followed with credentials.`,
              request: { method, url: `${next.origin}${next.pathname}` },
            });
          }
        }
        url = next;
        continue;
      }
      const declared = Number(outHeaders["content-length"] ?? "0");
      if (declared > maxBytes) {
        res.body.destroy();
        throw tooLarge(url, maxBytes);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        const b = chunk as Buffer;
        size += b.length;
        if (size > maxBytes) {
          res.body.destroy();
          throw tooLarge(url, maxBytes);
        }
        chunks.push(b);
      }
      return {
        status: res.statusCode,
        headers: outHeaders,
        body: Buffer.concat(chunks),
        url: url.toString(),
        redirects: hop,
      };
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

function tooLarge(url: URL, max: number): ConnectorError {
  return new ConnectorError({
    errorClass: "validation",
    reason: "too_large",
    code: "response_too_large",
    message: `The response from ${url.host} exceeds ${max} bytes.`,
    request: { url: url.toString() },
  });
}

function parseHttpUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConnectorError({
      errorClass: "validation",
      reason: "invalid_request",
      code: "bad_url",
      message: `Not a URL: ${raw.slice(0, 200)}`,
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new SsrfError(`Only http and https URLs may be called, not ${url.protocol}`, raw);
  if (url.username || url.password)
    throw new SsrfError(
      "Credentials in a URL are refused; use the connection's auth settings.",
      `${url.protocol}//${url.host}${url.pathname}`,
    );
  return url;
}

function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
}

function flatHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

/** WEFT_HTTP_ALLOWLIST: comma- or space-separated allow rules. */
export function allowListFromEnv(env: Record<string, string | undefined> = process.env): string[] {
  return (env.WEFT_HTTP_ALLOWLIST ?? "").split(/[\s,]+/).filter(Boolean);
}

let shared: HttpGuard | undefined;
let sharedKey = "";
/** The process-wide guard configured from the environment (rebuilt when the allow-list changes). */
export function defaultGuard(): HttpGuard {
  const list = allowListFromEnv();
  const key = list.join(",");
  if (!shared || key !== sharedKey) {
    const old = shared;
    shared = new HttpGuard({ allowHosts: list });
    sharedKey = key;
    void old?.close().catch(() => undefined);
  }
  return shared;
}
