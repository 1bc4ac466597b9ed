// The audit chain's secret, kept out of the database: WEFT_AUDIT_KEY when set (a dedicated key, so the audit
// chain and the connection secrets can be rotated apart), else derived from WEFT_SECRET_KEY. Demo and dev
// generate WEFT_AUDIT_KEY into WEFT_DATA_DIR/secrets.json with the other generated secrets. Two keys come out
// of it with HKDF-SHA256: the HMAC key of the row hashes and the Ed25519 key that signs anchors.
import "server-only";
import { createHash, createPrivateKey, createPublicKey, hkdfSync, type KeyObject } from "node:crypto";
import { StartupError } from "../db/errors";

function material(env: NodeJS.ProcessEnv = process.env): { ikm: string; source: "WEFT_AUDIT_KEY" | "WEFT_SECRET_KEY" } {
  if (env.WEFT_AUDIT_KEY) return { ikm: env.WEFT_AUDIT_KEY, source: "WEFT_AUDIT_KEY" };
  if (env.WEFT_SECRET_KEY) return { ikm: env.WEFT_SECRET_KEY, source: "WEFT_SECRET_KEY" };
  throw new StartupError(
    "Neither WEFT_AUDIT_KEY nor WEFT_SECRET_KEY is set: the audit log cannot be written or verified without its key (set the one the server uses).",
  );
}

const derive = (info: string) => Buffer.from(hkdfSync("sha256", material().ikm, "weft-audit", info, 32));

/** The HMAC key of the row hashes. */
export function auditKey(): Buffer {
  return derive("audit-chain/v1");
}

// PKCS#8 wrapping of a raw 32-byte Ed25519 seed (RFC 8410): Node imports private keys only in a container.
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** The anchor-signing key pair, and an id for it (the first 16 hex digits of the public key's SHA-256). */
export function anchorKeys(): { privateKey: KeyObject; publicKey: KeyObject; keyId: string } {
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, derive("anchor-signing/v1")]),
    format: "der",
    type: "pkcs8",
  });
  const publicKey = createPublicKey(privateKey);
  const keyId = createHash("sha256")
    .update(publicKey.export({ format: "der", type: "spki" }))
    .digest("hex")
    .slice(0, 16);
  return { privateKey, publicKey, keyId };
}
