// Outgoing alert webhooks. The URL is a team's own setting, so it is guarded against server-side request
// forgery: http(s) only, every resolved address must be public unicast, and redirects are not followed.
// (The connectors SDK is to provide the shared SSRF guard; this one stands in until it exists.)
// Limitation: the address is resolved before the request, so a DNS rebinding between the two is possible.
import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";

export class UnsafeUrlError extends Error {}

/** Set WEFT_ALLOW_PRIVATE_WEBHOOKS=1 to allow private addresses (local development and tests only). */
export function privateTargetsAllowed(): boolean {
  return process.env.WEFT_ALLOW_PRIVATE_WEBHOOKS === "1";
}

export async function assertPublicUrl(raw: string, allowPrivate = privateTargetsAllowed()): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeUrlError("Not a URL.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new UnsafeUrlError("Only http and https webhooks are allowed.");
  if (url.username || url.password) throw new UnsafeUrlError("Put credentials in a header, not in the URL.");
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const addresses = ipaddr.isValid(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  if (!addresses.length) throw new UnsafeUrlError(`${host} does not resolve.`);
  for (const a of addresses) {
    let parsed = ipaddr.parse(a);
    if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
    if (parsed.range() !== "unicast") throw new UnsafeUrlError(`${host} resolves to a ${parsed.range()} address; webhooks must go to a public address.`);
  }
  return url;
}

export interface PostResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

export async function postJson(raw: string, body: unknown, opts: { allowPrivate?: boolean; timeoutMs?: number } = {}): Promise<PostResult> {
  try {
    const url = await assertPublicUrl(raw, opts.allowPrivate);
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "Weft-SLO-Alerts/1" },
      body: JSON.stringify(body),
      redirect: "manual",
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.ok ? { ok: true, status: res.status, error: null } : { ok: false, status: res.status, error: `HTTP ${res.status}` };
  } catch (e) {
    return { ok: false, status: null, error: (e as Error).message };
  }
}
