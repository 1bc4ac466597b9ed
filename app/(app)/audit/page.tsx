import type { Metadata } from "next";
import { AuditLogView } from "@/components/audit/audit-log-view";
import { PageHeader } from "@/components/shell/page-header";
import { Forbidden } from "@/components/shell/forbidden";
import { requirePageUser } from "@/server/auth/session";

export const metadata: Metadata = { title: "Audit" };

export default async function AuditPage() {
  const { allowed } = await requirePageUser("admin");
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change, sign-in and approval — append-only and hash-chained, so tampering is detectable."
      />
      {allowed ? <AuditLogView /> : <Forbidden role="admin" />}
    </>
  );
}
