// One exception as an operator reads it: the business sentence first, then the technical error, the
// request/response excerpts, the step trace, related exceptions for the same business keys and the
// history of what was done (from the audit log), plus the schema the input editor checks against.
import "server-only";
import { DomainError } from "../../core/domain-error";
import type { Db } from "../db/client";
import { connectors } from "@/connectors/registry";
import { validatePayload, type JsonSchema } from "../../core/governance/contract-compat";
import { triggerInputSchema, type Trigger } from "../../core/dsl";
import { businessSentence } from "../../core/exceptions/business";
import { isMeasure } from "../../core/exceptions/keys";
import { showPayload, needsReveal } from "./payloads";
import { DEFAULT_AGEING_HOURS } from "./queue";
import { stepInDocument, writeStepOf, type DslStep } from "./dsl-steps";

/** The JSON Schema an edited input must satisfy: the shape the trigger gives a run, the event's contract, else the original input's shape. */
export async function inputSchemaFor(
  db: Db,
  dsl: unknown,
  original: unknown,
): Promise<{ schema: JsonSchema; source: string }> {
  const trigger = (
    dsl as { trigger?: { type?: string; payloadSchema?: JsonSchema; inputSchema?: JsonSchema; event?: string } } | null
  )?.trigger;
  if (trigger?.type === "manual" && trigger.inputSchema)
    return { schema: trigger.inputSchema, source: "the flow's input schema" };
  // A webhook run's input is the request { body, headers, query } (core/dsl trigger-input.ts), its body per
  // the payload schema — or, without one, shaped like the original body.
  if (trigger?.type === "webhook") {
    const body = trigger.payloadSchema ?? inferSchema((original as { body?: unknown } | null)?.body ?? null, true);
    return {
      schema: triggerInputSchema({
        ...(trigger as Trigger & { type: "webhook" }),
        payloadSchema: body as Record<string, unknown>,
      }) as JsonSchema,
      source: trigger.payloadSchema
        ? "the webhook's request, its body per the payload schema"
        : "the webhook's request, its body shaped like the original",
    };
  }
  if (trigger?.type === "event" && trigger.event) {
    const c = await db.eventContract.findFirst({
      where: { name: trigger.event, status: "active" },
      orderBy: { major: "desc" },
      select: { schema: true, version: true },
    });
    if (c) return { schema: c.schema as JsonSchema, source: `event contract ${trigger.event} ${c.version}` };
  }
  return { schema: inferSchema(original, true), source: "the shape of the original input" };
}

/** An edited replay input is checked against the trigger's input shape before anything runs (400 naming the fields). */
export async function checkReplayInput(db: Db, id: string, input: unknown): Promise<void> {
  if (input === undefined) return;
  const e = await db.exception.findUnique({
    where: { id },
    select: { run: { select: { input: true, dslSnapshot: true, flowVersion: { select: { dsl: true } } } } },
  });
  if (!e) throw new DomainError("not_found", "Exception not found.");
  const { schema, source } = await inputSchemaFor(db, e.run.flowVersion?.dsl ?? e.run.dslSnapshot, e.run.input);
  const issues = validatePayload(schema, input);
  if (issues.length)
    throw new DomainError(
      "invalid",
      `The edited input does not match ${source}: ${issues
        .slice(0, 5)
        .map((i) => `${i.path} ${i.message}`)
        .join("; ")}`,
    );
}

/** A schema that keeps the original's fields and types (all present fields required at the top level). */
export function inferSchema(v: unknown, top = false): JsonSchema {
  if (v === null) return {};
  // Every element shapes the items' schema: the original input must always pass its own check.
  if (Array.isArray(v))
    return { type: "array", ...(v.length ? { items: v.map((x) => inferSchema(x)).reduce(widen) } : {}) };
  if (typeof v === "object") {
    const props = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, inferSchema(x)]));
    return { type: "object", properties: props, ...(top ? { required: Object.keys(props) } : {}) };
  }
  if (typeof v === "number") return { type: "number" };
  if (typeof v === "boolean") return { type: "boolean" };
  return { type: "string" };
}

