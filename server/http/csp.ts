// The Content-Security-Policy of every response (set by proxy.ts with a fresh nonce per request; Next.js
// reads the nonce back from the request's header and stamps it on its own scripts, so pages must render
// dynamically — the root layout awaits connection()).
//
// Scripts: only those carrying this request's nonce, and what they load ('strict-dynamic'); no inline
// handlers, no eval in production. Styles allow inline: React Flow, CodeMirror and recharts set element
// styles and inject <style> elements at run time, and a style cannot run code — scripts are the boundary.
// Framing is refused outright (frame-ancestors 'none', plus X-Frame-Options in next.config.js for old
// browsers), so no foreign page can overlay the sign-in form.
export function contentSecurityPolicy(nonce: string, opts: { dev: boolean; https: boolean }): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${opts.dev ? " ws: wss:" : ""}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(opts.https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/** 128 random bits, base64 — unguessable per response. */
export function newNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
}
