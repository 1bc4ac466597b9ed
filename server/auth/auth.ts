// better-auth: email + password (argon2), sessions in Postgres through Prisma, and optional single sign-on
// with the firm's OIDC provider (server/auth/oidc.ts). Public sign-up is off — admins create accounts (CLI or
// Settings); SSO may create viewer accounts for people the provider vouches for.
import "server-only";
import { betterAuth } from "better-auth";
import { prismaAdapter } from "better-auth/adapters/prisma";
import { db } from "../db/client";
import { appendAudit } from "../audit/audit";
import { config } from "../config";
import { hashPassword, verifyPassword } from "./password";
import { oidcSettings, SSO_PROVIDER_ID } from "./oidc";
import { genericOAuth } from "better-auth/plugins";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { nextCookies } from "better-auth/next-js";
import { CLIENT_IP_HEADER } from "../http/client-ip";
import { checkSignIn, recordFailure, recordSuccess } from "./throttle";

const PASSWORD_SIGN_IN = "/sign-in/email";

function signInAttempt(ctx: {
  path?: string;
  body?: unknown;
  headers?: Headers | null;
}): { email: string; ip: string | null } | null {
  if (ctx.path !== PASSWORD_SIGN_IN) return null;
  const email = (ctx.body as { email?: unknown } | undefined)?.email;
  return typeof email === "string" && email ? { email, ip: ctx.headers?.get(CLIENT_IP_HEADER) ?? null } : null;
}

function createAuth() {
  const c = config();
  const prisma = db();
  const sso = oidcSettings();
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
    // Request-volume guard per client (on in production by default); sign-in gets its own, stricter window.
    // Failed passwords are throttled separately, per account and per client, in every environment (hooks).
    rateLimit: {
      enabled: process.env.NODE_ENV === "production",
      window: 60,
      max: 300,
      customRules: { "/sign-in/email": { window: 60, max: Number(process.env.WEFT_SIGNIN_PER_MINUTE ?? 20) } },
    },
    session: { expiresIn: 60 * 60 * 12, updateAge: 60 * 60 },
    // An account an admin made is linked to the provider identity with the same verified email.
    account: { accountLinking: { enabled: true, trustedProviders: [SSO_PROVIDER_ID] } },
    // nextCookies last: it lets the sign-in form's server action set the session cookie.
    plugins: [
      ...(sso
        ? [
            genericOAuth({
              config: [
                {
                  providerId: SSO_PROVIDER_ID,
                  name: sso.name,
                  discoveryUrl: sso.discoveryUrl,
                  clientId: sso.clientId,
                  clientSecret: sso.clientSecret,
                  scopes: ["openid", "email", "profile"],
                  pkce: true,
                  requireEmailVerification: true,
                  disableImplicitSignUp: !sso.signUp,
                },
              ],
            }),
          ]
        : []),
      nextCookies(),
    ],
    advanced: {
      database: { generateId: () => crypto.randomUUID() },
      // The client address as scripts/lib/web.ts derived it (trusted proxies only; the client's own value is
      // replaced) — never X-Forwarded-For as sent, which any client can rotate.
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
    },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        const attempt = signInAttempt(ctx);
        if (!attempt) return;
        const refusal = await checkSignIn(prisma, attempt.email, attempt.ip);
        if (refusal)
          throw new APIError(
            "TOO_MANY_REQUESTS",
            { message: refusal.message, code: "SIGN_IN_THROTTLED" },
            { "Retry-After": String(refusal.retryAfterSeconds) },
          );
      }),
      after: createAuthMiddleware(async (ctx) => {
        const attempt = signInAttempt(ctx);
        if (!attempt) return;
        const returned = ctx.context.returned;
        if (returned instanceof APIError) {
          if (returned.statusCode === 401) await recordFailure(prisma, attempt.email, attempt.ip);
        } else if (returned !== undefined) {
          await recordSuccess(prisma, attempt.email, attempt.ip);
        }
      }),
    },
    databaseHooks: {
      user: {
        create: {
          // Only SSO creates users through better-auth (email sign-up is off; admins use createUser). An address
          // the provider has not verified must not claim an account (it could squat a colleague's email).
          before: async (user) => (user.emailVerified ? undefined : false),
          after: async (user) => {
            await prisma.$transaction((tx) =>
              appendAudit(tx, {
                actor: { id: user.id, email: user.email },
                action: "user.created",
                entityType: "user",
                entityId: user.id,
                after: { email: user.email, name: user.name, roles: ["viewer"], via: "sso" },
              }),
            );
          },
        },
      },
      session: {
        create: {
          // A deactivated user (Settings → Users) cannot sign in again, with a password or through SSO.
          before: async (session) => {
            const user = await prisma.user.findUnique({ where: { id: session.userId }, select: { disabled: true } });
            if (user?.disabled)
              throw new APIError("FORBIDDEN", {
                code: "ACCOUNT_DEACTIVATED",
                message: "This account is deactivated: ask an administrator to reactivate it.",
              });
          },
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
