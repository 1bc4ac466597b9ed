// Argon2id (OWASP's first choice) via @node-rs/argon2, used by better-auth and by the seed/CLI.
import "server-only";
import { hash, verify } from "@node-rs/argon2";

// OWASP 2023 minimum for argon2id: m=19 MiB, t=2, p=1.
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword({ hash: stored, password }: { hash: string; password: string }): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}
