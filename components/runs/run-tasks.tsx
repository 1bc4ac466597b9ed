"use client";
// A run's approval tasks on the run page: "Waiting for approval by <team>" with a link to the task in the Inbox
// (for whoever may decide it), or who decided what.
import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/components/trpc/client";
import { Badge } from "@/components/ui/badge";
import { DECISION_LABELS } from "@/core/tasks/decision";
import type { ApprovalDecision } from "@/core/dsl/schema";

export function RunTasks({ runId, live }: { runId: string; live: boolean }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.tasks.forRun.queryOptions({ runId }, { refetchInterval: live ? 2000 : false }));
  if (!q.data?.length) return null;
  return (
    <div className="flex flex-col gap-2 md:col-span-4" data-testid="run-tasks">
      {q.data.map((t) =>
        t.status === "open" ? (
          <p key={t.id} className="rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
            <Badge tone="amber">waiting</Badge> Waiting for approval by <strong>{t.assignee}</strong> at step{" "}
            <span className="font-mono text-xs">{t.path}</span>
            {t.dueAt && <> · due {new Date(t.dueAt).toLocaleString()}</>} ·{" "}
            {t.mine ? (
              <Link href={`/inbox?task=${t.id}`} className="font-medium text-brand-700 hover:underline">
                Open the task in your Inbox
              </Link>
            ) : (
              <span className="text-slate-600">“{t.title}”</span>
            )}
          </p>
        ) : (
          <p key={t.id} className="text-sm text-slate-700">
            Approval at <span className="font-mono text-xs">{t.path}</span>:{" "}
            {t.status === "decided"
              ? `${DECISION_LABELS[t.decision as ApprovalDecision] ?? t.decision} by ${t.decidedBy}`
              : t.status}
          </p>
        ),
      )}
    </div>
  );
}
