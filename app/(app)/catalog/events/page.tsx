import type { Metadata } from "next";
import { EventsView } from "@/components/catalog/events-view";
import { CatalogTabs } from "@/components/catalog/shared";
import { PageHeader } from "@/components/shell/page-header";
import { requirePageUser } from "@/server/auth/session";
import { hasRole } from "@/core/roles";

export const metadata: Metadata = { title: "Event contracts" };

export default async function EventsPage() {
  const { user } = await requirePageUser("viewer");
  return (
    <>
      <PageHeader
        title="Event contracts"
        description="Domain events with their JSON Schemas, owners, producers and consumers. Within a major version every change stays backward compatible."
      />
      <CatalogTabs />
      <EventsView canEdit={hasRole(user.roles, "designer")} />
    </>
  );
}
