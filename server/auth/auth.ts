// better-auth: email + password (argon2), sessions in Postgres through Prisma. Public sign-up is off —
// admins create accounts (CLI or Settings). An OIDC provider can be added through `socialProviders` /
// the genericOAuth plugin without touching the rest of the app.
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { db } from "../db/client";
import { appendAudit } from "../audit/audit";
import { config } from "../config";
import { hashPassword, verifyPassword } from "./password";

function createAuth() {
  const c = config();
  const prisma = db();
  return betterAuth({
    appName: "Weft",
    baseURL: c.baseUrl,
    secret: process.env.BETTER_AUTH_SECRET,
    trustedOrigins: [c.baseUrl, `http://127.0.0.1:${c.PORT}`, `http://localhost:${c.PORT}`],
    database: prismaAdapter(prisma, { provider: "postgresql" }),
    emailAndPassword: {
      enabled: true,
      disableSignUp: true,
      minPasswordLength: 8,
      password: { hash: hashPassword, verify: verifyPassword },
    },
    // Brute-force guard per client IP (on in production by default); sign-in gets its own, stricter window.
    rateLimit: {
      enabled: process.env.NODE_ENV === "production",
      window: 60,
      max: 300,
      customRules: { "/sign-in/email": { window: 60, max: Number(process.env.WEFT_SIGNIN_PER_MINUTE ?? 20) } },
    },
    session: { expiresIn: 60 * 60 * 12, updateAge: 60 * 60 },
    advanced: { database: { generateId: () => crypto.randomUUID() } },
    databaseHooks: {
      session: {
        create: {
          after: async (session) => {
            const user = await prisma.user.findUnique({ where: { id: session.userId }, select: { email: true } });
            await prisma.$transaction((tx) =>
              appendAudit(tx, {
                actor: { id: session.userId, email: user?.email ?? null },
                action: "auth.sign_in",
                entityType: "user",
                entityId: session.userId,
                meta: { ip: session.ipAddress ?? null, userAgent: session.userAgent ?? null },
              }),
            );
          },
        },
      },
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;

export function auth(): Auth {
  const g = globalThis as unknown as { __weftAuth?: Auth };
  return (g.__weftAuth ??= createAuth());
}
