// Secrets at rest: AES-256-GCM with a random 96-bit nonce per value. The key comes from WEFT_SECRET_KEY
// (32 bytes, base64; any other string is stretched with SHA-256). Format: v1.<nonce>.<tag>.<ciphertext>,
// base64url parts — the version prefix leaves room for key rotation.
import "server-only";
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

function key(): Buffer {
  const raw = process.env.WEFT_SECRET_KEY;
  if (!raw) throw new Error("WEFT_SECRET_KEY is not set: secrets cannot be encrypted or read.");
  const b = Buffer.from(raw, "base64");
  return b.length === 32 ? b : createHash("sha256").update(raw).digest();
}

export function seal(plaintext: string, aad = "weft"): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), nonce);
  cipher.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", nonce.toString("base64url"), cipher.getAuthTag().toString("base64url"), ct.toString("base64url")].join(
    ".",
  );
}

export function open(sealed: string, aad = "weft"): string {
  const [v, nonce, tag, ct] = sealed.split(".");
  if (v !== "v1" || !nonce || !tag || ct === undefined) throw new Error("Not a Weft sealed secret.");
  const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(nonce, "base64url"));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    throw new Error("A stored secret cannot be decrypted: WEFT_SECRET_KEY differs from the key it was sealed with.");
  }
}
