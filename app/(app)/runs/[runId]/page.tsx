import type { Metadata } from "next";
import { RunView } from "@/components/runs/run-view";
import { PageHeader } from "@/components/shell/page-header";
import { requirePageUser } from "@/server/auth/session";
import { db } from "@/server/db/client";

export const metadata: Metadata = { title: "Run" };

export default async function RunPage({ params }: { params: Promise<{ runId: string }> }) {
  const { user } = await requirePageUser("viewer");
  const { runId } = await params;
  const valid = /^[0-9a-f-]{36}$/i.test(runId);
  const run = valid
    ? await db().run.findUnique({ where: { id: runId }, select: { flow: { select: { name: true } } } })
    : null;
  return (
    <>
      <PageHeader title={run ? `Run of ${run.flow.name}` : "Run"} description={`Run ${runId}`} />
      {run ? (
        <RunView runId={runId} roles={user.roles} />
      ) : (
        <p className="p-8 text-sm text-slate-600">This run does not exist.</p>
      )}
    </>
  );
}
