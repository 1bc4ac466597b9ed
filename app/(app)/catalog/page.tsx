import type { Metadata } from "next";
import { CatalogView } from "@/components/catalog/catalog-view";
import { CatalogTabs } from "@/components/catalog/shared";
import { PageHeader } from "@/components/shell/page-header";
import { requirePageUser } from "@/server/auth/session";

export const metadata: Metadata = { title: "Catalog" };

export default async function CatalogPage() {
  await requirePageUser("viewer");
  return (
    <>
      <PageHeader
        title="Catalog"
        description="Every integration with its owner, classification, lifecycle, version, SLOs and what it touches."
      />
      <CatalogTabs />
      <CatalogView />
    </>
  );
}
