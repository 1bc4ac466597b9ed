// Starts what the Weft test servers talk to besides their databases: the OpenID provider for SSO sign-in.
import { startIdp } from "./oidc-idp";
import { e2eWorkers, serverUrl } from "./servers";

export default async function globalSetup(): Promise<() => Promise<void>> {
  const servers = Array.from({ length: e2eWorkers() }, (_, i) => serverUrl(i));
  const idp = await startIdp(Number(process.env.E2E_OIDC_PORT), servers);
  return () => idp.close();
}
