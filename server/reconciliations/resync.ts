// "Re-sync" on a break: runs the flow the reconciliation names as the one that synchronises the record
// (its `resync` in the reconcile step, docs/reconciliation.md) for the break's key — the published version,
// through the normal run-start path, once per request (idempotency key = break + request id) — links the run
// to the exception and audits it. The exception stays open: the next reconciliation run that finds the pair
// matching resolves it (server/exceptions/auto-resolve.ts).
import "server-only";
import { DomainError, notFound } from "../../core/domain-error";
import { evaluateMapping } from "../../core/dsl";
import { reconcileSteps, resyncContext, type BreakDetail } from "../../core/reconcile";
import { startPublishedRun, type OpsDeps } from "../runtime/operations";

/** A break stored before break_detail existed: what its business keys still tell. */
function detailFromKeys(identity: string, keys: Record<string, string>): BreakDetail {
  const [reconciliation = "", rule = ""] = identity.split("|");
  const recordKey = keys.recordKey ?? "";
  return {
    reconciliation,
    rule,
    recordKey,
    keyParts: recordKey ? recordKey.split(" / ") : [],
    ids: {},
    rows: {},
    missingOn: [],
    duplicateOn: [],
    difference: null,
  };
}

export async function startResync(
  d: OpsDeps,
  exceptionId: string,
  requestId: string,
): Promise<{ runId: string; flowKey: string; version: string; created: boolean }> {
  return d.db.$transaction(async (tx) => {
    const e = await tx.exception.findUnique({
      where: { id: exceptionId },
      select: {
        id: true,
        status: true,
        flowId: true,
        environment: true,
        breakIdentity: true,
        breakDetail: true,
        businessKeys: true,
      },
    });
    if (!e) throw notFound("Exception");
    if (!e.breakIdentity)
      throw new DomainError("precondition", "Only a reconciliation break can be re-synced; this exception is not one.");
    if (e.status !== "open")
      throw new DomainError("conflict", "This break is no longer open: the next reconciliation run found it settled.");
    const flow = await tx.flow.findUniqueOrThrow({ where: { id: e.flowId }, select: { key: true } });
    const detail =
      (e.breakDetail as BreakDetail | null) ??
      detailFromKeys(e.breakIdentity, e.businessKeys as Record<string, string>);
    const v = await tx.flowVersion.findFirst({
      where: { flowId: e.flowId, status: "approved" },
      orderBy: [{ approvedAt: { sort: "desc", nulls: "last" } }, { createdAt: "desc" }],
      select: { dsl: true },
    });
    const step = v ? reconcileSteps(v.dsl).find((s) => s.definition.key === detail.reconciliation) : undefined;
    if (!step?.resync)
      throw new DomainError(
        "precondition",
        `Reconciliation "${detail.reconciliation}" of ${flow.key} names no re-sync flow (reconcile step field "resync").`,
        { field: "resync" },
      );
    const ctx = resyncContext(detail);
    let input: unknown;
    try {
      input =
        step.resync.input === undefined
          ? { recordKey: ctx.recordKey }
          : await evaluateMapping(step.resync.input, { trigger: ctx });
    } catch (err) {
      throw new DomainError(
        "invalid",
        `The re-sync input of "${detail.reconciliation}" failed for ${ctx.recordKey || "this break"}: ${(err as Error).message}`,
        { field: "resync.input", cause: err },
      );
    }
    // In the break's environment: a break found in test is repaired through test's connections and deployment.
    const run = await startPublishedRun(tx, d, step.resync.flow, input ?? {}, {
      environment: e.environment,
      idempotencyKey: `resync:${e.id}:${requestId}`,
      reason: { resyncOf: e.id },
    });
    if (run.created) {
      await tx.exception.update({ where: { id: e.id }, data: { resyncRunId: run.runId } });
      await d.audit(tx, {
        action: "exception.resync",
        entityType: "exception",
        entityId: e.id,
        after: { runId: run.runId, flowKey: step.resync.flow, version: run.version, recordKey: ctx.recordKey },
        meta: { reconciliation: detail.reconciliation, rule: detail.rule, requestId },
      });
    }
    return { runId: run.runId, flowKey: step.resync.flow, version: run.version, created: run.created };
  });
}
