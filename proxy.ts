// Runs before every route (Next.js 16 "proxy", formerly middleware): gives each response its
// Content-Security-Policy with a fresh nonce (server/http/csp.ts), and keeps credentials out of URLs.
import { NextResponse, type NextRequest } from "next/server";
import { contentSecurityPolicy, newNonce } from "@/server/http/csp";

/** Query parameters that must never sit in an address bar, history or a log. */
const CREDENTIAL_PARAMS = ["password", "pass", "passwd", "pwd"];

export function proxy(request: NextRequest) {
  const url = request.nextUrl;
  // A sign-in form submitted natively before it hydrated (old clients, a stale cached page) would put the
  // password in the query: answer with the clean URL so it is not kept in history. The form itself posts.
  if (
    request.method === "GET" &&
    !url.pathname.startsWith("/api/") &&
    CREDENTIAL_PARAMS.some((p) => url.searchParams.has(p))
  ) {
    const clean = url.clone();
    for (const p of [...clean.searchParams.keys()]) if (p !== "next") clean.searchParams.delete(p);
    return NextResponse.redirect(clean, 303);
  }
  const nonce = newNonce();
  const csp = contentSecurityPolicy(nonce, {
    dev: process.env.NODE_ENV === "development",
    https: (process.env.WEFT_BASE_URL ?? "").startsWith("https:"),
  });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("content-security-policy", csp);
  return response;
}

export const config = {
  // Build output is immutable, nonce-free and covered by next.config.js's static headers. Webhook deliveries
  // (signed JSON in, JSON out: no document, no credentials in the query) skip the proxy: it is per-request
  // work on the runtime's hottest route, and next.config.js's static headers still apply.
  matcher: ["/((?!_next/static|_next/image|favicon.ico|api/hooks/).*)"],
};
