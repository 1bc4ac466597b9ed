// "Run now" on the Reconciliation page: a manual run of the flow that owns the reconciliation (its published
// version, the normal run-start path, audited). A schedule-triggered flow gets the input a schedule slot
// would give it ({ firedAt }), so a period computed from the firing time works the same.
import "server-only";
import { notFound } from "../../core/domain-error";
import { reconcileSteps } from "../../core/reconcile";
import { flowView } from "../runtime/dsl-view";
import { startPublishedRun, type OpsDeps } from "../runtime/operations";

export async function runReconciliationNow(
  d: OpsDeps,
  flowKey: string,
  reconciliation: string,
): Promise<{ runId: string; version: string }> {
  return d.db.$transaction(async (tx) => {
    const flow = await tx.flow.findUnique({ where: { key: flowKey }, select: { id: true } });
    const v = flow
      ? await tx.flowVersion.findFirst({
          where: { flowId: flow.id, status: "approved" },
          orderBy: [{ approvedAt: { sort: "desc", nulls: "last" } }, { createdAt: "desc" }],
          select: { dsl: true },
        })
      : null;
    if (!v || !reconcileSteps(v.dsl).some((s) => s.definition.key === reconciliation))
      throw notFound(`Reconciliation "${reconciliation}" in the published version of ${flowKey}`);
    const input = flowView(v.dsl).trigger.kind === "schedule" ? { firedAt: new Date().toISOString() } : {};
    const r = await startPublishedRun(tx, d, flowKey, input, { reason: { reconciliation } });
    return { runId: r.runId, version: r.version };
  });
}
