// Signed task links: an approver who never signs into Weft opens one task through a URL. The token names the
// task, the person it was issued to and when it expires, with an HMAC-SHA256 over them; the key is derived
// (HKDF) from WEFT_SECRET_KEY, the server's secret that also seals connection secrets
// (server/connections/secret-box.ts), so no new secret has to be provisioned. A link opens only its task,
// refuses after its expiry, and is spent once its task is decided (the task is no longer open).
import "server-only";
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { DomainError } from "../../core/domain-error";

export interface TaskLink {
  taskId: string;
  /** Whom the link was issued to: the decision is recorded (and four-eyes checked) as this person. */
  email: string;
  expiresAt: Date;
}

function key(): Buffer {
  const raw = process.env.WEFT_SECRET_KEY;
  if (!raw) throw new Error("WEFT_SECRET_KEY is not set: task links cannot be signed or checked.");
  return Buffer.from(hkdfSync("sha256", raw, "weft-task-link", "task-link/v1", 32));
}

const mac = (payload: string) => createHmac("sha256", key()).update(payload).digest();

export function signTaskLink(l: TaskLink): string {
  const payload = Buffer.from(
    JSON.stringify({ t: l.taskId, a: l.email.toLowerCase(), e: Math.floor(l.expiresAt.getTime() / 1000) }),
  ).toString("base64url");
  return `${payload}.${mac(payload).toString("base64url")}`;
}

/** The link's contents, or a DomainError: forbidden for a forged or altered token, precondition once expired. */
export function verifyTaskLink(token: string, now = new Date()): TaskLink {
  const [payload, sig, extra] = token.split(".");
  const bad = new DomainError("forbidden", "This link is not valid: it was changed or not issued by Weft.");
  if (!payload || !sig || extra !== undefined || token.length > 1000) throw bad;
  const given = Buffer.from(sig, "base64url");
  const want = mac(payload);
  if (given.length !== want.length || !timingSafeEqual(given, want)) throw bad;
  let body: { t?: unknown; a?: unknown; e?: unknown };
  try {
    body = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as typeof body;
  } catch {
    throw bad;
  }
  if (typeof body.t !== "string" || typeof body.a !== "string" || typeof body.e !== "number") throw bad;
  const expiresAt = new Date(body.e * 1000);
  if (expiresAt.getTime() <= now.getTime())
    throw new DomainError("precondition", `This link expired on ${expiresAt.toISOString()}; ask for a new one.`);
  return { taskId: body.t, email: body.a, expiresAt };
}
