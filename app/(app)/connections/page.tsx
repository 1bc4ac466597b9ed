import type { Metadata } from "next";
import { PageHeader } from "@/components/shell/page-header";
import { ConnectionsView } from "@/components/connections/connections-view";
import { requirePageUser } from "@/server/auth/session";
import { hasRole } from "@/core/roles";

export const metadata: Metadata = { title: "Connections" };

export default async function ConnectionsPage() {
  const { user } = await requirePageUser();
  return (
    <>
      <PageHeader
        title="Connections"
        description="Named credentials for the systems flows call. Secrets are encrypted at rest and never leave the server."
      />
      <ConnectionsView canEdit={hasRole(user.roles, "admin")} canTest={hasRole(user.roles, "designer")} />
    </>
  );
}
