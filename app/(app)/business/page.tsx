import type { Metadata } from "next";
import { Suspense } from "react";
import { BusinessPage } from "@/components/business/business-page";
import { PageHeader } from "@/components/shell/page-header";
import { requirePageUser } from "@/server/auth/session";

export const metadata: Metadata = { title: "Business" };

export default async function Business() {
  const { user } = await requirePageUser("viewer");
  return (
    <>
      <PageHeader
        title="Business"
        description="Does the firm bill faster? KPIs computed from the facts the flows record as they run — each with its definition and what is behind it."
      />
      <Suspense>
        <BusinessPage roles={user.roles} />
      </Suspense>
    </>
  );
}
