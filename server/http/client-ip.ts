// Who is the client? The TCP peer — unless the peer is one of our own reverse proxies
// (WEFT_TRUSTED_PROXIES: addresses or CIDR ranges), in which case X-Forwarded-For is walked from the right,
// skipping our proxies, and the first address they did not add is the client. A header the client wrote
// itself is never believed, so rotating X-Forwarded-For does not buy a fresh sign-in budget.
// scripts/lib/web.ts stamps the answer on every request as CLIENT_IP_HEADER (replacing any client value);
// better-auth's rate limiter and the sign-in throttle read only that header.
import "server-only";
import { BlockList, isIP } from "node:net";

export const CLIENT_IP_HEADER = "x-weft-client-ip";

/** Parses "10.0.0.1, 10.1.0.0/16, ::1" into a BlockList; throws naming the entry it cannot read. */
export function trustedProxies(spec: string | undefined): BlockList {
  const list = new BlockList();
  for (const raw of (spec ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [addr, bits] = raw.split("/");
    const family = isIP(addr ?? "");
    if (!family || (bits !== undefined && !/^\d{1,3}$/.test(bits))) {
      throw new Error(`WEFT_TRUSTED_PROXIES: "${raw}" is not an IP address or CIDR range.`);
    }
    const type = family === 4 ? "ipv4" : "ipv6";
    if (bits === undefined) list.addAddress(addr!, type);
    else list.addSubnet(addr!, Number(bits), type);
  }
  return list;
}

/** "::ffff:127.0.0.1" → "127.0.0.1"; anything that is not an address → null. */
export function normalizeAddress(value: string | undefined | null): string | null {
  if (!value) return null;
  let v = value.trim();
  if (v.startsWith("[") && v.includes("]")) v = v.slice(1, v.indexOf("]"));
  if (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(v)) v = v.slice(7);
  return isIP(v) ? v.toLowerCase() : null;
}

function isTrusted(list: BlockList, addr: string): boolean {
  return list.check(addr, isIP(addr) === 4 ? "ipv4" : "ipv6");
}

export function clientIp(
  peer: string | undefined | null,
  forwardedFor: string | string[] | undefined | null,
  trusted: BlockList,
): string | null {
  const direct = normalizeAddress(peer);
  if (!direct || !isTrusted(trusted, direct)) return direct;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? ""))
    .split(",")
    .map((h) => normalizeAddress(h));
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    if (!hop) return direct; // a hop our proxy would never write: stop believing the chain
    if (!isTrusted(trusted, hop)) return hop;
  }
  return hops.length && hops[0] ? hops[0] : direct;
}
