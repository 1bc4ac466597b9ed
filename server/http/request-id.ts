// A request id travels from the caller (or a proxy) into logs, responses and audit rows. A caller's value is
// kept only when it is a short token of safe characters, so it can neither forge log lines nor bloat or
// smuggle markup into the audit trail; anything else is replaced by a fresh UUID.
const SAFE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

export function requestIdFrom(value: string | string[] | null | undefined): string {
  return typeof value === "string" && SAFE_REQUEST_ID.test(value) ? value : crypto.randomUUID();
}
