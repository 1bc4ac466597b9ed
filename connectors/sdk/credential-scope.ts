// Where a connection's credentials may go. A step's URL is typed by a designer, who never sees the secrets,
// so the credentials must not follow it to any host: they go only to the connection's own origins —
//   - every http(s) URL in the connection's settings (base URL, token URL, instance URL…), which only an
//     admin edits;
//   - the base URL the connector itself chose for the request (a vendor's token response can name the
//     instance to call, e.g. Salesforce's instance_url; NetSuite derives its host from the account id);
//   - the hosts an admin listed in the connection's "allowed hosts".
// Anything else carrying the credentials is refused before a byte is sent (HTTP client, connectors/sdk/http.ts),
// and the designer's validator flags a literal URL outside the scope. Browser-safe.
import { z } from "zod";

/**
 * An allowed-hosts entry: "api.example.com" (any port), "api.example.com:8443", "*.example.com" (subdomains),
 * or an origin "https://files.example.com".
 */
export const allowedHostSchema = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .refine((s) => parseAllowedHost(s) !== undefined, {
    message:
      'Use a host name ("api.example.com"), host:port, "*.example.com" or an origin ("https://files.example.com").',
  });

export const allowedHostsSchema = z
  .array(allowedHostSchema)
  .max(50)
  .describe("Other hosts the connection's credentials may be sent to");

interface HostRule {
  protocol?: string;
  host: string; // lower-case; "*.suffix" for subdomains
  port?: string;
}

function parseAllowedHost(raw: string): HostRule | undefined {
  const s = raw.trim().toLowerCase();
  if (/^https?:\/\//.test(s)) {
    try {
      const u = new URL(s);
      if (u.username || u.password || (u.pathname !== "/" && u.pathname !== "") || u.search || u.hash) return undefined;
      return { protocol: u.protocol, host: u.hostname, port: u.port || (u.protocol === "https:" ? "443" : "80") };
    } catch {
      return undefined;
    }
  }
  const m = /^(\*\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/.exec(s);
  if (!m) return undefined;
  return { host: (m[1] ?? "") + m[2], port: m[3] };
}

const defaultPort = (u: URL) => u.port || (u.protocol === "https:" ? "443" : "80");

function ruleMatches(r: HostRule, u: URL): boolean {
  const host = u.hostname.toLowerCase();
  if (r.protocol && r.protocol !== u.protocol) return false;
  if (r.port && r.port !== defaultPort(u)) return false;
  return r.host.startsWith("*.") ? host.endsWith(r.host.slice(1)) && host.length > r.host.length - 1 : host === r.host;
}

/** Every http(s) URL among a connection's settings (nested objects included): its origins. */
export function settingsOrigins(config: unknown, out = new Set<string>(), depth = 0): Set<string> {
  if (depth > 6) return out;
  if (typeof config === "string") {
    if (/^https?:\/\//i.test(config)) {
      try {
        out.add(new URL(config).origin);
      } catch {
        /* not a URL */
      }
    }
  } else if (Array.isArray(config)) for (const v of config) settingsOrigins(v, out, depth + 1);
  else if (config && typeof config === "object")
    for (const v of Object.values(config)) settingsOrigins(v, out, depth + 1);
  return out;
}

export interface CredentialScope {
  /** Whether the connection's credentials may be sent to `url` (the request's own base URL is passed as `base`). */
  allows(url: string | URL, base?: string): boolean;
  /** For error messages: "https://api.example.com, *.example.com". */
  describe(): string;
}

export function credentialScope(config: unknown, allowedHosts: readonly string[] = []): CredentialScope {
  const origins = settingsOrigins(config);
  const rules = allowedHosts.map(parseAllowedHost).filter((r): r is HostRule => r !== undefined);
  return {
    allows(raw, base) {
      let u: URL;
      try {
        u = typeof raw === "string" ? new URL(raw) : raw;
      } catch {
        return false;
      }
      if (origins.has(u.origin)) return true;
      if (base) {
        try {
          if (new URL(base).origin === u.origin) return true;
        } catch {
          /* no base */
        }
      }
      return rules.some((r) => ruleMatches(r, u));
    },
    describe() {
      const all = [...origins, ...allowedHosts];
      return all.length ? all.join(", ") : "no host (the connection has no URL in its settings and no allowed hosts)";
    },
  };
}

/** The refusal's wording, shared by the runtime error and the designer's validation problem. */
export function offScopeMessage(connectionKey: string, url: URL | string, scope: CredentialScope): string {
  const origin = (() => {
    try {
      return new URL(url).origin;
    } catch {
      return String(url);
    }
  })();
  return `Connection "${connectionKey}" sends its credentials only to its own hosts (${scope.describe()}); ${origin} is not one of them. Use a path under the connection's base URL, or ask an admin to add the host to the connection's allowed hosts.`;
}
