import type { Metadata } from "next";
import Link from "next/link";
import { ExceptionDetailView } from "@/components/exceptions/exception-detail";
import { PageHeader } from "@/components/shell/page-header";
import { requirePageUser } from "@/server/auth/session";

export const metadata: Metadata = { title: "Exception" };

export default async function ExceptionPage({ params }: { params: Promise<{ id: string }> }) {
  const { user } = await requirePageUser("viewer");
  const { id } = await params;
  const valid = /^[0-9a-f-]{36}$/i.test(id);
  return (
    <>
      <PageHeader
        title="Exception"
        description={`Exception ${id}`}
        actions={
          <Link href="/exceptions" className="text-sm text-brand-700 hover:underline">
            ← Back to the queue
          </Link>
        }
      />
      {valid ? (
        <ExceptionDetailView id={id} roles={user.roles} />
      ) : (
        <p className="p-8 text-sm text-slate-600">This exception does not exist.</p>
      )}
    </>
  );
}
