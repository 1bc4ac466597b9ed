// Outgoing alert webhooks. The URL is a team's own setting, so it goes through the connectors SDK's
// outbound HTTP guard (connectors/sdk/http-guard.ts): http(s) only, no credentials in the URL, and the
// address actually connected to must be public unicast — checked inside the socket connector on the
// resolved address, so a DNS rebinding between check and connect cannot slip through. Hosts on
// WEFT_HTTP_ALLOWLIST are allowed; redirects are not followed.
import "server-only";
import { defaultGuard } from "../../connectors/sdk/http-guard";

export class UnsafeUrlError extends Error {}

function parse(raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new UnsafeUrlError("Not a URL.");
  }
}

/** A pre-flight check when a team saves its webhook URL; the binding check happens again at connect time. */
export async function assertPublicUrl(raw: string): Promise<URL> {
  const url = parse(raw);
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new UnsafeUrlError("Only http and https webhooks are allowed.");
  if (url.username || url.password) throw new UnsafeUrlError("Put credentials in a header, not in the URL.");
  try {
    return await defaultGuard().check(raw);
  } catch (e) {
    throw new UnsafeUrlError((e as Error).message);
  }
}

export interface PostResult {
  ok: boolean;
  status: number | null;
  error: string | null;
}

export async function postJson(raw: string, body: unknown, opts: { timeoutMs?: number } = {}): Promise<PostResult> {
  try {
    parse(raw);
    const timeout = opts.timeoutMs ?? 10_000;
    const res = await defaultGuard().request(raw, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "Weft-SLO-Alerts/1" },
      body: JSON.stringify(body),
      maxRedirects: 0,
      maxResponseBytes: 64 * 1024,
      headersTimeoutMs: timeout,
      bodyTimeoutMs: timeout,
      signal: AbortSignal.timeout(timeout),
    });
    return res.status >= 200 && res.status < 300
      ? { ok: true, status: res.status, error: null }
      : { ok: false, status: res.status, error: `HTTP ${res.status}` };
  } catch (e) {
    return { ok: false, status: null, error: (e as Error).message };
  }
}
