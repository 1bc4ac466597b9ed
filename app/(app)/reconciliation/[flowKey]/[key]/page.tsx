import type { Metadata } from "next";
import { Suspense } from "react";
import Link from "next/link";
import { ReconciliationDetail } from "@/components/reconciliation/reconciliation-detail";
import { PageHeader } from "@/components/shell/page-header";
import { requirePageUser } from "@/server/auth/session";

export const metadata: Metadata = { title: "Reconciliation" };

export default async function ReconciliationDetailPage({
  params,
}: {
  params: Promise<{ flowKey: string; key: string }>;
}) {
  await requirePageUser("viewer");
  const { flowKey, key } = await params;
  const [f, k] = [decodeURIComponent(flowKey), decodeURIComponent(key)];
  return (
    <>
      <PageHeader
        title="Reconciliation"
        description={`${k} · a reconcile step of flow ${f}`}
        actions={
          <Link href="/reconciliation" className="text-sm text-brand-700 hover:underline">
            ← All reconciliations
          </Link>
        }
      />
      <Suspense>
        <ReconciliationDetail flowKey={f} reconKey={k} />
      </Suspense>
    </>
  );
}
