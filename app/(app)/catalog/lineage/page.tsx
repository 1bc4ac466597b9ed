import type { Metadata } from "next";
import { LineageView } from "@/components/catalog/lineage-view";
import { CatalogTabs } from "@/components/catalog/shared";
import { PageHeader } from "@/components/shell/page-header";
import { requirePageUser } from "@/server/auth/session";

export const metadata: Metadata = { title: "Lineage" };

export default async function LineagePage() {
  await requirePageUser("viewer");
  return (
    <>
      <PageHeader title="Lineage" description="Systems, flows and domain events: what feeds what across the estate." />
      <CatalogTabs />
      <LineageView />
    </>
  );
}