/** The schema both values satisfy: objects keep every field (each widened), anything else that differs accepts any value. */
function widen(a: JsonSchema, b: JsonSchema): JsonSchema {
  if (JSON.stringify(a) === JSON.stringify(b)) return a;
  if (a.type === "object" && b.type === "object") {
    const props: Record<string, JsonSchema> = { ...(a.properties as Record<string, JsonSchema> | undefined) };
    for (const [k, x] of Object.entries((b.properties ?? {}) as Record<string, JsonSchema>))
      props[k] = props[k] ? widen(props[k], x) : x;
    return { type: "object", properties: props };
  }
  if (a.type === "array" && b.type === "array")
    return {
      type: "array",
      ...(a.items && b.items ? { items: widen(a.items as JsonSchema, b.items as JsonSchema) } : {}),
    };
  return {};
}

export async function exceptionDetail(db: Db, id: string, opts: { revealed?: boolean } = {}) {
  const e = await db.exception.findUnique({
    where: { id },
    include: {
      run: {
        select: {
          id: true,
          status: true,
          input: true,
          triggerType: true,
          createdAt: true,
          finishedAt: true,
          businessKeys: true,
          flowVersionId: true,
          dslSnapshot: true,
          replayOfId: true,
          flowVersion: { select: { version: true, dsl: true } },
          flow: {
            select: {
              id: true,
              key: true,
              name: true,
              domain: true,
              classification: true,
              ownerTeam: { select: { id: true, name: true } },
            },
          },
        },
      },
    },
  });
  if (!e) throw new DomainError("not_found", "Exception not found.");
  const flow = e.run.flow;
  const dsl = e.run.flowVersion?.dsl ?? e.run.dslSnapshot;
  const stepId = e.stepPath ? (e.stepPath.split(".").pop() ?? "").replace(/\[\d+\]/g, "") : null;
  const step: DslStep | null = stepId ? stepInDocument(dsl, stepId) : null;
  const manifest = step?.connector ? connectors[step.connector] : undefined;
  const system = manifest?.name ?? step?.connector ?? null;
  // A failed lookup is reported by what it held up: the write to the same system the flow was heading for.
  const target =
    step?.connector && /^(get|list|find|search|read|query)/i.test(step.operation ?? "")
      ? writeStepOf(dsl, step.connector)
      : null;

  // Related = sharing an identifying key (an invoice, a customer, project 70166), not a measure such as hours or an
  // amount (rows from before measures were left out of the values may still hold them).
  const identifying = e.businessKeyValues.filter((v) => {
    const at = v.indexOf("=");
    return !isMeasure(v.slice(0, at), v.slice(at + 1));
  });
  const [steps, related, history, policy, latest, assignee, team, replays] = await Promise.all([
    db.stepRun.findMany({ where: { runId: e.runId }, orderBy: [{ startedAt: "asc" }, { path: "asc" }] }),
    identifying.length
      ? db.exception.findMany({
          where: { id: { not: id }, businessKeyValues: { hasSome: identifying } },
          orderBy: { createdAt: "desc" },
          take: 20,
          select: {
            id: true,
            status: true,
            errorClass: true,
            message: true,
            createdAt: true,
            runId: true,
            businessKeys: true,
            run: { select: { flow: { select: { key: true, name: true } } } },
          },
        })
      : Promise.resolve([]),
    db.auditLog.findMany({
      where: {
        OR: [
          { entityType: "exception", entityId: id },
          { entityType: "run", entityId: e.runId },
        ],
      },
      orderBy: { seq: "asc" },
      take: 200,
    }),
    db.exceptionPolicy.findUnique({ where: { flowId: flow.id } }),
    db.flowVersion.findFirst({
      where: { flowId: flow.id, status: "approved" },
      orderBy: [{ approvedAt: { sort: "desc", nulls: "last" } }, { createdAt: "desc" }],
      select: { version: true },
    }),
    e.assigneeId
      ? db.user.findUnique({ where: { id: e.assigneeId }, select: { id: true, name: true, email: true } })
      : Promise.resolve(null),
    e.assigneeTeamId
      ? db.team.findUnique({ where: { id: e.assigneeTeamId }, select: { id: true, name: true } })
      : Promise.resolve(null),
    db.run.findMany({
      where: { replayOfId: e.runId },
      orderBy: { createdAt: "desc" },
      select: {
        id: true,
        status: true,
        createdAt: true,
        businessKeys: true,
        businessKeyValues: true,
        flowVersion: { select: { version: true } },
      },
    }),
  ]);
  const failing =
    steps
      .filter((s) => s.path === e.stepPath || s.path.endsWith(`/${e.stepPath}`))
      .sort((a, b) => (b.startedAt?.getTime() ?? 0) - (a.startedAt?.getTime() ?? 0))[0] ?? null;
  const sentence = businessSentence({
    domain: flow.domain,
    businessKeys: (e.businessKeys ?? e.run.businessKeys) as Record<string, unknown> | null,
    context: [e.run.input, failing?.input],
    system,
    operation: target?.operation ?? step?.operation ?? null,
    stepInput: failing?.input,
    message: e.message,
  });
  const revealed = !!opts.revealed;
  const cls = flow.classification;
  const ageingHours = policy?.ageingHours ?? DEFAULT_AGEING_HOURS;
  const actorIds = [...new Set(history.map((h) => h.actorId).filter((x): x is string => !!x))];
  const actors = actorIds.length
    ? await db.user.findMany({ where: { id: { in: actorIds } }, select: { id: true, name: true } })
    : [];
  const schema = await inputSchemaFor(db, dsl, e.run.input);
  return {
    id: e.id,
    status: e.status,
    sentence,
    errorClass: e.errorClass,
    message: e.message,
    signature: e.signature,
    stepPath: e.stepPath,
    step: step
      ? {
          id: step.id,
          name: step.name ?? null,
          type: step.type,
          connector: step.connector ?? null,
          operation: step.operation ?? null,
          system,
        }
      : null,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    resolution: e.resolution,
    resolvedAt: e.resolvedAt,
    resolvedByRunId: e.resolvedByRunId,
    businessKeys: e.businessKeys as Record<string, unknown> | null,
    /** A failed item of a batch that went on: the foreach step's path (retry and skip do not apply). */
    itemOf: e.itemOf,
    impactAmount: e.impactAmount,
    impactHours: e.impactHours,
    ageingHours,
    ageing: e.status === "open" && Date.now() - e.createdAt.getTime() > ageingHours * 3_600_000,
    classification: cls,
    needsReveal: needsReveal(cls),
    revealed,
    request: showPayload(e.request, cls, revealed),
    response: showPayload(e.response, cls, revealed),
    assignee,
    team,
    flow: { key: flow.key, name: flow.name, domain: flow.domain, ownerTeam: flow.ownerTeam },
    run: {
      id: e.run.id,
      status: e.run.status,
      triggerType: e.run.triggerType,
      createdAt: e.run.createdAt,
      finishedAt: e.run.finishedAt,
      version: e.run.flowVersion?.version ?? "draft",
      input: showPayload(e.run.input, cls, revealed),
    },
    /** Whether the raw input can be edited here (an operator sees it after the audited reveal on sensitive flows). */
    editableInput: revealed || !needsReveal(cls) ? e.run.input : null,
    inputSchema: schema,
    latestVersion: latest?.version ?? null,
    failingStep: failing
      ? {
          path: failing.path,
          input: showPayload(failing.input, cls, revealed),
          output: showPayload(failing.output, cls, revealed),
          attempts: failing.attempts,
          attemptLog: failing.attemptLog,
        }
      : null,
    steps: steps.map((s) => ({
      path: s.path,
      stepId: s.stepId,
      status: s.status,
      attempts: s.attempts,
      archived: s.path.startsWith("~"),
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      error: s.error,
    })),
    related: related.map((r) => ({
      id: r.id,
      status: r.status,
      errorClass: r.errorClass,
      message: r.message,
      createdAt: r.createdAt,
      runId: r.runId,
      flowKey: r.run.flow.key,
      flowName: r.run.flow.name,
      businessKeys: r.businessKeys as Record<string, unknown> | null,
    })),
    // A replay that succeeded without business keys did not close this exception (engine/run.ts settleExceptions).
    replays: replays.map((r) => ({
      id: r.id,
      status: r.status,
      createdAt: r.createdAt,
      version: r.flowVersion?.version ?? null,
      emptyBusinessKeys: r.businessKeys !== null && r.businessKeyValues.length === 0,
    })),
    history: history.map((h) => ({
      seq: String(h.seq),
      at: h.at,
      action: h.action,
      actor: actors.find((a) => a.id === h.actorId)?.name ?? h.actorEmail ?? (h.actorId ? h.actorId : "Weft"),
      entityType: h.entityType,
      before: h.before,
      after: h.after,
      meta: h.meta,
    })),
  };
}
export type ExceptionDetail = Awaited<ReturnType<typeof exceptionDetail>>;
