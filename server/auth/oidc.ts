// Single sign-on with the firm's OpenID Connect provider (Entra ID, Okta, Keycloak, Google Workspace…) through
// better-auth's genericOAuth plugin. Configured by environment; off when WEFT_OIDC_DISCOVERY_URL is unset.
// Accounts an admin created are linked by their (provider-verified) email on first SSO sign-in; people with no
// account get one with the viewer role unless WEFT_OIDC_SIGNUP=off. Roles are always granted in Weft.
import "server-only";
import { StartupError } from "../db/errors";

export const SSO_PROVIDER_ID = "sso";

export interface OidcSettings {
  discoveryUrl: string;
  clientId: string;
  clientSecret: string;
  /** Shown on the sign-in button, e.g. "Microsoft Entra ID". */
  name: string;
  /** Create accounts (viewer role) for people who have none yet. */
  signUp: boolean;
}

export function oidcSettings(env: NodeJS.ProcessEnv = process.env): OidcSettings | null {
  const discoveryUrl = env.WEFT_OIDC_DISCOVERY_URL;
  if (!discoveryUrl) return null;
  const clientId = env.WEFT_OIDC_CLIENT_ID;
  const clientSecret = env.WEFT_OIDC_CLIENT_SECRET;
  if (!clientId || !clientSecret) {
    throw new StartupError(
      "WEFT_OIDC_DISCOVERY_URL is set but WEFT_OIDC_CLIENT_ID or WEFT_OIDC_CLIENT_SECRET is not: set both (from the app registration at your identity provider), or unset WEFT_OIDC_DISCOVERY_URL.",
    );
  }
  try {
    new URL(discoveryUrl);
  } catch {
    throw new StartupError(
      `WEFT_OIDC_DISCOVERY_URL "${discoveryUrl}" is not a URL; it is the provider's …/.well-known/openid-configuration address.`,
    );
  }
  return {
    discoveryUrl,
    clientId,
    clientSecret,
    name: env.WEFT_OIDC_NAME || "single sign-on",
    signUp: env.WEFT_OIDC_SIGNUP !== "off",
  };
}
