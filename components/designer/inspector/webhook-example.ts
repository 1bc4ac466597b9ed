// The shell snippet the trigger's inspector offers to try a flow's webhook: it signs the body the way the
// ingress verifies it (server/runtime/ingress.ts), with openssl, from the secret in an environment variable —
// the secret itself is never part of the text, so the snippet can be pasted into tickets and chats.
import { WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from "@/core/dsl";

export const SECRET_ENV = "WEFT_WEBHOOK_SECRET";

/** 'text' for a POSIX shell: single quotes, with each ' written as '\''. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * A subshell (bash, zsh, sh) that refuses to run without the secret, then posts `body` signed with the current
 * time. `openssl dgst -hmac` prints "…= <hex>" in every OpenSSL and LibreSSL version; the sed keeps the hex.
 */
export function webhookCurlExample(o: { url: string; secretKey: string; body: unknown }): string {
  const body = JSON.stringify(o.body ?? {});
  return [
    "(",
    `  : "\${${SECRET_ENV}:?set ${SECRET_ENV} to the signing secret of connection ${o.secretKey}}"`,
    `  BODY=${shellQuote(body)}`,
    "  TS=$(date +%s)",
    `  SIG=$(printf '%s.%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$${SECRET_ENV}" | sed 's/^.*= //')`,
    `  curl -sS -X POST ${shellQuote(o.url)} \\`,
    "    -H 'content-type: application/json' \\",
    `    -H "${WEBHOOK_TIMESTAMP_HEADER}: $TS" \\`,
    `    -H "${WEBHOOK_SIGNATURE_HEADER}: v1=$SIG" \\`,
    '    --data-binary "$BODY"',
    ")",
  ].join("\n");
}

/** The body to show in the example: a pinned trigger sample's body (a webhook run's $trigger is {body, headers, query}). */
export function exampleBody(sample: unknown): unknown {
  if (sample && typeof sample === "object" && !Array.isArray(sample) && "body" in sample)
    return (sample as { body: unknown }).body;
  return {};
}
