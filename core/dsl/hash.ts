// Content hash of a flow version: sha256 over the canonical JSON (RFC 8785: sorted keys, canonical
// numbers, no whitespace), so two documents that differ only in key order or formatting hash alike.
// Synchronous and pure JS (noble), so the designer can show the hash without Web Crypto's async API.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import canonicalize from "canonicalize";
import type { Flow } from "./schema";

/** RFC 8785 canonical JSON of a document. */
export function canonicalJson(value: unknown): string {
  const s = canonicalize(value);
  if (s === undefined) throw new TypeError("This value has no JSON form.");
  return s;
}

/**
 * "sha256:<64 hex>" over the canonical JSON of the whole document, layout included: a published version is
 * immutable byte for byte (as canonical JSON), positions too. `{ behaviourOnly: true }` leaves the layout
 * out, for "did anything that runs change?".
 */
export function contentHash(flow: Flow, opts: { behaviourOnly?: boolean } = {}): string {
  const value: Record<string, unknown> = { ...flow };
  if (opts.behaviourOnly) {
    delete value.layout;
    delete value.$schema;
  }
  return `sha256:${bytesToHex(sha256(utf8ToBytes(canonicalJson(value))))}`;
}

/** Whether a stored hash matches the document (published versions are checked on load). */
export function verifyContentHash(flow: Flow, hash: string): boolean {
  return contentHash(flow) === hash;
}
