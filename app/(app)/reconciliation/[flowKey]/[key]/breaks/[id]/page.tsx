import type { Metadata } from "next";
import Link from "next/link";
import { BreakDetail } from "@/components/reconciliation/break-detail";
import { PageHeader } from "@/components/shell/page-header";
import { requirePageUser } from "@/server/auth/session";

export const metadata: Metadata = { title: "Break" };

export default async function BreakPage({ params }: { params: Promise<{ flowKey: string; key: string; id: string }> }) {
  await requirePageUser("viewer");
  const { flowKey, key, id } = await params;
  const valid = /^[0-9a-f-]{36}$/i.test(id);
  return (
    <>
      <PageHeader
        title="Break"
        description={`A disagreement found by reconciliation ${decodeURIComponent(key)}`}
        actions={
          <Link href={`/reconciliation/${flowKey}/${key}`} className="text-sm text-brand-700 hover:underline">
            ← Back to the reconciliation
          </Link>
        }
      />
      {valid ? <BreakDetail id={id} /> : <p className="p-8 text-sm text-slate-600">This break does not exist.</p>}
    </>
  );
}
