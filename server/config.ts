// Process configuration read from the environment, in one place. Scripts (dev/start/worker) fill in the
// zero-config defaults (embedded database, generated secrets) before anything reads this.
import "server-only";
import { z } from "zod";
import { StartupError } from "./db/errors";

/** Dev-only values; production start refuses to run while any secret still equals one of these. */
export const DEV_DEFAULT_SECRETS = new Set(["weft-dev-auth-secret-change-me", "", "changeme", "secret"]);

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  WEFT_DATA_DIR: z.string().default(".weft"),
  WEFT_DEMO: z.enum(["0", "1"]).optional(),
  WEFT_BASE_URL: z.string().url().optional(),
  BETTER_AUTH_SECRET: z.string().optional(),
  WEFT_SECRET_KEY: z.string().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  // How long the web process keeps an idle connection open: above a load balancer's idle timeout (AWS ALB: 60 s),
  // so the balancer never reuses a connection the process is closing (an occasional 502). Node's own is 5 s.
  WEFT_KEEPALIVE_SECONDS: z.coerce.number().int().min(1).max(3600).default(65),
});

export type Config = z.infer<typeof schema> & { baseUrl: string; demo: boolean };

export function config(): Config {
  const parsed = schema.safeParse(process.env);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new StartupError(`Environment variable ${String(i.path[0])} is invalid: ${i.message}.`);
  }
  const c = parsed.data;
  return {
    ...c,
    baseUrl: c.WEFT_BASE_URL ?? `http://localhost:${c.PORT}`,
    demo: c.WEFT_DEMO === "1",
  };
}

/** Production refuses default or missing secrets: one sentence says which and how to fix it. */
export function assertProductionSecrets(env: NodeJS.ProcessEnv = process.env): void {
  for (const name of ["BETTER_AUTH_SECRET", "WEFT_SECRET_KEY"] as const) {
    const v = env[name];
    if (!v || DEV_DEFAULT_SECRETS.has(v) || v.length < 32) {
      throw new StartupError(
        `${name} is ${v ? "a default or too short (need at least 32 characters)" : "not set"}. Generate one with \`openssl rand -base64 48\` and set it before starting Weft in production.`,
      );
    }
  }
}
