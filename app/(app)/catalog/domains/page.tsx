import type { Metadata } from "next";
import { DomainsView } from "@/components/catalog/domains-view";
import { CatalogTabs } from "@/components/catalog/shared";
import { PageHeader } from "@/components/shell/page-header";
import { requirePageUser } from "@/server/auth/session";

export const metadata: Metadata = { title: "Domains" };

export default async function DomainsPage() {
  const { user } = await requirePageUser("viewer");
  return (
    <>
      <PageHeader
        title="Domains"
        description="Who owns each business domain, its charter and stewards, the workspace standards, and where each team's alerts go."
      />
      <CatalogTabs />
      <DomainsView roles={user.roles} />
    </>
  );
}
