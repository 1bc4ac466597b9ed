// Password sign-in throttle, in Postgres so every web replica sees the same counts. Failures are counted
// under three keys, each with its own answer:
//   pair    (one account from one client)  — a guesser at one account: locked for a long time;
//   client  (any accounts from one client)  — password spraying from one address: locked for a long time;
//   account (one account from any client)  — a guesser rotating addresses: only a short lock per failure
//            over the limit, so the owner signing in from elsewhere is never kept out for long.
// The client is the address scripts/lib/web.ts derived (trusted proxies only), never a header the
// caller chose. Wired into better-auth as hooks on /sign-in/email (server/auth/auth.ts), so the HTTP
// endpoint and the sign-in form's server action share it.
import "server-only";
import type { Db } from "../db/client";
import { appendAudit } from "../audit/audit";

export type ThrottleScope = "pair" | "client" | "account";

export const SIGN_IN_LIMITS: Record<ThrottleScope, { max: number; windowSeconds: number; lockSeconds: number }> = {
  pair: { max: 5, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
  client: { max: 30, windowSeconds: 15 * 60, lockSeconds: 15 * 60 },
  account: { max: 10, windowSeconds: 15 * 60, lockSeconds: 30 },
};

const SCOPES = Object.keys(SIGN_IN_LIMITS) as ThrottleScope[];

function keyFor(scope: ThrottleScope, email: string, ip: string | null): string {
  const account = email.trim().toLowerCase().slice(0, 320);
  const client = ip ?? "unknown";
  return scope === "pair"
    ? `pair:${account}|${client}`
    : scope === "client"
      ? `client:${client}`
      : `account:${account}`;
}

export interface Refusal {
  scope: ThrottleScope;
  retryAfterSeconds: number;
  message: string;
}

function refusalMessage(scope: ThrottleScope, seconds: number): string {
  const wait = seconds >= 90 ? `${Math.ceil(seconds / 60)} minutes` : `${seconds} seconds`;
  if (scope === "account") return `Too many failed sign-ins for this account. Try again in ${wait}.`;
  if (scope === "pair") return `Too many failed sign-ins for this account from your network. Try again in ${wait}.`;
  return `Too many failed sign-ins from your network. Try again in ${wait}.`;
}

/** Null when the attempt may go ahead, else the lock that refuses it (the longest, if several). */
export async function checkSignIn(db: Db, email: string, ip: string | null): Promise<Refusal | null> {
  const keys = SCOPES.map((s) => keyFor(s, email, ip));
  const rows = await db.authThrottle.findMany({
    where: { key: { in: keys }, lockedUntil: { gt: new Date() } },
    select: { key: true, lockedUntil: true },
  });
  if (!rows.length) return null;
  const worst = rows.reduce((a, b) => (a.lockedUntil! > b.lockedUntil! ? a : b));
  const scope = SCOPES[keys.indexOf(worst.key)]!;
  const seconds = Math.max(1, Math.ceil((worst.lockedUntil!.getTime() - Date.now()) / 1000));
  return { scope, retryAfterSeconds: seconds, message: refusalMessage(scope, seconds) };
}

/** Counts a wrong password under all three keys; a key that reaches its limit is locked (and audited once). */
export async function recordFailure(db: Db, email: string, ip: string | null): Promise<void> {
  await db.$transaction(async (tx) => {
    for (const scope of SCOPES) {
      const { max, windowSeconds, lockSeconds } = SIGN_IN_LIMITS[scope];
      const key = keyFor(scope, email, ip);
      const [row] = await tx.$queryRaw<Array<{ failures: number }>>`
        INSERT INTO auth_throttle AS t (key, failures, window_start) VALUES (${key}, 1, now())
        ON CONFLICT (key) DO UPDATE SET
          failures = CASE WHEN t.window_start <= now() - ${windowSeconds} * interval '1 second' THEN 1 ELSE t.failures + 1 END,
          window_start = CASE WHEN t.window_start <= now() - ${windowSeconds} * interval '1 second' THEN now() ELSE t.window_start END
        RETURNING failures`;
      if (row && row.failures >= max) {
        await tx.$executeRaw`UPDATE auth_throttle SET locked_until = now() + ${lockSeconds} * interval '1 second' WHERE key = ${key}`;
        if (row.failures === max) {
          await appendAudit(tx, {
            actor: null,
            action: "auth.sign_in_throttled",
            entityType: "user",
            entityId: email.trim().toLowerCase().slice(0, 320),
            meta: { scope, ip, failures: row.failures, lockSeconds },
          });
        }
      }
    }
    // Keys idle for a day are history; dropping them here keeps the table small without a job.
    await tx.$executeRaw`DELETE FROM auth_throttle WHERE window_start < now() - interval '1 day' AND (locked_until IS NULL OR locked_until < now())`;
  });
}

/** The right password clears this client's count for the account (not the account-wide one: a guesser elsewhere keeps theirs). */
export async function recordSuccess(db: Db, email: string, ip: string | null): Promise<void> {
  await db.authThrottle.deleteMany({ where: { key: keyFor("pair", email, ip) } });
}
