import type { Metadata } from "next";
import { Suspense } from "react";
import { ReconciliationList } from "@/components/reconciliation/reconciliation-list";
import { PageHeader } from "@/components/shell/page-header";
import { requirePageUser } from "@/server/auth/session";

export const metadata: Metadata = { title: "Reconciliation" };

export default async function ReconciliationPage() {
  await requirePageUser("viewer");
  return (
    <>
      <PageHeader
        title="Reconciliation"
        description="Do the systems agree? Each reconciliation with its last run, match-rate trend and what its open breaks hold up."
      />
      <Suspense>
        <ReconciliationList />
      </Suspense>
    </>
  );
}
