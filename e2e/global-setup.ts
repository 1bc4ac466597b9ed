// Starts what the Weft test server talks to besides its database: the OpenID provider for SSO sign-in.
import type { FullConfig } from "@playwright/test";
import { startIdp } from "./oidc-idp";

export default async function globalSetup(config: FullConfig): Promise<() => Promise<void>> {
  const baseURL = config.projects[0]?.use.baseURL ?? "http://localhost:3210";
  const idp = await startIdp(Number(process.env.E2E_OIDC_PORT), baseURL);
  return () => idp.close();
}
