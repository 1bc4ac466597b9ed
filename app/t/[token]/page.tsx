// A task opened by a signed link (server/tasks/link.ts): for an approver who never signs into Weft. The link
// opens only its task; a forged, expired or spent link says so. No navigation, nothing else of the workspace.
import type { Metadata } from "next";
import { DomainError } from "@/core/domain-error";
import { db } from "@/server/db/client";
import { taskByLink } from "@/server/tasks/service";
import { LinkedTask } from "@/components/inbox/linked-task";

export const metadata: Metadata = { title: "Approval", robots: { index: false } };
export const dynamic = "force-dynamic";

export default async function TaskLinkPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  let opened: Awaited<ReturnType<typeof taskByLink>> | null = null;
  let refused: string | null = null;
  try {
    opened = await taskByLink(db(), decodeURIComponent(token));
  } catch (e) {
    if (!(e instanceof DomainError)) throw e;
    refused = e.message;
  }
  return (
    <main className="mx-auto max-w-2xl p-8">
      <p className="text-sm font-semibold tracking-tight text-brand-700">Weft · approval</p>
      {refused || !opened ? (
        <p role="alert" className="mt-6 rounded-md border border-red-200 bg-red-50 p-4 text-sm text-red-800">
          {refused}
        </p>
      ) : (
        <LinkedTask
          token={token}
          email={opened.email}
          expiresAt={opened.expiresAt.toISOString()}
          task={{
            title: opened.task.title,
            flow: opened.task.flow.name,
            summary: opened.task.summary,
            businessKeys: opened.task.businessKeys,
            decisions: opened.task.decisions,
            form: opened.task.form,
            dueAt: opened.task.dueAt ? opened.task.dueAt.toISOString() : null,
            status: opened.task.status,
            decision: opened.task.decision,
            decidedBy: opened.task.decidedBy,
            expired: !!opened.task.expiresAt && opened.task.expiresAt.getTime() <= Date.now(),
          }}
        />
      )}
    </main>
  );
}
