// A real OpenID Connect provider for the SSO tests (panva's oidc-provider, the certified implementation), with
// its development login and consent screens: any login name is accepted and becomes the account whose email
// it is. Started by e2e/global-setup.ts on E2E_OIDC_PORT; every Weft test server is configured against it.
import type { Server } from "node:http";
import Provider from "oidc-provider";

export const OIDC_CLIENT = { id: "weft-e2e", secret: "weft-e2e-client-secret-0123456789" };

export async function startIdp(
  port: number,
  weftBaseUrls: string[],
): Promise<{ issuer: string; close(): Promise<void> }> {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: OIDC_CLIENT.id,
        client_secret: OIDC_CLIENT.secret,
        redirect_uris: weftBaseUrls.map((u) => `${u}/api/auth/callback/sso`),
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          // "unverified+…" logins stand for a provider that has not verified the address.
          const email = id.replace(/^unverified\+/, "");
          return {
            sub: `idp-${email}`,
            email,
            email_verified: !id.startsWith("unverified+"),
            name: email.split("@")[0]!.replace(/[._]/g, " "),
          };
        },
      };
    },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ["weft-e2e-oidc-cookie-key"] },
  });
  const server: Server = await new Promise((resolve) => {
    const s = provider.listen(port, "127.0.0.1", () => resolve(s));
  });
  return { issuer, close: () => new Promise<void>((r) => server.close(() => r())) };
}
